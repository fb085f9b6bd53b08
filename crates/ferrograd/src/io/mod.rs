//! Reading and writing tensors in files.

pub mod csv;
pub mod idx;
pub mod safetensors;

use crate::{Error, ErrorCode, Result};
use std::path::Path;

/// Opens `path` for reading, for `op`. A directory opens on Linux and fails only at
/// the first read, which the parsers would report as a malformed file: it is refused
/// here as the `ERR_IO` it is.
pub(crate) fn open_file(op: &str, path: &Path) -> Result<std::fs::File> {
    let io = |e: std::io::Error| {
        Error::new(
            ErrorCode::Io,
            format!("{op}: cannot open {}: {e}", path.display()),
        )
    };
    let file = std::fs::File::open(path).map_err(io)?;
    if file.metadata().map_err(io)?.is_dir() {
        return Err(Error::new(
            ErrorCode::Io,
            format!("{op}: {} is a directory, not a file", path.display()),
        ));
    }
    Ok(file)
}
