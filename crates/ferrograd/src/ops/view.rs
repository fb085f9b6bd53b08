//! Shape ops. Where PyTorch gives a view these share storage and only change the
//! layout; the backward of each is the inverse reshaping of the gradient.

use crate::autograd::{record, Backward};
use crate::tensor::shape::{checked_numel, fmt_shape, normalize_dim};
use crate::tensor::{Layout, Tensor};
use crate::{bail, Result};

/// Resolves a shape that may hold one `-1` against an element count.
pub fn infer_shape(op: &str, numel: usize, spec: &[i64]) -> Result<Vec<usize>> {
    let mut unknown = None;
    let mut known: usize = 1;
    for (i, &d) in spec.iter().enumerate() {
        if d == -1 {
            if unknown.replace(i).is_some() {
                bail!(Arg, "{op}: only one dimension can be -1, got {spec:?}");
            }
        } else if d < 0 {
            bail!(Arg, "{op}: invalid dimension {d} in shape {spec:?}");
        } else {
            known = known.saturating_mul(d as usize);
        }
    }
    let mut shape: Vec<usize> = spec.iter().map(|&d| d.max(0) as usize).collect();
    if let Some(i) = unknown {
        if known == 0 || !numel.is_multiple_of(known) {
            bail!(
                Shape,
                "{op}: shape {spec:?} is invalid for a tensor of {numel} elements"
            );
        }
        shape[i] = numel / known;
    }
    if checked_numel(op, &shape)? != numel {
        bail!(
            Shape,
            "{op}: shape {spec:?} is invalid for a tensor of {numel} elements"
        );
    }
    Ok(shape)
}

/// Backward of every op that only renames the shape: reshape the gradient back.
struct ReshapeBackward;

impl Backward for ReshapeBackward {
    fn backward(&self, g: &Tensor, inputs: &[Tensor]) -> Result<Vec<Option<Tensor>>> {
        Ok(vec![Some(g.reshape_to(inputs[0].shape())?)])
    }
}

struct TransposeBackward(usize, usize);

impl Backward for TransposeBackward {
    fn backward(&self, g: &Tensor, _: &[Tensor]) -> Result<Vec<Option<Tensor>>> {
        Ok(vec![Some(g.transpose_dims(self.0, self.1))])
    }
}

struct ExpandBackward;

impl Backward for ExpandBackward {
    fn backward(&self, g: &Tensor, inputs: &[Tensor]) -> Result<Vec<Option<Tensor>>> {
        Ok(vec![Some(g.sum_to(inputs[0].shape())?)])
    }
}

struct CopyBackward;

impl Backward for CopyBackward {
    fn backward(&self, g: &Tensor, _: &[Tensor]) -> Result<Vec<Option<Tensor>>> {
        Ok(vec![Some(g.clone())])
    }
}

impl Tensor {
    /// A packed copy of the elements (any dtype), recorded for autograd.
    pub fn copy(&self) -> Result<Tensor> {
        let n = self.numel();
        let storage = self.with_storage(|s, l| match l.contiguous_range() {
            // Packed data is copied as one run, any other layout run by run.
            Some(r) => s.pick_runs("copy", n, std::iter::once(r)),
            None => s.gather("copy", l),
        })?;
        let out = Tensor::from_storage(storage, self.shape());
        Ok(record(out, "CloneBackward", &[self], || CopyBackward))
    }

    /// `self` when already packed row-major, otherwise a packed copy.
    pub fn contiguous(&self) -> Result<Tensor> {
        if self.is_contiguous() {
            Ok(self.clone())
        } else {
            self.copy()
        }
    }

    /// Same elements under a shape given with usizes; views when contiguous.
    pub fn reshape_to(&self, shape: &[usize]) -> Result<Tensor> {
        if shape == self.shape() {
            return Ok(self.clone());
        }
        if checked_numel("reshape", shape)? != self.numel() {
            bail!(
                Shape,
                "reshape: shape {} is invalid for a tensor of shape {} ({} elements)",
                fmt_shape(shape),
                fmt_shape(self.shape()),
                self.numel()
            );
        }
        let source = self.contiguous()?;
        let layout = source
            .layout()
            .reshaped(shape)
            .expect("contiguous after copy");
        let out = source.view_with(layout);
        Ok(record(out, "ViewBackward", &[&source], || ReshapeBackward))
    }

    /// Same elements under a new shape; one entry may be -1 (inferred).
    pub fn reshape(&self, shape: &[i64]) -> Result<Tensor> {
        let shape = infer_shape("reshape", self.numel(), shape)?;
        self.reshape_to(&shape)
    }

