//! Batch normalisation (`torch.nn.functional.batch_norm`) as one fused op, forward
//! beside backward. Composed from mean/var/sub/div it would record about ten graph
//! nodes and as many full-size temporaries per layer; fused, the forward is two
//! passes over each channel and the backward needs only the per-channel mean and
//! inverse deviation it saved. Statistics are accumulated in float64 whatever the
//! dtype, so a channel of a million float32 values keeps its precision.

use super::norm_backward::{affine_backward, affine_inputs, NormGrads};
use crate::autograd::{record, Backward};
use crate::kernels::elementwise;
use crate::tensor::shape::fmt_shape;
use crate::tensor::{alloc, float_dispatch, DType, Float, Tensor};
use crate::{bail, Result};

/// The running statistics of a batch-norm layer (its buffers), updated in place by
/// a training-mode forward.
pub struct RunningStats<'a> {
    /// `[C]`: the running mean.
    pub mean: &'a Tensor,
    /// `[C]`: the running unbiased variance.
    pub var: &'a Tensor,
    /// A one-element int64 counter of training batches, incremented by each
    /// training-mode forward; with `momentum: None` the running statistics are the
    /// cumulative average over those batches (factor `1 / num_batches_tracked`).
    pub num_batches_tracked: Option<&'a Tensor>,
}

/// How [`batch_norm`] normalises.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BatchNormOptions {
    /// Normalise with the batch's statistics and update the running ones (true),
    /// or normalise with the running statistics (false; the batch's when there are
    /// none, as PyTorch does).
    pub training: bool,
    /// Weight of the new batch in the running average; `None` for a cumulative
    /// average (needs `num_batches_tracked`).
    pub momentum: Option<f64>,
    /// Added to the variance before the square root.
    pub eps: f64,
}

impl Default for BatchNormOptions {
    /// PyTorch's defaults: training, momentum 0.1, eps 1e-5.
    fn default() -> Self {
        BatchNormOptions {
            training: true,
            momentum: Some(0.1),
            eps: 1e-5,
        }
    }
}

/// `[N, C, *]` seen as N blocks of C channels of `inner` packed elements.
#[derive(Debug, Clone, Copy)]
struct Channels {
    n: usize,
    c: usize,
    inner: usize,
}

impl Channels {
    /// Elements per channel (the `M` statistics are taken over).
    fn count(self) -> usize {
        self.n * self.inner
    }

    /// True when a channel's runs are too short for a call each (`[N, C]`
    /// inputs have runs of one element): passes then go row by row over the
    /// batch, each row `c * inner` elements against per-column parameters
    /// (BatchNorm1d over 256x512 took 3.1 ms run by run, 40x PyTorch's time).
    fn short(self) -> bool {
        self.inner < 16 && self.cols() > 0
    }

    /// Elements per batch row.
    fn cols(self) -> usize {
        self.c * self.inner
    }

    /// A per-channel value for every column of a row.
    fn per_column<T: Float>(self, f: impl Fn(usize) -> f64) -> Vec<T> {
        (0..self.cols()).map(|j| T::of(f(j / self.inner))).collect()
    }

    /// Per-column totals added up per channel.
    fn per_channel(self, cols: &[f64]) -> Vec<f64> {
        cols.chunks(self.inner.max(1))
            .map(|c| c.iter().sum())
            .collect()
    }

    /// Calls `f(channel, range)` for every packed run of one channel, in storage
    /// order, so each pass streams through memory once.
    fn for_runs(self, mut f: impl FnMut(usize, std::ops::Range<usize>)) {
        for b in 0..self.n {
            for ch in 0..self.c {
                let start = (b * self.c + ch) * self.inner;
                f(ch, start..start + self.inner);
            }
        }
    }
}

