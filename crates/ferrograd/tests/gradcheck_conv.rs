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

/// Checks conv2d of `x`, `w` (and a bias when `bias`) under `opts`.
fn check_conv2d(name: &str, x: &[usize], w: &[usize], bias: bool, opts: Conv2dOptions) {
    let mut inputs = vec![param(x, 1), param(w, 2)];
    if bias {
        inputs.push(param(&[w[0]], 3));
    }
    check(name, &inputs, |t| conv2d(&t[0], &t[1], t.get(2), &opts));
}

#[test]
fn conv2d_plain_strided_padded_dilated() {
    let d = Conv2dOptions::default();
    check_conv2d("conv2d", &[2, 3, 5, 5], &[4, 3, 3, 3], true, d);
    let strided = Conv2dOptions {
        stride: [2, 2],
        padding: [1, 1],
        ..d
    };
    check_conv2d(
        "conv2d stride 2 padding 1",
        &[2, 2, 6, 5],
        &[3, 2, 3, 3],
        true,
        strided,
    );
    let dilated = Conv2dOptions {
        dilation: [2, 1],
        padding: [2, 0],
        ..d
    };
    check_conv2d(
        "conv2d dilation",
        &[1, 2, 6, 6],
        &[2, 2, 3, 2],
        true,
        dilated,
    );
    let uneven = Conv2dOptions {
        stride: [1, 3],
        padding: [0, 2],
        ..d
    };
    check_conv2d(
        "conv2d non-square kernel",
        &[2, 1, 4, 7],
        &[2, 1, 2, 4],
        false,
        uneven,
    );
}

#[test]
fn conv2d_groups_and_unbatched() {
    let grouped = Conv2dOptions {
        groups: 2,
        padding: [1, 1],
        ..Default::default()
    };
    check_conv2d(
        "conv2d groups 2",
        &[2, 4, 4, 4],
        &[6, 2, 3, 3],
        true,
        grouped,
    );
    let depthwise = Conv2dOptions {
        groups: 3,
        stride: [2, 1],
        ..Default::default()
    };
    check_conv2d(
        "conv2d depthwise",
        &[1, 3, 5, 4],
        &[3, 1, 2, 2],
        false,
        depthwise,
    );
    check_conv2d(
        "conv2d unbatched",
        &[2, 4, 4],
        &[3, 2, 2, 3],
        true,
        Default::default(),
    );
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
