//! Pooling over two spatial dimensions, as `torch.nn.functional`: `max_pool2d`,
//! `avg_pool2d` and `adaptive_avg_pool2d`, forward beside backward.
//!
//! All three slide a window over every `[H, W]` plane of an `[N, C, H, W]` (or
//! unbatched `[C, H, W]`) input; they differ in where the windows lie and how a
//! window is reduced. Each output position's window is worked out once per axis as
//! a [`Span`], so the loops over planes are plain range loops.

use crate::autograd::{record, Backward};
use crate::kernels::im2col::Window;
use crate::kernels::threads;
use crate::tensor::shape::{checked_numel, fmt_shape};
use crate::tensor::{alloc, float_dispatch, Float, Tensor};
use crate::{bail, Result};
use rayon::prelude::*;

/// The window of one output position along one axis.
#[derive(Clone, Copy, Debug)]
struct Span {
    /// First input index inside the plane.
    lo: usize,
    /// One past the last input index inside the plane.
    hi: usize,
    /// The window's length counting padding (up to `size + padding`, as PyTorch's
    /// `count_include_pad` divisor does).
    padded: usize,
}

/// Windows of `kernel` every `stride`, over `size` inputs padded by `pad` each side.
fn sliding(size: usize, kernel: usize, stride: usize, pad: usize, out: usize) -> Vec<Span> {
    (0..out)
        .map(|o| {
            let start = (o * stride) as isize - pad as isize;
            let end = (start + kernel as isize).min((size + pad) as isize);
            Span {
                lo: start.max(0) as usize,
                hi: end.min(size as isize).max(0) as usize,
                padded: (end - start) as usize,
            }
        })
        .collect()
}

/// PyTorch's adaptive windows: output `o` of `out` covers inputs
/// `floor(o * size / out) .. ceil((o + 1) * size / out)`, so windows may overlap
/// when `out` does not divide `size`. `out` comes from the caller unchecked, so the
/// spans are allocated fallibly and computed in u128, which cannot overflow.
fn adaptive(op: &str, size: usize, out: usize) -> Result<Vec<Span>> {
    let (wide, out_wide) = (size as u128, out as u128);
    alloc::collect(
        op,
        out,
        (0..out_wide).map(|o| {
            let lo = (o * wide / out_wide) as usize;
            let hi = ((o + 1) * wide).div_ceil(out_wide) as usize;
            Span {
                lo,
                hi,
                padded: hi - lo,
            }
        }),
    )
}

/// The planes of a pooling and the windows of its output positions.
#[derive(Clone, Debug)]
struct Pooling {
    /// Leading dims (`[N, C]` or `[C]`).
    lead: Vec<usize>,
    /// Number of planes (product of `lead`).
    planes: usize,
    /// Input plane `[h, w]`.
    input: [usize; 2],
    rows: Vec<Span>,
    cols: Vec<Span>,
    /// The window of a sliding pooling (not of an adaptive one), for the tap-wise
    /// loops.
    window: Option<Window>,
}

impl Pooling {
    fn output_shape(&self) -> Vec<usize> {
        let mut s = self.lead.clone();
        s.extend([self.rows.len(), self.cols.len()]);
        s
    }

    fn output_len(&self) -> usize {
        self.rows.len() * self.cols.len()
    }

    fn input_len(&self) -> usize {
        self.input[0] * self.input[1]
    }

    /// Calls `f(output index within the plane, rows, cols)` for every output position.
    fn each(&self, mut f: impl FnMut(usize, &Span, &Span)) {
        for (r, rs) in self.rows.iter().enumerate() {
            for (c, cs) in self.cols.iter().enumerate() {
                f(r * self.cols.len() + c, rs, cs);
            }
        }
    }
}

