//! What every optimizer shares: parameter groups, per-parameter state, the checks
//! made before anything changes, and the export and import of the state that
//! `stateDict()`/`loadStateDict()` need. An algorithm is a [`Rule`]: its
//! hyperparameters, the names of its state tensors, and one fused update of one
//! parameter; [`Optimizer`] runs a rule over every parameter in one call.

use super::Hyperparameters;
use crate::tensor::shape::fmt_shape;
use crate::tensor::{float_dispatch, DType, Element, Float, Storage, Tensor};
use crate::{bail, Result};

/// Parameters sharing one set of hyperparameters.
pub struct ParamGroup<O> {
    /// The tensors this group updates.
    pub params: Vec<Tensor>,
    /// Their hyperparameters.
    pub options: O,
}

/// One optimization algorithm, as [`Optimizer`] runs it.
pub trait Rule {
    /// The name in error messages (`Adam`).
    const NAME: &'static str;
    /// Whether the state counts updates (PyTorch's `state["step"]`; SGD keeps none).
    const COUNTS_STEPS: bool = true;
    /// Whether state exists from construction on, as PyTorch's Adagrad creates it,
    /// rather than at a parameter's first update.
    const EAGER_STATE: bool = false;
    /// The hyperparameters of one group, declared with
    /// [`hyperparameters!`](super::hyperparameters).
    type Options: Hyperparameters;

    /// The hyperparameters a group gets when it sets none: the declared defaults,
    /// unless the algorithm shares its options with another (AdamW's weight decay).
    fn defaults() -> Self::Options {
        Self::Options::default()
    }

    /// Refuses combinations of hyperparameters PyTorch refuses, beyond the
    /// ranges their declarations check, naming the option as JavaScript spells it.
    fn validate(_o: &Self::Options) -> Result<()> {
        Ok(())
    }

    /// PyTorch's names of the state tensors a parameter needs under `o`, in the
    /// order [`Rule::update`] receives them.
    fn buffer_names(o: &Self::Options) -> &'static [&'static str];

    /// The value new state tensors start at.
    fn initial_value(_o: &Self::Options) -> f64 {
        0.0
    }

    /// One update of one parameter under the hyperparameters `o`.
    fn update<T: Float>(o: &Self::Options, u: Update<'_, T>);
}

/// What [`Rule::update`] updates, and with what.
pub struct Update<'a, T> {
    /// The parameter's values.
    pub w: &'a mut [T],
    /// Its gradient.
    pub g: &'a [T],
    /// The state buffers of [`Rule::buffer_names`], in that order.
    pub state: &'a mut [Storage],
    /// Counts this update (1 for the first).
    pub step: u64,
    /// The state buffers were created for this update.
    pub fresh: bool,
}

/// The first `N` state buffers as slices of the parameter's element type.
pub(crate) fn buffers<T: Element, const N: usize>(state: &mut [Storage]) -> [&mut [T]; N] {
    let mut it = state.iter_mut();
    std::array::from_fn(|_| {
        let s = it.next().expect("the rule asked for a buffer it declared");
        T::slice_mut(s).expect("state buffers have the parameter's dtype")
    })
}

/// `weight` of the way from `a` to `b`, rounded as PyTorch's CPU `lerp` rounds it.
#[inline(always)]
pub(crate) fn lerp<T: Float>(a: T, b: T, weight: T) -> T {
    if weight.abs() < T::of(0.5) {
        a + weight * (b - a)
    } else {
        b - (b - a) * (T::ONE - weight)
    }
}

/// One parameter's optimizer state, as PyTorch's `optimizer.state[p]`.
#[derive(Clone)]
pub struct ParamState {
    /// Updates applied so far (`None` for rules that count none, like SGD).
    pub step: Option<u64>,
    /// The state tensors under PyTorch's names (`exp_avg`, ...), each shaped like
    /// the parameter.
    pub buffers: Vec<(String, Tensor)>,
}

/// The state the optimizer keeps for one parameter.
struct Slot {
    step: u64,
    /// The names `buffers` were made for: the rule's list when they were created.
    names: &'static [&'static str],
    buffers: Vec<Storage>,
}

/// A zero-filled (or `value`-filled) buffer of `n` elements of `dtype`.
fn filled(op: &str, dtype: DType, n: usize, value: f64) -> Result<Storage> {
    float_dispatch!(dtype, op, T => Ok(T::storage(crate::tensor::alloc::filled(op, n, T::of(value))?)))
}

