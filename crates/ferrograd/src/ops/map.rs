//! Elementwise maps over whole tensors, no graph: one or two operands (the second
//! broadcast), compiled per element type. Every elementwise op's forward and
//! backward is written with these.

use crate::kernels::elementwise;
use crate::tensor::shape::{broadcast_shapes, checked_numel};
use crate::tensor::{Element, Layout, Tensor};
use crate::Result;

/// `f(a, b)` elementwise with broadcasting over two tensors of element type `T`,
/// no graph.
pub(crate) fn zip_typed<T: Element, U: Element>(
    op: &str,
    a: &Tensor,
    b: &Tensor,
    f: impl Fn(T, T) -> U + Sync,
) -> Result<Tensor> {
    // Operands of one shape (the common case, and every op of a small model's
    // step) need no broadcast layouts: five allocations fewer per op, a tenth of a
    // 1x1 add from JavaScript.
    let same = a.shape() == b.shape();
    let (la, lb) = (a.layout(), b.layout());
    if same && la.strides() == lb.strides() && !la.is_contiguous() {
        if let (Some(ra), Some(rb)) = (la.dense_range(), lb.dense_range()) {
            // Both permuted alike (`a.t() + b.t()`): zipped in memory order,
            // the result laid out as they are.
            let flat = Layout::contiguous(&[ra.len()]);
            let out = a.with_data(op, |da: &[T], _| {
                b.with_data(op, |db: &[T], _| {
                    elementwise::zip(op, &da[ra], &flat, &db[rb], &flat, f)
                })
            })???;
            return Ok(Tensor::from_storage_as(
                U::storage(out),
                Layout::strided(a.shape(), la.strides(), 0),
            ));
        }
    }
    let shape = if same {
        std::borrow::Cow::Borrowed(a.shape())
    } else {
        let shape = broadcast_shapes(op, a.shape(), b.shape())?;
        checked_numel(op, &shape)?;
        std::borrow::Cow::Owned(shape)
    };
    let out = a.with_data(op, |da: &[T], la| {
        b.with_data(op, |db: &[T], lb| -> Result<Vec<U>> {
            if same {
                return elementwise::zip(op, da, la, db, lb, f);
            }
            let la = la.broadcast_to(op, &shape)?;
            let lb = lb.broadcast_to(op, &shape)?;
            elementwise::zip(op, da, &la, db, &lb, f)
        })
    })???;
    Ok(Tensor::from_storage(U::storage(out), &shape))
}

/// `f(x)` elementwise over a tensor of element type `T`, no graph.
pub(crate) fn map_typed<T: Element, U: Element>(
    op: &str,
    x: &Tensor,
    f: impl Fn(T) -> U + Sync,
) -> Result<Tensor> {
    let layout = x.layout();
    if let Some(range) = layout.dense_range().filter(|_| !layout.is_contiguous()) {
        // A transposed or permuted packed tensor: mapped in memory order, and
        // the result keeps its strides, as PyTorch's does (a walk in row-major
        // order would stride across the storage: tanh of a transposed 512x1024
        // took 25 ms).
        let flat = Layout::contiguous(&[range.len()]);
        let out = x.with_data(op, |d: &[T], _| elementwise::map(op, &d[range], &flat, f))??;
        let strides = layout.strides().to_vec();
        return Ok(Tensor::from_storage_as(
            U::storage(out),
            Layout::strided(x.shape(), &strides, 0),
        ));
    }
    let out = x.with_data(op, |d: &[T], l| elementwise::map(op, d, l, f))??;
    Ok(Tensor::from_storage(U::storage(out), x.shape()))
}

/// `f(a, b)` over two float tensors of one dtype, compiled for float32 and
/// float64; inside `f`, `$T` names the element type. The closure is inlined
/// into the SIMD-dispatched loops whatever its size: left as a call, it runs
/// without the loop's target features, one element at a time, and each
/// `mul_add` in it becomes a call to libm's `fmaf` (gelu over 1e6 floats took
/// 60 ms so).
macro_rules! zip_float {
    ($op:expr, $a:expr, $b:expr, $T:ident, |$x:ident, $y:ident| $body:expr) => {
        $crate::tensor::float_dispatch!($a.dtype(), $op, $T => {
            $crate::ops::map::zip_typed($op, $a, $b, #[inline(always)] |$x: $T, $y: $T| -> $T { $body })
        })
    };
}
pub(crate) use zip_float;

/// `f(x)` over a float tensor, compiled for float32 and float64; inside `f`,
/// `$T` names the element type.
macro_rules! map_float {
    ($op:expr, $x:expr, $T:ident, |$v:ident| $body:expr) => {
        $crate::tensor::float_dispatch!($x.dtype(), $op, $T => {
            $crate::ops::map::map_typed($op, $x, #[inline(always)] |$v: $T| -> $T { $body })
        })
    };
}
pub(crate) use map_float;
