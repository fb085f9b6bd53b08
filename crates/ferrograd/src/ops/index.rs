//! Rearranging and selecting: `permute`, `narrow`, `cat`, `stack`, `index_select`,
//! `gather`, each forward beside its backward. Forwards work for every dtype;
//! gradients flow through float32 and float64.

use crate::autograd::{record, Backward};
use crate::tensor::shape::{checked_numel, fmt_shape, normalize_dim, normalize_dims};
use crate::tensor::{alloc, float_dispatch, DType, Layout, Storage, Tensor};
use crate::{bail, Result};

/// Adds `g` (row-major over `layout`'s shape) into a zero tensor of `shape` at the
/// storage positions `layout` walks: the backward of every selecting op.
fn scatter_add(
    shape: &[usize],
    layout_positions: impl Iterator<Item = usize>,
    g: &Tensor,
) -> Result<Tensor> {
    let n = checked_numel("backward", shape)?;
    let out = float_dispatch!(g.dtype(), "backward", T => {
        let mut out = alloc::filled("backward", n, T::ZERO)?;
        g.with_data("backward", |gd: &[T], gl| {
            for (p, i) in layout_positions.zip(gl.indices()) {
                out[p] += gd[i];
            }
        })?;
        T::storage(out)
    });
    Ok(Tensor::from_storage(out, shape))
}

struct PermuteBackward(Vec<usize>);

impl Backward for PermuteBackward {
    fn backward(&self, g: &Tensor, _: &[Tensor]) -> Result<Vec<Option<Tensor>>> {
        let mut inverse = vec![0; self.0.len()];
        for (i, &p) in self.0.iter().enumerate() {
            inverse[p] = i;
        }
        Ok(vec![Some(g.permute_dims(&inverse))])
    }
}

struct NarrowBackward {
    dim: usize,
    start: usize,
}

impl Backward for NarrowBackward {
    fn backward(&self, g: &Tensor, inputs: &[Tensor]) -> Result<Vec<Option<Tensor>>> {
        let shape = inputs[0].shape();
        let window = Layout::contiguous(shape).narrowed(self.dim, self.start, g.shape()[self.dim]);
        Ok(vec![Some(scatter_add(shape, window.indices(), g)?)])
    }
}

struct CatBackward(usize);

impl Backward for CatBackward {
    fn backward(&self, g: &Tensor, inputs: &[Tensor]) -> Result<Vec<Option<Tensor>>> {
        let mut start = 0;
        let mut grads = Vec::with_capacity(inputs.len());
        for t in inputs {
            let len = t.shape()[self.0];
            grads.push(
                t.requires_grad()
                    .then(|| g.narrow(self.0 as i64, start as i64, len))
                    .transpose()?,
            );
            start += len;
        }
        Ok(grads)
    }
}

/// Gradient of a selection: each element of `g` goes back to one input position.
struct SelectBackward {
    positions: Vec<usize>,
}

impl Backward for SelectBackward {
    fn backward(&self, g: &Tensor, inputs: &[Tensor]) -> Result<Vec<Option<Tensor>>> {
        let grad = scatter_add(inputs[0].shape(), self.positions.iter().copied(), g)?;
        Ok(vec![Some(grad), None])
    }
}

/// Validated int64 indices into a dimension of `size`.
fn indices(op: &str, idx: &Tensor, size: usize) -> Result<Vec<usize>> {
    if idx.dtype() != DType::I64 {
        bail!(Dtype, "{op}: indices must be int64, got {}", idx.dtype());
    }
    idx.to_vec_i64()?
        .into_iter()
        .map(|i| {
            let j = if i < 0 { i + size as i64 } else { i };
            if j < 0 || j >= size as i64 {
                bail!(
                    Index,
                    "{op}: index {i} is out of range for a dimension of size {size}"
                );
            }
            Ok(j as usize)
        })
        .collect()
}

