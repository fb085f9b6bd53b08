//! Optimizers, as `torch.optim`: each is a [`Rule`] (its hyperparameters and
//! fused per-parameter update) run by the shared [`Optimizer`], which keeps the
//! parameter groups and the per-parameter state, updates every parameter in one
//! call, and exports and imports the state with PyTorch's names.

pub mod adagrad;
pub mod adam;
mod optimizer;
pub mod rmsprop;
pub mod sgd;

pub use adagrad::{Adagrad, AdagradOptions, AdagradRule};
pub use adam::{Adam, AdamFamily, AdamOptions, AdamRule, AdamW, AdamWRule};
pub use optimizer::{Optimizer, ParamGroup, ParamState, Rule};
pub use rmsprop::{Rmsprop, RmspropOptions, RmspropRule};
pub use sgd::{Sgd, SgdOptions, SgdRule};
