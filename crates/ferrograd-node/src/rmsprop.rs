//! The native RMSprop optimizer.

use crate::optim::{js_options, optimizer_class};
use ferrograd::optim::Rmsprop;

ferrograd::rmsprop_hyperparameters!(js_options);

optimizer_class!(
    "The native RMSprop optimizer.",
    NativeRmsprop,
    Rmsprop,
    RmspropOptions
);
