//! Adagrad, with `torch.optim.Adagrad`'s exact update: each element's step is
//! divided by the root of the sum of all its squared gradients so far, with an
//! optionally decaying learning rate.

use super::hyperparameters::hyperparameters;
use super::optimizer::{buffers, Optimizer, Rule, Update};
use crate::tensor::Float;

hyperparameters! {
    /// Hyperparameters of one Adagrad parameter group.
    adagrad_hyperparameters => AdagradOptions {
        /// Learning rate.
        lr: f64 = 1e-2 => non_negative,
        /// Learning-rate decay: step `t` uses `lr / (1 + (t - 1) lr_decay)`.
        lr_decay: f64 = 0.0 => non_negative,
        /// L2 penalty added to the gradient.
        weight_decay: f64 = 0.0 => non_negative,
        /// The value the sums of squared gradients start at.
        initial_accumulator_value: f64 = 0.0 => non_negative,
        /// Added to the denominator for numerical stability.
        eps: f64 = 1e-10 => non_negative,
        /// Ascend the objective instead of descending it.
        maximize: bool = false,
    }
}

/// The Adagrad update rule.
pub struct AdagradRule;

/// The Adagrad optimizer.
pub type Adagrad = Optimizer<AdagradRule>;

impl Rule for AdagradRule {
    const NAME: &'static str = "Adagrad";
    // PyTorch creates Adagrad's state (step 0, the sums at their initial value) in
    // the constructor, so a state dict taken before any step already holds it.
    const EAGER_STATE: bool = true;
    type Options = AdagradOptions;

    fn buffer_names(_o: &AdagradOptions) -> &'static [&'static str] {
        &["sum"]
    }

    fn initial_value(o: &AdagradOptions) -> f64 {
        o.initial_accumulator_value
    }

    /// `s += g^2; p -= clr g / (sqrt(s) + eps)` with `clr = lr / (1 + (t - 1) lr_decay)`.
    fn update<T: Float>(o: &AdagradOptions, u: Update<'_, T>) {
        let Update {
            w, g, state, step, ..
        } = u;
        let clr = o.lr / (1.0 + (step as f64 - 1.0) * o.lr_decay);
        let (neg_clr, eps, wd) = (T::of(-clr), T::of(o.eps), T::of(o.weight_decay));
        let sign = if o.maximize { -T::ONE } else { T::ONE };
        let [sum] = buffers::<T, 1>(state);
        for ((w, &g), s) in w.iter_mut().zip(g).zip(sum.iter_mut()) {
            let g = sign * g + wd * *w;
            *s = *s + g * g;
            *w = *w + neg_clr * g / (s.sqrt() + eps);
        }
    }
}
