//! Elementwise loops over strided operands. Packed runs go through loops that are
//! compiled per SIMD level and picked at run time (`simd.rs`); broadcast and
//! strided operands fall back to index walks.

use super::alloc;
use super::float::Real;
use super::layout::{for_each_run, Layout};
use super::simd::{multiversion, SimdLevel};
use super::threads::{self, share_bands, DstPtr};
use crate::Result;

/// Elements to write before `out` reaches a 64-byte boundary (at most `n`). Large
/// buffers from the system allocator start 16 bytes past a page boundary, so a
/// loop of 64-byte vector stores would split every one across two cache lines;
/// writing a few elements first aligns the stores, and the loads of operands that
/// came from the same allocator with them. Adding 1e6 floats took 15% longer
/// without it.
#[inline(always)]
fn head_len<U>(out: &[std::mem::MaybeUninit<U>], n: usize) -> usize {
    let size = std::mem::size_of::<U>();
    if size == 0 || 64 % size != 0 {
        return 0;
    }
    let misalign = out.as_ptr() as usize % 64;
    if !misalign.is_multiple_of(size) {
        return 0;
    }
    (((64 - misalign) % 64) / size).min(n)
}

/// Appends `f(x)` for each `x` of `src` to `out` (which has the capacity).
#[inline(always)]
pub(crate) fn map_generic<T: Copy, U, F: Fn(T) -> U>(src: &[T], out: &mut Vec<U>, f: F) {
    let n = src.len();
    map_uninit_generic(src, &mut out.spare_capacity_mut()[..n], f);
    // SAFETY: `map_uninit_generic` initialised the `n` slots after the old length.
    unsafe { out.set_len(out.len() + n) };
}

#[inline(always)]
fn map_strided_generic<T: Copy, U, F: Fn(T) -> U>(
    src: &[T],
    o: usize,
    step: usize,
    len: usize,
    out: &mut Vec<U>,
    f: F,
) {
    out.extend((0..len).map(|j| f(src[o + j * step])));
}

/// An operand read at `start + j * step`: `(elements, start, step)`.
pub type Strided<'a, T> = (&'a [T], usize, usize);

#[inline(always)]
fn zip_strided_generic<T: Copy, U, F: Fn(T, T) -> U>(
    (a, oa, sa): Strided<'_, T>,
    (b, ob, sb): Strided<'_, T>,
    len: usize,
    out: &mut Vec<U>,
    f: F,
) {
    out.extend((0..len).map(|j| f(a[oa + j * sa], b[ob + j * sb])));
}

/// Writes `f(x)` for each `x` of `src` into every slot of `out` (as long as `src`).
#[inline(always)]
fn map_uninit_generic<T: Copy, U, F: Fn(T) -> U>(
    src: &[T],
    out: &mut [std::mem::MaybeUninit<U>],
    f: F,
) {
    let n = src.len();
    let spare = &mut out[..n];
    let (head, body) = spare.split_at_mut(head_len(spare, n));
    let (src_head, src_body) = src.split_at(head.len());
    for (o, &x) in head.iter_mut().zip(src_head) {
        o.write(f(x));
    }
    for (o, &x) in body.iter_mut().zip(src_body) {
        o.write(f(x));
    }
}

/// Appends `f(a, b)` for each pair to `out` (which has the capacity).
#[inline(always)]
fn zip_generic<T: Copy, U, F: Fn(T, T) -> U>(a: &[T], b: &[T], out: &mut Vec<U>, f: F) {
    let n = a.len().min(b.len());
    zip_uninit_generic(a, b, &mut out.spare_capacity_mut()[..n], f);
    // SAFETY: `zip_uninit_generic` initialised the `n` slots after the old length.
    unsafe { out.set_len(out.len() + n) };
}

