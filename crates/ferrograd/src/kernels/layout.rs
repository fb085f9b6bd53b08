//! Where a tensor's elements sit in its storage: shape, strides (in elements) and a
//! start offset, as candle's `Layout` and PyTorch's strided tensors. Views
//! (transpose, expand, reshape of contiguous data) only make a new `Layout`.

use crate::{bail, Result};

/// Formats a shape as PyTorch prints it: `[2, 3]`.
pub fn fmt_shape(shape: &[usize]) -> String {
    format!("{shape:?}")
}

/// Shape, strides and offset of a tensor over its storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    shape: Vec<usize>,
    strides: Vec<usize>,
    offset: usize,
}

impl Layout {
    /// A row-major contiguous layout of `shape` starting at element 0.
    pub fn contiguous(shape: &[usize]) -> Self {
        Layout {
            shape: shape.to_vec(),
            strides: contiguous_strides(shape),
            offset: 0,
        }
    }

    /// A layout from explicit strides; callers guarantee they stay in the storage.
    pub(crate) fn strided(shape: &[usize], strides: &[usize], offset: usize) -> Self {
        Layout {
            shape: shape.to_vec(),
            strides: strides.to_vec(),
            offset,
        }
    }

    /// The dimensions.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// Element strides per dimension.
    pub fn strides(&self) -> &[usize] {
        &self.strides
    }

    /// Index of the first element in the storage.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// Number of dimensions.
    pub fn ndim(&self) -> usize {
        self.shape.len()
    }

    /// Number of elements.
    pub fn numel(&self) -> usize {
        self.shape.iter().product()
    }

    /// True when the elements are row-major and packed (size-1 dims may have any stride).
    pub fn is_contiguous(&self) -> bool {
        let mut expected = 1;
        for (&d, &s) in self.shape.iter().zip(&self.strides).rev() {
            if d != 1 && s != expected {
                return false;
            }
            expected *= d;
        }
        true
    }

    /// The packed block of storage this layout covers in some order of its
    /// dimensions (a transposed or permuted packed tensor, or a packed one):
    /// every element of the range once. Elementwise maps can then run over the
    /// range in memory order, and whole reductions ignore the order.
    pub fn dense_range(&self) -> Option<std::ops::Range<usize>> {
        let mut dims: Vec<(usize, usize)> = self
            .strides
            .iter()
            .zip(&self.shape)
            .filter(|(_, &d)| d != 1)
            .map(|(&s, &d)| (s, d))
            .collect();
        dims.sort_unstable();
        let mut expected = 1;
        for (s, d) in dims {
            if s != expected {
                return None;
            }
            expected *= d;
        }
        Some(self.offset..self.offset + self.numel())
    }

    /// The range of storage this layout covers when it is contiguous.
    pub fn contiguous_range(&self) -> Option<std::ops::Range<usize>> {
        self.is_contiguous()
            .then(|| self.offset..self.offset + self.numel())
    }

    /// Swaps two dimensions (no data moves).
    pub fn transpose(&self, d0: usize, d1: usize) -> Layout {
        let mut l = self.clone();
        l.shape.swap(d0, d1);
        l.strides.swap(d0, d1);
        l
    }

    /// Reorders dimensions (no data moves). `perm` must be a permutation of `0..ndim`.
    pub fn permute(&self, perm: &[usize]) -> Layout {
        Layout {
            shape: perm.iter().map(|&p| self.shape[p]).collect(),
            strides: perm.iter().map(|&p| self.strides[p]).collect(),
            offset: self.offset,
        }
    }

    /// `len` elements of dimension `dim` starting at `start` (no data moves).
    pub fn narrowed(&self, dim: usize, start: usize, len: usize) -> Layout {
        let mut l = self.clone();
        l.offset += start * l.strides[dim];
        l.shape[dim] = len;
        l
    }

