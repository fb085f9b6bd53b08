//! Elementwise functions and activations, each forward beside its backward.

use super::binary::{is_float, map_float, map_typed, zip_float, BinaryOp};
use crate::autograd::{record, Backward};
use crate::tensor::{DType, Float, Tensor};
use crate::{bail, Result};

/// The elementwise functions with a derivative; some carry a parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum UnaryOp {
    /// `-x`
    Neg,
    /// `max(x, 0)`
    Relu,
    /// `1 / (1 + e^-x)`
    Sigmoid,
    /// `tanh(x)`
    Tanh,
    /// `e^x`
    Exp,
    /// `ln(x)`
    Log,
    /// `sqrt(x)`
    Sqrt,
    /// `|x|`
    Abs,
    /// `x * Φ(x)` with the exact normal CDF (PyTorch's default `gelu`).
    Gelu,
    /// `x * sigmoid(x)`
    Silu,
    /// `ln(1 + e^x)`, linear above 20 as PyTorch's default threshold.
    Softplus,
    /// `x` for `x > 0`, `slope * x` otherwise.
    LeakyRelu(f64),
    /// `min(max(x, lo), hi)`.
    Clamp(f64, f64),
    /// `x^e` for a number `e`.
    PowScalar(f64),
    /// `b^x` for a number `b` (a number raised to a tensor).
    ScalarPow(f64),
}

impl UnaryOp {
    fn name(self) -> &'static str {
        match self {
            UnaryOp::Neg => "neg",
            UnaryOp::Relu => "relu",
            UnaryOp::Sigmoid => "sigmoid",
            UnaryOp::Tanh => "tanh",
            UnaryOp::Exp => "exp",
            UnaryOp::Log => "log",
            UnaryOp::Sqrt => "sqrt",
            UnaryOp::Abs => "abs",
            UnaryOp::Gelu => "gelu",
            UnaryOp::Silu => "silu",
            UnaryOp::Softplus => "softplus",
            UnaryOp::LeakyRelu(_) => "leakyRelu",
            UnaryOp::Clamp(..) => "clamp",
            UnaryOp::PowScalar(_) | UnaryOp::ScalarPow(_) => "pow",
        }
    }

    fn grad_fn_name(self) -> &'static str {
        match self {
            UnaryOp::Neg => "NegBackward",
            UnaryOp::Relu => "ReluBackward",
            UnaryOp::Sigmoid => "SigmoidBackward",
            UnaryOp::Tanh => "TanhBackward",
            UnaryOp::Exp => "ExpBackward",
            UnaryOp::Log => "LogBackward",
            UnaryOp::Sqrt => "SqrtBackward",
            UnaryOp::Abs => "AbsBackward",
            UnaryOp::Gelu => "GeluBackward",
            UnaryOp::Silu => "SiluBackward",
            UnaryOp::Softplus => "SoftplusBackward",
            UnaryOp::LeakyRelu(_) => "LeakyReluBackward",
            UnaryOp::Clamp(..) => "ClampBackward",
            UnaryOp::PowScalar(_) | UnaryOp::ScalarPow(_) => "PowBackward",
        }
    }

    /// Ops whose derivative is cheapest from the output rather than the input.
    fn saves_output(self) -> bool {
        matches!(
            self,
            UnaryOp::Sigmoid | UnaryOp::Tanh | UnaryOp::Exp | UnaryOp::Sqrt | UnaryOp::ScalarPow(_)
        )
    }
}

/// Logistic function, branch-free so it vectorises: for very negative `x`,
/// `e^-x` overflows to infinity and the quotient is an exact 0, as it should be.
fn sigmoid<T: Float>(x: T) -> T {
    T::ONE / (T::ONE + Float::exp(-x))
}

fn gelu<T: Float>(x: T) -> T {
    let half = T::of(0.5);
    half * x * (T::ONE + Float::erf(x * T::of(std::f64::consts::FRAC_1_SQRT_2)))
}

fn gelu_grad<T: Float>(x: T) -> T {
    // 1 / sqrt(2 pi)
    let frac_1_sqrt_2pi = T::of(0.398_942_280_401_432_7);
    let half = T::of(0.5);
    half * (T::ONE + Float::erf(x * T::of(std::f64::consts::FRAC_1_SQRT_2)))
        + x * frac_1_sqrt_2pi * Float::exp(-half * x * x)
}

fn softplus<T: Float>(x: T) -> T {
    if x > T::of(20.0) {
        x
    } else {
        Float::ln_1p(Float::exp(x))
    }
}

