//! The native RMSprop optimizer.

use crate::optim::optimizer_class;
use ferrograd::optim::{Rmsprop, RmspropOptions};
use napi_derive::napi;

/// Hyperparameters of one RMSprop parameter group.
#[napi(object)]
pub struct RmspropGroupOptions {
    /// Learning rate.
    pub lr: f64,
    /// Smoothing constant.
    pub alpha: f64,
    /// Added to the denominator for numerical stability.
    pub eps: f64,
    /// L2 penalty.
    pub weight_decay: f64,
    /// Momentum factor.
    pub momentum: f64,
    /// Normalize by the estimated variance of the gradient.
    pub centered: bool,
    /// Ascend the objective instead of descending it.
    pub maximize: bool,
}

impl From<&RmspropGroupOptions> for RmspropOptions {
    fn from(o: &RmspropGroupOptions) -> Self {
        RmspropOptions {
            lr: o.lr,
            alpha: o.alpha,
            eps: o.eps,
            weight_decay: o.weight_decay,
            momentum: o.momentum,
            centered: o.centered,
            maximize: o.maximize,
        }
    }
}

optimizer_class!(
    "The native RMSprop optimizer.",
    NativeRmsprop,
    Rmsprop,
    RmspropGroupOptions
);