/// Refuses tensor `i` of `op`'s list when its shape does not fit (`shape_ok`
/// false; `rule` says what fits) or its dtype differs from tensor 0's.
fn like_the_first(
    op: &str,
    tensors: &[Tensor],
    i: usize,
    shape_ok: bool,
    rule: impl std::fmt::Display,
) -> Result<()> {
    let (t, first) = (&tensors[i], &tensors[0]);
    if !shape_ok {
        bail!(
            Shape,
            "{op}: tensor {i} has shape {} but tensor 0 has {} ({rule})",
            fmt_shape(t.shape()),
            fmt_shape(first.shape())
        );
    }
    if t.dtype() != first.dtype() {
        bail!(
            Dtype,
            "{op}: tensor {i} is {} but tensor 0 is {}",
            t.dtype(),
            first.dtype()
        );
    }
    Ok(())
}

impl Tensor {
    /// Reorders dimensions (already validated); a view.
    pub(crate) fn permute_dims(&self, perm: &[usize]) -> Tensor {
        let out = self.view_with(self.layout().permute(perm));
        record(out, "PermuteBackward", &[self], || {
            PermuteBackward(perm.to_vec())
        })
    }

    /// Reorders dimensions: `dims` is a permutation of `0..ndim`; a view.
    pub fn permute(&self, dims: &[i64]) -> Result<Tensor> {
        if dims.len() != self.ndim() {
            bail!(
                Shape,
                "permute: needs {} dimensions for a tensor of shape {}, got {dims:?}",
                self.ndim(),
                fmt_shape(self.shape())
            );
        }
        let perm = normalize_dims("permute", dims, self.ndim())?;
        Ok(self.permute_dims(&perm))
    }

    /// `len` elements of dimension `dim` from `start`; a view.
    pub fn narrow(&self, dim: i64, start: i64, len: usize) -> Result<Tensor> {
        let d = normalize_dim("narrow", dim, self.ndim())?;
        if self.ndim() == 0 {
            bail!(Shape, "narrow: cannot narrow a 0-d tensor");
        }
        let size = self.shape()[d];
        let s = if start < 0 {
            start + size as i64
        } else {
            start
        };
        if s < 0 || s as usize + len > size {
            bail!(
                Index,
                "narrow: start {start} and length {len} do not fit dimension {d} of size {size} (shape {})",
                fmt_shape(self.shape())
            );
        }
        let out = self.view_with(self.layout().narrowed(d, s as usize, len));
        Ok(record(out, "NarrowBackward", &[self], || NarrowBackward {
            dim: d,
            start: s as usize,
        }))
    }

    /// Joins tensors along an existing dimension; all shapes must agree elsewhere.
    pub fn cat(tensors: &[Tensor], dim: i64) -> Result<Tensor> {
        let Some(first) = tensors.first() else {
            bail!(Arg, "cat: needs at least one tensor");
        };
        let d = normalize_dim("cat", dim, first.ndim())?;
        if first.ndim() == 0 {
            bail!(Shape, "cat: 0-d tensors cannot be concatenated; use stack");
        }
        let mut shape = first.shape().to_vec();
        shape[d] = 0;
        for (i, t) in tensors.iter().enumerate() {
            let ok = t.ndim() == first.ndim()
                && t.shape()
                    .iter()
                    .zip(first.shape())
                    .enumerate()
                    .all(|(k, (a, b))| k == d || a == b);
            let rule = format_args!("they may differ only in dimension {d}");
            like_the_first("cat", tensors, i, ok, rule)?;
            shape[d] += t.shape()[d];
        }
        let n = checked_numel("cat", &shape)?;
        // Each input, packed, gives every outer row one run of its elements.
        let outer: usize = shape[..d].iter().product();
        let packed = tensors
            .iter()
            .map(|t| t.contiguous())
            .collect::<Result<Vec<_>>>()?;
        let storage = Tensor::with_storages(&packed, |views| {
            let parts: Vec<(&Storage, std::ops::Range<usize>)> = views
                .iter()
                .map(|&(s, l)| (s, l.contiguous_range().expect("packed")))
                .collect();
            Storage::interleave("cat", &parts, outer)
        })?;
        debug_assert_eq!(storage.len(), n);
        let out = Tensor::from_storage(storage, &shape);
        let refs: Vec<&Tensor> = tensors.iter().collect();
        Ok(record(out, "CatBackward", &refs, || CatBackward(d)))
    }

