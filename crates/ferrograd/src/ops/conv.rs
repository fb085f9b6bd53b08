//! Convolution over one or two spatial dimensions (`conv1d`, `conv2d`) with stride,
//! zero padding, dilation and groups, as `torch.nn.functional`; forward beside
//! backward.
//!
//! Both lower to the internal matrix product: im2col lays every receptive field of
//! a batch of samples out as a column, so one `[out/groups, in/groups * kh * kw]`
//! by `[in/groups * kh * kw, samples * oh * ow]` product per group computes them
//! all. The backward pass is two more products per group: the weight gradient
//! against the same columns, and the column gradient, which col2im adds back onto
//! the input. A 1-D convolution is a 2-D one over planes of height 1.

use crate::autograd::{record, Backward};
use crate::kernels::conv::ConvGeometry;
use crate::kernels::im2col::Window;
use crate::tensor::shape::{checked_numel, fmt_shape};
use crate::tensor::{alloc, float_dispatch, DType, Float, Tensor};
use crate::{bail, Result};

/// Options of [`conv2d`], per axis `[rows, columns]`, as `torch.nn.functional.conv2d`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conv2dOptions {
    /// Step between receptive fields (default 1).
    pub stride: [usize; 2],
    /// Zeros added on both sides of each axis (default 0).
    pub padding: [usize; 2],
    /// Spacing between kernel taps (default 1).
    pub dilation: [usize; 2],
    /// Channel groups convolved independently (default 1); must divide both the
    /// input and the output channels.
    pub groups: usize,
}

impl Default for Conv2dOptions {
    fn default() -> Self {
        Conv2dOptions {
            stride: [1, 1],
            padding: [0, 0],
            dilation: [1, 1],
            groups: 1,
        }
    }
}

/// Options of [`conv1d`], as `torch.nn.functional.conv1d`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conv1dOptions {
    /// Step between receptive fields (default 1).
    pub stride: usize,
    /// Zeros added on both ends (default 0).
    pub padding: usize,
    /// Spacing between kernel taps (default 1).
    pub dilation: usize,
    /// Channel groups convolved independently (default 1).
    pub groups: usize,
}

impl Default for Conv1dOptions {
    fn default() -> Self {
        Conv1dOptions {
            stride: 1,
            padding: 0,
            dilation: 1,
            groups: 1,
        }
    }
}

/// `[N, O, oh, ow]`.
fn output_shape(g: &ConvGeometry) -> [usize; 4] {
    let [oh, ow] = g.win.output;
    [g.batch, g.out_channels, oh, ow]
}

/// Spatial sizes as the caller spells them: `3` for one dimension, `[3, 5]` for two.
fn spell(v: &[usize]) -> String {
    match v {
        [one] => one.to_string(),
        _ => fmt_shape(v),
    }
}

/// The spatial arguments of a `dims`-dimensional convolution.
struct Spatial<'a> {
    stride: &'a [usize],
    padding: &'a [usize],
    dilation: &'a [usize],
    groups: usize,
}

