//! The tensor handle's methods (`tensorAdd(handle, other)` in JavaScript): maths,
//! shapes and autograd, each a one-line delegation.

use crate::args::arg_error;
use crate::tensor::NativeTensor;
use crate::{args, IntoJs, Result};
use ferrograd::ops::{BinaryOp, CmpOp};
use ferrograd::trace::{self, Event};
use napi::Env;
use napi_derive::napi;

// ---- arithmetic ------------------------------------------------------------

/// `this + other`, broadcasting.
#[napi(catch_unwind)]
pub fn tensor_add(tensor: &NativeTensor, env: Env, other: &NativeTensor) -> Result<NativeTensor> {
    tensor.op(&env, "add", &[other], |t| t[0].add(t[1]))
}

/// `this - other`, broadcasting.
#[napi(catch_unwind)]
pub fn tensor_sub(tensor: &NativeTensor, env: Env, other: &NativeTensor) -> Result<NativeTensor> {
    tensor.op(&env, "sub", &[other], |t| t[0].sub(t[1]))
}

/// `this * other`, broadcasting.
#[napi(catch_unwind)]
pub fn tensor_mul(tensor: &NativeTensor, env: Env, other: &NativeTensor) -> Result<NativeTensor> {
    tensor.op(&env, "mul", &[other], |t| t[0].mul(t[1]))
}

/// `this / other`, broadcasting.
#[napi(catch_unwind)]
pub fn tensor_div(tensor: &NativeTensor, env: Env, other: &NativeTensor) -> Result<NativeTensor> {
    tensor.op(&env, "div", &[other], |t| t[0].div(t[1]))
}

/// `this op value`, or `value op this` when `reversed`; `op` is `add`, `sub`,
/// `mul` or `div`.
#[napi(catch_unwind)]
pub fn tensor_scalar_op(
    tensor: &NativeTensor,
    env: Env,
    op: String,
    value: f64,
    reversed: bool,
) -> Result<NativeTensor> {
    let op = match op.as_str() {
        "add" => BinaryOp::Add,
        "sub" => BinaryOp::Sub,
        "mul" => BinaryOp::Mul,
        "div" => BinaryOp::Div,
        "pow" => BinaryOp::Pow,
        "maximum" => BinaryOp::Maximum,
        "minimum" => BinaryOp::Minimum,
        other => return Err(arg_error(format!("scalarOp: unknown operator '{other}'"))),
    };
    tensor.op(&env, "binary_scalar", &[], move |t| {
        t[0].binary_scalar(op, value, reversed)
    })
}

/// `this ^ other`, broadcasting.
#[napi(catch_unwind)]
pub fn tensor_pow(tensor: &NativeTensor, env: Env, other: &NativeTensor) -> Result<NativeTensor> {
    tensor.op(&env, "pow", &[other], |t| t[0].pow(t[1]))
}

/// Elementwise maximum, broadcasting.
#[napi(catch_unwind)]
pub fn tensor_maximum(
    tensor: &NativeTensor,
    env: Env,
    other: &NativeTensor,
) -> Result<NativeTensor> {
    tensor.op(&env, "maximum", &[other], |t| t[0].maximum(t[1]))
}

/// Elementwise minimum, broadcasting.
#[napi(catch_unwind)]
pub fn tensor_minimum(
    tensor: &NativeTensor,
    env: Env,
    other: &NativeTensor,
) -> Result<NativeTensor> {
    tensor.op(&env, "minimum", &[other], |t| t[0].minimum(t[1]))
}

/// Elementwise comparison (`eq ne lt le gt ge`) as a bool tensor.
#[napi(catch_unwind)]
pub fn tensor_compare(
    tensor: &NativeTensor,
    env: Env,
    op: String,
    other: &NativeTensor,
) -> Result<NativeTensor> {
    let op = match op.as_str() {
        "eq" => CmpOp::Eq,
        "ne" => CmpOp::Ne,
        "lt" => CmpOp::Lt,
        "le" => CmpOp::Le,
        "gt" => CmpOp::Gt,
        "ge" => CmpOp::Ge,
        other => return Err(arg_error(format!("compare: unknown comparison '{other}'"))),
    };
    tensor.op(&env, "compare", &[other], move |t| t[0].compare(op, t[1]))
}

/// `value` where `mask` is true.
#[napi(catch_unwind)]
pub fn tensor_masked_fill(
    tensor: &NativeTensor,
    env: Env,
    mask: &NativeTensor,
    value: f64,
) -> Result<NativeTensor> {
    tensor.op(&env, "masked_fill", &[mask], move |t| {
        t[0].masked_fill(t[1], value)
    })
}

