//! Gradient clipping, as `torch.nn.utils.clip_grad_norm_` and `clip_grad_value_`:
//! the gradients of a list of parameters are rescaled or clamped in place, in one
//! call, before the optimizer step.

use crate::tensor::shape::fmt_shape;
use crate::tensor::{float_dispatch, DType, Tensor};
use crate::{bail, Result};

/// The gradients of `params` that exist, checked for an in-place update before
/// any is changed.
fn grads(op: &str, params: &[Tensor]) -> Result<Vec<Tensor>> {
    let grads: Vec<Tensor> = params.iter().filter_map(Tensor::grad).collect();
    for g in &grads {
        if !matches!(g.dtype(), DType::F32 | DType::F64) || !g.is_contiguous() {
            bail!(
                Arg,
                "{op}: gradients must be contiguous float32 or float64 tensors; got a {} gradient of shape {}{}",
                g.dtype(),
                fmt_shape(g.shape()),
                if g.is_contiguous() { "" } else { " that is a non-contiguous view" }
            );
        }
    }
    Ok(grads)
}

/// The `p`-norm of `xs` as `torch.linalg.vector_norm` defines it for any order:
/// the largest (`inf`) or smallest (`-inf`) magnitude, the count of nonzeros
/// (`0`), otherwise `(sum |x|^p)^(1/p)`. Accumulated in double precision; a NaN
/// element makes it NaN.
fn vector_norm(xs: impl Iterator<Item = f64>, p: f64) -> f64 {
    let mut acc = if p == f64::NEG_INFINITY {
        f64::INFINITY
    } else {
        0.0
    };
    for x in xs.map(f64::abs) {
        acc = if x.is_nan() {
            f64::NAN
        } else if p == f64::INFINITY {
            acc.max(x)
        } else if p == f64::NEG_INFINITY {
            acc.min(x)
        } else if p == 0.0 {
            acc + (x != 0.0) as u8 as f64
        } else if p == 1.0 {
            acc + x
        } else if p == 2.0 {
            acc + x * x
        } else {
            acc + x.powf(p)
        };
        if acc.is_nan() {
            return f64::NAN;
        }
    }
    match p {
        p if p.is_infinite() || p == 0.0 || p == 1.0 => acc,
        2.0 => acc.sqrt(),
        p => acc.powf(1.0 / p),
    }
}

/// Rescales the gradients of `params` in place so that their joint `norm_type`
/// norm (the norm of the vector of per-gradient norms) is at most `max_norm`:
/// each is multiplied by `min(1, max_norm / (total + 1e-6))`. Returns the total
/// norm before clipping as a 0-d tensor (float64 when any gradient is, else
/// float32), as PyTorch does; parameters without a gradient are skipped. With
/// `error_if_nonfinite`, a NaN or infinite total is `ERR_GRAD` and nothing changes.
pub fn clip_grad_norm(
    params: &[Tensor],
    max_norm: f64,
    norm_type: f64,
    error_if_nonfinite: bool,
) -> Result<Tensor> {
    const OP: &str = "clipGradNorm_";
    if max_norm.is_nan() || max_norm < 0.0 {
        bail!(Arg, "{OP}: maxNorm must be a number >= 0, got {max_norm}");
    }
    if norm_type.is_nan() {
        bail!(Arg, "{OP}: normType must be a number or Infinity, got NaN");
    }
    let grads = grads(OP, params)?;
    if grads.is_empty() {
        return Tensor::full_dtype(&[], 0.0, DType::F32);
    }
    let dtype = if grads.iter().any(|g| g.dtype() == DType::F64) {
        DType::F64
    } else {
        DType::F32
    };
    // Each gradient's norm is rounded to its dtype and the total to the result's,
    // as PyTorch stacks the per-tensor norms before taking their norm.
    let mut norms = Vec::with_capacity(grads.len());
    for g in &grads {
        norms.push(
            float_dispatch!(g.dtype(), OP, T => g.with_contiguous(OP, |d: &[T]| {
            T::of(vector_norm(d.iter().map(|v| v.to_f64()), norm_type)).to_f64()
        })?),
        );
    }
    let total =
        float_dispatch!(dtype, OP, T => T::of(vector_norm(norms.into_iter(), norm_type)).to_f64());
    if error_if_nonfinite && !total.is_finite() {
        bail!(
            Grad,
            "{OP}: the total norm of order {norm_type} of the gradients is {total}, so they cannot be clipped \
             (pass errorIfNonfinite: false to scale them by it anyway)"
        );
    }
    // The coefficient is computed in the result's dtype, then rounded to each
    // gradient's; it is applied even when it is 1, as PyTorch does.
    let coef = float_dispatch!(dtype, OP, T => {
        let c = T::of(max_norm) / (T::of(total) + T::of(1e-6));
        (if c > T::ONE { T::ONE } else { c }).to_f64()
    });
    for g in &grads {
        float_dispatch!(g.dtype(), OP, T => g.with_data_mut(OP, |d: &mut [T]| {
            let c = T::of(coef);
            d.iter_mut().for_each(|v| *v *= c);
        })?);
    }
    Tensor::full_dtype(&[], total, dtype)
}

