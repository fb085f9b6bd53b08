//! Layer normalisation (`torch.nn.functional.layer_norm`) as one fused op, forward
//! beside backward: each row of the normalised trailing dims is centred and scaled
//! by its own statistics (float64 accumulation), and the backward needs only each
//! row's mean and inverse deviation.

use super::norm_backward::{affine_backward, NormGrads};
use crate::autograd::{record, Backward};
use crate::tensor::shape::fmt_shape;
use crate::tensor::{alloc, float_dispatch, Float, Tensor};
use crate::{bail, Result};

/// The mean and inverse deviation `1 / sqrt(var + eps)` of every row of `d` values.
fn row_stats<T: Float>(x: &[T], d: usize, eps: f64) -> (Vec<f64>, Vec<f64>) {
    x.chunks_exact(d)
        .map(|row| {
            let mean = row.iter().map(|v| v.to_f64()).sum::<f64>() / d as f64;
            let var = row
                .iter()
                .map(|v| {
                    let e = v.to_f64() - mean;
                    e * e
                })
                .sum::<f64>()
                / d as f64;
            (mean, 1.0 / (var + eps).sqrt())
        })
        .unzip()
}

/// An optional weight or bias of the normalised shape, as f64.
fn affine(
    what: &str,
    t: Option<&Tensor>,
    shape: &[usize],
    input: &Tensor,
) -> Result<Option<Vec<f64>>> {
    let Some(t) = t else { return Ok(None) };
    if t.shape() != shape {
        bail!(
            Shape,
            "layerNorm: {what} of shape {} does not match the normalized shape {}",
            fmt_shape(t.shape()),
            fmt_shape(shape)
        );
    }
    if t.dtype() != input.dtype() {
        bail!(
            Dtype,
            "layerNorm: {what} is {} but the input is {}",
            t.dtype(),
            input.dtype()
        );
    }
    Ok(Some(t.to_vec_f64()))
}

struct LayerNormBackward {
    normalized_shape: Vec<usize>,
    d: usize,
    mean: Vec<f64>,
    invstd: Vec<f64>,
    has_weight: bool,
    has_bias: bool,
}

impl NormGrads for LayerNormBackward {
    fn grads<T: Float>(&self, x: &[T], g: &[T], w: Option<&[f64]>) -> Result<[Vec<T>; 3]> {
        let d = self.d;
        let mut dx = alloc::filled("layerNorm backward", x.len(), T::ZERO)?;
        let mut dw = vec![0.0; d];
        let mut db = vec![0.0; d];
        let mut xhat = vec![0.0; d];
        let mut gw = vec![0.0; d];
        for (r, ((xr, gr), out)) in x
            .chunks_exact(d)
            .zip(g.chunks_exact(d))
            .zip(dx.chunks_exact_mut(d))
            .enumerate()
        {
            let (mu, inv) = (self.mean[r], self.invstd[r]);
            let (mut sum_gw, mut sum_gwx) = (0.0, 0.0);
            for j in 0..d {
                let gj = gr[j].to_f64();
                xhat[j] = (xr[j].to_f64() - mu) * inv;
                gw[j] = gj * w.map_or(1.0, |w| w[j]);
                sum_gw += gw[j];
                sum_gwx += gw[j] * xhat[j];
                dw[j] += gj * xhat[j];
                db[j] += gj;
            }
            // dx = invstd * (gw - mean(gw) - xhat * mean(gw * xhat)), gw = g * w.
            let (mean_gw, mean_gwx) = (sum_gw / d as f64, sum_gwx / d as f64);
            for j in 0..d {
                out[j] = T::of(inv * (gw[j] - mean_gw - xhat[j] * mean_gwx));
            }
        }
        let cast = |v: &[f64]| v.iter().map(|&a| T::of(a)).collect::<Vec<T>>();
        Ok([dx, cast(&dw), cast(&db)])
    }
}

impl Backward for LayerNormBackward {
    fn backward(&self, g: &Tensor, inputs: &[Tensor]) -> Result<Vec<Option<Tensor>>> {
        let recorded = (self.has_weight, self.has_bias);
        affine_backward(
            "layerNorm backward",
            self,
            g,
            inputs,
            recorded,
            &self.normalized_shape,
        )
    }
}

/// Layer normalisation over the trailing dims `normalized_shape` of `input`:
/// `y = (x - E[x]) / sqrt(Var[x] + eps) * weight + bias`, statistics (biased
/// variance) per row of those dims. `weight` and `bias` have `normalized_shape`.
pub fn layer_norm(
    input: &Tensor,
    normalized_shape: &[usize],
    weight: Option<&Tensor>,
    bias: Option<&Tensor>,
    eps: f64,
) -> Result<Tensor> {
    let shape = input.shape();
    let k = normalized_shape.len();
    if k == 0 || k > shape.len() || shape[shape.len() - k..] != *normalized_shape {
        bail!(
            Shape,
            "layerNorm: input of shape {} does not end with the normalized shape {}",
            fmt_shape(shape),
            fmt_shape(normalized_shape)
        );
    }
    if !(eps.is_finite() && eps >= 0.0) {
        bail!(
            Arg,
            "layerNorm: eps must be a non-negative number, got {eps}"
        );
    }
    let w = affine("weight", weight, normalized_shape, input)?;
    let b = affine("bias", bias, normalized_shape, input)?;
    let d: usize = normalized_shape.iter().product();
    let (out, mean, invstd) = float_dispatch!(input.dtype(), "layerNorm", T => {
        input.with_contiguous("layerNorm", |x: &[T]| -> Result<_> {
            let mut out = alloc::filled("layerNorm", x.len(), T::ZERO)?;
            if d == 0 {
                return Ok((T::storage(out), Vec::new(), Vec::new()));
            }
            let (mean, invstd) = row_stats(x, d, eps);
            for (r, (xr, or)) in x.chunks_exact(d).zip(out.chunks_exact_mut(d)).enumerate() {
                for j in 0..d {
                    let xhat = (xr[j].to_f64() - mean[r]) * invstd[r];
                    let y = xhat * w.as_ref().map_or(1.0, |w| w[j]) + b.as_ref().map_or(0.0, |b| b[j]);
                    or[j] = T::of(y);
                }
            }
            Ok((T::storage(out), mean, invstd))
        })??
    });
    let out = Tensor::from_storage(out, shape);
    let mut inputs = vec![input];
    inputs.extend(weight);
    inputs.extend(bias);
    Ok(record(out, "NativeLayerNormBackward", &inputs, || {
        LayerNormBackward {
            normalized_shape: normalized_shape.to_vec(),
            d,
            mean,
            invstd,
            has_weight: weight.is_some(),
            has_bias: bias.is_some(),
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_get_zero_mean_and_unit_variance() {
        let x = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0, -1.0, 1.0], &[3, 2]).unwrap();
        let y = layer_norm(&x, &[2], None, None, 0.0)
            .unwrap()
            .to_vec_f32()
            .unwrap();
        assert_eq!(y, vec![-1.0, 1.0, -1.0, 1.0, -1.0, 1.0]);
        let e = layer_norm(&x, &[3], None, None, 1e-5);
        assert_eq!(e.unwrap_err().code, crate::ErrorCode::Shape);
    }
}
