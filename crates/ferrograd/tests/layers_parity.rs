//! Every layer and loss against PyTorch, through the core: `scripts/make_fixtures_layers.py`
//! ran each case through a torch.nn module and saved inputs, output, input
//! gradients and the module's buffers after the forward pass in
//! `fixtures/torch/layers/`; here each case runs again through the core function
//! the TypeScript module calls (`__test__/layers-parity.test.ts` replays the same
//! files through the modules themselves). The `args` fields are described in that
//! script's docstring. One test per class, so a failure names it.

mod common;

use common::{check_matches, fixture_dir, fixtures_in, make_tensor, num, Errors, Fixture};
use ferrograd::nn::{
    self, BatchNormOptions, ClassLossOptions, KlDivReduction, Reduction, RunningStats,
};
use ferrograd::{autograd, Result, Tensor};
use serde_json::Value;
use std::collections::HashMap;

fn fixtures() -> Vec<Fixture> {
    fixtures_in(&fixture_dir("layers"))
}

/// What a case's `args` say, with the tensors they refer to.
struct Case<'a> {
    /// The inputs to `forward`.
    forward: &'a [Tensor],
    /// The state inputs by state-dict key.
    state: HashMap<String, Tensor>,
    /// The tensor options by name (`weight`, `posWeight`).
    tensors: HashMap<String, Tensor>,
    options: &'a Value,
    args: &'a Value,
    training: bool,
}

impl<'a> Case<'a> {
    fn new(a: &'a Value, inputs: &'a [Tensor]) -> Case<'a> {
        let n = a.get("inputs").map_or(1, |v| v.as_u64().unwrap() as usize);
        let keys: Vec<String> = a
            .get("state")
            .map_or_else(Vec::new, |s| serde_json::from_value(s.clone()).unwrap());
        let state = keys
            .into_iter()
            .enumerate()
            .map(|(j, k)| (k, inputs[n + j].clone()))
            .collect();
        let tensors = a.get("tensorOptions").map_or_else(HashMap::new, |t| {
            let t: HashMap<String, usize> = serde_json::from_value(t.clone()).unwrap();
            t.into_iter().map(|(k, i)| (k, inputs[i].clone())).collect()
        });
        Case {
            forward: &inputs[..n],
            state,
            tensors,
            options: a.get("options").unwrap_or(&Value::Null),
            args: a.get("args").unwrap_or(&Value::Null),
            training: a.get("training").is_none_or(|v| v.as_bool().unwrap()),
        }
    }

    fn opt(&self, key: &str) -> Option<&Value> {
        self.options.get(key)
    }

    fn number(&self, key: &str, default: f64) -> f64 {
        num(self.options, key).unwrap_or(default)
    }

    fn flag(&self, key: &str, default: bool) -> bool {
        self.opt(key).map_or(default, |v| v.as_bool().unwrap())
    }

    fn reduction(&self) -> &str {
        self.opt("reduction")
            .map_or("mean", |v| v.as_str().unwrap())
    }

    fn state(&self, key: &str) -> Option<&Tensor> {
        self.state.get(key)
    }

    fn class_options(&self) -> ClassLossOptions<'_> {
        ClassLossOptions {
            weight: self.tensors.get("weight"),
            ignore_index: self
                .opt("ignoreIndex")
                .map_or(-100, |v| v.as_i64().unwrap()),
            label_smoothing: self.number("labelSmoothing", 0.0),
            reduction: Reduction::parse(self.reduction()).unwrap(),
        }
    }
}

/// BatchNorm1d/2d as the module calls the core: running statistics take part in
/// eval mode and whenever they are tracked.
fn batch_norm(c: &Case) -> Result<Tensor> {
    let running = match (c.state("running_mean"), c.state("running_var")) {
        (Some(mean), Some(var)) => Some(RunningStats {
            mean,
            var,
            num_batches_tracked: c.state("num_batches_tracked"),
        }),
        _ => None,
    };
    let momentum = match c.opt("momentum") {
        Some(Value::Null) => None,
        Some(v) => Some(v.as_f64().unwrap()),
        None => Some(0.1),
    };
    let options = BatchNormOptions {
        training: c.training,
        momentum,
        eps: c.number("eps", 1e-5),
    };
    nn::batch_norm(
        &c.forward[0],
        c.state("weight"),
        c.state("bias"),
        running,
        options,
    )
}