/// Clamps every gradient of `params` in place to `[-clip_value, clip_value]`
/// (NaN stays NaN); parameters without a gradient are skipped.
pub fn clip_grad_value(params: &[Tensor], clip_value: f64) -> Result<()> {
    const OP: &str = "clipGradValue_";
    if clip_value.is_nan() || clip_value < 0.0 {
        bail!(
            Arg,
            "{OP}: clipValue must be a number >= 0, got {clip_value}"
        );
    }
    for g in &grads(OP, params)? {
        float_dispatch!(g.dtype(), OP, T => g.with_data_mut(OP, |d: &mut [T]| {
            let (lo, hi) = (T::of(-clip_value), T::of(clip_value));
            for v in d.iter_mut() {
                if *v < lo {
                    *v = lo;
                } else if *v > hi {
                    *v = hi;
                }
            }
        })?);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn param_with_grad(grad: &[f32]) -> Tensor {
        let p = Tensor::zeros(&[grad.len()]).unwrap();
        p.set_requires_grad(true).unwrap();
        p.set_grad(Some(
            Tensor::from_vec(grad.to_vec(), &[grad.len()]).unwrap(),
        ))
        .unwrap();
        p
    }

    #[test]
    fn norm_is_the_norm_of_the_per_tensor_norms() {
        let (a, b) = (param_with_grad(&[3.0, 4.0]), param_with_grad(&[12.0]));
        let total = clip_grad_norm(&[a.clone(), b.clone()], 6.5, 2.0, false).unwrap();
        assert_eq!(total.shape(), &[] as &[usize]);
        assert!((total.item().unwrap() - 13.0).abs() < 1e-6);
        let c = 6.5 / (13.0 + 1e-6);
        let got = a.grad().unwrap().to_vec_f32().unwrap();
        assert!((got[0] as f64 - 3.0 * c).abs() < 1e-6 && (got[1] as f64 - 4.0 * c).abs() < 1e-6);
        let inf = clip_grad_norm(&[a, b], 100.0, f64::INFINITY, false).unwrap();
        assert!((inf.item().unwrap() - 6.0).abs() < 1e-5);
    }

    #[test]
    fn nonfinite_total_is_refused_with_nothing_changed() {
        let p = param_with_grad(&[f32::NAN, 1.0]);
        assert!(clip_grad_norm(std::slice::from_ref(&p), 1.0, 2.0, true).is_err());
        assert_eq!(p.grad().unwrap().to_vec_f32().unwrap()[1], 1.0);
    }

    #[test]
    fn value_clamps_and_keeps_nan() {
        let p = param_with_grad(&[-3.0, 0.5, 2.0, f32::NAN]);
        clip_grad_value(std::slice::from_ref(&p), 1.0).unwrap();
        let g = p.grad().unwrap().to_vec_f32().unwrap();
        assert_eq!(&g[..3], &[-1.0, 0.5, 1.0]);
        assert!(g[3].is_nan());
        assert!(clip_grad_value(&[p], -1.0).is_err());
    }
}