    /// Broadcasts to `shape` by giving repeated dimensions stride 0.
    pub fn broadcast_to(&self, op: &str, shape: &[usize]) -> Result<Layout> {
        if shape.len() < self.ndim() {
            bail!(
                Shape,
                "{op}: cannot expand shape {} to {} (fewer dimensions)",
                fmt_shape(&self.shape),
                fmt_shape(shape)
            );
        }
        let lead = shape.len() - self.ndim();
        let mut strides = vec![0; shape.len()];
        for (i, &target) in shape.iter().enumerate() {
            if i < lead {
                continue;
            }
            let (d, s) = (self.shape[i - lead], self.strides[i - lead]);
            strides[i] = if d == target {
                s
            } else if d == 1 {
                0
            } else {
                bail!(
                    Shape,
                    "{op}: cannot expand shape {} to {} (dimension {i}: {d} vs {target})",
                    fmt_shape(&self.shape),
                    fmt_shape(shape)
                );
            };
        }
        Ok(Layout {
            shape: shape.to_vec(),
            strides,
            offset: self.offset,
        })
    }

    /// Same elements under a new shape; only for contiguous layouts.
    pub fn reshaped(&self, shape: &[usize]) -> Option<Layout> {
        self.is_contiguous().then(|| Layout {
            shape: shape.to_vec(),
            strides: contiguous_strides(shape),
            offset: self.offset,
        })
    }

    /// Storage index of every element, in row-major order of this layout.
    pub fn indices(&self) -> StridedIndex<'_> {
        StridedIndex::new(self)
    }
}

/// `shape` with adjacent dimensions merged wherever every operand (one stride
/// list each) walks them as one, and size-1 dimensions dropped: the fewest and
/// longest runs for a loop over them all. At least one dimension is left.
pub fn merge_dims<const K: usize>(
    shape: &[usize],
    strides: [&[usize]; K],
) -> (Vec<usize>, [Vec<usize>; K]) {
    let mut merged = Vec::with_capacity(shape.len());
    let mut steps: [Vec<usize>; K] = std::array::from_fn(|_| Vec::with_capacity(shape.len()));
    for d in 0..shape.len() {
        if shape[d] == 1 {
            continue;
        }
        if let Some(last) = merged.len().checked_sub(1) {
            if (0..K).all(|k| steps[k][last] == strides[k][d] * shape[d]) {
                merged[last] *= shape[d];
                (0..K).for_each(|k| steps[k][last] = strides[k][d]);
                continue;
            }
        }
        merged.push(shape[d]);
        (0..K).for_each(|k| steps[k].push(strides[k][d]));
    }
    if merged.is_empty() {
        merged.push(1);
        steps.iter_mut().for_each(|s| s.push(0));
    }
    (merged, steps)
}

/// Calls `f(starts, len, steps)` for each run along the innermost merged
/// dimension of `K` operands of one `shape` (strides and start offsets one per
/// operand), in row-major order: elements `starts[k] + j * steps[k]` for `j` in
/// `0..len`. Loops over the runs can then be vectorised, and a broadcast operand
/// shows as a step of 0.
pub fn for_each_run<const K: usize>(
    shape: &[usize],
    strides: [&[usize]; K],
    offsets: [usize; K],
    mut f: impl FnMut([usize; K], usize, [usize; K]),
) {
    if shape.contains(&0) {
        return;
    }
    let (merged, steps) = merge_dims(shape, strides);
    let inner = merged.len() - 1;
    let (len, step) = (merged[inner], std::array::from_fn(|k| steps[k][inner]));
    let mut counter = vec![0; inner];
    let mut at = offsets;
    loop {
        f(at, len, step);
        // The odometer over the outer dimensions.
        let mut d = inner;
        loop {
            if d == 0 {
                return;
            }
            d -= 1;
            counter[d] += 1;
            (0..K).for_each(|k| at[k] += steps[k][d]);
            if counter[d] < merged[d] {
                break;
            }
            (0..K).for_each(|k| at[k] -= steps[k][d] * merged[d]);
            counter[d] = 0;
        }
    }
}

