//! Replaying the PyTorch fixtures (the layout `scripts/make_fixtures.py`
//! documents): reading a file, making its inputs as a user would and comparing
//! results with PyTorch's. Shared by `parity.rs` and `layers_parity.rs`.

// Each test binary that includes this module uses a different part of it.
#![allow(dead_code)]

use ferrograd::{DType, Tensor};
use safetensors::{Dtype, SafeTensors};
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Issue 4's tolerance for float32: `|actual - expected| <= ATOL + RTOL * |expected|`.
pub const RTOL: f64 = 1e-5;
pub const ATOL: f64 = 1e-6;

pub enum Data {
    F32(Vec<f32>),
    I64(Vec<i64>),
    Bool(Vec<bool>),
}

pub struct Stored {
    pub shape: Vec<usize>,
    pub data: Data,
}

pub struct Fixture {
    pub name: String,
    pub op: String,
    pub args: Value,
    pub transposed: Vec<usize>,
    pub tensors: HashMap<String, Stored>,
}

/// `fixtures/torch/<sub>` of the repository.
pub fn fixture_dir(sub: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/torch")
        .join(sub)
}

pub fn read_fixture(path: &Path) -> Fixture {
    let bytes = std::fs::read(path).unwrap();
    let (_, header) = SafeTensors::read_metadata(&bytes).unwrap();
    let meta = header.metadata().clone().unwrap_or_default();
    let json = |key: &str| -> Value { serde_json::from_str(&meta[key]).unwrap() };
    let files = SafeTensors::deserialize(&bytes).unwrap();
    let tensors = files
        .iter()
        .map(|(name, view)| {
            let raw = view.data();
            let data = match view.dtype() {
                Dtype::F32 => Data::F32(
                    raw.chunks_exact(4)
                        .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
                        .collect(),
                ),
                Dtype::I64 => Data::I64(
                    raw.chunks_exact(8)
                        .map(|b| i64::from_le_bytes(b.try_into().unwrap()))
                        .collect(),
                ),
                Dtype::BOOL => Data::Bool(raw.iter().map(|&b| b != 0).collect()),
                other => panic!("{}: {name} has dtype {other:?}", path.display()),
            };
            let shape = view.shape().to_vec();
            (name.to_string(), Stored { shape, data })
        })
        .collect();
    Fixture {
        name: path.file_stem().unwrap().to_string_lossy().into_owned(),
        op: meta["op"].clone(),
        args: json("args"),
        transposed: serde_json::from_value(json("transposed")).unwrap(),
        tensors,
    }
}

/// Every fixture directly in `dir`, by file name.
pub fn fixtures_in(dir: &Path) -> Vec<Fixture> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "safetensors"))
        .collect();
    paths.sort();
    paths.iter().map(|p| read_fixture(p)).collect()
}

/// A number argument, if present.
pub fn num(a: &Value, key: &str) -> Option<f64> {
    a.get(key).map(|v| v.as_f64().unwrap())
}

/// `data` of `shape` with its last two dims swapped, packed.
pub fn transpose_last2<T: Copy>(data: &[T], shape: &[usize]) -> Vec<T> {
    let (r, c) = (shape[shape.len() - 2], shape[shape.len() - 1]);
    let mut out = data.to_vec();
    for (b, block) in data.chunks(r * c).enumerate() {
        for i in 0..r {
            for j in 0..c {
                out[b * r * c + j * r + i] = block[i * c + j];
            }
        }
    }
    out
}

/// The tensor a user makes from stored data; with `transposed`, packed in the
/// swapped shape (the view is taken by the caller).
pub fn make_tensor(s: &Stored, transposed: bool) -> Tensor {
    let mut shape = s.shape.clone();
    let n = shape.len();
    if transposed {
        shape.swap(n - 2, n - 1);
    }
    let t = match &s.data {
        Data::F32(d) if transposed => Tensor::from_vec(transpose_last2(d, &s.shape), &shape),
        Data::F32(d) => Tensor::from_vec(d.clone(), &shape),
        Data::I64(d) if transposed => Tensor::from_vec_i64(transpose_last2(d, &s.shape), &shape),
        Data::I64(d) => Tensor::from_vec_i64(d.clone(), &shape),
        Data::Bool(d) => Tensor::from_vec_bool(d.clone(), &shape),
    };
    t.unwrap()
}

/// The largest errors of a comparison.
#[derive(Debug, Clone, Copy, Default)]
pub struct Errors {
    pub max_abs: f64,
    pub max_rel: f64,
}

impl Errors {
    /// The larger of each figure.
    pub fn max(self, o: Errors) -> Errors {
        Errors {
            max_abs: self.max_abs.max(o.max_abs),
            max_rel: self.max_rel.max(o.max_rel),
        }
    }
}