/// Writes `f(a, b)` for each pair into every slot of `out` (as long as the
/// shorter operand).
#[inline(always)]
fn zip_uninit_generic<T: Copy, U, F: Fn(T, T) -> U>(
    a: &[T],
    b: &[T],
    out: &mut [std::mem::MaybeUninit<U>],
    f: F,
) {
    let n = a.len().min(b.len());
    let spare = &mut out[..n];
    let (head, body) = spare.split_at_mut(head_len(spare, n));
    let h = head.len();
    for ((o, &x), &y) in head.iter_mut().zip(&a[..h]).zip(&b[..h]) {
        o.write(f(x, y));
    }
    for ((o, &x), &y) in body.iter_mut().zip(&a[h..n]).zip(&b[h..n]) {
        o.write(f(x, y));
    }
}

/// Sum with eight independent accumulators: vectorisable, more accurate than one
/// running sum, and (the order being fixed) identical at every SIMD level.
#[inline(always)]
pub(crate) fn sum_generic<T: Real>(x: &[T]) -> T {
    let mut acc = [T::ZERO; 8];
    let chunks = x.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for k in 0..8 {
            acc[k] = acc[k] + c[k];
        }
    }
    let mut s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for &v in rest {
        s = s + v;
    }
    s
}

/// Largest element (NaN ignored, as `max` does; -inf for an empty slice), with
/// sixteen independent lanes so that the loop vectorises. The maximum is exact,
/// so the lane order does not change it.
#[inline(always)]
pub(crate) fn max_generic<T: Real>(x: &[T]) -> T {
    let mut acc = [T::NEG_INFINITY; 16];
    let chunks = x.chunks_exact(16);
    let rest = chunks.remainder();
    for c in chunks {
        for k in 0..16 {
            acc[k] = acc[k].max(c[k]);
        }
    }
    acc.iter()
        .chain(rest)
        .fold(T::NEG_INFINITY, |m, &v| m.max(v))
}

/// The largest (or smallest) element as PyTorch's `max()`/`min()` give it: NaN if
/// there is one; in sixteen independent lanes so the loops vectorise (the extreme
/// is exact, so the lane order does not change it). `None` for an empty slice.
#[inline(always)]
pub(crate) fn extreme_generic<T: Real>(x: &[T], largest: bool) -> Option<T> {
    let first = *x.first()?;
    let mut acc = [first; 16];
    let chunks = x.chunks_exact(16);
    let rest = chunks.remainder();
    if largest {
        for c in chunks {
            for k in 0..16 {
                acc[k] = acc[k].max(c[k]);
            }
        }
    } else {
        for c in chunks {
            for k in 0..16 {
                acc[k] = acc[k].min(c[k]);
            }
        }
    }
    let pick = |m: T, &v: &T| if largest { m.max(v) } else { m.min(v) };
    let extreme = acc.iter().chain(rest).fold(first, pick);
    // `max`/`min` pass NaN over; PyTorch's reductions return it.
    let nans = x.iter().fold(0u32, |n, v| n + u32::from(v.is_nan()));
    Some(if nans > 0 { T::NAN } else { extreme })
}

multiversion! {
    /// [`extreme_generic`], vectorised for the CPU.
    pub fn extreme / extreme_at / extreme_generic <T: [Real]> (x: &[T], largest: bool) -> Option<T>
}

/// Independent accumulators of [`dot_generic`]: four vectors of eight lanes, so
/// that four additions are in flight and the loop is not bound by their latency.
const DOT_LANES: usize = 32;

