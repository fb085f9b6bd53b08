//! What the optimizer classes share: splitting the flat parameter list into
//! groups, and the conversion of their state to and from JavaScript. Each
//! optimizer is one native class (`sgd.rs`, `adam.rs`, ...) made by
//! [`optimizer_class!`]: one call per `step()`, no maths here. Its options object
//! is made by [`js_options!`] from the core's declaration of its hyperparameters.

use crate::handle::TensorRef;
use crate::tensor::NativeTensor;
use crate::{args, IntoJs, Result};
use ferrograd::optim::{Optimizer, ParamGroup, ParamState, Rule};
use napi::Env;
use napi_derive::napi;

/// One parameter's optimizer state, as `stateDict()` receives it and
/// `loadStateDict()` passes it; its tensors travel beside the entries in one
/// flat list, `names.length` of them per entry.
#[napi(object)]
pub struct NativeParamState {
    /// The parameter's position in the optimizer's group-major order.
    pub index: f64,
    /// Updates applied so far, for algorithms that count them.
    pub step: Option<f64>,
    /// PyTorch's names of the state tensors (`exp_avg`, ...).
    pub names: Vec<String>,
}

/// `params` split into groups: `group_sizes[i]` of them, in order, form group `i`
/// with the hyperparameters `options[i]`.
pub(crate) fn groups<O, C>(
    name: &str,
    params: &[TensorRef],
    group_sizes: &[f64],
    options: &[O],
) -> Result<Vec<ParamGroup<C>>>
where
    C: for<'a> From<&'a O>,
{
    if group_sizes.len() != options.len() {
        return Err(args::arg_error(format!(
            "{name}: one options object is needed per parameter group"
        )));
    }
    let mut tensors = params.iter().map(|p| p.get().cloned());
    let mut groups = Vec::with_capacity(options.len());
    for (size, o) in group_sizes.iter().zip(options) {
        let size = args::size(name, "a group size", *size)?;
        let params = tensors.by_ref().take(size).collect::<Result<Vec<_>>>()?;
        groups.push(ParamGroup {
            params,
            options: o.into(),
        });
    }
    if tensors.next().is_some() {
        return Err(args::arg_error(format!(
            "{name}: the group sizes add up to fewer than the {} parameters",
            params.len()
        )));
    }
    Ok(groups)
}

/// Every parameter's state that has some, and the state tensors (copies) of
/// all of them in turn.
pub(crate) fn export_state<R: Rule>(
    env: &Env,
    opt: &Optimizer<R>,
) -> Result<(Vec<NativeParamState>, Vec<NativeTensor>)> {
    let (mut entries, mut tensors) = (Vec::new(), Vec::new());
    for (i, s) in opt.state().js()?.into_iter().enumerate() {
        let Some(s) = s else { continue };
        let mut names = Vec::with_capacity(s.buffers.len());
        for (name, t) in s.buffers {
            names.push(name);
            tensors.push(NativeTensor::leaf(env, t)?);
        }
        entries.push(NativeParamState {
            index: i as f64,
            step: s.step.map(|n| n as f64),
            names,
        });
    }
    Ok((entries, tensors))
}

/// Replaces the hyperparameters and the state, checked by the core as a whole.
pub(crate) fn import_state<R: Rule, O>(
    opt: &mut Optimizer<R>,
    options: &[O],
    state: &[NativeParamState],
    tensors: &[TensorRef],
) -> Result<()>
where
    R::Options: for<'a> From<&'a O>,
{
    let name = format!("{}.loadStateDict", R::NAME);
    let n: usize = opt.groups().iter().map(|g| g.params.len()).sum();
    let mut slots: Vec<Option<ParamState>> = vec![None; n];
    let mut tensors = tensors.iter();
    for s in state {
        let index = args::size(&name, "a parameter index", s.index)?;
        let step = s
            .step
            .map(|v| args::size(&name, "a step count", v).map(|v| v as u64))
            .transpose()?;
        let mut buffers = Vec::with_capacity(s.names.len());
        for n in &s.names {
            let t = tensors.next().ok_or_else(|| {
                args::arg_error(format!("{name}: fewer state tensors than names"))
            })?;
            buffers.push((n.clone(), t.get()?.clone()));
        }
        match slots.get_mut(index) {
            Some(slot @ None) => *slot = Some(ParamState { step, buffers }),
            Some(Some(_)) => {
                return Err(args::arg_error(format!(
                    "{name}: parameter {index} has state twice"
                )))
            }
            None => {
                return Err(args::arg_error(format!(
                    "{name}: there is no parameter {index} (there are {n})"
                )))
            }
        }
    }
    if tensors.next().is_some() {
        return Err(args::arg_error(format!(
            "{name}: more state tensors than names"
        )));
    }
    opt.load_state(options.iter().map(Into::into).collect(), slots)
        .js()
}

