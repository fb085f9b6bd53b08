//! The tensor handle's ops (`tensorAdd(handle, other)` in JavaScript): maths,
//! reductions and shapes, one declaration each (see [`ops!`]).

use crate::declare::ops;
use crate::tensor::NativeTensor;
use crate::{args, IntoJs, Result};
use ferrograd::ops::{BinaryOp, CmpOp};
use ferrograd::trace;
use napi::Env;
use napi_derive::napi;

ops! {
    // ---- arithmetic ----------------------------------------------------------
    #[doc = "`this + other`, broadcasting."]
    fn tensor_add "add" [tensor, other] => tensor.add(other);
    #[doc = "`this - other`, broadcasting."]
    fn tensor_sub "sub" [tensor, other] => tensor.sub(other);
    #[doc = "`this * other`, broadcasting."]
    fn tensor_mul "mul" [tensor, other] => tensor.mul(other);
    #[doc = "`this / other`, broadcasting."]
    fn tensor_div "div" [tensor, other] => tensor.div(other);
    #[doc = "`this ^ other`, broadcasting."]
    fn tensor_pow "pow" [tensor, other] => tensor.pow(other);
    #[doc = "Elementwise maximum, broadcasting."]
    fn tensor_maximum "maximum" [tensor, other] => tensor.maximum(other);
    #[doc = "Elementwise minimum, broadcasting."]
    fn tensor_minimum "minimum" [tensor, other] => tensor.minimum(other);
    #[doc = "`this + value`, or `value + this` when `reversed`."]
    fn tensor_add_scalar "add" [tensor] (value: f64, reversed: bool)
        => tensor.binary_scalar(BinaryOp::Add, value, reversed);
    #[doc = "`this - value`, or `value - this` when `reversed`."]
    fn tensor_sub_scalar "sub" [tensor] (value: f64, reversed: bool)
        => tensor.binary_scalar(BinaryOp::Sub, value, reversed);
    #[doc = "`this * value`, or `value * this` when `reversed`."]
    fn tensor_mul_scalar "mul" [tensor] (value: f64, reversed: bool)
        => tensor.binary_scalar(BinaryOp::Mul, value, reversed);
    #[doc = "`this / value`, or `value / this` when `reversed`."]
    fn tensor_div_scalar "div" [tensor] (value: f64, reversed: bool)
        => tensor.binary_scalar(BinaryOp::Div, value, reversed);
    #[doc = "`this ^ value`, or `value ^ this` when `reversed`."]
    fn tensor_pow_scalar "pow" [tensor] (value: f64, reversed: bool)
        => tensor.binary_scalar(BinaryOp::Pow, value, reversed);
    #[doc = "Elementwise maximum with a number."]
    fn tensor_maximum_scalar "maximum" [tensor] (value: f64, reversed: bool)
        => tensor.binary_scalar(BinaryOp::Maximum, value, reversed);
    #[doc = "Elementwise minimum with a number."]
    fn tensor_minimum_scalar "minimum" [tensor] (value: f64, reversed: bool)
        => tensor.binary_scalar(BinaryOp::Minimum, value, reversed);
    #[doc = "Elementwise `this == other` as a bool tensor."]
    fn tensor_eq "eq" [tensor, other] => tensor.compare(CmpOp::Eq, other);
    #[doc = "Elementwise `this != other`."]
    fn tensor_ne "ne" [tensor, other] => tensor.compare(CmpOp::Ne, other);
    #[doc = "Elementwise `this < other`."]
    fn tensor_lt "lt" [tensor, other] => tensor.compare(CmpOp::Lt, other);
    #[doc = "Elementwise `this <= other`."]
    fn tensor_le "le" [tensor, other] => tensor.compare(CmpOp::Le, other);
    #[doc = "Elementwise `this > other`."]
    fn tensor_gt "gt" [tensor, other] => tensor.compare(CmpOp::Gt, other);
    #[doc = "Elementwise `this >= other`."]
    fn tensor_ge "ge" [tensor, other] => tensor.compare(CmpOp::Ge, other);
    #[doc = "`value` where `mask` is true."]
    fn tensor_masked_fill "maskedFill" [tensor, mask] (value: f64) => tensor.masked_fill(mask, value);
    #[doc = "Matrix product with `torch.matmul`'s rules."]
    fn tensor_matmul "matmul" [tensor, other] => tensor.matmul(other);

    // ---- elementwise functions -----------------------------------------------
    #[doc = "`-this`."]
    fn tensor_neg "neg" [tensor] => tensor.neg();
    #[doc = "`max(this, 0)`."]
    fn tensor_relu "relu" [tensor] => tensor.relu();
    #[doc = "Logistic sigmoid."]
    fn tensor_sigmoid "sigmoid" [tensor] => tensor.sigmoid();
    #[doc = "Hyperbolic tangent."]
    fn tensor_tanh "tanh" [tensor] => tensor.tanh();
    #[doc = "`e^this`."]
    fn tensor_exp "exp" [tensor] => tensor.exp();
    #[doc = "Natural logarithm."]
    fn tensor_log "log" [tensor] => tensor.log();
    #[doc = "Square root."]
    fn tensor_sqrt "sqrt" [tensor] => tensor.sqrt();
    #[doc = "Absolute value."]
    fn tensor_abs "abs" [tensor] => tensor.abs();
    #[doc = "GELU (exact)."]
    fn tensor_gelu "gelu" [tensor] => tensor.gelu();
    #[doc = "SiLU."]
    fn tensor_silu "silu" [tensor] => tensor.silu();
    #[doc = "Softplus."]
    fn tensor_softplus "softplus" [tensor] => tensor.softplus();
    #[doc = "Leaky ReLU."]
    fn tensor_leaky_relu "leakyRelu" [tensor] (negative_slope: f64) => tensor.leaky_relu(negative_slope);
    #[doc = "HardTanh: limits elements to `[minVal, maxVal]`, no gradient at the bounds."]
    fn tensor_hardtanh "hardtanh" [tensor] (min_val: f64, max_val: f64) => tensor.hardtanh(min_val, max_val);
    #[doc = "Limits elements to `[min, max]`."]
    fn tensor_clamp "clamp" [tensor] (min: Option<f64>, max: Option<f64>) => tensor.clamp(min, max);
    #[doc = "Softmax along `dim`."]
    fn tensor_softmax "softmax" [tensor] (dim: f64 as int) => tensor.softmax(dim);
    #[doc = "Log-softmax along `dim`."]
    fn tensor_log_softmax "logSoftmax" [tensor] (dim: f64 as int) => tensor.log_softmax(dim);

    // ---- reductions ----------------------------------------------------------
    #[doc = "Sum over `dims` (all when absent)."]
    fn tensor_sum "sum" [tensor] (dims: Option<Vec<f64>> as opt_dim_list, keepdim: bool)
        => tensor.sum(dims.as_deref(), keepdim);
    #[doc = "Mean over `dims` (all when absent)."]
    fn tensor_mean "mean" [tensor] (dims: Option<Vec<f64>> as opt_dim_list, keepdim: bool)
        => tensor.mean(dims.as_deref(), keepdim);
    #[doc = "Index of the maximum along `dim` (of the flattened tensor when absent)."]
    fn tensor_argmax "argmax" [tensor] (dim: Option<f64> as opt_int, keepdim: bool)
        => tensor.argmax(dim, keepdim);
    #[doc = "Index of the minimum along `dim` (of the flattened tensor when absent)."]
    fn tensor_argmin "argmin" [tensor] (dim: Option<f64> as opt_int, keepdim: bool)
        => tensor.argmin(dim, keepdim);
    #[doc = "Largest element overall, as a 0-d tensor."]
    fn tensor_max "max" [tensor] => tensor.max_all();
    #[doc = "Smallest element overall, as a 0-d tensor."]
    fn tensor_min "min" [tensor] => tensor.min_all();
    #[doc = "Variance over `dims` (all when absent) with `correction`."]
    fn tensor_var "var" [tensor] (dims: Option<Vec<f64>> as opt_dim_list, correction: f64, keepdim: bool)
        => tensor.var(dims.as_deref(), correction, keepdim);
    #[doc = "Standard deviation over `dims` (all when absent) with `correction`."]
    fn tensor_std "std" [tensor] (dims: Option<Vec<f64>> as opt_dim_list, correction: f64, keepdim: bool)
        => tensor.std(dims.as_deref(), correction, keepdim);

    // ---- shapes --------------------------------------------------------------
    #[doc = "Reorders the dimensions; a view."]
    fn tensor_permute "permute" [tensor] (dims: Vec<f64> as dim_list) => tensor.permute(&dims);
    #[doc = "`length` elements of `dim` from `start`; a view."]
    fn tensor_narrow "narrow" [tensor] (dim: f64 as int, start: f64 as int, length: f64 as size)
        => tensor.narrow(dim, start, length);
    #[doc = "Entries `index` (1-D int64) along `dim`."]
    fn tensor_index_select "indexSelect" [tensor, index] (dim: f64 as int) => tensor.index_select(dim, index);
    #[doc = "`torch.gather` along `dim`."]
    fn tensor_gather "gather" [tensor, index] (dim: f64 as int) => tensor.gather(dim, index);
    #[doc = "Same elements under a new shape (one entry may be -1); a view when possible."]
    fn tensor_reshape "reshape" [tensor] (shape: Vec<f64> as dim_list) => tensor.reshape(&shape);
    #[doc = "Collapses dims `startDim..=endDim`."]
    fn tensor_flatten "flatten" [tensor] (start_dim: f64 as int, end_dim: f64 as int)
        => tensor.flatten(start_dim, end_dim);
    #[doc = "Inserts a size-1 dimension."]
    fn tensor_unsqueeze "unsqueeze" [tensor] (dim: f64 as int) => tensor.unsqueeze(dim);
    #[doc = "Removes size-1 dimensions (only `dim` when given)."]
    fn tensor_squeeze "squeeze" [tensor] (dim: Option<f64> as opt_int) => tensor.squeeze(dim);
    #[doc = "Swaps two dimensions; a view."]
    fn tensor_transpose "transpose" [tensor] (dim0: f64 as int, dim1: f64 as int) => tensor.transpose(dim0, dim1);
    #[doc = "Matrix transpose of a tensor of at most 2 dimensions; a view."]
    fn tensor_t "t" [tensor] => tensor.t();
    #[doc = "Broadcasts size-1 dimensions to `shape` (`-1` keeps a size); a view."]
    fn tensor_expand "expand" [tensor] (shape: Vec<f64> as dim_list) => tensor.expand_as_spec(&shape);
    #[doc = "A view with a new shape (one entry may be -1); `ERR_SHAPE` when the layout is not contiguous."]
    fn tensor_view "view" [tensor] (shape: Vec<f64> as dim_list) => tensor.view(&shape);
    #[doc = "A packed copy when the layout is not packed already."]
    fn tensor_contiguous "contiguous" [tensor] => tensor.contiguous();
    #[doc = "A packed copy, recorded for autograd (PyTorch's `clone`)."]
    fn tensor_clone "clone" [tensor] => tensor.copy();
    #[doc = "The same data as a new leaf outside the graph."]
    fn tensor_detach "detach" [tensor] => Ok(tensor.detach());
}

