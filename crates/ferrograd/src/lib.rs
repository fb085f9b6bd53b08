//! # ferrograd
//!
//! Tensors, define-by-run autograd, layers, losses and optimizers in pure Rust: the
//! core of the `ferrograd` npm package, usable on its own.
//!
//! ```
//! use ferrograd::{nn, optim, Tensor};
//!
//! # fn main() -> ferrograd::Result<()> {
//! ferrograd::manual_seed(0);
//! let layer = nn::Linear::new(3, 1, true)?;
//! let mut opt = optim::Sgd::new(vec![optim::ParamGroup {
//!     params: layer.parameters(),
//!     options: optim::SgdOptions { lr: 0.02, ..Default::default() },
//! }])?;
//! let x = Tensor::from_vec(vec![1.0, 2.0, 3.0], &[1, 3])?;
//! let y = Tensor::from_vec(vec![1.0], &[1, 1])?;
//! for _ in 0..20 {
//!     let loss = nn::mse_loss(&layer.forward(&x)?, &y, nn::Reduction::Mean)?;
//!     opt.zero_grad()?;
//!     loss.backward()?;
//!     opt.step()?;
//! }
//! assert!(nn::mse_loss(&layer.forward(&x)?, &y, nn::Reduction::Mean)?.item()? < 1e-3);
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

pub mod autograd;
mod error;
pub mod io;
pub mod kernels;
pub mod nn;
pub mod ops;
pub mod optim;
pub mod random;
pub mod tensor;
pub mod trace;
pub mod train;

pub use autograd::{is_grad_enabled, no_grad, set_grad_enabled};
pub use error::{Error, ErrorCode, Result};
pub use kernels::threads::{num_threads, set_num_threads, MAX_THREADS};
pub use random::manual_seed;
pub use tensor::{empty_cache, memory, DType, Float, MemoryStats, Storage, Tensor};

impl Tensor {
    /// Backpropagates from this one-element tensor (`loss.backward()`), freeing the
    /// graph afterwards.
    pub fn backward(&self) -> Result<()> {
        autograd::backward(self, None, false)
    }
}
