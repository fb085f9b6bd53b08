//! Broadcasting arithmetic: `add sub mul div`, tensor with tensor and tensor with a
//! number, each forward beside its backward.

use super::map::{map_float, zip_float, zip_typed};
use crate::autograd::{record, Backward};
use crate::tensor::{DType, Float, Real, Tensor};
use crate::{bail, Result};

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

fn float_forward(op: BinaryOp, a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let name = op.name();
    match op {
        BinaryOp::Add => zip_float!(name, a, b, T, |x, y| x + y),
        BinaryOp::Sub => zip_float!(name, a, b, T, |x, y| x - y),
        BinaryOp::Mul => zip_float!(name, a, b, T, |x, y| x * y),
        BinaryOp::Div => zip_float!(name, a, b, T, |x, y| x / y),
        BinaryOp::Pow => zip_float!(name, a, b, T, |x, y| Real::powf(x, y)),
        BinaryOp::Maximum => zip_float!(name, a, b, T, |x, y| {
            if x.is_nan() || y.is_nan() {
                T::NAN
            } else {
                Real::max(x, y)
            }
        }),
        BinaryOp::Minimum => zip_float!(name, a, b, T, |x, y| {
            if x.is_nan() || y.is_nan() {
                T::NAN
            } else {
                Real::min(x, y)
            }
        }),
    }
}

/// `base ^ exp` for integers, wrapping on overflow as PyTorch's integer ops do.
fn int_pow(base: i64, mut exp: i64) -> i64 {
    let (mut acc, mut b) = (1i64, base);
    while exp > 0 {
        if exp & 1 == 1 {
            acc = acc.wrapping_mul(b);
        }
        b = b.wrapping_mul(b);
        exp >>= 1;
    }
    acc
}

/// Integer arithmetic (wrapping, as PyTorch), for one integer dtype.
macro_rules! int_forward {
    ($op:expr, $a:expr, $b:expr, $t:ty) => {{
        let name = $op.name();
        match $op {
            BinaryOp::Add => zip_typed(name, $a, $b, |x: $t, y: $t| x.wrapping_add(y)),
            BinaryOp::Sub => zip_typed(name, $a, $b, |x: $t, y: $t| x.wrapping_sub(y)),
            BinaryOp::Mul => zip_typed(name, $a, $b, |x: $t, y: $t| x.wrapping_mul(y)),
            BinaryOp::Maximum => zip_typed(name, $a, $b, |x: $t, y: $t| x.max(y)),
            BinaryOp::Minimum => zip_typed(name, $a, $b, |x: $t, y: $t| x.min(y)),
            BinaryOp::Pow => {
                if $b.with_data(name, |d: &[$t], l| l.indices().any(|i| d[i] < 0))? {
                    bail!(
                        Arg,
                        "pow: integers to negative integer powers are not allowed"
                    );
                }
                zip_typed(name, $a, $b, |x: $t, y: $t| {
                    int_pow(x as i64, y as i64) as $t
                })
            }
            BinaryOp::Div => unreachable!("division of integers is done in float32"),
        }
    }};
}

/// `a op b` for two tensors already of one dtype, no graph.
fn same_dtype_forward(op: BinaryOp, a: &Tensor, b: &Tensor) -> Result<Tensor> {
    match a.dtype() {
        DType::F32 | DType::F64 => float_forward(op, a, b),
        DType::I32 => int_forward!(op, a, b, i32),
        DType::I64 => int_forward!(op, a, b, i64),
        DType::Bool => {
            let name = op.name();
            match op {
                BinaryOp::Add | BinaryOp::Maximum => {
                    zip_typed(name, a, b, |x: bool, y: bool| x | y)
                }
                BinaryOp::Mul | BinaryOp::Minimum => {
                    zip_typed(name, a, b, |x: bool, y: bool| x & y)
                }
                BinaryOp::Sub => bail!(
                    Dtype,
                    "sub: subtracting two bool tensors is not supported (as in PyTorch); use ne() for exclusive or"
                ),
                BinaryOp::Pow | BinaryOp::Div => {
                    unreachable!("bool pow and div are done in int64 and float32")
                }
            }
        }
    }
}

/// The dtype `a op b` computes in: the promoted dtype, except that division of
/// integers is true division in float32 and a bool power is an int64 power.
fn compute_dtype(op: BinaryOp, a: DType, b: DType) -> DType {
    let d = DType::promote(a, b);
    match (op, d) {
        (BinaryOp::Div, DType::Bool | DType::I32 | DType::I64) => DType::F32,
        (BinaryOp::Pow, DType::Bool) => DType::I64,
        _ => d,
    }
}