/// Dot product with [`DOT_LANES`] independent accumulators: multiplies and adds
/// stay separate operations (no fused multiply-add), and the final tree is fixed,
/// so the result is the same at every SIMD level.
#[inline(always)]
fn dot_generic<T: Real>(a: &[T], b: &[T]) -> T {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [T::ZERO; DOT_LANES];
    let (ca, cb) = (a.chunks_exact(DOT_LANES), b.chunks_exact(DOT_LANES));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for k in 0..DOT_LANES {
            acc[k] = acc[k] + x[k] * y[k];
        }
    }
    // The remainder's whole groups of 8 go into the first accumulators, as a
    // shorter pass of the loop: a vector add each rather than 8 dependent scalar
    // adds (a row of 784 leaves 16; that tail was a third of each dot).
    let r8 = ra.len() / 8 * 8;
    for k in 0..r8 {
        acc[k] = acc[k] + ra[k] * rb[k];
    }
    // Halve the accumulators pairwise down to one.
    let mut width = DOT_LANES;
    while width > 1 {
        width /= 2;
        for k in 0..width {
            acc[k] = acc[k] + acc[k + width];
        }
    }
    let mut s = acc[0];
    for (&x, &y) in ra[r8..].iter().zip(&rb[r8..]) {
        s = s + x * y;
    }
    s
}

multiversion! {
    /// Dot product of two slices (over the shorter length), vectorised for the
    /// CPU (same result at every level).
    pub fn dot / dot_at / dot_generic <T: [Real]> (a: &[T], b: &[T]) -> T
}

/// [`dot`] for float32, with hand-written AVX2 where the CPU has it: the compiler
/// vectorised the generic loop two lanes wide, and batch-1 inference (a row times
/// a weight matrix) is made of these dot products. Same result as the scalar
/// loop, bit for bit.
pub fn dot_f32(a: &[f32], b: &[f32]) -> f32 {
    dot_f32_at(super::simd::level(), a, b)
}

/// [`dot_f32`] at a given level; levels the CPU lacks fall back to scalar.
pub fn dot_f32_at(level: super::simd::SimdLevel, a: &[f32], b: &[f32]) -> f32 {
    #[cfg(target_arch = "x86_64")]
    {
        use super::simd::{detected, SimdLevel};
        if level.min(detected()) >= SimdLevel::Avx2 {
            // SAFETY: `detected()` confirmed the CPU has AVX2.
            return unsafe { dot_f32_avx2(a, b) };
        }
    }
    dot_at(level, a, b)
}

/// [`dot_generic`]'s exact operations on 32 lanes held in four AVX registers:
/// lane-wise multiply then add (no FMA), the same groups of 8 of the remainder,
/// the same halving tree, the same sequential tail.
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn dot_f32_avx2(a: &[f32], b: &[f32]) -> f32 {
    use std::arch::x86_64::*;
    let n = a.len().min(b.len());
    let whole = n / DOT_LANES * DOT_LANES;
    let mut acc = [_mm256_setzero_ps(); 4];
    for base in (0..whole).step_by(DOT_LANES) {
        for (v, acc) in acc.iter_mut().enumerate() {
            let at = base + 8 * v;
            // SAFETY: at + 8 <= whole <= n, the length of both slices.
            let (x, y) = unsafe {
                (
                    _mm256_loadu_ps(a.as_ptr().add(at)),
                    _mm256_loadu_ps(b.as_ptr().add(at)),
                )
            };
            *acc = _mm256_add_ps(*acc, _mm256_mul_ps(x, y));
        }
    }
    // The remainder's whole groups of 8, into the first accumulators.
    let r8 = whole + (n - whole) / 8 * 8;
    for (v, at) in (whole..r8).step_by(8).enumerate() {
        // SAFETY: at + 8 <= r8 <= n.
        let (x, y) = unsafe {
            (
                _mm256_loadu_ps(a.as_ptr().add(at)),
                _mm256_loadu_ps(b.as_ptr().add(at)),
            )
        };
        acc[v] = _mm256_add_ps(acc[v], _mm256_mul_ps(x, y));
    }
    // Lanes k += k + 16, then k += k + 8, k + 4, k + 2, k + 1: dot_generic's tree.
    let t = _mm256_add_ps(_mm256_add_ps(acc[0], acc[2]), _mm256_add_ps(acc[1], acc[3]));
    let q = _mm_add_ps(_mm256_castps256_ps128(t), _mm256_extractf128_ps::<1>(t));
    let h = _mm_add_ps(q, _mm_movehl_ps(q, q));
    let mut s = _mm_cvtss_f32(_mm_add_ss(h, _mm_shuffle_ps::<0b01>(h, h)));
    for (&x, &y) in a[r8..n].iter().zip(&b[r8..n]) {
        s += x * y;
    }
    s
}

