//! Element types and the storage that holds them.

use crate::{bail, Result};
use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};

/// The element type of a tensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DType {
    /// 32-bit float: the compute type.
    F32,
    /// 64-bit signed integer: class labels and indices.
    I64,
    /// Boolean: results of comparisons.
    Bool,
}

impl DType {
    /// The name JavaScript and PyTorch use (`float32`, `int64`, `bool`).
    pub fn name(self) -> &'static str {
        match self {
            DType::F32 => "float32",
            DType::I64 => "int64",
            DType::Bool => "bool",
        }
    }

    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            DType::F32 => 4,
            DType::I64 => 8,
            DType::Bool => 1,
        }
    }

    /// Parses a dtype name as JavaScript spells it.
    pub fn parse(name: &str) -> Result<DType> {
        Ok(match name {
            "float32" => DType::F32,
            "int64" => DType::I64,
            "bool" => DType::Bool,
            other => bail!(
                Dtype,
                "unknown or unsupported dtype '{other}' (supported: float32, int64, bool)"
            ),
        })
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Bytes held by live storages; read by `memory()`.
static LIVE_BYTES: AtomicI64 = AtomicI64::new(0);
/// Number of live storages.
static LIVE_STORAGES: AtomicI64 = AtomicI64::new(0);

/// The elements of a storage, of one dtype.
#[derive(Debug)]
pub enum Storage {
    /// float32 elements.
    F32(Vec<f32>),
    /// int64 elements.
    I64(Vec<i64>),
    /// bool elements.
    Bool(Vec<bool>),
}

/// A storage shared by a tensor and its views: the elements and a version counter
/// that in-place writes bump.
#[derive(Debug)]
pub(crate) struct Buffer {
    pub(crate) data: Storage,
    version: u64,
}

impl Buffer {
    /// Wraps elements, counting them in [`live_memory`].
    pub(crate) fn new(data: Storage) -> Buffer {
        LIVE_BYTES.fetch_add(data.bytes() as i64, Ordering::Relaxed);
        LIVE_STORAGES.fetch_add(1, Ordering::Relaxed);
        Buffer { data, version: 0 }
    }

    pub(crate) fn version(&self) -> u64 {
        self.version
    }

    pub(crate) fn bump_version(&mut self) {
        self.version += 1;
    }
}

impl Drop for Buffer {
    fn drop(&mut self) {
        LIVE_BYTES.fetch_sub(self.data.bytes() as i64, Ordering::Relaxed);
        LIVE_STORAGES.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Storage {
    /// The dtype of the elements.
    pub fn dtype(&self) -> DType {
        match self {
            Storage::F32(_) => DType::F32,
            Storage::I64(_) => DType::I64,
            Storage::Bool(_) => DType::Bool,
        }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        match self {
            Storage::F32(v) => v.len(),
            Storage::I64(v) => v.len(),
            Storage::Bool(v) => v.len(),
        }
    }

    /// True when the buffer holds no element.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Size of the buffer in bytes.
    pub fn bytes(&self) -> usize {
        self.len() * self.dtype().size()
    }

    /// A new storage of the elements at `indices`, in that order (any dtype).
    pub(crate) fn pick(
        &self,
        op: &str,
        n: usize,
        indices: impl Iterator<Item = usize>,
    ) -> crate::Result<Storage> {
        use super::alloc::collect;
        Ok(match self {
            Storage::F32(d) => Storage::F32(collect(op, n, indices.map(|i| d[i]))?),
            Storage::I64(d) => Storage::I64(collect(op, n, indices.map(|i| d[i]))?),
            Storage::Bool(d) => Storage::Bool(collect(op, n, indices.map(|i| d[i]))?),
        })
    }
}

/// `(storages, bytes)` currently alive in this process, over all threads.
pub fn live_memory() -> (i64, i64) {
    (
        LIVE_STORAGES.load(Ordering::Relaxed),
        LIVE_BYTES.load(Ordering::Relaxed),
    )
}
