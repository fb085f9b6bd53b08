//! The losses computed element by element from an input and a target of the same
//! shape: L1, smooth L1, Huber, binary cross-entropy (on probabilities and on
//! logits) and KL divergence. Each is one fused op: the forward computes every
//! element's loss and its derivatives in one pass (in float64), keeps the
//! derivatives the graph needs, and the backward only scales them by the upstream
//! gradient. Composed from abs/where/log ops each would record several nodes and
//! full-size temporaries, and BCE on logits would lose its stability.

use super::Reduction;
use crate::autograd::{is_grad_enabled, record, Backward};
use crate::tensor::shape::fmt_shape;
use crate::tensor::{alloc, float_dispatch, Tensor};
use crate::{bail, Result};

/// Which loss, with its parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    L1,
    SmoothL1 { beta: f64 },
    Huber { delta: f64 },
    Bce,
    BceWithLogits,
    KlDiv { log_target: bool },
}

/// `(loss, d loss / d x, d loss / d t)` at one element; `pw` is the positive-class
/// weight of BCE with logits (1 for the others).
fn element(kind: Kind, x: f64, t: f64, pw: f64) -> (f64, f64, f64) {
    let d = x - t;
    match kind {
        Kind::L1 => {
            let s = if d > 0.0 {
                1.0
            } else if d < 0.0 {
                -1.0
            } else {
                0.0
            };
            (d.abs(), s, -s)
        }
        Kind::SmoothL1 { beta: 0.0 } => element(Kind::L1, x, t, pw),
        Kind::SmoothL1 { beta } => {
            let loss = if d.abs() < beta {
                0.5 * d * d / beta
            } else {
                d.abs() - 0.5 * beta
            };
            let g = if d <= -beta {
                -1.0
            } else if d >= beta {
                1.0
            } else {
                d / beta
            };
            (loss, g, -g)
        }
        Kind::Huber { delta } => {
            let loss = if d.abs() < delta {
                0.5 * d * d
            } else {
                delta * (d.abs() - 0.5 * delta)
            };
            let g = if d <= -delta {
                -delta
            } else if d >= delta {
                delta
            } else {
                d
            };
            (loss, g, -g)
        }
        Kind::Bce => {
            // PyTorch clamps the logs at -100 so a confident mistake costs 100, not inf.
            let (lx, l1x) = (x.ln().max(-100.0), (-x).ln_1p().max(-100.0));
            let loss = -(t * lx + (1.0 - t) * l1x);
            (loss, (x - t) / ((1.0 - x) * x).max(1e-12), l1x - lx)
        }
        Kind::BceWithLogits => {
            // log(sigmoid(x)) without overflow for large |x|.
            let log_sig = x.min(0.0) - (-x.abs()).exp().ln_1p();
            let sig = 1.0 / (1.0 + (-x).exp());
            let lw = (pw - 1.0) * t + 1.0;
            let loss = (1.0 - t) * x - lw * log_sig;
            (loss, lw * sig - pw * t, (1.0 - pw) * log_sig - x)
        }
        Kind::KlDiv { log_target: true } => {
            let e = t.exp();
            (e * (t - x), -e, e * (t - x + 1.0))
        }
        Kind::KlDiv { log_target: false } => {
            // xlogy(t, t) - t * x, differentiated as PyTorch's autograd does: the
            // second argument's derivative t / t is NaN at a zero target.
            let xlogy = if t == 0.0 { 0.0 } else { t * t.ln() };
            let (dlog, ratio) = if t != 0.0 {
                (t.ln(), 1.0)
            } else {
                (0.0, f64::NAN)
            };
            (xlogy - t * x, -t, dlog + ratio - x)
        }
    }
}

/// How the element losses are combined: kept, summed, or summed and divided.
#[derive(Debug, Clone, Copy)]
enum Combine {
    Keep,
    Sum,
    Divide(f64),
}

