//! Products with a mostly-zero operand. An MNIST batch is about three quarters
//! background, one-hot and bag-of-words features are emptier still, and a dense
//! product spends most of its multiply-adds on those zeros: in the MNIST MLP's
//! step, the first layer's forward `x W^T` and its weight gradient `g^T x` are
//! three quarters of the time, and both have the pixels as an operand.
//!
//! [`product`] samples an operand; when few of its elements are nonzero it lists
//! each row's nonzeros (column index and value, compressed sparse rows) and adds
//! every nonzero times a packed row of the other operand into the output row,
//! eight lanes at a time. The zeros cost one comparison each, in the scan.
//!
//! Like reference BLAS, which also skips zero elements, a skipped zero does not
//! turn an infinite or NaN element of the other operand into NaN (`0 * inf`
//! counts as 0). A NaN in the sparse operand itself is kept and spreads as usual.
//!
//! Each output element is the fused sum of its row's nonzeros in increasing
//! index order, starting from the output (when accumulating) or zero, whichever
//! thread takes its row: results do not depend on the thread count.

use super::sgemm::{transpose8, Operand};
use std::arch::x86_64::*;
use std::cell::RefCell;

/// The largest fraction of nonzero elements for which skipping the zeros pays.
/// Measured at the MNIST MLP's shapes (64x784 by 784x128 and 128x64 by 64x784)
/// against the dense kernels, 1 thread, nonzeros scattered uniformly at random
/// (the worst case): the sparse path took 0.68-0.82x the dense time at 0.19 and
/// 0.95-1.14x at 0.3. MNIST batches (0.19-0.25, the nonzeros clustered in
/// strokes) gain more than the uniform case.
pub const MAX_DENSITY: f32 = 0.3;

/// Whether zeros may be skipped: `FERROGRAD_SPARSE=off` (or `0`) keeps every
/// product dense, for comparing the two or for BLAS's NaN propagation through
/// zeros. Read once per process.
pub fn enabled() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| {
        !matches!(
            std::env::var("FERROGRAD_SPARSE").as_deref().map(str::trim),
            Ok("off" | "0" | "false")
        )
    })
}

/// Products smaller than this many multiply-adds are not worth a scan.
const MIN_WORK: usize = 1 << 16;

/// The inner dimension below which the dense kernel's packing is cheap anyway.
const MIN_K: usize = 16;

/// The narrowest output rows the sparse kernel is given: below 32 columns its
/// per-row work and the transposes cost more than the zeros save (measured: the
/// CNN's first convolution, 16 filters of 25 taps over 5,488 pixel columns, ran
/// 3.5x slower sparse than dense).
const MIN_WIDTH: usize = 32;

/// Rows of the transposed result computed before they are transposed into the
/// output: one 8 x 8 register block wide.
const TILE: usize = 8;

/// Multiply-adds of the sparse kernel from which a second thread pays for
/// waking and for fetching the dense operand into its own cache. Measured on
/// the MNIST MLP, whose first-layer products are 1.6M each: split, 2-thread
/// training ran 226,000 samples/s against 252,300 at 1 thread; whole, 264,800
/// (`model.fit`, medians of 5 alternated runs). The CNN's products with sparse
/// gradients are ~20M and split.
const SPLIT_WORK: usize = 1 << 22;

/// A band of rows, `band(start, end)`, that may run on any thread.
pub type Band<'a> = dyn Fn(usize, usize) + Sync + 'a;

/// Runs a [`Band`] over `0..len` in bands `step` long, on the thread pool:
/// `run_bands(len, step, band)`.
pub type RunBands<'a> = dyn Fn(usize, usize, &Band) + 'a;

/// A matrix as lists of each row's nonzeros (compressed sparse rows).
#[derive(Default)]
struct Rows {
    /// Row `i`'s nonzeros are entries `starts[i]..starts[i + 1]`.
    starts: Vec<usize>,
    /// Column index of each entry; longer than the entries (never shrunk).
    idx: Vec<u32>,
    /// Value of each entry; as long as `idx`.
    val: Vec<f32>,
    /// Number of entries.
    nnz: usize,
}

