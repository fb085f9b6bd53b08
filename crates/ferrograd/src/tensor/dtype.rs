//! Element types and the storage that holds them.

use crate::{bail, Result};
use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};

/// The element type of a tensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DType {
    /// 32-bit float: the compute type.
    F32,
    /// 64-bit float: arithmetic and gradients as float32, in double precision.
    F64,
    /// 32-bit signed integer.
    I32,
    /// 64-bit signed integer: class labels and indices.
    I64,
    /// Boolean: results of comparisons.
    Bool,
}

impl DType {
    /// The dtype `a op b` computes in, as PyTorch promotes: the wider float if
    /// either side is a float, else the wider integer, bool only with bool.
    pub fn promote(a: DType, b: DType) -> DType {
        let rank = |d: DType| match d {
            DType::Bool => 0,
            DType::I32 => 1,
            DType::I64 => 2,
            DType::F32 => 3,
            DType::F64 => 4,
        };
        if rank(a) >= rank(b) {
            a
        } else {
            b
        }
    }

    /// True for float32 and float64.
    pub fn is_float(self) -> bool {
        matches!(self, DType::F32 | DType::F64)
    }

    /// The name JavaScript and PyTorch use (`float32`, `int64`, `bool`).
    pub fn name(self) -> &'static str {
        match self {
            DType::F32 => "float32",
            DType::F64 => "float64",
            DType::I32 => "int32",
            DType::I64 => "int64",
            DType::Bool => "bool",
        }
    }

    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            DType::F32 | DType::I32 => 4,
            DType::F64 | DType::I64 => 8,
            DType::Bool => 1,
        }
    }

    /// Refuses a dtype other than float32 and float64 for the tensor `what`
    /// passed to `op` (`ERR_DTYPE`).
    pub fn require_float(self, op: &str, what: impl fmt::Display) -> Result<()> {
        if !matches!(self, DType::F32 | DType::F64) {
            bail!(Dtype, "{op}: {what} must be a float tensor, got {self}");
        }
        Ok(())
    }

    /// Parses a dtype name as JavaScript spells it.
    pub fn parse(name: &str) -> Result<DType> {
        Ok(match name {
            "float32" => DType::F32,
            "float64" => DType::F64,
            "int32" => DType::I32,
            "int64" => DType::I64,
            "bool" => DType::Bool,
            other => bail!(
                Dtype,
                "unknown or unsupported dtype '{other}' (supported: float32, float64, int32, int64, bool)"
            ),
        })
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Conversions every element type supports.
pub trait Element: Copy + Send + Sync + 'static {
    /// The dtype of this element type.
    const DTYPE: DType;
    /// The elements of `s` if it holds this type.
    fn slice(s: &Storage) -> Option<&[Self]>;
    /// The elements of `s` mutably, if it holds this type.
    fn slice_mut(s: &mut Storage) -> Option<&mut [Self]>;
    /// Wraps a vector in its storage variant.
    fn storage(v: Vec<Self>) -> Storage;
    /// As a float64 (bools as 0 and 1).
    fn to_f64(self) -> f64;
    /// As an int64: floats truncate toward zero (saturating, NaN to 0).
    fn to_i64(self) -> i64;
    /// Nonzero is true.
    fn to_bool(self) -> bool;
}

macro_rules! element_number {
    ($($t:ty => $variant:ident),*) => {$(
        impl Element for $t {
            const DTYPE: DType = DType::$variant;
            fn slice(s: &Storage) -> Option<&[Self]> {
                match s {
                    Storage::$variant(v) => Some(v),
                    _ => None,
                }
            }
            fn slice_mut(s: &mut Storage) -> Option<&mut [Self]> {
                match s {
                    Storage::$variant(v) => Some(v),
                    _ => None,
                }
            }
            fn storage(v: Vec<Self>) -> Storage {
                Storage::$variant(v)
            }
            fn to_f64(self) -> f64 {
                self as f64
            }
            fn to_i64(self) -> i64 {
                self as i64
            }
            fn to_bool(self) -> bool {
                self != (0 as $t)
            }
        }
    )*};
}
element_number!(f32 => F32, f64 => F64, i32 => I32, i64 => I64);