/// Validates the operands of `op` (input `[N, C, *spatial]` or unbatched
/// `[C, *spatial]`, weight `[O, C / groups, *kernel]`, bias `[O]`) and works out the
/// output size; errors name the shapes and values as the caller gave them.
fn geometry(
    op: &str,
    x: &[usize],
    w: &[usize],
    bias: Option<&[usize]>,
    s: &Spatial,
) -> Result<ConvGeometry> {
    let dims = s.stride.len();
    let names = if dims == 1 { "L" } else { "H, W" };
    if x.len() != dims + 1 && x.len() != dims + 2 {
        bail!(
            Shape,
            "{op}: expected a {}-D (unbatched) or {}-D (batched) input [N, C, {names}], got shape {}",
            dims + 1,
            dims + 2,
            fmt_shape(x)
        );
    }
    if w.len() != dims + 2 {
        bail!(
            Shape,
            "{op}: expected a {}-D weight [out_channels, in_channels / groups, {}], got shape {}",
            dims + 2,
            if dims == 1 { "kL" } else { "kH, kW" },
            fmt_shape(w)
        );
    }
    for (name, v) in [("stride", s.stride), ("dilation", s.dilation)] {
        if v.contains(&0) {
            bail!(Arg, "{op}: {name} must be positive, got {}", spell(v));
        }
    }
    let groups = s.groups;
    if groups == 0 {
        bail!(Arg, "{op}: groups must be positive, got 0");
    }
    let batched = x.len() == dims + 2;
    let (batch, channels, spatial) = match batched {
        true => (x[0], x[1], &x[2..]),
        false => (1, x[0], &x[1..]),
    };
    let (out_channels, kernel) = (w[0], &w[2..]);
    if out_channels % groups != 0 {
        bail!(
            Arg,
            "{op}: groups ({groups}) must divide the out_channels of weight {} ({out_channels})",
            fmt_shape(w)
        );
    }
    if channels % groups != 0 {
        bail!(
            Arg,
            "{op}: groups ({groups}) must divide the input's channels ({channels}, input of shape {})",
            fmt_shape(x)
        );
    }
    if channels != w[1] * groups {
        bail!(
            Shape,
            "{op}: expected input with {} channels (weight {}, groups {groups}), got {channels} channels (input of shape {})",
            w[1] * groups,
            fmt_shape(w),
            fmt_shape(x)
        );
    }
    if let Some(b) = bias {
        if b != [out_channels] {
            bail!(
                Shape,
                "{op}: bias of shape {} does not fit weight {} (expected [{out_channels}])",
                fmt_shape(b),
                fmt_shape(w)
            );
        }
    }
    if kernel.contains(&0) {
        bail!(Shape, "{op}: weight {} has an empty kernel", fmt_shape(w));
    }
    let padded: Vec<usize> = (0..dims).map(|a| spatial[a] + 2 * s.padding[a]).collect();
    let dilated: Vec<usize> = (0..dims)
        .map(|a| s.dilation[a] * (kernel[a] - 1) + 1)
        .collect();
    if (0..dims).any(|a| dilated[a] > padded[a]) {
        bail!(
            Shape,
            "{op}: kernel size {}{} is larger than the padded input size {} (input {} with padding {})",
            spell(kernel),
            if dilated != kernel {
                format!(" ({} dilated)", spell(&dilated))
            } else {
                String::new()
            },
            spell(&padded),
            spell(spatial),
            spell(s.padding)
        );
    }
    let out: Vec<usize> = (0..dims)
        .map(|a| (padded[a] - dilated[a]) / s.stride[a] + 1)
        .collect();
    // A 1-D convolution is a 2-D one over planes of height 1.
    let pair = |v: &[usize], fill: usize| match v {
        [one] => [fill, *one],
        _ => [v[0], v[1]],
    };
    let g = ConvGeometry {
        batch,
        channels,
        out_channels,
        groups,
        win: Window {
            input: pair(spatial, 1),
            kernel: pair(kernel, 1),
            stride: pair(s.stride, 1),
            padding: pair(s.padding, 0),
            dilation: pair(s.dilation, 1),
            output: pair(&out, 1),
        },
    };
    checked_numel(op, &output_shape(&g))?;
    Ok(g)
}

/// The output `[N, O, oh, ow]` of the convolution, packed.
fn forward<T: Float>(
    x: &Tensor,
    w: &Tensor,
    b: Option<&Tensor>,
    geo: &ConvGeometry,
) -> Result<Vec<T>> {
    const OP: &str = "conv";
    let mut out = alloc::filled(
        OP,
        geo.batch * geo.out_channels * geo.win.output_len(),
        T::ZERO,
    )?;
    let bias = b
        .map(|b| b.with_contiguous(OP, |d: &[T]| d.to_vec()))
        .transpose()?;
    x.with_contiguous(OP, |xd: &[T]| {
        w.with_contiguous(OP, |wd: &[T]| {
            geo.forward(xd, wd, bias.as_deref(), &mut out)
        })
    })???;
    Ok(out)
}

