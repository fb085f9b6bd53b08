//! Elementwise functions and activations. Each is one item, declared once in
//! [`unary_fns!`]: its public name, its autograd node's name, the function and its
//! derivative side by side, and how it treats integer tensors. [`Tensor::unary`]
//! runs any of them, forward and backward, on every float dtype and layout.

use super::map::{map_float, map_typed, zip_float};
use crate::autograd::{record, Backward};
use crate::ops::BinaryOp;
use crate::tensor::{DType, Real, Tensor};
use crate::{bail, Result};

/// What a derivative reads besides the incoming gradient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    /// The op's input `x`.
    Input,
    /// The op's output `y` (cheaper for `exp`, `tanh`, `sigmoid`, `sqrt`).
    Output,
}

/// One differentiable elementwise function `y = f(x)`.
pub trait UnaryFn: Copy + Send + Sync + 'static {
    /// The name JavaScript users call it by (`leakyRelu`), used in errors and traces.
    const NAME: &'static str;
    /// The autograd node's name, as PyTorch's `grad_fn` (`LeakyReluBackward`).
    const GRAD_FN: &'static str;
    /// What [`UnaryFn::backward`] reads: `x` or `y`.
    const SAVED: Saved;
    /// `f(x)`.
    fn forward<T: Real>(self, x: T) -> T;
    /// `dL/dx` from `g = dL/dy` and the saved value (`x` or `y`, per [`UnaryFn::SAVED`]).
    fn backward<T: Real>(self, g: T, saved: T) -> T;
    /// The op on an integer or bool tensor where PyTorch keeps the integer type
    /// (or refuses it); `None` computes it in float32.
    fn integer(self, _x: &Tensor) -> Option<Result<Tensor>> {
        None
    }
}

