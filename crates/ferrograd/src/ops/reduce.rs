//! Reductions over any set of dimensions: `sum`, `mean`, `argmax`, and `sum_to`
//! (the gradient of broadcasting), each forward beside its backward.

use crate::autograd::{record, Backward};
use crate::kernels::elementwise;
use crate::kernels::layout::packed;
use crate::tensor::dtype::{with_elements, Element};
use crate::tensor::shape::{fmt_shape, normalize_dims};
use crate::tensor::{alloc, float_dispatch, DType, Float, Layout, Storage, Tensor};
use crate::{bail, Result};

/// Which dimensions a reduction removes, and the shapes around it.
struct Reduction {
    /// The input's layout permuted so kept dims come first and reduced dims last:
    /// each run of `group` consecutive elements then feeds one output.
    permuted: Layout,
    /// Kept dims first, reduced dims last.
    perm: Vec<usize>,
    group: usize,
    /// Output shape with the reduced dims kept as size 1.
    keep_shape: Vec<usize>,
    /// The packed elements as `outer x reduced x inner` in memory order (see
    /// [`packed_block`]): `(outer, inner, range)`.
    block: Option<(usize, usize, std::ops::Range<usize>)>,
    /// The input's layout.
    layout: Layout,
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
        let block = packed_block(x.layout(), &reduced);
        Ok(Reduction {
            block,
            layout: x.layout().clone(),
            permuted: x.layout().permute(&perm),
            perm,
            group: reduced.iter().map(|&d| shape[d]).product(),
            keep_shape,
            out_shape,
        })
    }

    fn outputs(&self) -> usize {
        self.keep_shape.iter().product()
    }

    /// Each group of elements, packed in order (borrowed when the permuted
    /// layout is packed already, gathered run by run otherwise), to `each`.
    fn groups<T: Copy + 'static, A>(&self, data: &[T], each: impl Fn(&[T]) -> A) -> Vec<A> {
        if self.group == 0 {
            return (0..self.outputs()).map(|_| each(&[])).collect();
        }
        packed("sum", data, &self.permuted)
            .expect("reduction: could not allocate its gather buffer")
            .chunks_exact(self.group)
            .map(each)
            .collect()
    }

    /// Folds each group of elements with `fold`, starting from `init`.
    fn fold<T: Copy + 'static, A: Copy>(
        &self,
        data: &[T],
        init: A,
        fold: impl Fn(A, T) -> A,
    ) -> Vec<A> {
        self.groups(data, |g| g.iter().fold(init, |a, &v| fold(a, v)))
    }

    /// Sum of each group of float elements.
    fn sum_float<T: Float>(&self, data: &[T]) -> Vec<T> {
        if self.outputs() == 1 {
            // Everything of a transposed or permuted packed tensor: the order
            // of the terms is free. A broadcast (stride-0) dim repeats the
            // same terms: summed once and multiplied.
            let (l, shape) = (&self.layout, self.layout.shape());
            let repeated = |d: usize| l.strides()[d] == 0 && shape[d] > 1;
            let once: Vec<usize> = (0..shape.len()).filter(|&d| !repeated(d)).collect();
            let times: usize = (0..shape.len())
                .filter(|&d| repeated(d))
                .map(|d| shape[d])
                .product();
            let distinct = Layout::strided(
                &once.iter().map(|&d| shape[d]).collect::<Vec<_>>(),
                &once.iter().map(|&d| l.strides()[d]).collect::<Vec<_>>(),
                l.offset(),
            );
            let sum = match distinct.dense_range() {
                Some(r) => elementwise::sum(&data[r]),
                None => elementwise::sum(
                    &packed("sum", data, &distinct)
                        .expect("sum: could not allocate its gather buffer"),
                ),
            };
            return vec![if times > 1 {
                sum * T::of(times as f64)
            } else {
                sum
            }];
        }
        if self.group == 0 {
            return vec![T::ZERO; self.outputs()];
        }
        if let Some((outer, inner, r)) = self.block.clone() {
            // Adjacent dims in memory order: each outer slice's column sums,
            // or its row sums when nothing is kept inside.
            if inner == 1 {
                return elementwise::row_sums(&data[r], self.group);
            }
            return data[r]
                .chunks_exact(self.group * inner)
                .take(outer)
                .flat_map(|part| column_sums(part, inner))
                .collect();
        }
        elementwise::row_sums(
            &packed("sum", data, &self.permuted)
                .expect("sum: could not allocate its gather buffer"),
            self.group,
        )
    }
}

