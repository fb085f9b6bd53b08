//! The add-on's global allocator: small blocks from mimalloc, large ones from the
//! system allocator.
//!
//! Every op allocates a handful of small blocks (its handle, tensor, storage
//! header, shape) and V8 frees them in bursts during garbage collection. glibc
//! coalesces such bursts expensively (`malloc_consolidate` was a tenth of a 1x1
//! add); mimalloc's per-thread free lists make them cheap. Tensor data, though,
//! stays with the system allocator: mimalloc keeps freed pages for a while before
//! giving them back, which let a training loop that disposes nothing hold 60 MB
//! more resident memory (`__test__/soak.test.ts`), and purging at once instead cost
//! 40% of an MLP step in `madvise` calls.
//!
//! A block's size is in its layout at `alloc`, `dealloc` and `realloc` alike, so the
//! size alone says which allocator owns it.

use mimalloc::MiMalloc;
use std::alloc::{GlobalAlloc, Layout, System};

/// Blocks up to this many bytes come from mimalloc.
const SMALL: usize = 1024;

/// Small blocks from mimalloc, the rest from the system allocator.
pub struct SplitAllocator;

/// Calls `method` of the allocator that owns blocks of `layout`'s size: a branch,
/// as written out by hand, with no indirection.
macro_rules! by_owner {
    ($layout:expr, $method:ident($($arg:expr),*)) => {
        if $layout.size() <= SMALL {
            MiMalloc.$method($($arg),*)
        } else {
            System.$method($($arg),*)
        }
    };
}

// SAFETY: each method forwards to the allocator that owns blocks of the layout's
// size (mimalloc for `size <= SMALL`, the system allocator otherwise), and callers
// pass the layout a block was allocated with, so a block is always freed or
// reallocated by the allocator that made it. `realloc` across the boundary
// allocates from the new owner, copies and frees from the old one.
unsafe impl GlobalAlloc for SplitAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees (non-zero size).
        unsafe { by_owner!(layout, alloc(layout)) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as in `alloc`.
        unsafe { by_owner!(layout, alloc_zeroed(layout)) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated with `layout`, so by the allocator chosen here.
        unsafe { by_owner!(layout, dealloc(ptr, layout)) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let (old_small, new_small) = (layout.size() <= SMALL, new_size <= SMALL);
        // SAFETY: same owner on both sides: forwarded with the caller's guarantees.
        // Across the boundary: a fresh block of `new_size` (a valid layout, as the
        // caller guarantees) from the new owner, the overlapping prefix copied, and
        // the old block freed by its owner.
        unsafe {
            match (old_small, new_small) {
                (true, true) => MiMalloc.realloc(ptr, layout, new_size),
                (false, false) => System.realloc(ptr, layout, new_size),
                _ => {
                    let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
                    let new = self.alloc(new_layout);
                    if !new.is_null() {
                        std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                        self.dealloc(ptr, layout);
                    }
                    new
                }
            }
        }
    }
}
