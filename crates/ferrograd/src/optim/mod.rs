//! Optimizers, as `torch.optim`: each is a [`Rule`] (its hyperparameters and
//! fused per-parameter update) run by the shared [`Optimizer`], which keeps the
//! parameter groups and the per-parameter state, updates every parameter in one
//! call, and exports and imports the state with PyTorch's names.
//!
//! Adding an optimizer: one file here declaring its hyperparameters with
//! [`hyperparameters!`](hyperparameters) and implementing [`Rule`]; one line
//! in the binding's file for it; one TypeScript file with its options interface
//! and class.

pub mod adagrad;
pub mod adam;
pub mod hyperparameters;
mod optimizer;
pub mod rmsprop;
pub mod sgd;

pub use adagrad::{Adagrad, AdagradOptions, AdagradRule};
pub use adam::{Adam, AdamFamily, AdamOptions, AdamRule, AdamW, AdamWRule};
pub use hyperparameters::Hyperparameters;
pub use optimizer::{Optimizer, ParamGroup, ParamState, Rule, Update};
pub use rmsprop::{Rmsprop, RmspropOptions, RmspropRule};
pub use sgd::{Sgd, SgdOptions, SgdRule};
