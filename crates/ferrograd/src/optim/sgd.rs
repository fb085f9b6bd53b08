//! Stochastic gradient descent with momentum, dampening, Nesterov momentum and
//! weight decay, with `torch.optim.SGD`'s exact update rule. One `step()` updates
//! every parameter in place with one fused loop per parameter.

use crate::tensor::shape::fmt_shape;
use crate::tensor::Tensor;
use crate::{bail, Result};

/// Hyperparameters of one parameter group.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SgdOptions {
    /// Learning rate.
    pub lr: f64,
    /// Momentum factor (0 disables momentum).
    pub momentum: f64,
    /// Dampening of the momentum's gradient term.
    pub dampening: f64,
    /// L2 penalty added to the gradient.
    pub weight_decay: f64,
    /// Nesterov momentum.
    pub nesterov: bool,
}

impl Default for SgdOptions {
    fn default() -> Self {
        SgdOptions {
            lr: 1e-3,
            momentum: 0.0,
            dampening: 0.0,
            weight_decay: 0.0,
            nesterov: false,
        }
    }
}

impl SgdOptions {
    /// Refuses values PyTorch refuses.
    pub fn validate(&self) -> Result<()> {
        for (name, v) in [
            ("lr", self.lr),
            ("momentum", self.momentum),
            ("weightDecay", self.weight_decay),
            ("dampening", self.dampening),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                bail!(Arg, "SGD: {name} must be a finite number >= 0, got {v}");
            }
        }
        if self.nesterov && (self.momentum <= 0.0 || self.dampening != 0.0) {
            bail!(
                Arg,
                "SGD: nesterov momentum requires momentum > 0 and dampening = 0"
            );
        }
        Ok(())
    }
}

/// Parameters sharing one set of hyperparameters.
pub struct ParamGroup<O> {
    /// The tensors this group updates.
    pub params: Vec<Tensor>,
    /// Their hyperparameters.
    pub options: O,
}

/// The SGD optimizer.
pub struct Sgd {
    groups: Vec<ParamGroup<SgdOptions>>,
    /// Momentum buffer per parameter (group-major order), created at first use.
    momentum: Vec<Option<Vec<f32>>>,
}

impl Sgd {
    /// An optimizer over parameter groups; every parameter must be a float32 leaf.
    pub fn new(groups: Vec<ParamGroup<SgdOptions>>) -> Result<Sgd> {
        let mut seen = std::collections::HashSet::new();
        for g in &groups {
            g.options.validate()?;
            for p in &g.params {
                if !p.is_leaf() {
                    bail!(
                        Arg,
                        "SGD: can only optimize leaf tensors; got a computed tensor of shape {}",
                        fmt_shape(p.shape())
                    );
                }
                if !seen.insert(p.id()) {
                    bail!(
                        Arg,
                        "SGD: a parameter (shape {}) appears more than once",
                        fmt_shape(p.shape())
                    );
                }
            }
        }
        let n = groups.iter().map(|g| g.params.len()).sum();
        Ok(Sgd {
            groups,
            momentum: vec![None; n],
        })
    }

    /// The parameter groups.
    pub fn groups(&self) -> &[ParamGroup<SgdOptions>] {
        &self.groups
    }

    /// Replaces group `i`'s hyperparameters (learning-rate schedules do this).
    pub fn set_options(&mut self, i: usize, options: SgdOptions) -> Result<()> {
        options.validate()?;
        match self.groups.get_mut(i) {
            Some(g) => g.options = options,
            None => bail!(
                Index,
                "SGD: there is no parameter group {i} (there are {})",
                self.groups.len()
            ),
        }
        Ok(())
    }

