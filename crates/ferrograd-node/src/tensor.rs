//! The native tensor handle, its factories and its data access.

use crate::declare::ops;
use crate::handle::TensorRef;
use crate::{args, external_memory, IntoJs, Result};
use ferrograd::trace::{self, Event};
use ferrograd::{DType, Tensor as CoreTensor};
use napi::bindgen_prelude::{BigInt64Array, Float32Array, Float64Array, Int32Array, Uint8Array};
use napi::Env;
use napi_derive::napi;

/// A handle to a core tensor, passed to JavaScript as an external (`handle.rs`).
/// JavaScript users see the `Tensor` class of the TypeScript layer, which wraps
/// this and calls the `tensor*` functions with it.
pub struct NativeTensor {
    inner: Option<CoreTensor>,
    /// Bytes reported to V8 for this handle, given back when it is freed.
    reported: i64,
}

impl Drop for NativeTensor {
    /// Runs inside garbage collection when V8 frees the handle (see
    /// `module_version.rs`), where no JavaScript may be touched: the storage is
    /// freed and the bytes only recorded.
    fn drop(&mut self) {
        external_memory::record(-self.reported);
    }
}

impl NativeTensor {
    /// Wraps the output of an op on `sources`, reporting its storage to V8 unless
    /// it is a view of one of them (whose handles already report that storage).
    /// Only for outputs that went through the recorder ([`NativeTensor::traced`]):
    /// an op's output wrapped any other way is a constant to `fit`'s replay.
    pub(crate) fn computed(
        env: &Env,
        t: CoreTensor,
        sources: &[&CoreTensor],
    ) -> Result<NativeTensor> {
        let reported = if sources.iter().any(|s| s.shares_storage(&t)) {
            0
        } else {
            t.storage_bytes() as i64
        };
        if reported != 0 {
            external_memory::record_and_flush(env, reported)?;
        }
        Ok(NativeTensor {
            inner: Some(t),
            reported,
        })
    }

    /// Wraps a tensor that no op computed: made from JavaScript data, read from a
    /// file, or held by the core (a gradient, an optimizer's state). A recording
    /// sees it as a constant, which it is.
    pub(crate) fn leaf(env: &Env, t: CoreTensor) -> Result<NativeTensor> {
        NativeTensor::computed(env, t, &[])
    }

    /// Op `f` on `inputs`, recorded when the calling thread records a trace
    /// (`fit.rs`) under the op's public `name`, and wrapped as a new handle.
    pub(crate) fn traced<F>(
        env: &Env,
        name: &'static str,
        inputs: &[&CoreTensor],
        f: F,
    ) -> Result<NativeTensor>
    where
        F: Fn(&[&CoreTensor]) -> ferrograd::Result<CoreTensor> + Send + Sync + 'static,
    {
        let out = trace::op(name, inputs, f).js()?;
        NativeTensor::computed(env, out, inputs)
    }

    /// The core tensor for reading its values out, which a recording notes.
    fn read(&self, op: &str) -> Result<&CoreTensor> {
        let t = self.get()?;
        trace::note(op, Event::Read, t);
        Ok(t)
    }

    /// The core tensor, or `ERR_DISPOSED`.
    pub(crate) fn get(&self) -> Result<&CoreTensor> {
        self.inner.as_ref().ok_or_else(|| {
            crate::js_error(ferrograd::Error::new(
                ferrograd::ErrorCode::Disposed,
                "this tensor was disposed; it can no longer be used",
            ))
        })
    }
}

/// The dimensions.
#[napi(catch_unwind)]
pub fn tensor_shape(tensor: &NativeTensor) -> Result<Vec<f64>> {
    Ok(tensor.get()?.shape().iter().map(|&d| d as f64).collect())
}

/// `float32`, `int64` or `bool`.
#[napi(catch_unwind)]
pub fn tensor_dtype(tensor: &NativeTensor) -> Result<String> {
    Ok(tensor.get()?.dtype().name().to_string())
}

/// True when the elements are packed row-major.
#[napi(catch_unwind)]
pub fn tensor_is_contiguous(tensor: &NativeTensor) -> Result<bool> {
    Ok(tensor.get()?.is_contiguous())
}

/// The float32 elements, row-major (a copy).
#[napi(catch_unwind)]
pub fn tensor_to_float32_array(tensor: &NativeTensor) -> Result<Float32Array> {
    Ok(Float32Array::new(
        tensor.read("toFloat32Array")?.to_vec_f32().js()?,
    ))
}

/// The int64 elements, row-major (a copy).
#[napi(catch_unwind)]
pub fn tensor_to_big_int64_array(tensor: &NativeTensor) -> Result<BigInt64Array> {
    Ok(BigInt64Array::new(
        tensor.read("toBigInt64Array")?.to_vec_i64().js()?,
    ))
}

