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

/// A non-negative integer that fits in memory sizes.
pub fn size(op: &str, what: &str, v: f64) -> Result<usize> {
    if !(v.fract() == 0.0 && (0.0..=MAX_SAFE).contains(&v)) {
        return Err(arg_error(format!(
            "{op}: {what} must be a non-negative integer, got {v}"
        )));
    }
    Ok(v as usize)
}

/// A shape: every entry a non-negative integer.
pub fn shape(op: &str, dims: &[f64]) -> Result<Vec<usize>> {
    dims.iter()
        .map(|&d| size(op, "every size in a shape", d))
        .collect()
}

/// An integer that may be negative (a dimension index, or -1 in a reshape).
pub fn int(op: &str, what: &str, v: f64) -> Result<i64> {
    if !(v.fract() == 0.0 && v.abs() <= MAX_SAFE) {
        return Err(arg_error(format!(
            "{op}: {what} must be an integer, got {v}"
        )));
    }
    Ok(v as i64)
}

/// A list of dimension indices.
pub fn dims(op: &str, dims: &[f64]) -> Result<Vec<i64>> {
    dims.iter().map(|&d| int(op, "a dimension", d)).collect()
}
