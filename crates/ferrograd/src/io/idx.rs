//! The IDX format of the MNIST files (raw or gzip-compressed): a magic number
//! (two zero bytes, an element-type code, the number of dimensions), the
//! dimensions as big-endian u32, then the elements, big-endian.
//!
//! Sizes are checked against the data before anything is allocated for it, and a
//! compressed file is decompressed only as far as its header promises (plus one
//! byte, to notice trailing data), so a lying header cannot cause a huge allocation.

use crate::tensor::{alloc, Storage, Tensor};
use crate::{Error, ErrorCode, Result};
use std::io::Read;
use std::path::Path;

fn bad(path: &Path, problem: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorCode::Format,
        format!(
            "readIdx: {} is not a valid IDX file: {problem}",
            path.display()
        ),
    )
}

/// Reads an IDX file. `u8`, `i8`, `i16` and `i32` elements become int32, `f32`
/// float32 and `f64` float64.
pub fn read_idx(path: &Path) -> Result<Tensor> {
    let file = super::open_file("readIdx", path)?;
    let mut head = [0u8; 2];
    let mut reader = std::io::BufReader::new(file);
    let gz = {
        use std::io::BufRead;
        let buf = reader.fill_buf().map_err(|e| bad(path, e))?;
        if buf.len() >= 2 {
            head.copy_from_slice(&buf[..2]);
        }
        head == [0x1f, 0x8b]
    };
    if gz {
        parse(path, flate2::read::GzDecoder::new(reader))
    } else {
        parse(path, reader)
    }
}

/// Parses an IDX file held in memory (raw or gzip). Errors name `<memory>`.
pub fn read_idx_bytes(bytes: &[u8]) -> Result<Tensor> {
    let path = Path::new("<memory>");
    if bytes.starts_with(&[0x1f, 0x8b]) {
        parse(path, flate2::read::GzDecoder::new(bytes))
    } else {
        parse(path, bytes)
    }
}

