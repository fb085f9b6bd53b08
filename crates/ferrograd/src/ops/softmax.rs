//! Numerically stable softmax and log-softmax along one dimension, forward beside
//! backward.

use crate::autograd::{record, Backward};
use crate::kernels::elementwise::{map_generic, max_generic, sum_generic};
use crate::kernels::simd::multiversion;
use crate::tensor::shape::normalize_dim;
use crate::tensor::{alloc, float_dispatch, Float, Real, Tensor};
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
fn kernel<T: Float>(op: &str, x: &[T], shape: &[usize], dim: usize, log: bool) -> Result<Vec<T>> {
    let (_, n, inner) = split(shape, dim);
    if inner == 1 {
        let mut out = alloc::with_capacity(op, x.len())?;
        if n > 0 {
            last_dim(x, n, log, &mut out);
        }
        return Ok(out);
    }
    let mut out = alloc::filled(op, x.len(), T::ZERO)?;
    if n > 0 && inner > 0 {
        inner_dims(x, n, inner, log, &mut out);
    }
    Ok(out)
}

multiversion! {
    /// Lines across rows: each `n x inner` slice of `x` (`n`, `inner` > 0) has
    /// `inner` lines, one per column; every pass goes row by row over all of
    /// them at once, vectorised along the packed inner dimension (a walk down
    /// each column in turn took softmax(0) of 512x1024 to 21 ms).
    pub fn inner_dims / inner_dims_at / inner_dims_generic <T: [Float]> (x: &[T], n: usize, inner: usize, log: bool, out: &mut [T]) -> ()
}

#[inline(always)]
fn inner_dims_generic<T: Float>(x: &[T], n: usize, inner: usize, log: bool, out: &mut [T]) {
    let mut shift = vec![T::NEG_INFINITY; inner];
    let mut total = vec![T::ZERO; inner];
    for (xs, os) in x
        .chunks_exact(n * inner)
        .zip(out.chunks_exact_mut(n * inner))
    {
        shift.fill(T::NEG_INFINITY);
        total.fill(T::ZERO);
        for row in xs.chunks_exact(inner) {
            for (m, &v) in shift.iter_mut().zip(row) {
                *m = m.max(v);
            }
        }
        // A line of -inf would give NaN from (-inf) - (-inf); PyTorch gives NaN too,
        // but a line with a finite max must never see it.
        shift.iter_mut().for_each(|m| *m = finite_or_zero(*m));
        for (row, orow) in xs.chunks_exact(inner).zip(os.chunks_exact_mut(inner)) {
            for (((o, &v), &c), s) in orow.iter_mut().zip(row).zip(&shift).zip(total.iter_mut()) {
                *o = Real::exp(v - c);
                *s = *s + *o;
            }
        }
        if log {
            total.iter_mut().for_each(|s| *s = Real::ln(*s));
            for (row, orow) in xs.chunks_exact(inner).zip(os.chunks_exact_mut(inner)) {
                for (((o, &v), &c), &l) in orow.iter_mut().zip(row).zip(&shift).zip(&total) {
                    *o = v - c - l;
                }
            }
        } else {
            total.iter_mut().for_each(|s| *s = T::ONE / *s);
            for orow in os.chunks_exact_mut(inner) {
                for (o, &inv) in orow.iter_mut().zip(&total) {
                    *o = *o * inv;
                }
            }
        }
    }
}

multiversion! {
    /// The common case, rows of `n` packed elements (`n` > 0), appended to `out`
    /// (which has the room): every pass over a row (max, exp and sum, scale) runs
    /// vectorised for the CPU, one dispatch for all rows. Sums are taken in
    /// `sum_generic`'s fixed order, so results are the same at every level.
    pub fn last_dim / last_dim_at / last_dim_generic <T: [Float]> (x: &[T], n: usize, log: bool, out: &mut Vec<T>) -> ()
}

#[inline(always)]
fn last_dim_generic<T: Float>(x: &[T], n: usize, log: bool, out: &mut Vec<T>) {
    for row in x.chunks_exact(n) {
        let shift = finite_or_zero(max_generic(row));
        let start = out.len();
        map_generic(row, out, |v| Real::exp(v - shift));
        let done = &mut out[start..];
        let total = sum_generic(done);
        if log {
            let lse = Real::ln(total);
            for (o, &v) in done.iter_mut().zip(row) {
                *o = v - shift - lse;
            }
        } else {
            let inv = T::ONE / total;
            for o in done.iter_mut() {
                *o = *o * inv;
            }
        }
    }
}

/// `v`, or 0 for an infinite or NaN `v`.
fn finite_or_zero<T: Float>(v: T) -> T {
    if v.is_nan() || v == T::INFINITY || v == T::NEG_INFINITY {
        T::ZERO
    } else {
        v
    }
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
        let data = float_dispatch!(self.dtype(), op, T => {
            T::storage(self.with_contiguous(op, |x: &[T]| kernel(op, x, self.shape(), d, log))??)
        });
        let out = Tensor::from_storage(data, self.shape());
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
