//! Recording a computation once and replaying it on new inputs, so a forward pass
//! written in another language (the TypeScript `Module.forward` of a user) can run
//! again on a thread of the core's own, without calling back into that language.
//!
//! While a [`Recorder`] is active on a thread, every op that goes through [`op`]
//! is appended to it: a closure that computes the op from its input tensors, and
//! where each input came from, either a value of the recording (a trace input or
//! an earlier op's output) or a tensor from outside it (a parameter, a buffer, a
//! constant), which the trace keeps by reference. Replaying a [`Trace`] runs the
//! closures in order on new inputs. Outside tensors are read at replay time, so a
//! parameter that an optimizer updated in place is seen with its new values, and
//! an op that draws random numbers (dropout, `randn`) draws new ones each replay.
//!
//! A recording is like `torch.jit.trace`: it holds the ops one run made. A value
//! read out of a tensor while recording (`item()`, a copy into JavaScript) could
//! steer control flow or become a constant that the replay would silently keep,
//! and an in-place change made by the caller would not be repeated: the caller
//! reports both with [`note`], and such a recording refuses to become a trace.
//! The trace is also tied to the shapes and dtypes of its inputs, since a shape
//! read by the caller (`x.shape[0]`) is baked into the ops it recorded.

use crate::tensor::shape::fmt_shape;
use crate::tensor::{DType, Tensor};
use crate::{bail, Result};
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

/// One op as a trace replays it: computes the output from the inputs.
type OpFn = dyn Fn(&[&Tensor]) -> Result<Tensor> + Send + Sync;

/// Where an op's input comes from in a replay.
#[derive(Clone)]
enum Arg {
    /// A value of the recording, by index (inputs first, then each op's output).
    Value(usize),
    /// A tensor from outside the recording, read when the op runs.
    Outside(Tensor),
}

struct Step {
    name: &'static str,
    f: Arc<OpFn>,
    args: Vec<Arg>,
    /// Whether grad mode was on when the op was recorded: an op the caller ran
    /// under `noGrad` replays without recording the graph too.
    grad: bool,
}

/// A recorded computation, replayable on inputs of the recorded shapes and dtypes.
pub struct Trace {
    inputs: Vec<(Vec<usize>, DType)>,
    steps: Vec<Step>,
    output: Arg,
    /// For each step, the values its run is the last to read: freed right after,
    /// so a replay holds no more intermediates than the graph itself keeps.
    frees: Vec<Vec<usize>>,
}

/// An op being recorded on this thread.
pub struct Recorder {
    inputs: Vec<(Vec<usize>, DType)>,
    /// Tensor identity -> value index; identities are never reused in a process.
    values: HashMap<u64, usize>,
    count: usize,
    steps: Vec<Step>,
    /// Why the recording cannot be replayed, when something made it so.
    refused: Option<String>,
}

thread_local! {
    static ACTIVE: RefCell<Option<Recorder>> = const { RefCell::new(None) };
}

/// Starts recording the ops of this thread, with `inputs` as the trace's inputs.
/// `ERR_ARG` when a recording is already active here (they do not nest).
pub fn begin(inputs: &[&Tensor]) -> Result<()> {
    ACTIVE.with(|a| {
        let mut a = a.borrow_mut();
        if a.is_some() {
            bail!(Arg, "trace: a recording is already active on this thread");
        }
        let mut values = HashMap::new();
        for (i, t) in inputs.iter().enumerate() {
            values.entry(t.id()).or_insert(i);
        }
        *a = Some(Recorder {
            inputs: inputs
                .iter()
                .map(|t| (t.shape().to_vec(), t.dtype()))
                .collect(),
            values,
            count: inputs.len(),
            steps: Vec::new(),
            refused: None,
        });
        Ok(())
    })
}

/// True while this thread records.
pub fn is_recording() -> bool {
    ACTIVE.with(|a| a.borrow().is_some())
}

