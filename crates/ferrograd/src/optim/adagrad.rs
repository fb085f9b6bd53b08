//! Adagrad, with `torch.optim.Adagrad`'s exact update: each element's step is
//! divided by the root of the sum of all its squared gradients so far, with an
//! optionally decaying learning rate.

use super::optimizer::{buffers, non_negative, Optimizer, Rule};
use crate::tensor::{Float, Storage};
use crate::Result;

/// Hyperparameters of one Adagrad parameter group.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdagradOptions {
    /// Learning rate.
    pub lr: f64,
    /// Learning-rate decay: step `t` uses `lr / (1 + (t - 1) lr_decay)`.
    pub lr_decay: f64,
    /// L2 penalty added to the gradient.
    pub weight_decay: f64,
    /// The value the sums of squared gradients start at.
    pub initial_accumulator_value: f64,
    /// Added to the denominator for numerical stability.
    pub eps: f64,
    /// Ascend the objective instead of descending it.
    pub maximize: bool,
}

impl Default for AdagradOptions {
    /// PyTorch's defaults.
    fn default() -> Self {
        AdagradOptions {
            lr: 1e-2,
            lr_decay: 0.0,
            weight_decay: 0.0,
            initial_accumulator_value: 0.0,
            eps: 1e-10,
            maximize: false,
        }
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

    fn validate(o: &AdagradOptions) -> Result<()> {
        non_negative(
            Self::NAME,
            &[
                ("lr", o.lr),
                ("lrDecay", o.lr_decay),
                ("weightDecay", o.weight_decay),
                ("initialAccumulatorValue", o.initial_accumulator_value),
                ("eps", o.eps),
            ],
        )
    }

    fn buffer_names(_o: &AdagradOptions) -> &'static [&'static str] {
        &["sum"]
    }

    fn initial_value(o: &AdagradOptions) -> f64 {
        o.initial_accumulator_value
    }

    /// `s += g^2; p -= clr g / (sqrt(s) + eps)` with `clr = lr / (1 + (t - 1) lr_decay)`.
    fn update<T: Float>(
        o: &AdagradOptions,
        step: u64,
        _fresh: bool,
        w: &mut [T],
        g: &[T],
        state: &mut [Storage],
    ) {
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