/// The leading dims and `[h, w]` of an `[N, C, H, W]` or `[C, H, W]` input, which
/// must not be empty (a window of nothing has no maximum or mean).
fn planes_of(op: &str, x: &[usize]) -> Result<(Vec<usize>, [usize; 2])> {
    if x.len() != 3 && x.len() != 4 {
        bail!(
            Shape,
            "{op}: expected a 3-D (unbatched) or 4-D (batched) input [N, C, H, W], got shape {}",
            fmt_shape(x)
        );
    }
    let n = x.len();
    if x[n - 3..].contains(&0) {
        bail!(
            Shape,
            "{op}: expected non-empty channels and planes, got input of shape {}",
            fmt_shape(x)
        );
    }
    Ok((x[..n - 2].to_vec(), [x[n - 2], x[n - 1]]))
}

/// Validates a sliding-window pooling and lays out its windows.
fn sliding_pooling(
    op: &str,
    x: &[usize],
    kernel: [usize; 2],
    stride: [usize; 2],
    padding: [usize; 2],
) -> Result<Pooling> {
    let (lead, input) = planes_of(op, x)?;
    for (name, v) in [("kernel_size", kernel), ("stride", stride)] {
        if v.contains(&0) {
            bail!(Arg, "{op}: {name} must be positive, got {}", fmt_shape(&v));
        }
    }
    if (0..2).any(|a| 2 * padding[a] > kernel[a]) {
        bail!(
            Arg,
            "{op}: padding should be at most half of the kernel size, got padding {} and kernel_size {}",
            fmt_shape(&padding),
            fmt_shape(&kernel)
        );
    }
    let padded = [input[0] + 2 * padding[0], input[1] + 2 * padding[1]];
    if (0..2).any(|a| kernel[a] > padded[a]) {
        bail!(
            Shape,
            "{op}: kernel size {} is larger than the padded input size {} (input {} with padding {})",
            fmt_shape(&kernel),
            fmt_shape(&padded),
            fmt_shape(&input),
            fmt_shape(&padding)
        );
    }
    let out = |a: usize| (padded[a] - kernel[a]) / stride[a] + 1;
    let p = Pooling {
        planes: lead.iter().product(),
        lead,
        input,
        rows: sliding(input[0], kernel[0], stride[0], padding[0], out(0)),
        cols: sliding(input[1], kernel[1], stride[1], padding[1], out(1)),
        window: Some(Window {
            input,
            kernel,
            stride,
            padding,
            dilation: [1, 1],
            output: [out(0), out(1)],
        }),
    };
    checked_numel(op, &p.output_shape())?;
    Ok(p)
}

/// From this many input elements up, planes are shared among the core's threads:
/// below it, handing work to another thread costs more than the loop.
const PARALLEL_ELEMENTS: usize = 1 << 16;

/// Calls `f(i, chunk)` for every `chunk_len`-element chunk `i` of `out` (one per
/// plane), on the core's threads when `pool`'s input is large. Each plane is
/// computed by one thread alone, so results do not depend on the thread count.
fn per_plane<U: Send>(
    pool: &Pooling,
    out: &mut [U],
    chunk_len: usize,
    f: impl Fn(usize, &mut [U]) + Sync,
) {
    if chunk_len == 0 {
        return;
    }
    let work = pool.planes * pool.input_len();
    if work < PARALLEL_ELEMENTS || threads::num_threads() == 1 {
        out.chunks_mut(chunk_len)
            .enumerate()
            .for_each(|(i, c)| f(i, c));
    } else {
        threads::pool().install(|| {
            out.par_chunks_mut(chunk_len)
                .enumerate()
                .for_each(|(i, c)| f(i, c))
        });
    }
}

// ---- max -----------------------------------------------------------------------------

