//! Training and inference off the JavaScript thread. The TypeScript `fit` runs a
//! model's forward pass and loss once per input shape on the JS thread while the
//! core records it (`traceBegin`/`traceEnd`); a [`NativeRunner`] then replays the
//! recording for the other batches from a thread of its own, which runs them on a
//! thread of the core's pool (so a fit at n threads uses n), and settles a promise
//! on the JS thread when a run of batches is done. The JS thread is free all the
//! while: it only checks the recording and calls the user's callbacks.

use crate::handle::TensorRef;
use crate::tensor::NativeTensor;
use crate::{args, IntoJs, Result};
use ferrograd::random;
use ferrograd::trace::{self, Trace};
use ferrograd::train::{self, BatchRun, Batches, Optimize};
use napi::bindgen_prelude::Object;
use napi::CleanupEnvHook;
use napi::Env;
use napi_derive::napi;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex};

/// A recorded forward pass (with its loss, for training), replayable on inputs of
/// the recorded shapes.
#[napi]
pub struct NativeTrace {
    inner: Arc<Trace>,
}

#[napi]
impl NativeTrace {
    /// Number of recorded ops.
    #[napi(getter)]
    pub fn ops(&self) -> u32 {
        self.inner.len() as u32
    }
}

/// Starts recording the ops of this thread, with `inputs` as the inputs of the
/// trace.
#[napi(catch_unwind)]
pub fn trace_begin(inputs: Vec<TensorRef>) -> Result<()> {
    let inputs = inputs.iter().map(|t| t.get()).collect::<Result<Vec<_>>>()?;
    trace::begin(&inputs).js()
}

/// Ends the recording of this thread: a trace computing `output`, or, without
/// `output` (the forward pass threw), nothing. `ERR_ARG` says why a recording
/// cannot be replayed.
#[napi(catch_unwind)]
pub fn trace_end(output: Option<&NativeTensor>) -> Result<Option<NativeTrace>> {
    match output {
        Some(out) => Ok(Some(NativeTrace {
            inner: Arc::new(trace::end(Some(out.get()?)).js()?),
        })),
        None => {
            // Dropping an abandoned recording cannot fail in a way worth reporting.
            let _ = trace::end(None);
            Ok(None)
        }
    }
}

/// An optimizer as a training thread steps it: every optimizer class's
/// `shared()` gives one, over the same parameters and state.
#[napi]
pub struct NativeOptimizerRef {
    inner: Arc<Mutex<dyn Optimize>>,
}

impl NativeOptimizerRef {
    /// Shares `optimizer`.
    pub(crate) fn new(optimizer: Arc<Mutex<dyn Optimize>>) -> NativeOptimizerRef {
        NativeOptimizerRef { inner: optimizer }
    }
}

/// What a run of batches gives back. A failure resolves the promise too, with
/// its `ERR_*` code, so the TypeScript layer throws it as a FerrogradError.
#[napi(object, object_from_js = false)]
pub struct RunResult {
    /// Each finished batch's loss (training and evaluation).
    pub losses: Vec<f64>,
    /// The outputs of the finished batches joined along dim 0 (prediction).
    pub output: Option<NativeTensor>,
    /// True when `stop()` ended the run before its last batch.
    pub stopped: bool,
    /// The `ERR_*` code when the run failed.
    pub error_code: Option<String>,
    /// The message when the run failed.
    pub error_message: Option<String>,
}

/// What a run computes on the runner's thread.
enum Outcome {
    Losses(Vec<f64>, bool),
    Output(Option<ferrograd::Tensor>, bool),
}

type Job = Box<dyn FnOnce() + Send>;

/// The queue of a runner's thread. The thread starts with the first run, so a
/// `predict` or `fit` whose batches all run on the JS thread (one batch, or a
/// forward pass that cannot be replayed) starts none; closing drops the sender,
/// which ends the thread once the runs already queued are done.
enum Queue {
    Idle,
    Running(Sender<Job>),
    Closed,
}

type Jobs = Arc<Mutex<Queue>>;

/// A new thread taking jobs from a queue, and the queue's sender.
fn start_thread() -> Result<Sender<Job>> {
    let (tx, rx) = mpsc::channel::<Job>();
    std::thread::Builder::new()
        .name("ferrograd-fit".into())
        .spawn(move || {
            for job in rx {
                job();
            }
        })
        .map_err(|e| args::arg_error(format!("fit: cannot start a thread: {e}")))?;
    Ok(tx)
}