impl Rows {
    /// Empties the lists and makes room for `cap` entries.
    fn reset(&mut self, cap: usize) {
        self.starts.clear();
        self.nnz = 0;
        if self.idx.len() < cap {
            self.idx.resize(cap, 0);
            self.val.resize(cap, 0.0);
        }
    }

    /// Entries of row `i`: (column indices, values).
    fn row(&self, i: usize) -> (&[u32], &[f32]) {
        let range = self.starts[i]..self.starts[i + 1];
        (&self.idx[range.clone()], &self.val[range])
    }
}

/// Buffers kept per thread between products, so that a training step does not
/// allocate them again for every layer.
#[derive(Default)]
struct Scratch {
    /// The sparse operand.
    rows: Rows,
    /// The same entries listed by column, before they are sorted into rows.
    by_col: Rows,
    /// The dense operand packed row-major, when it is not already.
    dense: Vec<f32>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// `dst = lhs @ rhs` (or `dst += lhs @ rhs` with `accumulate`), `dst` packed
/// row-major `m x n`, computed from the nonzeros of `lhs` or `rhs` when one of
/// them is sparse enough (see the module doc). Returns false, having written
/// nothing, when neither is or the layouts do not suit; the caller then runs
/// the dense product. `run_bands(len, step, band)` runs `band(start, end)` over
/// `0..len` on the thread pool.
///
/// # Safety
/// - The CPU supports AVX2 and FMA.
/// - `lhs.ptr + i * lhs.rs + p * lhs.cs` is readable for every `i < m`, `p < k`,
///   and likewise `rhs` for `p < k`, `j < n`; `dst` holds `m * n` elements and
///   overlaps neither.
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
pub unsafe fn product(
    m: usize,
    n: usize,
    k: usize,
    dst: &mut [f32],
    lhs: Operand,
    rhs: Operand,
    accumulate: bool,
    run_bands: &RunBands,
) -> bool {
    if !enabled() || m * n * k < MIN_WORK || k < MIN_K || !(unit(lhs) && unit(rhs)) {
        return false;
    }
    let mut run = |s: &mut Scratch| {
        // SAFETY: the caller's contract covers both operands and dst.
        unsafe {
            if n >= MIN_WIDTH && looks_sparse(m, k, lhs) && compress(m, k, lhs, s) {
                // Rows of dst are rows of lhs: each nonzero lhs[i, p] adds a
                // multiple of rhs row p to dst row i.
                let (b, ldb) = row_major(k, n, rhs, &mut s.dense);
                // Addresses, not pointers, so that the band closure may cross
                // threads; the bands write disjoint rows of dst.
                let (b, out) = (b as usize, dst.as_mut_ptr() as usize);
                let rows = &s.rows;
                let band = |a: usize, z: usize| {
                    let (b, out) = (b as *const f32, out as *mut f32);
                    rows_times(rows, a..z, n, b, ldb, out.add(a * n), n, accumulate)
                };
                split(m, n, rows, run_bands, m.div_ceil(8), &band);
                return true;
            }
            let (rhs_t, lhs_t) = (transposed(rhs), transposed(lhs));
            if m >= MIN_WIDTH && looks_sparse(n, k, rhs_t) && compress(n, k, rhs_t, s) {
                // dst^T = rhs^T lhs^T: rows of dst^T are rhs's columns, computed
                // eight at a time into a tile that stays in L1 and transposed
                // from there into eight columns of dst, so the result is
                // written once, by the thread that computed it.
                let (b, ldb) = row_major(k, m, lhs_t, &mut s.dense);
                let (b, out) = (b as usize, dst.as_mut_ptr() as usize);
                let rows = &s.rows;
                let band = |a: usize, z: usize| {
                    let (b, out) = (b as *const f32, out as *mut f32);
                    let mut tile = vec![0.0; TILE * m];
                    for t in (a..z).step_by(TILE) {
                        let end = (t + TILE).min(z);
                        let tile = tile.as_mut_ptr();
                        rows_times(rows, t..end, m, b, ldb, tile, m, false);
                        transpose(m, end - t, tile, m, out.add(t), n, accumulate);
                    }
                };
                // Bands of 16 columns of dst's rows at a time (a cache line
                // when the rows are aligned), so that threads seldom share one.
                split(
                    n,
                    m,
                    rows,
                    run_bands,
                    n.div_ceil(8).next_multiple_of(16),
                    &band,
                );
                return true;
            }
        }
        false
    };
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut s) => run(&mut s),
        // A product started on this thread while it waited inside another (a
        // pool thread takes other work meanwhile): fresh buffers, not the dense
        // kernel, so that which path runs never depends on the scheduling.
        Err(_) => run(&mut Scratch::default()),
    })
}

