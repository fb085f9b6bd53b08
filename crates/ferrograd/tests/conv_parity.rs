//! Convolution, pooling and a tiny CNN against PyTorch: `scripts/make_fixtures_conv.py`
//! ran each case through torch 2.9.1 and saved inputs, output and input gradients in
//! `fixtures/torch/conv/`; here each runs again through the core's Rust API
//! (`__test__/conv-parity.test.ts` replays them through the TypeScript API). One
//! test per op, so a failure names the op.

mod common;

use common::{check_grads, check_matches, fixture_dir, fixtures_in, make_tensor, Errors, Fixture};
use ferrograd::nn::functional::{
    self as f, adaptive_avg_pool2d, avg_pool2d, conv1d, conv2d, max_pool2d, Conv1dOptions,
    Conv2dOptions,
};
use ferrograd::nn::{cross_entropy, Reduction};
use ferrograd::{autograd, Result, Tensor};
use serde_json::Value;

fn fixtures() -> Vec<Fixture> {
    fixtures_in(&fixture_dir("conv"))
}

/// A size argument given as a number or a list, as `[rows, columns]` (a 1-D one
/// as `[1, n]`); `absent` when the fixture leaves it out. `null` entries (an
/// adaptive pooling's "keep this axis") become `keep`'s.
fn sizes(a: &Value, key: &str, absent: [usize; 2], keep: [usize; 2]) -> [usize; 2] {
    let one = |v: &Value, i: usize| v.as_u64().map_or(keep[i], |n| n as usize);
    match a.get(key) {
        None => absent,
        Some(Value::Array(v)) if v.len() == 2 => [one(&v[0], 0), one(&v[1], 1)],
        Some(Value::Array(v)) => [1, one(&v[0], 1)],
        Some(v) => [one(v, 0), one(v, 1)],
    }
}

fn groups(a: &Value) -> usize {
    a.get("groups").map_or(1, |v| v.as_u64().unwrap() as usize)
}

fn conv2d_options(a: &Value) -> Conv2dOptions {
    Conv2dOptions {
        stride: sizes(a, "stride", [1, 1], [0, 0]),
        padding: sizes(a, "padding", [0, 0], [0, 0]),
        dilation: sizes(a, "dilation", [1, 1], [0, 0]),
        groups: groups(a),
    }
}

fn conv1d_options(a: &Value) -> Conv1dOptions {
    let last = |key, default| sizes(a, key, [default, default], [0, 0])[1];
    Conv1dOptions {
        stride: last("stride", 1),
        padding: last("padding", 0),
        dilation: last("dilation", 1),
        groups: groups(a),
    }
}

/// The window arguments of a sliding pooling: kernel, stride (the kernel when
/// absent, as PyTorch), padding.
fn window(a: &Value) -> ([usize; 2], [usize; 2], [usize; 2]) {
    let k = sizes(a, "kernelSize", [0, 0], [0, 0]);
    (
        k,
        sizes(a, "stride", k, k),
        sizes(a, "padding", [0, 0], [0, 0]),
    )
}

/// Conv-ReLU-MaxPool-Flatten-Linear + cross entropy, through the functions the
/// layers call.
fn tiny_cnn(x: &[Tensor], a: &Value) -> Result<Tensor> {
    let pad = sizes(a, "padding", [0, 0], [0, 0]);
    let pool = sizes(a, "pool", [0, 0], [0, 0]);
    let opts = Conv2dOptions {
        padding: pad,
        ..Default::default()
    };
    let h = conv2d(&x[0], &x[2], Some(&x[3]), &opts)?.relu()?;
    let h = max_pool2d(&h, pool, pool, [0, 0])?.flatten(1, -1)?;
    cross_entropy(&f::linear(&h, &x[4], Some(&x[5]))?, &x[1], Reduction::Mean)
}

/// Each fixture `op` as the core call the TypeScript API makes for it.
fn run(op: &str, x: &[Tensor], a: &Value) -> Result<Tensor> {
    let input = &x[0];
    match op {
        "conv2d" => conv2d(input, &x[1], x.get(2), &conv2d_options(a)),
        "conv1d" => conv1d(input, &x[1], x.get(2), &conv1d_options(a)),
        "maxPool2d" => {
            let (k, s, p) = window(a);
            max_pool2d(input, k, s, p)
        }
        "avgPool2d" => {
            let (k, s, p) = window(a);
            let include = a
                .get("countIncludePad")
                .is_none_or(|v| v.as_bool().unwrap());
            avg_pool2d(input, k, s, p, include)
        }
        "adaptiveAvgPool2d" => {
            let shape = input.shape();
            let plane = [shape[shape.len() - 2], shape[shape.len() - 1]];
            adaptive_avg_pool2d(input, sizes(a, "outputSize", plane, plane))
        }
        "tinyCnn" => tiny_cnn(x, a),
        other => panic!("no core call for op '{other}'"),
    }
}

/// Runs one fixture: forward, then backward with the stored upstream gradient.
fn replay(f: &Fixture) -> std::result::Result<Errors, String> {
    let (leaves, inputs) = common::inputs(f);
    let output = run(&f.op, &inputs, &f.args).map_err(|e| format!("forward: {e}"))?;
    let worst = check_matches("output", &output, &f.tensors["output"])?;
    let upstream = make_tensor(&f.tensors["upstream"], false);
    autograd::backward(&output, Some(upstream), false).map_err(|e| format!("backward: {e}"))?;
    Ok(worst.max(check_grads(f, &leaves)?))
}

fn check_op(op: &str) {
    common::check_op(fixtures(), op, replay);
}

#[test]
fn the_fixtures_are_there() {
    assert!(fixtures().len() >= 30);
}

common::parity_tests! {
    conv2d_ => "conv2d", conv1d_ => "conv1d", max_pool2d_ => "maxPool2d",
    avg_pool2d_ => "avgPool2d", adaptive_avg_pool2d_ => "adaptiveAvgPool2d",
    net_tiny_cnn => "tinyCnn",
}
