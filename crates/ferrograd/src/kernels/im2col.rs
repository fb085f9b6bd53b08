//! im2col and col2im: the gather that turns a convolution into one matrix product,
//! and its adjoint, the scatter-add that turns the product's gradient back into an
//! input gradient.
//!
//! The columns of a sample form a `[channels * kh * kw, oh * ow]` block: row
//! `(c, i, j)` holds, for every output position, the input element that kernel tap
//! `(i, j)` of channel `c` sees there (0 in the padding). Several samples sit side
//! by side in one `[rows, row_len]` buffer so that one product serves a whole batch.

use super::float::Real;

/// A 2-D sliding window over planes of `h x w`: kernel, stride, zero padding and
/// dilation per axis (`[rows, columns]`), and the output size they give.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// Input plane size `[h, w]`.
    pub input: [usize; 2],
    /// Kernel size `[kh, kw]`.
    pub kernel: [usize; 2],
    /// Step between windows.
    pub stride: [usize; 2],
    /// Zeros added on both sides.
    pub padding: [usize; 2],
    /// Spacing between kernel taps.
    pub dilation: [usize; 2],
    /// Output plane size `[oh, ow]`.
    pub output: [usize; 2],
}

impl Window {
    /// Elements of one input plane.
    pub fn input_len(&self) -> usize {
        self.input[0] * self.input[1]
    }

    /// Elements of one output plane (columns per sample).
    pub fn output_len(&self) -> usize {
        self.output[0] * self.output[1]
    }

    /// Kernel taps per channel (rows per channel).
    pub fn taps(&self) -> usize {
        self.kernel[0] * self.kernel[1]
    }

    /// Output positions `lo..hi` along `axis` whose input coordinate for kernel tap
    /// `tap` lies inside the plane (the others read padding). Computed once per
    /// row so that the inner loops need no bounds tests.
    fn valid(&self, axis: usize, tap: usize) -> (usize, usize) {
        let (size, stride, pad) = (self.input[axis], self.stride[axis], self.padding[axis]);
        let off = tap * self.dilation[axis];
        // in = out * stride + off - pad must satisfy 0 <= in < size.
        let lo = if pad > off {
            (pad - off).div_ceil(stride)
        } else {
            0
        };
        let hi = if size + pad > off {
            ((size + pad - off - 1) / stride + 1).min(self.output[axis])
        } else {
            0
        };
        (lo.min(hi), hi)
    }

    /// Calls `f(tap, out_row, out_cols, in_start)` for every kernel tap (row-major)
    /// and every output row that reads inside the plane with it: output
    /// `out_row + c` for `c` in `out_cols` reads plane element
    /// `in_start + (c - out_cols.start) * stride[1]`. What is not visited reads
    /// padding. Pooling walks its windows this way too: tap by tap, each window's
    /// elements come in row-major order.
    pub fn for_each_run(&self, mut f: impl FnMut(usize, usize, std::ops::Range<usize>, usize)) {
        let (w, ow) = (self.input[1], self.output[1]);
        for i in 0..self.kernel[0] {
            let (ylo, yhi) = self.valid(0, i);
            for j in 0..self.kernel[1] {
                let (xlo, xhi) = self.valid(1, j);
                if xlo == xhi {
                    continue;
                }
                let row = i * self.kernel[1] + j;
                let ix0 = xlo * self.stride[1] + j * self.dilation[1] - self.padding[1];
                for y in ylo..yhi {
                    let iy = y * self.stride[0] + i * self.dilation[0] - self.padding[0];
                    f(row, y * ow, xlo..xhi, iy * w + ix0);
                }
            }
        }
    }
}

/// Writes the columns of one sample's `channels` planes (`x`, packed) into `cols`,
/// a `[channels * taps, row_len]` buffer, at column `col0`. Padding reads as 0.
pub fn im2col<T: Real>(x: &[T], win: &Window, cols: &mut [T], row_len: usize, col0: usize) {
    let (hw, p, taps) = (win.input_len(), win.output_len(), win.taps());
    let sw = win.stride[1];
    for (c, plane) in x.chunks_exact(hw).enumerate() {
        let block = &mut cols[c * taps * row_len..(c + 1) * taps * row_len];
        // Padding first, then the runs that read the plane overwrite their part.
        // Without padding every tap of every window lies inside the plane, the
        // runs cover all of it, and zeros would only be written twice.
        if win.padding != [0, 0] {
            for r in 0..taps {
                block[r * row_len + col0..r * row_len + col0 + p].fill(T::ZERO);
            }
        }
        win.for_each_run(|r, out0, run, in0| {
            let dst = &mut block[r * row_len + col0 + out0..][run.clone()];
            if sw == 1 {
                copy_run(dst, &plane[in0..in0 + run.len()]);
            } else {
                for (k, d) in dst.iter_mut().enumerate() {
                    *d = plane[in0 + k * sw];
                }
            }
        });
    }
}

/// `dst.copy_from_slice(src)` for the short runs of a convolution's rows (10 to
/// 28 elements in the MNIST CNN, half a million of them per step): a copy of
/// variable length is a call to `memmove`, whose call and dispatch cost more
/// than moving 40 bytes. Runs up to 16 long are two overlapping copies of a
/// constant length, which compile to register moves.
#[inline(always)]
fn copy_run<T: Copy>(dst: &mut [T], src: &[T]) {
    let n = dst.len();
    assert_eq!(n, src.len(), "copy_run: lengths differ");
    match n {
        8..=16 => {
            dst[..8].copy_from_slice(&src[..8]);
            dst[n - 8..].copy_from_slice(&src[n - 8..]);
        }
        4..=7 => {
            dst[..4].copy_from_slice(&src[..4]);
            dst[n - 4..].copy_from_slice(&src[n - 4..]);
        }
        0..=3 => {
            for (d, &s) in dst.iter_mut().zip(src) {
                *d = s;
            }
        }
        _ => dst.copy_from_slice(src),
    }
}

