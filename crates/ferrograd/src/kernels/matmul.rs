//! The one matrix-multiply entry point. Everything that multiplies matrices calls
//! [`gemm`], so the backend can change in one place. float32 runs our packed
//! kernel (`kernels::sgemm`, measured against the `gemm` crate and OpenBLAS in
//! `bench/ops.mjs`) on AVX2 machines; on machines that run AVX-512 at full width
//! (Intel), with its AVX-512 tile, for outputs at least 32 columns wide; and on
//! those that run it in 256-bit halves (AMD Zen 4), for a column-major rhs.
//! float64, the other float32 products and other CPUs run the `gemm` crate.
//! Before either, a float32 product with a mostly-zero operand (MNIST pixels,
//! one-hot features) is offered to `kernels::sparse`, which skips the zeros.

use super::float::Real;
use super::threads::{self, share_bands, DstPtr};

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

/// Below this many multiply-adds a second thread costs more than it saves.
const SPLIT_THRESHOLD: usize = 1 << 20;

/// Outputs from this many columns on are wide enough for our kernel's packing
/// (see `our_f32_kernel`).
#[cfg(target_arch = "x86_64")]
const MIN_WIDTH_OURS: usize = 32;

/// Mid-size products are cut into at most this many bands (see [`gemm`]).
const MAX_BANDS: usize = 4;

/// From this many multiply-adds on, the `gemm` crate's own rayon parallelism
/// (which shares packed panels between threads) beats splitting the output.
/// Measured on 2 cores: the MNIST MLP's products (64x784x128, 6.4M) ran 30%
/// slower per step with the crate's threading than with one thread, and cubes
/// from about 320 up gain from it.
const PARALLEL_THRESHOLD: usize = 1 << 25;

/// `dst[m, n] = lhs[m, k] @ rhs[k, n]`, all operands strided (a transposed operand
/// is just swapped strides, never a copy). `dst` is packed row-major. Operands
/// start at index 0 of their slices. With `accumulate` the product is added onto
/// `dst`'s contents instead (`dst += lhs @ rhs`, for a product that starts from a
/// bias).
///
/// # Panics
/// When an operand's strides reach outside its slice (a bug in the caller).
#[allow(clippy::too_many_arguments)]
pub fn gemm<T: Real>(
    m: usize,
    n: usize,
    k: usize,
    dst: &mut [T],
    lhs: MatRef<'_, T>,
    rhs: MatRef<'_, T>,
    accumulate: bool,
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
        if !accumulate {
            dst[..m * n].fill(T::ZERO);
        }
        return;
    }
    assert!(extent(m, k, lhs_strides) <= lhs.len() && extent(k, n, rhs_strides) <= rhs.len());
    if (m == 1 || n == 1) && lhs_strides.1 == 1 && rhs_strides.0 == 1 {
        // A row times a matrix (batch-1 inference: x W^T with W's rows packed) or a
        // matrix times a column: each output is the dot product of two packed runs
        // of k elements. Packing panels for the blocked kernel would cost more
        // than the product itself.
        for (o, d) in dst[..m * n].iter_mut().enumerate() {
            let (i, j) = (o / n, o % n);
            let v = T::dot(
                &lhs[i * lhs_strides.0..][..k],
                &rhs[j * rhs_strides.1..][..k],
            );
            *d = if accumulate { *d + v } else { v };
        }
        return;
    }
    #[cfg(target_arch = "x86_64")]
    if super::simd::level() >= super::simd::SimdLevel::Avx2 {
        if let (Some(dst), Some(l), Some(r)) =
            (T::as_f32_mut(&mut *dst), T::as_f32(lhs), T::as_f32(rhs))
        {
            let operand = |data: &[f32], (rs, cs): MatStrides| super::sgemm::Operand {
                ptr: data.as_ptr(),
                rs,
                cs,
            };
            // The pool only when a product is split: fetching it takes a lock,
            // and most products here are declined or run on one thread.
            let run_bands = |len: usize, step: usize, band: &super::sparse::Band| {
                share_bands(&threads::pool(), len, step, band)
            };
            // SAFETY: the level grants AVX2 and FMA; the assert above proves
            // every element of both operands lies inside its slice, and dst
            // holds m x n elements.
            let done = unsafe {
                super::sparse::product(
                    m,
                    n,
                    k,
                    dst,
                    operand(l, lhs_strides),
                    operand(r, rhs_strides),
                    accumulate,
                    &run_bands,
                )
            };
            if done {
                return;
            }
        }
    }
    #[cfg(target_arch = "x86_64")]
    if our_f32_kernel(n, rhs_strides) {
        if let (Some(dst), Some(lhs), Some(rhs)) =
            (T::as_f32_mut(dst), T::as_f32(lhs), T::as_f32(rhs))
        {
            packed_f32(
                m,
                n,
                k,
                dst,
                (lhs, lhs_strides),
                (rhs, rhs_strides),
                accumulate,
            );
            return;
        }
    }
    let out = DstPtr(dst.as_mut_ptr());
    // The block of rows `r` and columns `c` of the product.
    let block = |rows: std::ops::Range<usize>, cols: std::ops::Range<usize>, parallelism| {
        // SAFETY: the assert above proves that every element of rows `rows` of
        // `lhs` and columns `cols` of `rhs` lies inside those slices (the ranges
        // lie within m and n), and that the block of `dst` at (rows, cols) with
        // row stride n lies inside its m * n elements. Blocks given to different
        // threads are disjoint. `dst` is read only when `accumulate` is set.
        unsafe {
            gemm::gemm(
                rows.len(),
                cols.len(),
                k,
                out.get().add(rows.start * n + cols.start),
                1,
                n as isize,
                accumulate,
                lhs.as_ptr().add(rows.start * lhs_strides.0),
                lhs_strides.1 as isize,
                lhs_strides.0 as isize,
                rhs.as_ptr().add(cols.start * rhs_strides.1),
                rhs_strides.1 as isize,
                rhs_strides.0 as isize,
                T::ONE,
                T::ONE,
                false,
                false,
                false,
                parallelism,
            )
        }
    };
    let work = m * n * k;
    let pool = threads::pool();
    let nt = pool.current_num_threads();
    if work >= PARALLEL_THRESHOLD && nt > 1 {
        pool.install(|| block(0..m, 0..n, gemm::Parallelism::Rayon(nt)));
        return;
    }
    // Mid-size products (a training step's layers) are cut into bands of the
    // longer output side, rounded to the microkernel's lanes, and the threads take
    // whole bands: no packed panel is shared and nothing synchronises inside. The
    // cut depends on the shape alone, never on the thread count, because the
    // crate's blocking (and so the order of the additions) depends on the block's
    // size: one thread computes the same bands one after the other, and results
    // are bitwise identical for any number of threads.
    let (len, align) = if n >= m { (n, 16) } else { (m, 8) };
    // Large products are one block on one thread too (the crate's threading keeps
    // its single-thread order).
    let bands = match (SPLIT_THRESHOLD..PARALLEL_THRESHOLD).contains(&work) {
        false => 1,
        true => MAX_BANDS.min(len / (4 * align)).max(1),
    };
    let step = len.div_ceil(bands).div_ceil(align) * align;
    share_bands(&pool, len, step, |start, end| match n >= m {
        true => block(0..m, start..end, gemm::Parallelism::None),
        false => block(start..end, 0..n, gemm::Parallelism::None),
    });
}