/// Per-channel mean and biased variance: two passes, each run summed by the SIMD
/// kernel and the runs accumulated in float64.
fn channel_stats<T: Float>(x: &[T], geo: Channels) -> (Vec<f64>, Vec<f64>) {
    let m = geo.count() as f64;
    if geo.short() {
        let cols = geo.cols();
        let mut acc = vec![0.0; cols];
        for row in x.chunks_exact(cols) {
            acc.iter_mut().zip(row).for_each(|(a, &v)| *a += v.to_f64());
        }
        let mean: Vec<f64> = geo.per_channel(&acc).iter().map(|s| s / m).collect();
        let mu: Vec<f64> = geo.per_column(|c| mean[c]);
        acc.fill(0.0);
        for row in x.chunks_exact(cols) {
            for ((a, &v), &u) in acc.iter_mut().zip(row).zip(&mu) {
                *a += (v.to_f64() - u) * (v.to_f64() - u);
            }
        }
        let var = geo.per_channel(&acc).iter().map(|s| s / m).collect();
        return (mean, var);
    }
    let mut mean = vec![0.0; geo.c];
    geo.for_runs(|ch, r| mean[ch] += elementwise::sum(&x[r]).to_f64());
    mean.iter_mut().for_each(|v| *v /= m);
    let mut var = vec![0.0; geo.c];
    let mut squares = Vec::with_capacity(geo.inner);
    geo.for_runs(|ch, r| {
        let mu = T::of(mean[ch]);
        squares.clear();
        elementwise::map_slice(&x[r], &mut squares, |v| (v - mu) * (v - mu));
        var[ch] += elementwise::sum(&squares).to_f64();
    });
    var.iter_mut().for_each(|v| *v /= m);
    (mean, var)
}

/// A `[C]` float vector (weight, bias or running statistic) of `input`'s dtype, as f64.
fn per_channel(what: &str, t: &Tensor, c: usize, dtype: DType) -> Result<Vec<f64>> {
    if t.shape() != [c] {
        bail!(
            Shape,
            "batchNorm: {what} of shape {} does not fit an input of {c} channels (expected [{c}])",
            fmt_shape(t.shape())
        );
    }
    if t.dtype() != dtype {
        bail!(
            Dtype,
            "batchNorm: {what} is {} but the input is {dtype}",
            t.dtype()
        );
    }
    Ok(t.to_vec_f64())
}

/// Writes `values` into a `[C]` running-statistic buffer.
fn store(t: &Tensor, values: &[f64]) -> Result<()> {
    float_dispatch!(t.dtype(), "batchNorm", T => {
        t.with_data_mut("batchNorm", |d: &mut [T]| {
            for (o, &v) in d.iter_mut().zip(values) {
                *o = T::of(v);
            }
        })
    })
}

/// Increments the int64 batch counter; returns its new value.
fn count_batch(counter: &Tensor) -> Result<i64> {
    if counter.dtype() != DType::I64 || counter.numel() != 1 {
        bail!(
            Arg,
            "batchNorm: num_batches_tracked must be a one-element int64 tensor, got {} of shape {}",
            counter.dtype(),
            fmt_shape(counter.shape())
        );
    }
    counter.with_data_mut("batchNorm", |d: &mut [i64]| {
        d[0] += 1;
        d[0]
    })
}

/// Blends this batch's statistics into the running ones, as PyTorch does: the
/// mean with the batch mean, the variance with the batch's *unbiased* variance.
fn update_running(
    running: &RunningStats,
    momentum: Option<f64>,
    geo: Channels,
    mean: &[f64],
    var: &[f64],
    dtype: DType,
) -> Result<()> {
    let old_mean = per_channel("running_mean", running.mean, geo.c, dtype)?;
    let old_var = per_channel("running_var", running.var, geo.c, dtype)?;
    let count = match running.num_batches_tracked {
        Some(counter) => Some(count_batch(counter)?),
        None => None,
    };
    let factor = match (momentum, count) {
        (Some(m), _) => m,
        (None, Some(n)) => 1.0 / n as f64,
        (None, None) => bail!(
            Arg,
            "batchNorm: momentum null (a cumulative average) needs num_batches_tracked"
        ),
    };
    let m = geo.count() as f64;
    let blend = |old: &[f64], new: &[f64], scale: f64| -> Vec<f64> {
        old.iter()
            .zip(new)
            .map(|(&o, &n)| (1.0 - factor) * o + factor * n * scale)
            .collect()
    };
    store(running.mean, &blend(&old_mean, mean, 1.0))?;
    store(running.var, &blend(&old_var, var, m / (m - 1.0)))
}

