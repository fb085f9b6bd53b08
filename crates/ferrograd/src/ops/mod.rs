//! Tensor operations. Each file holds a family of ops, and each op's backward
//! stands beside its forward.

pub mod assign;
pub mod binary;
pub mod compare;
pub mod conv;
pub mod creation;
pub mod index;
pub mod linear;
pub mod map;
pub mod matmul;
pub mod pool;
pub mod reduce;
pub mod select;
pub mod softmax;
pub mod unary;
pub mod view;

pub use binary::BinaryOp;
pub use compare::CmpOp;
pub use unary::{Saved, UnaryFn};
