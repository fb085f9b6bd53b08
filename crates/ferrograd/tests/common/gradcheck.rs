//! Gradients against central differences in float64, as `torch.autograd.gradcheck`
//! does; shared by `gradcheck.rs` and `gradcheck_layers.rs`.
//!
//! The check projects the output onto a fixed random direction `w` (a scalar
//! `L = sum(f(x) * w)`) and compares `dL/dx` from backward with
//! `(L(x + h e_i) - L(x - h e_i)) / 2h`, with PyTorch's tolerances.

use ferrograd::{random, DType, Result, Storage, Tensor};

/// A float64 leaf of uniform values in [-1, 1).
pub fn param(shape: &[usize], seed: u64) -> Tensor {
    random::manual_seed(seed);
    let t = random::uniform(shape, -1.0, 1.0)
        .unwrap()
        .to_dtype(DType::F64)
        .unwrap();
    t.set_requires_grad(true).unwrap();
    t
}

fn project(y: &Tensor, w: &[f64]) -> f64 {
    assert_eq!(y.dtype(), DType::F64, "the op must compute in float64");
    y.to_vec_f64().iter().zip(w).map(|(&a, &b)| a * b).sum()
}

/// Checks the gradient of `f` with respect to each of `inputs`.
pub fn check(name: &str, inputs: &[Tensor], f: impl Fn(&[Tensor]) -> Result<Tensor>) {
    // Only this check's gradient: an input shared with an earlier check starts clean.
    for x in inputs {
        x.set_grad(None).unwrap();
    }
    let y = f(inputs).unwrap();
    random::manual_seed(99);
    let w = random::uniform(y.shape(), -1.0, 1.0).unwrap().to_vec_f64();
    let w_t = Tensor::from_data(Storage::F64(w.clone()), y.shape()).unwrap();
    y.mul(&w_t)
        .unwrap()
        .sum(None, false)
        .unwrap()
        .backward()
        .unwrap();
    let h = 1e-6;
    for (k, x) in inputs.iter().enumerate() {
        let grad = x
            .grad()
            .unwrap_or_else(|| panic!("{name}: input {k} got no gradient"));
        assert_eq!(grad.dtype(), DType::F64, "{name}: gradient dtype");
        let analytic = grad.to_vec_f64();
        let base = x.to_vec_f64();
        for i in 0..base.len() {
            let eval = |delta: f64| {
                let mut v = base.clone();
                v[i] += delta;
                let mut moved: Vec<Tensor> = inputs.iter().map(|t| t.detach()).collect();
                moved[k] = Tensor::from_data(Storage::F64(v), x.shape()).unwrap();
                project(&f(&moved).unwrap(), &w)
            };
            let numeric = (eval(h) - eval(-h)) / (2.0 * h);
            let a = analytic[i];
            // torch.autograd.gradcheck's defaults: atol 1e-5, rtol 1e-3.
            let tol = 1e-5 + 1e-3 * numeric.abs();
            assert!(
                (a - numeric).abs() <= tol,
                "{name}: d/dinput{k}[{i}] analytic {a} vs numeric {numeric}"
            );
        }
    }
}