/// True when one of the operand's strides is 1 (the only layouts handled here).
fn unit(op: Operand) -> bool {
    op.rs == 1 || op.cs == 1
}

/// The operand read as its transpose: the same elements, strides swapped.
fn transposed(op: Operand) -> Operand {
    Operand {
        ptr: op.ptr,
        rs: op.cs,
        cs: op.rs,
    }
}

/// Runs `band` over the rows `0..rows` of the sparse operand, in bands `step`
/// long split between threads when the work (nonzeros times output columns)
/// pays for it.
fn split(rows: usize, cols: usize, sparse: &Rows, run_bands: &RunBands, step: usize, band: &Band) {
    let work = sparse.nnz * cols;
    match work >= SPLIT_WORK && rows > step {
        true => run_bands(rows, step, band),
        false => band(0, rows),
    }
}

/// Lines of `op` along its unit stride: `(count, length, stride between lines)`.
fn lines(rows: usize, cols: usize, op: Operand) -> (usize, usize, usize) {
    match op.cs == 1 {
        true => (rows, cols, op.rs),
        false => (cols, rows, op.cs),
    }
}

/// Whether a sample of up to 8 evenly spaced lines (about 4,000 elements) of the
/// `rows x cols` operand has at most [`MAX_DENSITY`] nonzeros: a dense operand
/// is turned away for the price of that sample.
///
/// # Safety
/// The operand's elements are readable and one of its strides is 1.
unsafe fn looks_sparse(rows: usize, cols: usize, op: Operand) -> bool {
    let (count, len, stride) = lines(rows, cols, op);
    let take = count.min(8).min((4096 / len).max(1));
    let mut nonzero = 0;
    for t in 0..take {
        // SAFETY: line t * count / take < count lies inside the operand.
        let line =
            unsafe { std::slice::from_raw_parts(op.ptr.add(t * count / take * stride), len) };
        nonzero += line.iter().filter(|v| **v != 0.0).count();
    }
    nonzero as f32 <= MAX_DENSITY * (take * len) as f32
}

/// Lists the nonzeros of the `rows x cols` operand by row into `s.rows`; false
/// (and the lists unfinished) if they turn out more than [`MAX_DENSITY`] allows.
///
/// # Safety
/// AVX2; the operand's elements are readable and one of its strides is 1.
#[target_feature(enable = "avx2,fma")]
unsafe fn compress(rows: usize, cols: usize, op: Operand, s: &mut Scratch) -> bool {
    let limit = (MAX_DENSITY * (rows * cols) as f32) as usize;
    let (count, len, stride) = lines(rows, cols, op);
    // Scan along the unit stride; lines are rows, or columns to be sorted into rows.
    let target = match op.cs == 1 {
        true => &mut s.rows,
        false => &mut s.by_col,
    };
    // A line may overshoot the limit before it is checked, and each group of
    // eight writes eight entries.
    target.reset(limit + len + 8);
    for l in 0..count {
        target.starts.push(target.nnz);
        // SAFETY: line l < count lies inside the operand, len elements long;
        // the lists have room for this line, as the last one stayed in limit.
        unsafe { scan(op.ptr.add(l * stride), len, target) };
        if target.nnz > limit {
            return false;
        }
    }
    target.starts.push(target.nnz);
    if op.cs != 1 {
        by_rows(rows, &s.by_col, &mut s.rows);
    }
    true
}

/// For each 8-bit mask, the lanes whose bit is set, in order, then zeros: the
/// shuffle that packs a vector's nonzero lanes to its front.
const LEFT_PACK: [[u32; 8]; 256] = {
    let mut table = [[0; 8]; 256];
    let mut mask = 0;
    while mask < 256 {
        let (mut lane, mut at) = (0, 0);
        while lane < 8 {
            if mask & (1 << lane) != 0 {
                table[mask][at] = lane as u32;
                at += 1;
            }
            lane += 1;
        }
        mask += 1;
    }
    table
};

