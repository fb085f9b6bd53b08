//! The napi-rs binding of ferrograd: converts JavaScript values, delegates to the
//! core crate, and converts results and errors back. No maths lives here.
//!
//! Every entry point is `#[napi(catch_unwind)]` and returns [`Result`], so a core
//! error becomes a JavaScript error whose `code` is the core's `ERR_*` code, and a
//! panic (a bug) becomes an error too instead of aborting Node.

pub mod adagrad;
pub mod adam;
pub mod args;
pub mod clip;
pub mod conv;
pub mod data;
mod external_memory;
pub mod init;
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

/// Result of every entry point: the error's status string is the JS `code`.
pub type Result<T> = std::result::Result<T, napi::Error<String>>;

/// A core error as a JS error with the core's code.
pub(crate) fn js_error(e: ferrograd::Error) -> napi::Error<String> {
    napi::Error::new(e.code.as_str().to_string(), e.message)
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