/// A copy of a state buffer.
fn copy(s: &Storage) -> Storage {
    match s {
        Storage::F32(v) => Storage::F32(v.clone()),
        Storage::F64(v) => Storage::F64(v.clone()),
        _ => unreachable!("state buffers are float"),
    }
}

/// An optimizer: a [`Rule`] applied to parameter groups, with its per-parameter
/// state. Parameters may be float32 or float64; state has the parameter's dtype.
pub struct Optimizer<R: Rule> {
    groups: Vec<ParamGroup<R::Options>>,
    /// State per parameter, in group-major order; `None` before its first update.
    state: Vec<Option<Slot>>,
}

impl<R: Rule> Optimizer<R> {
    /// The algorithm's name (`Adam`), as error messages give it.
    pub const NAME: &'static str = R::NAME;

    /// An optimizer over parameter groups; every parameter must be a leaf and
    /// appear once.
    pub fn new(groups: Vec<ParamGroup<R::Options>>) -> Result<Optimizer<R>> {
        let mut seen = std::collections::HashSet::new();
        for g in &groups {
            Self::validate(&g.options)?;
            for p in &g.params {
                if !p.is_leaf() {
                    bail!(
                        Arg,
                        "{}: can only optimize leaf tensors; got a computed tensor of shape {}",
                        R::NAME,
                        fmt_shape(p.shape())
                    );
                }
                if !seen.insert(p.id()) {
                    bail!(
                        Arg,
                        "{}: a parameter (shape {}) appears more than once",
                        R::NAME,
                        fmt_shape(p.shape())
                    );
                }
            }
        }
        let mut state = Vec::with_capacity(seen.len());
        for g in &groups {
            for p in &g.params {
                state.push(if R::EAGER_STATE {
                    Some(Self::new_slot(&g.options, p)?)
                } else {
                    None
                });
            }
        }
        Ok(Optimizer { groups, state })
    }

    /// An optimizer over one group of parameters, as `SGD(params, lr=...)`.
    pub fn with_options(params: Vec<Tensor>, options: R::Options) -> Result<Optimizer<R>> {
        Self::new(vec![ParamGroup { params, options }])
    }

    /// The hyperparameters a group gets when it sets none.
    pub fn defaults() -> R::Options {
        R::defaults()
    }

    /// Refuses hyperparameters out of their declared ranges, or that the rule
    /// refuses together.
    fn validate(o: &R::Options) -> Result<()> {
        o.check(R::NAME)?;
        R::validate(o)
    }

    /// Fresh state for `p` under `o`, at step 0.
    fn new_slot(o: &R::Options, p: &Tensor) -> Result<Slot> {
        let names = R::buffer_names(o);
        let buffers = names
            .iter()
            .map(|_| filled(R::NAME, p.dtype(), p.numel(), R::initial_value(o)))
            .collect::<Result<_>>()?;
        Ok(Slot {
            step: 0,
            names,
            buffers,
        })
    }

    /// The parameter groups.
    pub fn groups(&self) -> &[ParamGroup<R::Options>] {
        &self.groups
    }

    /// Replaces group `i`'s hyperparameters (learning-rate schedules do this).
    pub fn set_options(&mut self, i: usize, options: R::Options) -> Result<()> {
        Self::validate(&options)?;
        match self.groups.get_mut(i) {
            Some(g) => g.options = options,
            None => bail!(
                Index,
                "{}: there is no parameter group {i} (there are {})",
                R::NAME,
                self.groups.len()
            ),
        }
        Ok(())
    }

