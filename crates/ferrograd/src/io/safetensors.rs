//! The safetensors format (the one PyTorch users share weights in), through the
//! reference `safetensors` crate: it validates the header, the offsets (in range,
//! contiguous, no overlap, every byte used) and that each shape matches its byte
//! count before any tensor is built.
//!
//! Types ferrograd has no exact counterpart for are widened without loss: half
//! floats (`F16`, `BF16`) to float32, small integers (`U8 I8 U16 I16`) to int32,
//! `U32` to int64.

use crate::tensor::{alloc, DType, Element, Storage, Tensor};
use crate::{bail, Error, ErrorCode, Result};
use safetensors::tensor::{Dtype, SafeTensors, TensorView, View};
use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;

/// Tensors by name, in the file's order, and the file's `__metadata__`.
#[derive(Debug, Default)]
pub struct Loaded {
    /// `(name, tensor)` pairs sorted by name, as the format stores them.
    pub tensors: Vec<(String, Tensor)>,
    /// The string-to-string metadata of the header (empty when absent).
    pub metadata: HashMap<String, String>,
}

fn format_error(path: &Path, problem: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorCode::Format,
        format!(
            "load: {} is not a valid safetensors file: {problem}",
            path.display()
        ),
    )
}

fn io_error(op: &str, path: &Path, e: std::io::Error) -> Error {
    Error::new(
        ErrorCode::Io,
        format!("{op}: cannot access {}: {e}", path.display()),
    )
}

/// Reads every tensor of a safetensors file.
pub fn load(path: &Path) -> Result<Loaded> {
    let size = std::fs::metadata(path)
        .map_err(|e| io_error("load", path, e))?
        .len();
    alloc::check_bytes("load", size as u128)?;
    let bytes = std::fs::read(path).map_err(|e| io_error("load", path, e))?;
    parse(&bytes).map_err(|e| match e.code {
        ErrorCode::Format => format_error(path, e.message),
        _ => e,
    })
}

/// Parses a whole safetensors file held in memory. Errors are `ERR_FORMAT` with
/// the problem alone; [`load`] adds the file name.
pub fn parse(bytes: &[u8]) -> Result<Loaded> {
    let bad = |e: safetensors::SafeTensorError| Error::new(ErrorCode::Format, e.to_string());
    let (_, header) = SafeTensors::read_metadata(bytes).map_err(bad)?;
    let file = SafeTensors::deserialize(bytes).map_err(bad)?;
    let mut tensors = Vec::new();
    for (name, view) in file.iter() {
        let t = tensor_of(&view)
            .map_err(|e| Error::new(e.code, format!("tensor '{name}': {}", e.message)))?;
        tensors.push((name.to_string(), t));
    }
    tensors.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(Loaded {
        tensors,
        metadata: header
            .metadata()
            .iter()
            .flatten()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    })
}

/// Little-endian fixed-size values of `data`, converted by `f` (the data may be
/// unaligned, so it is read bytewise).
fn decode<const N: usize, T: 'static>(data: &[u8], f: impl Fn([u8; N]) -> T) -> Result<Vec<T>> {
    let chunks = data.chunks_exact(N);
    alloc::collect(
        "load",
        chunks.len(),
        chunks.map(|c| f(c.try_into().expect("chunks of N bytes"))),
    )
}

