//! Matrix product for 1-D, 2-D, batched and broadcast operands (`torch.matmul`),
//! forward beside backward. Transposed operands reach the kernel as strides.

use crate::autograd::{record, Backward};
use crate::kernels::matmul::{gemm, MatRef};
use crate::tensor::shape::{broadcast_shapes, checked_numel, fmt_shape};
use crate::tensor::{alloc, float_dispatch, DType, Float, Layout, Tensor};
use crate::{bail, Result};

/// Product of operands of at least two dimensions, batch dims broadcast; no graph.
fn matmul_nd(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let (sa, sb) = (a.shape(), b.shape());
    let (m, k) = (sa[sa.len() - 2], sa[sa.len() - 1]);
    let (k2, n) = (sb[sb.len() - 2], sb[sb.len() - 1]);
    if k != k2 {
        return Err(crate::Error::of(
            crate::ErrorCode::Shape,
            "matmul",
            format_args!(
                "shapes {} and {} cannot be multiplied ({m}x{k} and {k2}x{n}: inner dimensions {k} and {k2} differ)",
                fmt_shape(sa),
                fmt_shape(sb)
            ),
        )
        .with_shapes(&[sa, sb]));
    }
    let batch = broadcast_shapes("matmul", &sa[..sa.len() - 2], &sb[..sb.len() - 2])?;
    let mut out_shape = batch.clone();
    out_shape.extend([m, n]);
    let total = checked_numel("matmul", &out_shape)?;
    let full = |t: &Tensor, rows, cols| {
        let mut s = batch.clone();
        s.extend([rows, cols]);
        t.layout().broadcast_to("matmul", &s)
    };
    let (la, lb) = (full(a, m, k)?, full(b, k, n)?);
    let out = float_dispatch!(a.dtype(), "matmul", T => {
        T::storage(product::<T>(a, b, &batch, (m, n, k), total, &la, &lb)?)
    });
    Ok(Tensor::from_storage(out, &out_shape))
}

/// The products of every (broadcast) batch, packed.
fn product<T: Float>(
    a: &Tensor,
    b: &Tensor,
    batch: &[usize],
    (m, n, k): (usize, usize, usize),
    total: usize,
    la: &Layout,
    lb: &Layout,
) -> Result<Vec<T>> {
    let mut out = alloc::filled("matmul", total, T::ZERO)?;
    a.with_data("matmul", |da: &[T], _| {
        b.with_data("matmul", |db: &[T], _| {
            let nb = batch.len();
            // Start of each matrix in the storage: the batch dims walked as a layout.
            let batch_offsets = |l: &Layout| {
                Layout::strided(batch, &l.strides()[..nb], l.offset())
                    .indices()
                    .collect::<Vec<_>>()
            };
            let (offs_a, offs_b) = (batch_offsets(la), batch_offsets(lb));
            let sa = (la.strides()[nb], la.strides()[nb + 1]);
            let sb = (lb.strides()[nb], lb.strides()[nb + 1]);
            for (i, dst) in out
                .chunks_exact_mut((m * n).max(1))
                .enumerate()
                .take(offs_a.len())
            {
                let lhs = MatRef {
                    data: &da[offs_a[i]..],
                    strides: sa,
                };
                let rhs = MatRef {
                    data: &db[offs_b[i]..],
                    strides: sb,
                };
                gemm(m, n, k, dst, lhs, rhs, false);
            }
        })
    })??;
    Ok(out)
}

struct MatmulBackward;

impl Backward for MatmulBackward {
    fn backward(&self, g: &Tensor, inputs: &[Tensor]) -> Result<Vec<Option<Tensor>>> {
        let (a, b) = (&inputs[0], &inputs[1]);
        // dA = dC @ B^T and dB = A^T @ dC, summed over broadcast batch dims.
        let ga = match a.requires_grad() {
            true => Some(matmul_nd(g, &b.transpose(-1, -2)?)?.sum_to(a.shape())?),
            false => None,
        };
        let gb = match b.requires_grad() {
            true => Some(matmul_nd(&a.transpose(-1, -2)?, g)?.sum_to(b.shape())?),
            false => None,
        };
        Ok(vec![ga, gb])
    }
}