/// Share of the gradient `maximum` gives its left operand: all where it is larger,
/// half on ties (as PyTorch), none where it is smaller.
fn larger_share<T: Float>(x: T, y: T) -> T {
    if x > y {
        T::ONE
    } else if x == y {
        T::of(0.5)
    } else {
        T::ZERO
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
                let ga = g.mul(&zip_float!("pow", a, b, T, |x, y| {
                    if y == T::ZERO {
                        T::ZERO
                    } else {
                        y * Real::powf(x, y - T::ONE)
                    }
                })?)?;
                let gb = g.mul(&zip_float!("pow", a, b, T, |x, y| {
                    if x == T::ZERO && y >= T::ZERO {
                        T::ZERO
                    } else {
                        Real::powf(x, y) * Real::ln(x)
                    }
                })?)?;
                (ga, gb)
            }
            BinaryOp::Maximum => (
                g.mul(&zip_float!("maximum", a, b, T, |x, y| larger_share(x, y))?)?,
                g.mul(&zip_float!("maximum", b, a, T, |x, y| larger_share(x, y))?)?,
            ),
            BinaryOp::Minimum => (
                g.mul(&zip_float!("minimum", b, a, T, |x, y| larger_share(x, y))?)?,
                g.mul(&zip_float!("minimum", a, b, T, |x, y| larger_share(x, y))?)?,
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
    value: f64,
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
            (BinaryOp::Div, true) => {
                zip_float!("div", g, &inputs[0], T, |g, x| -g * T::of(s) / (x * x))?
            }
            (BinaryOp::Pow | BinaryOp::Maximum | BinaryOp::Minimum, _) => {
                unreachable!("binary_scalar turns these into unary ops")
            }
        };
        Ok(vec![Some(grad)])
    }
}

impl Tensor {
    /// `a op b` with broadcasting and PyTorch's type promotion, recorded for
    /// autograd.
    pub fn binary(&self, op: BinaryOp, other: &Tensor) -> Result<Tensor> {
        let dtype = compute_dtype(op, self.dtype(), other.dtype());
        // Differentiable conversions, so a float32 input of a float64 sum still
        // receives its (float32) gradient.
        let (a, b) = (self.to_dtype(dtype)?, other.to_dtype(dtype)?);
        let out = same_dtype_forward(op, &a, &b)?;
        Ok(record(out, op.grad_fn_name(), &[&a, &b], || {
            BinaryBackward(op)
        }))
    }

