//! Cross-entropy and negative log-likelihood, one fused op each way (forward beside
//! backward): log-softmax, class weights, `ignore_index`, label smoothing and
//! probability targets in one pass over each row of classes, cheaper and more
//! stable than composing them.
//!
//! Every variant is `loss_i = -sum_j coef_ij * logp_ij` for a row `i` of `C`
//! log-probabilities, with the coefficients
//! - class target `t`: `(1 - eps) * w_t * [j == t] + (eps / C) * w_j`,
//! - probability target `q`: `w_j * ((1 - eps) * q_ij + eps / C)`,
//!
//! so `d loss_i / d logit_ij = softmax_ij * sum_j coef_ij - coef_ij`. The mean
//! divides by the summed weight `w_t` of the counted rows for class targets (as
//! PyTorch does; ignored rows count for nothing) and by the row count for
//! probability targets.

use super::Reduction;
use crate::autograd::{record, Backward};
use crate::kernels::elementwise;
use crate::tensor::shape::fmt_shape;
use crate::tensor::{alloc, float_dispatch, DType, Float, Real, Tensor};
use crate::{bail, Result};

/// The options of [`cross_entropy_with`] and [`nll_loss`], PyTorch's defaults by
/// `Default`.
#[derive(Debug, Clone, Copy)]
pub struct ClassLossOptions<'a> {
    /// A rescaling weight per class, `[C]`.
    pub weight: Option<&'a Tensor>,
    /// A class-index target that does not count (PyTorch's default, -100).
    pub ignore_index: i64,
    /// `eps` in `[0, 1]`: the target mixed with the uniform distribution
    /// (cross-entropy only).
    pub label_smoothing: f64,
    /// How the per-row losses are combined.
    pub reduction: Reduction,
}

impl Default for ClassLossOptions<'_> {
    fn default() -> Self {
        ClassLossOptions {
            weight: None,
            ignore_index: -100,
            label_smoothing: 0.0,
            reduction: Reduction::Mean,
        }
    }
}

/// What each row is compared with.
enum Targets {
    /// A class per row; `None` for a row whose target is `ignore_index`.
    Classes(Vec<Option<usize>>),
    /// `[rows, C]` probabilities, packed.
    Probs(Vec<f64>),
}

/// One batch of rows of `c` classes and everything that weights them.
struct Rows {
    n: usize,
    c: usize,
    weight: Option<Vec<f64>>,
    smoothing: f64,
    targets: Targets,
    /// Cross-entropy takes logits (log-softmax inside); NLL takes log-probabilities.
    logits: bool,
}

impl Rows {
    fn w(&self, j: usize) -> f64 {
        self.weight.as_ref().map_or(1.0, |w| w[j])
    }

    /// False for a row whose target is `ignore_index`.
    fn counts(&self, i: usize) -> bool {
        match &self.targets {
            Targets::Classes(t) => t[i].is_some(),
            Targets::Probs(_) => true,
        }
    }

    /// `coef_ij` of the module docs for probability targets.
    fn prob_coef(&self, q: &[f64], i: usize, j: usize) -> f64 {
        let eps = self.smoothing;
        self.w(j) * ((1.0 - eps) * q[i * self.c + j] + eps / self.c as f64)
    }

    /// `(eps / C) * w_j` for every class: the smoothing part of the class-target
    /// coefficients (empty without smoothing).
    fn smooth_weights(&self) -> Vec<f64> {
        if self.smoothing == 0.0 {
            return Vec::new();
        }
        let k = self.smoothing / self.c as f64;
        (0..self.c).map(|j| k * self.w(j)).collect()
    }

    /// The divisor of the mean.
    fn denominator(&self) -> f64 {
        match &self.targets {
            Targets::Classes(t) => t.iter().flatten().map(|&t| self.w(t)).sum(),
            Targets::Probs(_) => self.n as f64,
        }
    }

