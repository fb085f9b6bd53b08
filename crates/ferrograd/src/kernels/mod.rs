//! Flat-slice numeric kernels: no autograd, no shapes beyond layouts.

pub mod conv;
pub mod elementwise;
pub mod im2col;
pub mod math;
pub mod matmul;
#[cfg(target_arch = "x86_64")]
pub mod sgemm;
pub mod simd;
#[cfg(target_arch = "x86_64")]
pub mod sparse;
pub mod threads;