    /// `self op value` (or `value op self` when `reversed`), recorded for autograd.
    /// A float tensor keeps its dtype; an integer or bool tensor stays an integer
    /// with an integer `value` (bool becomes int64) and becomes float32 otherwise,
    /// as in PyTorch.
    pub fn binary_scalar(&self, op: BinaryOp, value: f64, reversed: bool) -> Result<Tensor> {
        let name = op.name();
        let d = self.dtype();
        if !d.is_float() {
            let integral = value.fract() == 0.0 && value.abs() < 2f64.powi(63);
            let dtype = match d {
                _ if !integral => DType::F32,
                DType::Bool => DType::I64,
                other => other,
            };
            let scalar = Tensor::full_dtype(&[], value, dtype)?;
            return if reversed {
                scalar.binary(op, self)
            } else {
                self.binary(op, &scalar)
            };
        }
        match (op, reversed) {
            (BinaryOp::Pow, false) => return self.pow_scalar(value),
            (BinaryOp::Pow, true) => return self.scalar_pow(value),
            // A number on either side: the same as against a 0-d tensor.
            (BinaryOp::Maximum | BinaryOp::Minimum, _) => {
                return self.binary(op, &Tensor::full_dtype(&[], value, d)?)
            }
            _ => {}
        }
        let out = match (op, reversed) {
            (BinaryOp::Add, _) => map_float!(name, self, T, |x| x + T::of(value))?,
            (BinaryOp::Sub, false) => map_float!(name, self, T, |x| x - T::of(value))?,
            (BinaryOp::Sub, true) => map_float!(name, self, T, |x| T::of(value) - x)?,
            (BinaryOp::Mul, _) => map_float!(name, self, T, |x| x * T::of(value))?,
            (BinaryOp::Div, false) => map_float!(name, self, T, |x| x / T::of(value))?,
            (BinaryOp::Div, true) => map_float!(name, self, T, |x| T::of(value) / x)?,
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

    /// `self + value`.
    pub fn add_scalar(&self, value: f64) -> Result<Tensor> {
        self.binary_scalar(BinaryOp::Add, value, false)
    }

    /// `self * value`.
    pub fn mul_scalar(&self, value: f64) -> Result<Tensor> {
        self.binary_scalar(BinaryOp::Mul, value, false)
    }

    /// `self / value`.
    pub fn div_scalar(&self, value: f64) -> Result<Tensor> {
        self.binary_scalar(BinaryOp::Div, value, false)
    }
}

/// `Tensor` methods for the operators, broadcasting: `a.add(&b)` is
/// `a.binary(BinaryOp::Add, &b)`.
macro_rules! operator_methods {
    ($($(#[$doc:meta])* $name:ident => $op:ident;)*) => {
        impl Tensor {
            $(
                $(#[$doc])*
                pub fn $name(&self, other: &Tensor) -> Result<Tensor> {
                    self.binary(BinaryOp::$op, other)
                }
            )*
        }
    };
}

operator_methods! {
    /// `self + other`, broadcasting.
    add => Add;
    /// `self - other`, broadcasting.
    sub => Sub;
    /// `self * other`, broadcasting.
    mul => Mul;
    /// `self / other`, broadcasting.
    div => Div;
    /// `self ^ other`, broadcasting.
    pow => Pow;
    /// Elementwise maximum, broadcasting.
    maximum => Maximum;
    /// Elementwise minimum, broadcasting.
    minimum => Minimum;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    fn ints(v: &[i64]) -> Tensor {
        Tensor::from_vec_i64(v.to_vec(), &[v.len()]).unwrap()
    }

    #[test]
    fn types_promote_as_in_pytorch() {
        let i = ints(&[1, -2, 3]);
        let r = i.add_scalar(1.0).unwrap();
        assert_eq!(
            (r.dtype(), r.to_vec_i64().unwrap()),
            (DType::I64, vec![2, -1, 4])
        );
        let r = i.add_scalar(0.5).unwrap();
        assert_eq!(
            (r.dtype(), r.to_vec_f64()),
            (DType::F32, vec![1.5, -1.5, 3.5])
        );
        let r = i.div(&ints(&[2, 2, 2])).unwrap();
        assert_eq!(
            (r.dtype(), r.to_vec_f64()),
            (DType::F32, vec![0.5, -1.0, 1.5])
        );
        let f = Tensor::from_vec(vec![0.5; 3], &[3]).unwrap();
        assert_eq!(i.mul(&f).unwrap().dtype(), DType::F32);
        let d = f.to_dtype(DType::F64).unwrap();
        assert_eq!(f.add(&d).unwrap().dtype(), DType::F64);
        let small = i.to_dtype(DType::I32).unwrap();
        assert_eq!(small.add(&i).unwrap().dtype(), DType::I64);
        assert_eq!(small.mul_scalar(2.0).unwrap().dtype(), DType::I32);
        let max = Tensor::full_dtype(&[1], i32::MAX as f64, DType::I32).unwrap();
        assert_eq!(
            max.add_scalar(1.0).unwrap().to_vec_f64(),
            vec![i32::MIN as f64]
        );
        let b = i
            .compare(crate::ops::CmpOp::Gt, &Tensor::scalar(0.0))
            .unwrap();
        assert_eq!(b.add(&b).unwrap().dtype(), DType::Bool);
        assert_eq!(
            b.add_scalar(1.0).unwrap().to_vec_i64().unwrap(),
            vec![2, 1, 2]
        );
        assert_eq!(b.sub(&b).unwrap_err().code, ErrorCode::Dtype);
    }

    #[test]
    fn integer_powers_and_functions() {
        let i = ints(&[2, -3, 4]);
        assert_eq!(
            i.pow_scalar(2.0).unwrap().to_vec_i64().unwrap(),
            vec![4, 9, 16]
        );
        assert_eq!(i.pow_scalar(-1.0).unwrap_err().code, ErrorCode::Arg);
        assert_eq!(i.pow_scalar(0.5).unwrap().dtype(), DType::F32);
        let e = ints(&[2, 3, 4]).scalar_pow(2.0).unwrap();
        assert_eq!(e.to_vec_i64().unwrap(), vec![4, 8, 16]);
        assert_eq!(i.scalar_pow(2.0).unwrap_err().code, ErrorCode::Arg);
        assert_eq!(i.neg().unwrap().to_vec_i64().unwrap(), vec![-2, 3, -4]);
        assert_eq!(i.abs().unwrap().to_vec_i64().unwrap(), vec![2, 3, 4]);
        assert_eq!(i.relu().unwrap().to_vec_i64().unwrap(), vec![2, 0, 4]);
        let c = i.clamp(Some(-1.0), Some(3.0)).unwrap();
        assert_eq!(
            (c.dtype(), c.to_vec_f64()),
            (DType::I64, vec![2.0, -1.0, 3.0])
        );
        let e = i.exp().unwrap();
        assert_eq!(e.dtype(), DType::F32);
        assert!((e.to_vec_f64()[0] - 2f64.exp()).abs() < 1e-5);
        assert_eq!(i.mean(None, false).unwrap_err().code, ErrorCode::Dtype);
        assert_eq!(i.matmul(&i).unwrap_err().code, ErrorCode::Dtype);
    }

    #[test]
    fn float64_keeps_double_precision() {
        let x = Tensor::from_data(crate::Storage::F64(vec![1.0 + 1e-12, 2.0]), &[2]).unwrap();
        let y = x.mul_scalar(3.0).unwrap().sub_scalar_for_test(3.0);
        assert!((y.to_vec_f64()[0] - 3e-12).abs() < 1e-15);
        let m = x
            .unsqueeze(0)
            .unwrap()
            .matmul(&x.unsqueeze(1).unwrap())
            .unwrap();
        assert_eq!(m.dtype(), DType::F64);
        assert!((m.item().unwrap() - ((1.0 + 1e-12f64).powi(2) + 4.0)).abs() < 1e-14);
        assert_eq!(x.softmax(0).unwrap().dtype(), DType::F64);
    }

    impl Tensor {
        fn sub_scalar_for_test(&self, v: f64) -> Tensor {
            self.binary_scalar(BinaryOp::Sub, v, false).unwrap()
        }
    }
}