/// Appends the index and value of each nonzero of `line[..len]` to `out`,
/// without a branch per element: each group of eight is packed by a shuffle
/// and written whole, and the count moves on by the number of nonzeros.
///
/// # Safety
/// AVX2; `line` is readable for `len` floats; `out` has room for `len + 8`
/// entries past its `nnz`.
#[target_feature(enable = "avx2,fma")]
unsafe fn scan(line: *const f32, len: usize, out: &mut Rows) {
    let (idx, val) = (out.idx.as_mut_ptr(), out.val.as_mut_ptr());
    let mut at = out.nnz;
    let mut j = 0;
    // SAFETY: reads stay below len; writes stay below nnz + len + 8.
    unsafe {
        while j + 8 <= len {
            let v = _mm256_loadu_ps(line.add(j));
            // NEQ_UQ is true for NaN, which must be kept.
            let nonzero = _mm256_cmp_ps::<_CMP_NEQ_UQ>(v, _mm256_setzero_ps());
            let mask = _mm256_movemask_ps(nonzero) as usize;
            if mask != 0 {
                let lanes = _mm256_loadu_si256(LEFT_PACK[mask].as_ptr() as *const __m256i);
                _mm256_storeu_ps(val.add(at), _mm256_permutevar8x32_ps(v, lanes));
                let cols = _mm256_add_epi32(lanes, _mm256_set1_epi32(j as i32));
                _mm256_storeu_si256(idx.add(at) as *mut __m256i, cols);
                at += mask.count_ones() as usize;
            }
            j += 8;
        }
        for j in j..len {
            let v = *line.add(j);
            *idx.add(at) = j as u32;
            *val.add(at) = v;
            at += (v != 0.0) as usize;
        }
    }
    out.nnz = at;
}

/// Sorts entries listed by column (`by_col`: one list per column, row indices
/// in `idx`) into per-row lists in `rows`, columns increasing within each row.
fn by_rows(n_rows: usize, by_col: &Rows, rows: &mut Rows) {
    rows.reset(by_col.nnz);
    rows.starts.resize(n_rows + 1, 0);
    for &i in &by_col.idx[..by_col.nnz] {
        rows.starts[i as usize + 1] += 1;
    }
    for i in 0..n_rows {
        rows.starts[i + 1] += rows.starts[i];
    }
    rows.nnz = by_col.nnz;
    // `starts[i]` serves as row i's write cursor: it moves from row i's start to
    // its end, which is row i + 1's start, so shifting the list by one place
    // restores the starts, with no cursor array to allocate per product.
    for c in 0..by_col.starts.len() - 1 {
        let (is, vs) = by_col.row(c);
        for (&i, &v) in is.iter().zip(vs) {
            let at = &mut rows.starts[i as usize];
            rows.idx[*at] = c as u32;
            rows.val[*at] = v;
            *at += 1;
        }
    }
    rows.starts.copy_within(0..n_rows, 1);
    rows.starts[0] = 0;
}

/// The `k x n` operand as a row-major matrix: `(first element, row stride)`,
/// itself when its columns are already packed, else transposed into `buf`.
///
/// # Safety
/// AVX2; the operand's elements are readable and one of its strides is 1.
#[target_feature(enable = "avx2,fma")]
unsafe fn row_major(k: usize, n: usize, op: Operand, buf: &mut Vec<f32>) -> (*const f32, usize) {
    if op.cs == 1 {
        return (op.ptr, op.rs);
    }
    buf.resize(k * n, 0.0);
    // SAFETY: op.rs == 1, so element (p, j) is at op.ptr + j * op.cs + p: the
    // transpose of an n x k matrix with row stride op.cs.
    unsafe { transpose(k, n, op.ptr, op.cs, buf.as_mut_ptr(), n, false) };
    (buf.as_ptr(), n)
}