multiversion! {
    /// `out.extend(src.map(f))`, vectorised for the CPU.
    pub fn map_slice / map_slice_at / map_generic
        <T: [Copy], U: [Sized], F: [Fn(T) -> U]> (src: &[T], out: &mut Vec<U>, f: F) -> ()
}

multiversion! {
    /// `out.extend(a.zip(b).map(f))`, vectorised for the CPU in vectors of at most
    /// 256 bits. Binary ops are a load or two and a store per arithmetic operation,
    /// bound by the caches, and Zen 4 splits 512-bit loads and stores in halves
    /// anyway: adding 1e6 floats took 154 us in 512-bit vectors, 144 in 256-bit
    /// (NumPy: 139).
    pub fn zip_slices / zip_slices_at / zip_generic
        <T: [Copy], U: [Sized], F: [Fn(T, T) -> U]> (a: &[T], b: &[T], out: &mut Vec<U>, f: F) -> ()
        where level <= SimdLevel::Avx2
}

multiversion! {
    /// `out.extend(f(src[o + j * step]) for j in 0..len)`, compiled for the CPU
    /// so that `f`'s arithmetic has its vector and fused instructions even where
    /// the loads are strided.
    pub fn map_strided / map_strided_at / map_strided_generic
        <T: [Copy], U: [Sized], F: [Fn(T) -> U]> (src: &[T], o: usize, step: usize, len: usize, out: &mut Vec<U>, f: F) -> ()
}

multiversion! {
    /// [`map_strided`] for two operands, each as `(elements, start, step)`.
    pub fn zip_strided / zip_strided_at / zip_strided_generic
        <T: [Copy], U: [Sized], F: [Fn(T, T) -> U]> (a: Strided<'_, T>, b: Strided<'_, T>, len: usize, out: &mut Vec<U>, f: F) -> ()
}

multiversion! {
    /// [`map_slice`] into uninitialised slots, every one of which it writes.
    pub fn map_into / map_into_at / map_uninit_generic
        <T: [Copy], U: [Sized], F: [Fn(T) -> U]> (src: &[T], out: &mut [std::mem::MaybeUninit<U>], f: F) -> ()
}

multiversion! {
    /// [`zip_slices`] into uninitialised slots, every one of which it writes.
    pub fn zip_into / zip_into_at / zip_uninit_generic
        <T: [Copy], U: [Sized], F: [Fn(T, T) -> U]> (a: &[T], b: &[T], out: &mut [std::mem::MaybeUninit<U>], f: F) -> ()
        where level <= SimdLevel::Avx2
}

/// `f` as a closure the SIMD loops inline. Handed `&f` itself, they call
/// `<&F as Fn>::call`, a shim the inliner declines once `f`'s body is large
/// (gelu's erf, softplus's logarithm): the loop then ran one element at a time
/// without its target features, each `mul_add` a call to libm's `fmaf`, and
/// gelu over 1e6 floats took 46 ms instead of about 1.
#[inline(always)]
fn inline<T, U>(f: &impl Fn(T) -> U) -> impl Fn(T) -> U + '_ {
    #[inline(always)]
    move |x| f(x)
}

/// [`inline`] for two operands.
#[inline(always)]
fn inline2<T, U>(f: &impl Fn(T, T) -> U) -> impl Fn(T, T) -> U + '_ {
    #[inline(always)]
    move |x, y| f(x, y)
}