    /// One update of every parameter that has a gradient, with the rule's fused
    /// loop; parameters without a gradient are left alone, as PyTorch does.
    pub fn step(&mut self) -> Result<()> {
        // Check every parameter before changing any, so a bad one leaves all intact.
        for p in self.groups.iter().flat_map(|g| &g.params) {
            let Some(g) = p.grad() else { continue };
            if g.dtype() != p.dtype() || g.shape() != p.shape() {
                bail!(
                    Arg,
                    "{}.step: a {} parameter of shape {} has a {} gradient of shape {}",
                    R::NAME,
                    p.dtype(),
                    fmt_shape(p.shape()),
                    g.dtype(),
                    fmt_shape(g.shape())
                );
            }
            if !p.is_contiguous() || !matches!(p.dtype(), DType::F32 | DType::F64) {
                bail!(
                    Arg,
                    "{}.step: parameters must be contiguous float32 or float64 tensors; got a {} tensor of shape {}{}",
                    R::NAME,
                    p.dtype(),
                    fmt_shape(p.shape()),
                    if p.is_contiguous() { "" } else { " that is a non-contiguous view" }
                );
            }
        }
        let params = self
            .groups
            .iter()
            .flat_map(|g| g.params.iter().map(move |p| (&g.options, p)));
        for ((o, p), slot) in params.zip(&mut self.state) {
            let Some(grad) = p.grad() else { continue };
            let names = R::buffer_names(o);
            let slot = slot.get_or_insert(Slot {
                step: 0,
                names: &[],
                buffers: Vec::new(),
            });
            // New state, or options that changed which buffers the rule keeps
            // (momentum switched on): make the missing ones, keep the others.
            let fresh = slot.names != names;
            if fresh {
                let mut old: Vec<_> = slot
                    .names
                    .iter()
                    .copied()
                    .zip(slot.buffers.drain(..))
                    .collect();
                for name in names {
                    slot.buffers
                        .push(match old.iter().position(|(n, _)| n == name) {
                            Some(i) => old.swap_remove(i).1,
                            None => filled(R::NAME, p.dtype(), p.numel(), R::initial_value(o))?,
                        });
                }
                slot.names = names;
            }
            slot.step += 1;
            let op = R::NAME;
            float_dispatch!(p.dtype(), op, T => grad.with_contiguous(op, |g: &[T]| {
                p.with_data_mut(op, |w: &mut [T]| R::update(o, Update { w, g, state: &mut slot.buffers, step: slot.step, fresh }))
            })??);
        }
        Ok(())
    }

    /// Clears every parameter's gradient (PyTorch's `set_to_none=True`).
    pub fn zero_grad(&self) -> Result<()> {
        for p in self.groups.iter().flat_map(|g| &g.params) {
            p.set_grad(None)?;
        }
        Ok(())
    }

    /// A copy of every parameter's state, in group-major order (`None` for a
    /// parameter that has none yet).
    pub fn state(&self) -> Result<Vec<Option<ParamState>>> {
        let params = self.groups.iter().flat_map(|g| &g.params);
        params
            .zip(&self.state)
            .map(|(p, slot)| {
                let Some(slot) = slot else { return Ok(None) };
                let buffers = slot
                    .names
                    .iter()
                    .zip(&slot.buffers)
                    .map(|(name, b)| Ok((name.to_string(), Tensor::from_data(copy(b), p.shape())?)))
                    .collect::<Result<Vec<_>>>()?;
                if !R::COUNTS_STEPS && buffers.is_empty() {
                    return Ok(None);
                }
                Ok(Some(ParamState {
                    step: R::COUNTS_STEPS.then_some(slot.step),
                    buffers,
                }))
            })
            .collect()
    }

    /// Replaces every group's hyperparameters and every parameter's state (`None`:
    /// none yet), as `loadStateDict` does. All of it is checked first: names,
    /// shapes and dtypes of the state tensors against the parameters and the new
    /// options. On any error nothing changes. State tensors are copied, converted
    /// to the parameter's dtype.
    pub fn load_state(
        &mut self,
        options: Vec<R::Options>,
        state: Vec<Option<ParamState>>,
    ) -> Result<()> {
        let op = format!("{}.loadStateDict", R::NAME);
        if options.len() != self.groups.len() {
            bail!(
                Arg,
                "{op}: the state has {} parameter groups, the optimizer has {}",
                options.len(),
                self.groups.len()
            );
        }
        options.iter().try_for_each(Self::validate)?;
        if state.len() != self.state.len() {
            bail!(
                Arg,
                "{op}: the state covers {} parameters, the optimizer has {}",
                state.len(),
                self.state.len()
            );
        }
        let params = self
            .groups
            .iter()
            .zip(&options)
            .flat_map(|(g, o)| g.params.iter().map(move |p| (o, p)));
        let mut slots = Vec::with_capacity(state.len());
        for (i, ((o, p), s)) in params.zip(state).enumerate() {
            slots.push(match s {
                Some(s) => Some(Self::slot_from(&op, i, o, p, s)?),
                None if R::EAGER_STATE => Some(Self::new_slot(o, p)?),
                None => None,
            });
        }
        for (g, o) in self.groups.iter_mut().zip(options) {
            g.options = o;
        }
        self.state = slots;
        Ok(())
    }