/// Input and weight gradients (each when asked for) from the output gradient `g`.
type Grads<T> = (Option<Vec<T>>, Option<Vec<T>>);

fn input_weight_grads<T: Float>(
    g: &Tensor,
    x: &Tensor,
    w: &Tensor,
    geo: &ConvGeometry,
    (need_x, need_w): (bool, bool),
) -> Result<Grads<T>> {
    const OP: &str = "conv backward";
    let buffer = |need: bool, t: &Tensor| match need {
        true => alloc::filled(OP, t.numel(), T::ZERO).map(Some),
        false => Ok(None),
    };
    let (mut gx, mut gw) = (buffer(need_x, x)?, buffer(need_w, w)?);
    if need_x || need_w {
        g.with_contiguous(OP, |gd: &[T]| {
            x.with_contiguous(OP, |xd: &[T]| {
                w.with_contiguous(OP, |wd: &[T]| {
                    geo.backward(gd, xd, wd, gx.as_deref_mut(), gw.as_deref_mut())
                })
            })
        })????;
    }
    Ok((gx, gw))
}

struct ConvBackward {
    geo: ConvGeometry,
}

impl Backward for ConvBackward {
    fn backward(&self, g: &Tensor, inputs: &[Tensor]) -> Result<Vec<Option<Tensor>>> {
        let (x, w, b) = (&inputs[0], &inputs[1], inputs.get(2));
        let need = (x.requires_grad(), w.requires_grad());
        float_dispatch!(g.dtype(), "conv backward", T => {
            let (gx, gw) = input_weight_grads::<T>(g, x, w, &self.geo, need)?;
            let wrap = |v: Option<Vec<T>>, t: &Tensor| v.map(|v| Tensor::from_storage(T::storage(v), t.shape()));
            let mut grads = vec![wrap(gx, x), wrap(gw, w)];
            if let Some(b) = b {
                let gb = match b.requires_grad() {
                    true => Some(g.with_contiguous("conv backward", |gd: &[T]| self.geo.bias_grad(gd))?),
                    false => None,
                };
                grads.push(wrap(gb, b));
            }
            Ok(grads)
        })
    }
}

/// The convolution of `op` over `spatial.stride.len()` spatial dimensions.
fn convolution(
    op: &'static str,
    input: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    spatial: &Spatial,
) -> Result<Tensor> {
    let geo = geometry(
        op,
        input.shape(),
        weight.shape(),
        bias.map(|b| b.shape()),
        spatial,
    )?;
    // Mixed float operands meet in the wider dtype, as matmul's do; integers are
    // refused by the dtype dispatch below.
    let mut dtype = DType::promote(input.dtype(), weight.dtype());
    if let Some(b) = bias {
        dtype = DType::promote(dtype, b.dtype());
    }
    let one_d = spatial.stride.len() == 1;
    let batched = input.ndim() == spatial.stride.len() + 2;
    let mut x = input.to_dtype(dtype)?;
    if !batched {
        x = x.unsqueeze(0)?;
    }
    let mut w = weight.to_dtype(dtype)?;
    if one_d {
        x = x.unsqueeze(2)?;
        w = w.unsqueeze(2)?;
    }
    let b = bias.map(|b| b.to_dtype(dtype)).transpose()?;
    let data = float_dispatch!(dtype, op, T => T::storage(forward::<T>(&x, &w, b.as_ref(), &geo)?));
    let out = Tensor::from_storage(data, &output_shape(&geo));
    let inputs: Vec<&Tensor> = [&x, &w].into_iter().chain(b.as_ref()).collect();
    let mut out = record(out, "ConvolutionBackward", &inputs, || ConvBackward { geo });
    if one_d {
        out = out.squeeze(Some(2))?;
    }
    if !batched {
        out = out.squeeze(Some(0))?;
    }
    Ok(out)
}

