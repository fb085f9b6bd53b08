//! The losses: cross-entropy and NLL with their class options, and the
//! elementwise ones. Each converts its options and delegates to the core.

use crate::tensor::NativeTensor;
use crate::{IntoJs, Result};
use ferrograd::nn::{self, ClassLossOptions, KlDivReduction, Reduction};
use ferrograd::Tensor as CoreTensor;
use napi::Env;
use napi_derive::napi;

/// The core tensor of an optional handle.
fn opt(t: Option<&NativeTensor>) -> Result<Option<&CoreTensor>> {
    t.map(|t| t.get()).transpose()
}

/// Wraps a loss's result.
fn done(env: &Env, out: ferrograd::Result<CoreTensor>) -> Result<NativeTensor> {
    NativeTensor::wrap(env, out.js()?, &[])
}

/// Class weights, `ignoreIndex` (default -100) and label smoothing as the core takes them.
fn class_options<'a>(
    reduction: &str,
    weight: Option<&'a NativeTensor>,
    ignore_index: Option<f64>,
    label_smoothing: Option<f64>,
) -> Result<ClassLossOptions<'a>> {
    Ok(ClassLossOptions {
        weight: opt(weight)?,
        ignore_index: match ignore_index {
            Some(i) => crate::args::int("loss", "ignoreIndex", i)?,
            None => -100,
        },
        label_smoothing: label_smoothing.unwrap_or(0.0),
        reduction: Reduction::parse(reduction).js()?,
    })
}

/// Cross-entropy of logits against int64 class indices or float probabilities.
#[napi(catch_unwind)]
pub fn cross_entropy(
    env: Env,
    input: &NativeTensor,
    target: &NativeTensor,
    reduction: String,
    weight: Option<&NativeTensor>,
    ignore_index: Option<f64>,
    label_smoothing: Option<f64>,
) -> Result<NativeTensor> {
    let options = class_options(&reduction, weight, ignore_index, label_smoothing)?;
    done(
        &env,
        nn::cross_entropy_with(input.get()?, target.get()?, &options),
    )
}

/// Negative log-likelihood of log-probabilities against int64 class indices.
#[napi(catch_unwind)]
pub fn nll_loss(
    env: Env,
    input: &NativeTensor,
    target: &NativeTensor,
    reduction: String,
    weight: Option<&NativeTensor>,
    ignore_index: Option<f64>,
) -> Result<NativeTensor> {
    let options = class_options(&reduction, weight, ignore_index, None)?;
    done(&env, nn::nll_loss(input.get()?, target.get()?, &options))
}

/// Runs a loss `f(input, target, reduction)` with the reduction parsed from JS.
fn plain(
    env: &Env,
    input: &NativeTensor,
    target: &NativeTensor,
    reduction: &str,
    f: fn(&CoreTensor, &CoreTensor, Reduction) -> ferrograd::Result<CoreTensor>,
) -> Result<NativeTensor> {
    let r = Reduction::parse(reduction).js()?;
    done(env, f(input.get()?, target.get()?, r))
}

/// Mean squared error with `reduction` `'mean' | 'sum' | 'none'`.
#[napi(catch_unwind)]
pub fn mse_loss(
    env: Env,
    input: &NativeTensor,
    target: &NativeTensor,
    reduction: String,
) -> Result<NativeTensor> {
    plain(&env, input, target, &reduction, nn::mse_loss)
}

/// Mean absolute error.
#[napi(catch_unwind)]
pub fn l1_loss(
    env: Env,
    input: &NativeTensor,
    target: &NativeTensor,
    reduction: String,
) -> Result<NativeTensor> {
    plain(&env, input, target, &reduction, nn::l1_loss)
}

/// A loss with one threshold parameter (smooth L1's `beta`, Huber's `delta`).
type ThresholdLoss = fn(&CoreTensor, &CoreTensor, f64, Reduction) -> ferrograd::Result<CoreTensor>;

/// Smooth L1 (`'smoothL1'`, threshold `beta`) or Huber (`'huber'`, threshold `delta`).
#[napi(catch_unwind)]
pub fn threshold_loss(
    env: Env,
    kind: String,
    input: &NativeTensor,
    target: &NativeTensor,
    reduction: String,
    threshold: f64,
) -> Result<NativeTensor> {
    let f: ThresholdLoss = match kind.as_str() {
        "smoothL1" => nn::smooth_l1_loss,
        "huber" => nn::huber_loss,
        other => {
            return Err(crate::args::arg_error(format!(
                "thresholdLoss: unknown kind '{other}'"
            )))
        }
    };
    let r = Reduction::parse(&reduction).js()?;
    done(&env, f(input.get()?, target.get()?, threshold, r))
}

/// Binary cross-entropy of probabilities, optionally weighted.
#[napi(catch_unwind)]
pub fn binary_cross_entropy(
    env: Env,
    input: &NativeTensor,
    target: &NativeTensor,
    reduction: String,
    weight: Option<&NativeTensor>,
) -> Result<NativeTensor> {
    let r = Reduction::parse(&reduction).js()?;
    done(
        &env,
        nn::binary_cross_entropy(input.get()?, target.get()?, opt(weight)?, r),
    )
}

/// Binary cross-entropy of logits, optionally weighted and with a positive-class weight.
#[napi(catch_unwind)]
pub fn binary_cross_entropy_with_logits(
    env: Env,
    input: &NativeTensor,
    target: &NativeTensor,
    reduction: String,
    weight: Option<&NativeTensor>,
    pos_weight: Option<&NativeTensor>,
) -> Result<NativeTensor> {
    let r = Reduction::parse(&reduction).js()?;
    let (w, pw) = (opt(weight)?, opt(pos_weight)?);
    done(
        &env,
        nn::binary_cross_entropy_with_logits(input.get()?, target.get()?, w, pw, r),
    )
}

/// KL divergence; `reduction` may also be `'batchmean'`.
#[napi(catch_unwind)]
pub fn kl_div(
    env: Env,
    input: &NativeTensor,
    target: &NativeTensor,
    reduction: String,
    log_target: bool,
) -> Result<NativeTensor> {
    let r = KlDivReduction::parse(&reduction).js()?;
    done(&env, nn::kl_div(input.get()?, target.get()?, r, log_target))
}
