//! Broadcasting arithmetic: `add sub mul div`, tensor with tensor and tensor with a
//! number, each forward beside its backward.

use crate::autograd::{record, Backward};
use crate::kernels::elementwise;
use crate::tensor::shape::{broadcast_shapes, checked_numel};
use crate::tensor::{Storage, Tensor};
use crate::Result;

/// The four arithmetic operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    /// `a + b`
    Add,
    /// `a - b`
    Sub,
    /// `a * b`
    Mul,
    /// `a / b`
    Div,
    /// `a ^ b`
    Pow,
    /// The larger of `a` and `b` (NaN if either is NaN).
    Maximum,
    /// The smaller of `a` and `b` (NaN if either is NaN).
    Minimum,
}

impl BinaryOp {
    fn name(self) -> &'static str {
        match self {
            BinaryOp::Add => "add",
            BinaryOp::Sub => "sub",
            BinaryOp::Mul => "mul",
            BinaryOp::Div => "div",
            BinaryOp::Pow => "pow",
            BinaryOp::Maximum => "maximum",
            BinaryOp::Minimum => "minimum",
        }
    }

    fn grad_fn_name(self) -> &'static str {
        match self {
            BinaryOp::Add => "AddBackward",
            BinaryOp::Sub => "SubBackward",
            BinaryOp::Mul => "MulBackward",
            BinaryOp::Div => "DivBackward",
            BinaryOp::Pow => "PowBackward",
            BinaryOp::Maximum => "MaximumBackward",
            BinaryOp::Minimum => "MinimumBackward",
        }
    }
}

/// `f(a, b)` elementwise with broadcasting, float32, no graph.
pub(crate) fn zip_f32(
    op: &str,
    a: &Tensor,
    b: &Tensor,
    f: impl Fn(f32, f32) -> f32,
) -> Result<Tensor> {
    let shape = broadcast_shapes(op, a.shape(), b.shape())?;
    checked_numel(op, &shape)?;
    let out = a.with_f32(op, |da, la| {
        b.with_f32(op, |db, lb| -> Result<Vec<f32>> {
            let la = la.broadcast_to(op, &shape)?;
            let lb = lb.broadcast_to(op, &shape)?;
            elementwise::zip(op, da, &la, db, &lb, f)
        })
    })???;
    Ok(Tensor::from_storage(Storage::F32(out), &shape))
}

/// `f(x)` elementwise, float32, no graph.
pub(crate) fn map_f32(op: &str, x: &Tensor, f: impl Fn(f32) -> f32) -> Result<Tensor> {
    let out = x.with_f32(op, |d, l| elementwise::map(op, d, l, f))??;
    Ok(Tensor::from_storage(Storage::F32(out), x.shape()))
}

fn forward(op: BinaryOp, a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let name = op.name();
    match op {
        BinaryOp::Add => zip_f32(name, a, b, |x, y| x + y),
        BinaryOp::Sub => zip_f32(name, a, b, |x, y| x - y),
        BinaryOp::Mul => zip_f32(name, a, b, |x, y| x * y),
        BinaryOp::Div => zip_f32(name, a, b, |x, y| x / y),
        BinaryOp::Pow => zip_f32(name, a, b, f32::powf),
        BinaryOp::Maximum => zip_f32(name, a, b, |x, y| {
            if x.is_nan() || y.is_nan() {
                f32::NAN
            } else {
                x.max(y)
            }
        }),
        BinaryOp::Minimum => zip_f32(name, a, b, |x, y| {
            if x.is_nan() || y.is_nan() {
                f32::NAN
            } else {
                x.min(y)
            }
        }),
    }
}

/// Share of the gradient `maximum` gives its left operand: all where it is larger,
/// half on ties (as PyTorch), none where it is smaller.
fn larger_share(x: f32, y: f32) -> f32 {
    if x > y {
        1.0
    } else if x == y {
        0.5
    } else {
        0.0
    }
}

struct BinaryBackward(BinaryOp);

impl Backward for BinaryBackward {
    fn backward(&self, g: &Tensor, inputs: &[Tensor]) -> Result<Vec<Option<Tensor>>> {
        let (a, b) = (&inputs[0], &inputs[1]);
        let (ga, gb) = match self.0 {
            BinaryOp::Add => (g.clone(), g.clone()),
            BinaryOp::Sub => (g.clone(), g.neg()?),
            BinaryOp::Mul => (g.mul(b)?, g.mul(a)?),
            BinaryOp::Div => {
                let ga = g.div(b)?;
                // d(a/b)/db = -a / b^2 = -(a/b) / b
                let gb = ga.mul(a)?.div(b)?.neg()?;
                (ga, gb)
            }
            BinaryOp::Pow => {
                // d a^b / da = b a^(b-1);  d a^b / db = a^b ln a (0 where a = 0 and b >= 0,
                // where the limit is 0 and ln would give NaN).
                let ga = g.mul(&zip_f32("pow", a, b, |x, y| {
                    if y == 0.0 {
                        0.0
                    } else {
                        y * x.powf(y - 1.0)
                    }
                })?)?;
                let gb = g.mul(&zip_f32("pow", a, b, |x, y| {
                    if x == 0.0 && y >= 0.0 {
                        0.0
                    } else {
                        x.powf(y) * x.ln()
                    }
                })?)?;
                (ga, gb)
            }
            BinaryOp::Maximum => (
                g.mul(&zip_f32("maximum", a, b, larger_share)?)?,
                g.mul(&zip_f32("maximum", b, a, larger_share)?)?,
            ),
            BinaryOp::Minimum => (
                g.mul(&zip_f32("minimum", b, a, larger_share)?)?,
                g.mul(&zip_f32("minimum", a, b, larger_share)?)?,
            ),
        };
        let need = |t: &Tensor, grad: Tensor| -> Result<Option<Tensor>> {
            Ok(if t.requires_grad() {
                Some(grad.sum_to(t.shape())?)
            } else {
                None
            })
        };
        Ok(vec![need(a, ga)?, need(b, gb)?])
    }
}