    /// Same elements under a new shape without copying: `ERR_SHAPE` when the data is
    /// not contiguous (use [`Tensor::reshape`], which copies then), as PyTorch's `view`.
    pub fn view(&self, shape: &[i64]) -> Result<Tensor> {
        let shape = infer_shape("view", self.numel(), shape)?;
        if !self.is_contiguous() && shape != self.shape() {
            bail!(
                Shape,
                "view: a tensor of shape {} whose layout is not contiguous cannot be viewed as {}; call contiguous() first or use reshape()",
                fmt_shape(self.shape()),
                fmt_shape(&shape)
            );
        }
        self.reshape_to(&shape)
    }

    /// Expands with PyTorch's spelling: sizes aligned to the right, `-1` keeps a
    /// dimension's size.
    pub fn expand_as_spec(&self, spec: &[i64]) -> Result<Tensor> {
        if spec.len() < self.ndim() {
            bail!(
                Shape,
                "expand: the number of sizes ({}) must be at least the number of dimensions ({})",
                spec.len(),
                self.ndim()
            );
        }
        let lead = spec.len() - self.ndim();
        let shape = spec
            .iter()
            .enumerate()
            .map(|(i, &d)| match d {
                -1 if i >= lead => Ok(self.shape()[i - lead]),
                d if d >= 0 => Ok(d as usize),
                d => bail!(
                    Arg,
                    "expand: invalid size {d} at dimension {i} (-1 keeps an existing dimension)"
                ),
            })
            .collect::<Result<Vec<_>>>()?;
        self.expand(&shape)
    }

    /// Collapses dims `start..=end` into one.
    pub fn flatten(&self, start: i64, end: i64) -> Result<Tensor> {
        if self.ndim() == 0 {
            return self.reshape_to(&[1]);
        }
        let s = normalize_dim("flatten", start, self.ndim())?;
        let e = normalize_dim("flatten", end, self.ndim())?;
        if s > e {
            bail!(Arg, "flatten: startDim {start} comes after endDim {end}");
        }
        let shape = self.shape();
        let mut out: Vec<usize> = shape[..s].to_vec();
        out.push(shape[s..=e].iter().product());
        out.extend_from_slice(&shape[e + 1..]);
        self.reshape_to(&out)
    }

    /// Inserts a dimension of size 1 at `dim`.
    pub fn unsqueeze(&self, dim: i64) -> Result<Tensor> {
        let d = normalize_dim("unsqueeze", dim, self.ndim() + 1)?;
        let mut shape = self.shape().to_vec();
        shape.insert(d, 1);
        self.reshape_to(&shape)
    }

    /// Removes dimension `dim` if it has size 1, or every size-1 dimension when `None`.
    pub fn squeeze(&self, dim: Option<i64>) -> Result<Tensor> {
        let shape: Vec<usize> = match dim {
            Some(dim) => {
                let d = normalize_dim("squeeze", dim, self.ndim())?;
                let mut s = self.shape().to_vec();
                if self.ndim() > 0 && s[d] == 1 {
                    s.remove(d);
                }
                s
            }
            None => self.shape().iter().copied().filter(|&n| n != 1).collect(),
        };
        self.reshape_to(&shape)
    }

    /// Swaps dimensions (already normalised); a view.
    pub(crate) fn transpose_dims(&self, d0: usize, d1: usize) -> Tensor {
        let out = self.view_with(self.layout().transpose(d0, d1));
        record(out, "TransposeBackward", &[self], || {
            TransposeBackward(d0, d1)
        })
    }

    /// Swaps dimensions `d0` and `d1`; a view.
    pub fn transpose(&self, d0: i64, d1: i64) -> Result<Tensor> {
        let a = normalize_dim("transpose", d0, self.ndim())?;
        let b = normalize_dim("transpose", d1, self.ndim())?;
        if self.ndim() < 2 {
            return Ok(self.clone());
        }
        Ok(self.transpose_dims(a, b))
    }

    /// The transpose of a matrix (`t.T` for 2-D, unchanged for 0-D and 1-D).
    pub fn t(&self) -> Result<Tensor> {
        match self.ndim() {
            0 | 1 => Ok(self.clone()),
            2 => Ok(self.transpose_dims(0, 1)),
            n => bail!(Shape, "t: expects a tensor of at most 2 dimensions, got {n} (shape {}); use transpose(d0, d1) or permute", fmt_shape(self.shape())),
        }
    }

