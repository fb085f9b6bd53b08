//! Numerically stable softmax and log-softmax along one dimension, forward beside
//! backward.

use crate::autograd::{record, Backward};
use crate::kernels::{elementwise, math};
use crate::tensor::shape::normalize_dim;
use crate::tensor::{Storage, Tensor};
use crate::Result;

/// Splits a shape around `dim`: (outer, size of dim, inner).
fn split(shape: &[usize], dim: usize) -> (usize, usize, usize) {
    if shape.is_empty() {
        return (1, 1, 1);
    }
    let outer = shape[..dim].iter().product();
    let inner = shape[dim + 1..].iter().product();
    (outer, shape[dim], inner)
}

/// Softmax (or log-softmax) of every line along `dim` of packed data. Subtracting
/// the line's maximum keeps `exp` from overflowing.
fn kernel(x: &[f32], shape: &[usize], dim: usize, log: bool) -> Vec<f32> {
    let (outer, n, inner) = split(shape, dim);
    if inner == 1 {
        return last_dim(x, n, log);
    }
    let mut out = vec![0.0f32; x.len()];
    for o in 0..outer {
        for i in 0..inner {
            let base = o * n * inner + i;
            let at = |j: usize| base + j * inner;
            let max = (0..n).map(|j| x[at(j)]).fold(f32::NEG_INFINITY, f32::max);
            // A line of -inf would give NaN from (-inf) - (-inf); PyTorch gives NaN too,
            // but a line with a finite max must never see it.
            let shift = if max.is_finite() { max } else { 0.0 };
            let mut total = 0.0f32;
            for j in 0..n {
                let e = math::exp(x[at(j)] - shift);
                out[at(j)] = e;
                total += e;
            }
            if log {
                let lse = total.ln();
                for j in 0..n {
                    out[at(j)] = x[at(j)] - shift - lse;
                }
            } else {
                let inv = 1.0 / total;
                for j in 0..n {
                    out[at(j)] *= inv;
                }
            }
        }
    }
    out
}

/// The common case, rows of `n` packed elements, through the SIMD-dispatched loops.
fn last_dim(x: &[f32], n: usize, log: bool) -> Vec<f32> {
    let mut out = Vec::with_capacity(x.len());
    if n == 0 {
        return out;
    }
    for row in x.chunks_exact(n) {
        let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let shift = if max.is_finite() { max } else { 0.0 };
        let start = out.len();
        elementwise::map_slice(row, &mut out, |v| math::exp(v - shift));
        let total = elementwise::sum(&out[start..]);
        let done = &mut out[start..];
        if log {
            let lse = total.ln();
            for (o, &v) in done.iter_mut().zip(row) {
                *o = v - shift - lse;
            }
        } else {
            let inv = 1.0 / total;
            for o in done.iter_mut() {
                *o *= inv;
            }
        }
    }
    out
}

struct SoftmaxBackward {
    dim: i64,
    log: bool,
    /// The op's output, detached.
    output: Tensor,
}

impl Backward for SoftmaxBackward {
    fn backward(&self, g: &Tensor, _: &[Tensor]) -> Result<Vec<Option<Tensor>>> {
        let y = &self.output;
        let dim = [self.dim];
        let grad = if self.log {
            // d log_softmax: g - softmax * sum(g)
            g.sub(&y.exp()?.mul(&g.sum(Some(&dim), true)?)?)?
        } else {
            // d softmax: y * (g - sum(g * y))
            y.mul(&g.sub(&g.mul(y)?.sum(Some(&dim), true)?)?)?
        };
        Ok(vec![Some(grad)])
    }
}

impl Tensor {
    fn softmax_impl(&self, dim: i64, log: bool) -> Result<Tensor> {
        let op = if log { "logSoftmax" } else { "softmax" };
        let d = normalize_dim(op, dim, self.ndim())?;
        let data = self.with_contiguous_f32(op, |x| kernel(x, self.shape(), d, log))?;
        let out = Tensor::from_storage(Storage::F32(data), self.shape());
        let saved = out.detach();
        let name = if log {
            "LogSoftmaxBackward"
        } else {
            "SoftmaxBackward"
        };
        Ok(record(out, name, &[self], || SoftmaxBackward {
            dim: d as i64,
            log,
            output: saved,
        }))
    }

    /// `exp(x) / sum(exp(x))` along `dim`.
    pub fn softmax(&self, dim: i64) -> Result<Tensor> {
        self.softmax_impl(dim, false)
    }

    /// `x - log(sum(exp(x)))` along `dim`, computed without overflow.
    pub fn log_softmax(&self, dim: i64) -> Result<Tensor> {
        self.softmax_impl(dim, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_sum_to_one_and_large_logits_do_not_overflow() {
        let x = Tensor::from_vec(vec![1000.0, 1001.0, 1002.0, -5.0, 0.0, 5.0], &[2, 3]).unwrap();
        let y = x.softmax(-1).unwrap().to_vec_f32().unwrap();
        assert!((y[0] + y[1] + y[2] - 1.0).abs() < 1e-6 && y.iter().all(|v| v.is_finite()));
        let l = x.log_softmax(1).unwrap().to_vec_f32().unwrap();
        assert!((l[2] - (-0.407_605_96)).abs() < 1e-5);
        let cols = x.softmax(0).unwrap().to_vec_f32().unwrap();
        assert!((cols[0] + cols[3] - 1.0).abs() < 1e-6);
    }
}
