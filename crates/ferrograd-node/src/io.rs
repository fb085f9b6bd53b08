//! Saving and loading safetensors files, on the calling thread or on libuv's
//! thread pool (`*_async`, returning promises).

use crate::handle::TensorRef;
use crate::tensor::{core_tensors, NativeTensor};
use crate::{IntoJs, Result};
use ferrograd::io::safetensors::{self, Loaded};
use ferrograd::Tensor as CoreTensor;
use napi::bindgen_prelude::AsyncTask;
use napi::{Env, Task};
use napi_derive::napi;
use std::collections::HashMap;
use std::path::PathBuf;

/// The contents of a safetensors file, or the error reading it (async loads
/// resolve with the error, so it keeps its `ERR_*` code; the TS layer throws it).
#[napi(object, object_from_js = false)]
pub struct LoadedFile {
    /// Tensor names, sorted.
    pub names: Vec<String>,
    /// The tensors, in the order of `names`.
    pub tensors: Vec<NativeTensor>,
    /// The header's `__metadata__`.
    pub metadata: HashMap<String, String>,
    /// The `ERR_*` code when loading failed.
    pub error_code: Option<String>,
    /// The message when loading failed.
    pub error_message: Option<String>,
}

fn into_js(env: &Env, loaded: ferrograd::Result<Loaded>) -> Result<LoadedFile> {
    let (names, tensors, metadata, error) = match loaded {
        Ok(l) => {
            let (names, tensors): (Vec<String>, Vec<CoreTensor>) = l.tensors.into_iter().unzip();
            let tensors = tensors
                .into_iter()
                .map(|t| NativeTensor::leaf(env, t))
                .collect::<Result<Vec<_>>>()?;
            (names, tensors, l.metadata, None)
        }
        Err(e) => (Vec::new(), Vec::new(), HashMap::new(), Some(e)),
    };
    Ok(LoadedFile {
        names,
        tensors,
        metadata,
        error_code: error.as_ref().map(|e| e.code.as_str().to_string()),
        error_message: error.as_ref().map(crate::error_fields),
    })
}

/// Reads every tensor of a safetensors file.
#[napi(catch_unwind)]
pub fn load_safetensors(env: Env, path: String) -> Result<LoadedFile> {
    let loaded = safetensors::load(&PathBuf::from(path)).js()?;
    into_js(&env, Ok(loaded))
}

/// Reading a file on the thread pool.
pub struct LoadTask {
    path: PathBuf,
}

impl Task for LoadTask {
    type Output = ferrograd::Result<Loaded>;
    type JsValue = LoadedFile;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        crate::no_panic("loadAsync", || safetensors::load(&self.path))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        into_js(&env, output).map_err(|e| napi::Error::from_reason(e.reason))
    }
}

/// `loadSafetensors` on the thread pool.
#[napi(catch_unwind)]
pub fn load_safetensors_async(path: String) -> AsyncTask<LoadTask> {
    AsyncTask::new(LoadTask {
        path: PathBuf::from(path),
    })
}

fn named(names: Vec<String>, tensors: &[TensorRef]) -> Result<Vec<(String, CoreTensor)>> {
    Ok(names.into_iter().zip(core_tensors(tensors)?).collect())
}

/// Writes tensors to a safetensors file atomically.
#[napi(catch_unwind)]
pub fn save_safetensors(
    path: String,
    names: Vec<String>,
    tensors: Vec<TensorRef>,
    metadata: Option<HashMap<String, String>>,
) -> Result<()> {
    let tensors = named(names, &tensors)?;
    safetensors::save(
        &PathBuf::from(path),
        &tensors,
        &metadata.unwrap_or_default(),
    )
    .js()
}

/// Writing a file on the thread pool. The tensors are shared, not copied: they are
/// read under their storage lock while the file is written.
pub struct SaveTask {
    path: PathBuf,
    tensors: Vec<(String, CoreTensor)>,
    metadata: HashMap<String, String>,
}

impl Task for SaveTask {
    type Output = Option<(String, String)>;
    type JsValue = Option<Vec<String>>;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        crate::no_panic("saveAsync", || {
            safetensors::save(&self.path, &self.tensors, &self.metadata)
                .err()
                .map(|e| (e.code.as_str().to_string(), crate::error_fields(&e)))
        })
    }

    /// `null` on success, `[code, message]` on failure (the TS layer throws it).
    fn resolve(&mut self, _env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        Ok(output.map(|(code, message)| vec![code, message]))
    }
}

/// `saveSafetensors` on the thread pool.
#[napi(catch_unwind)]
pub fn save_safetensors_async(
    path: String,
    names: Vec<String>,
    tensors: Vec<TensorRef>,
    metadata: Option<HashMap<String, String>>,
) -> Result<AsyncTask<SaveTask>> {
    Ok(AsyncTask::new(SaveTask {
        path: PathBuf::from(path),
        tensors: named(names, &tensors)?,
        metadata: metadata.unwrap_or_default(),
    }))
}
