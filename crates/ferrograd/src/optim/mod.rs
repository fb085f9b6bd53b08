//! Optimizers.

pub mod sgd;

pub use sgd::{ParamGroup, Sgd, SgdOptions};