/// `y = (x - mean) * (invstd * w) + b` per channel. The mean is subtracted
/// first: folding it into the shift (`x * scale + shift`) would cancel large
/// terms for a channel whose mean is far from 0.
fn normalize<T: Float>(
    x: &[T],
    geo: Channels,
    mean: &[f64],
    invstd: &[f64],
    weight: Option<&[f64]>,
    bias: Option<&[f64]>,
) -> Result<Vec<T>> {
    let mut out = alloc::with_capacity("batchNorm", x.len())?;
    if geo.short() {
        let mu: Vec<T> = geo.per_column(|c| mean[c]);
        let scale: Vec<T> = geo.per_column(|c| invstd[c] * weight.map_or(1.0, |w| w[c]));
        let shift: Vec<T> = geo.per_column(|c| bias.map_or(0.0, |b| b[c]));
        for row in x.chunks_exact(geo.cols()) {
            let cols = row.iter().zip(&mu).zip(&scale).zip(&shift);
            out.extend(cols.map(|(((&v, &u), &k), &b)| (v - u) * k + b));
        }
        return Ok(out);
    }
    geo.for_runs(|c, r| {
        let mu = T::of(mean[c]);
        let scale = T::of(invstd[c] * weight.map_or(1.0, |w| w[c]));
        let shift = T::of(bias.map_or(0.0, |b| b[c]));
        elementwise::map_slice(&x[r], &mut out, |v| (v - mu) * scale + shift);
    });
    Ok(out)
}

struct BatchNormBackward {
    geo: Channels,
    mean: Vec<f64>,
    invstd: Vec<f64>,
    /// True when the batch's own statistics normalised it (they depend on x).
    batch_stats: bool,
    /// Whether a weight and a bias were recorded after the input.
    recorded: (bool, bool),
}

impl NormGrads for BatchNormBackward {
    const OP: &'static str = "batchNorm backward";

    fn grads<T: Float>(&self, x: &[T], g: &[T], w: Option<&[f64]>) -> Result<[Vec<T>; 3]> {
        let geo = self.geo;
        let m = geo.count() as f64;
        // Per channel: sum(g) and sum(g * (x - mean)), each run by the SIMD kernels.
        if geo.short() {
            return self.short_grads(x, g, w);
        }
        let mut sum_g = vec![0.0; geo.c];
        let mut sum_gc = vec![0.0; geo.c];
        let mut products = Vec::with_capacity(geo.inner);
        geo.for_runs(|c, r| {
            let mu = T::of(self.mean[c]);
            sum_g[c] += elementwise::sum(&g[r.clone()]).to_f64();
            products.clear();
            elementwise::zip_slices(&g[r.clone()], &x[r], &mut products, |g, x| g * (x - mu));
            sum_gc[c] += elementwise::sum(&products).to_f64();
        });
        // dx = k * (g - mean(g) - xhat * mean(g * xhat)) with k = w * invstd and
        // batch statistics, i.e. a * g + b * (x - mean) + c per channel; with fixed
        // running statistics only k * g remains.
        let mut dx = alloc::with_capacity("batchNorm backward", x.len())?;
        geo.for_runs(|c, r| {
            let inv = self.invstd[c];
            let k = inv * w.map_or(1.0, |w| w[c]);
            let (a, mu) = (T::of(k), T::of(self.mean[c]));
            if self.batch_stats {
                let b = T::of(-k * inv * inv * sum_gc[c] / m);
                let c = T::of(-k * sum_g[c] / m);
                elementwise::zip_slices(&g[r.clone()], &x[r], &mut dx, |g, x| {
                    a * g + b * (x - mu) + c
                });
            } else {
                elementwise::map_slice(&g[r], &mut dx, |g| a * g);
            }
        });
        // d weight = sum(g * xhat) = invstd * sum(g * (x - mean)); d bias = sum(g).
        let dw = (0..geo.c)
            .map(|c| T::of(self.invstd[c] * sum_gc[c]))
            .collect();
        let db = sum_g.iter().map(|&v| T::of(v)).collect();
        Ok([dx, dw, db])
    }
}