/// Where the maximum of every window is (index within its plane), and the maxima.
/// As PyTorch does, the first maximum wins a tie and a NaN wins over any number.
fn max_forward<T: Float>(x: &Tensor, pool: &Pooling, win: &Window) -> Result<(Vec<T>, Vec<usize>)> {
    const OP: &str = "maxPool2d";
    let (w, hw, p, sw) = (
        pool.input[1],
        pool.input_len(),
        pool.output_len(),
        win.stride[1],
    );
    let mut at = alloc::filled(OP, pool.planes * p, 0usize)?;
    let out = x.with_contiguous(OP, |xd: &[T]| {
        per_plane(pool, &mut at, p, |i, at| {
            let plane = &xd[i * hw..(i + 1) * hw];
            if win.padding == [0, 0] {
                return unpadded_argmax(plane, win, at);
            }
            // Each window starts at its first element in the plane (PyTorch's
            // starting index), then comes tap by tap, so its elements come in
            // row-major order: the loop over a run of outputs has no per-window
            // overhead. A window's best so far is always `plane[at]` (as in
            // PyTorch, whose running maximum starts at -inf and the first element
            // replaces it unless it is -inf itself).
            pool.each(|o, rs, cs| at[o] = rs.lo * w + cs.lo);
            win.for_each_run(|_, row, cols, in0| {
                for (k, a) in at[row + cols.start..row + cols.end].iter_mut().enumerate() {
                    let idx = in0 + k * sw;
                    let v = plane[idx];
                    let take = (v > plane[*a]) | v.is_nan();
                    // A mask, not a branch or a select the compiler may turn into
                    // one: which element wins is unpredictable on real data, and
                    // mispredictions made this loop several times slower.
                    let keep = (take as usize).wrapping_sub(1);
                    *a = (*a & keep) | (idx & !keep);
                }
            });
        });
        let planes = at.chunks_exact(p.max(1)).zip(xd.chunks_exact(hw.max(1)));
        alloc::collect(
            OP,
            at.len(),
            planes.flat_map(|(at, plane)| at.iter().map(|&a| plane[a])),
        )
    })??;
    Ok((out, at))
}

/// The argmax of every window of one plane when no window reaches padding (the
/// common `MaxPool2d(2)`): output by output, its taps in row-major order, the
/// best value so far in a register. The walk above re-reads each window's best
/// so far through its index, several times slower per element.
///
/// PyTorch's rule: a larger number replaces the best (ties keep the first), and
/// any NaN wins, the last one if several. The selects are
/// `select_unpredictable`: compiled as branches (as the compiler chose for a
/// plain `if`), they mispredict on real data, where which tap wins is random.
fn unpadded_argmax<T: Float>(plane: &[T], win: &Window, at: &mut [usize]) {
    use std::hint::select_unpredictable as select;
    let (w, [kh, kw], [sh, sw], ow) = (win.input[1], win.kernel, win.stride, win.output[1]);
    for (y, at_row) in at.chunks_exact_mut(ow.max(1)).enumerate() {
        let row0 = y * sh * w;
        for (x, a) in at_row.iter_mut().enumerate() {
            let first = row0 + x * sw;
            // -inf, not the first tap's value: the first tap still wins when every
            // tap is -inf, and `bv` never holds a NaN. `usize::MAX`: no NaN seen.
            let (mut best, mut bv, mut nan_at) = (first, T::NEG_INFINITY, usize::MAX);
            for i in 0..kh {
                let row = first + i * w;
                for (j, &v) in plane[row..row + kw].iter().enumerate() {
                    let take = v > bv;
                    best = select(take, row + j, best);
                    bv = select(take, v, bv);
                    nan_at = select(v.is_nan(), row + j, nan_at);
                }
            }
            *a = select(nan_at == usize::MAX, best, nan_at);
        }
    }
}

struct MaxPoolBackward {
    pool: Pooling,
    /// Argmax of every output, within its plane.
    at: Vec<usize>,
}

