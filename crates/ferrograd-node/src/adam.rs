//! The native Adam and AdamW optimizers: one options type, two classes.

use crate::optim::optimizer_class;
use ferrograd::optim::{Adam, AdamOptions, AdamW};
use napi_derive::napi;

/// Hyperparameters of one Adam or AdamW parameter group.
#[napi(object)]
pub struct AdamGroupOptions {
    /// Learning rate.
    pub lr: f64,
    /// Decay rate of the first moment estimate.
    pub beta1: f64,
    /// Decay rate of the second moment estimate.
    pub beta2: f64,
    /// Added to the denominator for numerical stability.
    pub eps: f64,
    /// Weight decay (an L2 penalty for Adam, decoupled for AdamW).
    pub weight_decay: f64,
    /// AMSGrad.
    pub amsgrad: bool,
    /// Ascend the objective instead of descending it.
    pub maximize: bool,
}

impl From<&AdamGroupOptions> for AdamOptions {
    fn from(o: &AdamGroupOptions) -> Self {
        AdamOptions {
            lr: o.lr,
            betas: (o.beta1, o.beta2),
            eps: o.eps,
            weight_decay: o.weight_decay,
            amsgrad: o.amsgrad,
            maximize: o.maximize,
        }
    }
}

optimizer_class!(
    "The native Adam optimizer.",
    NativeAdam,
    Adam,
    AdamGroupOptions
);

optimizer_class!(
    "The native AdamW optimizer.",
    NativeAdamW,
    AdamW,
    AdamGroupOptions
);
