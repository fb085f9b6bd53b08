//! The one error type of the core. Every fallible function returns [`Result`], and the
//! binding turns an [`Error`] into a JavaScript `FerrogradError` whose `code` is
//! [`ErrorCode::as_str`]: the codes are part of the public contract (API.md).

use std::fmt;

/// What kind of failure an [`Error`] is; stable across versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// Shapes that do not fit the operation (broadcasting, matmul, reshape).
    Shape,
    /// A dtype the operation does not accept, or two that do not match.
    Dtype,
    /// An argument out of its domain: negative or fractional size, bad option.
    Arg,
    /// A dimension or element index out of range.
    Index,
    /// A tensor used after `dispose()`.
    Disposed,
    /// An allocation refused because it is absurdly large.
    Alloc,
    /// A file could not be read or written.
    Io,
    /// A file's content is not the format it claims.
    Format,
    /// Autograd misuse: backward through a freed graph, grad of a non-scalar, ...
    Grad,
    /// Work stopped on request.
    Aborted,
}

impl ErrorCode {
    /// The code as JavaScript sees it (`ERR_SHAPE`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Shape => "ERR_SHAPE",
            ErrorCode::Dtype => "ERR_DTYPE",
            ErrorCode::Arg => "ERR_ARG",
            ErrorCode::Index => "ERR_INDEX",
            ErrorCode::Disposed => "ERR_DISPOSED",
            ErrorCode::Alloc => "ERR_ALLOC",
            ErrorCode::Io => "ERR_IO",
            ErrorCode::Format => "ERR_FORMAT",
            ErrorCode::Grad => "ERR_GRAD",
            ErrorCode::Aborted => "ERR_ABORTED",
        }
    }
}

/// A failure with a stable [`ErrorCode`] and a message that names the operation and
/// the offending shapes or values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// What kind of failure this is.
    pub code: ErrorCode,
    /// Human-readable explanation, starting with the operation's name.
    pub message: String,
}

impl Error {
    /// Builds an error from a code and a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for Error {}

/// The core's result type.
pub type Result<T> = std::result::Result<T, Error>;

/// `Err(Error::new(code, format!(...)))`, shortened.
#[macro_export]
macro_rules! bail {
    ($code:ident, $($fmt:tt)*) => {
        return Err($crate::Error::new($crate::ErrorCode::$code, format!($($fmt)*)))
    };
}
