//! Layer maths and losses.

use crate::tensor::NativeTensor;
use crate::{IntoJs, Result};
use ferrograd::nn::{self, Reduction};
use napi::Env;
use napi_derive::napi;

/// `x W^T + b`.
#[napi(catch_unwind)]
pub fn linear(
    env: Env,
    input: &NativeTensor,
    weight: &NativeTensor,
    bias: Option<&NativeTensor>,
) -> Result<NativeTensor> {
    let b = bias.map(|b| b.get()).transpose()?;
    let out = nn::functional::linear(input.get()?, weight.get()?, b).js()?;
    NativeTensor::wrap(&env, out, &[])
}

/// Mean squared error with `reduction` `'mean' | 'sum' | 'none'`.
#[napi(catch_unwind)]
pub fn mse_loss(
    env: Env,
    input: &NativeTensor,
    target: &NativeTensor,
    reduction: String,
) -> Result<NativeTensor> {
    let r = Reduction::parse(&reduction).js()?;
    let out = nn::mse_loss(input.get()?, target.get()?, r).js()?;
    NativeTensor::wrap(&env, out, &[])
}

/// Cross-entropy of logits against int64 class indices.
#[napi(catch_unwind)]
pub fn cross_entropy(
    env: Env,
    input: &NativeTensor,
    target: &NativeTensor,
    reduction: String,
) -> Result<NativeTensor> {
    let r = Reduction::parse(&reduction).js()?;
    let out = nn::cross_entropy(input.get()?, target.get()?, r).js()?;
    NativeTensor::wrap(&env, out, &[])
}
