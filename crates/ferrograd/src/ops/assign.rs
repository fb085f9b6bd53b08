//! In-place copy of values into an existing tensor (loading weights). It is not
//! recorded: like PyTorch's `copy_` under `no_grad`, it changes a leaf's data.

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
