//! A packed float32 matrix multiply for x86-64 CPUs with AVX2 and FMA, built the
//! way GotoBLAS and BLIS build theirs: the operands are copied into panels that
//! the register kernel reads in order, blocked so that a B panel stays in L1, an
//! A block in L2 and a B block in L3, and a tile of the output lives in
//! registers for a whole block of the inner dimension: 6x16 in twelve ymm
//! registers with AVX2, 8x32 in sixteen zmm registers on CPUs that execute
//! AVX-512 at full width.
//!
//! Why our own: on this crate's target machines (one or two cores) the `gemm`
//! crate reached 0.77x OpenBLAS at n = 256 and 512 with AVX2 and 0.80-0.84x
//! with AVX-512 on Intel, and lost most of a training step to packing; this
//! kernel is measured against both in `cargo bench -p ferrograd` and
//! `npm run bench`.
//!
//! Every output element is the sum over the inner dimension taken in the same
//! order, `KC` elements at a time from index 0, whatever the shape of the block
//! of output it is computed in: results do not depend on how the output is cut
//! between threads.

use std::arch::x86_64::*;
use std::cell::RefCell;

use super::simd::{avx512_in_halves, level, SimdLevel};

/// Rows of the AVX2 register tile.
const MR: usize = 6;
/// Columns of the AVX2 register tile: two 8-lane registers.
const NR: usize = 16;
/// Rows of the AVX-512 register tile: 8 divides the batch sizes and square
/// sizes products here come in, so no tile is partly wasted on them.
const MR_WIDE: usize = 8;
/// Columns of the AVX-512 register tile: two 16-lane registers.
const NR_WIDE: usize = 32;
/// Inner-dimension block: one packed B panel (KC x NR floats) is 16 KB (32 KB
/// for the AVX-512 tile), in L1. Both tiles block the inner dimension alike,
/// so they add in the same order and give the same bits.
const KC: usize = 256;
/// Rows of a packed A block: MC x KC floats is 144 KB, in L2. A multiple of
/// both tiles' rows.
const MC: usize = 144;
/// Columns of a packed B block: KC x NC floats is 4 MB, in L3. A multiple of
/// both tiles' columns.
const NC: usize = 4064;

/// A strided operand: the address of element (0, 0) and the `(row, column)`
/// strides in elements.
#[derive(Clone, Copy)]
pub struct Operand {
    /// Element (0, 0).
    pub ptr: *const f32,
    /// Elements between rows.
    pub rs: usize,
    /// Elements between columns.
    pub cs: usize,
}

/// Packing buffers, one pair per thread, kept between calls so that a training
/// step does not allocate them again for every product.
#[derive(Default)]
struct Buffers {
    a: Vec<f32>,
    b: Vec<f32>,
}

thread_local! {
    static BUFFERS: RefCell<Buffers> = RefCell::new(Buffers::default());
}

/// A 64-byte aligned region of `len` floats inside `buf`, grown as needed.
fn aligned(buf: &mut Vec<f32>, len: usize) -> *mut f32 {
    if buf.len() < len + 16 {
        buf.resize(len + 16, 0.0);
    }
    let offset = buf.as_ptr().align_offset(64).min(16);
    buf[offset..].as_mut_ptr()
}

/// The register tile [`sgemm`] uses: `true` for the AVX-512 one, on CPUs that
/// execute 512-bit instructions at full width (Intel's AVX-512 parts, Zen 5).
/// Where they run in two 256-bit halves (Zen 4) the AVX2 tile stays: the wide
/// one was built and measured on Intel only.
pub fn wide_tile() -> bool {
    level() == SimdLevel::Avx512 && !avx512_in_halves()
}

/// `(rows, columns)` of the register tile [`sgemm`] runs with `wide`: what a
/// caller cutting the output between threads rounds its bands to.
pub fn tile(wide: bool) -> (usize, usize) {
    match wide {
        true => (MR_WIDE, NR_WIDE),
        false => (MR, NR),
    }
}

