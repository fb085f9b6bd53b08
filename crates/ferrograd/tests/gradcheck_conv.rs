//! Convolution and pooling gradients checked against central differences, in
//! float64 as `torch.autograd.gradcheck` does: every input, weight and bias element
//! of every configuration (stride, padding, dilation, groups, no bias, non-square
//! kernels, unbatched inputs).
//!
//! The check is the shared one of `common/gradcheck.rs` (central differences in
//! float64 with torch.autograd.gradcheck's tolerances).

mod common;

use common::gradcheck::{check, param};
use ferrograd::nn::functional::{
    adaptive_avg_pool2d, avg_pool2d, conv1d, conv2d, max_pool2d, Conv1dOptions, Conv2dOptions,
};

/// A conv2d case: input shape, weight shape, whether there is a bias, then the
/// options' stride, padding, dilation and groups.
type Conv2dCase = (
    &'static [usize],
    &'static [usize],
    bool,
    [usize; 2],
    [usize; 2],
    [usize; 2],
    usize,
);

/// Checks each conv2d case; a failure names the case by its shapes and options.
fn check_conv2d(cases: &[Conv2dCase]) {
    for &(x, w, bias, stride, padding, dilation, groups) in cases {
        let opts = Conv2dOptions {
            stride,
            padding,
            dilation,
            groups,
        };
        let mut inputs = vec![param(x, 1), param(w, 2)];
        if bias {
            inputs.push(param(&[w[0]], 3));
        }
        let name = format!("conv2d of {x:?} and {w:?}, bias {bias}, {opts:?}");
        check(&name, &inputs, |t| conv2d(&t[0], &t[1], t.get(2), &opts));
    }
}

/// Plain, strided and padded, dilated, and a non-square kernel without bias.
#[rustfmt::skip]
const PLAIN_STRIDED_PADDED_DILATED: [Conv2dCase; 4] = [
    (&[2, 3, 5, 5], &[4, 3, 3, 3], true, [1, 1], [0, 0], [1, 1], 1),
    (&[2, 2, 6, 5], &[3, 2, 3, 3], true, [2, 2], [1, 1], [1, 1], 1),
    (&[1, 2, 6, 6], &[2, 2, 3, 2], true, [1, 1], [2, 0], [2, 1], 1),
    (&[2, 1, 4, 7], &[2, 1, 2, 4], false, [1, 3], [0, 2], [1, 1], 1),
];

#[test]
fn conv2d_plain_strided_padded_dilated() {
    check_conv2d(&PLAIN_STRIDED_PADDED_DILATED);
}

/// Two groups, depthwise without bias, and an unbatched input.
#[rustfmt::skip]
const GROUPS_AND_UNBATCHED: [Conv2dCase; 3] = [
    (&[2, 4, 4, 4], &[6, 2, 3, 3], true, [1, 1], [1, 1], [1, 1], 2),
    (&[1, 3, 5, 4], &[3, 1, 2, 2], false, [2, 1], [0, 0], [1, 1], 3),
    (&[2, 4, 4], &[3, 2, 2, 3], true, [1, 1], [0, 0], [1, 1], 1),
];

#[test]
fn conv2d_groups_and_unbatched() {
    check_conv2d(&GROUPS_AND_UNBATCHED);
}

#[test]
fn conv1d_every_option() {
    let opts = Conv1dOptions {
        stride: 2,
        padding: 2,
        dilation: 2,
        groups: 2,
    };
    let inputs = [param(&[2, 4, 9], 4), param(&[4, 2, 3], 5), param(&[4], 6)];
    check("conv1d", &inputs, |t| {
        conv1d(&t[0], &t[1], Some(&t[2]), &opts)
    });
    let inputs = [param(&[3, 7], 7), param(&[2, 3, 4], 8)];
    check("conv1d unbatched, no bias", &inputs, |t| {
        conv1d(&t[0], &t[1], None, &Default::default())
    });
}

#[test]
fn conv_through_a_strided_input_view() {
    // A transposed input reaches the op non-contiguous; its gradient is still right.
    let x = param(&[2, 3, 6, 5], 9);
    let w = param(&[2, 3, 2, 2], 10);
    check("conv2d of a transposed input", &[x, w], |t| {
        conv2d(&t[0].transpose(-1, -2)?, &t[1], None, &Default::default())
    });
}

#[test]
fn pooling() {
    let x = param(&[2, 2, 5, 6], 11);
    check("maxPool2d", &[x], |t| {
        max_pool2d(&t[0], [2, 2], [2, 2], [0, 0])
    });
    let x = param(&[2, 2, 5, 6], 12);
    check("maxPool2d padding, stride != kernel", &[x], |t| {
        max_pool2d(&t[0], [3, 2], [2, 1], [1, 1])
    });
    for include in [true, false] {
        let x = param(&[1, 2, 5, 6], 13);
        check("avgPool2d", &[x], |t| {
            avg_pool2d(&t[0], [3, 3], [2, 1], [1, 1], include)
        });
    }
    let x = param(&[2, 7, 5], 14);
    check("adaptiveAvgPool2d", &[x], |t| {
        adaptive_avg_pool2d(&t[0], [3, 2])
    });
    let x = param(&[1, 2, 3, 4], 15);
    check("adaptiveAvgPool2d upsampling", &[x], |t| {
        adaptive_avg_pool2d(&t[0], [5, 6])
    });
}

#[test]
fn a_small_cnn_end_to_end() {
    let inputs = [
        param(&[2, 1, 6, 6], 16),
        param(&[3, 1, 3, 3], 17),
        param(&[3], 18),
        param(&[2, 12], 19),
    ];
    check("conv-relu-pool-linear", &inputs, |t| {
        let opts = Conv2dOptions {
            padding: [1, 1],
            ..Default::default()
        };
        let h = conv2d(&t[0], &t[1], Some(&t[2]), &opts)?.tanh()?;
        let h = max_pool2d(&h, [3, 3], [3, 3], [0, 0])?.flatten(1, -1)?;
        h.matmul(&t[3].t()?)
    });
}