/// Matrix product with `torch.matmul`'s rules.
#[napi(catch_unwind)]
pub fn tensor_matmul(
    tensor: &NativeTensor,
    env: Env,
    other: &NativeTensor,
) -> Result<NativeTensor> {
    tensor.op(&env, "matmul", &[other], |t| t[0].matmul(t[1]))
}

// ---- elementwise functions -------------------------------------------------

/// `-this`.
#[napi(catch_unwind)]
pub fn tensor_neg(tensor: &NativeTensor, env: Env) -> Result<NativeTensor> {
    tensor.op(&env, "neg", &[], |t| t[0].neg())
}

/// `max(this, 0)`.
#[napi(catch_unwind)]
pub fn tensor_relu(tensor: &NativeTensor, env: Env) -> Result<NativeTensor> {
    tensor.op(&env, "relu", &[], |t| t[0].relu())
}

/// Logistic sigmoid.
#[napi(catch_unwind)]
pub fn tensor_sigmoid(tensor: &NativeTensor, env: Env) -> Result<NativeTensor> {
    tensor.op(&env, "sigmoid", &[], |t| t[0].sigmoid())
}

/// Hyperbolic tangent.
#[napi(catch_unwind)]
pub fn tensor_tanh(tensor: &NativeTensor, env: Env) -> Result<NativeTensor> {
    tensor.op(&env, "tanh", &[], |t| t[0].tanh())
}

/// `e^this`.
#[napi(catch_unwind)]
pub fn tensor_exp(tensor: &NativeTensor, env: Env) -> Result<NativeTensor> {
    tensor.op(&env, "exp", &[], |t| t[0].exp())
}

/// Natural logarithm.
#[napi(catch_unwind)]
pub fn tensor_log(tensor: &NativeTensor, env: Env) -> Result<NativeTensor> {
    tensor.op(&env, "log", &[], |t| t[0].log())
}

/// Square root.
#[napi(catch_unwind)]
pub fn tensor_sqrt(tensor: &NativeTensor, env: Env) -> Result<NativeTensor> {
    tensor.op(&env, "sqrt", &[], |t| t[0].sqrt())
}

/// Absolute value.
#[napi(catch_unwind)]
pub fn tensor_abs(tensor: &NativeTensor, env: Env) -> Result<NativeTensor> {
    tensor.op(&env, "abs", &[], |t| t[0].abs())
}

/// GELU (exact).
#[napi(catch_unwind)]
pub fn tensor_gelu(tensor: &NativeTensor, env: Env) -> Result<NativeTensor> {
    tensor.op(&env, "gelu", &[], |t| t[0].gelu())
}

/// SiLU.
#[napi(catch_unwind)]
pub fn tensor_silu(tensor: &NativeTensor, env: Env) -> Result<NativeTensor> {
    tensor.op(&env, "silu", &[], |t| t[0].silu())
}

/// Softplus.
#[napi(catch_unwind)]
pub fn tensor_softplus(tensor: &NativeTensor, env: Env) -> Result<NativeTensor> {
    tensor.op(&env, "softplus", &[], |t| t[0].softplus())
}

/// Leaky ReLU.
#[napi(catch_unwind)]
pub fn tensor_leaky_relu(
    tensor: &NativeTensor,
    env: Env,
    negative_slope: f64,
) -> Result<NativeTensor> {
    tensor.op(&env, "leaky_relu", &[], move |t| {
        t[0].leaky_relu(negative_slope)
    })
}

/// Limits elements to `[min, max]`.
#[napi(catch_unwind)]
pub fn tensor_clamp(
    tensor: &NativeTensor,
    env: Env,
    min: Option<f64>,
    max: Option<f64>,
) -> Result<NativeTensor> {
    tensor.op(&env, "clamp", &[], move |t| t[0].clamp(min, max))
}

/// Softmax along `dim`.
#[napi(catch_unwind)]
pub fn tensor_softmax(tensor: &NativeTensor, env: Env, dim: f64) -> Result<NativeTensor> {
    let dim = args::int("softmax", "dim", dim)?;
    tensor.op(&env, "softmax", &[], move |t| t[0].softmax(dim))
}

