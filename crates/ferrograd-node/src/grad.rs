//! The tensor handle's autograd state: gradients, `backward`, leaves. Tensors
//! these produce (a gradient) are read out of the graph, not computed by an op.

use crate::tensor::NativeTensor;
use crate::{IntoJs, Result};
use ferrograd::trace::{self, Event};
use napi::Env;
use napi_derive::napi;

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
        Some(g) => Ok(Some(NativeTensor::leaf(&env, g)?)),
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

/// Entries whose public name differs from their own.
pub(crate) const NAMES: &[crate::declare::OpName] = &[
    ("tensor_set_requires_grad", "requiresGrad_"),
    ("tensor_set_grad", "grad"),
];
