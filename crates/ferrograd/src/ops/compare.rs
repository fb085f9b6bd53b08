//! Comparisons; their results are bool tensors and carry no gradient.

use crate::tensor::shape::{broadcast_shapes, checked_numel};
use crate::tensor::{Storage, Tensor};
use crate::{bail, Result};

impl Tensor {
    /// Elementwise `self == other` with broadcasting, as a bool tensor.
    pub fn eq(&self, other: &Tensor) -> Result<Tensor> {
        let shape = broadcast_shapes("eq", self.shape(), other.shape())?;
        checked_numel("eq", &shape)?;
        let la = self.layout().broadcast_to("eq", &shape)?;
        let lb = other.layout().broadcast_to("eq", &shape)?;
        let out: Vec<bool> = self.with_storage(|sa, _| {
            other.with_storage(|sb, _| {
                Ok(match (sa, sb) {
                    (Storage::F32(a), Storage::F32(b)) => la
                        .indices()
                        .zip(lb.indices())
                        .map(|(i, j)| a[i] == b[j])
                        .collect(),
                    (Storage::I64(a), Storage::I64(b)) => la
                        .indices()
                        .zip(lb.indices())
                        .map(|(i, j)| a[i] == b[j])
                        .collect(),
                    (Storage::Bool(a), Storage::Bool(b)) => la
                        .indices()
                        .zip(lb.indices())
                        .map(|(i, j)| a[i] == b[j])
                        .collect(),
                    (a, b) => bail!(
                        Dtype,
                        "eq: cannot compare {} with {}; convert one side first",
                        a.dtype(),
                        b.dtype()
                    ),
                })
            })
        })?;
        Ok(Tensor::from_storage(Storage::Bool(out), &shape))
    }
}