/// Log-softmax along `dim`.
#[napi(catch_unwind)]
pub fn tensor_log_softmax(tensor: &NativeTensor, env: Env, dim: f64) -> Result<NativeTensor> {
    let dim = args::int("logSoftmax", "dim", dim)?;
    tensor.op(&env, "log_softmax", &[], move |t| t[0].log_softmax(dim))
}

// ---- reductions ------------------------------------------------------------

/// Sum over `dims` (all when absent).
#[napi(catch_unwind)]
pub fn tensor_sum(
    tensor: &NativeTensor,
    env: Env,
    dims: Option<Vec<f64>>,
    keepdim: bool,
) -> Result<NativeTensor> {
    let dims = dims.map(|d| args::dims("sum", &d)).transpose()?;
    tensor.op(&env, "sum", &[], move |t| {
        t[0].sum(dims.as_deref(), keepdim)
    })
}

/// Mean over `dims` (all when absent).
#[napi(catch_unwind)]
pub fn tensor_mean(
    tensor: &NativeTensor,
    env: Env,
    dims: Option<Vec<f64>>,
    keepdim: bool,
) -> Result<NativeTensor> {
    let dims = dims.map(|d| args::dims("mean", &d)).transpose()?;
    tensor.op(&env, "mean", &[], move |t| {
        t[0].mean(dims.as_deref(), keepdim)
    })
}

/// Index of the maximum along `dim` (of the flattened tensor when absent).
#[napi(catch_unwind)]
pub fn tensor_argmax(
    tensor: &NativeTensor,
    env: Env,
    dim: Option<f64>,
    keepdim: bool,
) -> Result<NativeTensor> {
    let dim = dim.map(|d| args::int("argmax", "dim", d)).transpose()?;
    tensor.op(&env, "argmax", &[], move |t| t[0].argmax(dim, keepdim))
}

/// Index of the minimum along `dim` (of the flattened tensor when absent).
#[napi(catch_unwind)]
pub fn tensor_argmin(
    tensor: &NativeTensor,
    env: Env,
    dim: Option<f64>,
    keepdim: bool,
) -> Result<NativeTensor> {
    let dim = dim.map(|d| args::int("argmin", "dim", d)).transpose()?;
    tensor.op(&env, "argmin", &[], move |t| t[0].argmin(dim, keepdim))
}

/// Largest (`largest`) or smallest element overall, as a 0-d tensor.
#[napi(catch_unwind)]
pub fn tensor_extreme(tensor: &NativeTensor, env: Env, largest: bool) -> Result<NativeTensor> {
    tensor.op(&env, "extreme", &[], move |t| {
        if largest {
            t[0].max_all()
        } else {
            t[0].min_all()
        }
    })
}

/// `[values, indices]` of the largest or smallest elements along `dim`.
#[napi(catch_unwind)]
pub fn tensor_extreme_dim(
    tensor: &NativeTensor,
    env: Env,
    largest: bool,
    dim: f64,
    keepdim: bool,
) -> Result<Vec<NativeTensor>> {
    let dim = args::int(if largest { "max" } else { "min" }, "dim", dim)?;
    let (values, indices) = trace::op_pair("extremeDim", &[tensor.get()?], move |t| {
        if largest {
            t[0].max_dim(dim, keepdim)
        } else {
            t[0].min_dim(dim, keepdim)
        }
    })
    .js()?;
    Ok(vec![
        NativeTensor::wrap(&env, values, &[])?,
        NativeTensor::wrap(&env, indices, &[])?,
    ])
}

/// Variance over `dims` (all when absent) with `correction`.
#[napi(catch_unwind)]
pub fn tensor_var(
    tensor: &NativeTensor,
    env: Env,
    dims: Option<Vec<f64>>,
    correction: f64,
    keepdim: bool,
) -> Result<NativeTensor> {
    let dims = dims.map(|d| args::dims("var", &d)).transpose()?;
    tensor.op(&env, "var", &[], move |t| {
        t[0].var(dims.as_deref(), correction, keepdim)
    })
}

/// Standard deviation over `dims` (all when absent) with `correction`.
#[napi(catch_unwind)]
pub fn tensor_std(
    tensor: &NativeTensor,
    env: Env,
    dims: Option<Vec<f64>>,
    correction: f64,
    keepdim: bool,
) -> Result<NativeTensor> {
    let dims = dims.map(|d| args::dims("std", &d)).transpose()?;
    tensor.op(&env, "std", &[], move |t| {
        t[0].std(dims.as_deref(), correction, keepdim)
    })
}

// ---- shapes ----------------------------------------------------------------