    /// Row `i` of `x`.
    fn row<'x, T>(&self, x: &'x [T], i: usize) -> &'x [T] {
        &x[i * self.c..(i + 1) * self.c]
    }

    /// `-sum_j coef_ij * logp_ij` of every row.
    fn losses<T: Float>(&self, x: &[T]) -> Vec<f64> {
        let mut exps = Vec::with_capacity(self.c);
        let smooth = self.smooth_weights();
        let keep = 1.0 - self.smoothing;
        (0..self.n)
            .map(|i| {
                if !self.counts(i) {
                    return 0.0;
                }
                let row = self.row(x, i);
                // log p_j = x_j - lse for logits; the input itself for NLL.
                let lse = match self.logits {
                    true => {
                        let (shift, total) = exp_shifted(row, &mut exps);
                        Real::ln(total) + shift
                    }
                    false => T::ZERO,
                };
                let logp = |j: usize| (row[j] - lse).to_f64();
                match &self.targets {
                    Targets::Classes(t) => {
                        let t = t[i].expect("counted rows have a class");
                        let spread: f64 =
                            smooth.iter().enumerate().map(|(j, &k)| k * logp(j)).sum();
                        -keep * self.w(t) * logp(t) - spread
                    }
                    Targets::Probs(q) => -(0..self.c)
                        .map(|j| self.prob_coef(q, i, j) * logp(j))
                        .sum::<f64>(),
                }
            })
            .collect()
    }

    /// The gradients of `sum_i scale_i * loss_i` with respect to the input and
    /// (for probability targets, when `target_grad`) the target:
    /// `scale_i * (softmax_ij * sum_j coef_ij - coef_ij)` for the input.
    fn grads<T: Float>(
        &self,
        x: &[T],
        scale: impl Fn(usize) -> f64,
        target_grad: bool,
    ) -> Result<(Vec<T>, Option<Vec<T>>)> {
        let c = self.c;
        let op = "crossEntropy backward";
        let mut dx = alloc::with_capacity(op, self.n * c)?;
        let mut dt = match target_grad {
            true => Some(alloc::filled(op, self.n * c, T::ZERO)?),
            false => None,
        };
        let keep = 1.0 - self.smoothing;
        let smooth = self.smooth_weights();
        let smooth_total: f64 = smooth.iter().sum();
        let smooth_t: Vec<T> = smooth.iter().map(|&v| T::of(v)).collect();
        let mut exps = Vec::with_capacity(c);
        for i in 0..self.n {
            let start = dx.len();
            if !self.counts(i) {
                dx.resize(start + c, T::ZERO);
                continue;
            }
            let (s, row) = (scale(i), self.row(x, i));
            let (shift, total) = match self.logits {
                true => exp_shifted(row, &mut exps),
                false => (T::ZERO, T::ONE),
            };
            match &self.targets {
                Targets::Classes(t) => {
                    // coef_j = k_t [j == t] + smooth_j, with k_t = (1 - eps) w_t.
                    let t = t[i].expect("counted rows have a class");
                    let k = keep * self.w(t);
                    match (self.logits, smooth.is_empty()) {
                        (true, true) => {
                            let f = T::of(s * k / total.to_f64());
                            elementwise::map_slice(&exps, &mut dx, |e| e * f);
                        }
                        (true, false) => {
                            let f = T::of(s * (k + smooth_total) / total.to_f64());
                            let st = T::of(s);
                            elementwise::zip_slices(&exps, &smooth_t, &mut dx, |e, sw| {
                                e * f - st * sw
                            });
                        }
                        // NLL: no softmax, and no smoothing.
                        (false, _) => dx.resize(start + c, T::ZERO),
                    }
                    dx[start + t] = dx[start + t] - T::of(s * k);
                }
                Targets::Probs(q) => {
                    let sum: f64 = (0..c).map(|j| self.prob_coef(q, i, j)).sum();
                    let total = total.to_f64();
                    let grad = |(j, &e): (usize, &T)| {
                        T::of(s * (e.to_f64() / total * sum - self.prob_coef(q, i, j)))
                    };
                    dx.extend(exps.iter().enumerate().map(grad));
                    if let Some(dt) = dt.as_mut() {
                        let lse = Real::ln(T::of(total)) + shift;
                        for (j, d) in dt[start..start + c].iter_mut().enumerate() {
                            *d = T::of(-s * self.w(j) * keep * (row[j] - lse).to_f64());
                        }
                    }
                }
            }
        }
        Ok((dx, dt))
    }
}