/// Stops recording. With `output`, the recording becomes a [`Trace`] that
/// computes it; `ERR_ARG` (naming the reason) when the recording was refused,
/// when `output` was not computed by it, or when nothing records here. Without
/// `output`, the recording is dropped (the caller's forward pass failed).
pub fn end(output: Option<&Tensor>) -> Result<Trace> {
    let Some(rec) = ACTIVE.with(|a| a.borrow_mut().take()) else {
        bail!(Arg, "trace: no recording is active on this thread");
    };
    let Some(output) = output else {
        bail!(Arg, "trace: the recording was abandoned");
    };
    if let Some(why) = rec.refused {
        bail!(Arg, "trace: the forward pass cannot be replayed: {why}");
    }
    let output = match rec.values.get(&output.id()) {
        Some(&v) => Arg::Value(v),
        None => bail!(
            Arg,
            "trace: the output was not computed from the recorded inputs by recorded ops"
        ),
    };
    let frees = last_uses(rec.inputs.len(), &rec.steps, &output);
    Ok(Trace {
        inputs: rec.inputs,
        steps: rec.steps,
        output,
        frees,
    })
}

/// For each step, the values it reads for the last time (never the output).
fn last_uses(n_inputs: usize, steps: &[Step], output: &Arg) -> Vec<Vec<usize>> {
    let mut last = vec![None; n_inputs + steps.len()];
    for (i, s) in steps.iter().enumerate() {
        for a in &s.args {
            if let Arg::Value(v) = a {
                last[*v] = Some(i);
            }
        }
    }
    if let Arg::Value(v) = output {
        last[*v] = None;
    }
    let mut frees = vec![Vec::new(); steps.len()];
    for (v, l) in last.into_iter().enumerate() {
        if let Some(i) = l {
            frees[i].push(v);
        }
    }
    frees
}

/// What a caller reports to an active recording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// Values were read out of `tensor` (into JavaScript, say).
    Read,
    /// `tensor` was changed in place by the caller.
    Mutated,
}

/// Reports `event` on `tensor` by the caller's `op` to this thread's recording, if
/// any; it refuses the recording, since a replay would not repeat it.
pub fn note(op: &str, event: Event, tensor: &Tensor) {
    ACTIVE.with(|a| {
        if let Some(rec) = a.borrow_mut().as_mut() {
            if rec.refused.is_none() {
                let what = match event {
                    Event::Read => {
                        "reads values out of a tensor, which a replay would not see change"
                    }
                    Event::Mutated => "changes a tensor in place, which a replay would not repeat",
                };
                rec.refused = Some(format!("{op} {what} (shape {})", fmt_shape(tensor.shape())));
            }
        }
    });
}

