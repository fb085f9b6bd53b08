//! `Linear` for Rust users (the TypeScript layer keeps its own module tree and calls
//! [`super::functional::linear`] through the binding).

use super::{functional, init};
use crate::tensor::Tensor;
use crate::Result;

/// A fully connected layer `y = x W^T + b`.
pub struct Linear {
    /// `[out_features, in_features]`.
    pub weight: Tensor,
    /// `[out_features]`, if the layer has a bias.
    pub bias: Option<Tensor>,
}

impl Linear {
    /// A layer with PyTorch's default initialisation; parameters require grad.
    pub fn new(in_features: usize, out_features: usize, bias: bool) -> Result<Linear> {
        let (weight, bias) = init::default_layer(&[out_features, in_features], bias)?;
        weight.set_requires_grad(true)?;
        if let Some(b) = &bias {
            b.set_requires_grad(true)?;
        }
        Ok(Linear { weight, bias })
    }

    /// Applies the layer.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        functional::linear(x, &self.weight, self.bias.as_ref())
    }

    /// The learnable tensors, weight first.
    pub fn parameters(&self) -> Vec<Tensor> {
        std::iter::once(self.weight.clone())
            .chain(self.bias.clone())
            .collect()
    }
}
