//! NativeTensor methods: maths, shapes and autograd, each a one-line delegation.

use crate::args::arg_error;
use crate::tensor::NativeTensor;
use crate::{args, IntoJs, Result};
use ferrograd::ops::{BinaryOp, CmpOp};
use ferrograd::trace::{self, Event};
use napi::Env;
use napi_derive::napi;

#[napi]
impl NativeTensor {
    // ---- arithmetic ------------------------------------------------------------

    /// `this + other`, broadcasting.
    #[napi(catch_unwind)]
    pub fn add(&self, env: Env, other: &NativeTensor) -> Result<NativeTensor> {
        self.op(&env, "add", &[other], |t| t[0].add(t[1]))
    }

    /// `this - other`, broadcasting.
    #[napi(catch_unwind)]
    pub fn sub(&self, env: Env, other: &NativeTensor) -> Result<NativeTensor> {
        self.op(&env, "sub", &[other], |t| t[0].sub(t[1]))
    }

    /// `this * other`, broadcasting.
    #[napi(catch_unwind)]
    pub fn mul(&self, env: Env, other: &NativeTensor) -> Result<NativeTensor> {
        self.op(&env, "mul", &[other], |t| t[0].mul(t[1]))
    }

    /// `this / other`, broadcasting.
    #[napi(catch_unwind)]
    pub fn div(&self, env: Env, other: &NativeTensor) -> Result<NativeTensor> {
        self.op(&env, "div", &[other], |t| t[0].div(t[1]))
    }

    /// `this op value`, or `value op this` when `reversed`; `op` is `add`, `sub`,
    /// `mul` or `div`.
    #[napi(catch_unwind)]
    pub fn scalar_op(
        &self,
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
        self.op(&env, "binary_scalar", &[], move |t| {
            t[0].binary_scalar(op, value, reversed)
        })
    }

    /// `this ^ other`, broadcasting.
    #[napi(catch_unwind)]
    pub fn pow(&self, env: Env, other: &NativeTensor) -> Result<NativeTensor> {
        self.op(&env, "pow", &[other], |t| t[0].pow(t[1]))
    }

    /// Elementwise maximum, broadcasting.
    #[napi(catch_unwind)]
    pub fn maximum(&self, env: Env, other: &NativeTensor) -> Result<NativeTensor> {
        self.op(&env, "maximum", &[other], |t| t[0].maximum(t[1]))
    }

    /// Elementwise minimum, broadcasting.
    #[napi(catch_unwind)]
    pub fn minimum(&self, env: Env, other: &NativeTensor) -> Result<NativeTensor> {
        self.op(&env, "minimum", &[other], |t| t[0].minimum(t[1]))
    }

    /// Elementwise comparison (`eq ne lt le gt ge`) as a bool tensor.
    #[napi(catch_unwind)]
    pub fn compare(&self, env: Env, op: String, other: &NativeTensor) -> Result<NativeTensor> {
        let op = match op.as_str() {
            "eq" => CmpOp::Eq,
            "ne" => CmpOp::Ne,
            "lt" => CmpOp::Lt,
            "le" => CmpOp::Le,
            "gt" => CmpOp::Gt,
            "ge" => CmpOp::Ge,
            other => return Err(arg_error(format!("compare: unknown comparison '{other}'"))),
        };
        self.op(&env, "compare", &[other], move |t| t[0].compare(op, t[1]))
    }

    /// `value` where `mask` is true.
    #[napi(catch_unwind)]
    pub fn masked_fill(&self, env: Env, mask: &NativeTensor, value: f64) -> Result<NativeTensor> {
        self.op(&env, "masked_fill", &[mask], move |t| {
            t[0].masked_fill(t[1], value)
        })
    }

    /// Matrix product with `torch.matmul`'s rules.
    #[napi(catch_unwind)]
    pub fn matmul(&self, env: Env, other: &NativeTensor) -> Result<NativeTensor> {
        self.op(&env, "matmul", &[other], |t| t[0].matmul(t[1]))
    }

    // ---- elementwise functions -------------------------------------------------

    /// `-this`.
    #[napi(catch_unwind)]
    pub fn neg(&self, env: Env) -> Result<NativeTensor> {
        self.op(&env, "neg", &[], |t| t[0].neg())
    }

    /// `max(this, 0)`.
    #[napi(catch_unwind)]
    pub fn relu(&self, env: Env) -> Result<NativeTensor> {
        self.op(&env, "relu", &[], |t| t[0].relu())
    }

    /// Logistic sigmoid.
    #[napi(catch_unwind)]
    pub fn sigmoid(&self, env: Env) -> Result<NativeTensor> {
        self.op(&env, "sigmoid", &[], |t| t[0].sigmoid())
    }

