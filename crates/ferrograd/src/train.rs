//! Training and evaluation loops over a recorded forward pass ([`Trace`]): what
//! `model.fit` and `model.predict` run on a thread of their own. Each step does
//! exactly what the hand-written loop does (`zero_grad`, forward and loss,
//! `backward`, `step`), so a replayed epoch gives the same weights as the same
//! epoch run op by op.

use crate::autograd::GradModeGuard;
use crate::kernels::threads;
use crate::optim::{Optimizer, Rule};
use crate::random::{self, Generator, GeneratorGuard};
use crate::trace::Trace;
use crate::{is_grad_enabled, no_grad, Result, Tensor};
use std::sync::atomic::{AtomicBool, Ordering};

/// The per-thread state a run continues from the thread that asked for it: the
/// random generator (dropout masks draw from it) and the grad mode.
pub struct CallerState {
    generator: Generator,
    grad_enabled: bool,
}

impl CallerState {
    /// This thread's state.
    pub fn here() -> Self {
        CallerState {
            generator: random::generator(),
            grad_enabled: is_grad_enabled(),
        }
    }

    /// Runs `f` on a thread of the core's pool (see `threads::install`) in this
    /// state, and returns its result and the generator as `f` left it, for the
    /// caller to continue from.
    ///
    /// The pool thread's own state is put back afterwards. That matters because
    /// a pool thread waiting inside a join (a run's step, while the next batch
    /// is gathered) runs other queued pool jobs meanwhile, such as a whole run
    /// for another runner or worker thread, and then resumes its own run, which
    /// must find its own generator and grad mode where it left them.
    pub fn run_on_pool<R: Send>(self, f: impl FnOnce() -> R + Send) -> (R, Generator) {
        threads::install(move || {
            let _grad = GradModeGuard::new(self.grad_enabled);
            let _generator = GeneratorGuard::new(self.generator);
            let result = f();
            (result, random::generator())
        })
    }
}

/// An optimizer as a training loop drives it, whatever its algorithm.
pub trait Optimize: Send {
    /// Clears every parameter's gradient.
    fn zero_grad(&self) -> Result<()>;
    /// Updates every parameter from its gradient.
    fn step(&mut self) -> Result<()>;
}

impl<R: Rule> Optimize for Optimizer<R>
where
    Optimizer<R>: Send,
{
    fn zero_grad(&self) -> Result<()> {
        Optimizer::zero_grad(self)
    }

    fn step(&mut self) -> Result<()> {
        Optimizer::step(self)
    }
}

/// Which rows make the batches: `order` (int64 row indices, a DataLoader's
/// shuffled epoch) cut into runs of `batch_size`, or the rows in turn when `None`.
#[derive(Clone)]
pub struct Batches {
    /// The row order of the epoch, or `None` for `0..n`.
    pub order: Option<Tensor>,
    /// Rows per batch (the last batch may be shorter).
    pub batch_size: usize,
    /// Rows in all.
    pub rows: usize,
}

