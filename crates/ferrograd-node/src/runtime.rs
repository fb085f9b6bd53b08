//! Process and thread settings: seeds, grad mode, threads, memory figures.

use crate::{args, IntoJs, Result};
use napi_derive::napi;

/// The calling thread's generator state (seed and position), as text.
#[napi(catch_unwind)]
pub fn get_rng_state() -> String {
    ferrograd::random::rng_state()
}

/// Restores this thread's generator from `getRngState()`.
#[napi(catch_unwind)]
pub fn set_rng_state(state: String) -> Result<()> {
    ferrograd::random::set_rng_state(&state).js()
}

/// Reseeds this thread's generator.
#[napi(catch_unwind)]
pub fn manual_seed(seed: f64) -> Result<()> {
    ferrograd::manual_seed(args::size("manualSeed", "the seed", seed)? as u64);
    Ok(())
}

/// Turns graph recording on or off for the calling thread; returns the old setting.
#[napi(catch_unwind)]
pub fn set_grad_enabled(enabled: bool) -> bool {
    ferrograd::set_grad_enabled(enabled)
}

/// True when ops on the calling thread record the graph.
#[napi(catch_unwind)]
pub fn is_grad_enabled() -> bool {
    ferrograd::is_grad_enabled()
}

/// Sets the number of threads of the core's pool.
#[napi(catch_unwind)]
pub fn set_num_threads(n: f64) -> Result<()> {
    let n = args::size("setNumThreads", "the thread count", n)?;
    if n == 0 {
        return Err(args::arg_error(
            "setNumThreads: needs at least 1 thread".to_string(),
        ));
    }
    if n > ferrograd::MAX_THREADS {
        return Err(args::arg_error(format!(
            "setNumThreads: at most {} threads, got {n}",
            ferrograd::MAX_THREADS
        )));
    }
    ferrograd::set_num_threads(n);
    Ok(())
}

/// Number of threads of the core's pool.
#[napi(catch_unwind)]
pub fn get_num_threads() -> u32 {
    ferrograd::num_threads() as u32
}

/// Live native tensors and the bytes their storages hold.
#[napi(object)]
pub struct MemoryInfo {
    /// Live native tensors (views included).
    pub tensors: f64,
    /// Bytes held by live storages.
    pub bytes: f64,
    /// Bytes of freed storages kept for reuse.
    pub cached: f64,
}

/// Memory held by the native core in this process.
#[napi(catch_unwind)]
pub fn memory() -> MemoryInfo {
    let m = ferrograd::memory();
    MemoryInfo {
        tensors: m.tensors as f64,
        bytes: m.bytes as f64,
        cached: m.cached as f64,
    }
}

/// Frees the large buffers the core keeps from dropped tensors for reuse; returns
/// the bytes given back.
#[napi(catch_unwind)]
pub fn empty_cache() -> f64 {
    ferrograd::empty_cache() as f64
}

/// The SIMD level the kernels run at (`scalar`, `neon`, `avx2`, `avx512`): the
/// best the CPU has, lowered by `FERROGRAD_SIMD` if set.
#[napi(catch_unwind)]
pub fn simd_level() -> String {
    ferrograd::kernels::simd::level().name().to_string()
}
