//! `nn.init`: in-place fills of a tensor from the seeded generator, and the gain
//! arithmetic.

use crate::tensor::NativeTensor;
use crate::{IntoJs, Result};
use ferrograd::nn::init::{self, FanMode};
use ferrograd::trace::{self, Event};
use napi_derive::napi;

/// The tensor an init fills in place, which a recording notes (`fit.rs`).
fn filled(t: &NativeTensor) -> Result<&ferrograd::Tensor> {
    let t = t.get()?;
    trace::note("nn.init", Event::Mutated, t);
    Ok(t)
}

/// Fills with `U(low, high)`.
#[napi(catch_unwind)]
pub fn init_uniform(t: &NativeTensor, low: f64, high: f64) -> Result<()> {
    init::uniform_(filled(t)?, low, high).js()
}

/// Fills with `N(mean, std^2)`.
#[napi(catch_unwind)]
pub fn init_normal(t: &NativeTensor, mean: f64, std: f64) -> Result<()> {
    init::normal_(filled(t)?, mean, std).js()
}

/// Fills with `value`.
#[napi(catch_unwind)]
pub fn init_constant(t: &NativeTensor, value: f64) -> Result<()> {
    init::constant_(filled(t)?, value).js()
}

/// Xavier (Glorot) fill, uniform or normal.
#[napi(catch_unwind)]
pub fn init_xavier(t: &NativeTensor, gain: f64, normal: bool) -> Result<()> {
    let t = filled(t)?;
    if normal {
        init::xavier_normal_(t, gain).js()
    } else {
        init::xavier_uniform_(t, gain).js()
    }
}

/// Kaiming (He) fill, uniform or normal; `mode` is `'fan_in' | 'fan_out'`.
#[napi(catch_unwind)]
pub fn init_kaiming(
    t: &NativeTensor,
    a: f64,
    mode: String,
    nonlinearity: String,
    normal: bool,
) -> Result<()> {
    let (t, mode) = (filled(t)?, FanMode::parse(&mode).js()?);
    if normal {
        init::kaiming_normal_(t, a, mode, &nonlinearity).js()
    } else {
        init::kaiming_uniform_(t, a, mode, &nonlinearity).js()
    }
}

/// The recommended gain for `nonlinearity`.
#[napi(catch_unwind)]
pub fn calculate_gain(nonlinearity: String, param: Option<f64>) -> Result<f64> {
    init::calculate_gain(&nonlinearity, param).js()
}