/// Closes a runner's queue and stops its run: what a runner's close and the
/// teardown of its JavaScript environment (a worker thread terminated mid-fit)
/// both do.
struct Shutdown {
    jobs: Jobs,
    stop: Arc<AtomicBool>,
}

impl Shutdown {
    fn run(&self) {
        self.stop.store(true, Ordering::Relaxed);
        *self.jobs.lock().unwrap_or_else(|e| e.into_inner()) = Queue::Closed;
    }
}

/// A thread that runs batches of recorded forward passes, one run at a time, in
/// the order they were asked for. It ends when the runner is closed or its
/// JavaScript environment goes away.
#[napi]
pub struct NativeRunner {
    jobs: Jobs,
    stop: Arc<AtomicBool>,
    /// Stops the thread if the environment is torn down before `close()`.
    teardown: Mutex<Option<CleanupEnvHook<Shutdown>>>,
}

impl NativeRunner {
    /// Sends `work` to the thread and returns a promise of its [`RunResult`]. The
    /// run continues this thread's random sequence (and keeps its grad mode) on a
    /// thread of the core's pool, which then holds every thread the run uses,
    /// and hands the sequence back when the promise settles, so a loop draws the
    /// numbers it would draw on one thread.
    fn run<'e, F>(&self, env: &'e Env, work: F) -> Result<Object<'e>>
    where
        F: FnOnce(&AtomicBool) -> ferrograd::Result<Outcome> + Send + 'static,
    {
        let mut queue = self.jobs.lock().unwrap_or_else(|e| e.into_inner());
        if let Queue::Idle = *queue {
            *queue = Queue::Running(start_thread()?);
        }
        let Queue::Running(jobs) = &*queue else {
            return Err(args::arg_error("fit: this runner was closed".into()));
        };
        let (deferred, promise) = env.create_deferred::<RunResult, _>().js()?;
        let caller = train::CallerState::here();
        let stop = self.stop.clone();
        let job: Job = Box::new(move || {
            let (outcome, generator) =
                caller.run_on_pool(move || crate::no_panic("fit", || work(&stop)));
            deferred.resolve(move |env| {
                random::set_generator(generator);
                settle(&env, outcome)
            });
        });
        jobs.send(job)
            .map_err(|_| args::arg_error("fit: the runner's thread has ended".into()))?;
        Ok(promise)
    }
}

/// The result object of an outcome, on the JS thread.
fn settle(env: &Env, outcome: napi::Result<ferrograd::Result<Outcome>>) -> napi::Result<RunResult> {
    let mut r = RunResult {
        losses: Vec::new(),
        output: None,
        stopped: false,
        error_code: None,
        error_message: None,
    };
    match outcome {
        Ok(Ok(Outcome::Losses(losses, stopped))) => {
            r.losses = losses;
            r.stopped = stopped;
        }
        Ok(Ok(Outcome::Output(output, stopped))) => {
            r.output = match output {
                Some(t) => Some(
                    NativeTensor::leaf(env, t)
                        .map_err(|e| napi::Error::from_reason(e.reason.clone()))?,
                ),
                None => None,
            };
            r.stopped = stopped;
        }
        Ok(Err(e)) => {
            r.error_code = Some(e.code.as_str().to_string());
            r.error_message = Some(crate::error_fields(&e));
        }
        Err(panic) => {
            r.error_code = Some("ERR_INTERNAL".to_string());
            r.error_message = Some(format!("internal error (please report): {}", panic.reason));
        }
    }
    Ok(r)
}

/// The batches of `x`'s rows (in `order`, or in turn), with `first..last`
/// checked to lie within them.
fn plan(
    x: &ferrograd::Tensor,
    order: Option<ferrograd::Tensor>,
    batch_size: f64,
    first: f64,
    last: f64,
) -> Result<(Batches, std::ops::Range<usize>)> {
    let rows = x.shape().first().copied().unwrap_or(0);
    if order.as_ref().is_some_and(|o| o.shape() != [rows]) {
        return Err(args::arg_error(format!(
            "fit: the row order must list each of the {rows} rows"
        )));
    }
    let batch_size = args::size("fit", "batchSize", batch_size)?;
    if batch_size == 0 {
        return Err(args::arg_error("fit: batchSize must be positive".into()));
    }
    let b = Batches {
        order,
        batch_size,
        rows,
    };
    let (first, last) = (
        args::size("fit", "a batch index", first)?,
        args::size("fit", "a batch index", last)?,
    );
    if first > last || last > b.len() {
        return Err(args::arg_error(format!(
            "fit: batches {first}..{last} are not within the {} batches",
            b.len()
        )));
    }
    Ok((b, first..last))
}

