//! Layers, losses and initialisers.

pub mod functional;
pub mod init;
pub mod linear;
pub mod loss;

pub use linear::Linear;
pub use loss::{cross_entropy, mse_loss, Reduction};