    /// Hyperbolic tangent.
    #[napi(catch_unwind)]
    pub fn tanh(&self, env: Env) -> Result<NativeTensor> {
        self.op(&env, "tanh", &[], |t| t[0].tanh())
    }

    /// `e^this`.
    #[napi(catch_unwind)]
    pub fn exp(&self, env: Env) -> Result<NativeTensor> {
        self.op(&env, "exp", &[], |t| t[0].exp())
    }

    /// Natural logarithm.
    #[napi(catch_unwind)]
    pub fn log(&self, env: Env) -> Result<NativeTensor> {
        self.op(&env, "log", &[], |t| t[0].log())
    }

    /// Square root.
    #[napi(catch_unwind)]
    pub fn sqrt(&self, env: Env) -> Result<NativeTensor> {
        self.op(&env, "sqrt", &[], |t| t[0].sqrt())
    }

    /// Absolute value.
    #[napi(catch_unwind)]
    pub fn abs(&self, env: Env) -> Result<NativeTensor> {
        self.op(&env, "abs", &[], |t| t[0].abs())
    }

    /// GELU (exact).
    #[napi(catch_unwind)]
    pub fn gelu(&self, env: Env) -> Result<NativeTensor> {
        self.op(&env, "gelu", &[], |t| t[0].gelu())
    }

    /// SiLU.
    #[napi(catch_unwind)]
    pub fn silu(&self, env: Env) -> Result<NativeTensor> {
        self.op(&env, "silu", &[], |t| t[0].silu())
    }

    /// Softplus.
    #[napi(catch_unwind)]
    pub fn softplus(&self, env: Env) -> Result<NativeTensor> {
        self.op(&env, "softplus", &[], |t| t[0].softplus())
    }

    /// Leaky ReLU.
    #[napi(catch_unwind)]
    pub fn leaky_relu(&self, env: Env, negative_slope: f64) -> Result<NativeTensor> {
        self.op(&env, "leaky_relu", &[], move |t| {
            t[0].leaky_relu(negative_slope)
        })
    }

    /// Limits elements to `[min, max]`.
    #[napi(catch_unwind)]
    pub fn clamp(&self, env: Env, min: Option<f64>, max: Option<f64>) -> Result<NativeTensor> {
        self.op(&env, "clamp", &[], move |t| t[0].clamp(min, max))
    }

    /// Softmax along `dim`.
    #[napi(catch_unwind)]
    pub fn softmax(&self, env: Env, dim: f64) -> Result<NativeTensor> {
        let dim = args::int("softmax", "dim", dim)?;
        self.op(&env, "softmax", &[], move |t| t[0].softmax(dim))
    }

    /// Log-softmax along `dim`.
    #[napi(catch_unwind)]
    pub fn log_softmax(&self, env: Env, dim: f64) -> Result<NativeTensor> {
        let dim = args::int("logSoftmax", "dim", dim)?;
        self.op(&env, "log_softmax", &[], move |t| t[0].log_softmax(dim))
    }

    // ---- reductions ------------------------------------------------------------

    /// Sum over `dims` (all when absent).
    #[napi(catch_unwind)]
    pub fn sum(&self, env: Env, dims: Option<Vec<f64>>, keepdim: bool) -> Result<NativeTensor> {
        let dims = dims.map(|d| args::dims("sum", &d)).transpose()?;
        self.op(&env, "sum", &[], move |t| {
            t[0].sum(dims.as_deref(), keepdim)
        })
    }

    /// Mean over `dims` (all when absent).
    #[napi(catch_unwind)]
    pub fn mean(&self, env: Env, dims: Option<Vec<f64>>, keepdim: bool) -> Result<NativeTensor> {
        let dims = dims.map(|d| args::dims("mean", &d)).transpose()?;
        self.op(&env, "mean", &[], move |t| {
            t[0].mean(dims.as_deref(), keepdim)
        })
    }

    /// Index of the maximum along `dim` (of the flattened tensor when absent).
    #[napi(catch_unwind)]
    pub fn argmax(&self, env: Env, dim: Option<f64>, keepdim: bool) -> Result<NativeTensor> {
        let dim = dim.map(|d| args::int("argmax", "dim", d)).transpose()?;
        self.op(&env, "argmax", &[], move |t| t[0].argmax(dim, keepdim))
    }

    /// Index of the minimum along `dim` (of the flattened tensor when absent).
    #[napi(catch_unwind)]
    pub fn argmin(&self, env: Env, dim: Option<f64>, keepdim: bool) -> Result<NativeTensor> {
        let dim = dim.map(|d| args::int("argmin", "dim", d)).transpose()?;
        self.op(&env, "argmin", &[], move |t| t[0].argmin(dim, keepdim))
    }