/// Whether a float32 product runs our packed kernel (`kernels::sgemm`) rather
/// than the `gemm` crate: at the AVX2 level; on CPUs that execute AVX-512 at
/// full width (Intel's), with its AVX-512 tile, for outputs at least
/// [`MIN_WIDTH_OURS`] wide; and on CPUs that run AVX-512 in 256-bit halves
/// (`simd::avx512_in_halves`, Zen 4), for a column-major rhs (x W^T, the
/// forward of every Linear layer), where the crate packs such an rhs by a
/// strided gather.
///
/// Measured with `bench/ops.mjs` (and `FERROGRAD_SIMD=avx2` for the other
/// route). On Zen 4, at the MNIST MLP's x W^T (64x784 by 784x128), ours ran
/// 95.8 GFLOP/s on 1 thread against the crate's 89.6 (its plain product:
/// 104.6); with ours on every layout the CNN trained 7-8% slower than with the
/// crate (4% with column-major lhs operands added), so the other layouts stay
/// with the crate there. On Intel (Emerald Rapids) the crate reached 0.80-0.84x
/// OpenBLAS at n = 256 and 512 on 1 thread and 0.56-0.73x on 2. Outputs
/// narrower than [`MIN_WIDTH_OURS`] (a classifier's 10 columns) waste most of
/// a 32-column tile and stay with the crate.
#[cfg(target_arch = "x86_64")]
fn our_f32_kernel(n: usize, (rs, cs): MatStrides) -> bool {
    use super::simd::{avx512_in_halves, level, SimdLevel};
    match level() {
        SimdLevel::Avx2 => true,
        SimdLevel::Avx512 if avx512_in_halves() => n >= MIN_WIDTH_OURS && rs == 1 && cs != 1,
        SimdLevel::Avx512 => n >= MIN_WIDTH_OURS,
        _ => false,
    }
}

