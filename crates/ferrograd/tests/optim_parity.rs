//! Every optimizer against PyTorch: `scripts/make_fixtures_optim.py` trained a
//! small Linear-Tanh-Linear model with MSE for 20 steps with each optimizer
//! variant through torch 2.9.1 and saved the parameters after every step, the
//! losses and the final optimizer state in `fixtures/torch/optim/`; here each
//! variant trains the same model through the core's Rust API and must match at
//! every step (`__test__/optim-parity.test.ts` replays the same files through the
//! TypeScript API, schedulers included). Where a scheduler ran, the fixture lists
//! the hyperparameters of every step, and they are set here the same way. The
//! file format is described in that script's docstring.

use ferrograd::nn::{self, functional, Reduction};
use ferrograd::optim::{
    AdagradOptions, AdagradRule, AdamOptions, AdamRule, AdamWRule, Optimizer, ParamGroup,
    RmspropOptions, RmspropRule, Rule, SgdOptions, SgdRule,
};
use ferrograd::Tensor;
use safetensors::{Dtype, SafeTensors};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::path::PathBuf;

/// Issue 5's tolerance for float32: `|actual - expected| <= ATOL + RTOL * |expected|`.
const RTOL: f64 = 1e-5;
const ATOL: f64 = 1e-6;

struct Fixture {
    name: String,
    optimizer: String,
    options: Map<String, Value>,
    groups: Vec<Map<String, Value>>,
    steps: usize,
    /// Per step, per group: the hyperparameters a scheduler set for that step.
    schedule: Option<Vec<Vec<Map<String, Value>>>>,
    state_steps: HashMap<usize, u64>,
    tensors: HashMap<String, (Vec<usize>, Vec<f32>)>,
}

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/torch/optim")
}

fn read_fixture(path: &std::path::Path) -> Fixture {
    let bytes = std::fs::read(path).unwrap();
    let (_, header) = SafeTensors::read_metadata(&bytes).unwrap();
    let meta = header.metadata().clone().unwrap_or_default();
    let json =
        |key: &str| -> Option<Value> { meta.get(key).map(|s| serde_json::from_str(s).unwrap()) };
    let object = |v: Value| -> Map<String, Value> { v.as_object().unwrap().clone() };
    let files = SafeTensors::deserialize(&bytes).unwrap();
    let tensors = files
        .iter()
        .map(|(name, view)| {
            assert_eq!(view.dtype(), Dtype::F32, "{}: {name}", path.display());
            let data = view
                .data()
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
                .collect();
            (name.to_string(), (view.shape().to_vec(), data))
        })
        .collect();
    let list = |v: Value| -> Vec<Value> { v.as_array().unwrap().clone() };
    Fixture {
        name: path.file_stem().unwrap().to_string_lossy().into_owned(),
        optimizer: meta["optimizer"].clone(),
        options: object(json("options").unwrap()),
        groups: list(json("groups").unwrap())
            .into_iter()
            .map(object)
            .collect(),
        steps: meta["steps"].parse().unwrap(),
        schedule: json("schedule").map(|s| {
            list(s)
                .into_iter()
                .map(|step| list(step).into_iter().map(object).collect())
                .collect()
        }),
        state_steps: json("state_steps")
            .map(|s| {
                object(s)
                    .into_iter()
                    .map(|(k, v)| (k.parse().unwrap(), v.as_u64().unwrap()))
                    .collect()
            })
            .unwrap_or_default(),
        tensors,
    }
}

fn fixtures(optimizer: &str) -> Vec<Fixture> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(fixture_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "safetensors"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| read_fixture(p))
        .filter(|f| f.optimizer == optimizer)
        .collect()
}

impl Fixture {
    fn tensor(&self, name: &str) -> Tensor {
        let (shape, data) = &self.tensors[name];
        Tensor::from_vec(data.clone(), shape).unwrap()
    }
}

// ---- options as the TypeScript API spells them ----------------------------------

/// Looks an option up in the group, then in the defaults.
struct Opts<'a>(&'a Map<String, Value>, &'a Map<String, Value>);

/// A value an option holds in a fixture's JSON.
trait OptionValue {
    fn from_json(v: &Value) -> Self;
}

impl OptionValue for f64 {
    fn from_json(v: &Value) -> f64 {
        v.as_f64().unwrap()
    }
}

impl OptionValue for bool {
    fn from_json(v: &Value) -> bool {
        v.as_bool().unwrap()
    }
}

impl OptionValue for (f64, f64) {
    fn from_json(v: &Value) -> (f64, f64) {
        (v[0].as_f64().unwrap(), v[1].as_f64().unwrap())
    }
}

/// The TypeScript API's name of an option: `weight_decay` is `weightDecay`.
fn camel_case(field: &str) -> String {
    let mut parts = field.split('_');
    let mut name = parts.next().unwrap_or_default().to_string();
    for part in parts {
        let mut chars = part.chars();
        name.extend(chars.next().map(|c| c.to_ascii_uppercase()));
        name.push_str(chars.as_str());
    }
    name
}