    /// Largest (`largest`) or smallest element overall, as a 0-d tensor.
    #[napi(catch_unwind)]
    pub fn extreme(&self, env: Env, largest: bool) -> Result<NativeTensor> {
        self.op(&env, "extreme", &[], move |t| {
            if largest {
                t[0].max_all()
            } else {
                t[0].min_all()
            }
        })
    }

    /// `[values, indices]` of the largest or smallest elements along `dim`.
    #[napi(catch_unwind)]
    pub fn extreme_dim(
        &self,
        env: Env,
        largest: bool,
        dim: f64,
        keepdim: bool,
    ) -> Result<Vec<NativeTensor>> {
        let dim = args::int(if largest { "max" } else { "min" }, "dim", dim)?;
        let (values, indices) = trace::op_pair("extremeDim", &[self.get()?], move |t| {
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
    pub fn var(
        &self,
        env: Env,
        dims: Option<Vec<f64>>,
        correction: f64,
        keepdim: bool,
    ) -> Result<NativeTensor> {
        let dims = dims.map(|d| args::dims("var", &d)).transpose()?;
        self.op(&env, "var", &[], move |t| {
            t[0].var(dims.as_deref(), correction, keepdim)
        })
    }

    /// Standard deviation over `dims` (all when absent) with `correction`.
    #[napi(catch_unwind)]
    pub fn std(
        &self,
        env: Env,
        dims: Option<Vec<f64>>,
        correction: f64,
        keepdim: bool,
    ) -> Result<NativeTensor> {
        let dims = dims.map(|d| args::dims("std", &d)).transpose()?;
        self.op(&env, "std", &[], move |t| {
            t[0].std(dims.as_deref(), correction, keepdim)
        })
    }

    // ---- shapes ----------------------------------------------------------------

    /// Reorders the dimensions; a view.
    #[napi(catch_unwind)]
    pub fn permute(&self, env: Env, dims: Vec<f64>) -> Result<NativeTensor> {
        let dims = args::dims("permute", &dims)?;
        self.op(&env, "permute", &[], move |t| t[0].permute(&dims))
    }

    /// `length` elements of `dim` from `start`; a view.
    #[napi(catch_unwind)]
    pub fn narrow(&self, env: Env, dim: f64, start: f64, length: f64) -> Result<NativeTensor> {
        let (d, s) = (
            args::int("narrow", "dim", dim)?,
            args::int("narrow", "start", start)?,
        );
        let len = args::size("narrow", "length", length)?;
        self.op(&env, "narrow", &[], move |t| t[0].narrow(d, s, len))
    }

    /// Entries `index` (1-D int64) along `dim`.
    #[napi(catch_unwind)]
    pub fn index_select(&self, env: Env, dim: f64, index: &NativeTensor) -> Result<NativeTensor> {
        let d = args::int("indexSelect", "dim", dim)?;
        self.op(&env, "index_select", &[index], move |t| {
            t[0].index_select(d, t[1])
        })
    }

    /// `torch.gather` along `dim`.
    #[napi(catch_unwind)]
    pub fn gather(&self, env: Env, dim: f64, index: &NativeTensor) -> Result<NativeTensor> {
        let d = args::int("gather", "dim", dim)?;
        self.op(&env, "gather", &[index], move |t| t[0].gather(d, t[1]))
    }

    /// Same elements under a new shape (one entry may be -1); a view when possible.
    #[napi(catch_unwind)]
    pub fn reshape(&self, env: Env, shape: Vec<f64>) -> Result<NativeTensor> {
        let shape = args::dims("reshape", &shape)?;
        self.op(&env, "reshape", &[], move |t| t[0].reshape(&shape))
    }

    /// Collapses dims `start..=end`.
    #[napi(catch_unwind)]
    pub fn flatten(&self, env: Env, start: f64, end: f64) -> Result<NativeTensor> {
        let (s, e) = (
            args::int("flatten", "startDim", start)?,
            args::int("flatten", "endDim", end)?,
        );
        self.op(&env, "flatten", &[], move |t| t[0].flatten(s, e))
    }

    /// Inserts a size-1 dimension.
    #[napi(catch_unwind)]
    pub fn unsqueeze(&self, env: Env, dim: f64) -> Result<NativeTensor> {
        let dim = args::int("unsqueeze", "dim", dim)?;
        self.op(&env, "unsqueeze", &[], move |t| t[0].unsqueeze(dim))
    }

    /// Removes size-1 dimensions (only `dim` when given).
    #[napi(catch_unwind)]
    pub fn squeeze(&self, env: Env, dim: Option<f64>) -> Result<NativeTensor> {
        let dim = dim.map(|d| args::int("squeeze", "dim", d)).transpose()?;
        self.op(&env, "squeeze", &[], move |t| t[0].squeeze(dim))
    }

    /// Swaps two dimensions; a view.
    #[napi(catch_unwind)]
    pub fn transpose(&self, env: Env, dim0: f64, dim1: f64) -> Result<NativeTensor> {
        let (a, b) = (
            args::int("transpose", "dim0", dim0)?,
            args::int("transpose", "dim1", dim1)?,
        );
        self.op(&env, "transpose", &[], move |t| t[0].transpose(a, b))
    }

    /// Matrix transpose of a tensor of at most 2 dimensions; a view.
    #[napi(catch_unwind)]
    pub fn t(&self, env: Env) -> Result<NativeTensor> {
        self.op(&env, "t", &[], |t| t[0].t())
    }

    /// Broadcasts size-1 dimensions to `shape` (`-1` keeps a size); a view.
    #[napi(catch_unwind)]
    pub fn expand(&self, env: Env, shape: Vec<f64>) -> Result<NativeTensor> {
        let shape = args::dims("expand", &shape)?;
        self.op(&env, "expand_as_spec", &[], move |t| {
            t[0].expand_as_spec(&shape)
        })
    }

    /// A view with a new shape (one entry may be -1); `ERR_SHAPE` when the layout
    /// is not contiguous.
    #[napi(catch_unwind)]
    pub fn view(&self, env: Env, shape: Vec<f64>) -> Result<NativeTensor> {
        let shape = args::dims("view", &shape)?;
        self.op(&env, "view", &[], move |t| t[0].view(&shape))
    }

    /// A packed copy when the layout is not packed already.
    #[napi(catch_unwind)]
    pub fn contiguous(&self, env: Env) -> Result<NativeTensor> {
        self.op(&env, "contiguous", &[], |t| t[0].contiguous())
    }

    /// A packed copy, recorded for autograd (PyTorch's `clone`).
    #[napi(catch_unwind)]
    pub fn copy(&self, env: Env) -> Result<NativeTensor> {
        self.op(&env, "copy", &[], |t| t[0].copy())
    }

    // ---- autograd ----------------------------------------------------------------

    /// True when gradients flow to or through this tensor.
    #[napi(getter, catch_unwind)]
    pub fn requires_grad(&self) -> Result<bool> {
        Ok(self.get()?.requires_grad())
    }

    /// Turns gradient tracking on or off (leaves only).
    #[napi(catch_unwind)]
    pub fn set_requires_grad(&self, flag: bool) -> Result<()> {
        let t = self.get()?;
        trace::note("requiresGrad_", Event::Mutated, t);
        t.set_requires_grad(flag).js()
    }

    /// True for tensors not produced by a recorded op.
    #[napi(getter, catch_unwind)]
    pub fn is_leaf(&self) -> Result<bool> {
        Ok(self.get()?.is_leaf())
    }

    /// Name of the op that produced this tensor, if recorded.
    #[napi(getter, catch_unwind)]
    pub fn grad_fn(&self) -> Result<Option<String>> {
        Ok(self.get()?.grad_fn_name().map(str::to_string))
    }

    /// The accumulated gradient.
    #[napi(catch_unwind)]
    pub fn grad(&self, env: Env) -> Result<Option<NativeTensor>> {
        let t = self.get()?;
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
    pub fn set_grad(&self, grad: Option<&NativeTensor>) -> Result<()> {
        let g = grad.map(|g| g.get().cloned()).transpose()?;
        let t = self.get()?;
        trace::note("grad", Event::Mutated, t);
        t.set_grad(g).js()
    }

    /// Also keep `.grad` of this non-leaf during backward.
    #[napi(catch_unwind)]
    pub fn retain_grad(&self) -> Result<()> {
        self.get()?.retain_grad();
        Ok(())
    }

    /// Backpropagates from this tensor.
    #[napi(catch_unwind)]
    pub fn backward(&self, grad: Option<&NativeTensor>, retain_graph: bool) -> Result<()> {
        let g = grad.map(|g| g.get().cloned()).transpose()?;
        let t = self.get()?;
        trace::note("backward", Event::Mutated, t);
        ferrograd::autograd::backward(t, g, retain_graph).js()
    }

    /// Overwrites this tensor's values with `src`'s (same shape), unrecorded.
    #[napi(catch_unwind)]
    pub fn assign(&self, src: &NativeTensor) -> Result<()> {
        let t = self.get()?;
        trace::note("assign", Event::Mutated, t);
        t.assign(src.get()?).js()
    }

    /// The same data as a new leaf outside the graph.
    #[napi(catch_unwind)]
    pub fn detach(&self, env: Env) -> Result<NativeTensor> {
        self.op(&env, "detach", &[], |t| Ok(t[0].detach()))
    }
}