/// `[values, indices]` of the largest or smallest elements along `dim`, each
/// recorded as a step.
fn extreme_dim(
    env: &Env,
    op: &'static str,
    tensor: &NativeTensor,
    dim: f64,
    keepdim: bool,
) -> Result<Vec<NativeTensor>> {
    let dim = args::int(op, "dim", dim)?;
    let largest = op == "max";
    let input = tensor.get()?;
    let (values, indices) = trace::op_pair(op, &[input], move |t| {
        if largest {
            t[0].max_dim(dim, keepdim)
        } else {
            t[0].min_dim(dim, keepdim)
        }
    })
    .js()?;
    Ok(vec![
        NativeTensor::computed(env, values, &[input])?,
        NativeTensor::computed(env, indices, &[input])?,
    ])
}

/// `[values, indices]` of the largest elements along `dim`.
#[napi(catch_unwind)]
pub fn tensor_max_dim(
    env: Env,
    tensor: &NativeTensor,
    dim: f64,
    keepdim: bool,
) -> Result<Vec<NativeTensor>> {
    extreme_dim(&env, "max", tensor, dim, keepdim)
}

/// `[values, indices]` of the smallest elements along `dim`.
#[napi(catch_unwind)]
pub fn tensor_min_dim(
    env: Env,
    tensor: &NativeTensor,
    dim: f64,
    keepdim: bool,
) -> Result<Vec<NativeTensor>> {
    extreme_dim(&env, "min", tensor, dim, keepdim)
}

/// Public names of the entries written out by hand above.
pub(crate) const PAIR_NAMES: &[crate::declare::OpName] =
    &[("tensor_max_dim", "max"), ("tensor_min_dim", "min")];
