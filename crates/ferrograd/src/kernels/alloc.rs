//! Fallible allocation of tensor buffers. An allocation that cannot succeed must
//! be `ERR_ALLOC`, not an abort of the Node process: sizes are checked against the
//! machine's memory first, and buffers are reserved with `try_reserve_exact`.

use crate::{bail, Result};
use std::cell::RefCell;
use std::sync::OnceLock;

/// Physical memory in bytes, when the platform tells (Linux: `/proc/meminfo`).
pub(crate) fn physical_memory() -> Option<u64> {
    static MEM: OnceLock<Option<u64>> = OnceLock::new();
    *MEM.get_or_init(|| {
        let text = std::fs::read_to_string("/proc/meminfo").ok()?;
        let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
        let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb * 1024)
    })
}

/// Refuses a buffer of `bytes` that could never fit in this machine's memory.
pub fn check_bytes(op: &str, bytes: u128) -> Result<()> {
    if let Some(mem) = physical_memory() {
        if bytes > mem as u128 {
            bail!(
                Alloc,
                "{op}: needs {:.1} GiB, more than this machine's {:.1} GiB of memory",
                bytes as f64 / (1u64 << 30) as f64,
                mem as f64 / (1u64 << 30) as f64
            );
        }
    }
    Ok(())
}

/// An empty vector with room for `n` elements, or `ERR_ALLOC`. Large buffers come
/// from the cache of freed storages when one of that type and length is kept.
pub fn with_capacity<T: 'static>(op: &str, n: usize) -> Result<Vec<T>> {
    check_bytes(op, n as u128 * std::mem::size_of::<T>() as u128)?;
    if let Some(v) = super::cache::take(n) {
        return Ok(v);
    }
    let mut v: Vec<T> = Vec::new();
    if v.try_reserve_exact(n).is_err() {
        bail!(
            Alloc,
            "{op}: could not allocate {} elements ({} bytes)",
            n,
            n as u128 * std::mem::size_of::<T>() as u128
        );
    }
    advise_huge_pages(v.as_mut_ptr().cast(), n * std::mem::size_of::<T>());
    Ok(v)
}

/// Buffers from this size up (one huge page) are backed by transparent huge
/// pages where the kernel offers them on request (`madvise` mode, the common
/// default). NumPy asks from 4 MiB; from 2 MiB, adding two vectors of 1e6
/// floats (4 MB each, in L3) went from 175 to 140 us, their 4 KiB pages having
/// cost a TLB miss each.
const HUGE_PAGE_MIN_BYTES: usize = 2 << 20;

/// Asks Linux to back the whole 4 KiB pages of `[ptr, ptr + bytes)` with 2 MiB
/// pages. A fresh large buffer is otherwise filled one 4 KiB page fault at a time:
/// adding two vectors of 1e7 floats spent three quarters of its time in faults
/// (31.7 ms against NumPy's 8.4). Advice only: failure changes nothing.
#[cfg(target_os = "linux")]
fn advise_huge_pages(ptr: *mut u8, bytes: usize) {
    const PAGE: usize = 4096;
    if bytes < HUGE_PAGE_MIN_BYTES {
        return;
    }
    let start = (ptr as usize).div_ceil(PAGE) * PAGE;
    let end = (ptr as usize + bytes) / PAGE * PAGE;
    if end > start {
        // SAFETY: the range lies inside the allocation just reserved; MADV_HUGEPAGE
        // neither reads nor changes its contents.
        unsafe {
            libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn advise_huge_pages(_ptr: *mut u8, _bytes: usize) {}

/// Element types that have a per-thread pool of working buffers (see
/// [`with_scratch`]).
pub trait Scratch: Copy + Default + 'static {
    /// This type's pool on the current thread.
    fn pool() -> &'static std::thread::LocalKey<RefCell<Vec<Vec<Self>>>>;
}

thread_local! {
    static SCRATCH_F32: RefCell<Vec<Vec<f32>>> = const { RefCell::new(Vec::new()) };
    static SCRATCH_F64: RefCell<Vec<Vec<f64>>> = const { RefCell::new(Vec::new()) };
}

impl Scratch for f32 {
    fn pool() -> &'static std::thread::LocalKey<RefCell<Vec<Vec<f32>>>> {
        &SCRATCH_F32
    }
}

impl Scratch for f64 {
    fn pool() -> &'static std::thread::LocalKey<RefCell<Vec<Vec<f64>>>> {
        &SCRATCH_F64
    }
}

