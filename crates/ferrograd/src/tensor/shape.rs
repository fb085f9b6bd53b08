//! Shape arithmetic shared by every op: element counts with an allocation ceiling,
//! broadcasting, and dimension normalisation.

use crate::{bail, Result};

/// The largest element count a tensor may have. Asking for more is almost always a
/// bug (a wrong dimension, a unit mix-up), and trying to allocate it would abort the
/// process, so it is refused with `ERR_ALLOC` before anything is allocated.
pub const MAX_ELEMENTS: usize = 1 << 34;

pub use crate::kernels::layout::fmt_shape;

/// Number of elements of `shape`, refusing overflow and sizes beyond [`MAX_ELEMENTS`].
pub fn checked_numel(op: &str, shape: &[usize]) -> Result<usize> {
    let mut n: usize = 1;
    for &d in shape {
        n = match n.checked_mul(d) {
            Some(v) => v,
            None => {
                return Err(crate::Error::of(
                    crate::ErrorCode::Alloc,
                    op,
                    format_args!("shape {} has too many elements", fmt_shape(shape)),
                )
                .with_shapes(&[shape]))
            }
        };
    }
    if n > MAX_ELEMENTS {
        bail!(
            Alloc,
            "{op}: shape {} has {n} elements, more than the limit of {MAX_ELEMENTS}",
            fmt_shape(shape)
        );
    }
    // Four bytes an element is the least any dtype we compute in needs.
    super::alloc::check_bytes(op, n as u128 * 4).map_err(|e| {
        crate::Error::new(
            e.code,
            format!("{} (shape {})", e.message, fmt_shape(shape)),
        )
        .with_shapes(&[shape])
    })?;
    Ok(n)
}

/// The shape two operands broadcast to, as NumPy and PyTorch define it.
pub fn broadcast_shapes(op: &str, a: &[usize], b: &[usize]) -> Result<Vec<usize>> {
    let n = a.len().max(b.len());
    let mut out = vec![0; n];
    for i in 0..n {
        let da = if i + a.len() >= n {
            a[i + a.len() - n]
        } else {
            1
        };
        let db = if i + b.len() >= n {
            b[i + b.len() - n]
        } else {
            1
        };
        out[i] = if da == db || db == 1 {
            da
        } else if da == 1 {
            db
        } else {
            return Err(crate::Error::of(
                crate::ErrorCode::Shape,
                op,
                format_args!(
                    "shapes {} and {} cannot be broadcast together (dimension {i}: {da} vs {db})",
                    fmt_shape(a),
                    fmt_shape(b)
                ),
            )
            .with_shapes(&[a, b]));
        };
    }
    Ok(out)
}

/// Turns a possibly negative dimension into an index in `0..ndim`.
pub fn normalize_dim(op: &str, dim: i64, ndim: usize) -> Result<usize> {
    let n = ndim as i64;
    // A 0-d tensor accepts dim 0 and -1, as PyTorch does.
    let span = n.max(1);
    if dim < -span || dim >= span {
        bail!(
            Index,
            "{op}: dimension {dim} is out of range for a tensor of {ndim} dimension(s) (expected {} to {})",
            -span,
            span - 1
        );
    }
    Ok(if dim < 0 {
        (dim + span) as usize
    } else {
        dim as usize
    })
}

/// Normalises a list of dimensions, refusing repeats.
pub fn normalize_dims(op: &str, dims: &[i64], ndim: usize) -> Result<Vec<usize>> {
    let mut out = Vec::with_capacity(dims.len());
    for &d in dims {
        let d = normalize_dim(op, d, ndim)?;
        if out.contains(&d) {
            bail!(
                Arg,
                "{op}: dimension {d} appears more than once in {dims:?}"
            );
        }
        out.push(d);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcasting_follows_numpy() {
        assert_eq!(
            broadcast_shapes("t", &[2, 1, 3], &[4, 1]).unwrap(),
            vec![2, 4, 3]
        );
        assert_eq!(broadcast_shapes("t", &[], &[5]).unwrap(), vec![5]);
        assert_eq!(broadcast_shapes("t", &[0, 3], &[1, 3]).unwrap(), vec![0, 3]);
        let e = broadcast_shapes("add", &[2, 3], &[4]).unwrap_err();
        assert_eq!(e.code, crate::ErrorCode::Shape);
        assert!(e.message.contains("[2, 3]") && e.message.contains("[4]"));
    }

    #[test]
    fn huge_sizes_are_refused_before_allocating() {
        let e = checked_numel("zeros", &[1_000_000, 1_000_000]).unwrap_err();
        assert_eq!(e.code, crate::ErrorCode::Alloc);
        assert!(checked_numel("zeros", &[usize::MAX, 3]).is_err());
        assert_eq!(checked_numel("zeros", &[0, 7]).unwrap(), 0);
    }

    #[test]
    fn dims_normalise_like_pytorch() {
        assert_eq!(normalize_dim("t", -1, 3).unwrap(), 2);
        assert_eq!(normalize_dim("t", 0, 0).unwrap(), 0);
        assert_eq!(
            normalize_dim("t", 3, 3).unwrap_err().code,
            crate::ErrorCode::Index
        );
        assert_eq!(
            normalize_dims("t", &[0, -3], 3).unwrap_err().code,
            crate::ErrorCode::Arg
        );
    }
}
