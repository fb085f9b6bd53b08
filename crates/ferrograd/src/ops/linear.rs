//! `y = x W^T + b` as one op, forward beside backward.
//!
//! Composed from `matmul(x, W.t()) + b` it cost three graph nodes, a broadcast
//! add, a `sum_to` for the bias gradient and, worst, a weight gradient computed
//! as `(x^T g)^T`: a transposed view that had to be copied element by element
//! into the leaf's `.grad` every step (a third of a training step of the MNIST
//! MLP). Here the product starts from the bias rows, and the backward writes
//! `dW = g^T x` straight into W's own `[out, in]` layout.

use crate::autograd::{record, Backward};
use crate::kernels::matmul::{gemm, MatRef};
use crate::tensor::shape::fmt_shape;
use crate::tensor::{alloc, float_dispatch, DType, Float, Tensor};
use crate::{bail, Result};

/// Checks the operands' shapes and dtypes; returns `(in_features, out_features)`.
fn check(x: &Tensor, weight: &Tensor, bias: Option<&Tensor>) -> Result<(usize, usize)> {
    let ws = weight.shape();
    if ws.len() != 2 || x.ndim() == 0 || x.shape()[x.ndim() - 1] != ws[1] {
        bail!(
            Shape,
            "linear: input of shape {} does not fit weight of shape {} (expected the input's last dimension to be {})",
            fmt_shape(x.shape()),
            fmt_shape(ws),
            ws.get(1).map_or("in_features".to_string(), |v| v.to_string())
        );
    }
    if let Some(b) = bias {
        if b.shape() != [ws[0]] {
            bail!(
                Shape,
                "linear: bias of shape {} does not fit weight of shape {} (expected [{}])",
                fmt_shape(b.shape()),
                fmt_shape(ws),
                ws[0]
            );
        }
    }
    for (name, t) in [("input", Some(x)), ("weight", Some(weight)), ("bias", bias)] {
        if let Some(t) = t.filter(|t| !t.dtype().is_float()) {
            bail!(
                Dtype,
                "linear: {name} is {}; linear needs float32 or float64 tensors",
                t.dtype()
            );
        }
    }
    Ok((ws[1], ws[0]))
}

/// `x` as a `[rows, in]` matrix: `(tensor holding it, row stride, column stride)`.
/// A 2-D input is used through its strides as it is; more dimensions are packed
/// first (a view when already packed).
fn as_rows(x: &Tensor) -> Result<(Tensor, (usize, usize))> {
    if x.ndim() == 2 {
        let s = x.layout().strides();
        return Ok((x.clone(), (s[0], s[1])));
    }
    let x = x.contiguous()?;
    let cols = x.shape()[x.ndim() - 1];
    Ok((x, (cols, 1)))
}

/// Runs `f` on the elements of `t` from its storage offset on.
fn with_from_offset<T: Float, R>(t: &Tensor, f: impl FnOnce(&[T]) -> R) -> Result<R> {
    t.with_data("linear", |d: &[T], l| f(&d[l.offset()..]))
}

fn forward<T: Float>(
    x: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    (in_f, out_f): (usize, usize),
) -> Result<Vec<T>> {
    let (xm, xs) = as_rows(x)?;
    let rows: usize = x.shape()[..x.ndim() - 1].iter().product();
    let n = rows * out_f;
    let mut out = match bias {
        Some(b) => b.with_contiguous("linear", |b: &[T]| {
            let mut out = alloc::with_capacity("linear", n)?;
            for _ in 0..rows {
                out.extend_from_slice(b);
            }
            Ok::<_, crate::Error>(out)
        })??,
        None => alloc::filled("linear", n, T::ZERO)?,
    };
    let ws = weight.layout().strides();
    with_from_offset(&xm, |xd: &[T]| {
        with_from_offset(weight, |wd: &[T]| {
            // W^T is W with its strides swapped; the product adds onto the bias rows.
            gemm(
                rows,
                out_f,
                in_f,
                &mut out,
                MatRef {
                    data: xd,
                    strides: xs,
                },
                MatRef {
                    data: wd,
                    strides: (ws[1], ws[0]),
                },
                bias.is_some(),
            )
        })
    })??;
    Ok(out)
}

