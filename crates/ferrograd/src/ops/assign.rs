//! In-place copy of values into an existing tensor (loading weights), and dtype
//! conversion. The in-place copy is not recorded: like PyTorch's `copy_` under
//! `no_grad`, it changes a leaf's data.

use crate::autograd::{record, Backward};
use crate::tensor::shape::fmt_shape;
use crate::tensor::Tensor;
use crate::{bail, Result};

impl Tensor {
    /// Overwrites this contiguous tensor's elements with `src`'s (same shape,
    /// converted to this tensor's dtype; any dtype, so int64 buffers such as a
    /// batch-norm counter load too).
    pub fn assign(&self, src: &Tensor) -> Result<()> {
        if src.shape() != self.shape() {
            bail!(
                Shape,
                "assign: source of shape {} does not match destination of shape {}",
                fmt_shape(src.shape()),
                fmt_shape(self.shape())
            );
        }
        // Gather first: when both share a storage, reading while holding the write
        // lock would deadlock.
        let values = src.detach().to_dtype(self.dtype())?.contiguous()?;
        match self.dtype() {
            crate::DType::F32 => self.copy_from::<f32>(&values),
            crate::DType::F64 => self.copy_from::<f64>(&values),
            crate::DType::I32 => self.copy_from::<i32>(&values),
            crate::DType::I64 => self.copy_from::<i64>(&values),
            crate::DType::Bool => self.copy_from::<bool>(&values),
        }
    }

    /// Overwrites the elements with `values`' (packed, same dtype and length).
    fn copy_from<T: crate::tensor::Element>(&self, values: &Tensor) -> Result<()> {
        let values = values.with_contiguous("assign", |v: &[T]| v.to_vec())?;
        self.with_data_mut("assign", |dst: &mut [T]| dst.copy_from_slice(&values))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assign_copies_and_checks_shapes() {
        let dst = Tensor::zeros(&[2, 2]).unwrap();
        let src = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[2, 2]).unwrap();
        dst.assign(&src.t().unwrap()).unwrap();
        assert_eq!(dst.to_vec_f32().unwrap(), vec![1.0, 3.0, 2.0, 4.0]);
        dst.assign(&dst.detach()).unwrap();
        assert_eq!(
            dst.assign(&Tensor::zeros(&[4]).unwrap()).unwrap_err().code,
            crate::ErrorCode::Shape
        );
    }
}

impl Tensor {
    /// The elements converted to `dtype` (a new tensor; `self` when it has that
    /// dtype already). Floats truncate toward zero into integers; nonzero is true.
    pub fn to_dtype(&self, dtype: crate::DType) -> Result<Tensor> {
        if dtype == self.dtype() {
            return Ok(self.clone());
        }
        let float_to_float = self.dtype().is_float() && dtype.is_float();
        if self.requires_grad() && crate::is_grad_enabled() && !float_to_float {
            bail!(
                Dtype,
                "to: gradients flow only through float32 and float64 tensors; converting a tensor that requires grad to {dtype} would lose them (detach() first)"
            );
        }
        let n = self.numel();
        // A packed tensor converts over a plain range, which vectorises; the
        // odometer of `indices` kept `bool()` of 512x1024 floats at 1.1 ms.
        let storage = self.with_storage(|s, l| match l.contiguous_range() {
            Some(r) => s.convert("to", n, r, dtype),
            None => s.convert("to", n, l.indices(), dtype),
        })?;
        let out = Tensor::from_storage(storage, self.shape());
        let from = self.dtype();
        Ok(record(out, "ToCopyBackward", &[self], || ToBackward(from)))
    }
}

/// The gradient of a float-to-float conversion: the gradient converted back.
struct ToBackward(crate::DType);

impl Backward for ToBackward {
    fn backward(&self, g: &Tensor, _: &[Tensor]) -> Result<Vec<Option<Tensor>>> {
        Ok(vec![Some(g.to_dtype(self.0)?)])
    }
}

#[cfg(test)]
mod conversion_tests {
    use super::*;
    use crate::DType;

    #[test]
    fn conversions_cast_like_c() {
        let x = Tensor::from_vec(vec![-1.7, 0.0, 2.9, 300.5], &[4]).unwrap();
        assert_eq!(
            x.to_dtype(DType::I64).unwrap().to_vec_i64().unwrap(),
            vec![-1, 0, 2, 300]
        );
        assert_eq!(
            x.to_dtype(DType::F64).unwrap().to_vec_f64(),
            vec![-1.7f32 as f64, 0.0, 2.9f32 as f64, 300.5]
        );
        assert_eq!(
            x.to_dtype(DType::Bool).unwrap().to_vec_f64(),
            vec![1.0, 0.0, 1.0, 1.0]
        );
        let i = x.to_dtype(DType::I32).unwrap();
        assert_eq!(
            (i.dtype(), i.to_vec_f64()),
            (DType::I32, vec![-1.0, 0.0, 2.0, 300.0])
        );
        assert_eq!(
            i.to_dtype(DType::F32).unwrap().to_vec_f32().unwrap(),
            vec![-1.0, 0.0, 2.0, 300.0]
        );
        // Sums of integers are int64; comparisons work within a dtype.
        assert_eq!(i.sum(None, false).unwrap().to_vec_i64().unwrap(), vec![301]);
        let d = x.to_dtype(DType::F64).unwrap();
        assert_eq!(d.sum(None, false).unwrap().dtype(), DType::F64);
        assert_eq!(
            d.compare(
                crate::ops::CmpOp::Gt,
                &Tensor::full_dtype(&[], 0.0, DType::F64).unwrap()
            )
            .unwrap()
            .to_vec_f64(),
            vec![0.0, 0.0, 1.0, 1.0]
        );
        assert_eq!(Tensor::cat(&[i.clone(), i], 0).unwrap().shape(), &[8]);
        let p = Tensor::ones(&[2]).unwrap();
        p.set_requires_grad(true).unwrap();
        assert_eq!(
            p.to_dtype(DType::I64).unwrap_err().code,
            crate::ErrorCode::Dtype
        );
        assert!(crate::no_grad(|| p.to_dtype(DType::I64)).is_ok());
        // Between floats the gradient flows back, converted.
        let d = p.to_dtype(DType::F64).unwrap();
        d.mul_scalar(3.0)
            .unwrap()
            .sum(None, false)
            .unwrap()
            .backward()
            .unwrap();
        let g = p.grad().unwrap();
        assert_eq!(
            (g.dtype(), g.to_vec_f32().unwrap()),
            (DType::F32, vec![3.0, 3.0])
        );
    }
}