    /// Checks one parameter's loaded state and copies it into a slot.
    fn slot_from(op: &str, i: usize, o: &R::Options, p: &Tensor, s: ParamState) -> Result<Slot> {
        let step = match (s.step, R::COUNTS_STEPS) {
            (Some(step), true) => step,
            (None, false) => 0,
            (None, true) => bail!(Arg, "{op}: the state of parameter {i} has no step count"),
            (Some(_), false) => bail!(
                Arg,
                "{op}: the state of parameter {i} has a step count, which {} does not keep",
                R::NAME
            ),
        };
        let names = R::buffer_names(o);
        let given = |n: &str| s.buffers.iter().filter(|(m, _)| m == n).count();
        if s.buffers.len() != names.len() || names.iter().any(|n| given(n) != 1) {
            let got: Vec<&str> = s.buffers.iter().map(|(n, _)| n.as_str()).collect();
            bail!(
                Arg,
                "{op}: the state of parameter {i} has the tensors [{}], but its group's options need [{}]",
                got.join(", "),
                names.join(", ")
            );
        }
        let mut buffers = Vec::with_capacity(names.len());
        for name in names {
            let (_, t) = s
                .buffers
                .iter()
                .find(|(n, _)| n == name)
                .expect("checked above");
            if t.shape() != p.shape() {
                bail!(
                    Shape,
                    "{op}: state '{name}' of parameter {i} has shape {} but the parameter has shape {}",
                    fmt_shape(t.shape()),
                    fmt_shape(p.shape())
                );
            }
            t.dtype()
                .require_float(op, format_args!("state '{name}' of parameter {i}"))?;
            let t = t.to_dtype(p.dtype())?;
            buffers.push(float_dispatch!(p.dtype(), op, T => t.with_contiguous(op, |d: &[T]| T::storage(d.to_vec()))?));
        }
        Ok(Slot {
            step,
            names,
            buffers,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::{Adagrad, AdagradOptions, Adam, AdamOptions, Sgd, SgdOptions};

    fn param(v: &[f32]) -> Tensor {
        let t = Tensor::from_vec(v.to_vec(), &[v.len()]).unwrap();
        t.set_requires_grad(true).unwrap();
        t
    }

    fn set_grad(p: &Tensor, g: &[f32]) {
        let g = Tensor::from_vec(g.to_vec(), &[g.len()])
            .unwrap()
            .to_dtype(p.dtype())
            .unwrap();
        p.set_grad(Some(g)).unwrap();
    }

    fn adam(p: &Tensor, amsgrad: bool) -> Adam {
        let options = AdamOptions {
            lr: 0.1,
            amsgrad,
            ..Default::default()
        };
        Adam::with_options(vec![p.clone()], options).unwrap()
    }

    #[test]
    fn float64_parameters_follow_the_adam_recurrence_in_double_precision() {
        let p = Tensor::from_vec(vec![1.0, -2.0], &[2])
            .unwrap()
            .to_dtype(DType::F64)
            .unwrap()
            .detach();
        p.set_requires_grad(true).unwrap();
        let mut opt = adam(&p, false);
        let (mut w, mut m, mut v) = ([1.0f64, -2.0], [0.0f64; 2], [0.0f64; 2]);
        for t in 1..=3 {
            let g = [0.5 * t as f64, -0.25];
            set_grad(&p, &[g[0] as f32, g[1] as f32]);
            opt.step().unwrap();
            for i in 0..2 {
                m[i] = 0.9 * m[i] + 0.1 * g[i];
                v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
                let bc2 = (1.0 - 0.999f64.powi(t)).sqrt();
                w[i] -= 0.1 / (1.0 - 0.9f64.powi(t)) * m[i] / (v[i].sqrt() / bc2 + 1e-8);
            }
        }
        let got = p.to_vec_f64();
        assert!(
            got.iter().zip(&w).all(|(a, b)| (a - b).abs() < 1e-12),
            "{got:?} vs {w:?}"
        );
        let state = opt.state().unwrap();
        let s = state[0].as_ref().unwrap();
        assert_eq!(s.step, Some(3));
        assert_eq!(s.buffers[0].1.dtype(), DType::F64);
    }

    #[test]
    fn a_state_round_trip_gives_identical_next_steps() {
        let (a, b) = (param(&[0.3, -0.7, 1.1]), param(&[0.3, -0.7, 1.1]));
        let (mut first, mut second) = (adam(&a, true), adam(&b, true));
        for g in [[0.1, -0.2, 0.3], [0.4, 0.1, -0.2]] {
            set_grad(&a, &g);
            first.step().unwrap();
        }
        // The second optimizer's parameter and state become the first's.
        b.with_data_mut("test", |w: &mut [f32]| {
            w.copy_from_slice(&a.to_vec_f32().unwrap())
        })
        .unwrap();
        let options = first.groups().iter().map(|g| g.options).collect();
        second.load_state(options, first.state().unwrap()).unwrap();
        for g in [[-0.3, 0.2, 0.05], [0.0, 0.5, -0.5]] {
            set_grad(&a, &g);
            set_grad(&b, &g);
            first.step().unwrap();
            second.step().unwrap();
        }
        assert_eq!(a.to_vec_f32().unwrap(), b.to_vec_f32().unwrap());
    }

    #[test]
    fn a_state_of_the_wrong_shape_is_refused_with_nothing_changed() {
        let p = param(&[1.0, 2.0]);
        let mut opt = adam(&p, false);
        set_grad(&p, &[0.5, 0.5]);
        opt.step().unwrap();
        let before = opt.state().unwrap()[0].as_ref().unwrap().buffers[0]
            .1
            .to_vec_f32()
            .unwrap();
        let mut state = opt.state().unwrap();
        state[0].as_mut().unwrap().buffers[1].1 = Tensor::zeros(&[3]).unwrap();
        let options = AdamOptions {
            lr: 0.5,
            ..Default::default()
        };
        let err = opt.load_state(vec![options], state).err().unwrap();
        assert_eq!(err.code, crate::ErrorCode::Shape);
        assert!(
            err.message.contains("exp_avg_sq") && err.message.contains("[3]"),
            "{}",
            err.message
        );
        assert_eq!(opt.groups()[0].options.lr, 0.1);
        let after = opt.state().unwrap()[0].as_ref().unwrap().buffers[0]
            .1
            .to_vec_f32()
            .unwrap();
        assert_eq!(before, after);
        // Missing a tensor the options need (AMSGrad's maximum) is refused too.
        let state = opt.state().unwrap();
        let amsgrad = AdamOptions {
            amsgrad: true,
            ..Default::default()
        };
        assert!(opt.load_state(vec![amsgrad], state).is_err());
    }

    #[test]
    fn adagrad_state_exists_from_construction_and_sgd_keeps_no_step() {
        let p = param(&[1.0]);
        let options = AdagradOptions {
            initial_accumulator_value: 0.25,
            ..Default::default()
        };
        let opt = Adagrad::with_options(vec![p.clone()], options).unwrap();
        let s = opt.state().unwrap().remove(0).unwrap();
        assert_eq!(s.step, Some(0));
        assert_eq!(s.buffers[0].0, "sum");
        assert_eq!(s.buffers[0].1.to_vec_f32().unwrap(), vec![0.25]);

        let options = SgdOptions {
            momentum: 0.9,
            ..Default::default()
        };
        let mut sgd = Sgd::with_options(vec![p.clone()], options).unwrap();
        assert!(sgd.state().unwrap()[0].is_none());
        set_grad(&p, &[1.0]);
        sgd.step().unwrap();
        let s = sgd.state().unwrap().remove(0).unwrap();
        assert_eq!((s.step, s.buffers[0].0.as_str()), (None, "momentum_buffer"));
    }

    #[test]
    fn a_bad_parameter_stops_the_step_before_any_change() {
        let good = param(&[1.0, 2.0]);
        let view = param(&[1.0, 2.0, 3.0, 4.0])
            .reshape(&[2, 2])
            .unwrap()
            .transpose(0, 1)
            .unwrap()
            .detach();
        let mut opt =
            Adam::with_options(vec![good.clone(), view.clone()], AdamOptions::default()).unwrap();
        set_grad(&good, &[1.0, 1.0]);
        view.set_grad(Some(Tensor::ones(&[2, 2]).unwrap())).unwrap();
        let err = opt.step().err().unwrap();
        assert!(err.message.contains("non-contiguous"), "{}", err.message);
        assert_eq!(good.to_vec_f32().unwrap(), vec![1.0, 2.0]);
        assert!(opt.state().unwrap()[0].is_none());
    }
}
