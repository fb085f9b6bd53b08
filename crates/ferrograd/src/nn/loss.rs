//! Loss functions. Cross-entropy is one fused op (log-softmax and negative
//! log-likelihood together, forward beside backward): cheaper and more stable than
//! composing them.

use crate::autograd::{record, Backward};
use crate::tensor::shape::fmt_shape;
use crate::tensor::{float_dispatch, DType, Float, Tensor};
use crate::{bail, Result};

/// How per-element losses are combined, as PyTorch's `reduction` argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reduction {
    /// Average over elements (the default).
    Mean,
    /// Sum over elements.
    Sum,
    /// No reduction: one loss per element.
    None,
}

impl Reduction {
    /// Parses `'mean' | 'sum' | 'none'`.
    pub fn parse(s: &str) -> Result<Reduction> {
        Ok(match s {
            "mean" => Reduction::Mean,
            "sum" => Reduction::Sum,
            "none" => Reduction::None,
            other => bail!(
                Arg,
                "reduction must be 'mean', 'sum' or 'none', got '{other}'"
            ),
        })
    }

    fn apply(self, per_element: Tensor) -> Result<Tensor> {
        match self {
            Reduction::Mean => per_element.mean(None, false),
            Reduction::Sum => per_element.sum(None, false),
            Reduction::None => Ok(per_element),
        }
    }
}

/// Mean squared error `(input - target)^2`, reduced. The shapes must match exactly:
/// PyTorch broadcasts `[N, 1]` against `[N]` with only a warning, which silently
/// trains on an `N x N` loss.
pub fn mse_loss(input: &Tensor, target: &Tensor, reduction: Reduction) -> Result<Tensor> {
    if input.shape() != target.shape() {
        bail!(
            Shape,
            "mseLoss: input shape {} and target shape {} differ; reshape one so they match",
            fmt_shape(input.shape()),
            fmt_shape(target.shape())
        );
    }
    let d = input.sub(target)?;
    reduction.apply(d.mul(&d)?)
}

/// Rows of logits and the class of each, validated.
struct Rows {
    n: usize,
    classes: usize,
    targets: Vec<usize>,
}

