//! Weight initialisation, as `torch.nn.init`: the in-place fills (`uniform_`,
//! `normal_`, `xavier_*`, `kaiming_*`, ...) draw from the seeded generator of
//! [`crate::random`] and write the tensor's storage directly, outside the graph
//! (as PyTorch's run under `no_grad`), and the fan and gain arithmetic they share.

use crate::random;
use crate::tensor::shape::fmt_shape;
use crate::tensor::{float_dispatch, Tensor};
use crate::{bail, Result};
use rand::Rng;
use rand_distr::StandardNormal;

/// Fan-in of a weight of `shape` (`[out, in, ...kernel]`): `in * prod(kernel)`.
pub fn fan_in(shape: &[usize]) -> Result<usize> {
    if shape.len() < 2 {
        bail!(
            Arg,
            "fan_in: needs a weight of at least 2 dimensions, got {shape:?}"
        );
    }
    Ok(shape[1] * shape[2..].iter().product::<usize>())
}

/// Kaiming (He) uniform: `U(-b, b)` with `b = gain * sqrt(3 / fan_in)` and the
/// leaky-ReLU gain `sqrt(2 / (1 + a^2))`.
pub fn kaiming_uniform(shape: &[usize], a: f64) -> Result<Tensor> {
    let fan = fan_in(shape)?;
    let gain = (2.0 / (1.0 + a * a)).sqrt();
    let bound = if fan == 0 {
        0.0
    } else {
        gain * (3.0 / fan as f64).sqrt()
    };
    random::uniform(shape, -bound as f32, bound as f32)
}

/// PyTorch's default for Linear and Conv: weight kaiming-uniform with
/// `a = sqrt(5)` (so bound `1 / sqrt(fan_in)`), bias `U(-1/sqrt(fan_in), 1/sqrt(fan_in))`.
pub fn default_layer(weight_shape: &[usize], bias: bool) -> Result<(Tensor, Option<Tensor>)> {
    let w = kaiming_uniform(weight_shape, 5f64.sqrt())?;
    let b = if bias {
        let fan = fan_in(weight_shape)?;
        let bound = if fan == 0 {
            0.0
        } else {
            1.0 / (fan as f32).sqrt()
        };
        Some(random::uniform(&[weight_shape[0]], -bound, bound)?)
    } else {
        None
    };
    Ok((w, b))
}

/// `(fan_in, fan_out)` of a weight of `shape` `[out, in, ...kernel]`:
/// `in * prod(kernel)` and `out * prod(kernel)`.
pub fn fans(shape: &[usize]) -> Result<(usize, usize)> {
    if shape.len() < 2 {
        bail!(
            Arg,
            "init: fan in and fan out need a tensor of at least 2 dimensions, got shape {}",
            fmt_shape(shape)
        );
    }
    let receptive: usize = shape[2..].iter().product();
    Ok((shape[1] * receptive, shape[0] * receptive))
}

/// Which fan scales a Kaiming initialisation: `fan_in` keeps the variance of the
/// forward pass, `fan_out` that of the backward pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FanMode {
    /// Inputs per output (the default).
    FanIn,
    /// Outputs per input.
    FanOut,
}

impl FanMode {
    /// Parses PyTorch's `'fan_in' | 'fan_out'`.
    pub fn parse(s: &str) -> Result<FanMode> {
        match s {
            "fan_in" => Ok(FanMode::FanIn),
            "fan_out" => Ok(FanMode::FanOut),
            other => bail!(
                Arg,
                "init: mode must be 'fan_in' or 'fan_out', got '{other}'"
            ),
        }
    }
}

/// The recommended gain for a nonlinearity (`torch.nn.init.calculate_gain`):
/// 1 for linear, convolutions and sigmoid, 5/3 for tanh, sqrt(2) for relu,
/// sqrt(2 / (1 + slope^2)) for leaky_relu (`param` is the slope, 0.01 by
/// default), 3/4 for selu.
pub fn calculate_gain(nonlinearity: &str, param: Option<f64>) -> Result<f64> {
    Ok(match nonlinearity {
        "linear" | "conv1d" | "conv2d" | "conv3d" | "conv_transpose1d" | "conv_transpose2d"
        | "conv_transpose3d" | "sigmoid" => 1.0,
        "tanh" => 5.0 / 3.0,
        "relu" => 2f64.sqrt(),
        "leaky_relu" => {
            let slope = param.unwrap_or(0.01);
            if !slope.is_finite() {
                bail!(Arg, "calculateGain: leaky_relu's slope must be a finite number, got {slope}");
            }
            (2.0 / (1.0 + slope * slope)).sqrt()
        }
        "selu" => 0.75,
        other => bail!(
            Arg,
            "calculateGain: unsupported nonlinearity '{other}' (linear, conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d, sigmoid, tanh, relu, leaky_relu, selu)"
        ),
    })
}

/// Overwrites the float tensor `t` in place with `draw(rng)` per element.
fn fill(op: &str, t: &Tensor, draw: impl Fn(&mut rand_chacha::ChaCha8Rng) -> f64) -> Result<()> {
    float_dispatch!(t.dtype(), op, T => {
        random::with_rng(|r| t.with_data_mut(op, |d: &mut [T]| {
            for v in d.iter_mut() {
                *v = T::of(draw(r));
            }
        }))
    })
}