/// One product for [`sgemm`]: `dst = lhs @ rhs`, or `dst += lhs @ rhs` with
/// `accumulate`, where `lhs` is `m x k`, `rhs` is `k x n` and `dst` is `m x n`
/// with row stride `ldd`.
#[derive(Clone, Copy)]
pub struct Product {
    /// Rows of `lhs` and `dst`.
    pub m: usize,
    /// Columns of `rhs` and `dst`.
    pub n: usize,
    /// The inner dimension: columns of `lhs`, rows of `rhs`.
    pub k: usize,
    /// Element (0, 0) of the output.
    pub dst: *mut f32,
    /// Elements between rows of the output.
    pub ldd: usize,
    /// The left operand.
    pub lhs: Operand,
    /// The right operand.
    pub rhs: Operand,
    /// Add to the output instead of overwriting it.
    pub accumulate: bool,
}

/// Computes `p` by the AVX-512 tile with `wide` (pass [`wide_tile`]; the tests
/// run both), else the AVX2 tile. The two give the same bits.
///
/// # Safety
/// - The CPU supports AVX2 and FMA, and with `wide` AVX-512F.
/// - `lhs.ptr + i * lhs.rs + q * lhs.cs` is readable for every `i < m`, `q < k`,
///   and likewise `rhs` for `q < k`, `j < n`.
/// - `dst + i * ldd + j` is writable (and, with `accumulate`, readable) for every
///   `i < m`, `j < n`, and overlaps neither operand.
pub unsafe fn sgemm(wide: bool, p: Product) {
    // SAFETY: forwarded from the caller, with the features each tile needs.
    unsafe {
        match wide {
            true => blocked::<MR_WIDE, NR_WIDE>(p, kernel_avx512::<MR_WIDE>),
            false => blocked::<MR, NR>(p, kernel),
        }
    }
}

/// A register kernel: `(kc, a_panel, b_panel, c, ldc, rows, cols, add)`.
type Kernel = unsafe fn(usize, *const f32, *const f32, *mut f32, usize, usize, usize, bool);

/// The blocked loops around a `TM x TN` register kernel: pack a KC x NC block
/// of B, then for each MC x KC block of A pack it and run the kernel over
/// every tile.
///
/// # Safety
/// As [`sgemm`], plus whatever features `kernel` needs.
#[target_feature(enable = "avx2,fma")]
unsafe fn blocked<const TM: usize, const TN: usize>(p: Product, kernel: Kernel) {
    let Product {
        m,
        n,
        k,
        dst,
        ldd,
        lhs,
        rhs,
        accumulate,
    } = p;
    if m == 0 || n == 0 {
        return;
    }
    let run = |bufs: &mut Buffers| {
        let a_pack = aligned(&mut bufs.a, MC.min(m.next_multiple_of(TM)) * KC.min(k));
        let b_pack = aligned(&mut bufs.b, NC.min(n.next_multiple_of(TN)) * KC.min(k));
        for jc in (0..n).step_by(NC) {
            let nc = NC.min(n - jc);
            for pc in (0..k).step_by(KC) {
                let kc = KC.min(k - pc);
                // SAFETY: the caller guarantees rows pc..pc + kc and columns
                // jc..jc + nc of rhs are readable; b_pack holds
                // nc.next_multiple_of(TN) * kc floats.
                unsafe { pack_b::<TN>(kc, nc, rhs, pc, jc, b_pack) };
                // The first block of the inner dimension overwrites the output
                // (which may hold anything) unless the caller accumulates.
                let add = accumulate || pc > 0;
                for ic in (0..m).step_by(MC) {
                    let mc = MC.min(m - ic);
                    // SAFETY: as for B, with rows ic..ic + mc of lhs.
                    unsafe { pack_a::<TM>(mc, kc, lhs, ic, pc, a_pack) };
                    for jr in (0..nc).step_by(TN) {
                        for ir in (0..mc).step_by(TM) {
                            // SAFETY: the panels lie inside the packed blocks
                            // (whose sizes are rounded up to whole tiles), and the
                            // tile's rows and columns lie inside dst's m x n.
                            unsafe {
                                kernel(
                                    kc,
                                    a_pack.add(ir * kc),
                                    b_pack.add(jr * kc),
                                    dst.add((ic + ir) * ldd + jc + jr),
                                    ldd,
                                    TM.min(mc - ir),
                                    TN.min(nc - jr),
                                    add,
                                )
                            };
                        }
                    }
                }
            }
        }
    };
    BUFFERS.with(|cell| match cell.try_borrow_mut() {
        Ok(mut bufs) => run(&mut bufs),
        // Only reachable if a product started inside another on this thread;
        // fresh buffers keep it correct.
        Err(_) => run(&mut Buffers::default()),
    });
}

