//! Define-by-run automatic differentiation: ops record a [`Node`] on their output
//! while grad mode is on; [`backward`] walks the graph in reverse.

mod backward;
mod grad_mode;
mod node;

pub use backward::backward;
pub use grad_mode::{is_grad_enabled, no_grad, set_grad_enabled, GradModeGuard};
pub(crate) use node::record;
pub use node::{Backward, Node};