impl Combine {
    fn of(reduction: Reduction, numel: usize) -> Combine {
        match reduction {
            Reduction::None => Combine::Keep,
            Reduction::Sum => Combine::Sum,
            Reduction::Mean => Combine::Divide(numel as f64),
        }
    }
}

/// How [`kl_div`] reduces: PyTorch's three, or `'batchmean'` (the sum divided by
/// the batch size, the actual KL divergence per sample).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KlDivReduction {
    /// One of the usual reductions.
    Plain(Reduction),
    /// Sum over all elements divided by the size of dim 0.
    BatchMean,
}

impl KlDivReduction {
    /// Parses `'mean' | 'sum' | 'none' | 'batchmean'`.
    pub fn parse(s: &str) -> Result<KlDivReduction> {
        match s {
            "batchmean" => Ok(KlDivReduction::BatchMean),
            other => Reduction::parse(other)
                .map(KlDivReduction::Plain)
                .map_err(|_| crate::Error::new(crate::ErrorCode::Arg, format!("klDiv: reduction must be 'mean', 'sum', 'none' or 'batchmean', got '{other}'"))),
        }
    }
}

/// The element derivatives the backward scales.
struct PointwiseBackward {
    combine: Combine,
    dx: Option<Tensor>,
    dt: Option<Tensor>,
}

impl Backward for PointwiseBackward {
    fn backward(&self, g: &Tensor, _: &[Tensor]) -> Result<Vec<Option<Tensor>>> {
        let scale = |d: &Option<Tensor>| -> Result<Option<Tensor>> {
            let Some(d) = d else { return Ok(None) };
            Ok(Some(match self.combine {
                Combine::Keep => d.mul(g)?,
                Combine::Sum => d.mul_scalar(g.item()?)?,
                Combine::Divide(n) => d.mul_scalar(g.item()? / n)?,
            }))
        };
        Ok(vec![scale(&self.dx)?, scale(&self.dt)?])
    }
}

/// A weight broadcast to `shape`, as packed f64 values.
fn broadcast(
    op: &str,
    what: &str,
    w: Option<&Tensor>,
    shape: &[usize],
) -> Result<Option<Vec<f64>>> {
    let Some(w) = w else { return Ok(None) };
    let expanded = w.detach().expand(shape).map_err(|_| {
        crate::Error::new(
            crate::ErrorCode::Shape,
            format!(
                "{op}: {what} of shape {} cannot be broadcast to the input's shape {}",
                fmt_shape(w.shape()),
                fmt_shape(shape)
            ),
        )
    })?;
    Ok(Some(expanded.to_vec_f64()))
}