fn forward(op: UnaryOp, x: &Tensor) -> Result<Tensor> {
    let name = op.name();
    match op {
        UnaryOp::Neg => map_float!(name, x, T, |v| -v),
        // `v.max(0.0)` would turn NaN into 0; PyTorch's relu keeps NaN.
        UnaryOp::Relu => map_float!(name, x, T, |v| if v > T::ZERO || v.is_nan() {
            v
        } else {
            T::ZERO
        }),
        UnaryOp::Sigmoid => map_float!(name, x, T, |v| sigmoid(v)),
        UnaryOp::Tanh => map_float!(name, x, T, |v| Float::tanh(v)),
        UnaryOp::Exp => map_float!(name, x, T, |v| Float::exp(v)),
        UnaryOp::Log => map_float!(name, x, T, |v| Float::ln(v)),
        UnaryOp::Sqrt => map_float!(name, x, T, |v| Float::sqrt(v)),
        UnaryOp::Abs => map_float!(name, x, T, |v| Float::abs(v)),
        UnaryOp::Gelu => map_float!(name, x, T, |v| gelu(v)),
        UnaryOp::Silu => map_float!(name, x, T, |v| v * sigmoid(v)),
        UnaryOp::Softplus => map_float!(name, x, T, |v| softplus(v)),
        UnaryOp::LeakyRelu(s) => {
            map_float!(name, x, T, |v| if v > T::ZERO { v } else { v * T::of(s) })
        }
        // NaN passes through, as in PyTorch.
        UnaryOp::Clamp(lo, hi) => map_float!(name, x, T, |v| {
            if v < T::of(lo) {
                T::of(lo)
            } else if v > T::of(hi) {
                T::of(hi)
            } else {
                v
            }
        }),
        UnaryOp::PowScalar(e) => map_float!(name, x, T, |v| Float::powf(v, T::of(e))),
        UnaryOp::ScalarPow(b) => map_float!(name, x, T, |v| Float::powf(T::of(b), v)),
    }
}

/// Integer ops that stay integers (wrapping, as PyTorch), for one integer type.
macro_rules! int_unary {
    ($op:expr, $x:expr, $t:ty) => {{
        let name = $op.name();
        match $op {
            UnaryOp::Neg => Some(map_typed(name, $x, |v: $t| v.wrapping_neg())),
            UnaryOp::Abs => Some(map_typed(name, $x, |v: $t| v.wrapping_abs())),
            UnaryOp::Relu => Some(map_typed(name, $x, |v: $t| v.max(0))),
            UnaryOp::Clamp(lo, hi) if integral(lo) && integral(hi) => {
                // Infinite bounds saturate to the type's range.
                let (lo, hi) = (lo as $t, hi as $t);
                Some(map_typed(name, $x, move |v: $t| v.max(lo).min(hi)))
            }
            _ => None,
        }
    }};
}

/// An integer or an infinity: a bound an integer clamp can use.
fn integral(v: f64) -> bool {
    v.fract() == 0.0 || v.is_infinite()
}

impl Tensor {
    /// An elementwise function of an integer or bool tensor, as PyTorch computes
    /// it: powers as integer arithmetic, `neg abs relu clamp` (integer bounds) in
    /// the integer type, the rest of the functions in float32.
    fn unary_integer(&self, op: UnaryOp) -> Result<Tensor> {
        let kept = match (op, self.dtype()) {
            (UnaryOp::PowScalar(e), _) => return self.binary_scalar(BinaryOp::Pow, e, false),
            (UnaryOp::ScalarPow(b), _) => return self.binary_scalar(BinaryOp::Pow, b, true),
            (UnaryOp::Neg, DType::Bool) => bail!(
                Dtype,
                "neg: negating a bool tensor is not supported (as in PyTorch); use logicalNot semantics via eq(false)"
            ),
            (_, DType::I32) => int_unary!(op, self, i32),
            (_, DType::I64) => int_unary!(op, self, i64),
            _ => None,
        };
        match kept {
            Some(out) => out,
            None => self.to_dtype(DType::F32)?.unary(op),
        }
    }
}

struct UnaryBackward {
    op: UnaryOp,
    /// The op's output, detached, for ops whose derivative uses it.
    output: Option<Tensor>,
}

