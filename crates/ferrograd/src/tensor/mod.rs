//! The tensor: a shared storage plus a layout, and the autograd fields of a node in
//! the define-by-run graph. Cloning a [`Tensor`] clones a reference (as a Python
//! variable does), never the data.

pub mod dtype;
pub mod shape;

/// Buffers checked against the memory the process may use (a kernel-level
/// module, re-exported here where the tensor layer has always reached it).
pub use crate::kernels::alloc;
use crate::kernels::cache;
pub use crate::kernels::float::Real;
pub use crate::kernels::layout::Layout;
pub(crate) use dtype::float_dispatch;
use dtype::Buffer;
pub use dtype::{live_memory, DType, Element, Storage};

/// A float element type as the tensor layer uses it: the maths of [`Real`] and
/// the storage access of [`Element`], for float32 and float64.
pub trait Float: Real + Element {}

impl<T: Real + Element> Float for T {}

use crate::autograd::Node;
use crate::{bail, Result};
use shape::{checked_numel, fmt_shape};
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

static NEXT_ID: AtomicU64 = AtomicU64::new(1);
static LIVE_TENSORS: AtomicI64 = AtomicI64::new(0);

/// An n-dimensional array with optional gradient tracking.
#[derive(Clone)]
pub struct Tensor(Arc<Inner>);

struct Inner {
    id: u64,
    storage: Arc<RwLock<Buffer>>,
    layout: Layout,
    requires_grad: AtomicBool,
    /// How this tensor was computed; `None` for leaves.
    grad_fn: Option<Arc<Node>>,
    /// The accumulated gradient of a leaf (or of a non-leaf that retains it).
    grad: Mutex<Option<Tensor>>,
    retains_grad: AtomicBool,
}

impl Drop for Inner {
    fn drop(&mut self) {
        LIVE_TENSORS.fetch_sub(1, Ordering::Relaxed);
        // Dropping a node drops its inputs, whose nodes drop their inputs, ...: done
        // recursively, a graph of 60,000 ops (a running `total = total.add(loss)`)
        // overflows the stack. Unlink the nodes this tensor was the last owner of
        // onto a heap stack instead, as PyTorch's deleteNode does.
        let Some(node) = self.grad_fn.take() else {
            return;
        };
        let mut pending = vec![node];
        while let Some(node) = pending.pop() {
            for input in Node::into_inputs(node) {
                if let Ok(mut inner) = Arc::try_unwrap(input.0) {
                    pending.extend(inner.grad_fn.take());
                }
            }
        }
    }
}

/// `{ tensors, bytes }` of live native tensors and their storages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryStats {
    /// Live tensor objects (views included).
    pub tensors: i64,
    /// Bytes held by live storages (shared storage counted once).
    pub bytes: i64,
    /// Bytes of freed storages kept for reuse (see [`empty_cache`]).
    pub cached: i64,
}

/// Memory held by the core in this process, over all threads.
pub fn memory() -> MemoryStats {
    MemoryStats {
        tensors: LIVE_TENSORS.load(Ordering::Relaxed),
        bytes: live_memory().1,
        cached: cache::cached_bytes() as i64,
    }
}

/// Frees the storages kept for reuse (large buffers of dropped tensors, kept so
/// that the next tensors of their size need no fresh memory), as PyTorch's
/// `torch.cuda.empty_cache()`. Returns the bytes given back.
pub fn empty_cache() -> usize {
    cache::empty()
}

fn read(s: &RwLock<Buffer>) -> RwLockReadGuard<'_, Buffer> {
    // A panic while a lock was held cannot leave a buffer half-typed (writers only
    // store floats), so a poisoned lock is still safe to read.
    s.read().unwrap_or_else(|e| e.into_inner())
}

