//! The core's own rayon pool. Node's libuv pool is shared with fs and dns, so heavy
//! work runs here; its size is `set_num_threads`.

use rayon::{ThreadPool, ThreadPoolBuilder};
use std::sync::{Arc, OnceLock, RwLock};

static POOL: OnceLock<RwLock<Arc<ThreadPool>>> = OnceLock::new();

/// The most threads the pool may have. A request for a billion threads (a typo, or a
/// byte count passed by mistake) would otherwise spawn threads until the OS or the
/// memory gives out.
pub const MAX_THREADS: usize = 1024;

fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn build(n: usize) -> Arc<ThreadPool> {
    let builder = ThreadPoolBuilder::new()
        .num_threads(n)
        .thread_name(|i| format!("ferrograd-{i}"));
    // Building a pool only fails when the OS refuses threads; a one-thread pool is
    // the safest fallback then.
    Arc::new(builder.build().unwrap_or_else(|_| {
        ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .expect("a one-thread pool")
    }))
}

fn cell() -> &'static RwLock<Arc<ThreadPool>> {
    POOL.get_or_init(|| RwLock::new(build(default_threads())))
}

/// The pool heavy kernels run on.
pub fn pool() -> Arc<ThreadPool> {
    cell().read().unwrap_or_else(|e| e.into_inner()).clone()
}

/// Runs `f` on one of the pool's threads and returns its result. A loop that
/// splits work many times (training, batch after batch) runs this way so that
/// its splits stay among the pool's `n` threads: from a thread outside the pool
/// each split is handed over and waited for, and between splits the workers'
/// idle spinning competes with the caller's serial work for the same `n` cores.
pub fn install<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    pool().install(f)
}

/// `(a(), b())`, with `b` free to run on another thread of the pool while `a`
/// runs on this one, when this thread is one of the pool's (see [`install`]);
/// from any other thread, `a` then `b` here, so that a caller's threads and
/// thread-local state (random generator, grad mode) are never switched for it.
pub fn join<A: Send, B: Send>(
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    match pool().current_thread_index() {
        Some(_) => rayon::join(a, b),
        None => (a(), b()),
    }
}

/// Number of threads the core uses.
pub fn num_threads() -> usize {
    pool().current_num_threads()
}

/// Sets the number of threads the core uses (clamped to `1..=MAX_THREADS`).
pub fn set_num_threads(n: usize) {
    let n = n.clamp(1, MAX_THREADS);
    if n != num_threads() {
        *cell().write().unwrap_or_else(|e| e.into_inner()) = build(n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::thread::{current, ThreadId};

    #[test]
    fn join_keeps_its_first_closure_on_the_calling_thread() {
        let here = || current().id();
        let (a, b): (ThreadId, usize) = join(here, || 2);
        assert_eq!((a, b), (current().id(), 2));
        install(|| {
            let (a, b) = join(here, || (0..100).sum::<usize>());
            assert_eq!((a, b), (current().id(), 4950));
            assert!(pool().current_thread_index().is_some());
        });
    }
}