fn tensor_of(view: &TensorView<'_>) -> Result<Tensor> {
    let d = view.data();
    let storage = match view.dtype() {
        Dtype::F32 => Storage::F32(decode(d, f32::from_le_bytes)?),
        Dtype::F64 => Storage::F64(decode(d, f64::from_le_bytes)?),
        Dtype::F16 => Storage::F32(decode(d, |b| half::f16::from_le_bytes(b).to_f32())?),
        Dtype::BF16 => Storage::F32(decode(d, |b| half::bf16::from_le_bytes(b).to_f32())?),
        Dtype::I64 => Storage::I64(decode(d, i64::from_le_bytes)?),
        Dtype::U32 => Storage::I64(decode(d, |b| u32::from_le_bytes(b) as i64)?),
        Dtype::I32 => Storage::I32(decode(d, i32::from_le_bytes)?),
        Dtype::U16 => Storage::I32(decode(d, |b| u16::from_le_bytes(b) as i32)?),
        Dtype::I16 => Storage::I32(decode(d, |b| i16::from_le_bytes(b) as i32)?),
        Dtype::U8 => Storage::I32(decode(d, |[b]: [u8; 1]| b as i32)?),
        Dtype::I8 => Storage::I32(decode(d, |[b]: [u8; 1]| b as i8 as i32)?),
        Dtype::BOOL => {
            if let Some(bad) = d.iter().find(|&&b| b > 1) {
                bail!(Format, "BOOL element with byte value {bad} (must be 0 or 1)");
            }
            Storage::Bool(decode(d, |[b]: [u8; 1]| b == 1)?)
        }
        other => bail!(
            Format,
            "dtype {other:?} is not supported (supported: F64 F32 F16 BF16 I64 U32 I32 U16 I16 U8 I8 BOOL)"
        ),
    };
    Tensor::from_data(storage, view.shape())
}

/// A tensor's bytes as the format stores them: packed row-major, little-endian.
struct Bytes {
    dtype: Dtype,
    shape: Vec<usize>,
    data: Vec<u8>,
}

impl View for &Bytes {
    fn dtype(&self) -> Dtype {
        self.dtype
    }
    fn shape(&self) -> &[usize] {
        &self.shape
    }
    fn data(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.data)
    }
    fn data_len(&self) -> usize {
        self.data.len()
    }
}

fn encode<T: Element, const N: usize>(t: &Tensor, f: impl Fn(T) -> [u8; N]) -> Result<Vec<u8>> {
    let out = t.with_data("save", |d: &[T], l| {
        let mut out = alloc::with_capacity("save", l.numel() * N)?;
        for i in l.indices() {
            out.extend_from_slice(&f(d[i]));
        }
        Ok::<_, Error>(out)
    })??;
    Ok(out)
}

fn bytes_of(t: &Tensor) -> Result<Bytes> {
    let (dtype, data) = match t.dtype() {
        DType::F32 => (Dtype::F32, encode(t, f32::to_le_bytes)?),
        DType::F64 => (Dtype::F64, encode(t, f64::to_le_bytes)?),
        DType::I32 => (Dtype::I32, encode(t, i32::to_le_bytes)?),
        DType::I64 => (Dtype::I64, encode(t, i64::to_le_bytes)?),
        DType::Bool => (Dtype::BOOL, encode(t, |b: bool| [b as u8])?),
    };
    Ok(Bytes {
        dtype,
        shape: t.shape().to_vec(),
        data,
    })
}

/// The complete file contents for `tensors` and `metadata`.
pub fn serialize(
    tensors: &[(String, Tensor)],
    metadata: &HashMap<String, String>,
) -> Result<Vec<u8>> {
    let mut seen = std::collections::HashSet::new();
    for (name, _) in tensors {
        if !seen.insert(name.as_str()) {
            bail!(Arg, "save: the name '{name}' is given twice");
        }
    }
    let views: Vec<(String, Bytes)> = tensors
        .iter()
        .map(|(n, t)| Ok((n.clone(), bytes_of(t)?)))
        .collect::<Result<_>>()?;
    let info = (!metadata.is_empty()).then(|| {
        metadata
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    });
    safetensors::serialize(views.iter().map(|(n, b)| (n.as_str(), b)), info)
        .map_err(|e| Error::new(ErrorCode::Arg, format!("save: {e}")))
}

/// Writes `tensors` to `path` atomically: into a temporary file beside it, flushed
/// to disk, then renamed over `path`, so a crash leaves the old file or the new
/// one, never half of one.
pub fn save(
    path: &Path,
    tensors: &[(String, Tensor)],
    metadata: &HashMap<String, String>,
) -> Result<()> {
    let bytes = serialize(tensors, metadata)?;
    write_atomically(path, &bytes)
}

