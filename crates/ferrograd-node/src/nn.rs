//! Layer maths (the fused layers are in `layers.rs`, the losses in `losses.rs`).

use crate::inputs::Optional;
use crate::tensor::NativeTensor;
use crate::Result;
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
    let (inputs, at) = Optional::list(&[input.get()?, weight.get()?], [b]);
    NativeTensor::traced(&env, "linear", &inputs, move |t| {
        nn::functional::linear(t[0], t[1], at.get(t, 0))
    })
}
