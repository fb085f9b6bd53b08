//! Optimizers: one native object per optimizer, one call per `step()`.

use crate::tensor::NativeTensor;
use crate::{args, IntoJs, Result};
use ferrograd::optim::{ParamGroup, Sgd as CoreSgd, SgdOptions};
use napi::bindgen_prelude::ClassInstance;
use napi_derive::napi;

/// Hyperparameters of one SGD parameter group.
#[napi(object)]
pub struct SgdGroupOptions {
    /// Learning rate.
    pub lr: f64,
    /// Momentum factor.
    pub momentum: f64,
    /// Dampening for momentum.
    pub dampening: f64,
    /// L2 penalty.
    pub weight_decay: f64,
    /// Nesterov momentum.
    pub nesterov: bool,
}

impl From<&SgdGroupOptions> for SgdOptions {
    fn from(o: &SgdGroupOptions) -> Self {
        SgdOptions {
            lr: o.lr,
            momentum: o.momentum,
            dampening: o.dampening,
            weight_decay: o.weight_decay,
            nesterov: o.nesterov,
        }
    }
}

/// The native SGD optimizer.
#[napi]
pub struct NativeSgd {
    inner: CoreSgd,
}

#[napi]
impl NativeSgd {
    /// `params` lists every group's tensors in order; `groupSizes[i]` of them belong
    /// to group `i`, whose hyperparameters are `options[i]`.
    #[napi(constructor, catch_unwind)]
    pub fn new(
        params: Vec<ClassInstance<NativeTensor>>,
        group_sizes: Vec<f64>,
        options: Vec<SgdGroupOptions>,
    ) -> Result<NativeSgd> {
        if group_sizes.len() != options.len() {
            return Err(crate::js_error(ferrograd::Error::new(
                ferrograd::ErrorCode::Arg,
                "SGD: one options object is needed per parameter group",
            )));
        }
        let mut tensors = params.iter().map(|p| p.get().cloned());
        let mut groups = Vec::with_capacity(options.len());
        for (size, o) in group_sizes.iter().zip(&options) {
            let size = args::size("SGD", "a group size", *size)?;
            let params = tensors.by_ref().take(size).collect::<Result<Vec<_>>>()?;
            groups.push(ParamGroup {
                params,
                options: o.into(),
            });
        }
        Ok(NativeSgd {
            inner: CoreSgd::new(groups).js()?,
        })
    }

    /// Replaces group `index`'s hyperparameters.
    #[napi(catch_unwind)]
    pub fn set_options(&mut self, index: f64, options: SgdGroupOptions) -> Result<()> {
        let i = args::size("SGD", "a group index", index)?;
        self.inner.set_options(i, (&options).into()).js()
    }

    /// Updates every parameter that has a gradient.
    #[napi(catch_unwind)]
    pub fn step(&mut self) -> Result<()> {
        self.inner.step().js()
    }

    /// Clears every parameter's gradient.
    #[napi(catch_unwind)]
    pub fn zero_grad(&self) -> Result<()> {
        self.inner.zero_grad().js()
    }
}