/// Copies rows `ic..ic + mc`, columns `pc..pc + kc` of `a` into panels of `TM`
/// rows: panel `r` holds, for each `p`, the `TM` elements of column `p`, so the
/// kernel reads it in order. Rows past `mc` are zero.
///
/// Packing has to cost well under a cycle per element: each packed element of A
/// feeds only `n / 16` vector multiply-adds, 32 at n = 512.
///
/// # Safety
/// AVX2; those elements of `a` are readable; `out` holds
/// `mc.next_multiple_of(TM) * kc`.
#[target_feature(enable = "avx2,fma")]
unsafe fn pack_a<const TM: usize>(
    mc: usize,
    kc: usize,
    a: Operand,
    ic: usize,
    pc: usize,
    out: *mut f32,
) {
    for r in (0..mc).step_by(TM) {
        let rows = TM.min(mc - r);
        // SAFETY: panel r / TM starts at r * kc and holds TM * kc floats.
        let panel = unsafe { std::slice::from_raw_parts_mut(out.add(r * kc), TM * kc) };
        // Element (i, p) of this panel's block of `a`.
        let at = |i: usize, p: usize| (ic + r + i) * a.rs + (pc + p) * a.cs;
        let mut done = 0;
        if rows == TM && a.cs == 1 {
            // Packed rows: transpose 8 columns of up to 8 rows at a time.
            while done + 8 <= kc {
                for g in (0..TM).step_by(8) {
                    let count = 8.min(TM - g);
                    // SAFETY: columns done..done + 8 of rows g..g + count are
                    // readable by contract; the transposed columns go to
                    // p = done..done + 8, lanes g..g + count of the panel.
                    unsafe {
                        let mut v = [_mm256_setzero_ps(); 8];
                        for (i, v) in v.iter_mut().take(count).enumerate() {
                            *v = _mm256_loadu_ps(a.ptr.add(at(g + i, done)));
                        }
                        for (j, col) in transpose8(v).iter().enumerate() {
                            store_first(panel.as_mut_ptr().add((done + j) * TM + g), *col, count);
                        }
                    }
                }
                done += 8;
            }
        } else if rows == TM && a.rs == 1 {
            // Packed columns (a transposed operand): each p is a run of TM.
            for p in 0..kc {
                // SAFETY: column pc + p, rows 0..TM are readable by contract.
                let src = unsafe { std::slice::from_raw_parts(a.ptr.add(at(0, p)), TM) };
                panel[p * TM..(p + 1) * TM].copy_from_slice(src);
            }
            done = kc;
        }
        for p in done..kc {
            for i in 0..TM {
                panel[p * TM + i] = if i < rows {
                    // SAFETY: row i < rows, column p < kc: readable by contract.
                    unsafe { *a.ptr.add(at(i, p)) }
                } else {
                    0.0
                };
            }
        }
    }
}

/// Copies rows `pc..pc + kc`, columns `jc..jc + nc` of `b` into panels of `TN`
/// columns: panel `q` holds, for each `p`, the `TN` elements of row `p`.
/// Columns past `nc` are zero. That is [`pack_a`] of `b`'s transpose, whose
/// rows are `b`'s columns: a row-major `b` takes its run-copying path, and a
/// column-major one (x W^T, W's rows packed) its 8 x 8 transposes.
///
/// # Safety
/// AVX2; those elements of `b` are readable; `out` holds
/// `nc.next_multiple_of(TN) * kc`.
#[target_feature(enable = "avx2,fma")]
unsafe fn pack_b<const TN: usize>(
    kc: usize,
    nc: usize,
    b: Operand,
    pc: usize,
    jc: usize,
    out: *mut f32,
) {
    let transposed = Operand {
        ptr: b.ptr,
        rs: b.cs,
        cs: b.rs,
    };
    // SAFETY: element (j, p) of the transpose is element (p, j) of `b`, so the
    // same elements are read; `out` is as large as pack_a needs.
    unsafe { pack_a::<TN>(nc, kc, transposed, jc, pc, out) }
}

