//! The native SGD optimizer.

use crate::optim::{js_options, optimizer_class};
use ferrograd::optim::Sgd;

ferrograd::sgd_hyperparameters!(js_options);

optimizer_class!("The native SGD optimizer.", NativeSgd, Sgd, SgdOptions);