/// Fills `t` with `U(low, high)` samples, in place.
pub fn uniform_(t: &Tensor, low: f64, high: f64) -> Result<()> {
    if !(low.is_finite() && high.is_finite() && low <= high) {
        bail!(
            Arg,
            "uniform_: needs finite low <= high, got low={low} high={high}"
        );
    }
    fill("uniform_", t, |r| low + (high - low) * r.random::<f64>())
}

/// Fills `t` with `N(mean, std^2)` samples, in place.
pub fn normal_(t: &Tensor, mean: f64, std: f64) -> Result<()> {
    if !(mean.is_finite() && std.is_finite() && std >= 0.0) {
        bail!(
            Arg,
            "normal_: needs a finite mean and std >= 0, got mean={mean} std={std}"
        );
    }
    fill("normal_", t, |r| {
        mean + std * r.sample::<f64, _>(StandardNormal)
    })
}

/// Fills `t` with `value`, in place.
pub fn constant_(t: &Tensor, value: f64) -> Result<()> {
    fill("constant_", t, |_| value)
}

/// `gain * sqrt(2 / (fan_in + fan_out))`: the standard deviation of Glorot's scheme.
fn xavier_std(t: &Tensor, gain: f64) -> Result<f64> {
    let (fan_in, fan_out) = fans(t.shape())?;
    Ok(gain * (2.0 / (fan_in + fan_out) as f64).sqrt())
}

/// Xavier (Glorot) uniform: `U(-a, a)` with `a = gain * sqrt(6 / (fan_in + fan_out))`.
pub fn xavier_uniform_(t: &Tensor, gain: f64) -> Result<()> {
    let a = 3f64.sqrt() * xavier_std(t, gain)?;
    uniform_(t, -a, a)
}

/// Xavier (Glorot) normal: `N(0, std^2)` with `std = gain * sqrt(2 / (fan_in + fan_out))`.
pub fn xavier_normal_(t: &Tensor, gain: f64) -> Result<()> {
    let std = xavier_std(t, gain)?;
    normal_(t, 0.0, std)
}

/// `gain / sqrt(fan)` for Kaiming (He) initialisation; `None` for a zero-element
/// tensor, which PyTorch leaves as it is.
fn kaiming_std(t: &Tensor, a: f64, mode: FanMode, nonlinearity: &str) -> Result<Option<f64>> {
    let (fan_in, fan_out) = fans(t.shape())?;
    let gain = calculate_gain(nonlinearity, Some(a))?;
    if t.numel() == 0 {
        return Ok(None);
    }
    let fan = match mode {
        FanMode::FanIn => fan_in,
        FanMode::FanOut => fan_out,
    };
    Ok(Some(gain / (fan as f64).sqrt()))
}

/// Kaiming (He) uniform: `U(-b, b)` with `b = gain * sqrt(3 / fan)`, the gain of
/// `nonlinearity` with negative slope `a` (PyTorch's defaults: `a = 0`,
/// `fan_in`, `'leaky_relu'`).
pub fn kaiming_uniform_(t: &Tensor, a: f64, mode: FanMode, nonlinearity: &str) -> Result<()> {
    match kaiming_std(t, a, mode, nonlinearity)? {
        Some(std) => uniform_(t, -(3f64.sqrt() * std), 3f64.sqrt() * std),
        None => Ok(()),
    }
}

/// Kaiming (He) normal: `N(0, std^2)` with `std = gain / sqrt(fan)`.
pub fn kaiming_normal_(t: &Tensor, a: f64, mode: FanMode, nonlinearity: &str) -> Result<()> {
    match kaiming_std(t, a, mode, nonlinearity)? {
        Some(std) => normal_(t, 0.0, std),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gains_fans_and_bounds_follow_pytorch() {
        assert_eq!(calculate_gain("tanh", None).unwrap(), 5.0 / 3.0);
        assert!(
            (calculate_gain("leaky_relu", None).unwrap() - (2.0f64 / 1.0001).sqrt()).abs() < 1e-12
        );
        assert_eq!(
            calculate_gain("swish", None).unwrap_err().code,
            crate::ErrorCode::Arg
        );
        assert_eq!(fans(&[8, 3, 5, 5]).unwrap(), (75, 200));
        let w = Tensor::zeros(&[64, 100]).unwrap();
        kaiming_uniform_(&w, 0.0, FanMode::FanIn, "relu").unwrap();
        let bound = (6.0f64 / 100.0).sqrt() as f32;
        let v = w.to_vec_f32().unwrap();
        assert!(v.iter().all(|x| x.abs() <= bound) && v.iter().any(|x| x.abs() > 0.9 * bound));
        constant_(&w, 0.5).unwrap();
        assert!(w.to_vec_f32().unwrap().iter().all(|&x| x == 0.5));
        assert_eq!(fans(&[3]).unwrap_err().code, crate::ErrorCode::Arg);
    }
}