impl Backward for MaxPoolBackward {
    fn backward(&self, g: &Tensor, inputs: &[Tensor]) -> Result<Vec<Option<Tensor>>> {
        const OP: &str = "maxPool2d backward";
        let (hw, p) = (self.pool.input_len(), self.pool.output_len());
        let grad = float_dispatch!(g.dtype(), OP, T => {
            let mut gx = alloc::filled(OP, self.pool.planes * hw, T::ZERO)?;
            g.with_contiguous(OP, |gd: &[T]| {
                per_plane(&self.pool, &mut gx, hw, |i, plane| {
                    for (&v, &a) in gd[i * p..(i + 1) * p].iter().zip(&self.at[i * p..(i + 1) * p]) {
                        plane[a] += v;
                    }
                });
            })?;
            T::storage(gx)
        });
        Ok(vec![Some(Tensor::from_storage(grad, inputs[0].shape()))])
    }
}

/// Maximum over `kernel` windows every `stride` of each `[H, W]` plane of an
/// `[N, C, H, W]` or `[C, H, W]` input padded with `-inf` (`padding` at most half
/// the kernel). PyTorch's default stride is the kernel size. The gradient goes to
/// the maximum of each window (the first one on ties).
pub fn max_pool2d(
    input: &Tensor,
    kernel: [usize; 2],
    stride: [usize; 2],
    padding: [usize; 2],
) -> Result<Tensor> {
    let pool = sliding_pooling("maxPool2d", input.shape(), kernel, stride, padding)?;
    let win = pool.window.expect("a sliding pooling has a window");
    let (data, at) = float_dispatch!(input.dtype(), "maxPool2d", T => {
        let (v, at) = max_forward::<T>(input, &pool, &win)?;
        (T::storage(v), at)
    });
    let out = Tensor::from_storage(data, &pool.output_shape());
    Ok(record(
        out,
        "MaxPool2DWithIndicesBackward",
        &[input],
        || MaxPoolBackward { pool, at },
    ))
}

// ---- averages ------------------------------------------------------------------------

/// Each window's sum divided as `divisor` says. Sums run over each window's
/// elements in row-major order: tap by tap for a sliding window (as in
/// [`max_forward`]), window by window for adaptive ones.
fn avg_forward<T: Float>(x: &Tensor, pool: &Pooling, divisor: Divisor) -> Result<Vec<T>> {
    const OP: &str = "avgPool2d";
    let (w, hw, p) = (pool.input[1], pool.input_len(), pool.output_len());
    let mut out = alloc::filled(OP, pool.planes * p, T::ZERO)?;
    x.with_contiguous(OP, |xd: &[T]| {
        per_plane(pool, &mut out, p, |i, out| {
            let plane = &xd[i * hw..(i + 1) * hw];
            match &pool.window {
                Some(win) => win.for_each_run(|_, row, cols, in0| {
                    let sums = &mut out[row + cols.start..row + cols.end];
                    for (k, s) in sums.iter_mut().enumerate() {
                        *s = *s + plane[in0 + k * win.stride[1]];
                    }
                }),
                None => pool.each(|o, rs, cs| {
                    for y in rs.lo..rs.hi {
                        for &v in &plane[y * w + cs.lo..y * w + cs.hi] {
                            out[o] = out[o] + v;
                        }
                    }
                }),
            }
            pool.each(|o, rs, cs| out[o] = out[o] / T::of(divisor.of(rs, cs) as f64));
        });
    })?;
    Ok(out)
}

/// How an average pooling divides: by the window counting padding, or only the
/// inputs it covers.
#[derive(Clone, Copy)]
enum Divisor {
    Padded,
    Covered,
}

impl Divisor {
    fn of(self, rs: &Span, cs: &Span) -> usize {
        match self {
            Divisor::Padded => rs.padded * cs.padded,
            Divisor::Covered => (rs.hi - rs.lo) * (cs.hi - cs.lo),
        }
    }
}

struct AvgPoolBackward {
    pool: Pooling,
    divisor: Divisor,
}