/// Buffers a thread keeps per element type; more are freed when returned.
const SCRATCH_KEEP: usize = 4;

/// Buffers above this size are freed when returned rather than kept.
const SCRATCH_MAX_BYTES: usize = 64 << 20;

/// Runs `f` on a working buffer of `n` elements whose contents are left from
/// earlier use: for work that writes every element before reading it (the
/// columns and products of a convolution). Buffers come from a small pool per
/// thread and go back to it, so a training step's convolutions neither allocate,
/// zero, nor fault in fresh pages for them every time; a fresh 4 MB buffer per
/// call was a tenth of the MNIST CNN's step. Nested calls get distinct buffers.
pub fn with_scratch<T: Scratch, R>(op: &str, n: usize, f: impl FnOnce(&mut [T]) -> R) -> Result<R> {
    let mut buf = T::pool().with(|p| p.borrow_mut().pop()).unwrap_or_default();
    if buf.len() < n {
        check_bytes(op, n as u128 * std::mem::size_of::<T>() as u128)?;
        // The old contents need not move to the new allocation.
        buf.clear();
        if buf.try_reserve_exact(n).is_err() {
            bail!(
                Alloc,
                "{op}: could not allocate {} elements ({} bytes)",
                n,
                n as u128 * std::mem::size_of::<T>() as u128
            );
        }
        buf.resize(n, T::default());
    }
    let out = f(&mut buf[..n]);
    if buf.capacity() * std::mem::size_of::<T>() <= SCRATCH_MAX_BYTES {
        T::pool().with(|p| {
            let mut pool = p.borrow_mut();
            if pool.len() < SCRATCH_KEEP {
                pool.push(buf);
            }
        });
    }
    Ok(out)
}

/// `n` copies of `value`, or `ERR_ALLOC`.
pub fn filled<T: Clone + 'static>(op: &str, n: usize, value: T) -> Result<Vec<T>> {
    let mut v = with_capacity(op, n)?;
    v.resize(n, value);
    Ok(v)
}

/// Collects an iterator of known length into a fallibly allocated vector.
pub fn collect<T: 'static>(op: &str, n: usize, items: impl Iterator<Item = T>) -> Result<Vec<T>> {
    let mut v = with_capacity(op, n)?;
    v.extend(items);
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scratch_buffers_are_sized_distinct_when_nested_and_reused() {
        let first = with_scratch::<f32, _>("t", 10, |a| {
            a.fill(1.0);
            let inner = with_scratch::<f32, _>("t", 20, |b| {
                // A nested buffer is another allocation, not the outer one.
                assert_ne!(a.as_ptr(), b.as_ptr());
                b.len()
            });
            (a.as_ptr() as usize, inner.unwrap())
        })
        .unwrap();
        assert_eq!(first.1, 20);
        // Returned buffers are taken again (either one of the two, as large as asked).
        let again = with_scratch::<f32, _>("t", 15, |a| (a.len(), a.as_ptr() as usize)).unwrap();
        assert_eq!(again.0, 15);
        let e = with_scratch::<f64, _>("conv2d", 1 << 60, |_| ()).unwrap_err();
        assert_eq!(e.code, crate::ErrorCode::Alloc);
        assert!(e.message.contains("conv2d"));
    }

    #[test]
    fn impossible_sizes_are_errors_not_aborts() {
        let e = filled::<f32>("zeros", 1 << 40, 0.0).unwrap_err();
        assert_eq!(e.code, crate::ErrorCode::Alloc);
        assert_eq!(filled("zeros", 3, 1.5f32).unwrap(), vec![1.5; 3]);
    }
}