/// The elements of `layout` over `data` in row-major order: borrowed when the
/// layout is packed, gathered by [`gather_into`] into a fallibly allocated
/// buffer otherwise (`ERR_ALLOC` naming `op`).
pub fn packed<'a, T: Copy + 'static>(
    op: &str,
    data: &'a [T],
    layout: &Layout,
) -> Result<std::borrow::Cow<'a, [T]>> {
    Ok(match layout.contiguous_range() {
        Some(r) => std::borrow::Cow::Borrowed(&data[r]),
        None => {
            let mut out = super::alloc::with_capacity(op, layout.numel())?;
            gather_into(data, layout, &mut out);
            std::borrow::Cow::Owned(out)
        }
    })
}

/// Appends the elements of `layout` over `data` to `out` in row-major order,
/// run by run along the innermost merged dimension: packed runs at memcpy
/// speed, a transpose of the last two dims by cache-sized tiles, others by a
/// strided loop, with no per-element odometer.
pub fn gather_into<T: Copy>(data: &[T], layout: &Layout, out: &mut Vec<T>) {
    let n = layout.numel();
    let (merged, [steps]) = merge_dims(layout.shape(), [layout.strides()]);
    let k = merged.len();
    if n > 0 && k >= 2 && steps[k - 2] == 1 && steps[k - 1] != 1 {
        let (rows, cols) = (merged[k - 2], merged[k - 1]);
        let start = out.len();
        out.resize(start + n, data[layout.offset()]);
        let plane = Layout::strided(&merged[..k - 2], &steps[..k - 2], layout.offset());
        for (p, base) in plane.indices().enumerate() {
            let at = start + p * rows * cols;
            transpose_tiles(
                data,
                base,
                steps[k - 1],
                &mut out[at..at + rows * cols],
                rows,
                cols,
            );
        }
        return;
    }
    for_each_run(
        layout.shape(),
        [layout.strides()],
        [layout.offset()],
        |[o], len, [step]| match step {
            1 => out.extend_from_slice(&data[o..o + len]),
            0 => out.extend(std::iter::repeat_n(data[o], len)),
            _ => out.extend((0..len).map(|j| data[o + j * step])),
        },
    );
}

/// `out[i * cols + j] = src[base + i + j * col_step]` for a `rows x cols` block
/// whose rows are packed in `src` (a transposed view), by 16x16 tiles gathered in
/// a local buffer: each source and destination line is touched once per tile,
/// whatever the strides (a power-of-two stride would otherwise map a whole tile
/// column to one cache set).
fn transpose_tiles<T: Copy>(
    src: &[T],
    base: usize,
    col_step: usize,
    out: &mut [T],
    rows: usize,
    cols: usize,
) {
    const TILE: usize = 16;
    let Some(&fill) = src.get(base) else { return };
    let mut buf = [[fill; TILE]; TILE];
    for i0 in (0..rows).step_by(TILE) {
        let ih = (rows - i0).min(TILE);
        for j0 in (0..cols).step_by(TILE) {
            let jw = (cols - j0).min(TILE);
            for (jj, line) in buf.iter_mut().enumerate().take(jw) {
                let from = base + i0 + (j0 + jj) * col_step;
                line[..ih].copy_from_slice(&src[from..from + ih]);
            }
            for ii in 0..ih {
                let row = &mut out[(i0 + ii) * cols + j0..(i0 + ii) * cols + j0 + jw];
                for (jj, o) in row.iter_mut().enumerate() {
                    *o = buf[jj][ii];
                }
            }
        }
    }
}

/// Row-major strides of a packed tensor of `shape`.
pub fn contiguous_strides(shape: &[usize]) -> Vec<usize> {
    let mut strides = vec![0; shape.len()];
    let mut acc = 1;
    for i in (0..shape.len()).rev() {
        strides[i] = acc;
        acc *= shape[i];
    }
    strides
}

