//! The reduction every loss takes, and the mean squared error. The fused losses
//! live beside it: cross-entropy and NLL in `cross_entropy.rs`, the elementwise
//! ones in `pointwise_loss.rs`.

use crate::tensor::shape::fmt_shape;
use crate::tensor::Tensor;
use crate::{bail, Result};

/// How per-element losses are combined, as PyTorch's `reduction` argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reduction {
    /// Average over elements (the default).
    Mean,
    /// Sum over elements.
    Sum,
    /// No reduction: one loss per element.
    None,
}

impl Reduction {
    /// Parses `'mean' | 'sum' | 'none'`.
    pub fn parse(s: &str) -> Result<Reduction> {
        Ok(match s {
            "mean" => Reduction::Mean,
            "sum" => Reduction::Sum,
            "none" => Reduction::None,
            other => bail!(
                Arg,
                "reduction must be 'mean', 'sum' or 'none', got '{other}'"
            ),
        })
    }

    fn apply(self, per_element: Tensor) -> Result<Tensor> {
        match self {
            Reduction::Mean => per_element.mean(None, false),
            Reduction::Sum => per_element.sum(None, false),
            Reduction::None => Ok(per_element),
        }
    }
}

/// Mean squared error `(input - target)^2`, reduced. The shapes must match exactly:
/// PyTorch broadcasts `[N, 1]` against `[N]` with only a warning, which silently
/// trains on an `N x N` loss.
pub fn mse_loss(input: &Tensor, target: &Tensor, reduction: Reduction) -> Result<Tensor> {
    if input.shape() != target.shape() {
        bail!(
            Shape,
            "mseLoss: input shape {} and target shape {} differ; reshape one so they match",
            fmt_shape(input.shape()),
            fmt_shape(target.shape())
        );
    }
    let d = input.sub(target)?;
    reduction.apply(d.mul(&d)?)
}
