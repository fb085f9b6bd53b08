//! The core's own rayon pool. Node's libuv pool is shared with fs and dns, so heavy
//! work runs here; its size is `set_num_threads`.

use rayon::{ThreadPool, ThreadPoolBuilder};
use std::sync::atomic::{AtomicUsize, Ordering};
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

/// A raw output pointer that may cross to another thread: each thread writes a
/// disjoint part of the buffer it points into (blocks of a matrix, parts of an
/// elementwise result).
pub struct DstPtr<T>(pub *mut T);

// By hand: derived, they would ask `T: Copy` of the pointee.
impl<T> Clone for DstPtr<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for DstPtr<T> {}
impl<T> DstPtr<T> {
    /// The pointer. A method, so that closures capture the whole (sendable)
    /// wrapper rather than its raw-pointer field.
    pub fn get(self) -> *mut T {
        self.0
    }
}

// SAFETY: the pointer is only used by kernels whose threads write disjoint
// parts of one `&mut` output, borrowed for the whole call.
unsafe impl<T: Send> Send for DstPtr<T> {}
// SAFETY: as above; shared references to the wrapper only copy the pointer.
unsafe impl<T: Send> Sync for DstPtr<T> {}

/// Runs `band(start, end)` for the bands `step` wide that cover `0..len`, on up
/// to all of `pool`'s threads. The calling thread works too, taking bands from a shared
/// counter with the pool's helpers, rather than handing everything to the pool
/// and sleeping: a 100 us product cannot afford to wait for two thread
/// wake-ups, and on 2 cores the caller is one of the two.
pub fn share_bands(
    pool: &rayon::ThreadPool,
    len: usize,
    step: usize,
    band: impl Fn(usize, usize) + Sync,
) {
    let nt = pool.current_num_threads();
    let bands = len.div_ceil(step);
    let band_at = |start: usize| band(start, (start + step).min(len));
    if bands == 1 || nt == 1 {
        (0..len).step_by(step).for_each(band_at);
        return;
    }
    let next = AtomicUsize::new(0);
    let work = || loop {
        let start = next.fetch_add(1, Ordering::Relaxed) * step;
        if start >= len {
            break;
        }
        band_at(start);
    };
    pool.in_place_scope(|s| {
        for _ in 1..nt.min(bands) {
            s.spawn(|_| work());
        }
        work();
    });
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
