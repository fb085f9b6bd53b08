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
    /// Every code, in the order API.md lists them. The TypeScript layer's own
    /// list (with `ERR_INTERNAL`, which only it raises) is checked against this.
    pub const ALL: [ErrorCode; 10] = [
        ErrorCode::Shape,
        ErrorCode::Dtype,
        ErrorCode::Arg,
        ErrorCode::Index,
        ErrorCode::Disposed,
        ErrorCode::Alloc,
        ErrorCode::Io,
        ErrorCode::Format,
        ErrorCode::Grad,
        ErrorCode::Aborted,
    ];

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

/// A failure with a stable [`ErrorCode`], the operation that failed and a message
/// that names it and the offending shapes or values. The operation and the
/// shapes are also fields, so a caller (the TypeScript layer) can rename the
/// operation or show the shapes without reading the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// What kind of failure this is.
    pub code: ErrorCode,
    /// Human-readable explanation, starting with the operation's name.
    pub message: String,
    /// The operation's name as users call it (`add`, `indexSelect`), or empty
    /// when the failure belongs to no operation.
    pub op: String,
    /// The shapes the failure is about, when it is about shapes.
    pub shapes: Vec<Vec<usize>>,
}

impl Error {
    /// Builds an error from a code and a message that starts with the
    /// operation's name (`"matmul: ..."`), as every message of the core does;
    /// that name becomes [`Error::op`].
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        let message = message.into();
        let op = leading_op(&message).unwrap_or_default().to_string();
        Error {
            code,
            message,
            op,
            shapes: Vec::new(),
        }
    }

    /// An error of `op`, with `detail` saying what went wrong.
    pub fn of(code: ErrorCode, op: &str, detail: impl fmt::Display) -> Self {
        Error {
            code,
            message: format!("{op}: {detail}"),
            op: op.to_string(),
            shapes: Vec::new(),
        }
    }

    /// The same error, noting the shapes it is about.
    pub fn with_shapes(mut self, shapes: &[&[usize]]) -> Self {
        self.shapes = shapes.iter().map(|s| s.to_vec()).collect();
        self
    }

    /// The message without the operation's name in front.
    pub fn detail(&self) -> &str {
        match self.message.strip_prefix(self.op.as_str()) {
            Some(rest) if !self.op.is_empty() => rest.strip_prefix(": ").unwrap_or(rest),
            _ => &self.message,
        }
    }
}

/// The operation a message names first: the run before `": "` when it is a name
/// (`indexSelect`, `Adam.step`, `nn.Linear`), not a phrase.
fn leading_op(message: &str) -> Option<&str> {
    let (head, _) = message.split_once(": ")?;
    let named = !head.is_empty()
        && head.starts_with(|c: char| c.is_ascii_alphabetic())
        && head
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/'));
    named.then_some(head)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_operation_and_shapes_are_fields() {
        let e = Error::new(
            ErrorCode::Shape,
            "matmul: shapes [2, 3] and [4, 5] do not fit",
        )
        .with_shapes(&[&[2, 3], &[4, 5]]);
        assert_eq!(e.op, "matmul");
        assert_eq!(e.detail(), "shapes [2, 3] and [4, 5] do not fit");
        assert_eq!(e.shapes, vec![vec![2, 3], vec![4, 5]]);
        let e = Error::of(ErrorCode::Arg, "softmax", "dim must be an integer, got 0.5");
        assert_eq!(e.message, "softmax: dim must be an integer, got 0.5");
        assert_eq!(e.detail(), "dim must be an integer, got 0.5");
        let e = Error::new(ErrorCode::Io, "could not read the file: no such file");
        assert_eq!((e.op.as_str(), e.detail()), ("", e.message.as_str()));
        assert_eq!(ErrorCode::ALL.len(), 10);
    }
}
