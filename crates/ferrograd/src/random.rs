//! Seeded random numbers. Each thread has its own generator (a Node worker thread
//! never disturbs another's sequence); numbers are drawn sequentially, so a seed
//! gives the same values whatever the thread count of the kernels.

use crate::tensor::alloc;
use crate::tensor::shape::checked_numel;
use crate::tensor::{float_dispatch, DType, Tensor};
use crate::{bail, Result};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use std::cell::RefCell;

/// The seed a thread starts from, so runs are reproducible even without a seed
/// (PyTorch's default generator is fixed the same way).
pub const DEFAULT_SEED: u64 = 67_280_421_310_721;

thread_local! {
    static RNG: RefCell<ChaCha8Rng> = RefCell::new(ChaCha8Rng::seed_from_u64(DEFAULT_SEED));
}

/// Reseeds this thread's generator.
pub fn manual_seed(seed: u64) {
    RNG.with(|r| *r.borrow_mut() = ChaCha8Rng::seed_from_u64(seed));
}

/// This thread's generator state as text (its 32-byte seed and stream position,
/// in hex), for checkpoints that must resume the exact random sequence.
pub fn rng_state() -> String {
    with_rng(|r| {
        let seed: String = r.get_seed().iter().map(|b| format!("{b:02x}")).collect();
        format!("{seed}:{:x}", r.get_word_pos())
    })
}