impl BatchNormBackward {
    /// [`NormGrads::grads`] row by row over the batch, for short channel runs
    /// (see [`Channels::short`]).
    fn short_grads<T: Float>(&self, x: &[T], g: &[T], w: Option<&[f64]>) -> Result<[Vec<T>; 3]> {
        let geo = self.geo;
        let (m, cols) = (geo.count() as f64, geo.cols());
        let mu: Vec<f64> = geo.per_column(|c| self.mean[c]);
        let (mut acc_g, mut acc_gc) = (vec![0.0; cols], vec![0.0; cols]);
        for (gr, xr) in g.chunks_exact(cols).zip(x.chunks_exact(cols)) {
            for (((s, t), &gv), (&xv, &u)) in acc_g
                .iter_mut()
                .zip(acc_gc.iter_mut())
                .zip(gr)
                .zip(xr.iter().zip(&mu))
            {
                *s += gv.to_f64();
                *t += gv.to_f64() * (xv.to_f64() - u);
            }
        }
        let (sum_g, sum_gc) = (geo.per_channel(&acc_g), geo.per_channel(&acc_gc));
        let k = |c: usize| self.invstd[c] * w.map_or(1.0, |w| w[c]);
        let a: Vec<T> = geo.per_column(k);
        let mut dx = alloc::with_capacity("batchNorm backward", x.len())?;
        if self.batch_stats {
            let inv = &self.invstd;
            let b: Vec<T> = geo.per_column(|c| -k(c) * inv[c] * inv[c] * sum_gc[c] / m);
            let c0: Vec<T> = geo.per_column(|c| -k(c) * sum_g[c] / m);
            let mu: Vec<T> = geo.per_column(|c| self.mean[c]);
            for (gr, xr) in g.chunks_exact(cols).zip(x.chunks_exact(cols)) {
                let terms = gr
                    .iter()
                    .zip(xr)
                    .zip(a.iter().zip(&b))
                    .zip(c0.iter().zip(&mu));
                dx.extend(
                    terms.map(|(((&gv, &xv), (&av, &bv)), (&cv, &uv))| {
                        av * gv + bv * (xv - uv) + cv
                    }),
                );
            }
        } else {
            for gr in g.chunks_exact(cols) {
                dx.extend(gr.iter().zip(&a).map(|(&gv, &av)| av * gv));
            }
        }
        let dw = (0..geo.c)
            .map(|c| T::of(self.invstd[c] * sum_gc[c]))
            .collect();
        let db = sum_g.iter().map(|&v| T::of(v)).collect();
        Ok([dx, dw, db])
    }
}

impl Backward for BatchNormBackward {
    fn backward(&self, g: &Tensor, inputs: &[Tensor]) -> Result<Vec<Option<Tensor>>> {
        affine_backward(self, g, inputs, self.recorded, &[self.geo.c])
    }
}