/// The int32 elements, row-major (a copy).
#[napi(catch_unwind)]
pub fn tensor_to_int32_array(tensor: &NativeTensor) -> Result<Int32Array> {
    let t = tensor.read("toInt32Array")?;
    if t.dtype() != DType::I32 {
        return Err(crate::js_error(ferrograd::Error::new(
            ferrograd::ErrorCode::Dtype,
            format!("toInt32Array: expected an int32 tensor, got {}", t.dtype()),
        )));
    }
    Ok(Int32Array::new(
        t.to_vec_f64().into_iter().map(|v| v as i32).collect(),
    ))
}

ops! {
    #[doc = "The elements converted to `dtype` (this tensor itself when it has it)."]
    fn tensor_to "to" [tensor] (dtype: String as dtype) => tensor.to_dtype(dtype);
    #[doc = "Uniform samples in `[low, high)` from this thread's generator."]
    fn uniform "rand" [] (shape: Vec<f64> as shape, low: f64, high: f64, dtype: String as dtype)
        => ferrograd::random::uniform_of(&shape, low, high, dtype);
    #[doc = "Standard normal samples from this thread's generator."]
    fn randn "randn" [] (shape: Vec<f64> as shape, dtype: String as dtype)
        => ferrograd::random::randn_of(&shape, dtype);
    #[doc = "Integers uniform in `[low, high)`, int64."]
    fn randint "randint" [] (low: f64 as int, high: f64 as int, shape: Vec<f64> as shape)
        => ferrograd::random::randint(low, high, &shape);
}

/// The elements of any dtype as float64, row-major (bools as 0 and 1).
#[napi(catch_unwind)]
pub fn tensor_to_float64_array(tensor: &NativeTensor) -> Result<Float64Array> {
    Ok(Float64Array::new(
        tensor.read("toFloat64Array")?.to_vec_f64(),
    ))
}

/// The value of a one-element tensor.
#[napi(catch_unwind)]
pub fn tensor_item(tensor: &NativeTensor) -> Result<f64> {
    tensor.read("item")?.item().js()
}

/// Frees the native memory now; later use throws `ERR_DISPOSED`.
#[napi(catch_unwind)]
pub fn tensor_dispose(tensor: &mut NativeTensor, env: Env) -> Result<()> {
    tensor.inner = None;
    if tensor.reported != 0 {
        external_memory::record_and_flush(&env, -tensor.reported)?;
        tensor.reported = 0;
    }
    Ok(())
}

/// True after `dispose()`.
#[napi]
pub fn tensor_is_disposed(tensor: &NativeTensor) -> bool {
    tensor.inner.is_none()
}

/// A float32 tensor from packed row-major data.
#[napi(catch_unwind)]
pub fn tensor_from_float32(env: Env, data: Float32Array, shape: Vec<f64>) -> Result<NativeTensor> {
    let shape = args::shape_of("tensor", &shape)?;
    let t = CoreTensor::from_vec(data.to_vec(), &shape).js()?;
    NativeTensor::leaf(&env, t)
}

/// An int64 tensor from packed row-major data.
#[napi(catch_unwind)]
pub fn tensor_from_int64(env: Env, data: BigInt64Array, shape: Vec<f64>) -> Result<NativeTensor> {
    let shape = args::shape_of("tensor", &shape)?;
    let t = CoreTensor::from_vec_i64(data.to_vec(), &shape).js()?;
    NativeTensor::leaf(&env, t)
}

/// A float64 tensor from packed row-major data.
#[napi(catch_unwind)]
pub fn tensor_from_float64(env: Env, data: Float64Array, shape: Vec<f64>) -> Result<NativeTensor> {
    let shape = args::shape_of("tensor", &shape)?;
    let t = CoreTensor::from_data(ferrograd::tensor::Storage::F64(data.to_vec()), &shape).js()?;
    NativeTensor::leaf(&env, t)
}

/// An int32 tensor from packed row-major data.
#[napi(catch_unwind)]
pub fn tensor_from_int32(env: Env, data: Int32Array, shape: Vec<f64>) -> Result<NativeTensor> {
    let shape = args::shape_of("tensor", &shape)?;
    let t = CoreTensor::from_data(ferrograd::tensor::Storage::I32(data.to_vec()), &shape).js()?;
    NativeTensor::leaf(&env, t)
}

/// A bool tensor from packed row-major bytes (nonzero is true).
#[napi(catch_unwind)]
pub fn tensor_from_bool(env: Env, data: Uint8Array, shape: Vec<f64>) -> Result<NativeTensor> {
    let shape = args::shape_of("tensor", &shape)?;
    let t = CoreTensor::from_vec_bool(data.iter().map(|&b| b != 0).collect(), &shape).js()?;
    NativeTensor::leaf(&env, t)
}