impl Batches {
    /// Number of batches.
    pub fn len(&self) -> usize {
        self.rows.div_ceil(self.batch_size.max(1))
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// Batch `b` of each of `tensors`: the rows `order` lists for it, gathered with
    /// `indexSelect` (as `TensorDataset` does), or a `narrow` view without an order.
    pub fn get(&self, b: usize, tensors: &[&Tensor]) -> Result<Vec<Tensor>> {
        let start = b * self.batch_size;
        let size = self.batch_size.min(self.rows.saturating_sub(start));
        match &self.order {
            Some(order) => {
                let idx = order.narrow(0, start as i64, size)?;
                tensors.iter().map(|t| t.index_select(0, &idx)).collect()
            }
            None => tensors
                .iter()
                .map(|t| t.narrow(0, start as i64, size))
                .collect(),
        }
    }
}

/// Runs `step` on each batch of `range` in turn, unless `stop` is set before
/// it: the results of the batches done, and whether `stop` ended the run.
/// `get(b)` gathers batch `b`. Called on a thread of the core's pool (as
/// `model.fit` does), the next batch is gathered while `step` runs on this one,
/// by another thread of the pool when it has one, as a DataLoader's workers do:
/// the copy of a shuffled batch's rows is a tenth of a small model's step.
/// `step` itself stays on the calling thread, with its random generator and
/// grad mode.
fn each_batch<B: Send, T: Send>(
    range: std::ops::Range<usize>,
    stop: &AtomicBool,
    get: impl Fn(usize) -> Result<B> + Sync,
    mut step: impl FnMut(B) -> Result<T> + Send,
) -> Result<(Vec<T>, bool)> {
    let mut done = Vec::with_capacity(range.len());
    let end = range.end;
    let mut next = match range.is_empty() {
        true => None,
        false => Some(get(range.start)),
    };
    for b in range {
        if stop.load(Ordering::Relaxed) {
            return Ok((done, true));
        }
        let batch = next.take().expect("batch b was gathered")?;
        let (result, following) =
            threads::join(|| step(batch), || (b + 1 < end).then(|| get(b + 1)));
        done.push(result?);
        next = following;
    }
    Ok((done, false))
}

/// A run of a recorded forward pass over batches `range` of `batches`, ended
/// early when `stop` is set before a batch: what `model.fit`'s training and
/// evaluation and `model.predict` share. Each returns one result per batch done,
/// and whether `stop` ended the run.
pub struct BatchRun<'a> {
    /// The recorded forward pass (and loss, for training and evaluation).
    pub trace: &'a Trace,
    /// Which rows make each batch.
    pub batches: &'a Batches,
    /// The batches to run.
    pub range: std::ops::Range<usize>,
    /// Checked before each batch.
    pub stop: &'a AtomicBool,
}

impl<'a> BatchRun<'a> {
    /// A run of `trace` over batches `range` of `batches`, until `stop`.
    pub fn new(
        trace: &'a Trace,
        batches: &'a Batches,
        range: std::ops::Range<usize>,
        stop: &'a AtomicBool,
    ) -> Self {
        BatchRun {
            trace,
            batches,
            range,
            stop,
        }
    }

    /// Trains on the batches of `x`, `y`: for each, `zero_grad`, the trace's loss
    /// of `[xb, yb]`, `backward`, `step`. Returns each batch's loss.
    pub fn train(
        self,
        optimizer: &mut dyn Optimize,
        x: &Tensor,
        y: &Tensor,
    ) -> Result<(Vec<f64>, bool)> {
        let trace = self.trace;
        self.over(&[x, y], |xy| {
            optimizer.zero_grad()?;
            let loss = trace.run(&[&xy[0], &xy[1]])?;
            loss.backward()?;
            optimizer.step()?;
            loss.item()
        })
    }

    /// The trace's loss of each batch of `x`, `y`, without a graph.
    pub fn eval(self, x: &Tensor, y: &Tensor) -> Result<(Vec<f64>, bool)> {
        let trace = self.trace;
        no_grad(|| self.over(&[x, y], |xy| trace.run(&[&xy[0], &xy[1]])?.item()))
    }

    /// The trace's output for each batch of `x`, without a graph.
    pub fn predict(self, x: &Tensor) -> Result<(Vec<Tensor>, bool)> {
        let trace = self.trace;
        no_grad(|| self.over(&[x], |xs| trace.run(&[&xs[0]])))
    }