/// Batch normalisation over dim 1 of `input` `[N, C, *]`:
/// `y = (x - E[x]) / sqrt(Var[x] + eps) * weight + bias`, with the statistics taken
/// over every dim but 1. In training mode they are the batch's (biased variance),
/// and `running` (if given) is blended towards them in place; otherwise the running
/// statistics normalise. `weight` and `bias` are `[C]` or absent.
pub fn batch_norm(
    input: &Tensor,
    weight: Option<&Tensor>,
    bias: Option<&Tensor>,
    running: Option<RunningStats>,
    options: BatchNormOptions,
) -> Result<Tensor> {
    let shape = input.shape();
    if shape.len() < 2 {
        bail!(
            Shape,
            "batchNorm: expected an input of shape [N, C, ...], got {}",
            fmt_shape(shape)
        );
    }
    let (eps, momentum) = (options.eps, options.momentum);
    if !(eps.is_finite() && eps >= 0.0) {
        bail!(
            Arg,
            "batchNorm: eps must be a non-negative number, got {eps}"
        );
    }
    if let Some(m) = momentum {
        if !(0.0..=1.0).contains(&m) {
            bail!(Arg, "batchNorm: momentum must be in [0, 1], got {m}");
        }
    }
    let geo = Channels {
        n: shape[0],
        c: shape[1],
        inner: shape[2..].iter().product(),
    };
    let dtype = input.dtype();
    let w = weight
        .map(|t| per_channel("weight", t, geo.c, dtype))
        .transpose()?;
    let b = bias
        .map(|t| per_channel("bias", t, geo.c, dtype))
        .transpose()?;
    let batch_stats = options.training || running.is_none();
    if batch_stats && geo.count() <= 1 {
        bail!(
            Shape,
            "batchNorm: expected more than 1 value per channel when training, got input of shape {}",
            fmt_shape(shape)
        );
    }
    let fixed = match (&running, batch_stats) {
        (Some(r), false) => Some((
            per_channel("running_mean", r.mean, geo.c, dtype)?,
            per_channel("running_var", r.var, geo.c, dtype)?,
        )),
        _ => None,
    };
    let (out, mean, var, invstd) = float_dispatch!(dtype, "batchNorm", T => {
        input.with_contiguous("batchNorm", |x: &[T]| -> Result<_> {
            let (mean, var) = fixed.unwrap_or_else(|| channel_stats(x, geo));
            let invstd: Vec<f64> = var.iter().map(|v| 1.0 / (v + eps).sqrt()).collect();
            let y = normalize(x, geo, &mean, &invstd, w.as_deref(), b.as_deref())?;
            Ok((T::storage(y), mean, var, invstd))
        })??
    });
    // After the input's data is released: a running buffer is written here.
    if let (Some(r), true) = (&running, options.training) {
        update_running(r, momentum, geo, &mean, &var, dtype)?;
    }
    let inputs = affine_inputs(input, weight, bias);
    let out = Tensor::from_storage(out, shape);
    Ok(record(out, "NativeBatchNormBackward", &inputs, || {
        BatchNormBackward {
            geo,
            mean,
            invstd,
            batch_stats,
            recorded: (weight.is_some(), bias.is_some()),
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_each_channel_and_updates_running_stats() {
        // [N=2, C=2, L=2]: channel 0 holds 1, 2, 5, 6; channel 1 holds 0, 0, 4, 4.
        let x = Tensor::from_vec(vec![1.0, 2.0, 0.0, 0.0, 5.0, 6.0, 4.0, 4.0], &[2, 2, 2]).unwrap();
        let rm = Tensor::zeros(&[2]).unwrap();
        let rv = Tensor::ones(&[2]).unwrap();
        let nbt = Tensor::from_vec_i64(vec![0], &[]).unwrap();
        let running = RunningStats {
            mean: &rm,
            var: &rv,
            num_batches_tracked: Some(&nbt),
        };
        let y = batch_norm(&x, None, None, Some(running), BatchNormOptions::default()).unwrap();
        let y = y.to_vec_f32().unwrap();
        // Channel 1: mean 2, biased var 4, so (0 - 2) / sqrt(4 + 1e-5).
        assert!((y[2] + 2.0 / (4.0f32 + 1e-5).sqrt()).abs() < 1e-6);
        // Running: 0.9 * 0 + 0.1 * 3.5; var 0.9 * 1 + 0.1 * (unbiased 4.25 * 4 / 3).
        let rm = rm.to_vec_f32().unwrap();
        let rv = rv.to_vec_f32().unwrap();
        assert!((rm[0] - 0.35).abs() < 1e-6 && (rm[1] - 0.2).abs() < 1e-6);
        assert!((rv[1] - (0.9 + 0.1 * 16.0 / 3.0)).abs() < 1e-6);
        assert_eq!(nbt.to_vec_i64().unwrap(), vec![1]);
    }

    #[test]
    fn bad_shapes_are_refused() {
        let x = Tensor::zeros(&[4, 3]).unwrap();
        let w = Tensor::ones(&[2]).unwrap();
        let e = batch_norm(&x, Some(&w), None, None, BatchNormOptions::default());
        assert_eq!(e.unwrap_err().code, crate::ErrorCode::Shape);
        let one = Tensor::zeros(&[1, 3]).unwrap();
        let e = batch_norm(&one, None, None, None, BatchNormOptions::default());
        assert_eq!(e.unwrap_err().code, crate::ErrorCode::Shape);
    }
}
