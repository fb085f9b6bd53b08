//! Freed tensor buffers kept for reuse: a caching allocator for large storages.
//!
//! In JavaScript a tensor's storage is freed when the garbage collector gets to its
//! handle, many at a time and long after the last use. Freed that way, large
//! buffers go back to the system (glibc unmaps or trims them), and the next
//! tensors of the same size fault in fresh zeroed pages one at a time: adding two
//! vectors of 1e6 floats in a loop took 4x NumPy's time, most of it in page faults
//! and cache misses on new memory. Buffers of [`MIN_BYTES`] and up are therefore
//! kept here when their storage is dropped, up to a limit, and handed out again for
//! a new storage of the same element type and length, newest first (the likeliest
//! still in cache). PyTorch's CUDA caching allocator does the same for device
//! memory; `emptyCache()` releases what is kept, as `torch.cuda.empty_cache()`.
//!
//! Only whole allocations of the exact length are reused, so the contents a
//! caller gets are never read before being written: the vector comes back empty.

use std::alloc::Layout;
use std::any::TypeId;
use std::collections::{HashMap, VecDeque};
use std::ptr::NonNull;
use std::sync::{Mutex, MutexGuard, OnceLock};

/// Buffers smaller than this are left to the system allocator, which reuses them
/// well on its own (glibc keeps them on its heap).
const MIN_BYTES: usize = 64 << 10;

/// Default limit of the bytes kept, when `FERROGRAD_CACHE_MB` does not set one.
const DEFAULT_LIMIT_BYTES: usize = 256 << 20;

/// The limit of the bytes kept: `FERROGRAD_CACHE_MB` (0 turns the cache off), or
/// 256 MiB but at most a sixteenth of the machine's memory.
fn limit() -> usize {
    static LIMIT: OnceLock<usize> = OnceLock::new();
    *LIMIT.get_or_init(|| {
        if let Some(mb) = std::env::var("FERROGRAD_CACHE_MB")
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
        {
            return mb.saturating_mul(1 << 20);
        }
        let machine = super::alloc::physical_memory().map_or(u64::MAX, |m| m / 16);
        DEFAULT_LIMIT_BYTES.min(usize::try_from(machine).unwrap_or(usize::MAX))
    })
}

/// A kept allocation: what `Vec::<T>::with_capacity(cap)` returned, for the `T`
/// named by `key.0`.
struct Block {
    ptr: NonNull<u8>,
    layout: Layout,
    /// When it was kept, to find the oldest when the cache is full.
    stamp: u64,
}

// SAFETY: a kept block is memory nobody else refers to; whichever thread takes it
// out owns it.
unsafe impl Send for Block {}

impl Block {
    /// Returns the memory to the allocator it came from.
    fn release(self) {
        // SAFETY: `ptr` was allocated by the global allocator with `layout` (it was a
        // `Vec`'s buffer of that layout) and is owned by this block alone.
        unsafe { std::alloc::dealloc(self.ptr.as_ptr(), self.layout) }
    }
}

/// Element type and capacity of the blocks of one bucket.
type Key = (TypeId, usize);

#[derive(Default)]
struct Cache {
    /// Blocks by element type and length, each bucket in the order kept.
    buckets: HashMap<Key, Vec<Block>>,
    /// Every kept block's key and stamp, oldest first (taken blocks are skipped
    /// when they come up).
    order: VecDeque<(Key, u64)>,
    bytes: usize,
    next_stamp: u64,
}

fn cache() -> MutexGuard<'static, Cache> {
    static CACHE: OnceLock<Mutex<Cache>> = OnceLock::new();
    // Nothing here can be left half-updated by a panic; a poisoned lock is usable.
    CACHE
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner())
}

/// An empty vector with capacity exactly `n`, made from a kept buffer, if one of
/// that element type and length is kept.
pub(crate) fn take<T: 'static>(n: usize) -> Option<Vec<T>> {
    let bytes = n.checked_mul(std::mem::size_of::<T>())?;
    if bytes < MIN_BYTES {
        return None;
    }
    let mut cache = cache();
    let bucket = cache.buckets.get_mut(&(TypeId::of::<T>(), n))?;
    let block = bucket.pop()?;
    cache.bytes -= block.layout.size();
    let ptr = block.ptr.as_ptr().cast::<T>();
    // SAFETY: the block was the buffer of a `Vec<T>` of capacity `n` (its key says
    // so), allocated by the global allocator; it comes back with no element set.
    Some(unsafe { Vec::from_raw_parts(ptr, 0, n) })
}

