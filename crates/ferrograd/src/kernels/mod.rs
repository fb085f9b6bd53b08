//! Flat-slice numeric kernels: no autograd, no shapes beyond layouts.

pub mod conv;
pub mod elementwise;
pub mod im2col;
pub mod math;
pub mod matmul;
pub mod simd;
pub mod threads;