fn write(s: &RwLock<Buffer>) -> RwLockWriteGuard<'_, Buffer> {
    s.write().unwrap_or_else(|e| e.into_inner())
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Tensor {
    /// Wraps a storage and a layout into a new leaf tensor.
    pub(crate) fn from_parts(storage: Arc<RwLock<Buffer>>, layout: Layout) -> Tensor {
        LIVE_TENSORS.fetch_add(1, Ordering::Relaxed);
        Tensor(Arc::new(Inner {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            storage,
            layout,
            requires_grad: AtomicBool::new(false),
            grad_fn: None,
            grad: Mutex::new(None),
            retains_grad: AtomicBool::new(false),
        }))
    }

    /// A new tensor owning `storage` laid out as `layout`, which must cover
    /// exactly its elements.
    pub(crate) fn from_storage_as(storage: Storage, layout: Layout) -> Tensor {
        debug_assert_eq!(layout.dense_range(), Some(0..storage.len()));
        Tensor::from_parts(Arc::new(RwLock::new(Buffer::new(storage))), layout)
    }

    /// A new contiguous tensor owning `storage`; `shape` must match its length.
    pub(crate) fn from_storage(storage: Storage, shape: &[usize]) -> Tensor {
        debug_assert_eq!(storage.len(), shape.iter().product::<usize>());
        Tensor::from_parts(
            Arc::new(RwLock::new(Buffer::new(storage))),
            Layout::contiguous(shape),
        )
    }

    /// The storage's version: bumped by every in-place write, so backward can tell
    /// that a value it saved has changed since the forward pass.
    pub(crate) fn version(&self) -> u64 {
        read(&self.0.storage).version()
    }

    /// A tensor owning `storage`, which must hold exactly `shape`'s element count.
    pub fn from_data(storage: Storage, shape: &[usize]) -> Result<Tensor> {
        let n = checked_numel("tensor", shape)?;
        if n != storage.len() {
            bail!(
                Shape,
                "tensor: {} values cannot fill shape {} ({n} elements)",
                storage.len(),
                fmt_shape(shape)
            );
        }
        Ok(Tensor::from_storage(storage, shape))
    }

    /// A float32 tensor from row-major data; `ERR_SHAPE` when the sizes disagree.
    pub fn from_vec(data: Vec<f32>, shape: &[usize]) -> Result<Tensor> {
        Tensor::from_data(Storage::F32(data), shape)
    }

    /// An int64 tensor from row-major data; `ERR_SHAPE` when the sizes disagree.
    pub fn from_vec_i64(data: Vec<i64>, shape: &[usize]) -> Result<Tensor> {
        Tensor::from_data(Storage::I64(data), shape)
    }

    /// A bool tensor from row-major data; `ERR_SHAPE` when the sizes disagree.
    pub fn from_vec_bool(data: Vec<bool>, shape: &[usize]) -> Result<Tensor> {
        Tensor::from_data(Storage::Bool(data), shape)
    }

    /// A tensor of `shape` and `dtype` filled with `value` (which must be an integer
    /// for int64; for bool, nonzero is true).
    pub fn full_dtype(shape: &[usize], value: f64, dtype: DType) -> Result<Tensor> {
        let n = checked_numel("full", shape)?;
        let storage = match dtype {
            DType::F32 => Storage::F32(alloc::filled("full", n, value as f32)?),
            DType::I64 => {
                if !(value.is_finite() && value.fract() == 0.0 && value.abs() <= i64::MAX as f64) {
                    bail!(Arg, "full: an int64 tensor cannot hold {value}");
                }
                Storage::I64(alloc::filled("full", n, value as i64)?)
            }
            DType::F64 => Storage::F64(alloc::filled("full", n, value)?),
            DType::I32 => {
                if !(value.fract() == 0.0 && (i32::MIN as f64..=i32::MAX as f64).contains(&value)) {
                    bail!(Arg, "full: an int32 tensor cannot hold {value}");
                }
                Storage::I32(alloc::filled("full", n, value as i32)?)
            }
            DType::Bool => Storage::Bool(alloc::filled("full", n, value != 0.0)?),
        };
        Ok(Tensor::from_storage(storage, shape))
    }

    /// A float32 tensor of `shape` filled with `value`.
    pub fn full(shape: &[usize], value: f32) -> Result<Tensor> {
        Tensor::full_dtype(shape, value as f64, DType::F32)
    }

    /// A float32 tensor of zeros.
    pub fn zeros(shape: &[usize]) -> Result<Tensor> {
        Tensor::full(shape, 0.0)
    }

    /// A float32 tensor of ones.
    pub fn ones(shape: &[usize]) -> Result<Tensor> {
        Tensor::full(shape, 1.0)
    }

    /// A 0-d float32 tensor.
    pub fn scalar(value: f32) -> Tensor {
        Tensor::from_storage(Storage::F32(vec![value]), &[])
    }

    /// A float32 tensor of zeros shaped like `self`.
    pub fn zeros_like(&self) -> Result<Tensor> {
        Tensor::zeros(self.shape())
    }

    /// A process-unique identity of this tensor object (not of its storage).
    pub fn id(&self) -> u64 {
        self.0.id
    }

    /// The dimensions.
    pub fn shape(&self) -> &[usize] {
        self.0.layout.shape()
    }

    /// Number of dimensions.
    pub fn ndim(&self) -> usize {
        self.0.layout.ndim()
    }

    /// Number of elements.
    pub fn numel(&self) -> usize {
        self.0.layout.numel()
    }

    /// Shape, strides and offset.
    pub fn layout(&self) -> &Layout {
        &self.0.layout
    }

    /// The element type.
    pub fn dtype(&self) -> DType {
        read(&self.0.storage).data.dtype()
    }

    /// True when the elements are packed in row-major order.
    pub fn is_contiguous(&self) -> bool {
        self.0.layout.is_contiguous()
    }

    /// Bytes of the storage under this tensor (shared by its views).
    pub fn storage_bytes(&self) -> usize {
        read(&self.0.storage).data.bytes()
    }

    /// True when this tensor and `other` share one storage.
    pub fn shares_storage(&self, other: &Tensor) -> bool {
        Arc::ptr_eq(&self.0.storage, &other.0.storage)
    }

    /// True when no other tensor refers to this tensor's storage.
    pub fn owns_storage(&self) -> bool {
        Arc::strong_count(&self.0.storage) == 1
    }

    /// A view with another layout over the same storage, as a new leaf.
    pub(crate) fn view_with(&self, layout: Layout) -> Tensor {
        Tensor::from_parts(self.0.storage.clone(), layout)
    }

    // ---- autograd fields -------------------------------------------------------

    /// True when gradients flow to or through this tensor.
    pub fn requires_grad(&self) -> bool {
        self.0.grad_fn.is_some() || self.0.requires_grad.load(Ordering::Relaxed)
    }

    /// True for tensors created by the user rather than by a recorded op.
    pub fn is_leaf(&self) -> bool {
        self.0.grad_fn.is_none()
    }

    /// Turns gradient tracking on or off for a leaf (PyTorch's `requires_grad_`).
    pub fn set_requires_grad(&self, flag: bool) -> Result<()> {
        if !self.is_leaf() {
            bail!(
                Grad,
                "requiresGrad_: only leaf tensors can change requiresGrad; use detach() to get a leaf from a computed tensor"
            );
        }
        if flag && !matches!(self.dtype(), DType::F32 | DType::F64) {
            bail!(
                Dtype,
                "requiresGrad_: only float tensors (float32, float64) can require gradients, not {}",
                self.dtype()
            );
        }
        self.0.requires_grad.store(flag, Ordering::Relaxed);
        Ok(())
    }

    /// Asks `backward()` to fill `.grad` of this non-leaf tensor too.
    pub fn retain_grad(&self) {
        self.0.retains_grad.store(true, Ordering::Relaxed);
    }

    pub(crate) fn retains_grad(&self) -> bool {
        self.is_leaf() || self.0.retains_grad.load(Ordering::Relaxed)
    }

    /// The accumulated gradient, if `backward()` has produced one.
    pub fn grad(&self) -> Option<Tensor> {
        lock(&self.0.grad).clone()
    }

    /// Replaces the gradient (`None` clears it, as `zero_grad(set_to_none=True)`).
    pub fn set_grad(&self, grad: Option<Tensor>) -> Result<()> {
        let grad = match grad {
            // A gradient that is this tensor's own data would alias (the optimizer
            // would read and write one buffer) or, for `self`, form a cycle.
            Some(g) if g.shares_storage(self) => Some(g.detach().copy()?),
            other => other,
        };
        if let Some(g) = &grad {
            if g.dtype() != self.dtype() {
                bail!(
                    Dtype,
                    "grad: a gradient must have the tensor's dtype {}, got {}",
                    self.dtype(),
                    g.dtype()
                );
            }
            if g.shape() != self.shape() {
                bail!(
                    Shape,
                    "grad: assigned gradient has shape {} but the tensor has shape {}",
                    fmt_shape(g.shape()),
                    fmt_shape(self.shape())
                );
            }
        }
        *lock(&self.0.grad) = grad;
        Ok(())
    }

    /// Adds `g` to the stored gradient (or stores it when there is none).
    pub(crate) fn accumulate_grad(&self, g: Tensor) -> Result<()> {
        let mut slot = lock(&self.0.grad);
        *slot = Some(match slot.take() {
            Some(old) => old.add(&g)?,
            // Kept as is only when nothing else can see it: backward rules hand the
            // same tensor to several inputs (add), and two leaves must never share
            // one gradient buffer that an in-place update would then change twice.
            None if Arc::strong_count(&g.0) == 1 && g.owns_storage() && g.is_contiguous() => g,
            // Keep the stored gradient independent of any buffer the graph may reuse.
            None => g.copy()?,
        });
        Ok(())
    }

    pub(crate) fn grad_fn(&self) -> Option<&Arc<Node>> {
        self.0.grad_fn.as_ref()
    }

    /// Name of the op that produced this tensor (`None` for leaves).
    pub fn grad_fn_name(&self) -> Option<&'static str> {
        self.0.grad_fn.as_ref().map(|n| n.name())
    }

    /// Attaches a freshly made graph node; only called on a tensor just created.
    pub(crate) fn with_grad_fn(mut self, node: Arc<Node>) -> Tensor {
        match Arc::get_mut(&mut self.0) {
            Some(inner) => inner.grad_fn = Some(node),
            None => unreachable!("with_grad_fn is only called on a tensor nobody else holds"),
        }
        self
    }

    /// The same data as a new leaf that does not require grad.
    pub fn detach(&self) -> Tensor {
        self.view_with(self.0.layout.clone())
    }

    // ---- element access ----------------------------------------------------------

    /// Runs `f` on the elements of type `T` and this tensor's layout.
    pub(crate) fn with_data<T: Element, R>(
        &self,
        op: &str,
        f: impl FnOnce(&[T], &Layout) -> R,
    ) -> Result<R> {
        let s = read(&self.0.storage);
        match T::slice(&s.data) {
            Some(v) => Ok(f(v, &self.0.layout)),
            None => bail!(
                Dtype,
                "{op}: expected a {} tensor, got {}",
                T::DTYPE,
                s.data.dtype()
            ),
        }
    }

    /// Runs `f` on the elements in row-major order, borrowing when contiguous and
    /// gathering into a temporary buffer otherwise.
    pub(crate) fn with_contiguous<T: Element, R>(
        &self,
        op: &str,
        f: impl FnOnce(&[T]) -> R,
    ) -> Result<R> {
        self.with_data(op, |data: &[T], layout| {
            Ok(f(&crate::kernels::layout::packed(op, data, layout)?))
        })?
    }

    /// Mutates the elements of type `T` in place; the tensor must be
    /// contiguous.
    pub(crate) fn with_data_mut<T: Element, R>(
        &self,
        op: &str,
        f: impl FnOnce(&mut [T]) -> R,
    ) -> Result<R> {
        let Some(range) = self.0.layout.contiguous_range() else {
            bail!(Arg, "{op}: in-place update needs a contiguous tensor");
        };
        let mut s = write(&self.0.storage);
        s.bump_version();
        let dtype = s.data.dtype();
        match T::slice_mut(&mut s.data) {
            Some(v) => Ok(f(&mut v[range])),
            None => bail!(Dtype, "{op}: expected a {} tensor, got {dtype}", T::DTYPE),
        }
    }

    /// Runs `f` on the raw storage and layout, whatever the dtype.
    pub(crate) fn with_storage<R>(&self, f: impl FnOnce(&Storage, &Layout) -> R) -> R {
        f(&read(&self.0.storage).data, &self.0.layout)
    }

    /// Runs `f` on the raw storages and layouts of `tensors` together, each
    /// storage read-locked once however many of the tensors share it.
    pub(crate) fn with_storages<R>(
        tensors: &[Tensor],
        f: impl FnOnce(&[(&Storage, &Layout)]) -> R,
    ) -> R {
        let mut locks: Vec<(*const RwLock<Buffer>, RwLockReadGuard<'_, Buffer>)> = Vec::new();
        for t in tensors {
            let p = Arc::as_ptr(&t.0.storage);
            if !locks.iter().any(|(q, _)| *q == p) {
                locks.push((p, read(&t.0.storage)));
            }
        }
        let views: Vec<(&Storage, &Layout)> = tensors
            .iter()
            .map(|t| {
                let p = Arc::as_ptr(&t.0.storage);
                let (_, guard) = locks.iter().find(|(q, _)| *q == p).expect("locked above");
                (&guard.data, &t.0.layout)
            })
            .collect();
        f(&views)
    }

    /// The float32 elements in row-major order.
    pub fn to_vec_f32(&self) -> Result<Vec<f32>> {
        self.with_data("toFloat32Array", |d: &[f32], l| {
            match l.contiguous_range() {
                Some(r) => d[r].to_vec(),
                None => l.indices().map(|i| d[i]).collect(),
            }
        })
    }

    /// The int64 elements in row-major order.
    pub fn to_vec_i64(&self) -> Result<Vec<i64>> {
        self.with_storage(|s, l| match s {
            Storage::I64(d) => Ok(l.indices().map(|i| d[i]).collect()),
            other => bail!(
                Dtype,
                "toBigInt64Array: expected an int64 tensor, got {}",
                other.dtype()
            ),
        })
    }

    /// The elements of any dtype as f64, row-major (bools as 0 and 1).
    pub fn to_vec_f64(&self) -> Vec<f64> {
        self.with_storage(|s, l| {
            dtype::with_elements!(s, |d| l.indices().map(|i| d[i].to_f64()).collect())
        })
    }

    /// The single value of a one-element tensor.
    pub fn item(&self) -> Result<f64> {
        if self.numel() != 1 {
            bail!(
                Shape,
                "item: only a tensor with one element can be converted to a number, this one has shape {} ({} elements)",
                fmt_shape(self.shape()),
                self.numel()
            );
        }
        Ok(self.to_vec_f64()[0])
    }
}

impl fmt::Debug for Tensor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Tensor(shape={}, dtype={}, requires_grad={})",
            fmt_shape(self.shape()),
            self.dtype(),
            self.requires_grad()
        )
    }
}