/// Keeps the buffer of `v` for [`take`] if it is large enough and there is room,
/// evicting the oldest kept buffers to make room; frees it otherwise.
pub(crate) fn keep<T: 'static>(v: Vec<T>) {
    let cap = v.capacity();
    let Ok(layout) = Layout::array::<T>(cap) else {
        return;
    };
    let limit = limit();
    if layout.size() < MIN_BYTES || layout.size() > limit {
        return;
    }
    let mut v = std::mem::ManuallyDrop::new(v);
    // SAFETY: a Vec's buffer pointer is non-null (and here allocated: size > 0).
    let ptr = unsafe { NonNull::new_unchecked(v.as_mut_ptr().cast::<u8>()) };
    let key = (TypeId::of::<T>(), cap);
    let mut evicted = Vec::new();
    {
        let mut cache = cache();
        while cache.bytes + layout.size() > limit {
            let Some(oldest) = evict_oldest(&mut cache) else {
                break;
            };
            evicted.push(oldest);
        }
        let stamp = cache.next_stamp;
        cache.next_stamp += 1;
        cache.bytes += layout.size();
        cache.order.push_back((key, stamp));
        cache
            .buckets
            .entry(key)
            .or_default()
            .push(Block { ptr, layout, stamp });
    }
    // Freed outside the lock: unmapping large buffers takes a while.
    evicted.into_iter().for_each(Block::release);
}

/// Removes the oldest kept block from the cache, if any.
fn evict_oldest(cache: &mut Cache) -> Option<Block> {
    while let Some((key, stamp)) = cache.order.pop_front() {
        let Some(bucket) = cache.buckets.get_mut(&key) else {
            continue;
        };
        // A bucket is in stamp order, so the block, if still kept, is found by a
        // binary search; a taken block's stamp is simply gone.
        if let Ok(i) = bucket.binary_search_by_key(&stamp, |b| b.stamp) {
            let block = bucket.remove(i);
            cache.bytes -= block.layout.size();
            return Some(block);
        }
    }
    None
}

/// Frees every kept buffer; returns how many bytes that gave back.
pub fn empty() -> usize {
    let (blocks, bytes) = {
        let mut cache = cache();
        let bytes = std::mem::take(&mut cache.bytes);
        cache.order.clear();
        let blocks: Vec<Block> = cache.buckets.drain().flat_map(|(_, b)| b).collect();
        (blocks, bytes)
    };
    blocks.into_iter().for_each(Block::release);
    bytes
}

/// Bytes of freed buffers kept for reuse.
pub fn cached_bytes() -> usize {
    cache().bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    // One test, because the cache is global to the process and tests run in
    // parallel: the others must not see these buffers come and go.
    #[test]
    fn buffers_are_reused_by_type_and_length_newest_first_and_released() {
        let n = (MIN_BYTES / 4) * 3 + 17; // an unusual length no other test uses
        let a: Vec<f32> = Vec::with_capacity(n);
        let b: Vec<f32> = Vec::with_capacity(n);
        let (pa, pb) = (a.as_ptr() as usize, b.as_ptr() as usize);
        keep(a);
        keep(b);
        // Another element type or length does not get them.
        assert!(take::<i32>(n).is_none());
        assert!(take::<f32>(n + 1).is_none());
        let first = take::<f32>(n).expect("kept");
        assert_eq!((first.len(), first.capacity()), (0, n));
        assert_eq!(first.as_ptr() as usize, pb, "newest first");
        let second = take::<f32>(n).expect("kept");
        assert_eq!(second.as_ptr() as usize, pa);
        assert!(take::<f32>(n).is_none());
        // Small buffers are not kept.
        keep(Vec::<f32>::with_capacity(16));
        assert!(take::<f32>(16).is_none());
        // The oldest go first when room is needed, and empty() frees the rest.
        keep(first);
        keep(second);
        // Other tests' buffers may be older than ours; evicting them is harmless.
        loop {
            let mut c = cache();
            let evicted = evict_oldest(&mut c).expect("ours are still kept");
            let p = evicted.ptr.as_ptr() as usize;
            evicted.release();
            if p == pa || p == pb {
                assert_eq!(p, pb, "kept first, evicted first");
                break;
            }
        }
        assert!(empty() >= n * 4);
        assert!(take::<f32>(n).is_none());
    }
}
