//! Layers, losses and initialisers.

pub mod clip;
pub mod functional;
pub mod init;
pub mod linear;
pub mod loss;

pub use clip::{clip_grad_norm, clip_grad_value};
pub use linear::Linear;
pub use loss::{cross_entropy, mse_loss, Reduction};