impl Tensor {
    /// Matrix product with `torch.matmul`'s rules: 1-D operands are promoted to a row
    /// (left) or a column (right) and the added dimension removed from the result;
    /// leading dimensions broadcast as batches.
    pub fn matmul(&self, other: &Tensor) -> Result<Tensor> {
        if self.ndim() == 0 || other.ndim() == 0 {
            bail!(
                Shape,
                "matmul: both operands need at least one dimension, got shapes {} and {}",
                fmt_shape(self.shape()),
                fmt_shape(other.shape())
            );
        }
        match (self.ndim(), other.ndim()) {
            (1, 1) => {
                if self.shape() != other.shape() {
                    bail!(
                        Shape,
                        "matmul: shapes {} and {} cannot be multiplied (vectors of different lengths)",
                        fmt_shape(self.shape()),
                        fmt_shape(other.shape())
                    );
                }
                self.unsqueeze(0)?
                    .matmul(&other.unsqueeze(1)?)?
                    .reshape_to(&[])
            }
            (1, _) => {
                let r = self
                    .unsqueeze(0)?
                    .matmul(other)
                    .map_err(|e| rename_shapes(e, self, other))?;
                r.squeeze(Some(-2))
            }
            (_, 1) => {
                let r = self
                    .matmul(&other.unsqueeze(1)?)
                    .map_err(|e| rename_shapes(e, self, other))?;
                r.squeeze(Some(-1))
            }
            _ => {
                // Two float dtypes meet in the wider one; integers are refused by the
                // kernel's dtype check.
                let dtype = DType::promote(self.dtype(), other.dtype());
                let (a, b) = (self.to_dtype(dtype)?, other.to_dtype(dtype)?);
                let out = matmul_nd(&a, &b)?;
                Ok(record(out, "MmBackward", &[&a, &b], || MatmulBackward))
            }
        }
    }
}

/// Restates a shape error of a promoted 1-D operand in the caller's shapes.
fn rename_shapes(e: crate::Error, a: &Tensor, b: &Tensor) -> crate::Error {
    if e.code != crate::ErrorCode::Shape {
        return e;
    }
    crate::Error::of(
        e.code,
        "matmul",
        format_args!(
            "shapes {} and {} cannot be multiplied",
            fmt_shape(a.shape()),
            fmt_shape(b.shape())
        ),
    )
    .with_shapes(&[a.shape(), b.shape()])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(v: Vec<f32>, shape: &[usize]) -> Tensor {
        Tensor::from_vec(v, shape).unwrap()
    }

    #[test]
    fn shapes_follow_torch_matmul() {
        let a = t((0..6).map(|v| v as f32).collect(), &[2, 3]);
        let b = t((0..12).map(|v| v as f32).collect(), &[3, 4]);
        let c = a.matmul(&b).unwrap();
        assert_eq!(c.shape(), &[2, 4]);
        assert_eq!(c.to_vec_f32().unwrap()[..4], [20.0, 23.0, 26.0, 29.0]);
        let v = t(vec![1.0, 1.0, 1.0], &[3]);
        assert_eq!(a.matmul(&v).unwrap().to_vec_f32().unwrap(), vec![3.0, 12.0]);
        assert_eq!(v.matmul(&b).unwrap().shape(), &[4]);
        assert_eq!(v.matmul(&v).unwrap().shape(), &[] as &[usize]);
        let batched = t(vec![1.0; 5 * 2 * 3], &[5, 1, 2, 3]);
        assert_eq!(batched.matmul(&b).unwrap().shape(), &[5, 1, 2, 4]);
        let bb = t(vec![1.0; 4 * 3 * 4], &[4, 3, 4]);
        assert_eq!(batched.matmul(&bb).unwrap().shape(), &[5, 4, 2, 4]);
    }

    #[test]
    fn mismatched_shapes_name_both() {
        let e = Tensor::zeros(&[2, 3])
            .unwrap()
            .matmul(&Tensor::zeros(&[4, 5]).unwrap())
            .unwrap_err();
        assert_eq!(e.code, crate::ErrorCode::Shape);
        assert!(
            e.message.contains("[2, 3]") && e.message.contains("[4, 5]"),
            "{}",
            e.message
        );
    }

    #[test]
    fn transposed_operand_matches_a_copied_one() {
        let a = t((0..12).map(|v| v as f32 * 0.5).collect(), &[4, 3]);
        let b = t((0..12).map(|v| v as f32 - 3.0).collect(), &[4, 3]);
        let view = a.t().unwrap().matmul(&b).unwrap();
        let copied = a.t().unwrap().contiguous().unwrap().matmul(&b).unwrap();
        assert_eq!(view.to_vec_f32().unwrap(), copied.to_vec_f32().unwrap());
    }
}