#[napi]
impl NativeRunner {
    /// A runner; its thread starts with its first run.
    #[napi(constructor, catch_unwind)]
    pub fn new(env: Env) -> Result<NativeRunner> {
        let jobs: Jobs = Arc::new(Mutex::new(Queue::Idle));
        let stop = Arc::new(AtomicBool::new(false));
        let shutdown = Shutdown {
            jobs: jobs.clone(),
            stop: stop.clone(),
        };
        let teardown = env.add_env_cleanup_hook(shutdown, |s| s.run()).js()?;
        Ok(NativeRunner {
            jobs,
            stop,
            teardown: Mutex::new(Some(teardown)),
        })
    }

    /// Trains on batches `first..last` of the epoch whose row order is `order`:
    /// for each, `zeroGrad`, the trace's loss, `backward`, `step`.
    #[napi(catch_unwind, ts_return_type = "Promise<RunResult>")]
    #[allow(clippy::too_many_arguments)]
    pub fn train<'e>(
        &self,
        env: &'e Env,
        trace: &NativeTrace,
        optimizer: &NativeOptimizerRef,
        x: &NativeTensor,
        y: &NativeTensor,
        order: &NativeTensor,
        batch_size: f64,
        first: f64,
        last: f64,
    ) -> Result<Object<'e>> {
        let (x, y) = (x.get()?.clone(), y.get()?.clone());
        let (b, range) = plan(&x, Some(order.get()?.clone()), batch_size, first, last)?;
        let (trace, optimizer) = (trace.inner.clone(), optimizer.inner.clone());
        self.run(env, move |stop| {
            let mut opt = optimizer.lock().unwrap_or_else(|e| e.into_inner());
            let run = BatchRun::new(&trace, &b, range, stop);
            let (losses, stopped) = run.train(&mut *opt, &x, &y)?;
            Ok(Outcome::Losses(losses, stopped))
        })
    }

    /// The trace's loss on batches `first..last` of the rows in turn, without a
    /// graph.
    #[napi(catch_unwind, ts_return_type = "Promise<RunResult>")]
    #[allow(clippy::too_many_arguments)]
    pub fn evaluate<'e>(
        &self,
        env: &'e Env,
        trace: &NativeTrace,
        x: &NativeTensor,
        y: &NativeTensor,
        batch_size: f64,
        first: f64,
        last: f64,
    ) -> Result<Object<'e>> {
        let (x, y) = (x.get()?.clone(), y.get()?.clone());
        let (b, range) = plan(&x, None, batch_size, first, last)?;
        let trace = trace.inner.clone();
        self.run(env, move |stop| {
            let (losses, stopped) = BatchRun::new(&trace, &b, range, stop).eval(&x, &y)?;
            Ok(Outcome::Losses(losses, stopped))
        })
    }

    /// The trace's outputs on batches `first..last` of the rows in turn, joined
    /// along dim 0, without a graph.
    #[napi(catch_unwind, ts_return_type = "Promise<RunResult>")]
    pub fn predict<'e>(
        &self,
        env: &'e Env,
        trace: &NativeTrace,
        x: &NativeTensor,
        batch_size: f64,
        first: f64,
        last: f64,
    ) -> Result<Object<'e>> {
        let x = x.get()?.clone();
        let (b, range) = plan(&x, None, batch_size, first, last)?;
        let trace = trace.inner.clone();
        self.run(env, move |stop| {
            let (outputs, stopped) = BatchRun::new(&trace, &b, range, stop).predict(&x)?;
            let output = match outputs.len() {
                0 => None,
                1 => outputs.into_iter().next(),
                _ => Some(ferrograd::Tensor::cat(&outputs, 0)?),
            };
            Ok(Outcome::Output(output, stopped))
        })
    }

    /// Asks the running and every later run to end before their next batch.
    #[napi(catch_unwind)]
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    /// Ends the thread once the runs already asked for are done.
    #[napi(catch_unwind)]
    pub fn close(&self, env: Env) -> Result<()> {
        *self.jobs.lock().unwrap_or_else(|e| e.into_inner()) = Queue::Closed;
        let hook = self
            .teardown
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        match hook {
            Some(h) => env.remove_env_cleanup_hook(h).js(),
            None => Ok(()),
        }
    }
}
