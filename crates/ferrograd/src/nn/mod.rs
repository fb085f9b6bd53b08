//! Layers, losses and initialisers.

pub mod batch_norm;
pub mod clip;
pub mod cross_entropy;
pub mod dropout;
pub mod embedding;
pub mod functional;
pub mod init;
pub mod layer_norm;
pub mod linear;
pub mod loss;
mod norm_backward;
pub mod pointwise_loss;

pub use batch_norm::{batch_norm, BatchNormOptions, RunningStats};
pub use clip::{clip_grad_norm, clip_grad_value};
pub use cross_entropy::{cross_entropy, cross_entropy_with, nll_loss, ClassLossOptions};
pub use dropout::dropout;
pub use embedding::embedding;
pub use layer_norm::layer_norm;
pub use linear::Linear;
pub use loss::{mse_loss, Reduction};
pub use pointwise_loss::{
    binary_cross_entropy, binary_cross_entropy_with_logits, huber_loss, kl_div, l1_loss,
    smooth_l1_loss, KlDivReduction,
};