/// Declares each elementwise function as a struct implementing [`UnaryFn`], its
/// parameters (if any) as `f64` fields that the bodies name directly.
macro_rules! unary_fns {
    (@struct $(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq)]
        pub struct $name;
    };
    (@struct $(#[$doc:meta])* $name:ident { $($field:ident),* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq)]
        pub struct $name {
            $(#[doc = concat!("The `", stringify!($field), "` parameter.")] pub $field: f64),*
        }
    };
    ($(
        $(#[$doc:meta])*
        $name:ident $({ $($field:ident),* })? = $js:literal, $grad:literal, $saved:ident,
        |$x:ident| $forward:expr,
        |$g:ident, $s:ident| $backward:expr
        $(, integer |$op:ident, $it:ident| $integer:expr)?;
    )*) => {$(
        unary_fns!(@struct $(#[$doc])* $name $({ $($field),* })?);

        impl UnaryFn for $name {
            const NAME: &'static str = $js;
            const GRAD_FN: &'static str = $grad;
            const SAVED: Saved = Saved::$saved;
            #[inline(always)]
            #[allow(unused_variables)]
            fn forward<T: Real>(self, $x: T) -> T {
                $( let $name { $($field),* } = self; )?
                $forward
            }
            #[inline(always)]
            #[allow(unused_variables)]
            fn backward<T: Real>(self, $g: T, $s: T) -> T {
                $( let $name { $($field),* } = self; )?
                $backward
            }
            $(
                fn integer(self, $it: &Tensor) -> Option<Result<Tensor>> {
                    let $op = self;
                    $integer
                }
            )?
        }
    )*};
}

/// `f` on each element of an int32 or int64 tensor, in its own type; `None`
/// (float32) for other dtypes.
macro_rules! int_map {
    ($t:expr, |$v:ident| $body:expr) => {
        match $t.dtype() {
            DType::I32 => Some(map_typed(Self::NAME, $t, |$v: i32| $body)),
            DType::I64 => Some(map_typed(Self::NAME, $t, |$v: i64| $body)),
            _ => None,
        }
    };
}

unary_fns! {
    /// `-x`.
    Neg = "neg", "NegBackward", Input,
        |x| -x,
        |g, x| -g,
        integer |_op, t| match t.dtype() {
            DType::Bool => Some(Err(crate::Error::new(
                crate::ErrorCode::Dtype,
                "neg: negating a bool tensor is not supported (as in PyTorch); use logicalNot semantics via eq(false)",
            ))),
            _ => int_map!(t, |v| v.wrapping_neg()),
        };
    /// `max(x, 0)`; NaN stays NaN, as in PyTorch (`v.max(0)` would make it 0).
    Relu = "relu", "ReluBackward", Input,
        |x| if x > T::ZERO || x.is_nan() { x } else { T::ZERO },
        |g, x| if x > T::ZERO { g } else { T::ZERO },
        integer |_op, t| int_map!(t, |v| v.max(0));
    /// The logistic function `1 / (1 + e^-x)`, branch-free so it vectorises: for
    /// very negative `x`, `e^-x` is infinite and the quotient an exact 0.
    Sigmoid = "sigmoid", "SigmoidBackward", Output,
        |x| sigmoid(x),
        |g, y| g * y * (T::ONE - y);
    /// `tanh(x)`.
    Tanh = "tanh", "TanhBackward", Output,
        |x| Real::tanh(x),
        |g, y| g * (T::ONE - y * y);
    /// `e^x`.
    Exp = "exp", "ExpBackward", Output,
        |x| Real::exp(x),
        |g, y| g * y;
    /// `ln(x)`.
    Log = "log", "LogBackward", Input,
        |x| Real::ln(x),
        |g, x| g / x;
    /// `sqrt(x)`.
    Sqrt = "sqrt", "SqrtBackward", Output,
        |x| Real::sqrt(x),
        |g, y| g / (T::of(2.0) * y);
    /// `|x|`; the derivative at 0 is 0, as in PyTorch.
    Abs = "abs", "AbsBackward", Input,
        |x| Real::abs(x),
        |g, x| if x > T::ZERO { g } else if x < T::ZERO { -g } else { T::ZERO },
        integer |_op, t| int_map!(t, |v| v.wrapping_abs());
    /// `x * Φ(x)` with the exact normal CDF (PyTorch's default `gelu`).
    Gelu = "gelu", "GeluBackward", Input,
        |x| T::of(0.5) * x * (T::ONE + Real::erf(x * T::of(std::f64::consts::FRAC_1_SQRT_2))),
        |g, x| {
            // d/dx x Φ(x) = Φ(x) + x φ(x), φ(x) = e^(-x²/2) / sqrt(2π)
            let frac_1_sqrt_2pi = T::of(0.398_942_280_401_432_7);
            let half = T::of(0.5);
            g * (half * (T::ONE + Real::erf(x * T::of(std::f64::consts::FRAC_1_SQRT_2)))
                + x * frac_1_sqrt_2pi * Real::exp(-half * x * x))
        };
    /// `x * sigmoid(x)` (swish).
    Silu = "silu", "SiluBackward", Input,
        |x| x * sigmoid(x),
        |g, x| {
            let s = sigmoid(x);
            g * s * (T::ONE + x * (T::ONE - s))
        };
    /// `ln(1 + e^x)`, linear above 20 as PyTorch's default threshold.
    Softplus = "softplus", "SoftplusBackward", Input,
        |x| if x > T::of(20.0) { x } else { Real::ln_1p(Real::exp(x)) },
        |g, x| if x > T::of(20.0) { g } else { g * sigmoid(x) };
    /// `x` for `x > 0`, `slope * x` otherwise.
    LeakyRelu { slope } = "leakyRelu", "LeakyReluBackward", Input,
        |x| if x > T::ZERO { x } else { x * T::of(slope) },
        |g, x| if x > T::ZERO { g } else { g * T::of(slope) };
    /// `min(max(x, lo), hi)`; NaN passes through, as in PyTorch. The gradient
    /// flows where `lo <= x <= hi`.
    Clamp { lo, hi } = "clamp", "ClampBackward", Input,
        |x| clamp(x, lo, hi),
        |g, x| if x >= T::of(lo) && x <= T::of(hi) { g } else { T::ZERO },
        integer |op, t| int_clamp(t, op.lo, op.hi);
    /// `min(max(x, lo), hi)` as an activation (PyTorch's `hardtanh`, default
    /// bounds -1 and 1). Unlike `clamp`'s, its gradient is zero at the bounds
    /// themselves: it flows only where `lo < x < hi`.
    Hardtanh { lo, hi } = "hardtanh", "HardtanhBackward", Input,
        |x| clamp(x, lo, hi),
        |g, x| if x > T::of(lo) && x < T::of(hi) { g } else { T::ZERO },
        integer |op, t| int_clamp(t, op.lo, op.hi);
    /// `x^e` for a number `e`; integer tensors take integer powers. The
    /// exponents PyTorch computes without `pow` (2, 3, 0.5, -0.5, -1, -2) are
    /// computed as it does, by products, `sqrt` and division.
    PowScalar { e } = "pow", "PowBackward", Input,
        |x| pow_number(x, e),
        // x^0 is constant: its derivative is 0 even where x^-1 is infinite.
        |g, x| if e == 0.0 { g * T::ZERO } else { g * T::of(e) * pow_number(x, e - 1.0) },
        integer |op, t| Some(t.binary_scalar(BinaryOp::Pow, op.e, false));
    /// `x^2` (what `pow(2)` computes, as a product; a loop of its own so it
    /// vectorises).
    Square = "pow", "PowBackward", Input,
        |x| x * x,
        |g, x| g * T::of(2.0) * x;
    /// `b^x` for a number base `b`: `d b^x / dx = b^x ln b`.
    ScalarPow { b } = "pow", "PowBackward", Output,
        |x| Real::powf(T::of(b), x),
        |g, y| g * y * Real::ln(T::of(b)),
        integer |op, t| Some(t.binary_scalar(BinaryOp::Pow, op.b, true));
}

/// `x^e`, by products, square roots and division for the exponents PyTorch's
/// CPU kernel treats so (the same results, and no `pow` call per element).
#[inline(always)]
fn pow_number<T: Real>(x: T, e: f64) -> T {
    match e {
        1.0 => x,
        2.0 => x * x,
        3.0 => x * x * x,
        0.5 => Real::sqrt(x),
        -0.5 => T::ONE / Real::sqrt(x),
        -1.0 => T::ONE / x,
        -2.0 => T::ONE / (x * x),
        _ => Real::powf(x, T::of(e)),
    }
}

fn sigmoid<T: Real>(x: T) -> T {
    T::ONE / (T::ONE + Real::exp(-x))
}

/// `min(max(x, lo), hi)` as PyTorch computes it (so `hi` wins when `lo > hi`),
/// NaN kept. Two selects in a row: the `else if` chain it replaces kept the
/// loop scalar (hardtanh over 512x1024 floats: 264 us against PyTorch's 50).
#[inline(always)]
fn clamp<T: Real>(x: T, lo: f64, hi: f64) -> T {
    let (lo, hi) = (T::of(lo), T::of(hi));
    let y = if x < lo { lo } else { x };
    if y > hi {
        hi
    } else {
        y
    }
}

/// An integer clamp in the tensor's own type, when both bounds are integers or
/// infinite (infinite bounds saturate to the type's range); float32 otherwise.
fn int_clamp(t: &Tensor, lo: f64, hi: f64) -> Option<Result<Tensor>> {
    let integral = |v: f64| v.fract() == 0.0 || v.is_infinite();
    if !(integral(lo) && integral(hi)) {
        return None;
    }
    match t.dtype() {
        DType::I32 => {
            let (lo, hi) = (lo as i32, hi as i32);
            Some(map_typed("clamp", t, move |v: i32| v.max(lo).min(hi)))
        }
        DType::I64 => {
            let (lo, hi) = (lo as i64, hi as i64);
            Some(map_typed("clamp", t, move |v: i64| v.max(lo).min(hi)))
        }
        _ => None,
    }
}

/// The backward of every [`UnaryFn`]: `g` times the derivative at the saved value.
struct UnaryBackward<F> {
    f: F,
    /// The op's output, detached, for ops whose derivative reads it.
    output: Option<Tensor>,
}

impl<F: UnaryFn> Backward for UnaryBackward<F> {
    fn backward(&self, g: &Tensor, inputs: &[Tensor]) -> Result<Vec<Option<Tensor>>> {
        let saved = self.output.as_ref().unwrap_or(&inputs[0]);
        let f = self.f;
        Ok(vec![Some(
            zip_float!(F::NAME, g, saved, T, |g, s| f.backward(g, s))?
        )])
    }
}

impl Tensor {
    /// Applies an elementwise function, recorded for autograd. Integer and bool
    /// tensors follow PyTorch: the function's integer form where it has one,
    /// float32 otherwise.
    pub fn unary<F: UnaryFn>(&self, f: F) -> Result<Tensor> {
        if !self.dtype().is_float() {
            return match f.integer(self) {
                Some(out) => out,
                None => self.to_dtype(DType::F32)?.unary(f),
            };
        }
        let out = map_float!(F::NAME, self, T, |v| f.forward(v))?;
        // Saved as a detached view: the output holding itself would be a cycle.
        let output = (F::SAVED == Saved::Output).then(|| out.detach());
        Ok(record(out, F::GRAD_FN, &[self], || UnaryBackward {
            f,
            output,
        }))
    }

    /// `-self`.
    pub fn neg(&self) -> Result<Tensor> {
        self.unary(Neg)
    }

    /// `max(self, 0)`.
    pub fn relu(&self) -> Result<Tensor> {
        self.unary(Relu)
    }

    /// The logistic sigmoid `1 / (1 + e^-x)`.
    pub fn sigmoid(&self) -> Result<Tensor> {
        self.unary(Sigmoid)
    }

    /// Hyperbolic tangent.
    pub fn tanh(&self) -> Result<Tensor> {
        self.unary(Tanh)
    }

    /// `e^self`.
    pub fn exp(&self) -> Result<Tensor> {
        self.unary(Exp)
    }

    /// Natural logarithm.
    pub fn log(&self) -> Result<Tensor> {
        self.unary(Log)
    }

    /// Square root.
    pub fn sqrt(&self) -> Result<Tensor> {
        self.unary(Sqrt)
    }

    /// Absolute value.
    pub fn abs(&self) -> Result<Tensor> {
        self.unary(Abs)
    }

    /// GELU with the exact normal CDF.
    pub fn gelu(&self) -> Result<Tensor> {
        self.unary(Gelu)
    }

    /// SiLU (swish): `x * sigmoid(x)`.
    pub fn silu(&self) -> Result<Tensor> {
        self.unary(Silu)
    }

    /// Softplus `ln(1 + e^x)` (linear above 20).
    pub fn softplus(&self) -> Result<Tensor> {
        self.unary(Softplus)
    }

    /// Leaky ReLU with `negative_slope` for `x <= 0`.
    pub fn leaky_relu(&self, negative_slope: f64) -> Result<Tensor> {
        self.unary(LeakyRelu {
            slope: negative_slope,
        })
    }

    /// Limits every element to `[min, max]`; either bound may be absent.
    pub fn clamp(&self, min: Option<f64>, max: Option<f64>) -> Result<Tensor> {
        let (lo, hi) = (
            min.unwrap_or(f64::NEG_INFINITY),
            max.unwrap_or(f64::INFINITY),
        );
        if min.is_none() && max.is_none() {
            bail!(Arg, "clamp: at least one of min and max is needed");
        }
        if lo.is_nan() || hi.is_nan() {
            bail!(
                Arg,
                "clamp: the bounds must be numbers, got min={lo} max={hi}"
            );
        }
        self.unary(Clamp { lo, hi })
    }

    /// HardTanh: `self` limited to `[min_val, max_val]` (PyTorch's defaults are
    /// -1 and 1), with no gradient at or beyond the bounds.
    pub fn hardtanh(&self, min_val: f64, max_val: f64) -> Result<Tensor> {
        if min_val.is_nan() || max_val.is_nan() || min_val > max_val {
            bail!(
                Arg,
                "hardtanh: min_val must not exceed max_val, got min_val={min_val} max_val={max_val}"
            );
        }
        self.unary(Hardtanh {
            lo: min_val,
            hi: max_val,
        })
    }

    /// `self ^ exponent` for a number exponent.
    pub fn pow_scalar(&self, exponent: f64) -> Result<Tensor> {
        if exponent == 2.0 && self.dtype().is_float() {
            return self.unary(Square);
        }
        self.unary(PowScalar { e: exponent })
    }

    /// `base ^ self` for a number base.
    pub fn scalar_pow(&self, base: f64) -> Result<Tensor> {
        self.unary(ScalarPow { b: base })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activations_match_their_definitions() {
        let x = Tensor::from_vec(vec![-2.0, -0.5, 0.0, 0.5, 3.0, 30.0], &[6]).unwrap();
        let v = |t: Tensor| t.to_vec_f32().unwrap();
        // Reference values from the definitions, computed in f64.
        let erf_gelu = |x: f64| 0.5 * x * (1.0 + libm::erf(x / 2f64.sqrt()));
        let xs = [-2.0f64, -0.5, 0.0, 0.5, 3.0, 30.0];
        for (got, &x) in v(x.gelu().unwrap()).iter().zip(&xs) {
            assert!((*got as f64 - erf_gelu(x)).abs() < 1e-5 * (1.0 + x.abs()));
        }
        for (got, &x) in v(x.softplus().unwrap()).iter().zip(&xs) {
            let want = if x > 20.0 { x } else { (1.0 + x.exp()).ln() };
            assert!((*got as f64 - want).abs() < 1e-5 * (1.0 + want.abs()));
        }
        assert_eq!(v(x.leaky_relu(0.1).unwrap())[..2], [-0.2, -0.05]);
        assert_eq!(
            v(x.clamp(Some(-1.0), Some(1.0)).unwrap()),
            vec![-1.0, -0.5, 0.0, 0.5, 1.0, 1.0]
        );
        assert_eq!(x.clamp(None, None).unwrap_err().code, crate::ErrorCode::Arg);
        assert_eq!(v(x.abs().unwrap())[0], 2.0);
        assert_eq!(v(x.pow_scalar(2.0).unwrap())[4], 9.0);
    }

    #[test]
    fn hardtanh_clamps_and_stops_the_gradient_at_its_bounds() {
        let x = Tensor::from_vec(vec![-2.0, -1.0, -0.5, 0.5, 1.0, 3.0, f32::NAN], &[7]).unwrap();
        x.set_requires_grad(true).unwrap();
        let y = x.hardtanh(-1.0, 1.0).unwrap();
        let got = y.to_vec_f32().unwrap();
        assert_eq!(got[..6], [-1.0, -1.0, -0.5, 0.5, 1.0, 1.0]);
        assert!(got[6].is_nan());
        assert_eq!(y.grad_fn_name(), Some("HardtanhBackward"));
        crate::autograd::backward(&y.sum(None, false).unwrap(), None, false).unwrap();
        // Strictly inside the bounds only, as PyTorch's hardtanh_backward; clamp's
        // gradient would flow at -1 and 1 too.
        assert_eq!(
            x.grad().unwrap().to_vec_f32().unwrap(),
            vec![0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0]
        );
        let i = Tensor::from_vec_i64(vec![-5, 0, 5], &[3]).unwrap();
        let r = i.hardtanh(-2.0, 2.0).unwrap();
        assert_eq!(
            (r.dtype(), r.to_vec_i64().unwrap()),
            (DType::I64, vec![-2, 0, 2])
        );
        assert_eq!(
            x.hardtanh(1.0, -1.0).unwrap_err().code,
            crate::ErrorCode::Arg
        );
    }
}
