//! The native Adagrad optimizer.

use crate::optim::optimizer_class;
use ferrograd::optim::{Adagrad, AdagradOptions};
use napi_derive::napi;

/// Hyperparameters of one Adagrad parameter group.
#[napi(object)]
pub struct AdagradGroupOptions {
    /// Learning rate.
    pub lr: f64,
    /// Learning-rate decay per step.
    pub lr_decay: f64,
    /// L2 penalty.
    pub weight_decay: f64,
    /// The value the sums of squared gradients start at.
    pub initial_accumulator_value: f64,
    /// Added to the denominator for numerical stability.
    pub eps: f64,
    /// Ascend the objective instead of descending it.
    pub maximize: bool,
}

impl From<&AdagradGroupOptions> for AdagradOptions {
    fn from(o: &AdagradGroupOptions) -> Self {
        AdagradOptions {
            lr: o.lr,
            lr_decay: o.lr_decay,
            weight_decay: o.weight_decay,
            initial_accumulator_value: o.initial_accumulator_value,
            eps: o.eps,
            maximize: o.maximize,
        }
    }
}

optimizer_class!(
    "The native Adagrad optimizer.",
    NativeAdagrad,
    Adagrad,
    AdagradGroupOptions
);