impl Opts<'_> {
    /// The option of the Rust field `field`, under its TypeScript name, or `default`.
    fn read<T: OptionValue>(&self, field: &str, default: T) -> T {
        let key = camel_case(field);
        let found = self.0.get(&key).or_else(|| self.1.get(&key));
        found.map_or(default, T::from_json)
    }
}

/// Sets each listed field of the options `$into` from the fixture's `$from`
/// (an [`Opts`]), where it has the option, keeping the value it had otherwise.
macro_rules! read_fields {
    ($from:expr => $into:expr, [$($field:ident),* $(,)?]) => {
        $($into.$field = $from.read(stringify!($field), $into.$field);)*
    };
}

/// How a fixture's options become one rule's, and how a scheduled step's
/// hyperparameters (`lr`, `momentum` or `betas`) apply to them.
trait Spec: Rule {
    fn options(o: &Opts) -> Self::Options;
    fn schedule(o: &mut Self::Options, step: &Map<String, Value>);
}

impl Spec for SgdRule {
    fn options(o: &Opts) -> SgdOptions {
        let mut d = SgdOptions::default();
        read_fields!(o => d, [lr, momentum, dampening, weight_decay, nesterov, maximize]);
        d
    }
    fn schedule(o: &mut SgdOptions, step: &Map<String, Value>) {
        read_fields!(Opts(step, step) => o, [lr, momentum]);
    }
}

fn adam_options(o: &Opts, mut d: AdamOptions) -> AdamOptions {
    read_fields!(o => d, [lr, betas, eps, weight_decay, amsgrad, maximize]);
    d
}

fn adam_schedule(o: &mut AdamOptions, step: &Map<String, Value>) {
    read_fields!(Opts(step, step) => o, [lr, betas]);
}

impl Spec for AdamRule {
    fn options(o: &Opts) -> AdamOptions {
        adam_options(o, AdamOptions::default())
    }
    fn schedule(o: &mut AdamOptions, step: &Map<String, Value>) {
        adam_schedule(o, step)
    }
}

impl Spec for AdamWRule {
    fn options(o: &Opts) -> AdamOptions {
        adam_options(o, AdamOptions::adamw())
    }
    fn schedule(o: &mut AdamOptions, step: &Map<String, Value>) {
        adam_schedule(o, step)
    }
}

impl Spec for RmspropRule {
    fn options(o: &Opts) -> RmspropOptions {
        let mut d = RmspropOptions::default();
        read_fields!(o => d, [lr, alpha, eps, weight_decay, momentum, centered, maximize]);
        d
    }
    fn schedule(o: &mut RmspropOptions, step: &Map<String, Value>) {
        read_fields!(Opts(step, step) => o, [lr, momentum]);
    }
}

impl Spec for AdagradRule {
    fn options(o: &Opts) -> AdagradOptions {
        let mut d = AdagradOptions::default();
        read_fields!(o => d, [lr, lr_decay, weight_decay, initial_accumulator_value, eps, maximize]);
        d
    }
    fn schedule(o: &mut AdagradOptions, step: &Map<String, Value>) {
        read_fields!(Opts(step, step) => o, [lr]);
    }
}

// ---- the replay --------------------------------------------------------------------

/// The largest fraction of the tolerance `ATOL + RTOL |expected|` (or
/// `RTOL scale`) used, or the first element out of tolerance.
fn compare_scaled(
    what: &str,
    actual: &[f32],
    expected: &[f32],
    scale: Option<f64>,
) -> Result<f64, String> {
    assert_eq!(actual.len(), expected.len(), "{what}: lengths");
    let mut max_rel: f64 = 0.0;
    for (i, (&a, &e)) in actual.iter().zip(expected).enumerate() {
        let (a, e) = (a as f64, e as f64);
        let err = (a - e).abs();
        let size = scale.unwrap_or(e.abs());
        if err > ATOL + RTOL * size || a.is_nan() != e.is_nan() {
            return Err(format!("{what}[{i}]: {a} differs from PyTorch's {e}"));
        }
        max_rel = max_rel.max(err / (ATOL + RTOL * size));
    }
    Ok(max_rel)
}

/// Elementwise: `|a - e| <= ATOL + RTOL |e|`.
fn compare(what: &str, actual: &[f32], expected: &[f32]) -> Result<f64, String> {
    compare_scaled(what, actual, expected, None)
}

/// For state tensors, relative to the tensor's largest magnitude: a momentum
/// buffer sums terms of both signs, and a small sum keeps the float32 rounding of
/// its large terms (RMSprop's `momentum_buffer` of element 7 of parameter 0 in
/// `rmsprop_momentum` differs by 4.6e-5 relative between PyTorch's own float32
/// and float64 runs; ours is nearer the float64 value than PyTorch's float32 is).
fn compare_state(what: &str, actual: &[f32], expected: &[f32]) -> Result<f64, String> {
    let scale = expected
        .iter()
        .fold(0.0f64, |m, &e| m.max((e as f64).abs()));
    compare_scaled(what, actual, expected, Some(scale))
}