/// `dst[r * ldd + c] = src[c * lds + r]` (`+=` with `add`) for `r < rows`,
/// `c < cols`: the transpose of the `cols x rows` matrix at `src`, by 8 x 8
/// blocks in registers.
///
/// # Safety
/// AVX2; `src` readable and `dst` writable (and readable with `add`) over those
/// elements, not overlapping.
#[target_feature(enable = "avx2,fma")]
unsafe fn transpose(
    rows: usize,
    cols: usize,
    src: *const f32,
    lds: usize,
    dst: *mut f32,
    ldd: usize,
    add: bool,
) {
    let (r8, c8) = (rows / 8 * 8, cols / 8 * 8);
    // Eight whole rows of dst at a time: the stores fill dst's lines one after
    // the other, and the loads (eight columns of each source row) stay in L1
    // for the next eight rows.
    for r in (0..r8).step_by(8) {
        for c in (0..c8).step_by(8) {
            // SAFETY: the block's rows c..c + 8 of src and r..r + 8 of dst lie
            // inside both matrices.
            unsafe {
                let mut v = [_mm256_setzero_ps(); 8];
                for (t, v) in v.iter_mut().enumerate() {
                    *v = _mm256_loadu_ps(src.add((c + t) * lds + r));
                }
                for (t, row) in transpose8(v).into_iter().enumerate() {
                    let to = dst.add((r + t) * ldd + c);
                    let row = match add {
                        true => _mm256_add_ps(_mm256_loadu_ps(to), row),
                        false => row,
                    };
                    _mm256_storeu_ps(to, row);
                }
            }
        }
    }
    // The edges: rows past r8 of every column, then columns past c8.
    let one = |r: usize, c: usize| {
        // SAFETY: r < rows, c < cols.
        unsafe {
            let v = *src.add(c * lds + r);
            let to = dst.add(r * ldd + c);
            *to = if add { *to + v } else { v };
        }
    };
    (r8..rows).for_each(|r| (0..c8).for_each(|c| one(r, c)));
    (0..rows).for_each(|r| (c8..cols).for_each(|c| one(r, c)));
}

/// For each row `i` in `range` of `sparse`, the `i - range.start`th row `o` of
/// `out`: `o[..n] (+)= sum of v * b[p, ..n]` over the row's nonzeros `(p, v)`,
/// in column blocks of 64 floats held in eight registers while the row's
/// nonzeros stream past.
///
/// # Safety
/// AVX2 and FMA; rows `p` of `b` (row stride `ldb`) are readable for `n`
/// floats for every listed `p`; `range.len()` rows of `out` (row stride `ldo`)
/// are writable for `n` floats (readable with `accumulate`), and different
/// threads get different rows.
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
unsafe fn rows_times(
    sparse: &Rows,
    range: std::ops::Range<usize>,
    n: usize,
    b: *const f32,
    ldb: usize,
    out: *mut f32,
    ldo: usize,
    accumulate: bool,
) {
    let first = range.start;
    for i in range {
        let (idx, val) = sparse.row(i);
        // SAFETY: row i - first of out and the listed rows of b, by contract.
        unsafe {
            let o = out.add((i - first) * ldo);
            let mut c = 0;
            while c + 64 <= n {
                block::<8>(idx, val, b.add(c), ldb, o.add(c), accumulate);
                c += 64;
            }
            while c + 8 <= n {
                block::<1>(idx, val, b.add(c), ldb, o.add(c), accumulate);
                c += 8;
            }
            for j in c..n {
                // The same fused sum, in the same order, as a vector lane.
                let mut s = if accumulate { *o.add(j) } else { 0.0 };
                for (&p, &v) in idx.iter().zip(val) {
                    s = v.mul_add(*b.add(p as usize * ldb + j), s);
                }
                *o.add(j) = s;
            }
        }
    }
}

