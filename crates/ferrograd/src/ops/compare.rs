//! Comparisons; their results are bool tensors and carry no gradient.

use crate::kernels::elementwise;
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
}

/// `a op b` for every element of two operands broadcast to one shape, through
/// the elementwise kernels (vector loops over packed and broadcast runs), one
/// loop per comparison: an odometer per element took `gt` of 512x1024 to 3 ms.
fn compare_slices<T: PartialOrd + Copy + Sync>(
    op: CmpOp,
    a: &[T],
    la: &Layout,
    b: &[T],
    lb: &Layout,
) -> Result<Vec<bool>> {
    match op {
        CmpOp::Eq => elementwise::zip(op.name(), a, la, b, lb, |x, y| x == y),
        CmpOp::Ne => elementwise::zip(op.name(), a, la, b, lb, |x, y| x != y),
        CmpOp::Lt => elementwise::zip(op.name(), a, la, b, lb, |x, y| x < y),
        CmpOp::Le => elementwise::zip(op.name(), a, la, b, lb, |x, y| x <= y),
        CmpOp::Gt => elementwise::zip(op.name(), a, la, b, lb, |x, y| x > y),
        CmpOp::Ge => elementwise::zip(op.name(), a, la, b, lb, |x, y| x >= y),
    }
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
