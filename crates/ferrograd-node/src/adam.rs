//! The native Adam and AdamW optimizers: one options type, two classes.

use crate::optim::{js_options, optimizer_class};
use ferrograd::optim::{Adam, AdamW};

ferrograd::adam_hyperparameters!(js_options);

optimizer_class!("The native Adam optimizer.", NativeAdam, Adam, AdamOptions);

optimizer_class!(
    "The native AdamW optimizer.",
    NativeAdamW,
    AdamW,
    AdamOptions
);
