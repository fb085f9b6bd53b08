//! Gradient clipping: one call over every parameter.

use crate::handle::TensorRef;
use crate::tensor::NativeTensor;
use crate::{IntoJs, Result};
use ferrograd::trace::{self, Event};
use ferrograd::{nn, Tensor as CoreTensor};
use napi::Env;
use napi_derive::napi;

/// Rescales the gradients so their joint `normType` norm is at most `maxNorm`;
/// returns the norm before clipping as a 0-d tensor.
#[napi(catch_unwind)]
pub fn clip_grad_norm(
    env: Env,
    params: Vec<TensorRef>,
    max_norm: f64,
    norm_type: f64,
    error_if_nonfinite: bool,
) -> Result<NativeTensor> {
    let params = changed("clipGradNorm_", &params)?;
    let total = nn::clip_grad_norm(&params, max_norm, norm_type, error_if_nonfinite).js()?;
    NativeTensor::leaf(&env, total)
}

/// Clamps every gradient to `[-clipValue, clipValue]`.
#[napi(catch_unwind)]
pub fn clip_grad_value(params: Vec<TensorRef>, clip_value: f64) -> Result<()> {
    let params = changed("clipGradValue_", &params)?;
    nn::clip_grad_value(&params, clip_value).js()
}

/// The parameters whose gradients `op` changes in place, noted as changed for a
/// recording (a replay would not repeat it).
fn changed(op: &str, params: &[TensorRef]) -> Result<Vec<CoreTensor>> {
    let params = crate::tensor::core_tensors(params)?;
    for p in &params {
        trace::note(op, Event::Mutated, p);
    }
    Ok(params)
}