/// Runs `f` on `inputs` and, while this thread records, appends it to the
/// recording. `f` must compute its output from `inputs` and from values it owns
/// (dims, scalars), never from state that changes between replays.
pub fn op<F>(name: &'static str, inputs: &[&Tensor], f: F) -> Result<Tensor>
where
    F: Fn(&[&Tensor]) -> Result<Tensor> + Send + Sync + 'static,
{
    let out = f(inputs)?;
    if is_recording() {
        push(name, inputs, Arc::new(f), &out);
    }
    Ok(out)
}

/// [`op`] for an op with two outputs (`max` along a dim: values and indices).
/// Each output is recorded as a step of its own, so a replay runs `f` twice.
pub fn op_pair<F>(name: &'static str, inputs: &[&Tensor], f: F) -> Result<(Tensor, Tensor)>
where
    F: Fn(&[&Tensor]) -> Result<(Tensor, Tensor)> + Send + Sync + 'static,
{
    let (a, b) = f(inputs)?;
    if is_recording() {
        let f = Arc::new(f);
        let g = f.clone();
        push(
            name,
            inputs,
            Arc::new(move |t: &[&Tensor]| f(t).map(|r| r.0)),
            &a,
        );
        push(
            name,
            inputs,
            Arc::new(move |t: &[&Tensor]| g(t).map(|r| r.1)),
            &b,
        );
    }
    Ok((a, b))
}

/// Appends a step computing `out` to this thread's recording.
fn push(name: &'static str, inputs: &[&Tensor], f: Arc<OpFn>, out: &Tensor) {
    ACTIVE.with(|a| {
        if let Some(rec) = a.borrow_mut().as_mut() {
            let args = inputs
                .iter()
                .map(|t| match rec.values.get(&t.id()) {
                    Some(&v) => Arg::Value(v),
                    None => Arg::Outside((*t).clone()),
                })
                .collect();
            rec.steps.push(Step {
                name,
                f,
                args,
                grad: crate::is_grad_enabled(),
            });
            rec.values.insert(out.id(), rec.count);
            rec.count += 1;
        }
    });
}

impl Trace {
    /// Shapes and dtypes of the inputs the trace was recorded with.
    pub fn input_specs(&self) -> &[(Vec<usize>, DType)] {
        &self.inputs
    }

    /// Number of recorded ops.
    pub fn len(&self) -> usize {
        self.steps.len()
    }

    /// True when the trace records no op (its output is one of its inputs).
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// True when `inputs` have the recorded shapes and dtypes.
    pub fn accepts(&self, inputs: &[&Tensor]) -> bool {
        inputs.len() == self.inputs.len()
            && inputs
                .iter()
                .zip(&self.inputs)
                .all(|(t, (shape, dtype))| t.shape() == shape.as_slice() && t.dtype() == *dtype)
    }

    /// Runs the recorded ops on `inputs`; `ERR_SHAPE` when they are not of the
    /// recorded shapes and dtypes. Errors of an op name it.
    pub fn run(&self, inputs: &[&Tensor]) -> Result<Tensor> {
        if !self.accepts(inputs) {
            let got: Vec<String> = inputs.iter().map(|t| fmt_shape(t.shape())).collect();
            let want: Vec<String> = self.inputs.iter().map(|(s, _)| fmt_shape(s)).collect();
            bail!(
                Shape,
                "trace: recorded for inputs of shapes [{}], got [{}]",
                want.join(", "),
                got.join(", ")
            );
        }
        let grad = crate::is_grad_enabled();
        let mut values: Vec<Option<Tensor>> = inputs.iter().map(|t| Some((*t).clone())).collect();
        values.reserve(self.steps.len());
        for (step, frees) in self.steps.iter().zip(&self.frees) {
            let out = {
                let args: Vec<&Tensor> = step
                    .args
                    .iter()
                    .map(|a| match a {
                        Arg::Value(v) => values[*v]
                            .as_ref()
                            .expect("a value is freed only after its last use"),
                        Arg::Outside(t) => t,
                    })
                    .collect();
                let out = if step.grad || !grad {
                    (step.f)(&args)
                } else {
                    crate::no_grad(|| (step.f)(&args))
                };
                out.map_err(|mut e| {
                    e.message = format!("{} (replaying {})", e.message, step.name);
                    e
                })?
            };
            values.push(Some(out));
            for &v in frees {
                values[v] = None;
            }
        }
        Ok(match &self.output {
            Arg::Value(v) => values[*v].take().expect("the output is never freed"),
            Arg::Outside(t) => t.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(v: &[f32], shape: &[usize]) -> Tensor {
        Tensor::from_vec(v.to_vec(), shape).unwrap()
    }

    /// `(x * w).sum()`, recorded through `op` as a binding records it.
    fn record_weighted_sum(x: &Tensor, w: &Tensor) -> Tensor {
        let m = op("mul", &[x, w], |t| t[0].mul(t[1])).unwrap();
        op("sum", &[&m], |t| t[0].sum(None, false)).unwrap()
    }

    #[test]
    fn a_replay_computes_the_recorded_ops_on_new_inputs_and_sees_outside_changes() {
        let w = t(&[1.0, 2.0], &[2]);
        let x = t(&[3.0, 4.0], &[2]);
        begin(&[&x]).unwrap();
        let out = record_weighted_sum(&x, &w);
        let trace = end(Some(&out)).unwrap();
        assert_eq!(out.item().unwrap(), 11.0);
        assert_eq!(trace.len(), 2);
        let x2 = t(&[10.0, 20.0], &[2]);
        assert_eq!(trace.run(&[&x2]).unwrap().item().unwrap(), 50.0);
        // The weight is read at replay time: an in-place update is seen.
        w.with_data_mut("test", |d: &mut [f32]| d.copy_from_slice(&[0.5, 0.5]))
            .unwrap();
        assert_eq!(trace.run(&[&x2]).unwrap().item().unwrap(), 15.0);
    }

    #[test]
    fn a_replay_records_the_graph_for_backward() {
        let w = t(&[1.0, 2.0], &[2]);
        w.set_requires_grad(true).unwrap();
        let x = t(&[3.0, 4.0], &[2]);
        begin(&[&x]).unwrap();
        let trace = end(Some(&record_weighted_sum(&x, &w))).unwrap();
        trace
            .run(&[&t(&[5.0, 6.0], &[2])])
            .unwrap()
            .backward()
            .unwrap();
        assert_eq!(w.grad().unwrap().to_vec_f32().unwrap(), vec![5.0, 6.0]);
    }

    #[test]
    fn an_op_recorded_under_no_grad_replays_without_a_graph() {
        let w = t(&[1.0, 2.0], &[2]);
        w.set_requires_grad(true).unwrap();
        let x = t(&[3.0, 4.0], &[2]);
        begin(&[&x]).unwrap();
        let teacher = crate::no_grad(|| op("mul", &[&x, &w], |t| t[0].mul(t[1])).unwrap());
        let out = op("mul", &[&teacher, &w], |t| t[0].mul(t[1])).unwrap();
        let trace = end(Some(&out)).unwrap();
        let replayed = trace.run(&[&x]).unwrap();
        replayed.sum(None, false).unwrap().backward().unwrap();
        // Only the second product carries a gradient to w: d/dw (teacher * w) = teacher.
        assert_eq!(w.grad().unwrap().to_vec_f32().unwrap(), vec![3.0, 8.0]);
    }

    #[test]
    fn other_shapes_are_refused() {
        let x = t(&[1.0, 2.0], &[2]);
        begin(&[&x]).unwrap();
        let trace = end(Some(&record_weighted_sum(&x, &x))).unwrap();
        let err = trace.run(&[&t(&[1.0; 3], &[3])]).err().unwrap();
        assert_eq!(err.code, crate::ErrorCode::Shape);
        assert!(err.message.contains("[2]"), "{}", err.message);
    }

    #[test]
    fn reads_and_in_place_changes_refuse_the_recording() {
        let x = t(&[1.0, 2.0], &[2]);
        for event in [Event::Read, Event::Mutated] {
            begin(&[&x]).unwrap();
            let out = record_weighted_sum(&x, &x);
            note("item", event, &out);
            let err = end(Some(&out)).err().unwrap();
            assert_eq!(err.code, crate::ErrorCode::Arg);
            assert!(err.message.contains("item"), "{}", err.message);
        }
        // Outside a recording, a note is nothing.
        note("item", Event::Read, &x);
        assert!(!is_recording());
    }

    #[test]
    fn an_output_from_outside_the_recording_is_refused_and_recordings_do_not_nest() {
        let x = t(&[1.0], &[1]);
        begin(&[&x]).unwrap();
        assert_eq!(begin(&[&x]).err().unwrap().code, crate::ErrorCode::Arg);
        let err = end(Some(&t(&[1.0], &[1]))).err().unwrap();
        assert!(err.message.contains("not computed"), "{}", err.message);
        assert!(end(None).is_err());
    }

    #[test]
    fn an_error_of_a_replayed_op_names_it() {
        let x = t(&[1.0, 2.0], &[2]);
        begin(&[&x]).unwrap();
        let out = op("reshape3", &[&x], |t| {
            if t[0].to_vec_f32()?[0] > 5.0 {
                bail!(Arg, "too big");
            }
            Ok(t[0].clone())
        })
        .unwrap();
        let trace = end(Some(&out)).unwrap();
        let err = trace.run(&[&t(&[9.0, 9.0], &[2])]).err().unwrap();
        assert!(
            err.message.contains("replaying reshape3"),
            "{}",
            err.message
        );
    }
}
