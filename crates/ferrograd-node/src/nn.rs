//! Layer maths and losses.

use crate::tensor::NativeTensor;
use crate::{IntoJs, Result};
use ferrograd::nn::{self, Reduction};
use ferrograd::Tensor as CoreTensor;
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

/// Runs a loss `f(input, target, reduction)` with the reduction parsed from JS.
fn loss(
    env: &Env,
    input: &NativeTensor,
    target: &NativeTensor,
    reduction: &str,
    f: fn(&CoreTensor, &CoreTensor, Reduction) -> ferrograd::Result<CoreTensor>,
) -> Result<NativeTensor> {
    let r = Reduction::parse(reduction).js()?;
    let out = f(input.get()?, target.get()?, r).js()?;
    NativeTensor::wrap(env, out, &[])
}

/// Mean squared error with `reduction` `'mean' | 'sum' | 'none'`.
#[napi(catch_unwind)]
pub fn mse_loss(
    env: Env,
    input: &NativeTensor,
    target: &NativeTensor,
    reduction: String,
) -> Result<NativeTensor> {
    loss(&env, input, target, &reduction, nn::mse_loss)
}

/// Cross-entropy of logits against int64 class indices.
#[napi(catch_unwind)]
pub fn cross_entropy(
    env: Env,
    input: &NativeTensor,
    target: &NativeTensor,
    reduction: String,
) -> Result<NativeTensor> {
    loss(&env, input, target, &reduction, nn::cross_entropy)
}