/// Parses IDX from any reader (decompressed already).
fn parse(path: &Path, mut r: impl Read) -> Result<Tensor> {
    let mut magic = [0u8; 4];
    r.read_exact(&mut magic)
        .map_err(|_| bad(path, "shorter than the 4-byte magic number"))?;
    if magic[0] != 0 || magic[1] != 0 {
        return Err(bad(
            path,
            format!(
                "wrong magic number {:02x} {:02x} {:02x} {:02x} (must start with 00 00)",
                magic[0], magic[1], magic[2], magic[3]
            ),
        ));
    }
    let size = match magic[2] {
        0x08 | 0x09 => 1,
        0x0B => 2,
        0x0C | 0x0D => 4,
        0x0E => 8,
        t => return Err(bad(path, format!("unknown element type code 0x{t:02x}"))),
    };
    let ndim = magic[3] as usize;
    let mut dims = Vec::with_capacity(ndim);
    for d in 0..ndim {
        let mut b = [0u8; 4];
        r.read_exact(&mut b)
            .map_err(|_| bad(path, format!("ends inside dimension {d} of {ndim}")))?;
        dims.push(u32::from_be_bytes(b) as usize);
    }
    let bytes = dims
        .iter()
        .try_fold(size, |acc: usize, &d| acc.checked_mul(d))
        .ok_or_else(|| bad(path, format!("dimensions {dims:?} overflow")))?;
    alloc::check_bytes("readIdx", bytes as u128)?;
    // Grows only as data actually arrives; `take` stops a stream that is longer
    // than the header says one byte past the end.
    let mut data = Vec::new();
    r.take(bytes as u64 + 1)
        .read_to_end(&mut data)
        .map_err(|e| bad(path, e))?;
    if data.len() != bytes {
        return Err(bad(
            path,
            format!(
                "dimensions {dims:?} need {bytes} bytes of data, the file has {}{}",
                if data.len() > bytes { "more" } else { "only " },
                if data.len() > bytes {
                    String::new()
                } else {
                    data.len().to_string()
                }
            ),
        ));
    }
    let n = bytes / size;
    let be = |i: usize| &data[i * size..(i + 1) * size];
    let storage = match magic[2] {
        0x08 => Storage::I32(alloc::collect(
            "readIdx",
            n,
            data.iter().map(|&b| b as i32),
        )?),
        0x09 => Storage::I32(alloc::collect(
            "readIdx",
            n,
            data.iter().map(|&b| b as i8 as i32),
        )?),
        0x0B => Storage::I32(alloc::collect(
            "readIdx",
            n,
            (0..n).map(|i| i16::from_be_bytes(be(i).try_into().unwrap()) as i32),
        )?),
        0x0C => Storage::I32(alloc::collect(
            "readIdx",
            n,
            (0..n).map(|i| i32::from_be_bytes(be(i).try_into().unwrap())),
        )?),
        0x0D => Storage::F32(alloc::collect(
            "readIdx",
            n,
            (0..n).map(|i| f32::from_be_bytes(be(i).try_into().unwrap())),
        )?),
        _ => Storage::F64(alloc::collect(
            "readIdx",
            n,
            (0..n).map(|i| f64::from_be_bytes(be(i).try_into().unwrap())),
        )?),
    };
    Tensor::from_data(storage, &dims)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file(name: &str, bytes: &[u8], gz: bool) -> std::path::PathBuf {
        let p = std::env::temp_dir().join(format!("ferrograd-idx-{}-{name}", std::process::id()));
        let bytes = if gz {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(bytes).unwrap();
            e.finish().unwrap()
        } else {
            bytes.to_vec()
        };
        std::fs::write(&p, bytes).unwrap();
        p
    }

    fn idx(code: u8, dims: &[u32], data: &[u8]) -> Vec<u8> {
        let mut v = vec![0, 0, code, dims.len() as u8];
        for d in dims {
            v.extend(d.to_be_bytes());
        }
        v.extend(data);
        v
    }

    #[test]
    fn reads_raw_and_gzip() {
        let bytes = idx(0x08, &[2, 3], &[0, 1, 2, 253, 254, 255]);
        for gz in [false, true] {
            let t = read_idx(&file(&format!("u8-{gz}"), &bytes, gz)).unwrap();
            assert_eq!(t.shape(), &[2, 3]);
            assert_eq!(t.to_vec_f64(), vec![0.0, 1.0, 2.0, 253.0, 254.0, 255.0]);
        }
        let f = idx(0x0D, &[2], &[0x3f, 0xc0, 0, 0, 0xc0, 0x20, 0, 0]);
        let t = read_idx(&file("f32", &f, false)).unwrap();
        assert_eq!(t.to_vec_f64(), vec![1.5, -2.5]);
    }

    #[test]
    fn a_directory_is_an_io_error_not_a_bad_file() {
        let dir = std::env::temp_dir();
        let e = read_idx(&dir).unwrap_err();
        assert_eq!(e.code, ErrorCode::Io, "{}", e.message);
        let e = crate::io::csv::read_csv(&dir, &Default::default()).unwrap_err();
        assert_eq!(e.code, ErrorCode::Io, "{}", e.message);
    }

    #[test]
    fn bad_files_are_format_errors_without_big_allocations() {
        let code =
            |name: &str, bytes: Vec<u8>, gz: bool| read_idx(&file(name, &bytes, gz)).unwrap_err();
        let e = code("magic", vec![1, 2, 8, 1, 0, 0, 0, 1, 0], false);
        assert!(e.message.contains("magic"), "{}", e.message);
        assert_eq!(e.code, ErrorCode::Format);
        let e = code("short", idx(0x08, &[2, 3], &[1, 2]), false);
        assert!(e.message.contains("need 6 bytes"), "{}", e.message);
        assert_eq!(
            code("long", idx(0x08, &[1], &[1, 2]), true).code,
            ErrorCode::Format
        );
        // A header promising 4 GiB x 4 GiB in a 12-byte gzip stream.
        let e = code("huge", idx(0x08, &[u32::MAX, u32::MAX], &[]), true);
        assert!(
            matches!(e.code, ErrorCode::Format | ErrorCode::Alloc),
            "{e:?}"
        );
        assert_eq!(
            code("type", idx(0x07, &[1], &[1]), false).code,
            ErrorCode::Format
        );
        assert_eq!(
            code("dims", vec![0, 0, 8, 3, 0, 0], false).code,
            ErrorCode::Format
        );
        let missing = read_idx(Path::new("/nonexistent/x.idx")).unwrap_err();
        assert_eq!(missing.code, ErrorCode::Io);
    }
}
