//! The one matrix-multiply entry point. Everything that multiplies matrices calls
//! [`gemm`], so the backend (the `gemm` crate today) can change in one place.

use super::threads;
use crate::tensor::Float;

/// Strides, in elements, of a matrix operand: `(row stride, column stride)`.
pub type MatStrides = (usize, usize);

/// A strided matrix operand starting at index 0 of `data`.
#[derive(Clone, Copy)]
pub struct MatRef<'a, T> {
    /// The elements; the matrix starts at index 0.
    pub data: &'a [T],
    /// `(row stride, column stride)` in elements.
    pub strides: MatStrides,
}

/// Below this many multiply-adds threading costs more than it saves. Measured on
/// 2 cores: the MNIST MLP's products (64x784x128, 6.4M) trained 30% slower per
/// step with two threads than with one; cubes from about 320 up gain.
const PARALLEL_THRESHOLD: usize = 1 << 25;

/// `dst[m, n] = lhs[m, k] @ rhs[k, n]`, all operands strided (a transposed operand
/// is just swapped strides, never a copy). `dst` is packed row-major. Operands
/// start at index 0 of their slices.
///
/// # Panics
/// When an operand's strides reach outside its slice (a bug in the caller).
pub fn gemm<T: Float>(
    m: usize,
    n: usize,
    k: usize,
    dst: &mut [T],
    lhs: MatRef<'_, T>,
    rhs: MatRef<'_, T>,
) {
    let (lhs, lhs_strides, rhs, rhs_strides) = (lhs.data, lhs.strides, rhs.data, rhs.strides);
    assert!(
        dst.len() >= m * n,
        "gemm: dst holds {} elements, needs {m} x {n}",
        dst.len()
    );
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        dst[..m * n].fill(T::ZERO);
        return;
    }
    assert!(extent(m, k, lhs_strides) <= lhs.len() && extent(k, n, rhs_strides) <= rhs.len());
    let work = m * n * k;
    let mut run = |parallelism| {
        // SAFETY: the assert above proves that every element gemm reads lies inside
        // `lhs` and `rhs`, and `dst` holds m * n packed elements; `read_dst` is
        // false, so `dst`'s old contents are never read.
        unsafe {
            gemm::gemm(
                m,
                n,
                k,
                dst.as_mut_ptr(),
                1,
                n as isize,
                false,
                lhs.as_ptr(),
                lhs_strides.1 as isize,
                lhs_strides.0 as isize,
                rhs.as_ptr(),
                rhs_strides.1 as isize,
                rhs_strides.0 as isize,
                T::ZERO,
                T::ONE,
                false,
                false,
                false,
                parallelism,
            )
        }
    };
    let pool = threads::pool();
    let nt = pool.current_num_threads();
    if work < PARALLEL_THRESHOLD || nt == 1 {
        run(gemm::Parallelism::None);
    } else {
        pool.install(|| run(gemm::Parallelism::Rayon(nt)));
    }
}

/// One past the largest element index a strided `rows x cols` operand touches.
fn extent(rows: usize, cols: usize, (rs, cs): MatStrides) -> usize {
    (rows - 1) * rs + (cols - 1) * cs + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(
        m: usize,
        n: usize,
        k: usize,
        a: &[f32],
        sa: MatStrides,
        b: &[f32],
        sb: MatStrides,
    ) -> Vec<f32> {
        let mut out = vec![0.0; m * n];
        for i in 0..m {
            for j in 0..n {
                out[i * n + j] = (0..k)
                    .map(|p| a[i * sa.0 + p * sa.1] * b[p * sb.0 + j * sb.1])
                    .sum();
            }
        }
        out
    }

    #[test]
    fn agrees_with_the_naive_product_for_plain_and_transposed_operands() {
        let (m, n, k) = (37, 29, 53);
        let a: Vec<f32> = (0..m * k).map(|v| ((v * 7) % 13) as f32 - 6.0).collect();
        let b: Vec<f32> = (0..k * n).map(|v| ((v * 5) % 11) as f32 - 5.0).collect();
        for (sa, sb) in [((k, 1), (n, 1)), ((1, m), (n, 1)), ((k, 1), (1, k))] {
            let mut out = vec![f32::NAN; m * n];
            gemm(
                m,
                n,
                k,
                &mut out,
                MatRef {
                    data: &a,
                    strides: sa,
                },
                MatRef {
                    data: &b,
                    strides: sb,
                },
            );
            assert_eq!(out, naive(m, n, k, &a, sa, &b, sb));
        }
    }

    #[test]
    fn empty_inner_dimension_gives_zeros() {
        let mut out = vec![f32::NAN; 6];
        gemm(
            2,
            3,
            0,
            &mut out,
            MatRef {
                data: &[],
                strides: (0, 1),
            },
            MatRef {
                data: &[],
                strides: (3, 1),
            },
        );
        assert_eq!(out, vec![0.0; 6]);
    }
}
