//! Comparisons; their results are bool tensors and carry no gradient.

use crate::tensor::alloc;
use crate::tensor::dtype::{with_elements, Element};
use crate::tensor::shape::{broadcast_shapes, checked_numel};
use crate::tensor::{DType, Layout, Storage, Tensor};
use crate::{bail, Result};

/// The six comparisons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl CmpOp {
    fn name(self) -> &'static str {
        match self {
            CmpOp::Eq => "eq",
            CmpOp::Ne => "ne",
            CmpOp::Lt => "lt",
            CmpOp::Le => "le",
            CmpOp::Gt => "gt",
            CmpOp::Ge => "ge",
        }
    }

    fn apply<T: PartialOrd>(self, a: T, b: T) -> bool {
        match self {
            CmpOp::Eq => a == b,
            CmpOp::Ne => a != b,
            CmpOp::Lt => a < b,
            CmpOp::Le => a <= b,
            CmpOp::Gt => a > b,
            CmpOp::Ge => a >= b,
        }
    }
}

fn compare_slices<T: PartialOrd + Copy>(
    op: CmpOp,
    a: &[T],
    la: &Layout,
    b: &[T],
    lb: &Layout,
) -> Result<Vec<bool>> {
    alloc::collect(
        op.name(),
        la.numel(),
        la.indices()
            .zip(lb.indices())
            .map(|(i, j)| op.apply(a[i], b[j])),
    )
}

impl Tensor {
    /// Elementwise comparison with broadcasting, as a bool tensor. The operands
    /// are compared in their promoted dtype, as in PyTorch.
    pub fn compare(&self, op: CmpOp, other: &Tensor) -> Result<Tensor> {
        let name = op.name();
        let dtype = DType::promote(self.dtype(), other.dtype());
        if dtype != self.dtype() || dtype != other.dtype() {
            let _no_grad = crate::autograd::GradModeGuard::new(false);
            return self.to_dtype(dtype)?.compare(op, &other.to_dtype(dtype)?);
        }
        let shape = broadcast_shapes(name, self.shape(), other.shape())?;
        checked_numel(name, &shape)?;
        let la = self.layout().broadcast_to(name, &shape)?;
        let lb = other.layout().broadcast_to(name, &shape)?;
        let out = self.with_storage(|sa, _| {
            other.with_storage(|sb, _| {
                // The same element type on both sides, whichever it is.
                with_elements!(sa, |a| match Element::slice(sb) {
                    Some(b) => compare_slices(op, a, &la, b, &lb),
                    None => bail!(
                        Dtype,
                        "{name}: cannot compare {} with {}; convert one side first",
                        sa.dtype(),
                        sb.dtype()
                    ),
                })
            })
        })?;
        Ok(Tensor::from_storage(Storage::Bool(out), &shape))
    }

    /// Elementwise `self == other` with broadcasting, as a bool tensor.
    pub fn eq(&self, other: &Tensor) -> Result<Tensor> {
        self.compare(CmpOp::Eq, other)
    }
}
