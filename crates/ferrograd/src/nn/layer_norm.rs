//! Layer normalisation (`torch.nn.functional.layer_norm`) as one fused op, forward
//! beside backward: each row of the normalised trailing dims is centred and scaled
//! by its own statistics (float64 accumulation), and the backward needs only each
//! row's mean and inverse deviation.

use super::norm_backward::{affine_backward, affine_inputs, NormGrads};
use crate::autograd::{record, Backward};
use crate::kernels::elementwise;
use crate::tensor::shape::fmt_shape;
use crate::tensor::{alloc, float_dispatch, Float, Tensor};
use crate::{bail, Result};

/// The mean and inverse deviation `1 / sqrt(var + eps)` of every row of `d`
/// values: two passes, each through the SIMD kernels, the sums taken to float64.
fn row_stats<T: Float>(x: &[T], d: usize, eps: f64) -> (Vec<f64>, Vec<f64>) {
    let mut squares = Vec::with_capacity(d);
    x.chunks_exact(d)
        .map(|row| {
            let mean = elementwise::sum(row).to_f64() / d as f64;
            let mu = T::of(mean);
            squares.clear();
            elementwise::map_slice(row, &mut squares, |v| (v - mu) * (v - mu));
            let var = elementwise::sum(&squares).to_f64() / d as f64;
            (mean, 1.0 / (var + eps).sqrt())
        })
        .unzip()
}

/// Rows of the affine gradients summed in `T` before they are added into
/// float64: vectorised adds, and never more than this many terms in `T`.
const ROWS_PER_FLUSH: usize = 64;

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
    /// Whether a weight and a bias were recorded after the input.
    recorded: (bool, bool),
}

impl NormGrads for LayerNormBackward {
    const OP: &'static str = "layerNorm backward";

    fn grads<T: Float>(&self, x: &[T], g: &[T], w: Option<&[f64]>) -> Result<[Vec<T>; 3]> {
        let d = self.d;
        let wt: Option<Vec<T>> = w.map(|w| w.iter().map(|&v| T::of(v)).collect());
        let mut dx = alloc::with_capacity("layerNorm backward", x.len())?;
        let (mut dw, mut db) = (vec![0.0; d], vec![0.0; d]);
        let (mut part_w, mut part_b) = (vec![T::ZERO; d], vec![T::ZERO; d]);
        let (mut xhat, mut gw, mut products) = (
            Vec::with_capacity(d),
            Vec::with_capacity(d),
            Vec::with_capacity(d),
        );
        let rows = x.chunks_exact(d).zip(g.chunks_exact(d));
        for (r, (xr, gr)) in rows.enumerate() {
            let (mu, inv) = (T::of(self.mean[r]), T::of(self.invstd[r]));
            xhat.clear();
            elementwise::map_slice(xr, &mut xhat, |v| (v - mu) * inv);
            gw.clear();
            match &wt {
                Some(wt) => elementwise::zip_slices(gr, wt, &mut gw, |g, w| g * w),
                None => gw.extend_from_slice(gr),
            }
            products.clear();
            elementwise::zip_slices(&gw, &xhat, &mut products, |a, b| a * b);
            let mean_gw = T::of(elementwise::sum(&gw).to_f64() / d as f64);
            let mean_gwx = T::of(elementwise::sum(&products).to_f64() / d as f64);
            // dx = invstd * (gw - mean(gw) - xhat * mean(gw * xhat)), gw = g * w.
            elementwise::zip_slices(&gw, &xhat, &mut dx, |gw, xh| {
                inv * (gw - mean_gw - xh * mean_gwx)
            });
            for j in 0..d {
                part_w[j] = part_w[j] + gr[j] * xhat[j];
                part_b[j] = part_b[j] + gr[j];
            }
            if (r + 1) % ROWS_PER_FLUSH == 0 || (r + 1) * d == x.len() {
                for j in 0..d {
                    dw[j] += part_w[j].to_f64();
                    db[j] += part_b[j].to_f64();
                }
                part_w.fill(T::ZERO);
                part_b.fill(T::ZERO);
            }
        }
        let cast = |v: &[f64]| v.iter().map(|&a| T::of(a)).collect::<Vec<T>>();
        Ok([dx, cast(&dw), cast(&db)])
    }
}

impl Backward for LayerNormBackward {
    fn backward(&self, g: &Tensor, inputs: &[Tensor]) -> Result<Vec<Option<Tensor>>> {
        affine_backward(self, g, inputs, self.recorded, &self.normalized_shape)
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
            let mut out = alloc::with_capacity("layerNorm", x.len())?;
            if d == 0 {
                return Ok((T::storage(out), Vec::new(), Vec::new()));
            }
            let (mean, invstd) = row_stats(x, d, eps);
            let cast = |v: &Option<Vec<f64>>| v.as_ref().map(|v| v.iter().map(|&a| T::of(a)).collect::<Vec<T>>());
            let (wt, bt) = (cast(&w), cast(&b));
            for (r, row) in x.chunks_exact(d).enumerate() {
                let (mu, inv) = (T::of(mean[r]), T::of(invstd[r]));
                let start = out.len();
                elementwise::map_slice(row, &mut out, |v| (v - mu) * inv);
                let y = &mut out[start..];
                if let Some(wt) = &wt {
                    y.iter_mut().zip(wt).for_each(|(o, &w)| *o *= w);
                }
                if let Some(bt) = &bt {
                    y.iter_mut().zip(bt).for_each(|(o, &b)| *o += b);
                }
            }
            Ok((T::storage(out), mean, invstd))
        })??
    });
    let inputs = affine_inputs(input, weight, bias);
    let out = Tensor::from_storage(out, shape);
    Ok(record(out, "NativeLayerNormBackward", &inputs, || {
        LayerNormBackward {
            normalized_shape: normalized_shape.to_vec(),
            d,
            mean,
            invstd,
            recorded: (weight.is_some(), bias.is_some()),
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
