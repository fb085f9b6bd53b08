//! Validation of JavaScript numbers that stand for sizes, dimensions and options.
//! JS numbers are doubles: a size of -1, 2.5, NaN or 1e300 must be refused with
//! `ERR_ARG`, never truncated.

use crate::{js_error, Result};
use ferrograd::{Error, ErrorCode};

/// An `ERR_ARG` error with `msg`.
pub fn arg_error(msg: String) -> napi::Error<String> {
    js_error(Error::new(ErrorCode::Arg, msg))
}

/// Largest integer a JS number holds exactly (`Number.MAX_SAFE_INTEGER`).
const MAX_SAFE: f64 = 9_007_199_254_740_991.0;

/// A Rust name as JavaScript spells it (napi-rs's rule): `start_dim` is
/// `startDim`, `tensor_add_scalar` is `tensorAddScalar`.
pub(crate) fn js_name(what: &str) -> String {
    let mut out = String::with_capacity(what.len());
    let mut upper = false;
    for c in what.chars() {
        match c {
            '_' => upper = true,
            c if upper => {
                out.extend(c.to_uppercase());
                upper = false;
            }
            c => out.push(c),
        }
    }
    out
}

/// A non-negative integer that fits in memory sizes.
pub fn size(op: &str, what: &str, v: f64) -> Result<usize> {
    if !(v.fract() == 0.0 && (0.0..=MAX_SAFE).contains(&v)) {
        return Err(arg_error(format!(
            "{op}: {} must be a non-negative integer, got {v}",
            js_name(what)
        )));
    }
    Ok(v as usize)
}

/// A shape: every entry a non-negative integer (`_what` names the argument, for
/// [`ops!`](crate::declare::ops)).
pub fn shape(op: &str, _what: &str, dims: Vec<f64>) -> Result<Vec<usize>> {
    shape_of(op, &dims)
}

/// A shape given as a slice.
pub fn shape_of(op: &str, dims: &[f64]) -> Result<Vec<usize>> {
    dims.iter()
        .map(|&d| size(op, "every size in a shape", d))
        .collect()
}

/// An integer that may be negative (a dimension index, or -1 in a reshape).
pub fn int(op: &str, what: &str, v: f64) -> Result<i64> {
    if !(v.fract() == 0.0 && v.abs() <= MAX_SAFE) {
        return Err(arg_error(format!(
            "{op}: {} must be an integer, got {v}",
            js_name(what)
        )));
    }
    Ok(v as i64)
}

/// A list of dimension indices.
pub fn dims(op: &str, dims: &[f64]) -> Result<Vec<i64>> {
    dims.iter().map(|&d| int(op, "a dimension", d)).collect()
}

/// A list of dimension indices (an argument named `what`, for [`ops!`](crate::declare::ops)).
pub fn dim_list(op: &str, _what: &str, v: Vec<f64>) -> Result<Vec<i64>> {
    dims(op, &v)
}

/// An optional integer.
pub fn opt_int(op: &str, what: &str, v: Option<f64>) -> Result<Option<i64>> {
    v.map(|v| int(op, what, v)).transpose()
}

/// An optional list of dimension indices.
pub fn opt_dim_list(op: &str, what: &str, v: Option<Vec<f64>>) -> Result<Option<Vec<i64>>> {
    v.map(|v| dim_list(op, what, v)).transpose()
}

/// A dtype by its JavaScript name (`float32`, `int64`, ...).
pub fn dtype(_op: &str, _what: &str, v: String) -> Result<ferrograd::DType> {
    crate::IntoJs::js(ferrograd::DType::parse(&v))
}
