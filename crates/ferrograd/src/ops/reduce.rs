//! Reductions over any set of dimensions: `sum`, `mean`, `argmax`, and `sum_to`
//! (the gradient of broadcasting), each forward beside its backward.

use crate::autograd::{record, Backward};
use crate::kernels::elementwise;
use crate::tensor::shape::{fmt_shape, normalize_dims};
use crate::tensor::{Layout, Storage, Tensor};
use crate::{bail, Result};

/// Which dimensions a reduction removes, and the shapes around it.
struct Reduction {
    /// The input's layout permuted so kept dims come first and reduced dims last:
    /// each run of `group` consecutive elements then feeds one output.
    permuted: Layout,
    group: usize,
    /// Output shape with the reduced dims kept as size 1.
    keep_shape: Vec<usize>,
    out_shape: Vec<usize>,
}

impl Reduction {
    fn new(op: &str, x: &Tensor, dims: Option<&[i64]>, keepdim: bool) -> Result<Self> {
        let ndim = x.ndim();
        let reduced: Vec<usize> = match dims {
            // An empty list reduces everything, as PyTorch's `sum(dim=[])` does.
            None | Some([]) => (0..ndim).collect(),
            Some(d) => normalize_dims(op, d, ndim)?
                .into_iter()
                .filter(|&d| d < ndim)
                .collect(),
        };
        let kept: Vec<usize> = (0..ndim).filter(|d| !reduced.contains(d)).collect();
        let perm: Vec<usize> = kept.iter().chain(&reduced).copied().collect();
        let shape = x.shape();
        let keep_shape: Vec<usize> = (0..ndim)
            .map(|d| if reduced.contains(&d) { 1 } else { shape[d] })
            .collect();
        let out_shape = if keepdim {
            keep_shape.clone()
        } else {
            kept.iter().map(|&d| shape[d]).collect()
        };
        Ok(Reduction {
            permuted: x.layout().permute(&perm),
            group: reduced.iter().map(|&d| shape[d]).product(),
            keep_shape,
            out_shape,
        })
    }

    fn outputs(&self) -> usize {
        self.keep_shape.iter().product()
    }

    /// Folds each group of elements with `fold`, starting from `init`.
    fn fold<T: Copy, A: Copy>(&self, data: &[T], init: A, fold: impl Fn(A, T) -> A) -> Vec<A> {
        let mut it = self.permuted.indices();
        (0..self.outputs())
            .map(|_| {
                (0..self.group).fold(init, |acc, _| fold(acc, data[it.next().expect("in range")]))
            })
            .collect()
    }

    /// Sum of each group of float32 elements.
    fn sum_f32(&self, data: &[f32]) -> Vec<f32> {
        match self.permuted.contiguous_range() {
            Some(r) if self.group > 0 => data[r]
                .chunks_exact(self.group)
                .map(elementwise::sum)
                .collect(),
            _ => self.fold(data, 0.0f32, |a, v| a + v),
        }
    }
}

struct SumBackward {
    keep_shape: Vec<usize>,
    scale: f32,
}

impl Backward for SumBackward {
    fn backward(&self, g: &Tensor, inputs: &[Tensor]) -> Result<Vec<Option<Tensor>>> {
        let g = if self.scale == 1.0 {
            g.clone()
        } else {
            g.mul_scalar(self.scale)?
        };
        Ok(vec![Some(
            g.reshape_to(&self.keep_shape)?.expand(inputs[0].shape())?,
        )])
    }
}

impl Tensor {
    /// Sum over `dims` (all when `None`). Integer and bool tensors sum to int64.
    pub fn sum(&self, dims: Option<&[i64]>, keepdim: bool) -> Result<Tensor> {
        let red = Reduction::new("sum", self, dims, keepdim)?;
        let out = self.with_storage(|s, _| match s {
            Storage::F32(d) => Storage::F32(red.sum_f32(d)),
            Storage::I64(d) => Storage::I64(red.fold(d, 0i64, |a, v| a.wrapping_add(v))),
            Storage::Bool(d) => Storage::I64(red.fold(d, 0i64, |a, v| a + v as i64)),
        });
        let out = Tensor::from_storage(out, &red.out_shape);
        Ok(record(out, "SumBackward", &[self], || SumBackward {
            keep_shape: red.keep_shape,
            scale: 1.0,
        }))
    }

    /// Mean over `dims` (all when `None`); float32 only.
    pub fn mean(&self, dims: Option<&[i64]>, keepdim: bool) -> Result<Tensor> {
        let red = Reduction::new("mean", self, dims, keepdim)?;
        let count = red.group as f32;
        let sums = self.with_f32("mean", |d, _| red.sum_f32(d))?;
        // Divide rather than multiply by 1/n: PyTorch's CPU mean is sum / n, and the
        // two round differently.
        let out = Tensor::from_storage(
            Storage::F32(sums.into_iter().map(|s| s / count).collect()),
            &red.out_shape,
        );
        let scale = 1.0 / count;
        Ok(record(out, "MeanBackward", &[self], || SumBackward {
            keep_shape: red.keep_shape,
            scale,
        }))
    }