    /// Repeats size-1 dimensions to `shape` without copying (stride 0); a view.
    pub fn expand(&self, shape: &[usize]) -> Result<Tensor> {
        if shape == self.shape() {
            return Ok(self.clone());
        }
        // A view allocates nothing, but every op on it would: refuse absurd sizes here.
        checked_numel("expand", shape)?;
        let layout: Layout = self.layout().broadcast_to("expand", shape)?;
        let out = self.view_with(layout);
        Ok(record(out, "ExpandBackward", &[self], || ExpandBackward))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every permutation of a [3, 40, 1, 37] tensor (transposes of tiles and
    /// ragged edges included), narrowed or not, in float32 and int64: the packed
    /// copy holds the elements in the order the strided walk visits them, and so
    /// do cat and elementwise maps over such views.
    #[test]
    fn copies_of_permuted_and_narrowed_views_follow_the_strided_walk() {
        let shape = [3, 40, 1, 37];
        let n: usize = shape.iter().product();
        let f = Tensor::from_vec((0..n).map(|v| v as f32).collect(), &shape).unwrap();
        let i = Tensor::from_vec_i64((0..n as i64).collect(), &shape).unwrap();
        let perms: [[i64; 4]; 6] = [
            [0, 1, 2, 3],
            [0, 1, 3, 2],
            [0, 3, 2, 1],
            [3, 1, 0, 2],
            [1, 0, 3, 2],
            [3, 2, 1, 0],
        ];
        for base in [&f, &i] {
            for p in perms {
                for narrow in [false, true] {
                    let mut v = base.permute(&p).unwrap();
                    if narrow {
                        let d = (0..4).find(|&d| v.shape()[d] > 2).unwrap();
                        let len = v.shape()[d] - 2;
                        v = v.narrow(d as i64, 1, len).unwrap();
                    }
                    let walk: Vec<f64> = v.with_storage(|s, l| {
                        use crate::tensor::dtype::with_elements;
                        use crate::tensor::{Element, Storage};
                        with_elements!(s, |d| l.indices().map(|k| d[k].to_f64()).collect())
                    });
                    assert_eq!(
                        v.copy().unwrap().to_vec_f64(),
                        walk,
                        "{p:?} narrowed {narrow}"
                    );
                    let doubled = v.add(&v).unwrap().to_vec_f64();
                    assert_eq!(doubled, walk.iter().map(|x| 2.0 * x).collect::<Vec<_>>());
                    let both = Tensor::cat(&[v.clone(), v.clone()], 1).unwrap();
                    let rows = v.shape()[0];
                    let per = walk.len() / rows.max(1);
                    let want: Vec<f64> = (0..rows)
                        .flat_map(|r| {
                            let row = &walk[r * per..(r + 1) * per];
                            row.iter().chain(row).copied().collect::<Vec<_>>()
                        })
                        .collect();
                    assert_eq!(both.to_vec_f64(), want, "cat {p:?} narrowed {narrow}");
                }
            }
        }
    }

    #[test]
    fn infer_shape_handles_minus_one_and_refuses_nonsense() {
        assert_eq!(infer_shape("r", 12, &[3, -1]).unwrap(), vec![3, 4]);
        assert_eq!(
            infer_shape("r", 12, &[-1, -1]).unwrap_err().code,
            crate::ErrorCode::Arg
        );
        assert_eq!(
            infer_shape("r", 12, &[5, -1]).unwrap_err().code,
            crate::ErrorCode::Shape
        );
        assert_eq!(
            infer_shape("r", 12, &[-2, 6]).unwrap_err().code,
            crate::ErrorCode::Arg
        );
        assert_eq!(
            infer_shape("r", 0, &[0, -1]).unwrap_err().code,
            crate::ErrorCode::Shape
        );
    }

    #[test]
    fn views_share_storage_and_reshape_of_a_transpose_copies() {
        let x = Tensor::from_vec((0..6).map(|v| v as f32).collect(), &[2, 3]).unwrap();
        let t = x.t().unwrap();
        assert!(t.shares_storage(&x) && !t.is_contiguous());
        assert_eq!(t.to_vec_f32().unwrap(), vec![0.0, 3.0, 1.0, 4.0, 2.0, 5.0]);
        let r = t.reshape(&[-1]).unwrap();
        assert!(!r.shares_storage(&x));
        assert_eq!(r.to_vec_f32().unwrap(), vec![0.0, 3.0, 1.0, 4.0, 2.0, 5.0]);
        let e = Tensor::from_vec(vec![1.0, 2.0], &[2, 1])
            .unwrap()
            .expand(&[2, 3])
            .unwrap();
        assert_eq!(e.to_vec_f32().unwrap(), vec![1.0, 1.0, 1.0, 2.0, 2.0, 2.0]);
        assert_eq!(x.unsqueeze(0).unwrap().shape(), &[1, 2, 3]);
        assert_eq!(x.unsqueeze(-1).unwrap().shape(), &[2, 3, 1]);
        assert_eq!(
            x.unsqueeze(0).unwrap().squeeze(None).unwrap().shape(),
            &[2, 3]
        );
        assert_eq!(x.flatten(0, -1).unwrap().shape(), &[6]);
    }
}
