//! Layer maths (the fused layers are in `layers.rs`, the losses in `losses.rs`).

use crate::tensor::NativeTensor;
use crate::{IntoJs, Result};
use ferrograd::nn;
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