impl Element for bool {
    const DTYPE: DType = DType::Bool;
    fn slice(s: &Storage) -> Option<&[Self]> {
        match s {
            Storage::Bool(v) => Some(v),
            _ => None,
        }
    }
    fn slice_mut(s: &mut Storage) -> Option<&mut [Self]> {
        match s {
            Storage::Bool(v) => Some(v),
            _ => None,
        }
    }
    fn storage(v: Vec<Self>) -> Storage {
        Storage::Bool(v)
    }
    fn to_f64(self) -> f64 {
        self as u8 as f64
    }
    fn to_i64(self) -> i64 {
        self as i64
    }
    fn to_bool(self) -> bool {
        self
    }
}

/// `$body` with `$v` bound to the element vector of `$s`, whatever its dtype; every
/// arm must give the same type.
macro_rules! with_elements {
    ($s:expr, |$v:ident| $body:expr) => {
        match $s {
            Storage::F32($v) => $body,
            Storage::F64($v) => $body,
            Storage::I32($v) => $body,
            Storage::I64($v) => $body,
            Storage::Bool($v) => $body,
        }
    };
}
pub(crate) use with_elements;

/// Like [`with_elements`], wrapping each arm's vector back into its own variant.
macro_rules! map_storage {
    ($s:expr, |$v:ident| $body:expr) => {
        match $s {
            Storage::F32($v) => Storage::F32($body),
            Storage::F64($v) => Storage::F64($body),
            Storage::I32($v) => Storage::I32($body),
            Storage::I64($v) => Storage::I64($body),
            Storage::Bool($v) => Storage::Bool($body),
        }
    };
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
    /// float64 elements.
    F64(Vec<f64>),
    /// int32 elements.
    I32(Vec<i32>),
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
        // Large buffers go to the cache of freed storages for the next tensor of
        // their size (see `cache.rs`).
        match std::mem::replace(&mut self.data, Storage::Bool(Vec::new())) {
            Storage::F32(v) => crate::kernels::cache::keep(v),
            Storage::F64(v) => crate::kernels::cache::keep(v),
            Storage::I32(v) => crate::kernels::cache::keep(v),
            Storage::I64(v) => crate::kernels::cache::keep(v),
            Storage::Bool(v) => crate::kernels::cache::keep(v),
        }
    }
}

impl Storage {
    /// The dtype of the elements.
    pub fn dtype(&self) -> DType {
        match self {
            Storage::F32(_) => DType::F32,
            Storage::F64(_) => DType::F64,
            Storage::I32(_) => DType::I32,
            Storage::I64(_) => DType::I64,
            Storage::Bool(_) => DType::Bool,
        }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        with_elements!(self, |v| v.len())
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
        Ok(map_storage!(self, |d| super::alloc::collect(
            op,
            n,
            indices.map(|i| d[i])
        )?))
    }

    /// A new storage of the runs of elements `runs`, in that order (any dtype): a
    /// copy of whole rows at memcpy speed where `pick` would go element by element.
    pub(crate) fn pick_runs(
        &self,
        op: &str,
        n: usize,
        runs: impl Iterator<Item = std::ops::Range<usize>>,
    ) -> crate::Result<Storage> {
        Ok(map_storage!(self, |d| {
            let mut out = super::alloc::with_capacity(op, n)?;
            for r in runs {
                out.extend_from_slice(&d[r]);
            }
            out
        }))
    }