/// From this many elements up, a packed elementwise op is cut between the
/// core's threads: a CNN's activations (64 x 16 x 28 x 28 = 0.8M floats) ran
/// their ReLU, its mask and the gradient adds on one thread while the other
/// waited, a quarter of a 2-thread step.
const PARALLEL_ELEMENTS: usize = 1 << 17;

/// `n` elements written into `out` (empty, with the capacity) by
/// `fill(range, slots)`, which must write every slot of its part; parts go to
/// the core's threads when `n` is large, the calling thread taking its share
/// (see [`share_bands`]): handing all to the pool cost a 1e6-element add from
/// JavaScript more than the second thread saved (0.178 ms at 2 threads, 0.157
/// at 1). Each element is computed alone, so the result does not depend on
/// the cut.
fn fill_parts<U: Send>(
    out: &mut Vec<U>,
    n: usize,
    fill: impl Fn(std::ops::Range<usize>, &mut [std::mem::MaybeUninit<U>]) + Sync,
) {
    debug_assert!(out.is_empty());
    let slots = &mut out.spare_capacity_mut()[..n];
    // The size first: asking the pool its size takes a lock, and a 1x1 add
    // from JavaScript is under a microsecond.
    let pool = (n >= PARALLEL_ELEMENTS).then(threads::pool);
    match pool.filter(|p| p.current_num_threads() > 1) {
        None => fill(0..n, slots),
        Some(pool) => {
            // Four parts per thread, so that a thread woken late takes fewer,
            // each of whole cache lines, so that no two threads write one line.
            let step = n
                .div_ceil(4 * pool.current_num_threads())
                .next_multiple_of(64);
            let base = DstPtr(slots.as_mut_ptr());
            share_bands(&pool, n, step, |start, end| {
                // SAFETY: the bands are disjoint ranges inside 0..n, and
                // `slots` stays borrowed for the whole call.
                let part =
                    unsafe { std::slice::from_raw_parts_mut(base.get().add(start), end - start) };
                fill(start..end, part);
            });
        }
    }
    // SAFETY: `fill` wrote every slot of every part, and the parts cover `0..n`.
    unsafe { out.set_len(n) };
}

multiversion! {
    /// Sum of a slice, vectorised for the CPU (same result at every level).
    pub fn sum / sum_at / sum_generic <T: [Real]> (x: &[T]) -> T
}

/// The sum of each run of `len` elements of `x` (`len > 0`), as [`sum`] gives
/// it. Short rows go in one dispatch for all of them (a call each cost more
/// than their sums); long ones call [`sum`] each, which measured faster for rows
/// of 1000 (93 against 112 us for 1000 of them) than the same loop inlined.
pub fn row_sums<T: Real>(x: &[T], len: usize) -> Vec<T> {
    if len >= 256 {
        x.chunks_exact(len).map(sum).collect()
    } else {
        short_row_sums(x, len)
    }
}

multiversion! {
    /// [`row_sums`] of short rows, in one dispatch.
    pub fn short_row_sums / short_row_sums_at / row_sums_generic <T: [Real]> (x: &[T], len: usize) -> Vec<T>
}

#[inline(always)]
fn row_sums_generic<T: Real>(x: &[T], len: usize) -> Vec<T> {
    x.chunks_exact(len).map(sum_generic).collect()
}

/// `f` applied to every element of a strided operand, row-major.
pub fn map<T: Copy + Sync, U: Clone + Send + 'static>(
    op: &str,
    src: &[T],
    layout: &Layout,
    f: impl Fn(T) -> U + Sync,
) -> Result<Vec<U>> {
    let n = layout.numel();
    match layout.contiguous_range() {
        Some(r) => {
            let mut out = alloc::with_capacity(op, n)?;
            let src = &src[r];
            fill_parts(&mut out, n, |part, slots| {
                map_into(&src[part], slots, inline(&f))
            });
            Ok(out)
        }
        None => {
            let mut out = alloc::with_capacity(op, n)?;
            for_each_run(
                layout.shape(),
                [layout.strides()],
                [layout.offset()],
                |[o], len, [s]| match s {
                    1 => map_slice(&src[o..o + len], &mut out, inline(&f)),
                    // A broadcast operand: one value, written `len` times.
                    0 => out.extend(std::iter::repeat_n(f(src[o]), len)),
                    _ => map_strided(src, o, s, len, &mut out, inline(&f)),
                },
            );
            Ok(out)
        }
    }
}