/// The transpose of the 8 x 8 block whose rows are `r`: element `j` of output
/// `i` is element `i` of input `j`.
#[target_feature(enable = "avx2,fma")]
#[inline]
pub(super) fn transpose8(r: [__m256; 8]) -> [__m256; 8] {
    let t0 = _mm256_unpacklo_ps(r[0], r[1]);
    let t1 = _mm256_unpackhi_ps(r[0], r[1]);
    let t2 = _mm256_unpacklo_ps(r[2], r[3]);
    let t3 = _mm256_unpackhi_ps(r[2], r[3]);
    let t4 = _mm256_unpacklo_ps(r[4], r[5]);
    let t5 = _mm256_unpackhi_ps(r[4], r[5]);
    let t6 = _mm256_unpacklo_ps(r[6], r[7]);
    let t7 = _mm256_unpackhi_ps(r[6], r[7]);
    let u0 = _mm256_shuffle_ps::<0x44>(t0, t2);
    let u1 = _mm256_shuffle_ps::<0xEE>(t0, t2);
    let u2 = _mm256_shuffle_ps::<0x44>(t1, t3);
    let u3 = _mm256_shuffle_ps::<0xEE>(t1, t3);
    let u4 = _mm256_shuffle_ps::<0x44>(t4, t6);
    let u5 = _mm256_shuffle_ps::<0xEE>(t4, t6);
    let u6 = _mm256_shuffle_ps::<0x44>(t5, t7);
    let u7 = _mm256_shuffle_ps::<0xEE>(t5, t7);
    [
        _mm256_permute2f128_ps::<0x20>(u0, u4),
        _mm256_permute2f128_ps::<0x20>(u1, u5),
        _mm256_permute2f128_ps::<0x20>(u2, u6),
        _mm256_permute2f128_ps::<0x20>(u3, u7),
        _mm256_permute2f128_ps::<0x31>(u0, u4),
        _mm256_permute2f128_ps::<0x31>(u1, u5),
        _mm256_permute2f128_ps::<0x31>(u2, u6),
        _mm256_permute2f128_ps::<0x31>(u3, u7),
    ]
}

/// Stores the first `count` lanes of `v` at `to`.
///
/// # Safety
/// AVX2; `to` is writable for `count <= 8` floats.
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn store_first(to: *mut f32, v: __m256, count: usize) {
    // SAFETY: each arm writes exactly `count` floats from `to`.
    unsafe {
        match count {
            8 => _mm256_storeu_ps(to, v),
            // The AVX2 tile's 6 rows: lanes 0..4, then lanes 4..6.
            6 => {
                _mm_storeu_ps(to, _mm256_castps256_ps128(v));
                _mm_storel_epi64(
                    to.add(4) as *mut __m128i,
                    _mm_castps_si128(_mm256_extractf128_ps::<1>(v)),
                );
            }
            4 => _mm_storeu_ps(to, _mm256_castps256_ps128(v)),
            _ => {
                let lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
                let mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(count as i32), lanes);
                _mm256_maskstore_ps(to, mask, v)
            }
        }
    }
}

/// Runs `step(acc, p)` for every `p < kc`, four steps per loop trip: fewer
/// loop instructions between a kernel's multiply-adds.
#[inline(always)]
fn each_step<A>(kc: usize, acc: &mut A, step: impl Fn(&mut A, usize)) {
    let whole = kc / 4 * 4;
    for p in (0..whole).step_by(4) {
        step(acc, p);
        step(acc, p + 1);
        step(acc, p + 2);
        step(acc, p + 3);
    }
    for p in whole..kc {
        step(acc, p);
    }
}