impl Backward for AvgPoolBackward {
    fn backward(&self, g: &Tensor, inputs: &[Tensor]) -> Result<Vec<Option<Tensor>>> {
        const OP: &str = "avgPool2d backward";
        let pool = &self.pool;
        let (hw, w, p) = (pool.input_len(), pool.input[1], pool.output_len());
        let grad = float_dispatch!(g.dtype(), OP, T => {
            let mut gx = alloc::filled(OP, pool.planes * hw, T::ZERO)?;
            g.with_contiguous(OP, |gd: &[T]| {
                per_plane(pool, &mut gx, hw, |i, plane| {
                    let gp = &gd[i * p..(i + 1) * p];
                    pool.each(|o, rs, cs| {
                        let share = gp[o] / T::of(self.divisor.of(rs, cs) as f64);
                        for y in rs.lo..rs.hi {
                            for v in &mut plane[y * w + cs.lo..y * w + cs.hi] {
                                *v += share;
                            }
                        }
                    });
                });
            })?;
            T::storage(gx)
        });
        Ok(vec![Some(Tensor::from_storage(grad, inputs[0].shape()))])
    }
}

/// Runs an average pooling laid out in `pool`; `name` is PyTorch's `grad_fn` name.
fn average(
    (op, name): (&str, &'static str),
    input: &Tensor,
    pool: Pooling,
    divisor: Divisor,
) -> Result<Tensor> {
    let data = float_dispatch!(input.dtype(), op, T => {
        T::storage(avg_forward::<T>(input, &pool, divisor)?)
    });
    let out = Tensor::from_storage(data, &pool.output_shape());
    Ok(record(out, name, &[input], || AvgPoolBackward {
        pool,
        divisor,
    }))
}

/// Mean over `kernel` windows every `stride` of each `[H, W]` plane of an
/// `[N, C, H, W]` or `[C, H, W]` input, zero-padded by `padding` (at most half the
/// kernel). With `count_include_pad` (PyTorch's default) every window is divided
/// by its full size, padding included; without it, by the inputs it covers.
pub fn avg_pool2d(
    input: &Tensor,
    kernel: [usize; 2],
    stride: [usize; 2],
    padding: [usize; 2],
    count_include_pad: bool,
) -> Result<Tensor> {
    let pool = sliding_pooling("avgPool2d", input.shape(), kernel, stride, padding)?;
    let divisor = match count_include_pad {
        true => Divisor::Padded,
        false => Divisor::Covered,
    };
    average(("avgPool2d", "AvgPool2DBackward"), input, pool, divisor)
}

/// Mean over the windows that divide each `[H, W]` plane of an `[N, C, H, W]` or
/// `[C, H, W]` input into `output_size` `[oh, ow]` cells, with PyTorch's window
/// bounds `floor(i * H / oh) .. ceil((i + 1) * H / oh)`.
pub fn adaptive_avg_pool2d(input: &Tensor, output_size: [usize; 2]) -> Result<Tensor> {
    const OP: &str = "adaptiveAvgPool2d";
    let (lead, size) = planes_of(OP, input.shape())?;
    // The output size is the caller's: check it before building a span per position.
    let mut out_shape = lead.clone();
    out_shape.extend(output_size);
    let n = checked_numel(OP, &out_shape)?;
    alloc::check_bytes(OP, n as u128 * std::mem::size_of::<f32>() as u128)?;
    let pool = Pooling {
        planes: lead.iter().product(),
        lead,
        input: size,
        rows: adaptive(OP, size[0], output_size[0])?,
        cols: adaptive(OP, size[1], output_size[1])?,
        window: None,
    };
    average(
        (OP, "AdaptiveAvgPool2DBackward"),
        input,
        pool,
        Divisor::Covered,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    fn t(v: Vec<f32>, shape: &[usize]) -> Tensor {
        Tensor::from_vec(v, shape).unwrap()
    }

    #[test]
    fn max_pool_takes_window_maxima_and_routes_the_gradient_to_the_first() {
        let x = t(
            vec![1.0, 3.0, 3.0, 0.0, 2.0, 2.0, 5.0, 5.0, 4.0],
            &[1, 1, 3, 3],
        );
        x.set_requires_grad(true).unwrap();
        let y = max_pool2d(&x, [2, 2], [1, 1], [0, 0]).unwrap();
        assert_eq!(y.to_vec_f32().unwrap(), vec![3.0, 3.0, 5.0, 5.0]);
        y.sum(None, false).unwrap().backward().unwrap();
        // Window (0, 1) ties 3 and 3: the first (index 1) takes it, as in window (0, 0).
        let grad = x.grad().unwrap().to_vec_f32().unwrap();
        assert_eq!(grad, vec![0.0, 2.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0]);
    }

    #[test]
    fn unpadded_windows_follow_pytorchs_running_maximum() {
        // PyTorch's rule, element by element: start at -inf with the window's
        // first index, take any larger value and every NaN.
        let (h, w) = (7, 9);
        let specials = [f32::NAN, f32::NEG_INFINITY, f32::INFINITY];
        let plane: Vec<f32> = (0..h * w)
            .map(|i| match (i * 37) % 23 {
                0..=2 => specials[(i * 37) % 23],
                r => (r % 4) as f32,
            })
            .collect();
        let all_neg_inf = vec![f32::NEG_INFINITY; h * w];
        for (kernel, stride) in [([2, 2], [2, 2]), ([3, 3], [1, 1]), ([2, 3], [1, 2])] {
            for plane in [&plane, &all_neg_inf] {
                let x = t(plane.clone(), &[1, 1, h, w]);
                x.set_requires_grad(true).unwrap();
                let y = max_pool2d(&x, kernel, stride, [0, 0]).unwrap();
                let mut routed = vec![0.0f32; h * w];
                let (oh, ow) = (
                    (h - kernel[0]) / stride[0] + 1,
                    (w - kernel[1]) / stride[1] + 1,
                );
                let mut expected = Vec::new();
                for y0 in 0..oh {
                    for x0 in 0..ow {
                        let first = y0 * stride[0] * w + x0 * stride[1];
                        let (mut best, mut bv) = (first, f32::NEG_INFINITY);
                        for i in 0..kernel[0] {
                            for j in 0..kernel[1] {
                                let v = plane[first + i * w + j];
                                if v > bv || v.is_nan() {
                                    (best, bv) = (first + i * w + j, v);
                                }
                            }
                        }
                        expected.push(plane[best]);
                        routed[best] += 1.0;
                    }
                }
                let got = y.to_vec_f32().unwrap();
                let same = got
                    .iter()
                    .zip(&expected)
                    .all(|(a, b)| a.to_bits() == b.to_bits());
                assert!(same, "{kernel:?}/{stride:?}: {got:?} vs {expected:?}");
                // The gradient goes to the index the rule picks.
                y.sum(None, false).unwrap().backward().unwrap();
                assert_eq!(x.grad().unwrap().to_vec_f32().unwrap(), routed);
            }
        }
    }

    #[test]
    fn avg_pool_divides_by_the_padded_window_unless_told_not_to() {
        let x = t(vec![1.0, 2.0, 3.0, 4.0], &[1, 2, 2]);
        let y = avg_pool2d(&x, [2, 2], [2, 2], [1, 1], true).unwrap();
        assert_eq!(y.shape(), &[1, 2, 2]);
        assert_eq!(y.to_vec_f32().unwrap(), vec![0.25, 0.5, 0.75, 1.0]);
        let y = avg_pool2d(&x, [2, 2], [2, 2], [1, 1], false).unwrap();
        assert_eq!(y.to_vec_f32().unwrap(), vec![1.0, 2.0, 3.0, 4.0]);
    }

    #[test]
    fn an_adaptive_output_beyond_memory_is_err_alloc_not_an_abort() {
        let x = Tensor::zeros(&[1, 1, 4, 4]).unwrap();
        for size in [[1 << 45, 1 << 45], [1 << 34, 1], [1, usize::MAX]] {
            let err = adaptive_avg_pool2d(&x, size).unwrap_err();
            assert_eq!(err.code, ErrorCode::Alloc, "{size:?}: {}", err.message);
        }
    }

    #[test]
    fn adaptive_windows_overlap_when_the_size_does_not_divide() {
        let s: Vec<(usize, usize)> = adaptive("t", 5, 3)
            .unwrap()
            .iter()
            .map(|s| (s.lo, s.hi))
            .collect();
        assert_eq!(s, vec![(0, 2), (1, 4), (3, 5)]);
        let x = t((0..10).map(|v| v as f32).collect(), &[1, 1, 2, 5]);
        let y = adaptive_avg_pool2d(&x, [1, 3]).unwrap();
        assert_eq!(y.to_vec_f32().unwrap(), vec![3.0, 4.5, 6.0]);
    }

    #[test]
    fn planes_shared_among_threads_match_planes_pooled_alone() {
        // Large enough for per_plane to use the threads; each plane alone is not.
        let (planes, hw) = (32, 48 * 48);
        let data: Vec<f32> = (0..planes * hw)
            .map(|v| ((v * 7919) % 1000) as f32)
            .collect();
        let x = t(data.clone(), &[4, 8, 48, 48]);
        x.set_requires_grad(true).unwrap();
        type Pool = fn(&Tensor) -> Result<Tensor>;
        let pools: [Pool; 2] = [
            |x| max_pool2d(x, [3, 3], [2, 2], [1, 1]),
            |x| avg_pool2d(x, [3, 2], [1, 2], [1, 0], false),
        ];
        for pool in pools {
            x.set_grad(None).unwrap();
            let y = pool(&x).unwrap();
            let weights = t((0..y.numel()).map(|v| (v % 13) as f32).collect(), y.shape());
            y.mul(&weights)
                .unwrap()
                .sum(None, false)
                .unwrap()
                .backward()
                .unwrap();
            let (y, gx) = (
                y.to_vec_f32().unwrap(),
                x.grad().unwrap().to_vec_f32().unwrap(),
            );
            let per = y.len() / planes;
            for i in 0..planes {
                let xi = t(data[i * hw..(i + 1) * hw].to_vec(), &[1, 48, 48]);
                xi.set_requires_grad(true).unwrap();
                let yi = pool(&xi).unwrap();
                let wi = weights.to_vec_f32().unwrap()[i * per..(i + 1) * per].to_vec();
                yi.mul(&t(wi, yi.shape()))
                    .unwrap()
                    .sum(None, false)
                    .unwrap()
                    .backward()
                    .unwrap();
                assert_eq!(
                    yi.to_vec_f32().unwrap(),
                    &y[i * per..(i + 1) * per],
                    "plane {i}"
                );
                assert_eq!(
                    xi.grad().unwrap().to_vec_f32().unwrap(),
                    &gx[i * hw..(i + 1) * hw],
                    "plane {i}"
                );
            }
        }
    }

    #[test]
    fn bad_windows_are_refused() {
        let x = Tensor::zeros(&[1, 1, 3, 3]).unwrap();
        let code = |r: Result<Tensor>| r.unwrap_err().code;
        assert_eq!(
            code(max_pool2d(&x, [4, 4], [1, 1], [0, 0])),
            ErrorCode::Shape
        );
        assert_eq!(code(max_pool2d(&x, [2, 2], [0, 1], [0, 0])), ErrorCode::Arg);
        assert_eq!(code(max_pool2d(&x, [2, 2], [1, 1], [2, 0])), ErrorCode::Arg);
        assert_eq!(
            code(avg_pool2d(&x, [0, 2], [1, 1], [0, 0], true)),
            ErrorCode::Arg
        );
        assert_eq!(
            code(max_pool2d(
                &Tensor::zeros(&[3, 3]).unwrap(),
                [2, 2],
                [1, 1],
                [0, 0]
            )),
            ErrorCode::Shape
        );
    }
}
