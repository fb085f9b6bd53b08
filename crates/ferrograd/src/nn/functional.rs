//! Layer maths as functions, shared by the Rust layers and the binding.

pub use crate::ops::conv::{conv1d, conv2d, Conv1dOptions, Conv2dOptions};
pub use crate::ops::linear::linear;
pub use crate::ops::pool::{adaptive_avg_pool2d, avg_pool2d, max_pool2d};
