//! The napi-rs binding of ferrograd: converts JavaScript values, delegates to the
//! core crate, and converts results and errors back. No maths lives here.
//!
//! Every entry point is `#[napi(catch_unwind)]` and returns [`Result`], so a core
//! error becomes a JavaScript error whose `code` is the core's `ERR_*` code, and a
//! panic (a bug) becomes an error too instead of aborting Node. The bodies of async
//! tasks run on libuv threads and are guarded by [`no_panic`].

pub mod adagrad;
pub mod adam;
mod allocator;
pub mod args;
pub mod clip;
pub mod conv;
pub mod data;
mod declare;
mod external_memory;
pub mod fit;
pub mod grad;
mod handle;
pub mod init;
mod inputs;
pub mod io;
pub mod layers;
pub mod losses;
mod module_version;
pub mod nn;
pub mod ops;
pub mod optim;
pub mod rmsprop;
pub mod runtime;
pub mod sgd;
pub mod tensor;

/// Small blocks from mimalloc, tensor data from the system (`allocator.rs`).
#[global_allocator]
static ALLOCATOR: allocator::SplitAllocator = allocator::SplitAllocator;

/// Runs `f` (the body of an async task, on a libuv thread, where `catch_unwind` on the
/// entry point does not reach), turning a panic into an error: unwinding out of the
/// thread's C frames would abort Node. The TS layer reports it as `ERR_INTERNAL`.
pub(crate) fn no_panic<T>(op: &str, f: impl FnOnce() -> T) -> napi::Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string());
        napi::Error::from_reason(format!("{op}: panicked: {what}"))
    })
}

/// Result of every entry point: the error's status string is the JS `code`.
pub type Result<T> = std::result::Result<T, napi::Error<String>>;

/// A core error as a JS error: the core's code as its `code`, and as its message
/// the error's fields (`code`, `op`, `message`, `shapes`) in JSON, which the
/// TypeScript layer turns into a `FerrogradError` with those fields
/// (`ts/errors.ts`); the code rides along in case a napi-rs status conversion
/// on the way replaces the JS error's own.
pub(crate) fn js_error(e: ferrograd::Error) -> napi::Error<String> {
    napi::Error::new(e.code.as_str().to_string(), error_fields(&e))
}

/// The fields of a core error in JSON, as [`js_error`] sends them; also the
/// message of errors handed back in a result object (async loads, fits).
pub(crate) fn error_fields(e: &ferrograd::Error) -> String {
    serde_json::json!({
        "code": e.code.as_str(),
        "op": e.op,
        "message": e.message,
        "shapes": e.shapes,
    })
    .to_string()
}

/// The codes a core error can carry, as JavaScript sees them.
#[napi_derive::napi]
pub fn error_codes() -> Vec<&'static str> {
    ferrograd::ErrorCode::ALL.map(|c| c.as_str()).to_vec()
}

/// Shorthand: core `Result` to binding `Result`.
pub(crate) trait IntoJs<T> {
    fn js(self) -> Result<T>;
}

impl<T> IntoJs<T> for ferrograd::Result<T> {
    fn js(self) -> Result<T> {
        self.map_err(js_error)
    }
}

impl<T> IntoJs<T> for napi::Result<T> {
    fn js(self) -> Result<T> {
        self.map_err(|e| napi::Error::new(e.status.as_ref().to_string(), e.reason.clone()))
    }
}

/// The public name of each entry whose errors should name something other than
/// the entry itself (`tensorAddScalar` is `add`), for the TypeScript layer's
/// messages about arguments napi-rs could not convert.
#[napi_derive::napi]
pub fn op_names() -> std::collections::HashMap<String, String> {
    let tables: [&[declare::OpName]; 4] = [ops::NAMES, ops::PAIR_NAMES, grad::NAMES, tensor::NAMES];
    tables
        .iter()
        .copied()
        .flatten()
        .map(|&(entry, public)| (args::js_name(entry), public.to_string()))
        .collect()
}
