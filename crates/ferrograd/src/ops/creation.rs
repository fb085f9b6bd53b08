//! Tensors made from a rule rather than data: `arange`, `linspace`, `eye`.

use crate::tensor::shape::checked_numel;
use crate::tensor::{alloc, DType, Storage, Tensor};
use crate::{bail, Result};

impl Tensor {
    /// `start, start + step, ...` below `end` (above it for a negative step), as
    /// float32, or int64 when `dtype` says so.
    pub fn arange(start: f64, end: f64, step: f64, dtype: DType) -> Result<Tensor> {
        if !(start.is_finite() && end.is_finite() && step.is_finite()) || step == 0.0 {
            bail!(
                Arg,
                "arange: needs finite start, end and a nonzero step, got {start}, {end}, {step}"
            );
        }
        if (end - start) * step < 0.0 {
            bail!(
                Arg,
                "arange: a step of {step} never goes from {start} to {end}"
            );
        }
        let n = ((end - start) / step).ceil().max(0.0);
        if n > u32::MAX as f64 * 4.0 {
            bail!(Alloc, "arange: {n} elements is too many");
        }
        let n = n as usize;
        checked_numel("arange", &[n])?;
        // Integers are counted exactly in int64, floats in float64; then cast.
        let storage = match dtype {
            DType::I32 | DType::I64 => {
                if start.fract() != 0.0 || step.fract() != 0.0 {
                    bail!(Arg, "arange: {dtype} needs an integer start and step");
                }
                Storage::I64(alloc::collect(
                    "arange",
                    n,
                    (0..n).map(|i| start as i64 + i as i64 * step as i64),
                )?)
            }
            DType::F32 | DType::F64 => Storage::F64(alloc::collect(
                "arange",
                n,
                (0..n).map(|i| start + i as f64 * step),
            )?),
            DType::Bool => bail!(Dtype, "arange: cannot make a bool range"),
        };
        let storage = if storage.dtype() == dtype {
            storage
        } else {
            storage.convert("arange", n, 0..n, dtype)?
        };
        Ok(Tensor::from_storage(storage, &[n]))
    }

    /// `steps` evenly spaced float32 values from `start` to `end` inclusive.
    pub fn linspace(start: f64, end: f64, steps: usize) -> Result<Tensor> {
        Tensor::linspace_of(start, end, steps, crate::DType::F32)
    }

    /// `steps` evenly spaced values of `dtype` from `start` to `end` inclusive,
    /// computed in float64 and rounded once (integers truncate, as PyTorch).
    pub fn linspace_of(start: f64, end: f64, steps: usize, dtype: crate::DType) -> Result<Tensor> {
        if !(start.is_finite() && end.is_finite()) {
            bail!(
                Arg,
                "linspace: needs finite start and end, got {start} and {end}"
            );
        }
        checked_numel("linspace", &[steps])?;
        let step = if steps > 1 {
            (end - start) / (steps - 1) as f64
        } else {
            0.0
        };
        // The second half counts back from `end`, as PyTorch does, so `end` is exact.
        let values = (0..steps).map(|i| {
            if i < steps / 2 {
                start + i as f64 * step
            } else {
                end - (steps - 1 - i) as f64 * step
            }
        });
        let values = Storage::F64(alloc::collect("linspace", steps, values)?);
        Ok(Tensor::from_storage(
            values.convert("linspace", steps, 0..steps, dtype)?,
            &[steps],
        ))
    }

    /// The `n x m` float32 identity (ones on the diagonal).
    pub fn eye(n: usize, m: usize) -> Result<Tensor> {
        let total = checked_numel("eye", &[n, m])?;
        let mut v = alloc::filled("eye", total, 0.0f32)?;
        for i in 0..n.min(m) {
            v[i * m + i] = 1.0;
        }
        Ok(Tensor::from_storage(Storage::F32(v), &[n, m]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_identities() {
        assert_eq!(
            Tensor::arange(0.0, 5.0, 2.0, DType::I64)
                .unwrap()
                .to_vec_i64()
                .unwrap(),
            vec![0, 2, 4]
        );
        assert_eq!(
            Tensor::arange(1.0, 0.0, -0.25, DType::F32)
                .unwrap()
                .to_vec_f32()
                .unwrap(),
            vec![1.0, 0.75, 0.5, 0.25]
        );
        assert_eq!(
            Tensor::arange(0.0, 1.0, 0.0, DType::F32).unwrap_err().code,
            crate::ErrorCode::Arg
        );
        assert_eq!(
            Tensor::arange(0.0, 1.0, -1.0, DType::F32).unwrap_err().code,
            crate::ErrorCode::Arg
        );
        assert_eq!(
            Tensor::linspace(0.0, 1.0, 5).unwrap().to_vec_f32().unwrap(),
            vec![0.0, 0.25, 0.5, 0.75, 1.0]
        );
        assert_eq!(
            Tensor::linspace(3.0, 3.0, 1).unwrap().to_vec_f32().unwrap(),
            vec![3.0]
        );
        assert_eq!(
            Tensor::eye(2, 3).unwrap().to_vec_f32().unwrap(),
            vec![1.0, 0.0, 0.0, 0.0, 1.0, 0.0]
        );
    }
}