struct LinearBackward;

impl Backward for LinearBackward {
    fn backward(&self, g: &Tensor, inputs: &[Tensor]) -> Result<Vec<Option<Tensor>>> {
        let (x, w) = (&inputs[0], &inputs[1]);
        let (out_f, in_f) = (w.shape()[0], w.shape()[1]);
        let rows: usize = g.shape()[..g.ndim() - 1].iter().product();
        let g = g.contiguous()?;
        let gx = match x.requires_grad() {
            // dx = g W: [rows, out] @ [out, in].
            true => Some(float_dispatch!(g.dtype(), "linear", T => {
                let mut dx = alloc::filled("linear", rows * in_f, T::ZERO)?;
                let ws = w.layout().strides();
                with_from_offset(&g, |gd: &[T]| {
                    with_from_offset(w, |wd: &[T]| {
                        let lhs = MatRef { data: gd, strides: (out_f, 1) };
                        let rhs = MatRef { data: wd, strides: (ws[0], ws[1]) };
                        gemm(rows, in_f, out_f, &mut dx, lhs, rhs, false)
                    })
                })??;
                Tensor::from_storage(T::storage(dx), x.shape())
            })),
            false => None,
        };
        let gw = match w.requires_grad() {
            // dW = g^T x: [out, rows] @ [rows, in], already in W's layout.
            true => Some(float_dispatch!(g.dtype(), "linear", T => {
                let mut dw = alloc::filled("linear", out_f * in_f, T::ZERO)?;
                let (xm, xs) = as_rows(x)?;
                with_from_offset(&g, |gd: &[T]| {
                    with_from_offset(&xm, |xd: &[T]| {
                        let lhs = MatRef { data: gd, strides: (1, out_f) };
                        let rhs = MatRef { data: xd, strides: xs };
                        gemm(out_f, in_f, rows, &mut dw, lhs, rhs, false)
                    })
                })??;
                Tensor::from_storage(T::storage(dw), w.shape())
            })),
            false => None,
        };
        let gb = match inputs.get(2).filter(|b| b.requires_grad()) {
            Some(_) => Some(g.sum_to(&[out_f])?),
            None => None,
        };
        Ok(vec![gx, gw, gb])
    }
}

/// `y = x W^T + b` with `W` of shape `[out, in]` as PyTorch lays it out; `x` is
/// `[..., in]`. Mixed float dtypes meet in the wider one.
pub fn linear(x: &Tensor, weight: &Tensor, bias: Option<&Tensor>) -> Result<Tensor> {
    let features = check(x, weight, bias)?;
    let dtype = bias
        .iter()
        .fold(DType::promote(x.dtype(), weight.dtype()), |d, b| {
            DType::promote(d, b.dtype())
        });
    let to = |t: &Tensor| -> Result<Tensor> {
        match t.dtype() == dtype {
            true => Ok(t.clone()),
            false => t.to_dtype(dtype),
        }
    };
    let (x, w) = (to(x)?, to(weight)?);
    let b = bias.map(to).transpose()?;
    let mut shape = x.shape().to_vec();
    *shape.last_mut().expect("checked: at least one dimension") = features.1;
    let out = float_dispatch!(dtype, "linear", T => {
        T::storage(forward::<T>(&x, &w, b.as_ref(), features)?)
    });
    let out = Tensor::from_storage(out, &shape);
    let name = match b {
        Some(_) => "AddmmBackward",
        None => "MmBackward",
    };
    let mut inputs = vec![&x, &w];
    inputs.extend(b.as_ref());
    Ok(record(out, name, &inputs, || LinearBackward))
}
