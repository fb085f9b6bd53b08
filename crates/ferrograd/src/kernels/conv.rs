//! Convolution lowered to matrix products over im2col columns, forward beside
//! backward, on packed slices.
//!
//! The batch is cut into runs of samples. For each run and group, im2col lays the
//! receptive fields of all the run's samples side by side as `[rows, samples * p]`
//! columns (`rows = in/groups * kh * kw`, `p = oh * ow`), and one product with the
//! group's `[out/groups, rows]` weights gives every output of the run. Backward
//! reuses the same columns: `dW = dY @ cols^T`, and `dcols = W^T @ dY`, which
//! col2im adds back onto the input.
//!
//! Runs are sized from the shapes alone, never from the thread count, and the
//! per-run weight gradients are summed in run order, so results are identical for
//! any number of threads.

use super::alloc;
use super::elementwise;
use super::float::Real;
use super::im2col::{col2im, im2col, Window};
use super::matmul::{gemm, MatRef};
use super::threads;
use crate::Result;
use rayon::prelude::*;

/// A run's product aims at this many multiply-adds: enough to keep the matrix
/// kernel efficient, small enough that a training batch splits into several runs
/// that threads can share.
const RUN_WORK: usize = 1 << 21;

/// A run's columns hold at most this many elements (16 MiB of float32), so large
/// images never need gigabytes of columns.
const RUN_COLS: usize = 1 << 22;

/// The sizes of a 2-D convolution (1-D ones have planes of height 1), validated by
/// the caller: `groups` divides both channel counts and the window fits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvGeometry {
    /// Samples `N`.
    pub batch: usize,
    /// Input channels `C`.
    pub channels: usize,
    /// Output channels `O`.
    pub out_channels: usize,
    /// Channel groups.
    pub groups: usize,
    /// Kernel, stride, padding, dilation and plane sizes.
    pub win: Window,
}

/// Samples `start..start + len` of the batch.
#[derive(Clone, Copy, Debug)]
struct Run {
    start: usize,
    len: usize,
}

impl ConvGeometry {
    fn group_in(&self) -> usize {
        self.channels / self.groups
    }

    fn group_out(&self) -> usize {
        self.out_channels / self.groups
    }

    /// Rows of one group's columns: `in/groups * kh * kw`.
    fn rows(&self) -> usize {
        self.group_in() * self.win.taps()
    }

    /// Elements of one sample's input, output.
    fn sample_in(&self) -> usize {
        self.channels * self.win.input_len()
    }

    fn sample_out(&self) -> usize {
        self.out_channels * self.win.output_len()
    }

    /// The runs the batch is cut into (see [`RUN_WORK`], [`RUN_COLS`]).
    fn runs(&self) -> Vec<Run> {
        let p = self.win.output_len().max(1);
        let work = (self.out_channels * self.rows() * p).max(1);
        let cols = (self.rows() * p).max(1);
        let per_run = RUN_WORK
            .div_ceil(work)
            .min(RUN_COLS / cols)
            .clamp(1, self.batch.max(1));
        (0..self.batch)
            .step_by(per_run)
            .map(|start| Run {
                start,
                len: per_run.min(self.batch - start),
            })
            .collect()
    }

    /// Writes group `grp`'s columns of a run's samples (`x`: their inputs) side by
    /// side into `cols`.
    fn columns<T: Real>(&self, x: &[T], run: Run, grp: usize, cols: &mut [T]) {
        let (hw, cg, p) = (self.win.input_len(), self.group_in(), self.win.output_len());
        for i in 0..run.len {
            let planes = &x[i * self.sample_in() + grp * cg * hw..][..cg * hw];
            im2col(planes, &self.win, cols, run.len * p, i * p);
        }
    }

    /// Where group `grp`'s output channel `oi` of a run's sample `i` sits in the
    /// run's `[samples, O, p]` output (or output gradient).
    fn out_plane(&self, i: usize, grp: usize, oi: usize) -> std::ops::Range<usize> {
        let p = self.win.output_len();
        let start = i * self.sample_out() + (grp * self.group_out() + oi) * p;
        start..start + p
    }

    /// Calls `f(run, its part of dst)` for every run, on the core's threads when
    /// there is more than one run. `dst` is cut into parts of `per_sample`
    /// elements per sample; without it every part is empty.
    fn each_run<T: Real, U: Send>(
        &self,
        dst: Option<(&mut [T], usize)>,
        f: impl Fn(Run, &mut [T]) -> Result<U> + Sync,
    ) -> Result<Vec<U>> {
        let runs = self.runs();
        let parts: Vec<&mut [T]> = match dst {
            Some((mut rest, per_sample)) => runs
                .iter()
                .map(|r| {
                    let (part, tail) = std::mem::take(&mut rest).split_at_mut(r.len * per_sample);
                    rest = tail;
                    part
                })
                .collect(),
            None => runs.iter().map(|_| Default::default()).collect(),
        };
        if runs.len() == 1 || threads::num_threads() == 1 {
            return runs.iter().zip(parts).map(|(r, d)| f(*r, d)).collect();
        }
        threads::pool().install(|| {
            runs.par_iter()
                .zip(parts.into_par_iter())
                .map(|(r, d)| f(*r, d))
                .collect()
        })
    }