/// Length of the packed trailing block of `layout` that repeats over its leading
/// dimensions with stride 0 (a bias row broadcast over a batch), if it has that
/// form and the block is long enough to be worth a call per repeat (a broadcast
/// scalar or short row goes through [`for_each_run`] instead).
fn repeated_block(layout: &Layout) -> Option<usize> {
    const MIN_BLOCK: usize = 32;
    let (shape, strides) = (layout.shape(), layout.strides());
    let mut i = shape.len();
    let mut block = 1;
    while i > 0 && (strides[i - 1] == block || shape[i - 1] == 1) {
        block *= shape[i - 1];
        i -= 1;
    }
    (block >= MIN_BLOCK && (0..i).all(|d| strides[d] == 0 || shape[d] == 1)).then_some(block)
}

/// `f(a, b)` for every element of two operands already broadcast to one shape.
pub fn zip<T: Copy + Sync, U: Send + 'static>(
    op: &str,
    a: &[T],
    la: &Layout,
    b: &[T],
    lb: &Layout,
    f: impl Fn(T, T) -> U + Sync,
) -> Result<Vec<U>> {
    let n = la.numel();
    let mut out = alloc::with_capacity(op, n)?;
    if n == 0 {
        return Ok(out);
    }
    match (la.contiguous_range(), lb.contiguous_range()) {
        (Some(ra), Some(rb)) => {
            let (a, b) = (&a[ra], &b[rb]);
            fill_parts(&mut out, n, |part, slots| {
                zip_into(&a[part.clone()], &b[part], slots, inline2(&f))
            });
            return Ok(out);
        }
        (Some(ra), None) => {
            if let Some(block) = repeated_block(lb) {
                let row = &b[lb.offset()..lb.offset() + block];
                for chunk in a[ra].chunks_exact(block) {
                    zip_slices(chunk, row, &mut out, inline2(&f));
                }
                return Ok(out);
            }
        }
        (None, Some(rb)) => {
            if let Some(block) = repeated_block(la) {
                let row = &a[la.offset()..la.offset() + block];
                for chunk in b[rb].chunks_exact(block) {
                    zip_slices(row, chunk, &mut out, inline2(&f));
                }
                return Ok(out);
            }
        }
        (None, None) => {}
    }
    // Any other layouts: run by run along the innermost merged dimension, with
    // vector loops where an operand is packed along it or broadcast.
    for_each_run(
        la.shape(),
        [la.strides(), lb.strides()],
        [la.offset(), lb.offset()],
        |[oa, ob], len, steps| match steps {
            [1, 1] => zip_slices(&a[oa..oa + len], &b[ob..ob + len], &mut out, inline2(&f)),
            [1, 0] => {
                let y = b[ob];
                map_slice(
                    &a[oa..oa + len],
                    &mut out,
                    #[inline(always)]
                    |x| f(x, y),
                );
            }
            [0, 1] => {
                let x = a[oa];
                map_slice(
                    &b[ob..ob + len],
                    &mut out,
                    #[inline(always)]
                    |y| f(x, y),
                );
            }
            [sa, sb] => zip_strided((a, oa, sa), (b, ob, sb), len, &mut out, inline2(&f)),
        },
    );
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_packed_ops_cut_between_threads_match_the_plain_loop() {
        // Past PARALLEL_ELEMENTS, with a length that leaves a ragged last part;
        // on a machine with more than one thread the parts run concurrently.
        let n = PARALLEL_ELEMENTS * 3 + 77;
        let layout = Layout::contiguous(&[n]);
        let a: Vec<f32> = (0..n).map(|v| (v % 1013) as f32 * 0.37 - 150.0).collect();
        let b: Vec<f32> = (0..n).map(|v| (v % 917) as f32 * 0.11 + 1.0).collect();
        let mapped = map("t", &a, &layout, |x| x.max(0.0) * 1.5).unwrap();
        let plain: Vec<f32> = a.iter().map(|x| x.max(0.0) * 1.5).collect();
        assert_eq!(mapped, plain);
        let zipped = zip("t", &a, &layout, &b, &layout, |x, y| x / y - y).unwrap();
        let plain: Vec<f32> = a.iter().zip(&b).map(|(x, y)| x / y - y).collect();
        assert_eq!(zipped, plain);
    }

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
    fn every_simd_level_gives_the_scalar_results_exactly() {
        use crate::kernels::simd::{detected, SimdLevel};
        let levels = [SimdLevel::Scalar, SimdLevel::Avx2, SimdLevel::Avx512];
        for n in [0usize, 1, 7, 8, 9, 31, 64, 1000, 4097] {
            let a: Vec<f32> = (0..n)
                .map(|i| ((i * 37 % 101) as f32 - 50.0) * 0.37)
                .collect();
            let b: Vec<f32> = (0..n)
                .map(|i| ((i * 53 % 97) as f32 - 40.0) * 0.11)
                .collect();
            let plain_map: Vec<f32> = a.iter().map(|&x| (x * 1.5 + 0.25).max(0.0)).collect();
            let plain_zip: Vec<f32> = a
                .iter()
                .zip(&b)
                .map(|(&x, &y)| x * y - x / (y + 100.0))
                .collect();
            for level in levels.into_iter().filter(|&l| l <= detected()) {
                let mut m = Vec::with_capacity(n);
                map_slice_at(level, &a, &mut m, |x| (x * 1.5 + 0.25).max(0.0));
                assert_eq!(m, plain_map, "map at {level:?}, n = {n}");
                let mut z = Vec::with_capacity(n);
                zip_slices_at(level, &a, &b, &mut z, |x, y| x * y - x / (y + 100.0));
                assert_eq!(z, plain_zip, "zip at {level:?}, n = {n}");
                assert_eq!(
                    sum_at(level, &a).to_bits(),
                    sum_at(SimdLevel::Scalar, &a).to_bits(),
                    "sum at {level:?}"
                );
                assert_eq!(
                    dot_at(level, &a, &b).to_bits(),
                    dot_at(SimdLevel::Scalar, &a, &b).to_bits(),
                    "dot at {level:?}"
                );
                assert_eq!(
                    dot_f32_at(level, &a, &b).to_bits(),
                    dot_at(SimdLevel::Scalar, &a, &b).to_bits(),
                    "dot_f32 at {level:?}"
                );
            }
        }
    }

    #[test]
    fn dot_matches_a_plain_loop_on_exact_values() {
        let a: Vec<f32> = (0..1003).map(|v| (v % 7) as f32 - 3.0).collect();
        let b: Vec<f32> = (0..1003).map(|v| (v % 5) as f32 * 0.5).collect();
        let plain: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert_eq!(dot(&a, &b), plain);
        assert_eq!(dot(&a[..3], &b), dot(&a[..3], &b[..3]));
    }

    #[test]
    fn sum_matches_a_plain_loop() {
        let x: Vec<f32> = (0..1003).map(|v| (v % 7) as f32 * 0.5).collect();
        let plain: f32 = x.iter().sum();
        assert!((sum(&x) - plain).abs() < 1e-3);
        assert_eq!(sum::<f32>(&[]), 0.0);
    }
}