/// 2-D convolution (cross-correlation, as PyTorch) of `input` `[N, C, H, W]` (or
/// unbatched `[C, H, W]`) with `weight` `[O, C / groups, kH, kW]`, plus `bias` `[O]`:
/// `out[n, o] = bias[o] + sum_c sum_(i,j) weight[o, c, i, j] * x[n, c, y*s + i*d - p, x*s + j*d - p]`
/// over the channels `c` of `o`'s group, the input read as 0 in the padding.
/// Output `[N, O, (H + 2p - d(kH - 1) - 1) / s + 1, ...]`.
pub fn conv2d(
    input: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    options: &Conv2dOptions,
) -> Result<Tensor> {
    let spatial = Spatial {
        stride: &options.stride,
        padding: &options.padding,
        dilation: &options.dilation,
        groups: options.groups,
    };
    convolution("conv2d", input, weight, bias, &spatial)
}

/// 1-D convolution of `input` `[N, C, L]` (or unbatched `[C, L]`) with `weight`
/// `[O, C / groups, kL]`, plus `bias` `[O]`; the 1-D case of [`conv2d`].
pub fn conv1d(
    input: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    options: &Conv1dOptions,
) -> Result<Tensor> {
    let spatial = Spatial {
        stride: &[options.stride],
        padding: &[options.padding],
        dilation: &[options.dilation],
        groups: options.groups,
    };
    convolution("conv1d", input, weight, bias, &spatial)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    fn t(shape: &[usize]) -> Tensor {
        let n = shape.iter().product::<usize>();
        Tensor::from_vec((0..n).map(|v| ((v * 7) % 10) as f32 - 4.5).collect(), shape).unwrap()
    }

    /// conv2d by its definition, one sample, one group, no padding tricks.
    fn naive(
        x: &[f32],
        w: &[f32],
        [c, h, wd]: [usize; 3],
        [o, kh, kw]: [usize; 3],
        s: usize,
        p: usize,
    ) -> Vec<f32> {
        let (oh, ow) = ((h + 2 * p - kh) / s + 1, (wd + 2 * p - kw) / s + 1);
        let mut out = vec![0.0; o * oh * ow];
        for oc in 0..o {
            for y in 0..oh {
                for xo in 0..ow {
                    let mut acc = 0.0;
                    for ci in 0..c {
                        for i in 0..kh {
                            for j in 0..kw {
                                let (iy, ix) = (
                                    (y * s + i) as isize - p as isize,
                                    (xo * s + j) as isize - p as isize,
                                );
                                if iy >= 0 && ix >= 0 && (iy as usize) < h && (ix as usize) < wd {
                                    acc += w[((oc * c + ci) * kh + i) * kw + j]
                                        * x[(ci * h + iy as usize) * wd + ix as usize];
                                }
                            }
                        }
                    }
                    out[(oc * oh + y) * ow + xo] = acc;
                }
            }
        }
        out
    }

    #[test]
    fn conv2d_matches_the_definition() {
        let (x, w) = (t(&[1, 2, 5, 6]), t(&[3, 2, 3, 2]));
        let opts = Conv2dOptions {
            stride: [2, 2],
            padding: [1, 1],
            ..Default::default()
        };
        let y = conv2d(&x, &w, None, &opts).unwrap();
        assert_eq!(y.shape(), &[1, 3, 3, 4]);
        let expect = naive(
            &x.to_vec_f32().unwrap(),
            &w.to_vec_f32().unwrap(),
            [2, 5, 6],
            [3, 3, 2],
            2,
            1,
        );
        assert_eq!(y.to_vec_f32().unwrap(), expect);
    }

    #[test]
    fn unbatched_and_one_dimensional_inputs_keep_their_rank() {
        let y = conv2d(&t(&[2, 5, 5]), &t(&[4, 2, 3, 3]), None, &Default::default()).unwrap();
        assert_eq!(y.shape(), &[4, 3, 3]);
        let y = conv1d(
            &t(&[3, 4, 9]),
            &t(&[6, 2, 3]),
            Some(&t(&[6])),
            &Conv1dOptions {
                groups: 2,
                stride: 2,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(y.shape(), &[3, 6, 4]);
        assert_eq!(
            conv1d(&t(&[4, 9]), &t(&[6, 4, 3]), None, &Default::default())
                .unwrap()
                .shape(),
            &[6, 7]
        );
    }

    #[test]
    fn a_batch_cut_into_runs_matches_sample_by_sample() {
        // Large enough that the batch is cut into several runs (shared by threads):
        // the outputs and the gradients summed over runs must not depend on that.
        let leaf = |shape: &[usize]| {
            let v = t(shape).to_dtype(crate::DType::F64).unwrap();
            v.set_requires_grad(true).unwrap();
            v
        };
        let (x, w, b) = (leaf(&[6, 16, 20, 20]), leaf(&[32, 16, 3, 3]), leaf(&[32]));
        let opts = Conv2dOptions {
            padding: [1, 1],
            ..Default::default()
        };
        let y = conv2d(&x, &w, Some(&b), &opts).unwrap();
        y.mul(&y)
            .unwrap()
            .sum(None, false)
            .unwrap()
            .backward()
            .unwrap();
        let (w1, b1) = (leaf(w.shape()), leaf(b.shape()));
        let mut outputs = Vec::new();
        let mut input_grads = Vec::new();
        for i in 0..6 {
            let xi = leaf(&[1, 16, 20, 20]);
            xi.with_data_mut("test", |d: &mut [f64]| {
                d.copy_from_slice(&x.to_vec_f64()[i * 6400..(i + 1) * 6400])
            })
            .unwrap();
            let yi = conv2d(&xi, &w1, Some(&b1), &opts).unwrap();
            yi.mul(&yi)
                .unwrap()
                .sum(None, false)
                .unwrap()
                .backward()
                .unwrap();
            outputs.extend(yi.to_vec_f64());
            input_grads.extend(xi.grad().unwrap().to_vec_f64());
        }
        let close = |a: Vec<f64>, e: Vec<f64>| {
            assert_eq!(a.len(), e.len());
            for (i, (a, e)) in a.iter().zip(&e).enumerate() {
                assert!(
                    (a - e).abs() <= 1e-9 * (1.0 + e.abs()),
                    "element {i}: {a} vs {e}"
                );
            }
        };
        close(y.to_vec_f64(), outputs);
        close(x.grad().unwrap().to_vec_f64(), input_grads);
        close(
            w.grad().unwrap().to_vec_f64(),
            w1.grad().unwrap().to_vec_f64(),
        );
        close(
            b.grad().unwrap().to_vec_f64(),
            b1.grad().unwrap().to_vec_f64(),
        );
    }

    #[test]
    fn bad_configurations_are_refused_with_their_codes() {
        let (x, w) = (t(&[1, 3, 5, 5]), t(&[4, 3, 3, 3]));
        let e = conv2d(&t(&[1, 2, 5, 5]), &w, None, &Default::default()).unwrap_err();
        assert_eq!(e.code, ErrorCode::Shape);
        assert!(
            e.message.contains("expected input with 3 channels")
                && e.message.contains("got 2 channels"),
            "{}",
            e.message
        );
        let e = conv2d(&t(&[1, 3, 2, 2]), &w, None, &Default::default()).unwrap_err();
        assert_eq!(e.code, ErrorCode::Shape);
        assert!(
            e.message.contains("larger than the padded input"),
            "{}",
            e.message
        );
        for opts in [
            Conv2dOptions {
                stride: [0, 1],
                ..Default::default()
            },
            Conv2dOptions {
                dilation: [1, 0],
                ..Default::default()
            },
            Conv2dOptions {
                groups: 0,
                ..Default::default()
            },
            Conv2dOptions {
                groups: 3,
                ..Default::default()
            },
        ] {
            assert_eq!(
                conv2d(&x, &w, None, &opts).unwrap_err().code,
                ErrorCode::Arg,
                "{opts:?}"
            );
        }
        let e = conv2d(&x, &w, Some(&t(&[3])), &Default::default()).unwrap_err();
        assert_eq!(e.code, ErrorCode::Shape);
    }
}