    /// One update of every parameter that has a gradient:
    /// `g += wd * p; buf = momentum * buf + (1 - dampening) * g` (the first buffer is
    /// `g` itself); `g = nesterov ? g + momentum * buf : buf`; `p -= lr * g`.
    pub fn step(&mut self) -> Result<()> {
        // Check every parameter before changing any, so a bad one leaves all intact.
        for p in self.groups.iter().flat_map(|g| &g.params) {
            if p.grad().is_some() && (!p.is_contiguous() || p.dtype() != crate::DType::F32) {
                bail!(
                    Arg,
                    "SGD.step: parameters must be contiguous float32 tensors; got a {} tensor of shape {}{}",
                    p.dtype(),
                    fmt_shape(p.shape()),
                    if p.is_contiguous() { "" } else { " that is a non-contiguous view" }
                );
            }
        }
        let mut slot = 0;
        for group in &self.groups {
            let o = group.options;
            let (lr, mom, damp, wd) = (
                o.lr as f32,
                o.momentum as f32,
                o.dampening as f32,
                o.weight_decay as f32,
            );
            for p in &group.params {
                let buf = &mut self.momentum[slot];
                slot += 1;
                let Some(grad) = p.grad() else { continue };
                grad.with_contiguous("SGD.step", |g: &[f32]| {
                    p.with_data_mut("SGD.step", |w: &mut [f32]| {
                        if mom == 0.0 {
                            for (w, &g) in w.iter_mut().zip(g) {
                                *w -= lr * (g + wd * *w);
                            }
                            return;
                        }
                        match buf {
                            None => {
                                let mut b = Vec::with_capacity(g.len());
                                for (w, &g) in w.iter_mut().zip(g) {
                                    let d = g + wd * *w;
                                    b.push(d);
                                    *w -= lr * if o.nesterov { d + mom * d } else { d };
                                }
                                *buf = Some(b);
                            }
                            Some(b) => {
                                for ((w, &g), b) in w.iter_mut().zip(g).zip(b.iter_mut()) {
                                    let d = g + wd * *w;
                                    *b = mom * *b + (1.0 - damp) * d;
                                    *w -= lr * if o.nesterov { d + mom * *b } else { *b };
                                }
                            }
                        }
                    })
                })??;
            }
        }
        Ok(())
    }

    /// Clears every parameter's gradient (PyTorch's `set_to_none=True`).
    pub fn zero_grad(&self) -> Result<()> {
        for p in self.groups.iter().flat_map(|g| &g.params) {
            p.set_grad(None)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn param(v: &[f32]) -> Tensor {
        let t = Tensor::from_vec(v.to_vec(), &[v.len()]).unwrap();
        t.set_requires_grad(true).unwrap();
        t
    }

    #[test]
    fn momentum_matches_the_pytorch_recurrence() {
        let p = param(&[1.0, -2.0]);
        let options = SgdOptions {
            lr: 0.1,
            momentum: 0.9,
            dampening: 0.5,
            weight_decay: 0.01,
            nesterov: false,
        };
        let mut opt = Sgd::new(vec![ParamGroup {
            params: vec![p.clone()],
            options,
        }])
        .unwrap();
        // Reference: the same recurrence written out by hand in f64.
        let (mut w, mut buf): ([f64; 2], Option<[f64; 2]>) = ([1.0, -2.0], None);
        for step in 0..3 {
            let g = [0.5 + step as f64, -0.25];
            p.set_grad(Some(
                Tensor::from_vec(g.iter().map(|&v| v as f32).collect(), &[2]).unwrap(),
            ))
            .unwrap();
            opt.step().unwrap();
            let d = [g[0] + 0.01 * w[0], g[1] + 0.01 * w[1]];
            let b = match buf {
                None => d,
                Some(b) => [0.9 * b[0] + 0.5 * d[0], 0.9 * b[1] + 0.5 * d[1]],
            };
            buf = Some(b);
            w = [w[0] - 0.1 * b[0], w[1] - 0.1 * b[1]];
        }
        let got = p.to_vec_f32().unwrap();
        assert!(
            (got[0] as f64 - w[0]).abs() < 1e-5 && (got[1] as f64 - w[1]).abs() < 1e-5,
            "{got:?} vs {w:?}"
        );
    }

    #[test]
    fn bad_options_are_refused() {
        let p = param(&[1.0]);
        let bad = SgdOptions {
            lr: -1.0,
            ..Default::default()
        };
        assert!(Sgd::new(vec![ParamGroup {
            params: vec![p.clone()],
            options: bad
        }])
        .is_err());
        let nesterov = SgdOptions {
            nesterov: true,
            ..Default::default()
        };
        assert!(Sgd::new(vec![ParamGroup {
            params: vec![p],
            options: nesterov
        }])
        .is_err());
    }
}