/// Restores a state from [`rng_state`].
pub fn set_rng_state(state: &str) -> Result<()> {
    let bad = || {
        crate::Error::new(
            crate::ErrorCode::Format,
            format!("random state '{state}' is not one ferrograd wrote"),
        )
    };
    let (seed_hex, pos_hex) = state.split_once(':').ok_or_else(bad)?;
    if seed_hex.len() != 64 {
        return Err(bad());
    }
    let mut seed = [0u8; 32];
    for (i, b) in seed.iter_mut().enumerate() {
        *b = u8::from_str_radix(&seed_hex[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
    }
    let pos = u128::from_str_radix(pos_hex, 16).map_err(|_| bad())?;
    let mut r = ChaCha8Rng::from_seed(seed);
    r.set_word_pos(pos);
    RNG.with(|g| *g.borrow_mut() = r);
    Ok(())
}

/// A thread's generator, moved between threads: a training thread continues the
/// calling thread's sequence and hands it back, so a loop gives the same numbers
/// wherever its steps run.
#[derive(Clone)]
pub struct Generator(ChaCha8Rng);

/// A copy of this thread's generator.
pub fn generator() -> Generator {
    with_rng(|r| Generator(r.clone()))
}

/// Makes `g` this thread's generator.
pub fn set_generator(g: Generator) {
    RNG.with(|r| *r.borrow_mut() = g.0);
}

/// Makes a generator this thread's until dropped, then puts the previous one
/// back, even when unwinding (as `GradModeGuard` does for the grad mode).
pub struct GeneratorGuard {
    previous: ChaCha8Rng,
}

impl GeneratorGuard {
    /// Makes `g` this thread's generator until the guard is dropped.
    pub fn new(g: Generator) -> Self {
        GeneratorGuard {
            previous: RNG.with(|r| std::mem::replace(&mut *r.borrow_mut(), g.0)),
        }
    }
}

impl Drop for GeneratorGuard {
    fn drop(&mut self) {
        RNG.with(|r| std::mem::swap(&mut *r.borrow_mut(), &mut self.previous));
    }
}

/// Runs `f` with this thread's generator.
pub fn with_rng<R>(f: impl FnOnce(&mut ChaCha8Rng) -> R) -> R {
    RNG.with(|r| f(&mut r.borrow_mut()))
}

/// Uniform float32 samples in `[low, high)`.
pub fn uniform(shape: &[usize], low: f32, high: f32) -> Result<Tensor> {
    uniform_of(shape, low as f64, high as f64, DType::F32)
}

/// Uniform samples in `[low, high)` of a float `dtype`, drawn at its precision.
pub fn uniform_of(shape: &[usize], low: f64, high: f64, dtype: DType) -> Result<Tensor> {
    if !(low.is_finite() && high.is_finite()) || low > high {
        bail!(
            Arg,
            "uniform: needs finite low <= high, got low={low} high={high}"
        );
    }
    let n = checked_numel("uniform", shape)?;
    let data = float_dispatch!(dtype, "uniform", T => {
        let (low, span) = (T::of(low), T::of(high - low));
        T::storage(with_rng(|r| {
            alloc::collect("uniform", n, (0..n).map(|_| low + span * r.random::<T>()))
        })?)
    });
    Ok(Tensor::from_storage(data, shape))
}

/// Uniform samples in `[0, 1)`.
pub fn rand(shape: &[usize]) -> Result<Tensor> {
    uniform(shape, 0.0, 1.0)
}

/// Standard normal float32 samples (mean 0, variance 1).
pub fn randn(shape: &[usize]) -> Result<Tensor> {
    randn_of(shape, DType::F32)
}

/// Standard normal samples of a float `dtype`, drawn at its precision.
pub fn randn_of(shape: &[usize], dtype: DType) -> Result<Tensor> {
    let n = checked_numel("randn", shape)?;
    let data = float_dispatch!(dtype, "randn", T => {
        T::storage(with_rng(|r| {
            alloc::collect("randn", n, (0..n).map(|_| r.sample::<T, _>(StandardNormal)))
        })?)
    });
    Ok(Tensor::from_storage(data, shape))
}

/// Integers drawn uniformly from `[low, high)`, as int64.
pub fn randint(low: i64, high: i64, shape: &[usize]) -> Result<Tensor> {
    if low >= high {
        bail!(Arg, "randint: needs low < high, got low={low} high={high}");
    }
    let n = checked_numel("randint", shape)?;
    let data =
        with_rng(|r| alloc::collect("randint", n, (0..n).map(|_| r.random_range(low..high))))?;
    Ok(Tensor::from_storage(
        crate::tensor::Storage::I64(data),
        shape,
    ))
}

/// A random permutation of `0..n` (for shuffling datasets).
pub fn randperm(n: usize) -> Result<Vec<usize>> {
    with_rng(|r| shuffled(n, r))
}

/// A permutation of `0..n` from its own generator seeded with `seed`: the same for
/// the same seed, and independent of (without advancing) this thread's generator,
/// as a PyTorch `DataLoader` with its own `torch.Generator`.
pub fn randperm_seeded(n: usize, seed: u64) -> Result<Vec<usize>> {
    shuffled(n, &mut ChaCha8Rng::seed_from_u64(seed))
}

fn shuffled(n: usize, r: &mut ChaCha8Rng) -> Result<Vec<usize>> {
    checked_numel("randperm", &[n])?;
    let mut p: Vec<usize> = alloc::collect("randperm", n, 0..n)?;
    for i in (1..n).rev() {
        p.swap(i, r.random_range(0..=i));
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_state_resumes_the_same_numbers() {
        manual_seed(3);
        randn(&[5]).unwrap();
        let state = rng_state();
        let next = randn(&[7]).unwrap().to_vec_f32().unwrap();
        manual_seed(99);
        set_rng_state(&state).unwrap();
        assert_eq!(randn(&[7]).unwrap().to_vec_f32().unwrap(), next);
        assert_eq!(
            set_rng_state("nonsense").unwrap_err().code,
            crate::ErrorCode::Format
        );
    }

    #[test]
    fn same_seed_same_numbers() {
        manual_seed(7);
        let a = randn(&[100]).unwrap().to_vec_f32().unwrap();
        manual_seed(7);
        let b = randn(&[100]).unwrap().to_vec_f32().unwrap();
        assert_eq!(a, b);
        let u = uniform(&[1000], -2.0, 3.0).unwrap().to_vec_f32().unwrap();
        assert!(u.iter().all(|&v| (-2.0..3.0).contains(&v)));
        assert_eq!(
            uniform(&[1], 1.0, 0.0).unwrap_err().code,
            crate::ErrorCode::Arg
        );
        let mut p = randperm(50).unwrap();
        p.sort();
        assert_eq!(p, (0..50).collect::<Vec<_>>());
    }
}