/// The adjoint of [`im2col`]: adds each column entry of `cols` back onto the input
/// element it was read from, for one sample's `channels` planes in `dx` (packed).
/// Entries that were read from padding are dropped.
pub fn col2im<T: Real>(cols: &[T], win: &Window, row_len: usize, col0: usize, dx: &mut [T]) {
    let (hw, taps) = (win.input_len(), win.taps());
    let sw = win.stride[1];
    for (c, plane) in dx.chunks_exact_mut(hw).enumerate() {
        let block = &cols[c * taps * row_len..(c + 1) * taps * row_len];
        win.for_each_run(|r, out0, run, in0| {
            let src = &block[r * row_len + col0 + out0..][run.clone()];
            if sw == 1 {
                for (d, &s) in plane[in0..in0 + run.len()].iter_mut().zip(src) {
                    *d = *d + s;
                }
            } else {
                for (k, &s) in src.iter().enumerate() {
                    plane[in0 + k * sw] = plane[in0 + k * sw] + s;
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_runs_copy_exactly_their_elements() {
        for n in 0..40 {
            let src: Vec<u32> = (0..n as u32).map(|v| v * 3 + 1).collect();
            let mut dst = vec![0u32; n + 2];
            copy_run(&mut dst[1..n + 1], &src);
            assert_eq!(dst[0], 0, "n={n}");
            assert_eq!(&dst[1..n + 1], &src[..], "n={n}");
            assert_eq!(dst[n + 1], 0, "n={n}");
        }
    }

    fn window(
        input: [usize; 2],
        kernel: [usize; 2],
        s: [usize; 2],
        p: [usize; 2],
        d: [usize; 2],
    ) -> Window {
        let out = |a: usize| (input[a] + 2 * p[a] - d[a] * (kernel[a] - 1) - 1) / s[a] + 1;
        Window {
            input,
            kernel,
            stride: s,
            padding: p,
            dilation: d,
            output: [out(0), out(1)],
        }
    }

    /// im2col by the definition, one bounds test per element.
    fn naive(x: &[f64], channels: usize, win: &Window) -> Vec<f64> {
        let [h, w] = win.input;
        let [oh, ow] = win.output;
        let mut cols = vec![0.0; channels * win.taps() * oh * ow];
        for c in 0..channels {
            for i in 0..win.kernel[0] {
                for j in 0..win.kernel[1] {
                    let r = (c * win.kernel[0] + i) * win.kernel[1] + j;
                    for y in 0..oh {
                        for xo in 0..ow {
                            let iy = (y * win.stride[0] + i * win.dilation[0]) as isize
                                - win.padding[0] as isize;
                            let ix = (xo * win.stride[1] + j * win.dilation[1]) as isize
                                - win.padding[1] as isize;
                            if (0..h as isize).contains(&iy) && (0..w as isize).contains(&ix) {
                                cols[r * oh * ow + y * ow + xo] =
                                    x[c * h * w + iy as usize * w + ix as usize];
                            }
                        }
                    }
                }
            }
        }
        cols
    }

    /// Windows with every option: plain, strided, padded, dilated, non-square,
    /// kernel as large as the padded input, a height-1 (conv1d) plane.
    fn cases() -> Vec<Window> {
        vec![
            window([5, 6], [3, 3], [1, 1], [0, 0], [1, 1]),
            window([5, 6], [3, 2], [2, 1], [1, 2], [1, 1]),
            window([7, 5], [2, 3], [1, 2], [2, 1], [2, 2]),
            window([4, 4], [4, 4], [3, 3], [3, 3], [1, 1]),
            window([1, 9], [1, 4], [1, 3], [0, 5], [1, 2]),
        ]
    }

    #[test]
    fn im2col_matches_the_definition() {
        for win in cases() {
            let x: Vec<f64> = (0..2 * win.input_len()).map(|v| v as f64 + 1.0).collect();
            // Two samples side by side, the second at column offset p.
            let p_len = win.output_len();
            let mut cols = vec![f64::NAN; 2 * win.taps() * 2 * p_len];
            im2col(&x, &win, &mut cols, 2 * p_len, p_len);
            let expect = naive(&x, 2, &win);
            for r in 0..2 * win.taps() {
                assert_eq!(
                    &cols[r * 2 * p_len + p_len..(r + 1) * 2 * p_len],
                    &expect[r * p_len..(r + 1) * p_len],
                    "{win:?} row {r}"
                );
            }
        }
    }

    #[test]
    fn col2im_is_the_adjoint_of_im2col() {
        // <im2col(x), c> == <x, col2im(c)> for any x and c.
        for win in cases() {
            let x: Vec<f64> = (0..3 * win.input_len())
                .map(|v| ((v * 7) % 11) as f64 - 5.0)
                .collect();
            let n = 3 * win.taps() * win.output_len();
            let c: Vec<f64> = (0..n).map(|v| ((v * 5) % 13) as f64 - 6.0).collect();
            let mut cols = vec![0.0; n];
            im2col(&x, &win, &mut cols, win.output_len(), 0);
            let mut dx = vec![0.0; x.len()];
            col2im(&c, &win, win.output_len(), 0, &mut dx);
            let lhs: f64 = cols.iter().zip(&c).map(|(a, b)| a * b).sum();
            let rhs: f64 = x.iter().zip(&dx).map(|(a, b)| a * b).sum();
            assert_eq!(lhs, rhs, "{win:?}");
        }
    }
}
