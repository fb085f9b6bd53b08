//! Elementwise functions and activations, each forward beside its backward.

use super::binary::{map_f32, zip_f32};
use crate::autograd::{record, Backward};
use crate::tensor::Tensor;
use crate::Result;

/// The elementwise functions with a derivative.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
        }
    }

    /// Ops whose derivative is cheapest from the output rather than the input.
    fn saves_output(self) -> bool {
        matches!(self, UnaryOp::Sigmoid | UnaryOp::Tanh | UnaryOp::Exp)
    }
}

/// Numerically safe logistic function: never exponentiates a large positive number.
fn sigmoid(x: f32) -> f32 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
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
        UnaryOp::Exp => map_f32(name, x, f32::exp),
        UnaryOp::Log => map_f32(name, x, f32::ln),
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
}
