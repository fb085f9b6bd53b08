//! Inverted dropout (`torch.nn.functional.dropout`), forward beside backward: in
//! training each element is kept with probability `1 - p` and scaled by
//! `1 / (1 - p)`, so the expected output equals the input and evaluation needs no
//! rescaling. The mask comes from the seeded generator of [`crate::random`].

use crate::autograd::{record, Backward};
use crate::random;
use crate::tensor::{alloc, float_dispatch, Tensor};
use crate::{bail, Result};

/// Multiplies the gradient by the mask the forward drew.
struct DropoutBackward {
    /// 0 for dropped elements, `1 / (1 - p)` for kept ones; the input's shape.
    mask: Tensor,
}

impl Backward for DropoutBackward {
    fn backward(&self, g: &Tensor, _: &[Tensor]) -> Result<Vec<Option<Tensor>>> {
        Ok(vec![Some(g.mul(&self.mask)?)])
    }
}

/// Zeroes each element with probability `p` and scales the rest by `1 / (1 - p)`
/// when `training`; returns `input` itself otherwise (and for `p = 0`). `p = 1`
/// gives zeros. `p` outside `[0, 1]` is `ERR_ARG`.
pub fn dropout(input: &Tensor, p: f64, training: bool) -> Result<Tensor> {
    if !(0.0..=1.0).contains(&p) {
        bail!(Arg, "dropout: p must be a probability in [0, 1], got {p}");
    }
    if !training || p == 0.0 {
        return Ok(input.clone());
    }
    let n = input.numel();
    let keep = 1.0 - p;
    // p = 1 keeps nothing; 1 / (1 - p) would be infinite and 0 * inf NaN.
    let scale = if keep > 0.0 { 1.0 / keep } else { 0.0 };
    let (out, mask) = float_dispatch!(input.dtype(), "dropout", T => {
        let s = T::of(scale);
        let mask: Vec<T> = random::with_rng(|r| {
            use rand::Rng;
            alloc::collect("dropout", n, (0..n).map(|_| if r.random::<f64>() < keep { s } else { T::ZERO }))
        })?;
        let out = input.with_contiguous("dropout", |x: &[T]| {
            alloc::collect("dropout", n, x.iter().zip(&mask).map(|(&v, &m)| v * m))
        })??;
        (T::storage(out), T::storage(mask))
    });
    let out = Tensor::from_storage(out, input.shape());
    let mask = Tensor::from_storage(mask, input.shape());
    Ok(record(out, "NativeDropoutBackward", &[input], || {
        DropoutBackward { mask }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_about_one_minus_p_scaled_and_is_seeded() {
        random::manual_seed(3);
        let x = Tensor::ones(&[10_000]).unwrap();
        let y = dropout(&x, 0.25, true).unwrap().to_vec_f32().unwrap();
        let kept = y.iter().filter(|&&v| v != 0.0).count();
        assert!((7300..7700).contains(&kept), "kept {kept}");
        assert!(y.iter().all(|&v| v == 0.0 || (v - 4.0 / 3.0).abs() < 1e-6));
        random::manual_seed(3);
        assert_eq!(dropout(&x, 0.25, true).unwrap().to_vec_f32().unwrap(), y);
        assert_eq!(
            dropout(&x, 1.5, true).unwrap_err().code,
            crate::ErrorCode::Arg
        );
        assert!(dropout(&x, 0.5, false).unwrap().shares_storage(&x));
    }
}
