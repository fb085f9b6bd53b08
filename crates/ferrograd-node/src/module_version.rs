//! The Node-API version this module declares, which decides when Node runs its
//! finalizers.
//!
//! A module that declares no version is treated as Node-API 8, and Node defers
//! every finalizer of such a module to the event loop. A synchronous training loop
//! never yields, so not one tensor it dropped would be freed until it ended
//! (300 additions of a million floats held 1.2 GB). A module that declares the
//! experimental version has its finalizers run during garbage collection, which
//! frees native memory as soon as V8 collects a handle. The price is that those
//! finalizers may not call into JavaScript: ours only free Rust memory and record
//! the bytes (`external_memory.rs`), and the only other finalizers napi-rs
//! registers for us drop Rust buffers.
//!
//! Node reads the version through this exported function (Node >= 20.10 and
//! 18.20; older Node ignores it and keeps deferring).

/// `NAPI_VERSION_EXPERIMENTAL` from `js_native_api.h`.
const NAPI_VERSION_EXPERIMENTAL: i32 = i32::MAX;

/// Called by Node when it loads the module.
// SAFETY: `no_mangle` exports this symbol under its C name. That is sound because no
// other symbol in the addon or in Node has this name (it is the one Node-API looks
// up in an addon), and its signature, `int32_t (void)`, is the one Node calls.
#[unsafe(no_mangle)]
pub extern "C" fn node_api_module_get_api_version_v1() -> i32 {
    NAPI_VERSION_EXPERIMENTAL
}
