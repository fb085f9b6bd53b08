//! Every op against PyTorch: `scripts/make_fixtures.py` ran each case through torch
//! 2.9.1 and saved inputs, output and input gradients (for a random upstream
//! gradient) in `fixtures/torch/`; here each case runs again through the core's Rust
//! API, which the TypeScript calls delegate to (`__test__/parity.test.ts` replays
//! the same files through the TypeScript API). The file format is described in that
//! script's docstring. One test per op name, so a failure names the op.

mod common;

use common::{check_matches, fixture_dir, fixtures_in, make_tensor, num, Errors, Fixture};
use ferrograd::nn::{self, functional, Reduction};
use ferrograd::ops::{BinaryOp, CmpOp};
use ferrograd::{autograd, Result, Tensor};
use serde_json::Value;

fn fixtures() -> Vec<Fixture> {
    fixtures_in(&fixture_dir(""))
}

// ---- the fixture's arguments ----------------------------------------------------

fn int(a: &Value, key: &str) -> i64 {
    a[key].as_i64().unwrap()
}

fn ints(a: &Value, key: &str) -> Vec<i64> {
    a[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect()
}

/// `dim` as one number or a list; absent means every dim.
fn dims(a: &Value) -> Option<Vec<i64>> {
    match a.get("dim")? {
        Value::Array(_) => Some(ints(a, "dim")),
        v => Some(vec![v.as_i64().unwrap()]),
    }
}

fn keepdim(a: &Value) -> bool {
    a.get("keepdim").is_some_and(|v| v.as_bool().unwrap())
}

/// `correction` of var/std, from `correction` or PyTorch's older `unbiased`.
fn correction(a: &Value) -> f64 {
    match a.get("unbiased") {
        Some(u) => u.as_bool().map_or(1.0, |b| if b { 1.0 } else { 0.0 }),
        None => num(a, "correction").unwrap_or(1.0),
    }
}

fn reduction(a: &Value) -> Reduction {
    Reduction::parse(a.get("reduction").map_or("mean", |v| v.as_str().unwrap())).unwrap()
}

// ---- the ops ---------------------------------------------------------------------

/// What an op gives back: the output, and max/min's indices along a dim.
struct Outcome {
    output: Tensor,
    indices: Option<Tensor>,
}

impl From<Tensor> for Outcome {
    fn from(output: Tensor) -> Self {
        Outcome {
            output,
            indices: None,
        }
    }
}

fn binary(op: BinaryOp, x: &[Tensor], a: &Value) -> Result<Tensor> {
    match (num(a, "a"), num(a, "b")) {
        (Some(v), _) => x[0].binary_scalar(op, v, true),
        (_, Some(v)) => x[0].binary_scalar(op, v, false),
        _ => x[0].binary(op, &x[1]),
    }
}

fn compare(op: CmpOp, x: &[Tensor], a: &Value) -> Result<Tensor> {
    match num(a, "b") {
        Some(v) => x[0].compare(op, &Tensor::scalar(v as f32)),
        None => x[0].compare(op, &x[1]),
    }
}

fn extreme(largest: bool, x: &[Tensor], a: &Value) -> Result<Outcome> {
    if a.get("dim").is_none() {
        return Ok(if largest {
            x[0].max_all()
        } else {
            x[0].min_all()
        }?
        .into());
    }
    let (dim, keep) = (int(a, "dim"), keepdim(a));
    let (values, indices) = if largest {
        x[0].max_dim(dim, keep)
    } else {
        x[0].min_dim(dim, keep)
    }?;
    Ok(Outcome {
        output: values,
        indices: Some(indices),
    })
}

/// Linear-ReLU-Linear + cross entropy (the TypeScript test builds it from modules).
fn mlp_relu_ce(x: &[Tensor]) -> Result<Tensor> {
    let layer = |w: &Tensor, b: &Tensor| nn::Linear {
        weight: w.clone(),
        bias: Some(b.clone()),
    };
    let hidden = layer(&x[2], &x[3]).forward(&x[0])?.relu()?;
    let logits = layer(&x[4], &x[5]).forward(&hidden)?;
    nn::cross_entropy(&logits, &x[1], Reduction::Mean)
}

/// Linear-Tanh-Linear-Sigmoid and a summed MSE.
fn mlp_tanh_mse(x: &[Tensor]) -> Result<Tensor> {
    let h = functional::linear(&x[0], &x[2], Some(&x[3]))?.tanh()?;
    let y = functional::linear(&h, &x[4], Some(&x[5]))?.sigmoid()?;
    nn::mse_loss(&y, &x[1], Reduction::Sum)
}

/// One self-attention head and a normalisation, reduced to a scalar.
fn attention(x: &[Tensor]) -> Result<Tensor> {
    let proj = |w: &Tensor| functional::linear(&x[0], w, None);
    let (q, k, v) = (proj(&x[1])?, proj(&x[2])?, proj(&x[3])?);
    let d = x[1].shape()[0] as f32;
    let scores = q.matmul(&k.transpose(-2, -1)?)?.binary_scalar(
        BinaryOp::Div,
        f64::from(d.sqrt()),
        false,
    )?;
    let h = scores.softmax(-1)?.matmul(&v)?;
    let centred = h.sub(&h.mean(Some(&[-1]), true)?)?;
    let spread = h
        .std(Some(&[-1]), 0.0, true)?
        .binary_scalar(BinaryOp::Add, 1e-5, false)?;
    centred
        .div(&spread)?
        .gelu()?
        .binary_scalar(BinaryOp::Pow, 2.0, false)?
        .mean(None, false)
}

/// Each fixture `op` as the core call the TypeScript API makes for it.
fn run(op: &str, x: &[Tensor], a: &Value) -> Result<Outcome> {
    let x0 = &x[0];
    let out = match op {
        "add" => binary(BinaryOp::Add, x, a),
        "sub" => binary(BinaryOp::Sub, x, a),
        "mul" => binary(BinaryOp::Mul, x, a),
        "div" => binary(BinaryOp::Div, x, a),
        "pow" => binary(BinaryOp::Pow, x, a),
        "maximum" => binary(BinaryOp::Maximum, x, a),
        "minimum" => binary(BinaryOp::Minimum, x, a),
        "eq" => compare(CmpOp::Eq, x, a),
        "ne" => compare(CmpOp::Ne, x, a),
        "lt" => compare(CmpOp::Lt, x, a),
        "le" => compare(CmpOp::Le, x, a),
        "gt" => compare(CmpOp::Gt, x, a),
        "ge" => compare(CmpOp::Ge, x, a),
        "neg" => x0.neg(),
        "relu" => x0.relu(),
        "sigmoid" => x0.sigmoid(),
        "tanh" => x0.tanh(),
        "exp" => x0.exp(),
        "log" => x0.log(),
        "sqrt" => x0.sqrt(),
        "abs" => x0.abs(),
        "gelu" => x0.gelu(),
        "silu" => x0.silu(),
        "softplus" => x0.softplus(),
        "leakyRelu" => x0.leaky_relu(num(a, "negativeSlope").unwrap_or(0.01)),
        "clamp" => x0.clamp(num(a, "min"), num(a, "max")),
        "sum" => x0.sum(dims(a).as_deref(), keepdim(a)),
        "mean" => x0.mean(dims(a).as_deref(), keepdim(a)),
        "var" => x0.var(dims(a).as_deref(), correction(a), keepdim(a)),
        "std" => x0.std(dims(a).as_deref(), correction(a), keepdim(a)),
        "max" => return extreme(true, x, a),
        "min" => return extreme(false, x, a),
        "argmax" => x0.argmax(a.get("dim").map(|_| int(a, "dim")), keepdim(a)),
        "argmin" => x0.argmin(a.get("dim").map(|_| int(a, "dim")), keepdim(a)),
        "softmax" => x0.softmax(int(a, "dim")),
        "logSoftmax" => x0.log_softmax(int(a, "dim")),
        "matmul" => x0.matmul(&x[1]),
        "reshape" => x0.reshape(&ints(a, "shape")),
        "view" => x0.view(&ints(a, "shape")),
        "transpose" => x0.transpose(int(a, "dim0"), int(a, "dim1")),
        "permute" => x0.permute(&ints(a, "dims")),
        "t" => x0.t(),
        "narrow" => x0.narrow(int(a, "dim"), int(a, "start"), int(a, "length") as usize),
        "expand" => x0.expand_as_spec(&ints(a, "shape")),
        "squeeze" => x0.squeeze(a.get("dim").map(|_| int(a, "dim"))),
        "unsqueeze" => x0.unsqueeze(int(a, "dim")),
        "flatten" => x0.flatten(
            a.get("startDim").map_or(0, |_| int(a, "startDim")),
            a.get("endDim").map_or(-1, |_| int(a, "endDim")),
        ),
        "contiguous" => x0.contiguous(),
        "clone" => x0.copy(),
        "cat" => Tensor::cat(x, int(a, "dim")),
        "stack" => Tensor::stack(x, int(a, "dim")),
        "indexSelect" => x0.index_select(int(a, "dim"), &x[1]),
        "gather" => x0.gather(int(a, "dim"), &x[1]),
        "where" => {
            let mut rest = x[1..].iter().cloned();
            let mut operand = |key| {
                num(a, key).map_or_else(|| rest.next().unwrap(), |v| Tensor::scalar(v as f32))
            };
            let (first, second) = (operand("a"), operand("b"));
            Tensor::where_cond(x0, &first, &second)
        }
        "maskedFill" => x0.masked_fill(&x[1], num(a, "value").unwrap()),
        "linear" => functional::linear(x0, &x[1], x.get(2)),
        "mseLoss" => nn::mse_loss(x0, &x[1], reduction(a)),
        "crossEntropy" => nn::cross_entropy(x0, &x[1], reduction(a)),
        "mlpReluCe" => mlp_relu_ce(x),
        "mlpTanhMse" => mlp_tanh_mse(x),
        "attention" => attention(x),
        other => panic!("no core call for op '{other}'"),
    };
    out.map(Outcome::from)
}

// ---- replaying a fixture ------------------------------------------------------------

/// Runs one fixture: forward, then backward with the stored upstream gradient;
/// returns the largest errors.
fn replay(f: &Fixture) -> std::result::Result<Errors, String> {
    let (leaves, inputs) = common::inputs(f);
    let outcome = run(&f.op, &inputs, &f.args).map_err(|e| format!("forward: {e}"))?;
    let mut worst = check_matches("output", &outcome.output, &f.tensors["output"])?;
    if let Some(expected) = f.tensors.get("indices") {
        check_matches("indices", outcome.indices.as_ref().unwrap(), expected)?;
    }
    let Some(upstream) = f.tensors.get("upstream") else {
        return Ok(worst);
    };
    autograd::backward(&outcome.output, Some(make_tensor(upstream, false)), false)
        .map_err(|e| format!("backward: {e}"))?;
    worst = worst.max(common::check_grads(f, &leaves)?);
    Ok(worst)
}

/// Replays every fixture of `op`, reporting all that differ.
fn check_op(op: &str) {
    common::check_op(fixtures(), op, replay);
}

common::parity_tests! {
    add => "add", sub => "sub", mul => "mul", div => "div", pow => "pow",
    maximum => "maximum", minimum => "minimum",
    eq => "eq", ne => "ne", lt => "lt", le => "le", gt => "gt", ge => "ge",
    neg => "neg", relu => "relu", sigmoid => "sigmoid", tanh => "tanh", exp => "exp",
    log => "log", sqrt => "sqrt", abs => "abs", gelu => "gelu", silu => "silu",
    softplus => "softplus", leaky_relu => "leakyRelu", clamp => "clamp",
    sum => "sum", mean => "mean", var => "var", std => "std", max => "max", min => "min",
    argmax => "argmax", argmin => "argmin", softmax => "softmax", log_softmax => "logSoftmax",
    matmul => "matmul",
    reshape => "reshape", view => "view", transpose => "transpose", permute => "permute",
    t => "t", narrow => "narrow", expand => "expand", squeeze => "squeeze",
    unsqueeze => "unsqueeze", flatten => "flatten", contiguous => "contiguous", clone => "clone",
    cat => "cat", stack => "stack", index_select => "indexSelect", gather => "gather",
    where_ => "where", masked_fill => "maskedFill",
    linear => "linear", mse_loss => "mseLoss", cross_entropy => "crossEntropy",
    net_mlp_relu_ce => "mlpReluCe", net_mlp_tanh_mse => "mlpTanhMse", net_attention => "attention",
}
