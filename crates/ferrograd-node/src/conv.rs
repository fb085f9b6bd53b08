//! Convolution and pooling: JavaScript sizes to core options, and delegation. The
//! `js_name`s keep PyTorch's spelling (`conv2d`), which napi-rs would turn into `conv2D`.

use crate::args::{self, arg_error};
use crate::inputs::Optional;
use crate::tensor::NativeTensor;
use crate::Result;
use ferrograd::nn::functional::{self as f, Conv1dOptions, Conv2dOptions};
use napi::Env;
use napi_derive::napi;

/// A size of at least `min` (1 for kernel sizes, strides, dilations and groups, 0
/// for padding), refusing negative, fractional and NaN values with `ERR_ARG`.
fn size(op: &str, what: &str, v: f64, min: usize) -> Result<usize> {
    match args::size(op, what, v) {
        Ok(n) if n >= min => Ok(n),
        _ => Err(arg_error(format!(
            "{op}: {what} must be a {} integer, got {v}",
            if min == 0 { "non-negative" } else { "positive" }
        ))),
    }
}

/// A `[rows, columns]` pair of sizes (the TypeScript layer turns a single number
/// into a pair).
fn pair(op: &str, what: &str, v: &[f64], min: usize) -> Result<[usize; 2]> {
    match v {
        [a, b] => Ok([size(op, what, *a, min)?, size(op, what, *b, min)?]),
        _ => Err(arg_error(format!(
            "{op}: {what} must be a number or a pair of numbers, got {} numbers",
            v.len()
        ))),
    }
}

/// 2-D convolution of `input` `[N, C, H, W]` with `weight` `[O, C / groups, kH, kW]`
/// and an optional `bias` `[O]`; `stride`, `padding` and `dilation` are pairs.
#[napi(js_name = "conv2d", catch_unwind)]
#[allow(clippy::too_many_arguments)]
pub fn conv2d(
    env: Env,
    input: &NativeTensor,
    weight: &NativeTensor,
    bias: Option<&NativeTensor>,
    stride: Vec<f64>,
    padding: Vec<f64>,
    dilation: Vec<f64>,
    groups: f64,
) -> Result<NativeTensor> {
    const OP: &str = "conv2d";
    let options = Conv2dOptions {
        stride: pair(OP, "stride", &stride, 1)?,
        padding: pair(OP, "padding", &padding, 0)?,
        dilation: pair(OP, "dilation", &dilation, 1)?,
        groups: size(OP, "groups", groups, 1)?,
    };
    let b = bias.map(|b| b.get()).transpose()?;
    let (inputs, at) = Optional::list(&[input.get()?, weight.get()?], [b]);
    NativeTensor::traced(&env, "conv2d", &inputs, move |t| {
        f::conv2d(t[0], t[1], at.get(t, 0), &options)
    })
}

/// 1-D convolution of `input` `[N, C, L]` with `weight` `[O, C / groups, kL]` and an
/// optional `bias` `[O]`.
#[napi(js_name = "conv1d", catch_unwind)]
#[allow(clippy::too_many_arguments)]
pub fn conv1d(
    env: Env,
    input: &NativeTensor,
    weight: &NativeTensor,
    bias: Option<&NativeTensor>,
    stride: f64,
    padding: f64,
    dilation: f64,
    groups: f64,
) -> Result<NativeTensor> {
    const OP: &str = "conv1d";
    let options = Conv1dOptions {
        stride: size(OP, "stride", stride, 1)?,
        padding: size(OP, "padding", padding, 0)?,
        dilation: size(OP, "dilation", dilation, 1)?,
        groups: size(OP, "groups", groups, 1)?,
    };
    let b = bias.map(|b| b.get()).transpose()?;
    let (inputs, at) = Optional::list(&[input.get()?, weight.get()?], [b]);
    NativeTensor::traced(&env, "conv1d", &inputs, move |t| {
        f::conv1d(t[0], t[1], at.get(t, 0), &options)
    })
}

/// The kernel, stride and padding pairs of a sliding-window pooling.
fn window(op: &str, kernel: &[f64], stride: &[f64], padding: &[f64]) -> Result<[[usize; 2]; 3]> {
    Ok([
        pair(op, "kernel_size", kernel, 1)?,
        pair(op, "stride", stride, 1)?,
        pair(op, "padding", padding, 0)?,
    ])
}

/// Maximum over sliding windows of each plane of `[N, C, H, W]` or `[C, H, W]`.
#[napi(js_name = "maxPool2d", catch_unwind)]
pub fn max_pool2d(
    env: Env,
    input: &NativeTensor,
    kernel_size: Vec<f64>,
    stride: Vec<f64>,
    padding: Vec<f64>,
) -> Result<NativeTensor> {
    let [k, s, p] = window("maxPool2d", &kernel_size, &stride, &padding)?;
    NativeTensor::traced(&env, "maxPool2d", &[input.get()?], move |t| {
        f::max_pool2d(t[0], k, s, p)
    })
}

/// Mean over sliding windows of each plane of `[N, C, H, W]` or `[C, H, W]`.
#[napi(js_name = "avgPool2d", catch_unwind)]
pub fn avg_pool2d(
    env: Env,
    input: &NativeTensor,
    kernel_size: Vec<f64>,
    stride: Vec<f64>,
    padding: Vec<f64>,
    count_include_pad: bool,
) -> Result<NativeTensor> {
    let [k, s, p] = window("avgPool2d", &kernel_size, &stride, &padding)?;
    NativeTensor::traced(&env, "avgPool2d", &[input.get()?], move |t| {
        f::avg_pool2d(t[0], k, s, p, count_include_pad)
    })
}

/// Mean over the adaptive windows that give each plane the size `output_size`.
#[napi(js_name = "adaptiveAvgPool2d", catch_unwind)]
pub fn adaptive_avg_pool2d(
    env: Env,
    input: &NativeTensor,
    output_size: Vec<f64>,
) -> Result<NativeTensor> {
    let size = pair("adaptiveAvgPool2d", "output_size", &output_size, 0)?;
    NativeTensor::traced(&env, "adaptiveAvgPool2d", &[input.get()?], move |t| {
        f::adaptive_avg_pool2d(t[0], size)
    })
}