/// The shared body of every loss in this file.
fn pointwise(
    op: &'static str,
    kind: Kind,
    input: &Tensor,
    target: &Tensor,
    weight: Option<&Tensor>,
    pos_weight: Option<&Tensor>,
    combine: Combine,
) -> Result<Tensor> {
    if input.shape() != target.shape() {
        // PyTorch broadcasts [N, 1] against [N] with only a warning, which silently
        // trains on an N x N loss; a mismatch is refused instead.
        bail!(
            Shape,
            "{op}: input shape {} and target shape {} differ; reshape one so they match",
            fmt_shape(input.shape()),
            fmt_shape(target.shape())
        );
    }
    let shape = input.shape();
    let weight = broadcast(op, "weight", weight, shape)?;
    let pos_weight = broadcast(op, "posWeight", pos_weight, shape)?;
    let target_values = target.to_vec_f64();
    let (need_x, need_t) = (
        is_grad_enabled() && input.requires_grad(),
        is_grad_enabled() && target.requires_grad(),
    );
    let n = input.numel();
    let (out, dx, dt) = float_dispatch!(input.dtype(), op, T => {
        let (losses, dx, dt) = input.with_contiguous(op, |x: &[T]| -> Result<_> {
            let mut losses = alloc::with_capacity::<f64>(op, n)?;
            let mut dx = if need_x { alloc::with_capacity::<T>(op, n)? } else { Vec::new() };
            let mut dt = if need_t { alloc::with_capacity::<T>(op, n)? } else { Vec::new() };
            for (i, (&xi, &ti)) in x.iter().zip(&target_values).enumerate() {
                let xi = xi.to_f64();
                if kind == Kind::Bce && !(0.0..=1.0).contains(&xi) {
                    bail!(Arg, "{op}: input values must be probabilities in [0, 1], got {xi} at element {i} (use binaryCrossEntropyWithLogits for raw scores)");
                }
                let pw = pos_weight.as_ref().map_or(1.0, |p| p[i]);
                let w = weight.as_ref().map_or(1.0, |w| w[i]);
                let (l, gx, gt) = element(kind, xi, ti, pw);
                losses.push(w * l);
                if need_x { dx.push(T::of(w * gx)); }
                if need_t { dt.push(T::of(w * gt)); }
            }
            Ok((losses, dx, dt))
        })??;
        let out: Vec<T> = match combine {
            Combine::Keep => losses.iter().map(|&v| T::of(v)).collect(),
            Combine::Sum => vec![T::of(losses.iter().sum())],
            Combine::Divide(d) => vec![T::of(losses.iter().sum::<f64>() / d)],
        };
        (T::storage(out), need_x.then(|| T::storage(dx)), need_t.then(|| T::storage(dt)))
    });
    let out_shape: &[usize] = match combine {
        Combine::Keep => shape,
        _ => &[],
    };
    let out = Tensor::from_storage(out, out_shape);
    let as_tensor = |d: Option<crate::Storage>, like: &Tensor| -> Result<Option<Tensor>> {
        d.map(|d| Tensor::from_storage(d, shape).to_dtype(like.dtype()))
            .transpose()
    };
    let (dx, dt) = (as_tensor(dx, input)?, as_tensor(dt, target)?);
    Ok(record(
        out,
        "PointwiseLossBackward",
        &[input, target],
        || PointwiseBackward { combine, dx, dt },
    ))
}

/// A loss of this file without weights, reduced the usual way.
fn unweighted(
    op: &'static str,
    kind: Kind,
    input: &Tensor,
    target: &Tensor,
    reduction: Reduction,
) -> Result<Tensor> {
    let combine = Combine::of(reduction, input.numel());
    pointwise(op, kind, input, target, None, None, combine)
}

/// Mean absolute error `|input - target|`, reduced.
pub fn l1_loss(input: &Tensor, target: &Tensor, reduction: Reduction) -> Result<Tensor> {
    unweighted("l1Loss", Kind::L1, input, target, reduction)
}

/// Smooth L1: `0.5 d^2 / beta` where `|d| < beta`, `|d| - 0.5 beta` elsewhere
/// (`d = input - target`); `beta = 0` is L1. `beta` must be non-negative.
pub fn smooth_l1_loss(
    input: &Tensor,
    target: &Tensor,
    beta: f64,
    reduction: Reduction,
) -> Result<Tensor> {
    if !(beta >= 0.0 && beta.is_finite()) {
        bail!(
            Arg,
            "smoothL1Loss: beta must be a non-negative number, got {beta}"
        );
    }
    unweighted(
        "smoothL1Loss",
        Kind::SmoothL1 { beta },
        input,
        target,
        reduction,
    )
}

/// Huber: `0.5 d^2` where `|d| < delta`, `delta (|d| - 0.5 delta)` elsewhere;
/// `delta` must be positive.
pub fn huber_loss(
    input: &Tensor,
    target: &Tensor,
    delta: f64,
    reduction: Reduction,
) -> Result<Tensor> {
    if !(delta > 0.0 && delta.is_finite()) {
        bail!(
            Arg,
            "huberLoss: delta must be a positive number, got {delta}"
        );
    }
    unweighted("huberLoss", Kind::Huber { delta }, input, target, reduction)
}