    /// The elements of `layout` over this storage, packed in row-major order (any
    /// dtype), run by run along the innermost merged dimension: packed runs at
    /// memcpy speed, others by a strided loop, with no per-element odometer.
    pub(crate) fn gather(&self, op: &str, layout: &super::Layout) -> crate::Result<Storage> {
        Ok(map_storage!(self, |d| {
            let mut out = super::alloc::with_capacity(op, layout.numel())?;
            crate::kernels::layout::gather_into(d, layout, &mut out);
            out
        }))
    }

    /// `outer` rows made of a run of each part in turn (one dtype, checked by the
    /// caller): row `o` takes elements `start + o * len .. start + (o + 1) * len` of
    /// each part's range, where the range holds `outer * len` packed elements. This
    /// is `cat` along a dimension with `outer` rows before it, at memcpy speed.
    pub(crate) fn interleave(
        op: &str,
        parts: &[(&Storage, std::ops::Range<usize>)],
        outer: usize,
    ) -> crate::Result<Storage> {
        let n = parts.iter().map(|(_, r)| r.len()).sum();
        let first = parts[0].0;
        Ok(map_storage!(first, |v| {
            let slices: Vec<&[_]> = parts
                .iter()
                .map(|(p, r)| &same_type(v, p)[r.clone()])
                .collect();
            let mut out = super::alloc::with_capacity(op, n)?;
            for o in 0..outer {
                for s in &slices {
                    let len = s.len() / outer.max(1);
                    out.extend_from_slice(&s[o * len..(o + 1) * len]);
                }
            }
            out
        }))
    }

    /// The elements at `indices` converted to `dtype`, with C-like casts as
    /// PyTorch's `to`: floats truncate toward zero into integers, nonzero is true.
    pub(crate) fn convert(
        &self,
        op: &str,
        n: usize,
        indices: impl Iterator<Item = usize>,
        dtype: DType,
    ) -> crate::Result<Storage> {
        use super::alloc::collect;
        with_elements!(self, |d| Ok(match dtype {
            DType::F32 => Storage::F32(collect(op, n, indices.map(|i| d[i].to_f64() as f32))?),
            DType::F64 => Storage::F64(collect(op, n, indices.map(|i| d[i].to_f64()))?),
            DType::I32 => Storage::I32(collect(op, n, indices.map(|i| d[i].to_i64() as i32))?),
            DType::I64 => Storage::I64(collect(op, n, indices.map(|i| d[i].to_i64()))?),
            DType::Bool => Storage::Bool(collect(op, n, indices.map(|i| d[i].to_bool()))?),
        }))
    }
}

/// The elements of `s`, which holds the element type of `_like`.
fn same_type<'a, T: Element>(_like: &[T], s: &'a Storage) -> &'a [T] {
    T::slice(s).expect("parts share one dtype")
}

/// `(storages, bytes)` currently alive in this process, over all threads.
pub fn live_memory() -> (i64, i64) {
    (
        LIVE_STORAGES.load(Ordering::Relaxed),
        LIVE_BYTES.load(Ordering::Relaxed),
    )
}

/// `$body` compiled once per float dtype of `$dtype`, with the type alias `$T`
/// naming the element type; any other dtype gives `ERR_DTYPE` naming `$op`.
macro_rules! float_dispatch {
    ($dtype:expr, $op:expr, $T:ident => $body:expr) => {
        $crate::tensor::dtype::float_dispatch!(@arms $dtype, $op, $T => $body, F32 f32, F64 f64)
    };
    (@arms $dtype:expr, $op:expr, $T:ident => $body:expr, $($variant:ident $t:ty),*) => {
        match $dtype {
            $($crate::tensor::DType::$variant => {
                #[allow(unused_imports)]
                use $crate::tensor::{Element as _, Real as _};
                #[allow(dead_code)]
                type $T = $t;
                $body
            })*
            other => $crate::bail!(
                Dtype,
                "{}: expected a float32 or float64 tensor, got {}",
                $op,
                other
            ),
        }
    };
}
pub(crate) use float_dispatch;