    /// Runs `step` on each batch of `tensors` (see [`each_batch`]).
    fn over<T: Send>(
        self,
        tensors: &[&Tensor],
        step: impl FnMut(Vec<Tensor>) -> Result<T> + Send,
    ) -> Result<(Vec<T>, bool)> {
        let batches = self.batches;
        each_batch(self.range, self.stop, |b| batches.get(b, tensors), step)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{self, Reduction};
    use crate::optim::{ParamGroup, Sgd, SgdOptions};
    use crate::trace;

    #[test]
    fn a_run_nested_in_another_leaves_the_outer_runs_generator_and_grad_mode() {
        let seeded = |seed: u64| {
            random::manual_seed(seed);
            CallerState::here()
        };
        let draw = || random::randn(&[4]).unwrap().to_vec_f32().unwrap();
        let (inner_state, outer_state) = (seeded(2), seeded(1));
        let expected = {
            random::manual_seed(1);
            (draw(), draw())
        };
        let ((first, second), _) = outer_state.run_on_pool(|| {
            let first = draw();
            // What a pool thread does when, waiting in a join, it takes another
            // runner's queued run: that run goes in its own state, under this
            // run's `no_grad` here.
            let (inner_grad, outer_grad) = no_grad(|| {
                let (inner_grad, _) = inner_state.run_on_pool(is_grad_enabled);
                (inner_grad, is_grad_enabled())
            });
            assert!(inner_grad, "the inner run has its caller's grad mode");
            assert!(!outer_grad, "the outer run's no_grad is back after it");
            (first, draw())
        });
        assert_eq!((first, second), expected);
    }

    /// A linear model's MSE loss, recorded through `trace::op` as the binding
    /// records it.
    fn recorded_loss(layer: &nn::Linear, x: &Tensor, y: &Tensor) -> Tensor {
        let (w, b) = (layer.weight.clone(), layer.bias.clone().unwrap());
        let out = trace::op("linear", &[x, &w, &b], |t| {
            nn::functional::linear(t[0], t[1], Some(t[2]))
        })
        .unwrap();
        trace::op("mse", &[&out, y], |t| {
            nn::mse_loss(t[0], t[1], Reduction::Mean)
        })
        .unwrap()
    }

    #[test]
    fn replayed_training_matches_the_loop_it_was_recorded_from() {
        crate::manual_seed(3);
        let x = crate::random::randn(&[12, 3]).unwrap();
        let y = crate::random::randn(&[12, 1]).unwrap();
        let order = Tensor::from_vec_i64((0..12).rev().collect(), &[12]).unwrap();
        let batches = Batches {
            order: Some(order.clone()),
            batch_size: 4,
            rows: 12,
        };
        let run = |replay: bool| {
            crate::manual_seed(0);
            let layer = nn::Linear::new(3, 1, true).unwrap();
            let group = ParamGroup {
                params: layer.parameters(),
                options: SgdOptions {
                    lr: 0.1,
                    ..Default::default()
                },
            };
            let mut opt = Sgd::new(vec![group]).unwrap();
            let mut losses = Vec::new();
            // The first batch is run op by op while recording, as fit does.
            let xy = batches.get(0, &[&x, &y]).unwrap();
            trace::begin(&[&xy[0], &xy[1]]).unwrap();
            let loss = recorded_loss(&layer, &xy[0], &xy[1]);
            let recorded = trace::end(Some(&loss)).unwrap();
            loss.backward().unwrap();
            opt.step().unwrap();
            losses.push(loss.item().unwrap());
            if replay {
                let stop = AtomicBool::new(false);
                let run = BatchRun::new(&recorded, &batches, 1..3, &stop);
                let (more, stopped) = run.train(&mut opt, &x, &y).unwrap();
                assert!(!stopped);
                losses.extend(more);
            } else {
                for b in 1..3 {
                    let xy = batches.get(b, &[&x, &y]).unwrap();
                    opt.zero_grad().unwrap();
                    let loss = recorded_loss(&layer, &xy[0], &xy[1]);
                    loss.backward().unwrap();
                    opt.step().unwrap();
                    losses.push(loss.item().unwrap());
                }
            }
            (losses, layer.weight.to_vec_f32().unwrap())
        };
        assert_eq!(run(true), run(false));
        // On a thread of the pool, as fit runs it: the next batch is gathered
        // meanwhile, by the pool's other thread when it has one.
        assert_eq!(threads::install(|| run(true)), run(false));
    }

    #[test]
    fn a_stop_flag_ends_before_the_next_batch() {
        let x = Tensor::ones(&[4, 2]).unwrap();
        let first = x.narrow(0, 0, 2).unwrap();
        trace::begin(&[&first]).unwrap();
        let out = trace::op("relu", &[&first], |t| t[0].relu()).unwrap();
        let recorded = trace::end(Some(&out)).unwrap();
        let batches = Batches {
            order: None,
            batch_size: 2,
            rows: 4,
        };
        let stop = AtomicBool::new(true);
        let run = || BatchRun::new(&recorded, &batches, 0..2, &stop);
        let (outs, stopped) = run().predict(&x).unwrap();
        assert!(stopped && outs.is_empty());
        stop.store(false, Ordering::Relaxed);
        let (outs, stopped) = run().predict(&x).unwrap();
        assert!(!stopped);
        assert_eq!(outs.len(), 2);
        assert_eq!(batches.len(), 2);
    }
}