/// Reorders the dimensions; a view.
#[napi(catch_unwind)]
pub fn tensor_permute(tensor: &NativeTensor, env: Env, dims: Vec<f64>) -> Result<NativeTensor> {
    let dims = args::dims("permute", &dims)?;
    tensor.op(&env, "permute", &[], move |t| t[0].permute(&dims))
}

/// `length` elements of `dim` from `start`; a view.
#[napi(catch_unwind)]
pub fn tensor_narrow(
    tensor: &NativeTensor,
    env: Env,
    dim: f64,
    start: f64,
    length: f64,
) -> Result<NativeTensor> {
    let (d, s) = (
        args::int("narrow", "dim", dim)?,
        args::int("narrow", "start", start)?,
    );
    let len = args::size("narrow", "length", length)?;
    tensor.op(&env, "narrow", &[], move |t| t[0].narrow(d, s, len))
}

/// Entries `index` (1-D int64) along `dim`.
#[napi(catch_unwind)]
pub fn tensor_index_select(
    tensor: &NativeTensor,
    env: Env,
    dim: f64,
    index: &NativeTensor,
) -> Result<NativeTensor> {
    let d = args::int("indexSelect", "dim", dim)?;
    tensor.op(&env, "index_select", &[index], move |t| {
        t[0].index_select(d, t[1])
    })
}

/// `torch.gather` along `dim`.
#[napi(catch_unwind)]
pub fn tensor_gather(
    tensor: &NativeTensor,
    env: Env,
    dim: f64,
    index: &NativeTensor,
) -> Result<NativeTensor> {
    let d = args::int("gather", "dim", dim)?;
    tensor.op(&env, "gather", &[index], move |t| t[0].gather(d, t[1]))
}

/// Same elements under a new shape (one entry may be -1); a view when possible.
#[napi(catch_unwind)]
pub fn tensor_reshape(tensor: &NativeTensor, env: Env, shape: Vec<f64>) -> Result<NativeTensor> {
    let shape = args::dims("reshape", &shape)?;
    tensor.op(&env, "reshape", &[], move |t| t[0].reshape(&shape))
}

/// Collapses dims `start..=end`.
#[napi(catch_unwind)]
pub fn tensor_flatten(
    tensor: &NativeTensor,
    env: Env,
    start: f64,
    end: f64,
) -> Result<NativeTensor> {
    let (s, e) = (
        args::int("flatten", "startDim", start)?,
        args::int("flatten", "endDim", end)?,
    );
    tensor.op(&env, "flatten", &[], move |t| t[0].flatten(s, e))
}

/// Inserts a size-1 dimension.
#[napi(catch_unwind)]
pub fn tensor_unsqueeze(tensor: &NativeTensor, env: Env, dim: f64) -> Result<NativeTensor> {
    let dim = args::int("unsqueeze", "dim", dim)?;
    tensor.op(&env, "unsqueeze", &[], move |t| t[0].unsqueeze(dim))
}

/// Removes size-1 dimensions (only `dim` when given).
#[napi(catch_unwind)]
pub fn tensor_squeeze(tensor: &NativeTensor, env: Env, dim: Option<f64>) -> Result<NativeTensor> {
    let dim = dim.map(|d| args::int("squeeze", "dim", d)).transpose()?;
    tensor.op(&env, "squeeze", &[], move |t| t[0].squeeze(dim))
}

/// Swaps two dimensions; a view.
#[napi(catch_unwind)]
pub fn tensor_transpose(
    tensor: &NativeTensor,
    env: Env,
    dim0: f64,
    dim1: f64,
) -> Result<NativeTensor> {
    let (a, b) = (
        args::int("transpose", "dim0", dim0)?,
        args::int("transpose", "dim1", dim1)?,
    );
    tensor.op(&env, "transpose", &[], move |t| t[0].transpose(a, b))
}

/// Matrix transpose of a tensor of at most 2 dimensions; a view.
#[napi(catch_unwind)]
pub fn tensor_t(tensor: &NativeTensor, env: Env) -> Result<NativeTensor> {
    tensor.op(&env, "t", &[], |t| t[0].t())
}

/// Broadcasts size-1 dimensions to `shape` (`-1` keeps a size); a view.
#[napi(catch_unwind)]
pub fn tensor_expand(tensor: &NativeTensor, env: Env, shape: Vec<f64>) -> Result<NativeTensor> {
    let shape = args::dims("expand", &shape)?;
    tensor.op(&env, "expand_as_spec", &[], move |t| {
        t[0].expand_as_spec(&shape)
    })
}

