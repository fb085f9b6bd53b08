//! In-place copy of values into an existing tensor (loading weights), and dtype
//! conversion. The in-place copy is not recorded: like PyTorch's `copy_` under
//! `no_grad`, it changes a leaf's data.

use crate::tensor::shape::fmt_shape;
use crate::tensor::Tensor;
use crate::{bail, Result};

impl Tensor {
    /// Overwrites this contiguous float32 tensor's elements with `src`'s (same shape).
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
        let values = src.to_vec_f32()?;
        self.with_f32_mut("assign", |dst| dst.copy_from_slice(&values))
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
        if self.requires_grad() && crate::is_grad_enabled() {
            bail!(
                Dtype,
                "to: gradients flow only through float32 tensors; converting a tensor that requires grad to {dtype} would lose them (detach() first)"
            );
        }
        let n = self.numel();
        let storage = self.with_storage(|s, l| s.convert("to", n, l.indices(), dtype))?;
        Ok(Tensor::from_storage(storage, self.shape()))
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
            p.to_dtype(DType::F64).unwrap_err().code,
            crate::ErrorCode::Dtype
        );
        assert!(crate::no_grad(|| p.to_dtype(DType::F64)).is_ok());
    }
}