/// `exp(row - shift)` into `exps` by the SIMD kernels, with the row's maximum as
/// the shift so `exp` never overflows; returns the shift and the sum.
fn exp_shifted<T: Float>(row: &[T], exps: &mut Vec<T>) -> (T, T) {
    let max = row.iter().copied().fold(T::NEG_INFINITY, T::max);
    // A row of -inf (or with NaN) would give NaN from (-inf) - (-inf); PyTorch
    // gives NaN too, but a row with a finite max must never see it.
    let shift = if max.is_nan() || max == T::INFINITY || max == T::NEG_INFINITY {
        T::ZERO
    } else {
        max
    };
    exps.clear();
    elementwise::map_slice(row, exps, |v| Real::exp(v - shift));
    (shift, elementwise::sum(exps))
}

struct ClassLossBackward {
    rows: Rows,
    reduction: Reduction,
}

impl Backward for ClassLossBackward {
    fn backward(&self, g: &Tensor, inputs: &[Tensor]) -> Result<Vec<Option<Tensor>>> {
        let g = g.to_vec_f64();
        let denominator = self.rows.denominator();
        let scale = |i: usize| match self.reduction {
            Reduction::Mean => g[0] / denominator,
            Reduction::Sum => g[0],
            Reduction::None => g[i],
        };
        let (x, target) = (&inputs[0], &inputs[1]);
        let target_grad = matches!(self.rows.targets, Targets::Probs(_)) && target.requires_grad();
        let (dx, dt) = float_dispatch!(x.dtype(), "crossEntropy backward", T => {
            let (dx, dt) = x.with_contiguous("crossEntropy backward", |xd: &[T]| {
                self.rows.grads(xd, scale, target_grad)
            })??;
            (T::storage(dx), dt.map(T::storage))
        });
        let dt = dt.map(|d| -> Result<Tensor> {
            Tensor::from_storage(d, x.shape()).to_dtype(target.dtype())
        });
        Ok(vec![
            Some(Tensor::from_storage(dx, x.shape())),
            dt.transpose()?,
        ])
    }
}

/// `shape` without dim 1 (without dim 0 for a 1-D shape): the shape of class-index
/// targets and of the unreduced loss.
fn without_classes(shape: &[usize]) -> Vec<usize> {
    let class_dim = if shape.len() == 1 { 0 } else { 1 };
    shape
        .iter()
        .enumerate()
        .filter(|&(d, _)| d != class_dim)
        .map(|(_, &s)| s)
        .collect()
}

/// The rows `[R, C]` of an input `[C]`, `[N, C]` or `[N, C, d1, ...]` (classes
/// moved last), the target as `[R]` (classes) or `[R, C]` (probabilities), and
/// the shape of the unreduced loss.
fn as_rows(op: &str, input: &Tensor, target: &Tensor) -> Result<(Tensor, Tensor, Vec<usize>)> {
    let shape = input.shape();
    if shape.is_empty() {
        bail!(
            Shape,
            "{op}: input must have a class dimension, got a 0-d tensor"
        );
    }
    let probs = target.dtype() != DType::I64;
    let class_shape = without_classes(shape);
    if probs && target.shape() == class_shape && shape.len() > 1 {
        bail!(
            Dtype,
            "{op}: class-index targets must be int64, got {} (create them with dtype: 'int64'; probability targets have the input's shape {})",
            target.dtype(),
            fmt_shape(shape)
        );
    }
    let expected = if probs {
        shape.to_vec()
    } else {
        class_shape.clone()
    };
    if target.shape() != expected {
        bail!(
            Shape,
            "{op}: input of shape {} needs {} of shape {}, got {}",
            fmt_shape(shape),
            if probs {
                "probability targets"
            } else {
                "class-index targets"
            },
            fmt_shape(&expected),
            fmt_shape(target.shape())
        );
    }
    let c = shape[shape.len().min(2) - 1];
    let rows = |t: &Tensor| -> Result<Tensor> {
        match t.ndim() {
            1 => t.unsqueeze(0),
            2 => Ok(t.clone()),
            k => {
                // [N, C, d...] -> [N, d..., C] -> [N * d..., C]
                let mut perm: Vec<i64> = (0..k as i64).filter(|&d| d != 1).collect();
                perm.push(1);
                t.permute(&perm)?.reshape(&[-1, c as i64])
            }
        }
    };
    let x = rows(input)?;
    let t = if probs {
        rows(target)?
    } else {
        target.reshape(&[-1])?
    };
    Ok((x, t, class_shape))
}

