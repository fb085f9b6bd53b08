//! The layers whose maths the core fuses: batch norm, layer norm, embedding and
//! dropout. The TypeScript modules keep the parameters and buffers and call these.

use crate::inputs::Optional;
use crate::tensor::NativeTensor;
use crate::{args, Result};
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
    if running_mean.is_some() != running_var.is_some() {
        return Err(args::arg_error(
            "batchNorm: give both runningMean and runningVar, or neither".into(),
        ));
    }
    let options = BatchNormOptions {
        training,
        momentum,
        eps,
    };
    let optional = [
        opt(weight)?,
        opt(bias)?,
        opt(running_mean)?,
        opt(running_var)?,
        opt(num_batches_tracked)?,
    ];
    let (inputs, at) = Optional::list(&[input.get()?], optional);
    // Training-mode statistics update the running buffers inside the op, so a
    // replay updates them too.
    NativeTensor::traced(&env, "batchNorm", &inputs, move |t| {
        let running = match (at.get(t, 2), at.get(t, 3)) {
            (Some(mean), Some(var)) => Some(RunningStats {
                mean,
                var,
                num_batches_tracked: at.get(t, 4),
            }),
            _ => None,
        };
        nn::batch_norm(t[0], at.get(t, 0), at.get(t, 1), running, options)
    })
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
    let shape = args::shape_of("layerNorm", &normalized_shape)?;
    let (inputs, at) = Optional::list(&[input.get()?], [opt(weight)?, opt(bias)?]);
    NativeTensor::traced(&env, "layerNorm", &inputs, move |t| {
        nn::layer_norm(t[0], &shape, at.get(t, 0), at.get(t, 1), eps)
    })
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
    NativeTensor::traced(
        &env,
        "embedding",
        &[weight.get()?, indices.get()?],
        move |t| nn::embedding(t[0], t[1], padding),
    )
}

/// Inverted dropout with probability `p` when `training`; the input otherwise.
#[napi(catch_unwind)]
pub fn dropout(env: Env, input: &NativeTensor, p: f64, training: bool) -> Result<NativeTensor> {
    NativeTensor::traced(&env, "dropout", &[input.get()?], move |t| {
        nn::dropout(t[0], p, training)
    })
}