    /// Sums a broadcast gradient back to `shape` (the inverse of broadcasting).
    pub fn sum_to(&self, shape: &[usize]) -> Result<Tensor> {
        if self.shape() == shape {
            return Ok(self.clone());
        }
        let lead = match self.ndim().checked_sub(shape.len()) {
            Some(l) => l,
            None => bail!(
                Shape,
                "sum_to: cannot reduce shape {} to {}",
                fmt_shape(self.shape()),
                fmt_shape(shape)
            ),
        };
        let mut dims: Vec<i64> = (0..lead as i64).collect();
        for (i, &target) in shape.iter().enumerate() {
            let have = self.shape()[lead + i];
            if target == 1 && have != 1 {
                dims.push((lead + i) as i64);
            } else if target != have {
                bail!(
                    Shape,
                    "sum_to: cannot reduce shape {} to {}",
                    fmt_shape(self.shape()),
                    fmt_shape(shape)
                );
            }
        }
        self.sum(Some(&dims), true)?.reshape_to(shape)
    }

    /// Index of the largest element along `dim` (of the flattened tensor when
    /// `None`), as int64; the first one on ties, and NaN counts as largest.
    pub fn argmax(&self, dim: Option<i64>, keepdim: bool) -> Result<Tensor> {
        let flat;
        let (x, dims) = match dim {
            Some(d) => (self, Some(vec![d])),
            None => {
                flat = self.reshape_to(&[self.numel()])?;
                (&flat, None)
            }
        };
        let red = Reduction::new("argmax", x, dims.as_deref(), keepdim && dim.is_some())?;
        if red.group == 0 {
            bail!(
                Shape,
                "argmax: cannot take the argmax of an empty dimension (shape {})",
                fmt_shape(self.shape())
            );
        }
        fn better(v: f64, best: f64) -> bool {
            v > best || (v.is_nan() && !best.is_nan())
        }
        let values = x.to_vec_f64_permuted(&red.permuted);
        let out: Vec<i64> = values
            .chunks_exact(red.group)
            .map(|row| {
                let mut bi = 0;
                for (i, &v) in row.iter().enumerate() {
                    if better(v, row[bi]) {
                        bi = i;
                    }
                }
                bi as i64
            })
            .collect();
        Ok(Tensor::from_storage(Storage::I64(out), &red.out_shape))
    }

    /// Elements of any dtype as f64 in the order of `layout` (over this storage).
    fn to_vec_f64_permuted(&self, layout: &Layout) -> Vec<f64> {
        self.with_storage(|s, _| match s {
            Storage::F32(d) => layout.indices().map(|i| d[i] as f64).collect(),
            Storage::I64(d) => layout.indices().map(|i| d[i] as f64).collect(),
            Storage::Bool(d) => layout.indices().map(|i| d[i] as u8 as f64).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(v: &[f32], shape: &[usize]) -> Tensor {
        Tensor::from_vec(v.to_vec(), shape).unwrap()
    }

    #[test]
    fn sums_over_any_dims() {
        let x = t(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
        assert_eq!(
            x.sum(None, false).unwrap().to_vec_f32().unwrap(),
            vec![21.0]
        );
        assert_eq!(
            x.sum(Some(&[0]), false).unwrap().to_vec_f32().unwrap(),
            vec![5.0, 7.0, 9.0]
        );
        let r = x.sum(Some(&[-1]), true).unwrap();
        assert_eq!(
            (r.shape(), r.to_vec_f32().unwrap()),
            (&[2usize, 1][..], vec![6.0, 15.0])
        );
        assert_eq!(
            x.mean(Some(&[1]), false).unwrap().to_vec_f32().unwrap(),
            vec![2.0, 5.0]
        );
        assert_eq!(
            x.t()
                .unwrap()
                .sum(Some(&[1]), false)
                .unwrap()
                .to_vec_f32()
                .unwrap(),
            vec![5.0, 7.0, 9.0]
        );
        let empty = Tensor::zeros(&[0, 3]).unwrap();
        assert_eq!(
            empty.sum(Some(&[0]), false).unwrap().to_vec_f32().unwrap(),
            vec![0.0; 3]
        );
        assert!(empty.mean(None, false).unwrap().item().unwrap().is_nan());
    }

    #[test]
    fn sum_to_undoes_broadcasting() {
        let g = Tensor::ones(&[4, 2, 3]).unwrap();
        let s = g.sum_to(&[2, 1]).unwrap();
        assert_eq!(
            (s.shape(), s.to_vec_f32().unwrap()),
            (&[2usize, 1][..], vec![12.0, 12.0])
        );
        assert_eq!(g.sum_to(&[5]).unwrap_err().code, crate::ErrorCode::Shape);
    }

    #[test]
    fn argmax_picks_the_first_maximum() {
        let x = t(&[1.0, 9.0, 9.0, 7.0, 2.0, 3.0], &[2, 3]);
        assert_eq!(
            x.argmax(Some(1), false).unwrap().to_vec_i64().unwrap(),
            vec![1, 0]
        );
        assert_eq!(
            x.argmax(None, false).unwrap().to_vec_i64().unwrap(),
            vec![1]
        );
        assert_eq!(x.argmax(Some(0), true).unwrap().shape(), &[1, 3]);
    }
}