/// Compares a tensor with a stored one: shape, dtype and every element; returns
/// the largest errors.
pub fn check_matches(
    what: &str,
    actual: &Tensor,
    expected: &Stored,
) -> std::result::Result<Errors, String> {
    if actual.shape() != expected.shape.as_slice() {
        return Err(format!(
            "{what}: shape {:?}, PyTorch has {:?}",
            actual.shape(),
            expected.shape
        ));
    }
    let exact = |same: bool| {
        same.then_some(Errors::default())
            .ok_or_else(|| format!("{what}: {actual:?} differs from PyTorch's values"))
    };
    let e = match (&expected.data, actual.dtype()) {
        (Data::F32(e), DType::F32) => e,
        (Data::I64(e), DType::I64) => return exact(actual.to_vec_i64().unwrap() == *e),
        (Data::Bool(e), DType::Bool) => {
            let values = actual.to_vec_f64();
            return exact(values.iter().map(|&v| v != 0.0).eq(e.iter().copied()));
        }
        (_, dtype) => return Err(format!("{what}: dtype {dtype}, not PyTorch's")),
    };
    let a = actual.to_vec_f32().unwrap();
    let mut first_bad = None;
    let (mut max_abs, mut max_rel) = (0f64, 0f64);
    for (i, (&ai, &ei)) in a.iter().zip(e).enumerate() {
        let (ai, ei) = (ai as f64, ei as f64);
        // A NaN counts as the largest error.
        let err = if ai.is_nan() != ei.is_nan() {
            f64::INFINITY
        } else {
            (ai - ei).abs()
        };
        if err > ATOL + RTOL * ei.abs() && first_bad.is_none() {
            first_bad = Some(i);
        }
        max_abs = max_abs.max(err);
        if ei != 0.0 {
            max_rel = max_rel.max(err / ei.abs());
        }
    }
    match first_bad {
        None => Ok(Errors { max_abs, max_rel }),
        Some(i) => Err(format!(
            "{what}: element {i} is {}, PyTorch has {} (max abs error {max_abs:.2e}, max rel error {max_rel:.2e})",
            a[i], e[i]
        )),
    }
}

/// The fixture's inputs as a user makes them: the leaves (requiring grad where
/// the fixture has a gradient) and the inputs an op takes, where a transposed
/// input is a strided view of its leaf.
pub fn inputs(f: &Fixture) -> (Vec<Tensor>, Vec<Tensor>) {
    let mut leaves = Vec::new();
    let mut inputs = Vec::new();
    for i in 0.. {
        let Some(stored) = f.tensors.get(&format!("input.{i}")) else {
            break;
        };
        let transposed = f.transposed.contains(&i);
        let leaf = make_tensor(stored, transposed);
        if f.tensors.contains_key(&format!("grad.{i}")) {
            leaf.set_requires_grad(true).unwrap();
        }
        let input = if transposed {
            let view = leaf.transpose(-2, -1).unwrap();
            assert!(!view.is_contiguous(), "{}: input.{i} is a view", f.name);
            view
        } else {
            leaf.clone()
        };
        leaves.push(leaf);
        inputs.push(input);
    }
    (leaves, inputs)
}

/// After backward: compares `grad.i` of the fixture with the gradient of
/// `grad_leaves[i]`, the tensor standing for input i.
pub fn check_grads(f: &Fixture, grad_leaves: &[Tensor]) -> std::result::Result<Errors, String> {
    let mut worst = Errors::default();
    for (i, leaf) in grad_leaves.iter().enumerate() {
        let Some(expected) = f.tensors.get(&format!("grad.{i}")) else {
            continue;
        };
        let grad = leaf
            .grad()
            .ok_or_else(|| format!("grad.{i}: the core computed no gradient"))?;
        let grad = if f.transposed.contains(&i) {
            grad.transpose(-2, -1).unwrap()
        } else {
            grad
        };
        worst = worst.max(check_matches(&format!("grad.{i}"), &grad, expected)?);
    }
    Ok(worst)
}

/// Replays every fixture of `op` with `replay`, reporting all that differ;
/// returns the largest errors.
pub fn check_op(
    fixtures: Vec<Fixture>,
    op: &str,
    replay: impl Fn(&Fixture) -> std::result::Result<Errors, String>,
) -> Errors {
    let cases: Vec<Fixture> = fixtures.into_iter().filter(|f| f.op == op).collect();
    assert!(!cases.is_empty(), "no fixture for op '{op}'");
    let mut worst = Errors::default();
    let mut failures = Vec::new();
    for f in &cases {
        match replay(f) {
            Ok(e) => worst = worst.max(e),
            Err(e) => failures.push(format!("{}: {e}", f.name)),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} '{op}' fixtures differ from PyTorch:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    println!(
        "{op}: {} cases, max abs error {:.2e}, max rel error {:.2e}",
        cases.len(),
        worst.max_abs,
        worst.max_rel
    );
    worst
}

/// One `#[test]` per op name calling `check_op(op)` (a function of the test
/// file), and one that fails when a fixture's op has no test.
macro_rules! parity_tests {
    ($($test:ident => $op:literal),* $(,)?) => {
        $(#[test] fn $test() { check_op($op); })*

        /// Every fixture's op has a test above (none is silently skipped).
        #[test]
        fn every_fixture_op_is_tested() {
            let tested = [$($op),*];
            let mut untested: Vec<String> =
                fixtures().into_iter().map(|f| f.op).filter(|op| !tested.contains(&op.as_str())).collect();
            untested.sort();
            untested.dedup();
            assert!(untested.is_empty(), "fixtures without a test: {untested:?}");
        }
    };
}
pub(crate) use parity_tests;
