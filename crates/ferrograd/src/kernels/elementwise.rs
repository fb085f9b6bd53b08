//! Elementwise loops over strided operands. Contiguous operands take straight loops
//! the compiler vectorises; broadcast and strided ones fall back to index walks.
//! (Runtime-dispatched SIMD versions replace these behind the same signatures.)

use crate::tensor::{alloc, Layout};
use crate::Result;

/// `f` applied to every element of a strided operand, row-major.
pub fn map(op: &str, src: &[f32], layout: &Layout, f: impl Fn(f32) -> f32) -> Result<Vec<f32>> {
    let n = layout.numel();
    match layout.contiguous_range() {
        Some(r) => alloc::collect(op, n, src[r].iter().map(|&x| f(x))),
        None => alloc::collect(op, n, layout.indices().map(|i| f(src[i]))),
    }
}

/// Length of the packed trailing block of `layout` that repeats over its leading
/// dimensions with stride 0 (a bias row broadcast over a batch), if it has that form.
fn repeated_block(layout: &Layout) -> Option<usize> {
    let (shape, strides) = (layout.shape(), layout.strides());
    let mut i = shape.len();
    let mut block = 1;
    while i > 0 && (strides[i - 1] == block || shape[i - 1] == 1) {
        block *= shape[i - 1];
        i -= 1;
    }
    (0..i)
        .all(|d| strides[d] == 0 || shape[d] == 1)
        .then_some(block)
}

/// `f(a, b)` for every element of two operands already broadcast to one shape.
pub fn zip(
    op: &str,
    a: &[f32],
    la: &Layout,
    b: &[f32],
    lb: &Layout,
    f: impl Fn(f32, f32) -> f32,
) -> Result<Vec<f32>> {
    let n = la.numel();
    let mut out = alloc::with_capacity(op, n)?;
    if n == 0 {
        return Ok(out);
    }
    match (la.contiguous_range(), lb.contiguous_range()) {
        (Some(ra), Some(rb)) => {
            out.extend(a[ra].iter().zip(&b[rb]).map(|(&x, &y)| f(x, y)));
            return Ok(out);
        }
        (Some(ra), None) => {
            if let Some(block) = repeated_block(lb) {
                let row = &b[lb.offset()..lb.offset() + block];
                for chunk in a[ra].chunks_exact(block) {
                    out.extend(chunk.iter().zip(row).map(|(&x, &y)| f(x, y)));
                }
                return Ok(out);
            }
        }
        (None, Some(rb)) => {
            if let Some(block) = repeated_block(la) {
                let row = &a[la.offset()..la.offset() + block];
                for chunk in b[rb].chunks_exact(block) {
                    out.extend(row.iter().zip(chunk).map(|(&x, &y)| f(x, y)));
                }
                return Ok(out);
            }
        }
        (None, None) => {}
    }
    out.extend(la.indices().zip(lb.indices()).map(|(i, j)| f(a[i], b[j])));
    Ok(out)
}

/// Sum of a slice with eight independent accumulators: vectorisable, and more
/// accurate than one running sum over long rows.
pub fn sum(x: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    let chunks = x.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for k in 0..8 {
            acc[k] += c[k];
        }
    }
    let mut s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for &v in rest {
        s += v;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zip_with_a_broadcast_row_matches_the_index_walk() {
        let la = Layout::contiguous(&[3, 4]);
        let lb = Layout::contiguous(&[4]).broadcast_to("t", &[3, 4]).unwrap();
        let a: Vec<f32> = (0..12).map(|v| v as f32).collect();
        let b = [10.0, 20.0, 30.0, 40.0];
        let fast = zip("t", &a, &la, &b, &lb, |x, y| x + y).unwrap();
        let slow: Vec<f32> = la
            .indices()
            .zip(lb.indices())
            .map(|(i, j)| a[i] + b[j])
            .collect();
        assert_eq!(fast, slow);
        let rev = zip("t", &b, &lb, &a, &la, |x, y| x - y).unwrap();
        let slow: Vec<f32> = la
            .indices()
            .zip(lb.indices())
            .map(|(i, j)| b[j] - a[i])
            .collect();
        assert_eq!(rev, slow);
    }

    #[test]
    fn column_broadcast_is_not_mistaken_for_a_row() {
        let la = Layout::contiguous(&[2, 3]);
        let lb = Layout::contiguous(&[2, 1])
            .broadcast_to("t", &[2, 3])
            .unwrap();
        let out = zip("t", &[0.0; 6], &la, &[1.0, 2.0], &lb, |x, y| x + y).unwrap();
        assert_eq!(out, vec![1.0, 1.0, 1.0, 2.0, 2.0, 2.0]);
    }

    #[test]
    fn sum_matches_a_plain_loop() {
        let x: Vec<f32> = (0..1003).map(|v| (v % 7) as f32 * 0.5).collect();
        let plain: f32 = x.iter().sum();
        assert!((sum(&x) - plain).abs() < 1e-3);
        assert_eq!(sum(&[]), 0.0);
    }
}
