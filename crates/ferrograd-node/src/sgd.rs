//! The native SGD optimizer.

use crate::optim::optimizer_class;
use ferrograd::optim::{Sgd, SgdOptions};
use napi_derive::napi;

/// Hyperparameters of one SGD parameter group.
#[napi(object)]
pub struct SgdGroupOptions {
    /// Learning rate.
    pub lr: f64,
    /// Momentum factor.
    pub momentum: f64,
    /// Dampening for momentum.
    pub dampening: f64,
    /// L2 penalty.
    pub weight_decay: f64,
    /// Nesterov momentum.
    pub nesterov: bool,
    /// Ascend the objective instead of descending it.
    pub maximize: bool,
}

impl From<&SgdGroupOptions> for SgdOptions {
    fn from(o: &SgdGroupOptions) -> Self {
        SgdOptions {
            lr: o.lr,
            momentum: o.momentum,
            dampening: o.dampening,
            weight_decay: o.weight_decay,
            nesterov: o.nesterov,
            maximize: o.maximize,
        }
    }
}

optimizer_class!("The native SGD optimizer.", NativeSgd, Sgd, SgdGroupOptions);