/// The class weights as f64, checked against `c` classes.
fn class_weights(op: &str, weight: Option<&Tensor>, c: usize) -> Result<Option<Vec<f64>>> {
    let Some(w) = weight else { return Ok(None) };
    if w.shape() != [c] {
        bail!(
            Shape,
            "{op}: weight of shape {} does not fit {c} classes (expected [{c}])",
            fmt_shape(w.shape())
        );
    }
    w.dtype().require_float(op, "weight")?;
    Ok(Some(w.to_vec_f64()))
}

/// The class of each row, `None` where it is `ignore_index`; others must be in range.
fn classes(op: &str, target: &Tensor, c: usize, ignore_index: i64) -> Result<Vec<Option<usize>>> {
    target
        .to_vec_i64()?
        .into_iter()
        .map(|t| {
            if t == ignore_index {
                return Ok(None);
            }
            if t < 0 || t as u64 >= c as u64 {
                bail!(Index, "{op}: target {t} is out of range for {c} classes");
            }
            Ok(Some(t as usize))
        })
        .collect()
}

/// The shared entry of cross-entropy (`logits`) and NLL.
fn class_loss(
    op: &str,
    input: &Tensor,
    target: &Tensor,
    options: &ClassLossOptions,
    logits: bool,
) -> Result<Tensor> {
    let eps = options.label_smoothing;
    if !(0.0..=1.0).contains(&eps) {
        bail!(Arg, "{op}: labelSmoothing must be in [0, 1], got {eps}");
    }
    let probs = target.dtype() != DType::I64;
    match target.dtype() {
        DType::I64 => {}
        DType::F32 | DType::F64 if logits => {}
        other => bail!(
            Dtype,
            "{op}: class-index targets must be int64, got {other} (create them with dtype: 'int64'){}",
            if logits { "; probability targets are float tensors of the input's shape" } else { "" }
        ),
    }
    if probs && options.ignore_index >= 0 {
        bail!(
            Arg,
            "{op}: ignoreIndex is not supported with probability targets (got {})",
            options.ignore_index
        );
    }
    let (x, t, none_shape) = as_rows(op, input, target)?;
    let (n, c) = (x.shape()[0], x.shape()[1]);
    if c == 0 {
        bail!(
            Shape,
            "{op}: input of shape {} has no classes",
            fmt_shape(input.shape())
        );
    }
    let targets = if probs {
        Targets::Probs(t.to_vec_f64())
    } else {
        Targets::Classes(classes(op, &t, c, options.ignore_index)?)
    };
    let rows = Rows {
        n,
        c,
        weight: class_weights(op, options.weight, c)?,
        smoothing: if logits { eps } else { 0.0 },
        targets,
        logits,
    };
    let losses = float_dispatch!(x.dtype(), op, T => {
        x.with_contiguous(op, |xd: &[T]| rows.losses(xd))?
    });
    let reduction = options.reduction;
    let (values, shape): (Vec<f64>, &[usize]) = match reduction {
        Reduction::None => (losses, &[n]),
        Reduction::Sum => (vec![losses.iter().sum()], &[]),
        Reduction::Mean => (vec![losses.iter().sum::<f64>() / rows.denominator()], &[]),
    };
    let storage = float_dispatch!(x.dtype(), op, T => {
        T::storage(values.iter().map(|&v| T::of(v)).collect())
    });
    let out = Tensor::from_storage(storage, shape);
    let name = if logits {
        "CrossEntropyLossBackward"
    } else {
        "NllLossBackward"
    };
    let out = record(out, name, &[&x, &t], || ClassLossBackward {
        rows,
        reduction,
    });
    match reduction {
        Reduction::None if none_shape != [n] => out.reshape_to(&none_shape),
        _ => Ok(out),
    }
}

