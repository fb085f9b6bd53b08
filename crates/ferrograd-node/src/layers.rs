//! The layers whose maths the core fuses: batch norm, layer norm, embedding and
//! dropout. The TypeScript modules keep the parameters and buffers and call these.

use crate::tensor::NativeTensor;
use crate::{args, IntoJs, Result};
use ferrograd::nn::{self, BatchNormOptions, RunningStats};
use napi::Env;
use napi_derive::napi;

/// The core tensor of an optional handle.
fn opt(t: Option<&NativeTensor>) -> Result<Option<&ferrograd::Tensor>> {
    t.map(|t| t.get()).transpose()
}

/// Batch normalisation over dim 1. With running statistics (both or neither) a
/// training-mode call updates them in place and increments `numBatchesTracked`;
/// `momentum` null means a cumulative average.
#[napi(catch_unwind)]
#[allow(clippy::too_many_arguments)]
pub fn batch_norm(
    env: Env,
    input: &NativeTensor,
    weight: Option<&NativeTensor>,
    bias: Option<&NativeTensor>,
    running_mean: Option<&NativeTensor>,
    running_var: Option<&NativeTensor>,
    num_batches_tracked: Option<&NativeTensor>,
    training: bool,
    momentum: Option<f64>,
    eps: f64,
) -> Result<NativeTensor> {
    let running = match (opt(running_mean)?, opt(running_var)?) {
        (Some(mean), Some(var)) => Some(RunningStats {
            mean,
            var,
            num_batches_tracked: opt(num_batches_tracked)?,
        }),
        (None, None) => None,
        _ => {
            return Err(args::arg_error(
                "batchNorm: give both runningMean and runningVar, or neither".into(),
            ))
        }
    };
    let options = BatchNormOptions {
        training,
        momentum,
        eps,
    };
    let out = nn::batch_norm(input.get()?, opt(weight)?, opt(bias)?, running, options).js()?;
    NativeTensor::wrap(&env, out, &[])
}

/// Layer normalisation over the trailing dims `normalizedShape`.
#[napi(catch_unwind)]
pub fn layer_norm(
    env: Env,
    input: &NativeTensor,
    normalized_shape: Vec<f64>,
    weight: Option<&NativeTensor>,
    bias: Option<&NativeTensor>,
    eps: f64,
) -> Result<NativeTensor> {
    let shape = args::shape("layerNorm", &normalized_shape)?;
    let out = nn::layer_norm(input.get()?, &shape, opt(weight)?, opt(bias)?, eps).js()?;
    NativeTensor::wrap(&env, out, &[])
}

/// The rows of `weight` at `indices`; `paddingIdx` gets no gradient.
#[napi(catch_unwind)]
pub fn embedding(
    env: Env,
    weight: &NativeTensor,
    indices: &NativeTensor,
    padding_idx: Option<f64>,
) -> Result<NativeTensor> {
    let padding = padding_idx
        .map(|p| args::size("embedding", "paddingIdx", p))
        .transpose()?;
    let out = nn::embedding(weight.get()?, indices.get()?, padding).js()?;
    NativeTensor::wrap(&env, out, &[])
}

/// Inverted dropout with probability `p` when `training`; the input otherwise.
#[napi(catch_unwind)]
pub fn dropout(env: Env, input: &NativeTensor, p: f64, training: bool) -> Result<NativeTensor> {
    let x = input.get()?;
    let out = nn::dropout(x, p, training).js()?;
    NativeTensor::wrap(&env, out, &[x])
}