/// The input as `outer x reduced x inner` packed elements in memory order, when
/// it is packed in some order of its dims (contiguous, transposed, permuted),
/// the reduced dims are adjacent in that order, and the kept ones come in it as
/// they do in the output (`sum(1)` of `[A, B, C]`, or of a transposed matrix):
/// `(outer, inner, range)`. Size-1 dims are left out: they change no order.
fn packed_block(
    layout: &Layout,
    reduced: &[usize],
) -> Option<(usize, usize, std::ops::Range<usize>)> {
    let range = layout.dense_range()?;
    let (shape, strides) = (layout.shape(), layout.strides());
    let mut order: Vec<usize> = (0..shape.len()).filter(|&d| shape[d] != 1).collect();
    order.sort_by_key(|&d| std::cmp::Reverse(strides[d]));
    let at: Vec<usize> = (0..order.len())
        .filter(|&i| reduced.contains(&order[i]))
        .collect();
    let (&first, &last) = (at.first()?, at.last()?);
    let kept: Vec<usize> = order
        .iter()
        .copied()
        .filter(|d| !reduced.contains(d))
        .collect();
    if last - first + 1 != at.len() || kept.windows(2).any(|w| w[0] > w[1]) {
        return None;
    }
    let size = |dims: &[usize]| dims.iter().map(|&d| shape[d]).product();
    Some((size(&order[..first]), size(&order[last + 1..]), range))
}

/// Sums of the columns of the packed `rows x cols` matrix `data`, row after row
/// (contiguous, vectorised adds rather than a strided walk per column). Blocks of
/// rows are summed apart and then added, so long columns keep their precision.
fn column_sums<T: Float>(data: &[T], cols: usize) -> Vec<T> {
    const BLOCK: usize = 256;
    let mut total = vec![T::ZERO; cols];
    if cols == 0 {
        return total;
    }
    let mut part = vec![T::ZERO; cols];
    for block in data.chunks(BLOCK * cols) {
        part.fill(T::ZERO);
        for row in block.chunks_exact(cols) {
            part.iter_mut().zip(row).for_each(|(p, &v)| *p = *p + v);
        }
        total.iter_mut().zip(&part).for_each(|(t, &p)| *t = *t + p);
    }
    total
}

/// Index of the largest (or smallest) of `values`: the first one on ties, and a
/// NaN counts as the extreme (the first NaN), as in PyTorch.
fn best_in(values: impl Iterator<Item = f64>, largest: bool) -> usize {
    let (mut bi, mut best) = (0, f64::NAN);
    for (i, v) in values.enumerate() {
        if i == 0 {
            best = v;
            if v.is_nan() {
                return 0;
            }
            continue;
        }
        if v.is_nan() {
            return i;
        }
        if (largest && v > best) || (!largest && v < best) {
            bi = i;
            best = v;
        }
    }
    bi
}

/// The gradient routes of `max()`/`min()` over everything: shared evenly by every
/// element equal to the extreme `m` (NaN matching NaN), as PyTorch does.
fn tie_targets(x: &Tensor, m: f64) -> Vec<(usize, usize, f64)> {
    let all = x.to_vec_f64();
    let ties: Vec<usize> = (0..all.len())
        .filter(|&i| all[i] == m || (all[i].is_nan() && m.is_nan()))
        .collect();
    let share = 1.0 / ties.len().max(1) as f64;
    ties.into_iter().map(|p| (0, p, share)).collect()
}