/// Cross-entropy between raw logits and class indices or class probabilities,
/// with PyTorch's options: `input` is `[C]`, `[N, C]` or `[N, C, d1, ...]`;
/// `target` is int64 class indices of the input's shape without dim 1, or float
/// probabilities of the input's shape.
pub fn cross_entropy_with(
    input: &Tensor,
    target: &Tensor,
    options: &ClassLossOptions,
) -> Result<Tensor> {
    class_loss("crossEntropy", input, target, options, true)
}

/// Cross-entropy of raw logits `[N, C]` (or `[C]`) against int64 class indices
/// `[N]` (or `[]`): `-log_softmax(x)[target]`, reduced.
pub fn cross_entropy(logits: &Tensor, target: &Tensor, reduction: Reduction) -> Result<Tensor> {
    let options = ClassLossOptions {
        reduction,
        ..Default::default()
    };
    cross_entropy_with(logits, target, &options)
}

/// Negative log-likelihood of log-probabilities `[C]`, `[N, C]` or
/// `[N, C, d1, ...]` against int64 class indices: `-w_t * input[t]`, reduced
/// (the mean divides by the summed weights of the counted rows).
pub fn nll_loss(input: &Tensor, target: &Tensor, options: &ClassLossOptions) -> Result<Tensor> {
    if options.label_smoothing != 0.0 {
        bail!(Arg, "nllLoss: label smoothing applies to crossEntropy only");
    }
    class_loss("nllLoss", input, target, options, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cross_entropy_matches_the_definition() {
        let x = Tensor::from_vec(vec![1.0, 2.0, 3.0, 1.0, 1.0, 1.0], &[2, 3]).unwrap();
        let t = Tensor::from_vec_i64(vec![2, 0], &[2]).unwrap();
        let l = cross_entropy(&x, &t, Reduction::None)
            .unwrap()
            .to_vec_f32()
            .unwrap();
        let expect0 = -(3.0f32 - (1f32.exp() + 2f32.exp() + 3f32.exp()).ln());
        assert!((l[0] - expect0).abs() < 1e-6 && (l[1] - 3f32.ln()).abs() < 1e-6);
        let mean = cross_entropy(&x, &t, Reduction::Mean)
            .unwrap()
            .item()
            .unwrap() as f32;
        assert!((mean - (l[0] + l[1]) / 2.0).abs() < 1e-6);
    }

    #[test]
    fn bad_targets_are_refused() {
        let x = Tensor::zeros(&[2, 3]).unwrap();
        let e = cross_entropy(
            &x,
            &Tensor::from_vec_i64(vec![0, 3], &[2]).unwrap(),
            Reduction::Mean,
        );
        assert_eq!(e.unwrap_err().code, crate::ErrorCode::Index);
        let e = cross_entropy(&x, &Tensor::zeros(&[2]).unwrap(), Reduction::Mean);
        assert_eq!(e.unwrap_err().code, crate::ErrorCode::Dtype);
        let e = cross_entropy(
            &x,
            &Tensor::from_vec_i64(vec![0], &[1]).unwrap(),
            Reduction::Mean,
        );
        assert_eq!(e.unwrap_err().code, crate::ErrorCode::Shape);
    }

    #[test]
    fn weighted_mean_divides_by_the_counted_weights() {
        let x =
            Tensor::from_vec(vec![1.0, 2.0, 3.0, 1.0, 1.0, 1.0, 0.0, 5.0, 0.0], &[3, 3]).unwrap();
        let t = Tensor::from_vec_i64(vec![2, 0, -100], &[3]).unwrap();
        let w = Tensor::from_vec(vec![2.0, 1.0, 0.5], &[3]).unwrap();
        let none = ClassLossOptions {
            weight: Some(&w),
            reduction: Reduction::None,
            ..Default::default()
        };
        let l = cross_entropy_with(&x, &t, &none)
            .unwrap()
            .to_vec_f32()
            .unwrap();
        assert_eq!(l[2], 0.0);
        let mean = ClassLossOptions {
            reduction: Reduction::Mean,
            ..none
        };
        let m = cross_entropy_with(&x, &t, &mean).unwrap().item().unwrap() as f32;
        assert!((m - (l[0] + l[1]) / 2.5).abs() < 1e-6);
    }
}
