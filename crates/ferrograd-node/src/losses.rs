//! The losses: cross-entropy and NLL with their class options, and the
//! elementwise ones. Each converts its options and delegates to the core.

use crate::inputs::Optional;
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

/// The options of a class loss apart from its weight tensor, as plain values an
/// op's closure can own (see `inputs.rs`).
#[derive(Clone, Copy)]
struct ClassOptions {
    ignore_index: i64,
    label_smoothing: f64,
    reduction: Reduction,
}

impl ClassOptions {
    /// `ignoreIndex` (default -100), label smoothing and the reduction as the core takes them.
    fn parse(
        reduction: &str,
        ignore_index: Option<f64>,
        label_smoothing: Option<f64>,
    ) -> Result<ClassOptions> {
        Ok(ClassOptions {
            ignore_index: match ignore_index {
                Some(i) => crate::args::int("loss", "ignoreIndex", i)?,
                None => -100,
            },
            label_smoothing: label_smoothing.unwrap_or(0.0),
            reduction: Reduction::parse(reduction).js()?,
        })
    }

    /// The core's options with class weights `weight`.
    fn with<'a>(&self, weight: Option<&'a CoreTensor>) -> ClassLossOptions<'a> {
        ClassLossOptions {
            weight,
            ignore_index: self.ignore_index,
            label_smoothing: self.label_smoothing,
            reduction: self.reduction,
        }
    }
}

/// A class loss of `input` against `target` with optional class weights.
fn class_loss(
    env: &Env,
    name: &'static str,
    [input, target, weight]: [Option<&NativeTensor>; 3],
    options: ClassOptions,
    f: fn(&CoreTensor, &CoreTensor, &ClassLossOptions) -> ferrograd::Result<CoreTensor>,
) -> Result<NativeTensor> {
    let (input, target) = (
        opt(input)?.expect("required"),
        opt(target)?.expect("required"),
    );
    let (inputs, at) = Optional::list(&[input, target], [opt(weight)?]);
    NativeTensor::traced(env, name, &inputs, move |t| {
        f(t[0], t[1], &options.with(at.get(t, 0)))
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
    let options = ClassOptions::parse(&reduction, ignore_index, label_smoothing)?;
    let given = [Some(input), Some(target), weight];
    class_loss(&env, "crossEntropy", given, options, nn::cross_entropy_with)
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
    let options = ClassOptions::parse(&reduction, ignore_index, None)?;
    let given = [Some(input), Some(target), weight];
    class_loss(&env, "nllLoss", given, options, nn::nll_loss)
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
    NativeTensor::traced(env, "loss", &[input.get()?, target.get()?], move |t| {
        f(t[0], t[1], r)
    })
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
    NativeTensor::traced(
        &env,
        "thresholdLoss",
        &[input.get()?, target.get()?],
        move |t| f(t[0], t[1], threshold, r),
    )
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
    let (inputs, at) = Optional::list(&[input.get()?, target.get()?], [opt(weight)?]);
    NativeTensor::traced(&env, "binaryCrossEntropy", &inputs, move |t| {
        nn::binary_cross_entropy(t[0], t[1], at.get(t, 0), r)
    })
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
    let optional = [opt(weight)?, opt(pos_weight)?];
    let (inputs, at) = Optional::list(&[input.get()?, target.get()?], optional);
    NativeTensor::traced(&env, "binaryCrossEntropyWithLogits", &inputs, move |t| {
        nn::binary_cross_entropy_with_logits(t[0], t[1], at.get(t, 0), at.get(t, 1), r)
    })
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
    NativeTensor::traced(&env, "klDiv", &[input.get()?, target.get()?], move |t| {
        nn::kl_div(t[0], t[1], r, log_target)
    })
}
