//! Batch normalisation (`torch.nn.functional.batch_norm`) as one fused op, forward
//! beside backward. Composed from mean/var/sub/div it would record about ten graph
//! nodes and as many full-size temporaries per layer; fused, the forward is two
//! passes over each channel and the backward needs only the per-channel mean and
//! inverse deviation it saved. Statistics are accumulated in float64 whatever the
//! dtype, so a channel of a million float32 values keeps its precision.

use super::norm_backward::{affine_backward, NormGrads};
use crate::autograd::{record, Backward};
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

    /// The packed runs of channel `ch`, one per batch entry.
    fn runs<'a, T>(self, data: &'a [T], ch: usize) -> impl Iterator<Item = &'a [T]> + 'a {
        (0..self.n).map(move |b| {
            let start = (b * self.c + ch) * self.inner;
            &data[start..start + self.inner]
        })
    }

    /// The per-element loop every pass of this file makes: `f(channel, index)` for
    /// each element in storage order.
    fn for_each(self, mut f: impl FnMut(usize, usize)) {
        for b in 0..self.n {
            for ch in 0..self.c {
                let start = (b * self.c + ch) * self.inner;
                for i in start..start + self.inner {
                    f(ch, i);
                }
            }
        }
    }
}

/// Per-channel mean and biased variance, two-pass in float64.
fn channel_stats<T: Float>(x: &[T], geo: Channels) -> (Vec<f64>, Vec<f64>) {
    let m = geo.count() as f64;
    let mut mean = vec![0.0; geo.c];
    let mut var = vec![0.0; geo.c];
    for ch in 0..geo.c {
        let sum: f64 = geo.runs(x, ch).flatten().map(|v| v.to_f64()).sum();
        let mu = sum / m;
        let sq: f64 = geo
            .runs(x, ch)
            .flatten()
            .map(|v| {
                let d = v.to_f64() - mu;
                d * d
            })
            .sum();
        mean[ch] = mu;
        var[ch] = sq / m;
    }
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

/// `y = (x - mean) * invstd * w + b` per channel, computed in float64.
fn normalize<T: Float>(
    x: &[T],
    geo: Channels,
    mean: &[f64],
    invstd: &[f64],
    weight: Option<&[f64]>,
    bias: Option<&[f64]>,
) -> Result<Vec<T>> {
    // y = x * scale + shift, with the per-channel constants folded once.
    let scale: Vec<f64> = (0..geo.c)
        .map(|c| invstd[c] * weight.map_or(1.0, |w| w[c]))
        .collect();
    let shift: Vec<f64> = (0..geo.c)
        .map(|c| bias.map_or(0.0, |b| b[c]) - mean[c] * scale[c])
        .collect();
    let mut out = alloc::filled("batchNorm", x.len(), T::ZERO)?;
    geo.for_each(|c, i| out[i] = T::of(x[i].to_f64() * scale[c] + shift[c]));
    Ok(out)
}

struct BatchNormBackward {
    geo: Channels,
    mean: Vec<f64>,
    invstd: Vec<f64>,
    /// True when the batch's own statistics normalised it (they depend on x).
    batch_stats: bool,
    has_weight: bool,
    has_bias: bool,
}

impl NormGrads for BatchNormBackward {
    fn grads<T: Float>(&self, x: &[T], g: &[T], w: Option<&[f64]>) -> Result<[Vec<T>; 3]> {
        let geo = self.geo;
        let m = geo.count() as f64;
        let xhat = |c: usize, v: T| (v.to_f64() - self.mean[c]) * self.invstd[c];
        // Per channel: sum(g) and sum(g * xhat).
        let mut sum_g = vec![0.0; geo.c];
        let mut sum_gx = vec![0.0; geo.c];
        geo.for_each(|c, i| {
            let gi = g[i].to_f64();
            sum_g[c] += gi;
            sum_gx[c] += gi * xhat(c, x[i]);
        });
        // dx = w * invstd * (g - mean(g) - xhat * mean(g * xhat)) with batch
        // statistics; with fixed running statistics only the first term remains.
        let mut dx = alloc::filled("batchNorm backward", x.len(), T::ZERO)?;
        geo.for_each(|c, i| {
            let k = self.invstd[c] * w.map_or(1.0, |w| w[c]);
            let gi = g[i].to_f64();
            dx[i] = T::of(if self.batch_stats {
                k * (gi - sum_g[c] / m - xhat(c, x[i]) * sum_gx[c] / m)
            } else {
                k * gi
            });
        });
        let cast = |v: &[f64]| v.iter().map(|&a| T::of(a)).collect::<Vec<T>>();
        Ok([dx, cast(&sum_gx), cast(&sum_g)])
    }
}

impl Backward for BatchNormBackward {
    fn backward(&self, g: &Tensor, inputs: &[Tensor]) -> Result<Vec<Option<Tensor>>> {
        let recorded = (self.has_weight, self.has_bias);
        affine_backward(
            "batchNorm backward",
            self,
            g,
            inputs,
            recorded,
            &[self.geo.c],
        )
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
    let out = Tensor::from_storage(out, shape);
    let mut inputs = vec![input];
    inputs.extend(weight);
    inputs.extend(bias);
    Ok(record(out, "NativeBatchNormBackward", &inputs, || {
        BatchNormBackward {
            geo,
            mean,
            invstd,
            batch_stats,
            has_weight: weight.is_some(),
            has_bias: bias.is_some(),
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