/// The scalar operand of a tensor-number op and which side it stands on.
#[derive(Clone, Copy)]
struct ScalarBackward {
    op: BinaryOp,
    value: f32,
    /// `value op tensor` rather than `tensor op value`.
    reversed: bool,
}

impl Backward for ScalarBackward {
    fn backward(&self, g: &Tensor, inputs: &[Tensor]) -> Result<Vec<Option<Tensor>>> {
        let s = self.value;
        let grad = match (self.op, self.reversed) {
            (BinaryOp::Add, _) | (BinaryOp::Sub, false) => g.clone(),
            (BinaryOp::Sub, true) => g.neg()?,
            (BinaryOp::Mul, _) => g.mul_scalar(s)?,
            (BinaryOp::Div, false) => g.div_scalar(s)?,
            // d(s/x)/dx = -s / x^2
            (BinaryOp::Div, true) => zip_f32("div", g, &inputs[0], |g, x| -g * s / (x * x))?,
            (BinaryOp::Pow | BinaryOp::Maximum | BinaryOp::Minimum, _) => {
                unreachable!("binary_scalar turns these into unary ops")
            }
        };
        Ok(vec![Some(grad)])
    }
}

impl Tensor {
    /// `a op b` with broadcasting, recorded for autograd.
    pub fn binary(&self, op: BinaryOp, other: &Tensor) -> Result<Tensor> {
        let out = forward(op, self, other)?;
        Ok(record(out, op.grad_fn_name(), &[self, other], || {
            BinaryBackward(op)
        }))
    }

    /// `self op value` (or `value op self` when `reversed`), recorded for autograd.
    pub fn binary_scalar(&self, op: BinaryOp, value: f32, reversed: bool) -> Result<Tensor> {
        let name = op.name();
        match (op, reversed) {
            (BinaryOp::Pow, false) => return self.pow_scalar(value),
            (BinaryOp::Pow, true) => return self.scalar_pow(value),
            // A number on either side: the same as against a 0-d tensor.
            (BinaryOp::Maximum | BinaryOp::Minimum, _) => {
                return self.binary(op, &Tensor::scalar(value))
            }
            _ => {}
        }
        let out = match (op, reversed) {
            (BinaryOp::Add, _) => map_f32(name, self, |x| x + value)?,
            (BinaryOp::Sub, false) => map_f32(name, self, |x| x - value)?,
            (BinaryOp::Sub, true) => map_f32(name, self, |x| value - x)?,
            (BinaryOp::Mul, _) => map_f32(name, self, |x| x * value)?,
            (BinaryOp::Div, false) => map_f32(name, self, |x| x / value)?,
            (BinaryOp::Div, true) => map_f32(name, self, |x| value / x)?,
            (BinaryOp::Pow | BinaryOp::Maximum | BinaryOp::Minimum, _) => {
                unreachable!("handled above")
            }
        };
        Ok(record(out, op.grad_fn_name(), &[self], || ScalarBackward {
            op,
            value,
            reversed,
        }))
    }

    /// `self + other`, broadcasting.
    pub fn add(&self, other: &Tensor) -> Result<Tensor> {
        self.binary(BinaryOp::Add, other)
    }

    /// `self - other`, broadcasting.
    pub fn sub(&self, other: &Tensor) -> Result<Tensor> {
        self.binary(BinaryOp::Sub, other)
    }

    /// `self * other`, broadcasting.
    pub fn mul(&self, other: &Tensor) -> Result<Tensor> {
        self.binary(BinaryOp::Mul, other)
    }

    /// `self / other`, broadcasting.
    pub fn div(&self, other: &Tensor) -> Result<Tensor> {
        self.binary(BinaryOp::Div, other)
    }

    /// `self ^ other`, broadcasting.
    pub fn pow(&self, other: &Tensor) -> Result<Tensor> {
        self.binary(BinaryOp::Pow, other)
    }

    /// Elementwise maximum, broadcasting.
    pub fn maximum(&self, other: &Tensor) -> Result<Tensor> {
        self.binary(BinaryOp::Maximum, other)
    }

    /// Elementwise minimum, broadcasting.
    pub fn minimum(&self, other: &Tensor) -> Result<Tensor> {
        self.binary(BinaryOp::Minimum, other)
    }

    /// `self + value`.
    pub fn add_scalar(&self, value: f32) -> Result<Tensor> {
        self.binary_scalar(BinaryOp::Add, value, false)
    }

    /// `self * value`.
    pub fn mul_scalar(&self, value: f32) -> Result<Tensor> {
        self.binary_scalar(BinaryOp::Mul, value, false)
    }

    /// `self / value`.
    pub fn div_scalar(&self, value: f32) -> Result<Tensor> {
        self.binary_scalar(BinaryOp::Div, value, false)
    }
}