    /// A run's part of a `[N, ...]` buffer of `per_sample` elements per sample.
    fn part<'a, T>(&self, all: &'a [T], run: Run, per_sample: usize) -> &'a [T] {
        &all[run.start * per_sample..][..run.len * per_sample]
    }

    /// The convolution of `x` (`[N, C, h, w]`) with `w` (`[O, C/groups, kh, kw]`)
    /// plus `bias`, into `out` (`[N, O, oh, ow]`, fully overwritten).
    pub fn forward<T: Real>(
        &self,
        x: &[T],
        w: &[T],
        bias: Option<&[T]>,
        out: &mut [T],
    ) -> Result<()> {
        let (og, k, p) = (self.group_out(), self.rows(), self.win.output_len());
        self.each_run(Some((out, self.sample_out())), |run, out| {
            let x = self.part(x, run, self.sample_in());
            let l = run.len * p;
            // Both buffers are overwritten whole before they are read: the
            // columns by im2col (padding included), the product by gemm.
            alloc::with_scratch("conv2d", k * l, |cols: &mut [T]| {
                alloc::with_scratch("conv2d", og * l, |prod: &mut [T]| {
                    for grp in 0..self.groups {
                        self.columns(x, run, grp, cols);
                        let weights = MatRef {
                            data: &w[grp * og * k..],
                            strides: (k, 1),
                        };
                        let columns = MatRef {
                            data: cols,
                            strides: (l, 1),
                        };
                        gemm(og, l, k, prod, weights, columns, false);
                        // The product is [og, samples * p]; the output wants [samples, O, p].
                        for oi in 0..og {
                            for i in 0..run.len {
                                let b = bias.map_or(T::ZERO, |b| b[grp * og + oi]);
                                let src = &prod[oi * l + i * p..][..p];
                                for (d, &s) in out[self.out_plane(i, grp, oi)].iter_mut().zip(src) {
                                    *d = s + b;
                                }
                            }
                        }
                    }
                })
            })?
        })?;
        Ok(())
    }

    /// Gradients of the input (into `gx`, `[N, C, h, w]`, overwritten) and of the
    /// weight (into `gw`, `[O, C/groups, kh, kw]`, overwritten) from the output
    /// gradient `g`; either may be skipped.
    pub fn backward<T: Real>(
        &self,
        g: &[T],
        x: &[T],
        w: &[T],
        gx: Option<&mut [T]>,
        gw: Option<&mut [T]>,
    ) -> Result<()> {
        let (og, k, p) = (self.group_out(), self.rows(), self.win.output_len());
        let (need_x, need_w) = (gx.is_some(), gw.is_some());
        // Each run's input gradient goes straight into its part of gx; its weight
        // gradient comes back to be summed in run order.
        let partials = self.each_run(gx.map(|d| (d, self.sample_in())), |run, gx| {
            let (g, x) = (
                self.part(g, run, self.sample_out()),
                self.part(x, run, self.sample_in()),
            );
            let l = run.len * p;
            let mut gw = alloc::filled(
                "conv2d backward",
                if need_w { self.out_channels * k } else { 0 },
                T::ZERO,
            )?;
            // Overwritten whole before they are read: the gradient matrix by the
            // copies below, the columns by im2col or by the gemm into them.
            alloc::with_scratch("conv2d backward", k * l, |cols: &mut [T]| {
                alloc::with_scratch("conv2d backward", og * l, |gmat: &mut [T]| {
                    for grp in 0..self.groups {
                        // This group's output gradient as the [og, samples * p]
                        // matrix the forward product made.
                        for oi in 0..og {
                            for i in 0..run.len {
                                gmat[oi * l + i * p..][..p]
                                    .copy_from_slice(&g[self.out_plane(i, grp, oi)]);
                            }
                        }
                        let dy = MatRef {
                            data: gmat,
                            strides: (l, 1),
                        };
                        if need_w {
                            self.columns(x, run, grp, cols);
                            let cols_t = MatRef {
                                data: cols,
                                strides: (1, l),
                            };
                            gemm(
                                og,
                                k,
                                l,
                                &mut gw[grp * og * k..][..og * k],
                                dy,
                                cols_t,
                                false,
                            );
                        }
                        if need_x {
                            let w_t = MatRef {
                                data: &w[grp * og * k..],
                                strides: (1, k),
                            };
                            gemm(k, l, og, cols, w_t, dy, false);
                            let (hw, cg) = (self.win.input_len(), self.group_in());
                            for i in 0..run.len {
                                let planes =
                                    &mut gx[i * self.sample_in() + grp * cg * hw..][..cg * hw];
                                planes.fill(T::ZERO);
                                col2im(cols, &self.win, l, i * p, planes);
                            }
                        }
                    }
                })
            })??;
            Ok(gw)
        })?;
        if let Some(gw) = gw {
            gw.fill(T::ZERO);
            for part in partials {
                for (a, v) in gw.iter_mut().zip(part) {
                    *a = *a + v;
                }
            }
        }
        Ok(())
    }

    /// The bias gradient: `g` summed over samples and positions per output channel.
    /// Each plane is summed by the vectorised kernel, and the planes in float64, so
    /// that long float32 sums stay accurate.
    pub fn bias_grad<T: Real>(&self, g: &[T]) -> Vec<T> {
        let (o, p) = (self.out_channels, self.win.output_len());
        let mut acc = vec![0f64; o];
        if p > 0 {
            for (plane, a) in g.chunks_exact(p).zip((0..o).cycle()) {
                acc[a] += elementwise::sum(plane).widen();
            }
        }
        acc.into_iter().map(T::of).collect()
    }
}