/// Binary cross-entropy of probabilities `input` in `[0, 1]`:
/// `-w (t log x + (1 - t) log(1 - x))`, the logs clamped at -100 as PyTorch does.
/// `weight` broadcasts to the input's shape and gets no gradient.
pub fn binary_cross_entropy(
    input: &Tensor,
    target: &Tensor,
    weight: Option<&Tensor>,
    reduction: Reduction,
) -> Result<Tensor> {
    let combine = Combine::of(reduction, input.numel());
    pointwise(
        "binaryCrossEntropy",
        Kind::Bce,
        input,
        target,
        weight,
        None,
        combine,
    )
}

/// Binary cross-entropy of raw logits, `-w (p t log s(x) + (1 - t) log(1 - s(x)))`
/// with `s` the sigmoid and `p` the positive-class weight, computed stably for
/// any logit. `weight` and `pos_weight` broadcast to the input's shape (`pos_weight`
/// typically `[C]` against `[N, C]`) and get no gradient.
pub fn binary_cross_entropy_with_logits(
    input: &Tensor,
    target: &Tensor,
    weight: Option<&Tensor>,
    pos_weight: Option<&Tensor>,
    reduction: Reduction,
) -> Result<Tensor> {
    let combine = Combine::of(reduction, input.numel());
    pointwise(
        "binaryCrossEntropyWithLogits",
        Kind::BceWithLogits,
        input,
        target,
        weight,
        pos_weight,
        combine,
    )
}

/// KL divergence of the log-probabilities `input` from the target distribution:
/// `t (log t - x)` per element (`exp(t) (t - x)` with `log_target`), reduced;
/// `'batchmean'` divides the sum by the size of dim 0.
pub fn kl_div(
    input: &Tensor,
    target: &Tensor,
    reduction: KlDivReduction,
    log_target: bool,
) -> Result<Tensor> {
    let combine = match reduction {
        KlDivReduction::Plain(r) => Combine::of(r, input.numel()),
        // A 0-d input is one sample.
        KlDivReduction::BatchMean => {
            Combine::Divide(input.shape().first().map_or(1, |&n| n) as f64)
        }
    };
    pointwise(
        "klDiv",
        Kind::KlDiv { log_target },
        input,
        target,
        None,
        None,
        combine,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smooth_l1_and_huber_switch_at_the_threshold() {
        let x = Tensor::from_vec(vec![0.5, 3.0], &[2]).unwrap();
        let t = Tensor::zeros(&[2]).unwrap();
        let s = smooth_l1_loss(&x, &t, 1.0, Reduction::None)
            .unwrap()
            .to_vec_f32()
            .unwrap();
        assert_eq!(s, vec![0.125, 2.5]);
        let h = huber_loss(&x, &t, 2.0, Reduction::Sum)
            .unwrap()
            .item()
            .unwrap();
        assert_eq!(h, 0.125 + 2.0 * (3.0 - 1.0));
        assert_eq!(
            huber_loss(&x, &t, 0.0, Reduction::Sum).unwrap_err().code,
            crate::ErrorCode::Arg
        );
    }

    #[test]
    fn bce_with_logits_is_stable_for_large_logits() {
        let x = Tensor::from_vec(vec![200.0, -200.0], &[2]).unwrap();
        let t = Tensor::from_vec(vec![0.0, 1.0], &[2]).unwrap();
        let l = binary_cross_entropy_with_logits(&x, &t, None, None, Reduction::None).unwrap();
        assert_eq!(l.to_vec_f32().unwrap(), vec![200.0, 200.0]);
        let p = Tensor::from_vec(vec![1.5, 0.5], &[2]).unwrap();
        assert_eq!(
            binary_cross_entropy(&p, &t, None, Reduction::Mean)
                .unwrap_err()
                .code,
            crate::ErrorCode::Arg
        );
    }
}
