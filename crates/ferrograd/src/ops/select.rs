//! Choosing elements by a bool mask: `where` and `masked_fill`, forward beside
//! backward.

use crate::autograd::{record, Backward};
use crate::kernels::layout::for_each_run;
use crate::tensor::shape::{broadcast_shapes, checked_numel, fmt_shape};
use crate::tensor::{alloc, DType, Element, Layout, Storage, Tensor};
use crate::{bail, Result};

/// The gradient `g` where `mask` is `keep`, zero elsewhere (shaped like `g`).
fn masked_grad(g: &Tensor, mask: &Tensor, keep: bool) -> Result<Tensor> {
    let zero = Tensor::full_dtype(&[], 0.0, g.dtype())?;
    if keep {
        Tensor::where_cond(mask, g, &zero)
    } else {
        Tensor::where_cond(mask, &zero, g)
    }
}

/// `c ? a : b` over three operands already broadcast to `n` elements.
fn choose<T: Element>(
    c: &[bool],
    (a, b): (&Tensor, &Tensor),
    (lc, la, lb): (&Layout, &Layout, &Layout),
    n: usize,
) -> Result<Storage> {
    let out = a.with_data("where", |da: &[T], _| {
        b.with_data("where", |db: &[T], _| {
            // Run by run along the innermost merged dim, not an odometer per
            // element (`where` over 512x1024 took 16 ms so).
            let mut out = alloc::with_capacity("where", n)?;
            for_each_run(
                lc.shape(),
                [lc.strides(), la.strides(), lb.strides()],
                [lc.offset(), la.offset(), lb.offset()],
                |[oc, oa, ob], len, steps| match steps {
                    [1, 1, 1] => {
                        let picks = c[oc..oc + len].iter().zip(&da[oa..oa + len]);
                        let picks = picks.zip(&db[ob..ob + len]);
                        out.extend(picks.map(|((&k, &x), &y)| if k { x } else { y }));
                    }
                    [sc, sa, sb] => out.extend((0..len).map(|j| {
                        if c[oc + j * sc] {
                            da[oa + j * sa]
                        } else {
                            db[ob + j * sb]
                        }
                    })),
                },
            );
            Ok::<_, crate::Error>(out)
        })
    })???;
    Ok(T::storage(out))
}

struct WhereBackward;

impl Backward for WhereBackward {
    fn backward(&self, g: &Tensor, inputs: &[Tensor]) -> Result<Vec<Option<Tensor>>> {
        let (cond, a, b) = (&inputs[0], &inputs[1], &inputs[2]);
        let ga = a
            .requires_grad()
            .then(|| masked_grad(g, cond, true)?.sum_to(a.shape()))
            .transpose()?;
        let gb = b
            .requires_grad()
            .then(|| masked_grad(g, cond, false)?.sum_to(b.shape()))
            .transpose()?;
        Ok(vec![None, ga, gb])
    }
}

impl Tensor {
    /// `cond ? self : other` elementwise, all three broadcast together
    /// (`torch.where(cond, self, other)`); `cond` is a bool tensor.
    pub fn where_cond(cond: &Tensor, a: &Tensor, b: &Tensor) -> Result<Tensor> {
        if cond.dtype() != DType::Bool {
            bail!(
                Dtype,
                "where: the condition must be a bool tensor, got {}",
                cond.dtype()
            );
        }
        // The values meet in their promoted dtype, as in PyTorch.
        let dtype = DType::promote(a.dtype(), b.dtype());
        let (a, b) = (&a.to_dtype(dtype)?, &b.to_dtype(dtype)?);
        let shape = broadcast_shapes(
            "where",
            &broadcast_shapes("where", cond.shape(), a.shape())?,
            b.shape(),
        )
        .map_err(|_| {
            crate::Error::new(
                crate::ErrorCode::Shape,
                format!(
                    "where: condition {}, input {} and other {} cannot be broadcast together",
                    fmt_shape(cond.shape()),
                    fmt_shape(a.shape()),
                    fmt_shape(b.shape())
                ),
            )
        })?;
        let n = checked_numel("where", &shape)?;
        let (lc, la, lb) = (
            cond.layout().broadcast_to("where", &shape)?,
            a.layout().broadcast_to("where", &shape)?,
            b.layout().broadcast_to("where", &shape)?,
        );
        let out = cond.with_data("where", |c: &[bool], _| {
            let (ab, ls) = ((a, b), (&lc, &la, &lb));
            match dtype {
                DType::F32 => choose::<f32>(c, ab, ls, n),
                DType::F64 => choose::<f64>(c, ab, ls, n),
                DType::I32 => choose::<i32>(c, ab, ls, n),
                DType::I64 => choose::<i64>(c, ab, ls, n),
                DType::Bool => choose::<bool>(c, ab, ls, n),
            }
        })??;
        let out = Tensor::from_storage(out, &shape);
        Ok(record(out, "WhereBackward", &[cond, a, b], || {
            WhereBackward
        }))
    }

    /// `value` where `mask` is true, `self` elsewhere (`masked_fill`).
    pub fn masked_fill(&self, mask: &Tensor, value: f64) -> Result<Tensor> {
        let value = Tensor::full_dtype(&[], value, self.dtype())?;
        let out = Tensor::where_cond(mask, &value, self)?;
        if out.shape() != self.shape() {
            bail!(
                Shape,
                "maskedFill: mask of shape {} must broadcast to the tensor's shape {}",
                fmt_shape(mask.shape()),
                fmt_shape(self.shape())
            );
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::compare::CmpOp;

    #[test]
    fn where_picks_and_routes_gradients() {
        let a = Tensor::from_vec(vec![1.0, 2.0, 3.0], &[3]).unwrap();
        let b = Tensor::from_vec(vec![10.0], &[1]).unwrap();
        a.set_requires_grad(true).unwrap();
        b.set_requires_grad(true).unwrap();
        let cond = a.compare(CmpOp::Gt, &Tensor::scalar(1.5)).unwrap();
        let w = Tensor::where_cond(&cond, &a, &b).unwrap();
        assert_eq!(w.to_vec_f32().unwrap(), vec![10.0, 2.0, 3.0]);
        w.sum(None, false).unwrap().backward().unwrap();
        assert_eq!(a.grad().unwrap().to_vec_f32().unwrap(), vec![0.0, 1.0, 1.0]);
        assert_eq!(b.grad().unwrap().to_vec_f32().unwrap(), vec![1.0]);
        let filled = a.detach().masked_fill(&cond, -1.0).unwrap();
        assert_eq!(filled.to_vec_f32().unwrap(), vec![1.0, -1.0, -1.0]);
        let big_mask = Tensor::full_dtype(&[2, 3], 1.0, DType::Bool).unwrap();
        assert_eq!(
            a.masked_fill(&big_mask, 0.0).unwrap_err().code,
            crate::ErrorCode::Shape
        );
    }
}
