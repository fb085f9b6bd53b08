//! Flat-slice numeric kernels: no autograd, no tensors, no shapes beyond layouts.
//! A leaf of the crate: nothing here imports from `tensor`, `ops` or above (only
//! the crate's error type), so the tensor layer builds on kernels and never the
//! other way round.

pub mod alloc;
pub mod cache;
pub mod conv;
pub mod elementwise;
pub mod float;
pub mod im2col;
pub mod layout;
pub mod math;
pub mod matmul;
#[cfg(target_arch = "x86_64")]
pub mod sgemm;
pub mod simd;
#[cfg(target_arch = "x86_64")]
pub mod sparse;
pub mod threads;