/// `V` vectors of 8 output columns of one row: the sum over the row's nonzeros.
///
/// # Safety
/// As [`rows_times`], for `8 * V` columns from `b` and `o`.
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn block<const V: usize>(
    idx: &[u32],
    val: &[f32],
    b: *const f32,
    ldb: usize,
    o: *mut f32,
    accumulate: bool,
) {
    // SAFETY: the columns and rows touched are inside b and o by contract.
    unsafe {
        let mut acc = [_mm256_setzero_ps(); V];
        if accumulate {
            for (t, acc) in acc.iter_mut().enumerate() {
                *acc = _mm256_loadu_ps(o.add(8 * t));
            }
        }
        for (&p, &v) in idx.iter().zip(val) {
            let v = _mm256_set1_ps(v);
            let row = b.add(p as usize * ldb);
            for (t, acc) in acc.iter_mut().enumerate() {
                *acc = _mm256_fmadd_ps(v, _mm256_loadu_ps(row.add(8 * t)), *acc);
            }
        }
        for (t, acc) in acc.into_iter().enumerate() {
            _mm256_storeu_ps(o.add(8 * t), acc);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Small integers, a `density` share of them nonzero, so that every sum is
    /// exact and any order of addition gives the same result.
    fn sparse_values(len: usize, density: f32, seed: usize) -> Vec<f32> {
        (0..len)
            .map(|i| {
                let h = (i * 2654435761 + seed * 40503) % 1000;
                match (h as f32) < density * 1000.0 {
                    true => (h % 7) as f32 - 3.0 + if h % 7 == 3 { 1.0 } else { 0.0 },
                    false => 0.0,
                }
            })
            .collect()
    }

    fn dense_values(len: usize, seed: usize) -> Vec<f32> {
        (0..len)
            .map(|i| ((i * 7 + seed) % 9) as f32 - 4.0)
            .collect()
    }

    /// `dst = a @ b` the plain way, element by element (`+=` with `acc`).
    #[allow(clippy::too_many_arguments)]
    fn naive(m: usize, n: usize, k: usize, a: Operand, b: Operand, dst: &mut [f32], acc: bool) {
        for i in 0..m {
            for j in 0..n {
                let mut s = if acc { dst[i * n + j] } else { 0.0 };
                for p in 0..k {
                    // SAFETY: the tests' operands hold these elements.
                    s += unsafe {
                        *a.ptr.add(i * a.rs + p * a.cs) * *b.ptr.add(p * b.rs + j * b.cs)
                    };
                }
                dst[i * n + j] = s;
            }
        }
    }

    /// Runs each band on the calling thread, last band first, so that a result
    /// that depended on the order of the bands would show.
    fn backwards(len: usize, step: usize, band: &Band) {
        let starts: Vec<usize> = (0..len).step_by(step).collect();
        for &s in starts.iter().rev() {
            band(s, (s + step).min(len));
        }
    }

    fn whole(len: usize, _step: usize, band: &Band) {
        band(0, len);
    }

    fn avx2() -> bool {
        is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma")
    }

    /// A packed `rows x cols` operand over `d`, row-major or (`t`) transposed.
    fn operand(d: &[f32], rows: usize, cols: usize, t: bool) -> Operand {
        Operand {
            ptr: d.as_ptr(),
            rs: if t { 1 } else { cols },
            cs: if t { rows } else { 1 },
        }
    }

    /// `product` on `a` (its first `m x k` values, row-major or transposed) and
    /// `b` (its first `k x n`, likewise), checked against the plain product;
    /// returns whether it ran.
    fn check(
        (m, n, k): (usize, usize, usize),
        (a, a_t): (&[f32], bool),
        (b, b_t): (&[f32], bool),
        acc: bool,
    ) -> bool {
        let (a, b) = (&a[..m * k], &b[..k * n]);
        let (a, b) = (operand(a, m, k, a_t), operand(b, k, n, b_t));
        let start: Vec<f32> = (0..m * n).map(|v| (v % 5) as f32).collect();
        let mut expected = start.clone();
        naive(m, n, k, a, b, &mut expected, acc);
        let mut runs = Vec::new();
        for run in [whole as fn(usize, usize, &Band), backwards] {
            let mut out = start.clone();
            // SAFETY: AVX2 checked by the caller; operands and out hold their elements.
            let done = unsafe { product(m, n, k, &mut out, a, b, acc, &run) };
            if !done {
                assert_eq!(out, start, "a declined product must write nothing");
                return false;
            }
            runs.push(out);
        }
        assert_eq!(runs[0], expected, "{m}x{k} @ {k}x{n}, acc {acc}");
        assert_eq!(runs[1], runs[0], "bands in another order");
        true
    }

    #[test]
    fn products_large_enough_to_split_give_the_bits_of_one_band() {
        if !avx2() {
            return;
        }
        // A quarter nonzero: ~5.7M multiply-adds either way, over SPLIT_WORK.
        let (m, n, k) = (128, 400, 448);
        let sparse = sparse_values(n * k, 0.25, 3);
        let dense = dense_values(n * k, 5);
        assert!(SPLIT_WORK * 5 < m * n * k);
        assert!(check((m, n, k), (&sparse, false), (&dense, true), true));
        assert!(check((m, n, k), (&dense, true), (&sparse, false), true));
    }

    #[test]
    fn agrees_with_the_plain_product_on_either_sparse_side_and_every_layout() {
        if !avx2() {
            return;
        }
        // Column counts with a 64-wide block, 8-wide blocks and a scalar tail.
        for (m, n, k) in [(64, 128, 784), (37, 70, 53), (33, 203, 40), (128, 784, 64)] {
            for acc in [false, true] {
                let sparse = sparse_values(m.max(n) * k, 0.12, m + n);
                let dense = dense_values(m.max(n) * k, k);
                for (a_t, b_t) in [(false, false), (false, true), (true, false), (true, true)] {
                    assert!(check((m, n, k), (&sparse, a_t), (&dense, b_t), acc));
                    assert!(check((m, n, k), (&dense, a_t), (&sparse, b_t), acc));
                }
            }
        }
    }

    #[test]
    fn dense_and_small_products_are_left_to_the_dense_kernel() {
        if !avx2() {
            return;
        }
        let (m, n, k) = (64, 128, 200);
        let (dense_a, dense_b) = (dense_values(m * k, 1), dense_values(k * n, 2));
        assert!(!check(
            (m, n, k),
            (&dense_a, false),
            (&dense_b, false),
            false
        ));
        // Sparse, but more than MAX_DENSITY of it nonzero.
        let half = sparse_values(m * k, 0.5, 3);
        assert!(!check((m, n, k), (&half, false), (&dense_b, false), false));
        // Sparse, but the output too narrow on the side the zeros would make rows of.
        let (sparse, dense) = (sparse_values(500 * 25, 0.1, 5), dense_values(500 * 25, 6));
        // Outputs of 500 x 16 and 16 x 500, over k = 25.
        let (tall, wide) = ((500, 16, 25), (16, 500, 25));
        assert!(!check(tall, (&sparse, false), (&dense, false), false));
        assert!(!check(wide, (&dense, false), (&sparse, false), false));
        // Sparse and small.
        let tiny = sparse_values(8 * 16, 0.1, 4);
        assert!(!check((8, 8, 16), (&tiny, false), (&dense_b, false), false));
    }

    #[test]
    fn nan_in_the_sparse_operand_spreads_and_zeros_skip_infinities() {
        if !avx2() {
            return;
        }
        let (m, n, k) = (32, 64, 64);
        let mut a = vec![0.0f32; m * k];
        a[5 * k + 3] = f32::NAN;
        a[7 * k + 4] = 2.0;
        let mut b = vec![1.0f32; k * n];
        b[9 * n + 10] = f32::INFINITY;
        let mut out = vec![0.0; m * n];
        let (a, b) = (operand(&a, m, k, false), operand(&b, k, n, false));
        // SAFETY: AVX2 checked; the operands and out hold their elements.
        assert!(unsafe { product(m, n, k, &mut out, a, b, false, &whole) });
        assert!(
            out[5 * n..6 * n].iter().all(|v| v.is_nan()),
            "row with the NaN"
        );
        assert!(out[7 * n..8 * n].iter().all(|&v| v == 2.0));
        // No row has a nonzero in column 9, so the infinity in b's row 9 is skipped.
        assert!(out
            .iter()
            .enumerate()
            .all(|(o, v)| v.is_nan() == (o / n == 5)));
    }

    #[test]
    fn transposes_by_blocks_and_edges() {
        if !avx2() {
            return;
        }
        let (rows, cols) = (19, 13);
        let src: Vec<f32> = (0..rows * cols).map(|v| v as f32).collect();
        for add in [false, true] {
            let mut dst = vec![1.0f32; rows * cols];
            // SAFETY: AVX2 checked; src is cols x rows, dst rows x cols.
            unsafe { transpose(rows, cols, src.as_ptr(), rows, dst.as_mut_ptr(), cols, add) };
            for r in 0..rows {
                for c in 0..cols {
                    let want = src[c * rows + r] + if add { 1.0 } else { 0.0 };
                    assert_eq!(dst[r * cols + c], want);
                }
            }
        }
    }
}
