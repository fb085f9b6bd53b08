//! Layer maths as functions, shared by the Rust layers and the binding.

use crate::tensor::shape::fmt_shape;
use crate::tensor::Tensor;
use crate::{bail, Result};

/// `y = x W^T + b` with `W` of shape `[out, in]` as PyTorch lays it out.
pub fn linear(x: &Tensor, weight: &Tensor, bias: Option<&Tensor>) -> Result<Tensor> {
    let ws = weight.shape();
    if ws.len() != 2 || x.ndim() == 0 || x.shape()[x.ndim() - 1] != ws[1] {
        bail!(
            Shape,
            "linear: input of shape {} does not fit weight of shape {} (expected the input's last dimension to be {})",
            fmt_shape(x.shape()),
            fmt_shape(ws),
            ws.get(1).map_or("in_features".to_string(), |v| v.to_string())
        );
    }
    let y = x.matmul(&weight.t()?)?;
    match bias {
        Some(b) => {
            if b.shape() != [ws[0]] {
                bail!(
                    Shape,
                    "linear: bias of shape {} does not fit weight of shape {} (expected [{}])",
                    fmt_shape(b.shape()),
                    fmt_shape(ws),
                    ws[0]
                );
            }
            y.add(b)
        }
        None => Ok(y),
    }
}

pub use crate::ops::conv::{conv1d, conv2d, Conv1dOptions, Conv2dOptions};
pub use crate::ops::pool::{adaptive_avg_pool2d, avg_pool2d, max_pool2d};