/// Iterates the storage indices of a strided layout in row-major order, carrying
/// a multi-index the way an odometer does, so no division happens per element.
pub struct StridedIndex<'a> {
    layout: &'a Layout,
    counter: Vec<usize>,
    next: Option<usize>,
    remaining: usize,
}

impl<'a> StridedIndex<'a> {
    fn new(layout: &'a Layout) -> Self {
        let remaining = layout.numel();
        StridedIndex {
            layout,
            counter: vec![0; layout.ndim()],
            next: (remaining > 0).then_some(layout.offset),
            remaining,
        }
    }
}

impl Iterator for StridedIndex<'_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        let current = self.next?;
        self.remaining -= 1;
        let mut idx = current;
        let mut advanced = false;
        for d in (0..self.counter.len()).rev() {
            let (size, stride) = (self.layout.shape[d], self.layout.strides[d]);
            if self.counter[d] + 1 < size {
                self.counter[d] += 1;
                idx += stride;
                advanced = true;
                break;
            }
            idx -= self.counter[d] * stride;
            self.counter[d] = 0;
        }
        self.next = advanced.then_some(idx);
        Some(current)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl ExactSizeIterator for StridedIndex<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_cover_every_element_in_row_major_order() {
        // Operands of one shape in several layouts: transposed, broadcast along a
        // middle dim, narrowed, packed; the runs must visit what indices() visits.
        let base = Layout::contiguous(&[3, 4, 5]);
        let layouts = [
            base.clone(),
            base.permute(&[2, 0, 1]).permute(&[1, 2, 0]),
            Layout::contiguous(&[3, 1, 5])
                .broadcast_to("t", &[3, 4, 5])
                .unwrap(),
            Layout::contiguous(&[3, 4, 7]).narrowed(2, 1, 5),
            Layout::contiguous(&[5, 4, 3]).permute(&[2, 1, 0]),
            Layout::contiguous(&[])
                .broadcast_to("t", &[3, 4, 5])
                .unwrap(),
        ];
        for a in &layouts {
            for b in &layouts {
                let mut got = Vec::new();
                for_each_run(
                    a.shape(),
                    [a.strides(), b.strides()],
                    [a.offset(), b.offset()],
                    |[oa, ob], len, [sa, sb]| {
                        got.extend((0..len).map(|j| (oa + j * sa, ob + j * sb)))
                    },
                );
                let want: Vec<_> = a.indices().zip(b.indices()).collect();
                assert_eq!(got, want);
            }
        }
        let mut runs = 0;
        for_each_run(&[2, 0, 3], [&[3, 3, 1]], [0], |_, _, _| runs += 1);
        assert_eq!(runs, 0);
        let mut one = Vec::new();
        for_each_run(&[], [&[]], [7], |[o], len, _| one.push((o, len)));
        assert_eq!(one, vec![(7, 1)]);
    }

    #[test]
    fn strided_index_walks_a_transpose() {
        let l = Layout::contiguous(&[2, 3]).transpose(0, 1);
        assert_eq!(l.indices().collect::<Vec<_>>(), vec![0, 3, 1, 4, 2, 5]);
        assert!(!l.is_contiguous());
    }

    #[test]
    fn broadcast_gives_zero_strides() {
        let l = Layout::contiguous(&[3]).broadcast_to("t", &[2, 3]).unwrap();
        assert_eq!(l.strides(), &[0, 1]);
        assert_eq!(l.indices().collect::<Vec<_>>(), vec![0, 1, 2, 0, 1, 2]);
        assert!(Layout::contiguous(&[2]).broadcast_to("t", &[3]).is_err());
    }

    #[test]
    fn empty_and_scalar_layouts() {
        assert_eq!(Layout::contiguous(&[0, 4]).indices().count(), 0);
        assert_eq!(
            Layout::contiguous(&[]).indices().collect::<Vec<_>>(),
            vec![0]
        );
    }
}