/// What `extremum` found per output element.
struct Extremum {
    values: Vec<f64>,
    /// Index along the reduced dim.
    index: Vec<i64>,
    /// Row-major position in the input.
    position: Vec<usize>,
    out_shape: Vec<usize>,
}

impl Extremum {
    /// Indices along the dim, or flat positions when the whole tensor was reduced.
    fn index_or_position(&self, dim: Option<i64>) -> Vec<i64> {
        match dim {
            Some(_) => self.index.clone(),
            None => self.position.iter().map(|&p| p as i64).collect(),
        }
    }
}

/// Routes each output's gradient to chosen input positions: `(output, input, share)`.
struct ExtremumBackward {
    targets: Vec<(usize, usize, f64)>,
}

impl Backward for ExtremumBackward {
    fn backward(&self, g: &Tensor, inputs: &[Tensor]) -> Result<Vec<Option<Tensor>>> {
        let x = &inputs[0];
        let grad = float_dispatch!(x.dtype(), "max", T => {
            let g = g.to_vec_f64();
            let mut grad = alloc::filled("max", x.numel(), T::ZERO)?;
            for &(k, p, share) in &self.targets {
                grad[p] += T::of(g[k] * share);
            }
            T::storage(grad)
        });
        Ok(vec![Some(Tensor::from_storage(grad, x.shape()))])
    }
}