/// The AVX2 register kernel: a `MR x NR` tile of `a_panel @ b_panel` over `kc`, held
/// in twelve registers, then written (`add`: added) to the `rows x cols` corner
/// of the tile at `c`.
///
/// # Safety
/// AVX2 and FMA; `a` holds `MR * kc` and `b` `NR * kc` floats; the tile's
/// `rows x cols` elements at `c` with row stride `ldc` are writable (readable
/// with `add`).
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
#[inline]
unsafe fn kernel(
    kc: usize,
    a: *const f32,
    b: *const f32,
    c: *mut f32,
    ldc: usize,
    rows: usize,
    cols: usize,
    add: bool,
) {
    // Ask for the output tile now, so its lines arrive while the products run.
    for i in 0..rows {
        // SAFETY: a prefetch never faults; row i < rows lies inside the output.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(c.add(i * ldc) as *const i8) };
    }
    let mut acc = [[_mm256_setzero_ps(); 2]; MR];
    // One step of the inner dimension: a row of the B panel times a column of A.
    let step = |acc: &mut [[__m256; 2]; MR], p: usize| {
        // SAFETY: p < kc, so p * NR + 16 <= NR * kc and p * MR + MR <= MR * kc.
        unsafe {
            let b0 = _mm256_loadu_ps(b.add(p * NR));
            let b1 = _mm256_loadu_ps(b.add(p * NR + 8));
            for (i, row) in acc.iter_mut().enumerate() {
                let ai = _mm256_broadcast_ss(&*a.add(p * MR + i));
                row[0] = _mm256_fmadd_ps(ai, b0, row[0]);
                row[1] = _mm256_fmadd_ps(ai, b1, row[1]);
            }
        }
    };
    each_step(kc, &mut acc, step);
    if rows == MR && cols == NR {
        for (i, row) in acc.iter().enumerate() {
            // SAFETY: a full tile: row i, columns 0..16 are inside dst.
            unsafe {
                let at = c.add(i * ldc);
                let (mut lo, mut hi) = (row[0], row[1]);
                if add {
                    lo = _mm256_add_ps(_mm256_loadu_ps(at), lo);
                    hi = _mm256_add_ps(_mm256_loadu_ps(at.add(8)), hi);
                }
                _mm256_storeu_ps(at, lo);
                _mm256_storeu_ps(at.add(8), hi);
            }
        }
        return;
    }
    // An edge tile: spill the registers and write the part inside the output.
    let mut tile = [0f32; MR * NR];
    for (i, row) in acc.iter().enumerate() {
        // SAFETY: tile holds MR rows of NR floats.
        unsafe {
            _mm256_storeu_ps(tile.as_mut_ptr().add(i * NR), row[0]);
            _mm256_storeu_ps(tile.as_mut_ptr().add(i * NR + 8), row[1]);
        }
    }
    for i in 0..rows {
        for j in 0..cols {
            // SAFETY: i < rows, j < cols: inside the output by contract.
            let at = unsafe { &mut *c.add(i * ldc + j) };
            let v = tile[i * NR + j];
            *at = if add { *at + v } else { v };
        }
    }
}