fn layer_norm(c: &Case) -> Result<Tensor> {
    let shape: Vec<usize> = serde_json::from_value(c.args[0].clone()).unwrap();
    let eps = c.number("eps", 1e-5);
    nn::layer_norm(
        &c.forward[0],
        &shape,
        c.state("weight"),
        c.state("bias"),
        eps,
    )
}

fn embedding(c: &Case) -> Result<Tensor> {
    let weight = c.state("weight").unwrap();
    let num = weight.shape()[0] as i64;
    let padding = c
        .opt("paddingIdx")
        .map(|p| p.as_i64().unwrap())
        .map(|p| if p < 0 { p + num } else { p } as usize);
    nn::embedding(weight, &c.forward[0], padding)
}

/// Each fixture class as the core call its TypeScript module makes.
fn run(op: &str, c: &Case) -> Result<Tensor> {
    let (x, t) = (&c.forward[0], c.forward.get(1));
    let r = || Reduction::parse(c.reduction()).unwrap();
    let target = || t.unwrap();
    match op {
        "BatchNorm1d" | "BatchNorm2d" => batch_norm(c),
        "LayerNorm" => layer_norm(c),
        "Embedding" => embedding(c),
        "L1Loss" => nn::l1_loss(x, target(), r()),
        "SmoothL1Loss" => nn::smooth_l1_loss(x, target(), c.number("beta", 1.0), r()),
        "HuberLoss" => nn::huber_loss(x, target(), c.number("delta", 1.0), r()),
        "BCELoss" => nn::binary_cross_entropy(x, target(), c.tensors.get("weight"), r()),
        "BCEWithLogitsLoss" => nn::binary_cross_entropy_with_logits(
            x,
            target(),
            c.tensors.get("weight"),
            c.tensors.get("posWeight"),
            r(),
        ),
        "KLDivLoss" => nn::kl_div(
            x,
            target(),
            KlDivReduction::parse(c.reduction()).unwrap(),
            c.flag("logTarget", false),
        ),
        "NLLLoss" => nn::nll_loss(x, target(), &c.class_options()),
        "CrossEntropyLoss" => nn::cross_entropy_with(x, target(), &c.class_options()),
        other => panic!("no core call for '{other}'"),
    }
}

/// Runs one fixture: forward, buffers after it, then backward with the stored
/// upstream gradient; returns the largest errors.
fn replay(f: &Fixture) -> std::result::Result<Errors, String> {
    let (leaves, inputs) = common::inputs(f);
    let case = Case::new(&f.args, &inputs);
    let output = run(&f.op, &case).map_err(|e| format!("forward: {e}"))?;
    let mut worst = check_matches("output", &output, &f.tensors["output"])?;
    for (key, stored) in &f.tensors {
        let Some(buffer) = key.strip_prefix("after.") else {
            continue;
        };
        // The loss weights are buffers too, handed in as options.
        let actual = case
            .state(buffer)
            .or_else(|| case.tensors.get(buffer))
            .or_else(|| (buffer == "pos_weight").then(|| &case.tensors["posWeight"]))
            .ok_or_else(|| format!("{key}: no such buffer"))?;
        worst = worst.max(check_matches(key, actual, stored)?);
    }
    let Some(upstream) = f.tensors.get("upstream") else {
        return Ok(worst);
    };
    autograd::backward(&output, Some(make_tensor(upstream, false)), false)
        .map_err(|e| format!("backward: {e}"))?;
    Ok(worst.max(common::check_grads(f, &leaves)?))
}

/// Replays every fixture of `op`, reporting all that differ.
fn check_op(op: &str) {
    common::check_op(fixtures(), op, replay);
}

common::parity_tests! {
    batch_norm_1d => "BatchNorm1d", batch_norm_2d => "BatchNorm2d", layer_norm_ => "LayerNorm",
    embedding_ => "Embedding", l1_loss => "L1Loss", smooth_l1_loss => "SmoothL1Loss",
    huber_loss => "HuberLoss", bce_loss => "BCELoss", bce_with_logits_loss => "BCEWithLogitsLoss",
    nll_loss => "NLLLoss", kl_div_loss => "KLDivLoss", cross_entropy_loss => "CrossEntropyLoss",
}