impl Backward for UnaryBackward {
    fn backward(&self, g: &Tensor, inputs: &[Tensor]) -> Result<Vec<Option<Tensor>>> {
        let x = &inputs[0];
        let y = || self.output.as_ref().expect("output saved for this op");
        let grad = match self.op {
            UnaryOp::Neg => g.neg()?,
            UnaryOp::Relu => zip_float!("relu", g, x, T, |g, x| if x > T::ZERO {
                g
            } else {
                T::ZERO
            })?,
            UnaryOp::Sigmoid => zip_float!("sigmoid", g, y(), T, |g, y| g * y * (T::ONE - y))?,
            UnaryOp::Tanh => zip_float!("tanh", g, y(), T, |g, y| g * (T::ONE - y * y))?,
            UnaryOp::Exp => zip_float!("exp", g, y(), T, |g, y| g * y)?,
            UnaryOp::Log => zip_float!("log", g, x, T, |g, x| g / x)?,
            UnaryOp::Sqrt => zip_float!("sqrt", g, y(), T, |g, y| g / (T::of(2.0) * y))?,
            UnaryOp::Abs => zip_float!("abs", g, x, T, |g, x| {
                if x > T::ZERO {
                    g
                } else if x < T::ZERO {
                    -g
                } else {
                    T::ZERO
                }
            })?,
            UnaryOp::Gelu => zip_float!("gelu", g, x, T, |g, x| g * gelu_grad(x))?,
            UnaryOp::Silu => zip_float!("silu", g, x, T, |g, x| {
                let s = sigmoid(x);
                g * s * (T::ONE + x * (T::ONE - s))
            })?,
            UnaryOp::Softplus => zip_float!("softplus", g, x, T, |g, x| if x > T::of(20.0) {
                g
            } else {
                g * sigmoid(x)
            })?,
            UnaryOp::LeakyRelu(s) => zip_float!("leakyRelu", g, x, T, |g, x| if x > T::ZERO {
                g
            } else {
                g * T::of(s)
            })?,
            UnaryOp::Clamp(lo, hi) => zip_float!("clamp", g, x, T, |g, x| {
                if x >= T::of(lo) && x <= T::of(hi) {
                    g
                } else {
                    T::ZERO
                }
            })?,
            UnaryOp::PowScalar(e) => {
                if e == 0.0 {
                    g.mul_scalar(0.0)?
                } else {
                    zip_float!("pow", g, x, T, |g, x| g
                        * T::of(e)
                        * Float::powf(x, T::of(e - 1.0)))?
                }
            }
            // d b^x / dx = b^x ln b
            UnaryOp::ScalarPow(b) => {
                zip_float!("pow", g, y(), T, |g, y| g * y * Float::ln(T::of(b)))?
            }
        };
        Ok(vec![Some(grad)])
    }
}

impl Tensor {
    /// Applies an elementwise function, recorded for autograd.
    pub fn unary(&self, op: UnaryOp) -> Result<Tensor> {
        if !is_float(self.dtype()) {
            return self.unary_integer(op);
        }
        let out = forward(op, self)?;
        // Saved as a detached view: the output holding itself would be a cycle.
        let saved = op.saves_output().then(|| out.detach());
        Ok(record(out, op.grad_fn_name(), &[self], || UnaryBackward {
            op,
            output: saved,
        }))
    }

    /// `-self`.
    pub fn neg(&self) -> Result<Tensor> {
        self.unary(UnaryOp::Neg)
    }

    /// `max(self, 0)`.
    pub fn relu(&self) -> Result<Tensor> {
        self.unary(UnaryOp::Relu)
    }

    /// The logistic sigmoid `1 / (1 + e^-x)`.
    pub fn sigmoid(&self) -> Result<Tensor> {
        self.unary(UnaryOp::Sigmoid)
    }

    /// Hyperbolic tangent.
    pub fn tanh(&self) -> Result<Tensor> {
        self.unary(UnaryOp::Tanh)
    }

    /// `e^self`.
    pub fn exp(&self) -> Result<Tensor> {
        self.unary(UnaryOp::Exp)
    }

    /// Natural logarithm.
    pub fn log(&self) -> Result<Tensor> {
        self.unary(UnaryOp::Log)
    }

    /// Square root.
    pub fn sqrt(&self) -> Result<Tensor> {
        self.unary(UnaryOp::Sqrt)
    }

    /// Absolute value.
    pub fn abs(&self) -> Result<Tensor> {
        self.unary(UnaryOp::Abs)
    }

    /// GELU with the exact normal CDF.
    pub fn gelu(&self) -> Result<Tensor> {
        self.unary(UnaryOp::Gelu)
    }

    /// SiLU (swish): `x * sigmoid(x)`.
    pub fn silu(&self) -> Result<Tensor> {
        self.unary(UnaryOp::Silu)
    }

    /// Softplus `ln(1 + e^x)` (linear above 20).
    pub fn softplus(&self) -> Result<Tensor> {
        self.unary(UnaryOp::Softplus)
    }

    /// Leaky ReLU with `negative_slope` for `x <= 0`.
    pub fn leaky_relu(&self, negative_slope: f64) -> Result<Tensor> {
        self.unary(UnaryOp::LeakyRelu(negative_slope))
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
        self.unary(UnaryOp::Clamp(lo, hi))
    }

    /// `self ^ exponent` for a number exponent.
    pub fn pow_scalar(&self, exponent: f64) -> Result<Tensor> {
        self.unary(UnaryOp::PowScalar(exponent))
    }

    /// `base ^ self` for a number base.
    pub fn scalar_pow(&self, base: f64) -> Result<Tensor> {
        self.unary(UnaryOp::ScalarPow(base))
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
}