/// The AVX-512 register kernel: a `TM x 32` tile of `a_panel @ b_panel` over
/// `kc`, held in `2 * TM` registers, then written (`add`: added) to the
/// `rows x cols` corner of the tile at `c`. Each element is summed in the same
/// order as by [`kernel`], so the two tiles give the same bits.
///
/// # Safety
/// AVX-512F; `a` holds `TM * kc` and `b` `32 * kc` floats; the tile's
/// `rows x cols` elements at `c` with row stride `ldc` are writable (readable
/// with `add`).
#[target_feature(enable = "avx512f")]
#[allow(clippy::too_many_arguments)]
unsafe fn kernel_avx512<const TM: usize>(
    kc: usize,
    a: *const f32,
    b: *const f32,
    c: *mut f32,
    ldc: usize,
    rows: usize,
    cols: usize,
    add: bool,
) {
    const TN: usize = NR_WIDE;
    // Ask for the output tile now, so its lines arrive while the products run.
    for i in 0..rows {
        // A prefetch never faults; the addresses are computed wrapping, as the
        // second may lie past a narrow tile.
        _mm_prefetch::<_MM_HINT_T0>(c.wrapping_add(i * ldc) as *const i8);
        _mm_prefetch::<_MM_HINT_T0>(c.wrapping_add(i * ldc + 16) as *const i8);
    }
    let mut acc = [[_mm512_setzero_ps(); 2]; TM];
    // One step of the inner dimension: a row of the B panel times a column of A.
    let step = |acc: &mut [[__m512; 2]; TM], p: usize| {
        // SAFETY: p < kc, so p * TN + 32 <= TN * kc and p * TM + TM <= TM * kc.
        unsafe {
            let b0 = _mm512_loadu_ps(b.add(p * TN));
            let b1 = _mm512_loadu_ps(b.add(p * TN + 16));
            for (i, row) in acc.iter_mut().enumerate() {
                let ai = _mm512_set1_ps(*a.add(p * TM + i));
                row[0] = _mm512_fmadd_ps(ai, b0, row[0]);
                row[1] = _mm512_fmadd_ps(ai, b1, row[1]);
            }
        }
    };
    each_step(kc, &mut acc, step);
    // Lanes of each half inside the output: all of them but in a right-edge tile.
    let lanes = |from: usize| -> __mmask16 {
        match cols.saturating_sub(from) {
            n if n >= 16 => 0xffff,
            n => (1u16 << n) - 1,
        }
    };
    let (mask_lo, mask_hi) = (lanes(0), lanes(16));
    for (i, row) in acc.iter().take(rows).enumerate() {
        // SAFETY: row i < rows; the masks cover only columns < cols, and masked
        // lanes are neither read nor written.
        unsafe {
            let at = c.add(i * ldc);
            // Past the output when the tile is at most 16 wide (then mask_hi
            // is empty): computed without claiming it is in bounds.
            let at_hi = at.wrapping_add(16);
            let (mut lo, mut hi) = (row[0], row[1]);
            if add {
                lo = _mm512_add_ps(_mm512_maskz_loadu_ps(mask_lo, at), lo);
                hi = _mm512_add_ps(_mm512_maskz_loadu_ps(mask_hi, at_hi), hi);
            }
            _mm512_mask_storeu_ps(at, mask_lo, lo);
            _mm512_mask_storeu_ps(at_hi, mask_hi, hi);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::simd::{detected, SimdLevel};

    /// A strided `rows x cols` operand over `data` with element (i, j) = `f(i, j)`,
    /// stored row-major (`transposed`: column-major) with `pad` unused elements
    /// after each row (column), so that neither stride equals the other extent.
    fn operand(
        rows: usize,
        cols: usize,
        transposed: bool,
        pad: usize,
        f: impl Fn(usize, usize) -> f32,
    ) -> (Vec<f32>, usize, usize) {
        let (outer, inner) = if transposed {
            (cols, rows)
        } else {
            (rows, cols)
        };
        let ld = inner + pad;
        let mut data = vec![f32::NAN; outer * ld];
        for i in 0..rows {
            for j in 0..cols {
                let at = if transposed { j * ld + i } else { i * ld + j };
                data[at] = f(i, j);
            }
        }
        let (rs, cs) = if transposed { (1, ld) } else { (ld, 1) };
        (data, rs, cs)
    }

    /// The tiles this CPU can run: `false` (AVX2) and, with AVX-512, `true`.
    fn tiles() -> Vec<bool> {
        match detected() {
            SimdLevel::Avx512 => vec![false, true],
            SimdLevel::Avx2 => vec![false],
            _ => vec![],
        }
    }

    /// Runs [`sgemm`] with the given tile into a `m x n` output with row
    /// stride `n + 3` whose elements start as `init` (and whose padding must
    /// stay untouched).
    #[allow(clippy::too_many_arguments)]
    fn run(
        wide: bool,
        m: usize,
        n: usize,
        k: usize,
        a: &(Vec<f32>, usize, usize),
        b: &(Vec<f32>, usize, usize),
        init: f32,
        accumulate: bool,
    ) -> Vec<f32> {
        let ldd = n + 3;
        let mut dst = vec![init; m * ldd];
        let lhs = Operand {
            ptr: a.0.as_ptr(),
            rs: a.1,
            cs: a.2,
        };
        let rhs = Operand {
            ptr: b.0.as_ptr(),
            rs: b.1,
            cs: b.2,
        };
        // SAFETY: `tiles()` offers only tiles the CPU runs; the operands hold
        // every element their strides reach, dst holds m rows of ldd.
        unsafe {
            sgemm(
                wide,
                Product {
                    m,
                    n,
                    k,
                    dst: dst.as_mut_ptr(),
                    ldd,
                    lhs,
                    rhs,
                    accumulate,
                },
            )
        };
        for row in dst.chunks(ldd) {
            assert!(
                row[n..].iter().all(|&v| v.to_bits() == init.to_bits()),
                "padding written"
            );
        }
        dst.chunks(ldd).flat_map(|r| r[..n].to_vec()).collect()
    }

    #[test]
    fn agrees_exactly_with_the_plain_product_on_every_layout_and_edge() {
        // Small integers keep every partial sum exact, so any order of the
        // additions gives the same bits: the test checks indexing, packing, the
        // edge tiles and the blocking, not rounding. The shapes cross MR, NR,
        // KC (256) and MC (144) boundaries, for both tiles.
        let shapes = [
            (1, 1, 1),
            (5, 7, 3),
            (6, 16, 8),
            (7, 17, 9),
            (13, 33, 300),
            (150, 20, 257),
            (64, 128, 784),
            (145, 40, 513),
        ];
        for (wide, &(m, n, k)) in tiles()
            .into_iter()
            .flat_map(|w| shapes.iter().map(move |s| (w, s)))
        {
            let fa = |i: usize, p: usize| ((i * 7 + p * 3) % 5) as f32 - 2.0;
            let fb = |p: usize, j: usize| ((p * 5 + j * 11) % 7) as f32 - 3.0;
            let expected: Vec<f32> = (0..m * n)
                .map(|o| (0..k).map(|p| fa(o / n, p) * fb(p, o % n)).sum())
                .collect();
            for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                let a = operand(m, k, ta, 2, fa);
                let b = operand(k, n, tb, 1, fb);
                assert_eq!(
                    run(wide, m, n, k, &a, &b, f32::NAN, false),
                    expected,
                    "{m}x{n}x{k} ta={ta} tb={tb} wide={wide}"
                );
                let added: Vec<f32> = expected.iter().map(|v| v + 1.5).collect();
                assert_eq!(
                    run(wide, m, n, k, &a, &b, 1.5, true),
                    added,
                    "accumulate {m}x{n}x{k} wide={wide}"
                );
            }
        }
    }

    #[test]
    fn results_do_not_depend_on_how_the_output_is_cut_or_on_the_tile() {
        // Real-valued operands, where the order of additions shows in the bits:
        // the whole product and the same product computed as column bands and as
        // row bands (as threads compute it), by either tile, must agree bit for
        // bit.
        let (m, n, k) = (70, 90, 600);
        let mut seed = 1u32;
        let mut next = move || {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (seed >> 8) as f32 / (1 << 24) as f32 - 0.5
        };
        let a: Vec<f32> = (0..m * k).map(|_| next()).collect();
        let b: Vec<f32> = (0..k * n).map(|_| next()).collect();
        let Some(&first) = tiles().first() else {
            return;
        };
        let whole = run(
            first,
            m,
            n,
            k,
            &(a.clone(), k, 1),
            &(b.clone(), n, 1),
            0.0,
            false,
        );
        let cuts = [
            (0..m, 0..n),
            (0..m, 0..37),
            (0..m, 37..n),
            (0..13, 0..n),
            (13..m, 0..n),
        ];
        for (wide, (rows, cols)) in tiles()
            .into_iter()
            .flat_map(|w| cuts.clone().map(move |c| (w, c)))
        {
            let sub_a = (a[rows.start * k..].to_vec(), k, 1);
            let sub_b = (b[cols.start..].to_vec(), n, 1);
            let part = run(wide, rows.len(), cols.len(), k, &sub_a, &sub_b, 0.0, false);
            for (r, i) in rows.clone().enumerate() {
                for (c, j) in cols.clone().enumerate() {
                    assert_eq!(
                        part[r * cols.len() + c].to_bits(),
                        whole[i * n + j].to_bits(),
                        "({i}, {j}) wide={wide}"
                    );
                }
            }
        }
    }
}
