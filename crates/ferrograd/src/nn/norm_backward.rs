//! What the backwards of batch norm and layer norm share: both compute
//! `(dx, dweight, dbias)` in one pass over packed input and upstream gradient, then
//! hand out the affine gradients only for the inputs that were recorded.

use crate::tensor::{float_dispatch, Float, Tensor};
use crate::Result;

/// The gradient pass of a normalisation with an optional elementwise affine.
pub(super) trait NormGrads {
    /// The op's name in errors.
    const OP: &'static str;
    /// `(dx, dweight, dbias)` for packed `x` and `g`; `w` is the weight, if any.
    fn grads<T: Float>(&self, x: &[T], g: &[T], w: Option<&[f64]>) -> Result<[Vec<T>; 3]>;
}

/// The inputs a normalisation records, in the order [`affine_backward`] reads
/// them: `[x, weight?, bias?]`.
pub(super) fn affine_inputs<'a>(
    x: &'a Tensor,
    weight: Option<&'a Tensor>,
    bias: Option<&'a Tensor>,
) -> Vec<&'a Tensor> {
    let mut inputs = vec![x];
    inputs.extend(weight);
    inputs.extend(bias);
    inputs
}

/// The gradients of the recorded inputs `[x, weight?, bias?]`; `affine_shape` is
/// the shape of the weight and bias.
pub(super) fn affine_backward<N: NormGrads>(
    norm: &N,
    g: &Tensor,
    inputs: &[Tensor],
    (has_weight, has_bias): (bool, bool),
    affine_shape: &[usize],
) -> Result<Vec<Option<Tensor>>> {
    let (op, x) = (N::OP, &inputs[0]);
    let weight = has_weight.then(|| inputs[1].to_vec_f64());
    let [dx, dw, db] = float_dispatch!(x.dtype(), op, T => {
        let [dx, dw, db] = x.with_contiguous(op, |xd: &[T]| {
            g.with_contiguous(op, |gd: &[T]| norm.grads(xd, gd, weight.as_deref()))
        })???;
        [T::storage(dx), T::storage(dw), T::storage(db)]
    });
    let mut grads = vec![Some(Tensor::from_storage(dx, x.shape()))];
    if has_weight {
        grads.push(Some(Tensor::from_storage(dw, affine_shape)));
    }
    if has_bias {
        grads.push(Some(Tensor::from_storage(db, affine_shape)));
    }
    Ok(grads)
}
