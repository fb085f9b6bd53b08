//! What this thread's tensors hold natively, reported to V8 in batches.
//!
//! V8 schedules garbage collection by the JavaScript heap plus the "external
//! memory" add-ons report. Reporting every handle on its own costs a Node-API call
//! per op (about a third of a 1x1 add), and a finalizer that runs during garbage
//! collection may not call it at all. So handles only add to or take from a
//! per-thread balance (finalizers too: that is plain Rust), and the balance is
//! handed to V8 from ordinary calls once it has moved by [`FLUSH_BYTES`].
//!
//! Per thread, because each JavaScript thread (a worker) is its own isolate with its
//! own external-memory figure, and a handle is created and finalized on its
//! isolate's thread.

use crate::{IntoJs, Result};
use napi::Env;
use std::cell::Cell;

/// How far the unreported balance may drift before it is handed to V8. Small
/// enough that V8 sees large tensors at once, large enough that small ones cost
/// no call.
const FLUSH_BYTES: i64 = 1 << 20;

thread_local! {
    /// Bytes created (+) or freed (-) on this thread and not yet reported.
    static UNREPORTED: Cell<i64> = const { Cell::new(0) };
}

/// Records `bytes` (positive: allocated, negative: freed). Safe to call from a
/// finalizer running inside garbage collection: it touches no JavaScript state.
pub(crate) fn record(bytes: i64) {
    UNREPORTED.with(|u| u.set(u.get() + bytes));
}

/// Records `bytes` and reports the balance to V8 if it has moved far enough.
/// Call only from a JavaScript call, never from a finalizer.
pub(crate) fn record_and_flush(env: &Env, bytes: i64) -> Result<()> {
    record(bytes);
    let balance = UNREPORTED.with(Cell::get);
    if balance.abs() >= FLUSH_BYTES {
        UNREPORTED.with(|u| u.set(0));
        env.adjust_external_memory(balance).js()?;
    }
    Ok(())
}