/// Trains the fixture's model with rule `R` and compares every step; returns the
/// largest relative error seen.
fn replay<R: Spec>(fx: &Fixture) -> Result<f64, String> {
    let params: Vec<Tensor> = (0..4)
        .map(|i| {
            let p = fx.tensor(&format!("param.{i}"));
            p.set_requires_grad(true).unwrap();
            p
        })
        .collect();
    let (x, y) = (fx.tensor("x"), fx.tensor("y"));
    let groups = fx
        .groups
        .iter()
        .map(|g| ParamGroup {
            params: g["params"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| params[i.as_u64().unwrap() as usize].clone())
                .collect(),
            options: R::options(&Opts(g, &fx.options)),
        })
        .collect();
    let mut opt = Optimizer::<R>::new(groups).map_err(|e| e.message)?;
    let losses = &fx.tensors["loss"].1;
    let mut worst: f64 = 0.0;
    for k in 1..=fx.steps {
        let hidden = functional::linear(&x, &params[0], Some(&params[1]))
            .unwrap()
            .tanh()
            .unwrap();
        let out = functional::linear(&hidden, &params[2], Some(&params[3])).unwrap();
        let loss = nn::mse_loss(&out, &y, Reduction::Mean).unwrap();
        worst = worst.max(compare(
            &format!("loss before step {k}"),
            &[loss.item().unwrap() as f32],
            &losses[k - 1..k],
        )?);
        opt.zero_grad().unwrap();
        loss.backward().unwrap();
        if let Some(schedule) = &fx.schedule {
            for (i, hyper) in schedule[k - 1].iter().enumerate() {
                let mut o = opt.groups()[i].options;
                R::schedule(&mut o, hyper);
                opt.set_options(i, o).unwrap();
            }
        }
        opt.step().map_err(|e| e.message)?;
        for (i, p) in params.iter().enumerate() {
            let what = format!("param {i} after step {k}");
            worst = worst.max(compare(
                &what,
                &p.to_vec_f32().unwrap(),
                &fx.tensors[&format!("step.{k}.param.{i}")].1,
            )?);
        }
    }
    // The final state: PyTorch's names, values and step counts.
    let state = opt.state().unwrap();
    for (i, s) in state.iter().enumerate() {
        let expected: Vec<&String> = fx
            .tensors
            .keys()
            .filter(|k| k.starts_with(&format!("state.{i}.")))
            .collect();
        let Some(s) = s else {
            if expected.is_empty() {
                continue;
            }
            return Err(format!(
                "parameter {i} has no state; PyTorch has {expected:?}"
            ));
        };
        if s.buffers.len() != expected.len() {
            return Err(format!(
                "parameter {i}: state tensors {:?}, PyTorch has {expected:?}",
                s.buffers.iter().map(|b| &b.0).collect::<Vec<_>>()
            ));
        }
        for (name, t) in &s.buffers {
            let key = format!("state.{i}.{name}");
            let Some((_, want)) = fx.tensors.get(&key) else {
                return Err(format!("PyTorch has no state '{name}' for parameter {i}"));
            };
            worst = worst.max(compare_state(&key, &t.to_vec_f32().unwrap(), want)?);
        }
        if s.step != fx.state_steps.get(&i).copied() {
            return Err(format!(
                "parameter {i}: step {:?}, PyTorch has {:?}",
                s.step,
                fx.state_steps.get(&i)
            ));
        }
    }
    Ok(worst)
}

/// Replays every fixture of `optimizer`; fails listing the ones that differ.
fn check<R: Spec>(optimizer: &str) {
    let all = fixtures(optimizer);
    assert!(!all.is_empty(), "no fixtures for {optimizer}");
    let mut failures = Vec::new();
    let mut worst: f64 = 0.0;
    for fx in &all {
        match replay::<R>(fx) {
            Ok(e) => worst = worst.max(e),
            Err(msg) => failures.push(format!("{}: {msg}", fx.name)),
        }
    }
    eprintln!(
        "{optimizer}: {} variants, at most {:.1}% of the tolerance used",
        all.len(),
        worst * 100.0
    );
    assert!(
        failures.is_empty(),
        "{} of {} differ from PyTorch:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}

/// One test per optimizer: `name: Rule = "fixture optimizer"`.
macro_rules! parity_tests {
    ($($test:ident: $rule:ty = $optimizer:literal),* $(,)?) => {
        $(
            #[test]
            fn $test() {
                check::<$rule>($optimizer);
            }
        )*
    };
}

parity_tests! {
    sgd_matches_pytorch: SgdRule = "SGD",
    adam_matches_pytorch: AdamRule = "Adam",
    adamw_matches_pytorch: AdamWRule = "AdamW",
    rmsprop_matches_pytorch: RmspropRule = "RMSprop",
    adagrad_matches_pytorch: AdagradRule = "Adagrad",
}