fn rows(logits: &Tensor, target: &Tensor) -> Result<Rows> {
    if target.dtype() != DType::I64 {
        bail!(
            Dtype,
            "crossEntropy: class-index targets must be int64, got {} (create them with dtype: 'int64')",
            target.dtype()
        );
    }
    let (n, classes) = match (logits.shape(), target.shape()) {
        (&[c], &[]) => (1, c),
        (&[n, c], &[nt]) if n == nt => (n, c),
        (l, t) => bail!(
            Shape,
            "crossEntropy: input of shape {} needs targets of shape {}, got {}",
            fmt_shape(l),
            match l {
                [n, _] => format!("[{n}]"),
                [_] => "[]".into(),
                _ => "[N] with input [N, C]".into(),
            },
            fmt_shape(t)
        ),
    };
    let targets = target
        .to_vec_i64()?
        .into_iter()
        .map(|t| {
            if t < 0 || t as usize >= classes {
                bail!(
                    Index,
                    "crossEntropy: target {t} is out of range for {classes} classes"
                );
            }
            Ok(t as usize)
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Rows {
        n,
        classes,
        targets,
    })
}

/// Log-softmax of one row, written into `out`; returns nothing, fills `out`.
fn log_softmax_row<T: Float>(x: &[T], out: &mut [T]) {
    let max = x.iter().copied().fold(T::NEG_INFINITY, T::max);
    let shift = if max.is_nan() || max == T::INFINITY || max == T::NEG_INFINITY {
        T::ZERO
    } else {
        max
    };
    let total = x
        .iter()
        .fold(T::ZERO, |acc, &v| acc + Float::exp(v - shift));
    let lse = Float::ln(total) + shift;
    for (o, &v) in out.iter_mut().zip(x) {
        *o = v - lse;
    }
}

/// `d loss / d logits` for every row: `(softmax(x_i) - onehot(t_i)) * scale_i`.
fn cross_entropy_grad<T: Float>(
    logits: &Tensor,
    rows: &Rows,
    scale: impl Fn(usize) -> f64,
) -> Result<Vec<T>> {
    let (n, classes) = (rows.n, rows.classes);
    let mut grad = vec![T::ZERO; n * classes];
    logits.with_contiguous("crossEntropy", |x: &[T]| {
        for i in 0..n {
            let row = &mut grad[i * classes..(i + 1) * classes];
            log_softmax_row(&x[i * classes..(i + 1) * classes], row);
            let s = T::of(scale(i));
            for v in row.iter_mut() {
                *v = Float::exp(*v) * s;
            }
            row[rows.targets[i]] = row[rows.targets[i]] - s;
        }
    })?;
    Ok(grad)
}

/// The per-row losses `-log_softmax(x_i)[t_i]`, reduced.
fn cross_entropy_forward<T: Float>(
    logits: &Tensor,
    rows: &Rows,
    reduction: Reduction,
) -> Result<Vec<T>> {
    let (n, classes) = (rows.n, rows.classes);
    let mut losses = vec![T::ZERO; n];
    let mut scratch = vec![T::ZERO; classes];
    logits.with_contiguous("crossEntropy", |x: &[T]| {
        for (i, loss) in losses.iter_mut().enumerate() {
            log_softmax_row(&x[i * classes..(i + 1) * classes], &mut scratch);
            *loss = -scratch[rows.targets[i]];
        }
    })?;
    let sum = || losses.iter().fold(T::ZERO, |a, &v| a + v);
    Ok(match reduction {
        Reduction::None => losses.clone(),
        Reduction::Sum => vec![sum()],
        Reduction::Mean => vec![sum() / T::of(n as f64)],
    })
}

struct CrossEntropyBackward {
    rows: Rows,
    reduction: Reduction,
}

impl Backward for CrossEntropyBackward {
    fn backward(&self, g: &Tensor, inputs: &[Tensor]) -> Result<Vec<Option<Tensor>>> {
        let n = self.rows.n;
        let g = g.to_vec_f64();
        let scale = |i: usize| match self.reduction {
            Reduction::Mean => g[0] / n as f64,
            Reduction::Sum => g[0],
            Reduction::None => g[i],
        };
        // d loss_i / d x_ic = softmax(x_i)_c - [c == t_i]
        let x = &inputs[0];
        let grad = float_dispatch!(x.dtype(), "crossEntropy", T => {
            T::storage(cross_entropy_grad::<T>(x, &self.rows, scale)?)
        });
        Ok(vec![Some(Tensor::from_storage(grad, x.shape())), None])
    }
}

/// Cross-entropy between raw logits `[N, C]` (or `[C]`) and int64 class indices
/// `[N]` (or `[]`): `-log_softmax(x)[target]`, reduced.
pub fn cross_entropy(logits: &Tensor, target: &Tensor, reduction: Reduction) -> Result<Tensor> {
    let rows = rows(logits, target)?;
    let (n, classes) = (rows.n, rows.classes);
    if classes == 0 {
        bail!(
            Shape,
            "crossEntropy: input of shape {} has no classes",
            fmt_shape(logits.shape())
        );
    }
    let total = float_dispatch!(logits.dtype(), "crossEntropy", T => {
        T::storage(cross_entropy_forward::<T>(logits, &rows, reduction)?)
    });
    let shape: &[usize] = match (reduction, logits.ndim()) {
        (Reduction::None, 2) => &[n],
        _ => &[],
    };
    let out = Tensor::from_storage(total, shape);
    Ok(record(out, "NllLossBackward", &[logits, target], || {
        CrossEntropyBackward { rows, reduction }
    }))
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
}