/// Writes `bytes` to a temporary file in `path`'s folder and renames it into place.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path.file_name().ok_or_else(|| {
        Error::new(
            ErrorCode::Arg,
            format!("save: '{}' names no file", path.display()),
        )
    })?;
    // Unique per process and call; not from the seeded generator, whose stream
    // must not depend on whether the program saved a file.
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let tmp = dir.join(format!(
        ".{}.{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id(),
        COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(io_error("save", path, e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(tensors: &[(String, Tensor)]) -> Loaded {
        let mut meta = HashMap::new();
        meta.insert("format".to_string(), "pt".to_string());
        let bytes = serialize(tensors, &meta).unwrap();
        let back = parse(&bytes).unwrap();
        assert_eq!(back.metadata, meta);
        back
    }

    #[test]
    fn every_dtype_round_trips_and_views_are_packed() {
        let x = Tensor::from_vec(vec![1.5, -2.0, 3.25, 4.0, 5.0, 6.0], &[2, 3]).unwrap();
        let tensors = vec![
            ("w".to_string(), x.t().unwrap()),
            ("d".to_string(), x.to_dtype(DType::F64).unwrap()),
            ("i".to_string(), x.to_dtype(DType::I32).unwrap()),
            ("l".to_string(), x.to_dtype(DType::I64).unwrap()),
            ("b".to_string(), x.to_dtype(DType::Bool).unwrap()),
            ("empty".to_string(), Tensor::zeros(&[0, 4]).unwrap()),
            ("scalar".to_string(), Tensor::scalar(7.0)),
        ];
        let back = roundtrip(&tensors);
        let names: Vec<&str> = back.tensors.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["b", "d", "empty", "i", "l", "scalar", "w"]);
        for (name, t) in &tensors {
            let (_, got) = back.tensors.iter().find(|(n, _)| n == name).unwrap();
            assert_eq!(got.dtype(), t.dtype(), "{name}");
            assert_eq!(got.shape(), t.shape(), "{name}");
            assert_eq!(got.to_vec_f64(), t.to_vec_f64(), "{name}");
        }
    }

    #[test]
    fn damaged_files_are_format_errors() {
        let t = vec![("a".to_string(), Tensor::ones(&[4]).unwrap())];
        let good = serialize(&t, &HashMap::new()).unwrap();
        let code = |b: &[u8]| parse(b).unwrap_err().code;
        // Truncated data, truncated header, nothing at all.
        assert_eq!(code(&good[..good.len() - 1]), ErrorCode::Format);
        assert_eq!(code(&good[..12]), ErrorCode::Format);
        assert_eq!(code(&[]), ErrorCode::Format);
        // A header length beyond the file (and absurdly large): no allocation.
        let mut huge = good.clone();
        huge[..8].copy_from_slice(&u64::MAX.to_le_bytes());
        assert_eq!(code(&huge), ErrorCode::Format);
        // Shape and byte count disagree; unknown dtype; offsets out of range.
        let header_len = u64::from_le_bytes(good[..8].try_into().unwrap()) as usize;
        let header = std::str::from_utf8(&good[8..8 + header_len]).unwrap();
        let with = |h: String| {
            let mut b = (h.len() as u64).to_le_bytes().to_vec();
            b.extend(h.as_bytes());
            b.extend(&good[8 + header_len..]);
            b
        };
        assert_eq!(code(&with(header.replace("[4]", "[5]"))), ErrorCode::Format);
        assert_eq!(code(&with(header.replace("F32", "X99"))), ErrorCode::Format);
        assert_eq!(
            code(&with(header.replace("[0,16]", "[0,32]"))),
            ErrorCode::Format
        );
        let e = parse(&with(
            header.replace("F32", "F8_E4M3").replace("[4]", "[16]"),
        ))
        .unwrap_err();
        assert!(e.message.contains("not supported"), "{}", e.message);
    }

    #[test]
    fn half_floats_widen_to_float32() {
        let h = Bytes {
            dtype: Dtype::F16,
            shape: vec![2],
            data: [half::f16::from_f32(1.5), half::f16::from_f32(-0.25)]
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect(),
        };
        let bytes = safetensors::serialize([("h", &h)], None).unwrap();
        let back = parse(&bytes).unwrap();
        let t = &back.tensors[0].1;
        assert_eq!((t.dtype(), t.to_vec_f64()), (DType::F32, vec![1.5, -0.25]));
    }
}