/// A tensor of `shape` and `dtype` (`float32` when absent) filled with `value`.
#[napi(catch_unwind)]
pub fn full(env: Env, shape: Vec<f64>, value: f64, dtype: Option<String>) -> Result<NativeTensor> {
    let shape = args::shape_of("full", &shape)?;
    let dtype = match dtype {
        Some(d) => DType::parse(&d).js()?,
        None => DType::F32,
    };
    let t = CoreTensor::full_dtype(&shape, value, dtype).js()?;
    NativeTensor::leaf(&env, t)
}

/// A random permutation of `0..n` as int64, from this thread's generator.
#[napi(catch_unwind)]
pub fn randperm(env: Env, n: f64, seed: Option<f64>) -> Result<NativeTensor> {
    let n = args::size("randperm", "n", n)?;
    let seed = seed
        .map(|s| args::size("randperm", "seed", s).map(|s| s as u64))
        .transpose()?;
    NativeTensor::traced(&env, "randperm", &[], move |_| {
        let p = match seed {
            Some(s) => ferrograd::random::randperm_seeded(n, s),
            None => ferrograd::random::randperm(n),
        }?;
        CoreTensor::from_vec_i64(p.into_iter().map(|i| i as i64).collect(), &[n])
    })
}

/// The tensors of `t` as owned handles (references to the same data).
fn owned(t: &[&CoreTensor]) -> Vec<CoreTensor> {
    t.iter().map(|&t| t.clone()).collect()
}

/// Tensors of the list, validated as live handles.
pub(crate) fn core_tensors(tensors: &[TensorRef]) -> Result<Vec<CoreTensor>> {
    tensors.iter().map(|t| t.get().cloned()).collect()
}

/// `join(tensors, dim)` (`cat` or `stack`) on a list of tensors, recorded.
fn joined(
    env: &Env,
    op: &'static str,
    tensors: &[TensorRef],
    dim: f64,
    join: fn(&[CoreTensor], i64) -> ferrograd::Result<CoreTensor>,
) -> Result<NativeTensor> {
    let dim = args::int(op, "dim", dim)?;
    let inputs = tensors
        .iter()
        .map(|t| t.get())
        .collect::<Result<Vec<_>>>()?;
    NativeTensor::traced(env, op, &inputs, move |t| join(&owned(t), dim))
}

/// Joins tensors along an existing dimension.
#[napi(catch_unwind)]
pub fn cat(env: Env, tensors: Vec<TensorRef>, dim: f64) -> Result<NativeTensor> {
    joined(&env, "cat", &tensors, dim, CoreTensor::cat)
}

/// Joins same-shaped tensors along a new dimension.
#[napi(catch_unwind)]
pub fn stack(env: Env, tensors: Vec<TensorRef>, dim: f64) -> Result<NativeTensor> {
    joined(&env, "stack", &tensors, dim, CoreTensor::stack)
}

/// `cond ? a : b` elementwise with broadcasting.
#[napi(js_name = "where", catch_unwind)]
pub fn where_cond(
    env: Env,
    cond: &NativeTensor,
    a: &NativeTensor,
    b: &NativeTensor,
) -> Result<NativeTensor> {
    let inputs = [cond.get()?, a.get()?, b.get()?];
    NativeTensor::traced(&env, "where", &inputs, |t| {
        CoreTensor::where_cond(t[0], t[1], t[2])
    })
}

/// `start, start + step, ...` below `end`, float32 or int64.
#[napi(catch_unwind)]
pub fn arange(env: Env, start: f64, end: f64, step: f64, dtype: String) -> Result<NativeTensor> {
    let t = CoreTensor::arange(start, end, step, DType::parse(&dtype).js()?).js()?;
    NativeTensor::leaf(&env, t)
}

/// `steps` evenly spaced values from `start` to `end`.
#[napi(catch_unwind)]
pub fn linspace(env: Env, start: f64, end: f64, steps: f64, dtype: String) -> Result<NativeTensor> {
    let steps = args::size("linspace", "steps", steps)?;
    let dtype = DType::parse(&dtype).js()?;
    let t = CoreTensor::linspace_of(start, end, steps, dtype).js()?;
    NativeTensor::leaf(&env, t)
}

/// The `n x m` identity.
#[napi(catch_unwind)]
pub fn eye(env: Env, n: f64, m: f64) -> Result<NativeTensor> {
    let (n, m) = (args::size("eye", "n", n)?, args::size("eye", "m", m)?);
    let t = CoreTensor::eye(n, m).js()?;
    NativeTensor::leaf(&env, t)
}