/// The float32 product by our packed kernel (`kernels::sgemm`).
/// Its results do not depend on how the output is cut, so the cut can follow
/// the thread count: one band per thread, along the side whose bands repeat
/// the cheaper packing (column bands each pack all of `lhs`, row bands all of
/// `rhs`).
#[cfg(target_arch = "x86_64")]
fn packed_f32(
    m: usize,
    n: usize,
    k: usize,
    dst: &mut [f32],
    (lhs, ls): (&[f32], MatStrides),
    (rhs, rs): (&[f32], MatStrides),
    accumulate: bool,
) {
    use super::sgemm::{sgemm, tile, wide_tile, Operand, Product};
    let out = DstPtr(dst.as_mut_ptr());
    let wide = wide_tile();
    let block = |rows: std::ops::Range<usize>, cols: std::ops::Range<usize>| {
        let lhs = Operand {
            ptr: lhs.as_ptr().wrapping_add(rows.start * ls.0),
            rs: ls.0,
            cs: ls.1,
        };
        let rhs = Operand {
            ptr: rhs.as_ptr().wrapping_add(cols.start * rs.1),
            rs: rs.0,
            cs: rs.1,
        };
        // SAFETY: `gemm` checked the operands' extents against their slices and
        // dst's length against m x n; the block's rows and columns lie inside
        // those, blocks given to different threads are disjoint, and
        // `our_f32_kernel` chose this path only at the AVX2 or AVX-512 level,
        // which `simd::level()` grants only when the CPU has those features
        // (`wide_tile` is true only at AVX-512).
        unsafe {
            sgemm(
                wide,
                Product {
                    m: rows.len(),
                    n: cols.len(),
                    k,
                    dst: out.get().add(rows.start * n + cols.start),
                    ldd: n,
                    lhs,
                    rhs,
                    accumulate,
                },
            )
        }
    };
    let pool = threads::pool();
    let nt = pool.current_num_threads();
    let by_cols = m <= n;
    let (mr, nr) = tile(wide);
    let (len, align) = if by_cols { (n, nr) } else { (m, mr) };
    let bands = match m * n * k >= SPLIT_THRESHOLD {
        true => nt.min(len / align).max(1),
        false => 1,
    };
    let step = len.div_ceil(bands).div_ceil(align) * align;
    share_bands(&pool, len, step, |start, end| match by_cols {
        true => block(0..m, start..end),
        false => block(start..end, 0..n),
    });
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

    /// A test operand: `data` with `(row, column)` strides.
    fn mat(data: &[f32], strides: MatStrides) -> MatRef<'_, f32> {
        MatRef { data, strides }
    }

    #[test]
    fn agrees_with_the_naive_product_for_plain_and_transposed_operands() {
        let (m, n, k) = (37, 29, 53);
        let a: Vec<f32> = (0..m * k).map(|v| ((v * 7) % 13) as f32 - 6.0).collect();
        let b: Vec<f32> = (0..k * n).map(|v| ((v * 5) % 11) as f32 - 5.0).collect();
        for (sa, sb) in [((k, 1), (n, 1)), ((1, m), (n, 1)), ((k, 1), (1, k))] {
            let mut out = vec![f32::NAN; m * n];
            gemm(m, n, k, &mut out, mat(&a, sa), mat(&b, sb), false);
            assert_eq!(out, naive(m, n, k, &a, sa, &b, sb));
        }
    }

    #[test]
    fn rows_and_columns_take_the_dot_product_path() {
        // [1, k] x [k, n] with the right operand's columns packed (x W^T), and
        // [m, k] x [k, 1]; exact small integers, with and without accumulation.
        let k = 37;
        let a: Vec<f32> = (0..5 * k).map(|v| ((v * 7) % 5) as f32 - 2.0).collect();
        let b: Vec<f32> = (0..k * 6).map(|v| ((v * 3) % 7) as f32 - 3.0).collect();
        for (m, n, sa, sb) in [(1, 6, (k, 1), (1, k)), (5, 1, (k, 1), (1, k))] {
            for accumulate in [false, true] {
                let mut out = vec![1.0; m * n];
                gemm(m, n, k, &mut out, mat(&a, sa), mat(&b, sb), accumulate);
                let base = if accumulate { 1.0 } else { 0.0 };
                let expected: Vec<f32> = naive(m, n, k, &a, sa, &b, sb)
                    .iter()
                    .map(|v| v + base)
                    .collect();
                assert_eq!(out, expected, "{m}x{n}");
            }
        }
    }

    #[test]
    fn banded_products_accumulate_onto_dst() {
        // Mid-size shapes take the banded path: wide (split by columns), tall
        // (split by rows), with a transposed operand. Small integers keep every
        // sum exact, so the result must equal the naive one exactly.
        for (m, n, k) in [(64, 130, 300), (200, 40, 300)] {
            let a: Vec<f32> = (0..m * k).map(|v| ((v * 7) % 5) as f32 - 2.0).collect();
            let b: Vec<f32> = (0..k * n).map(|v| ((v * 3) % 5) as f32 - 2.0).collect();
            let (sa, sb) = ((k, 1), (1, k));
            let mut out: Vec<f32> = (0..m * n).map(|v| (v % 3) as f32).collect();
            let start = out.clone();
            gemm(m, n, k, &mut out, mat(&a, sa), mat(&b, sb), true);
            let naive = naive(m, n, k, &a, sa, &b, sb);
            let expected: Vec<f32> = start.iter().zip(&naive).map(|(s, p)| s + p).collect();
            assert_eq!(out, expected, "{m}x{n}x{k}");
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
            false,
        );
        assert_eq!(out, vec![0.0; 6]);
    }
}