/// The options object of one group of an optimizer, from the core's declaration
/// of its hyperparameters (`ferrograd::sgd_hyperparameters!(js_options)`): the
/// same fields and types (napi-rs spells the names in camelCase), and the
/// conversions to and from the core's options struct of the same name. The
/// defaults and checks stay with the core. The docs do too: napi-rs would copy
/// the declaration's doc comments, which reach it as raw strings, with their
/// `r"` into the `.d.ts`; the TypeScript options interfaces carry them.
macro_rules! js_options {
    (
        $(#[doc = $doc:literal])*
        $name:ident {
            $(
                $(#[doc = $fdoc:literal])*
                $field:ident: $ty:tt = $default:expr $(=> $check:ident)?,
            )*
        }
    ) => {
        /// One group's hyperparameters, as the core declares them in its
        /// options struct of the same name.
        #[napi_derive::napi(object)]
        pub struct $name {
            $(pub $field: $ty,)*
        }

        impl From<&$name> for ferrograd::optim::$name {
            fn from(o: &$name) -> Self {
                ferrograd::optim::$name { $( $field: o.$field, )* }
            }
        }

        impl From<ferrograd::optim::$name> for $name {
            fn from(o: ferrograd::optim::$name) -> Self {
                $name { $( $field: o.$field, )* }
            }
        }
    };
}
pub(crate) use js_options;

/// A native optimizer class over the core optimizer `$core`, whose group
/// hyperparameters arrive as the `#[napi(object)]` `$options`. The doc comment
/// is a plain string literal: napi-rs copies it into the `.d.ts` verbatim.
macro_rules! optimizer_class {
    ($doc:literal, $class:ident, $core:ident, $options:ident) => {
        #[doc = $doc]
        #[napi_derive::napi]
        pub struct $class {
            /// Shared with a training thread while `fit` runs (`fit.rs`).
            inner: std::sync::Arc<std::sync::Mutex<$core>>,
        }

        impl $class {
            /// The optimizer, locked against a training thread's step.
            fn lock(&self) -> std::sync::MutexGuard<'_, $core> {
                // A panic during a step is reported as an error; the state it
                // left is still a valid optimizer.
                self.inner.lock().unwrap_or_else(|e| e.into_inner())
            }
        }

        #[napi_derive::napi]
        impl $class {
            /// `params` lists every group's tensors in order; `groupSizes[i]` of them
            /// belong to group `i`, whose hyperparameters are `options[i]`.
            #[napi(constructor, catch_unwind)]
            pub fn new(
                params: Vec<$crate::handle::TensorRef>,
                group_sizes: Vec<f64>,
                options: Vec<$options>,
            ) -> $crate::Result<$class> {
                use $crate::IntoJs;
                let name = <$core>::NAME;
                let groups = $crate::optim::groups(name, &params, &group_sizes, &options)?;
                Ok($class {
                    inner: std::sync::Arc::new(std::sync::Mutex::new($core::new(groups).js()?)),
                })
            }

            /// The algorithm's name, as error messages give it (`Adam`).
            #[napi(catch_unwind)]
            pub fn algorithm() -> &'static str {
                <$core>::NAME
            }

            /// The hyperparameters a group gets when it sets none.
            #[napi(catch_unwind)]
            pub fn defaults() -> $options {
                <$core>::defaults().into()
            }

            /// A handle that lets a training thread step this optimizer.
            #[napi]
            pub fn shared(&self) -> $crate::fit::NativeOptimizerRef {
                $crate::fit::NativeOptimizerRef::new(self.inner.clone())
            }

            /// Replaces group `index`'s hyperparameters.
            #[napi(catch_unwind)]
            pub fn set_options(&mut self, index: f64, options: $options) -> $crate::Result<()> {
                use $crate::IntoJs;
                let i = $crate::args::size(<$core>::NAME, "a group index", index)?;
                self.lock().set_options(i, (&options).into()).js()
            }

            /// Updates every parameter that has a gradient.
            #[napi(catch_unwind)]
            pub fn step(&mut self) -> $crate::Result<()> {
                use $crate::IntoJs;
                self.lock().step().js()
            }

            /// Clears every parameter's gradient.
            #[napi(catch_unwind)]
            pub fn zero_grad(&self) -> $crate::Result<()> {
                use $crate::IntoJs;
                self.lock().zero_grad().js()
            }

            /// The state of every parameter that has some, and copies of its
            /// tensors, each entry's in turn.
            #[napi(catch_unwind)]
            pub fn state(
                &self,
                env: napi::Env,
            ) -> $crate::Result<(
                Vec<$crate::optim::NativeParamState>,
                Vec<$crate::tensor::NativeTensor>,
            )> {
                $crate::optim::export_state(&env, &self.lock())
            }

            /// Replaces every group's hyperparameters and every parameter's state at
            /// once; `tensors` holds each entry's tensors in turn. Nothing changes
            /// when any of it is refused.
            #[napi(catch_unwind)]
            pub fn load_state(
                &mut self,
                options: Vec<$options>,
                state: Vec<$crate::optim::NativeParamState>,
                tensors: Vec<$crate::handle::TensorRef>,
            ) -> $crate::Result<()> {
                $crate::optim::import_state(&mut self.lock(), &options, &state, &tensors)
            }
        }
    };
}
pub(crate) use optimizer_class;