struct SumBackward {
    keep_shape: Vec<usize>,
    scale: f64,
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
            Storage::F32(d) => Storage::F32(red.sum_float(d)),
            Storage::F64(d) => Storage::F64(red.sum_float(d)),
            // Integers and bools sum to int64, as in PyTorch.
            other => Storage::I64(with_elements!(other, |d| red
                .fold(d, 0i64, |a, v| a.wrapping_add(v.to_i64())))),
        });
        let out = Tensor::from_storage(out, &red.out_shape);
        Ok(record(out, "SumBackward", &[self], || SumBackward {
            keep_shape: red.keep_shape,
            scale: 1.0,
        }))
    }

    /// Mean over `dims` (all when `None`) of a float tensor.
    pub fn mean(&self, dims: Option<&[i64]>, keepdim: bool) -> Result<Tensor> {
        let red = Reduction::new("mean", self, dims, keepdim)?;
        let out = float_dispatch!(self.dtype(), "mean", T => {
            let count = T::of(red.group as f64);
            let sums = self.with_data("mean", |d: &[T], _| red.sum_float(d))?;
            // Divide rather than multiply by 1/n: PyTorch's CPU mean is sum / n, and
            // the two round differently.
            T::storage(sums.into_iter().map(|s| s / count).collect())
        });
        let out = Tensor::from_storage(out, &red.out_shape);
        let scale = 1.0 / red.group as f64;
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

    /// The largest (or smallest) element of each reduced group: its value, its
    /// index along the reduced dim, and its row-major position in `self`. The first
    /// one wins ties; NaN counts as the extreme, as in PyTorch.
    fn extremum(
        &self,
        op: &str,
        dim: Option<i64>,
        keepdim: bool,
        largest: bool,
    ) -> Result<Extremum> {
        let dims = dim.map(|d| vec![d]);
        let red = Reduction::new(op, self, dims.as_deref(), keepdim && dim.is_some())?;
        if red.group == 0 {
            bail!(
                Shape,
                "{op}: cannot reduce an empty dimension (shape {})",
                fmt_shape(self.shape())
            );
        }
        let group = red.group;
        let outputs = red.outputs();
        // The best element of each group, scanned in the element type (no copy of
        // the tensor): packed groups as slices, others through the permuted layout.
        let best = self.with_storage(|s, _| {
            with_elements!(s, |d| {
                let mut best = Vec::with_capacity(outputs);
                match red.permuted.contiguous_range() {
                    Some(r) => best.extend(d[r].chunks_exact(group).map(|row| {
                        let i = best_in(row.iter().map(|v| v.to_f64()), largest);
                        (row[i].to_f64(), i)
                    })),
                    None => {
                        // One buffer for every group's values, not one per group.
                        let mut it = red.permuted.indices();
                        let mut row = Vec::with_capacity(group);
                        for _ in 0..outputs {
                            row.clear();
                            row.extend(it.by_ref().take(group).map(|i| d[i].to_f64()));
                            let i = best_in(row.iter().copied(), largest);
                            best.push((row[i], i));
                        }
                    }
                }
                best
            })
        });
        // Row-major position in `self` of element `k * group + i` of the permuted order.
        let logical = Layout::contiguous(self.shape()).permute(&red.perm);
        let position = |flat: usize| {
            let (mut rest, mut pos) = (flat, 0);
            for (&size, &stride) in logical.shape().iter().zip(logical.strides()).rev() {
                pos += (rest % size) * stride;
                rest /= size;
            }
            pos
        };
        let out = Extremum {
            values: best.iter().map(|&(v, _)| v).collect(),
            index: best.iter().map(|&(_, i)| i as i64).collect(),
            position: best
                .iter()
                .enumerate()
                .map(|(k, &(_, i))| position(k * group + i))
                .collect(),
            out_shape: red.out_shape.clone(),
        };
        Ok(out)
    }

    /// Index of the largest element along `dim` (of the flattened tensor when
    /// `None`), as int64; the first one on ties, and NaN counts as largest.
    pub fn argmax(&self, dim: Option<i64>, keepdim: bool) -> Result<Tensor> {
        let e = self.extremum("argmax", dim, keepdim, true)?;
        Ok(Tensor::from_storage(
            Storage::I64(e.index_or_position(dim)),
            &e.out_shape,
        ))
    }

    /// Index of the smallest element along `dim` (of the flattened tensor when `None`).
    pub fn argmin(&self, dim: Option<i64>, keepdim: bool) -> Result<Tensor> {
        let e = self.extremum("argmin", dim, keepdim, false)?;
        Ok(Tensor::from_storage(
            Storage::I64(e.index_or_position(dim)),
            &e.out_shape,
        ))
    }

    fn extreme_values(
        &self,
        op: &str,
        dim: Option<i64>,
        keepdim: bool,
        largest: bool,
    ) -> Result<(Tensor, Tensor)> {
        let e = self.extremum(op, dim, keepdim, largest)?;
        let n = e.values.len();
        let values = Storage::F64(e.values.clone()).convert(op, n, 0..n, self.dtype())?;
        let indices = Tensor::from_storage(Storage::I64(e.index.clone()), &e.out_shape);
        let values = Tensor::from_storage(values, &e.out_shape);
        let name = if largest {
            "MaxBackward"
        } else {
            "MinBackward"
        };
        // Along a dim the gradient goes to the chosen element; over everything it is
        // shared evenly by all elements equal to the extreme, as PyTorch does. Found
        // only when a graph is recorded.
        let targets = || -> Vec<(usize, usize, f64)> {
            match dim {
                Some(_) => e
                    .position
                    .iter()
                    .enumerate()
                    .map(|(k, &p)| (k, p, 1.0))
                    .collect(),
                None => tie_targets(self, e.values[0]),
            }
        };
        let values = record(values, name, &[self], || ExtremumBackward {
            targets: targets(),
        });
        Ok((values, indices))
    }

    /// The largest value along `dim` and its index (`torch.max(x, dim)`).
    pub fn max_dim(&self, dim: i64, keepdim: bool) -> Result<(Tensor, Tensor)> {
        self.extreme_values("max", Some(dim), keepdim, true)
    }

    /// The smallest value along `dim` and its index (`torch.min(x, dim)`).
    pub fn min_dim(&self, dim: i64, keepdim: bool) -> Result<(Tensor, Tensor)> {
        self.extreme_values("min", Some(dim), keepdim, false)
    }

    /// The largest element, as a 0-d tensor.
    pub fn max_all(&self) -> Result<Tensor> {
        self.extreme_all("max", true)
    }

    /// The smallest element, as a 0-d tensor.
    pub fn min_all(&self) -> Result<Tensor> {
        self.extreme_all("min", false)
    }

    /// `max()` or `min()` over everything: a packed float tensor in one vectorised
    /// pass (no index is needed), any other through [`Tensor::extreme_values`].
    fn extreme_all(&self, op: &str, largest: bool) -> Result<Tensor> {
        let fast = self.dtype().is_float() && self.is_contiguous() && self.numel() > 0;
        if !fast {
            return Ok(self.extreme_values(op, None, false, largest)?.0);
        }
        let value = float_dispatch!(self.dtype(), op, T => {
            let v = self.with_data(op, |d: &[T], l| {
                elementwise::extreme(&d[l.contiguous_range().expect("packed")], largest)
            })?;
            T::storage(vec![v.expect("not empty")])
        });
        let out = Tensor::from_storage(value, &[]);
        let m = out.item()?;
        let name = if largest {
            "MaxBackward"
        } else {
            "MinBackward"
        };
        // The gradient is shared evenly by every element equal to the extreme.
        Ok(record(out, name, &[self], || ExtremumBackward {
            targets: tie_targets(self, m),
        }))
    }

    /// Variance over `dims` (all when `None`) with Bessel's `correction` (1 gives
    /// the unbiased estimate, PyTorch's default).
    pub fn var(&self, dims: Option<&[i64]>, correction: f64, keepdim: bool) -> Result<Tensor> {
        self.variance("var", dims, correction, keepdim)
    }

    /// Standard deviation: `sqrt(var)`.
    pub fn std(&self, dims: Option<&[i64]>, correction: f64, keepdim: bool) -> Result<Tensor> {
        self.variance("std", dims, correction, keepdim)?.sqrt()
    }

    /// `var` with errors naming `op`.
    fn variance(
        &self,
        op: &str,
        dims: Option<&[i64]>,
        correction: f64,
        keepdim: bool,
    ) -> Result<Tensor> {
        let red = Reduction::new(op, self, dims, keepdim)?;
        if !matches!(self.dtype(), DType::F32 | DType::F64) {
            bail!(
                Dtype,
                "{op}: expected a float32 or float64 tensor, got {}",
                self.dtype()
            );
        }
        if !(correction.is_finite() && correction >= 0.0) {
            bail!(
                Arg,
                "{op}: correction must be a number >= 0, got {correction}"
            );
        }
        let centered = self.sub(&self.mean(dims, true)?)?;
        let squares = centered.mul(&centered)?.sum(dims, keepdim)?;
        // As PyTorch, the divisor is max(0, n - correction): a correction of n or more
        // gives inf (or NaN for no spread), never a negative variance.
        squares.div_scalar((red.group as f64 - correction).max(0.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(v: &[f32], shape: &[usize]) -> Tensor {
        Tensor::from_vec(v.to_vec(), shape).unwrap()
    }

    #[test]
    fn max_and_min_over_everything_take_nan_and_share_ties() {
        // 37 elements: sixteen-lane chunks and a remainder, the extreme in each.
        for at in [3, 20, 36] {
            let mut v: Vec<f32> = (0..37).map(|i| (i as f32 * 0.7).sin()).collect();
            v[at] = 5.0;
            let x = t(&v, &[37]);
            assert_eq!(x.max_all().unwrap().item().unwrap(), 5.0);
            v[at] = -5.0;
            assert_eq!(t(&v, &[37]).min_all().unwrap().item().unwrap(), -5.0);
            v[at] = f32::NAN;
            assert!(t(&v, &[37]).max_all().unwrap().item().unwrap().is_nan());
            assert!(t(&v, &[37]).min_all().unwrap().item().unwrap().is_nan());
        }
        let x = t(&[1.0, 4.0, 4.0, 2.0], &[2, 2]);
        x.set_requires_grad(true).unwrap();
        crate::autograd::backward(&x.max_all().unwrap(), None, false).unwrap();
        assert_eq!(
            x.grad().unwrap().to_vec_f32().unwrap(),
            vec![0.0, 0.5, 0.5, 0.0]
        );
        // A transposed view goes the general way, to the same answer.
        assert_eq!(x.t().unwrap().max_all().unwrap().item().unwrap(), 4.0);
        assert_eq!(
            t(&[], &[0]).max_all().unwrap_err().code,
            crate::ErrorCode::Shape
        );
    }

    #[test]
    fn leading_dims_sum_as_the_strided_walk_does() {
        // 600 rows span three blocks of `column_sums`; small integers sum exactly
        // in any order, so the packed and the transposed (strided) paths must agree.
        let (rows, cols) = (600, 7);
        let v: Vec<f32> = (0..rows * cols).map(|i| (i % 13) as f32 - 6.0).collect();
        let x = t(&v, &[3, rows / 3, cols]);
        let packed = x.sum(Some(&[0, 1]), false).unwrap();
        let strided = x
            .reshape(&[rows as i64, cols as i64])
            .unwrap()
            .t()
            .unwrap()
            .sum(Some(&[1]), false)
            .unwrap();
        assert_eq!(packed.shape(), &[cols]);
        assert_eq!(packed.to_vec_f32().unwrap(), strided.to_vec_f32().unwrap());
        let empty = Tensor::zeros(&[4, 0])
            .unwrap()
            .sum(Some(&[0]), false)
            .unwrap();
        assert_eq!(empty.shape(), &[0]);
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
        assert_eq!(
            x.argmin(Some(1), false).unwrap().to_vec_i64().unwrap(),
            vec![0, 1]
        );
        let (v, i) = x.max_dim(0, false).unwrap();
        assert_eq!(
            (v.to_vec_f32().unwrap(), i.to_vec_i64().unwrap()),
            (vec![7.0, 9.0, 9.0], vec![1, 0, 0])
        );
        assert_eq!(x.min_all().unwrap().item().unwrap(), 1.0);
        assert_eq!(
            Tensor::zeros(&[0]).unwrap().max_all().unwrap_err().code,
            crate::ErrorCode::Shape
        );
    }

    #[test]
    fn var_and_std_use_bessel_correction() {
        let x = t(&[1.0, 2.0, 3.0, 4.0], &[4]);
        assert!((x.var(None, 1.0, false).unwrap().item().unwrap() - 5.0 / 3.0).abs() < 1e-6);
        assert!((x.var(None, 0.0, false).unwrap().item().unwrap() - 1.25).abs() < 1e-6);
        assert!(
            (x.std(None, 1.0, false).unwrap().item().unwrap() - (5.0f64 / 3.0).sqrt()).abs() < 1e-6
        );
    }

    #[test]
    fn a_correction_beyond_the_count_gives_inf_or_nan_not_a_negative_variance() {
        let x = t(&[1.0, 2.0], &[2]);
        assert_eq!(
            x.var(None, 10.0, false).unwrap().item().unwrap(),
            f64::INFINITY
        );
        assert_eq!(
            x.std(None, 3.0, false).unwrap().item().unwrap(),
            f64::INFINITY
        );
        let flat = t(&[1.0, 1.0], &[2]);
        assert!(flat.var(None, 5.0, false).unwrap().item().unwrap().is_nan());
        let err = x.std(None, -1.0, false).unwrap_err();
        assert!(err.message.starts_with("std:"), "{}", err.message);
    }
}