    /// Joins same-shaped tensors along a new dimension `dim`.
    pub fn stack(tensors: &[Tensor], dim: i64) -> Result<Tensor> {
        let Some(first) = tensors.first() else {
            bail!(Arg, "stack: needs at least one tensor");
        };
        let d = normalize_dim("stack", dim, first.ndim() + 1)?;
        for (i, t) in tensors.iter().enumerate() {
            // The dtype is checked here too, not left to cat, so the message names stack.
            let same = t.shape() == first.shape();
            like_the_first("stack", tensors, i, same, "stack needs equal shapes")?;
        }
        let expanded = tensors
            .iter()
            .map(|t| t.unsqueeze(d as i64))
            .collect::<Result<Vec<_>>>()?;
        Tensor::cat(&expanded, d as i64)
    }

    /// The entries of `index` (1-D int64) along `dim`.
    pub fn index_select(&self, dim: i64, index: &Tensor) -> Result<Tensor> {
        let d = normalize_dim("indexSelect", dim, self.ndim())?;
        if index.ndim() > 1 {
            bail!(
                Shape,
                "indexSelect: the index must be 1-D, got shape {}",
                fmt_shape(index.shape())
            );
        }
        if self.ndim() == 0 {
            bail!(
                Shape,
                "indexSelect: needs a tensor of at least one dimension"
            );
        }
        let size = self.shape()[d];
        let idx = indices("indexSelect", index, size)?;
        let mut shape = self.shape().to_vec();
        shape[d] = idx.len();
        let n = checked_numel("indexSelect", &shape)?;
        // Output rows (outer, c, ..) are the input's rows (outer, idx[c], ..): whole
        // runs of `inner` packed elements (a batch of images is 64 row copies).
        let inner: usize = shape[d + 1..].iter().product();
        let outer: usize = shape[..d].iter().product();
        let row = |o: usize, i: usize| (o * size + i) * inner;
        let source = self.contiguous()?;
        let storage = source.with_storage(|s, l| {
            let base = l.offset();
            let runs = (0..outer).flat_map(|o| {
                idx.iter()
                    .map(move |&i| base + row(o, i)..base + row(o, i) + inner)
            });
            s.pick_runs("indexSelect", n, runs)
        })?;
        let out = Tensor::from_storage(storage, &shape);
        // The positions the backward scatters to are made only when recording.
        Ok(record(out, "IndexSelectBackward", &[self, index], || {
            SelectBackward {
                positions: (0..outer)
                    .flat_map(|o| idx.iter().flat_map(move |&i| row(o, i)..row(o, i) + inner))
                    .collect(),
            }
        }))
    }

    /// `out[..i..] = self[..index[..i..]..]` along `dim` (`torch.gather`): `index`
    /// has the same number of dimensions, and the output its shape.
    pub fn gather(&self, dim: i64, index: &Tensor) -> Result<Tensor> {
        let d = normalize_dim("gather", dim, self.ndim())?;
        if index.ndim() != self.ndim() {
            bail!(
                Shape,
                "gather: index of shape {} must have as many dimensions as the input {}",
                fmt_shape(index.shape()),
                fmt_shape(self.shape())
            );
        }
        for (k, (&a, &b)) in index.shape().iter().zip(self.shape()).enumerate() {
            if k != d && a > b {
                bail!(
                    Shape,
                    "gather: index of shape {} is larger than the input {} in dimension {k}",
                    fmt_shape(index.shape()),
                    fmt_shape(self.shape())
                );
            }
        }
        let size = if self.ndim() == 0 { 1 } else { self.shape()[d] };
        let idx = indices("gather", index, size)?;
        let shape = index.shape().to_vec();
        let n = idx.len();
        let in_strides = Layout::contiguous(self.shape()).strides().to_vec();
        let out_strides = Layout::contiguous(&shape).strides().to_vec();
        let positions: Vec<usize> = (0..n)
            .map(|flat| {
                let mut pos = 0;
                let mut rem = flat;
                for k in 0..shape.len() {
                    let c = rem / out_strides[k];
                    rem %= out_strides[k];
                    pos += if k == d { idx[flat] } else { c } * in_strides[k];
                }
                pos
            })
            .collect();
        self.select_positions("gather", "GatherBackward", &shape, n, positions, index)
    }

