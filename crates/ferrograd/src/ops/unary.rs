//! Elementwise functions and activations, each forward beside its backward.

use super::binary::{map_f32, zip_f32};
use crate::autograd::{record, Backward};
use crate::kernels::math;
use crate::tensor::Tensor;
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
    LeakyRelu(f32),
    /// `min(max(x, lo), hi)`.
    Clamp(f32, f32),
    /// `x^e` for a number `e`.
    PowScalar(f32),
    /// `b^x` for a number `b` (a number raised to a tensor).
    ScalarPow(f32),
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
fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + math::exp(-x))
}

const FRAC_1_SQRT_2: f32 = std::f32::consts::FRAC_1_SQRT_2;
/// `1 / sqrt(2 pi)`
const FRAC_1_SQRT_2PI: f32 = 0.398_942_3;

fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + libm::erff(x * FRAC_1_SQRT_2))
}

fn gelu_grad(x: f32) -> f32 {
    0.5 * (1.0 + libm::erff(x * FRAC_1_SQRT_2)) + x * FRAC_1_SQRT_2PI * (-0.5 * x * x).exp()
}

fn softplus(x: f32) -> f32 {
    if x > 20.0 {
        x
    } else {
        x.exp().ln_1p()
    }
}

fn forward(op: UnaryOp, x: &Tensor) -> Result<Tensor> {
    let name = op.name();
    match op {
        UnaryOp::Neg => map_f32(name, x, |v| -v),
        // `v.max(0.0)` would turn NaN into 0; PyTorch's relu keeps NaN.
        UnaryOp::Relu => map_f32(name, x, |v| if v > 0.0 || v.is_nan() { v } else { 0.0 }),
        UnaryOp::Sigmoid => map_f32(name, x, sigmoid),
        UnaryOp::Tanh => map_f32(name, x, f32::tanh),
        UnaryOp::Exp => map_f32(name, x, math::exp),
        UnaryOp::Log => map_f32(name, x, f32::ln),
        UnaryOp::Sqrt => map_f32(name, x, f32::sqrt),
        UnaryOp::Abs => map_f32(name, x, f32::abs),
        UnaryOp::Gelu => map_f32(name, x, gelu),
        UnaryOp::Silu => map_f32(name, x, |v| v * sigmoid(v)),
        UnaryOp::Softplus => map_f32(name, x, softplus),
        UnaryOp::LeakyRelu(s) => map_f32(name, x, |v| if v > 0.0 { v } else { v * s }),
        // NaN passes through, as in PyTorch.
        UnaryOp::Clamp(lo, hi) => map_f32(name, x, |v| {
            if v < lo {
                lo
            } else if v > hi {
                hi
            } else {
                v
            }
        }),
        UnaryOp::PowScalar(e) => map_f32(name, x, |v| v.powf(e)),
        UnaryOp::ScalarPow(b) => map_f32(name, x, |v| b.powf(v)),
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
            UnaryOp::Relu => zip_f32("relu", g, x, |g, x| if x > 0.0 { g } else { 0.0 })?,
            UnaryOp::Sigmoid => zip_f32("sigmoid", g, y(), |g, y| g * y * (1.0 - y))?,
            UnaryOp::Tanh => zip_f32("tanh", g, y(), |g, y| g * (1.0 - y * y))?,
            UnaryOp::Exp => zip_f32("exp", g, y(), |g, y| g * y)?,
            UnaryOp::Log => zip_f32("log", g, x, |g, x| g / x)?,
            UnaryOp::Sqrt => zip_f32("sqrt", g, y(), |g, y| g / (2.0 * y))?,
            UnaryOp::Abs => zip_f32("abs", g, x, |g, x| {
                if x > 0.0 {
                    g
                } else if x < 0.0 {
                    -g
                } else {
                    0.0
                }
            })?,
            UnaryOp::Gelu => zip_f32("gelu", g, x, |g, x| g * gelu_grad(x))?,
            UnaryOp::Silu => zip_f32("silu", g, x, |g, x| {
                let s = sigmoid(x);
                g * s * (1.0 + x * (1.0 - s))
            })?,
            UnaryOp::Softplus => {
                zip_f32(
                    "softplus",
                    g,
                    x,
                    |g, x| if x > 20.0 { g } else { g * sigmoid(x) },
                )?
            }
            UnaryOp::LeakyRelu(s) => {
                zip_f32("leakyRelu", g, x, |g, x| if x > 0.0 { g } else { g * s })?
            }
            UnaryOp::Clamp(lo, hi) => {
                zip_f32(
                    "clamp",
                    g,
                    x,
                    |g, x| if x >= lo && x <= hi { g } else { 0.0 },
                )?
            }
            UnaryOp::PowScalar(e) => {
                if e == 0.0 {
                    g.mul_scalar(0.0)?
                } else {
                    zip_f32("pow", g, x, |g, x| g * e * x.powf(e - 1.0))?
                }
            }
            // d b^x / dx = b^x ln b
            UnaryOp::ScalarPow(b) => zip_f32("pow", g, y(), |g, y| g * y * b.ln())?,
        };
        Ok(vec![Some(grad)])
    }
}

impl Tensor {
    /// Applies an elementwise function, recorded for autograd.
    pub fn unary(&self, op: UnaryOp) -> Result<Tensor> {
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
    pub fn leaky_relu(&self, negative_slope: f32) -> Result<Tensor> {
        self.unary(UnaryOp::LeakyRelu(negative_slope))
    }

    /// Limits every element to `[min, max]`; either bound may be absent.
    pub fn clamp(&self, min: Option<f32>, max: Option<f32>) -> Result<Tensor> {
        let (lo, hi) = (
            min.unwrap_or(f32::NEG_INFINITY),
            max.unwrap_or(f32::INFINITY),
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
    pub fn pow_scalar(&self, exponent: f32) -> Result<Tensor> {
        self.unary(UnaryOp::PowScalar(exponent))
    }

    /// `base ^ self` for a number base.
    pub fn scalar_pow(&self, base: f32) -> Result<Tensor> {
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
