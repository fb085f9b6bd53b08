//! The native Adagrad optimizer.

use crate::optim::{js_options, optimizer_class};
use ferrograd::optim::Adagrad;

ferrograd::adagrad_hyperparameters!(js_options);

optimizer_class!(
    "The native Adagrad optimizer.",
    NativeAdagrad,
    Adagrad,
    AdagradOptions
);
