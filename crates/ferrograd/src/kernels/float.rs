//! The floating-point element types, float32 and float64, behind one trait, so
//! that each op's and kernel's maths is written once and compiled for both.

use super::math;
use std::ops::{Add, Div, Mul, Neg, Sub};

/// A float element type: the arithmetic and elementary functions kernels and ops
/// use. (The tensor layer's `Float` adds the storage side, `Element`.)
pub trait Real:
    super::alloc::Scratch
    + Send
    + Sync
    + PartialOrd
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
{
    /// 0.
    const ZERO: Self;
    /// 1.
    const ONE: Self;
    /// Not a number.
    const NAN: Self;
    /// +inf.
    const INFINITY: Self;
    /// -inf.
    const NEG_INFINITY: Self;
    /// `v` rounded to this type.
    fn of(v: f64) -> Self;
    /// The value as a float64.
    fn widen(self) -> f64;
    /// `e^x`; for float32 the vectorisable version of `kernels/math.rs`.
    fn exp(self) -> Self;
    /// Natural logarithm.
    fn ln(self) -> Self;
    /// `ln(1 + x)`.
    fn ln_1p(self) -> Self;
    /// Hyperbolic tangent.
    fn tanh(self) -> Self;
    /// Square root.
    fn sqrt(self) -> Self;
    /// Absolute value.
    fn abs(self) -> Self;
    /// `self ^ e`.
    fn powf(self, e: Self) -> Self;
    /// The error function.
    fn erf(self) -> Self;
    /// IEEE maximum (a NaN operand gives the other).
    fn max(self, o: Self) -> Self;
    /// IEEE minimum (a NaN operand gives the other).
    fn min(self, o: Self) -> Self;
    /// True for NaN.
    fn is_nan(self) -> bool;
    /// Dot product of two slices (over the shorter length), the same at every SIMD
    /// level (`kernels::elementwise`).
    fn dot(a: &[Self], b: &[Self]) -> Self;
    /// The slice as float32, if this is float32 (for kernels written for it alone).
    fn as_f32(s: &[Self]) -> Option<&[f32]>;
    /// The slice as mutable float32, if this is float32.
    fn as_f32_mut(s: &mut [Self]) -> Option<&mut [f32]>;
}

/// One-argument methods that call the given function.
macro_rules! calls {
    ($($f:ident => $path:path),*) => {$(
        #[inline(always)]
        fn $f(self) -> Self {
            $path(self)
        }
    )*};
}

macro_rules! float_impl {
    ($t:ident, $exp:path, $ln:path, $ln_1p:path, $tanh:path, $erf:path, $dot:path, $as_f32:expr) => {
        impl Real for $t {
            #[inline(always)]
            fn dot(a: &[Self], b: &[Self]) -> Self {
                $dot(a, b)
            }
            #[inline(always)]
            fn as_f32(s: &[Self]) -> Option<&[f32]> {
                $as_f32(s)
            }
            #[inline(always)]
            fn as_f32_mut(s: &mut [Self]) -> Option<&mut [f32]> {
                $as_f32(s)
            }
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            const NAN: Self = $t::NAN;
            const INFINITY: Self = $t::INFINITY;
            const NEG_INFINITY: Self = $t::NEG_INFINITY;
            #[inline(always)]
            fn of(v: f64) -> Self {
                v as $t
            }
            #[inline(always)]
            fn widen(self) -> f64 {
                self as f64
            }
            calls!(exp => $exp, ln => $ln, ln_1p => $ln_1p, tanh => $tanh, erf => $erf);
            calls!(sqrt => $t::sqrt, abs => $t::abs);
            #[inline(always)]
            fn powf(self, e: Self) -> Self {
                $t::powf(self, e)
            }
            #[inline(always)]
            fn max(self, o: Self) -> Self {
                $t::max(self, o)
            }
            #[inline(always)]
            fn min(self, o: Self) -> Self {
                $t::min(self, o)
            }
            #[inline(always)]
            fn is_nan(self) -> bool {
                $t::is_nan(self)
            }
        }
    };
}
float_impl!(
    f32,
    math::exp,
    math::ln,
    math::ln_1p,
    math::tanh,
    math::erf,
    super::elementwise::dot_f32,
    Some
);
float_impl!(
    f64,
    f64::exp,
    f64::ln,
    f64::ln_1p,
    f64::tanh,
    libm::erf,
    super::elementwise::dot,
    |_| None
);
