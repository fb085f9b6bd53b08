//! Stochastic gradient descent with momentum, dampening, Nesterov momentum and
//! weight decay, with `torch.optim.SGD`'s exact update rule. One `step()` updates
//! every parameter in place with one fused loop per parameter.

use super::hyperparameters::hyperparameters;
use super::optimizer::{buffers, Optimizer, Rule, Update};
use crate::tensor::Float;
use crate::{bail, Result};

hyperparameters! {
    /// Hyperparameters of one SGD parameter group.
    sgd_hyperparameters => SgdOptions {
        /// Learning rate.
        lr: f64 = 1e-3 => non_negative,
        /// Momentum factor (0 disables momentum).
        momentum: f64 = 0.0 => non_negative,
        /// Dampening of the momentum's gradient term.
        dampening: f64 = 0.0 => non_negative,
        /// L2 penalty added to the gradient.
        weight_decay: f64 = 0.0 => non_negative,
        /// Nesterov momentum.
        nesterov: bool = false,
        /// Ascend the objective instead of descending it.
        maximize: bool = false,
    }
}

/// The SGD update rule.
pub struct SgdRule;

/// The SGD optimizer.
pub type Sgd = Optimizer<SgdRule>;

impl Rule for SgdRule {
    const NAME: &'static str = "SGD";
    const COUNTS_STEPS: bool = false;
    type Options = SgdOptions;

    fn validate(o: &SgdOptions) -> Result<()> {
        if o.nesterov && (o.momentum <= 0.0 || o.dampening != 0.0) {
            bail!(
                Arg,
                "SGD: nesterov momentum requires momentum > 0 and dampening = 0"
            );
        }
        Ok(())
    }

    fn buffer_names(o: &SgdOptions) -> &'static [&'static str] {
        if o.momentum == 0.0 {
            &[]
        } else {
            &["momentum_buffer"]
        }
    }

    /// `g += wd * p; buf = momentum * buf + (1 - dampening) * g` (the first buffer
    /// is `g` itself); `g = nesterov ? g + momentum * buf : buf`; `p -= lr * g`.
    fn update<T: Float>(o: &SgdOptions, u: Update<'_, T>) {
        let Update {
            w, g, state, fresh, ..
        } = u;
        let (lr, mom, wd) = (T::of(o.lr), T::of(o.momentum), T::of(o.weight_decay));
        let keep = T::of(1.0 - o.dampening);
        let sign = if o.maximize { -T::ONE } else { T::ONE };
        if o.momentum == 0.0 {
            for (w, &g) in w.iter_mut().zip(g) {
                *w = *w - lr * (sign * g + wd * *w);
            }
            return;
        }
        let [b] = buffers::<T, 1>(state);
        for ((w, &g), b) in w.iter_mut().zip(g).zip(b.iter_mut()) {
            let d = sign * g + wd * *w;
            *b = if fresh { d } else { mom * *b + keep * d };
            *w = *w - lr * if o.nesterov { d + mom * *b } else { *b };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Tensor;

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
            maximize: false,
        };
        let mut opt = Sgd::with_options(vec![p.clone()], options).unwrap();
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
        assert!(Sgd::with_options(vec![p.clone()], bad).is_err());
        let nesterov = SgdOptions {
            nesterov: true,
            ..Default::default()
        };
        assert!(Sgd::with_options(vec![p], nesterov).is_err());
    }
}
