//! Weight initialisation, as `torch.nn.init`.

use crate::random;
use crate::tensor::Tensor;
use crate::{bail, Result};

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