    /// The elements at row-major `positions` of `self`, shaped `shape`, with the
    /// scatter-add backward.
    fn select_positions(
        &self,
        op: &str,
        name: &'static str,
        shape: &[usize],
        n: usize,
        positions: Vec<usize>,
        index: &Tensor,
    ) -> Result<Tensor> {
        let source = self.contiguous()?;
        let storage = source.with_storage(|s, l| {
            let base = l.offset();
            s.pick(op, n, positions.iter().map(|&p| base + p))
        })?;
        let out = Tensor::from_storage(storage, shape);
        Ok(record(out, name, &[self, index], || SelectBackward {
            positions,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(v: &[f32], shape: &[usize]) -> Tensor {
        Tensor::from_vec(v.to_vec(), shape).unwrap()
    }

    fn idx(v: &[i64], shape: &[usize]) -> Tensor {
        Tensor::from_vec_i64(v.to_vec(), shape).unwrap()
    }

    #[test]
    fn permute_narrow_cat_stack() {
        let x = t(&[0.0, 1.0, 2.0, 3.0, 4.0, 5.0], &[2, 3]);
        assert_eq!(
            x.permute(&[1, 0]).unwrap().to_vec_f32().unwrap(),
            vec![0.0, 3.0, 1.0, 4.0, 2.0, 5.0]
        );
        assert_eq!(
            x.narrow(1, 1, 2).unwrap().to_vec_f32().unwrap(),
            vec![1.0, 2.0, 4.0, 5.0]
        );
        assert_eq!(x.narrow(1, 2, 2).unwrap_err().code, crate::ErrorCode::Index);
        let c = Tensor::cat(&[x.clone(), t(&[9.0, 9.0], &[2, 1])], 1).unwrap();
        assert_eq!(c.shape(), &[2, 4]);
        assert_eq!(
            c.to_vec_f32().unwrap(),
            vec![0.0, 1.0, 2.0, 9.0, 3.0, 4.0, 5.0, 9.0]
        );
        assert_eq!(
            Tensor::cat(&[x.clone(), t(&[1.0], &[1, 1])], 0)
                .unwrap_err()
                .code,
            crate::ErrorCode::Shape
        );
        let s = Tensor::stack(&[x.clone(), x.clone()], 1).unwrap();
        assert_eq!(s.shape(), &[2, 2, 3]);
        assert_eq!(s.to_vec_f32().unwrap()[..6], [0.0, 1.0, 2.0, 0.0, 1.0, 2.0]);
    }

    #[test]
    fn index_select_and_gather_pick_the_right_elements() {
        let x = t(&[0.0, 1.0, 2.0, 3.0, 4.0, 5.0], &[2, 3]);
        let rows = x.index_select(0, &idx(&[1, 1, 0], &[3])).unwrap();
        assert_eq!(rows.shape(), &[3, 3]);
        assert_eq!(
            rows.to_vec_f32().unwrap(),
            vec![3.0, 4.0, 5.0, 3.0, 4.0, 5.0, 0.0, 1.0, 2.0]
        );
        let cols = x.index_select(1, &idx(&[2, 0], &[2])).unwrap();
        assert_eq!(cols.to_vec_f32().unwrap(), vec![2.0, 0.0, 5.0, 3.0]);
        assert_eq!(
            x.index_select(1, &idx(&[3], &[1])).unwrap_err().code,
            crate::ErrorCode::Index
        );
        let g = x.gather(1, &idx(&[2, 0, 1, 1], &[2, 2])).unwrap();
        assert_eq!(g.to_vec_f32().unwrap(), vec![2.0, 0.0, 4.0, 4.0]);
        let g0 = x.gather(0, &idx(&[1, 0, 1], &[1, 3])).unwrap();
        assert_eq!(g0.to_vec_f32().unwrap(), vec![3.0, 1.0, 5.0]);
    }
}
