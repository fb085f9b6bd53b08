//! Flat-slice numeric kernels: no autograd, no shapes beyond layouts.

pub mod elementwise;
pub mod math;
pub mod matmul;
pub mod simd;
pub mod threads;