/// A view with a new shape (one entry may be -1); `ERR_SHAPE` when the layout
/// is not contiguous.
#[napi(catch_unwind)]
pub fn tensor_view(tensor: &NativeTensor, env: Env, shape: Vec<f64>) -> Result<NativeTensor> {
    let shape = args::dims("view", &shape)?;
    tensor.op(&env, "view", &[], move |t| t[0].view(&shape))
}

/// A packed copy when the layout is not packed already.
#[napi(catch_unwind)]
pub fn tensor_contiguous(tensor: &NativeTensor, env: Env) -> Result<NativeTensor> {
    tensor.op(&env, "contiguous", &[], |t| t[0].contiguous())
}

/// A packed copy, recorded for autograd (PyTorch's `clone`).
#[napi(catch_unwind)]
pub fn tensor_copy(tensor: &NativeTensor, env: Env) -> Result<NativeTensor> {
    tensor.op(&env, "copy", &[], |t| t[0].copy())
}

// ---- autograd ----------------------------------------------------------------

/// True when gradients flow to or through this tensor.
#[napi(catch_unwind)]
pub fn tensor_requires_grad(tensor: &NativeTensor) -> Result<bool> {
    Ok(tensor.get()?.requires_grad())
}

/// Turns gradient tracking on or off (leaves only).
#[napi(catch_unwind)]
pub fn tensor_set_requires_grad(tensor: &NativeTensor, flag: bool) -> Result<()> {
    let t = tensor.get()?;
    trace::note("requiresGrad_", Event::Mutated, t);
    t.set_requires_grad(flag).js()
}

/// True for tensors not produced by a recorded op.
#[napi(catch_unwind)]
pub fn tensor_is_leaf(tensor: &NativeTensor) -> Result<bool> {
    Ok(tensor.get()?.is_leaf())
}

/// Name of the op that produced this tensor, if recorded.
#[napi(catch_unwind)]
pub fn tensor_grad_fn(tensor: &NativeTensor) -> Result<Option<String>> {
    Ok(tensor.get()?.grad_fn_name().map(str::to_string))
}

/// The accumulated gradient.
#[napi(catch_unwind)]
pub fn tensor_grad(tensor: &NativeTensor, env: Env) -> Result<Option<NativeTensor>> {
    let t = tensor.get()?;
    trace::note("grad", Event::Read, t);
    match t.grad() {
        // The gradient's storage is reported by this handle only while it lives;
        // the tensor's own slot keeps it alive regardless.
        Some(g) => Ok(Some(NativeTensor::wrap(&env, g, &[])?)),
        None => Ok(None),
    }
}

/// Replaces the gradient; `null` clears it.
#[napi(catch_unwind)]
pub fn tensor_set_grad(tensor: &NativeTensor, grad: Option<&NativeTensor>) -> Result<()> {
    let g = grad.map(|g| g.get().cloned()).transpose()?;
    let t = tensor.get()?;
    trace::note("grad", Event::Mutated, t);
    t.set_grad(g).js()
}

/// Also keep `.grad` of this non-leaf during backward.
#[napi(catch_unwind)]
pub fn tensor_retain_grad(tensor: &NativeTensor) -> Result<()> {
    tensor.get()?.retain_grad();
    Ok(())
}

/// Backpropagates from this tensor.
#[napi(catch_unwind)]
pub fn tensor_backward(
    tensor: &NativeTensor,
    grad: Option<&NativeTensor>,
    retain_graph: bool,
) -> Result<()> {
    let g = grad.map(|g| g.get().cloned()).transpose()?;
    let t = tensor.get()?;
    trace::note("backward", Event::Mutated, t);
    ferrograd::autograd::backward(t, g, retain_graph).js()
}

/// Overwrites this tensor's values with `src`'s (same shape), unrecorded.
#[napi(catch_unwind)]
pub fn tensor_assign(tensor: &NativeTensor, src: &NativeTensor) -> Result<()> {
    let t = tensor.get()?;
    trace::note("assign", Event::Mutated, t);
    t.assign(src.get()?).js()
}

/// The same data as a new leaf outside the graph.
#[napi(catch_unwind)]
pub fn tensor_detach(tensor: &NativeTensor, env: Env) -> Result<NativeTensor> {
    tensor.op(&env, "detach", &[], |t| Ok(t[0].detach()))
}
