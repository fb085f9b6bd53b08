//! The gradients of the fused layer and loss ops checked against central
//! differences in float64 (see `common/gradcheck.rs`), for every option that
//! changes the backward: batch statistics or running ones, affine or not,
//! class weights, ignored rows, label smoothing, probability targets, positive
//! weights, and the gradient of targets that require it.

mod common;

use common::gradcheck::{check, param};
use ferrograd::nn::{
    self, BatchNormOptions, ClassLossOptions, KlDivReduction, Reduction, RunningStats,
};
use ferrograd::{random, DType, Storage, Tensor};

const REDUCTIONS: [Reduction; 3] = [Reduction::Mean, Reduction::Sum, Reduction::None];

/// A float64 leaf `scale * u + shift` for `u` uniform in [-1, 1).
fn leaf(shape: &[usize], seed: u64, scale: f64, shift: f64) -> Tensor {
    let t = param(shape, seed)
        .detach()
        .mul_scalar(scale)
        .unwrap()
        .add_scalar(shift)
        .unwrap();
    t.set_requires_grad(true).unwrap();
    t
}

/// A float64 constant (no grad).
fn constant(values: Vec<f64>, shape: &[usize]) -> Tensor {
    Tensor::from_data(Storage::F64(values), shape).unwrap()
}

fn labels(values: Vec<i64>) -> Tensor {
    let n = values.len();
    Tensor::from_vec_i64(values, &[n]).unwrap()
}

#[test]
fn batch_norm_with_batch_and_running_statistics() {
    let train = BatchNormOptions::default();
    let (x, w, b) = (
        leaf(&[4, 3, 2], 1, 2.0, 0.5),
        leaf(&[3], 2, 0.5, 1.0),
        param(&[3], 3),
    );
    check(
        "batch_norm train",
        &[x.clone(), w.clone(), b.clone()],
        |t| nn::batch_norm(&t[0], Some(&t[1]), Some(&t[2]), None, train),
    );
    // Running statistics change in place each call; in training they do not
    // change the output, so the check holds while they are updated.
    let (rm, rv) = (constant(vec![0.0; 3], &[3]), constant(vec![1.0; 3], &[3]));
    let nbt = Tensor::from_vec_i64(vec![0], &[]).unwrap();
    let cumulative = BatchNormOptions {
        momentum: None,
        ..train
    };
    check(
        "batch_norm train, running stats",
        &[x.clone(), w.clone()],
        |t| {
            let running = RunningStats {
                mean: &rm,
                var: &rv,
                num_batches_tracked: Some(&nbt),
            };
            nn::batch_norm(&t[0], Some(&t[1]), None, Some(running), cumulative)
        },
    );
    let eval = BatchNormOptions {
        training: false,
        ..train
    };
    let (rm, rv) = (
        constant(vec![0.3, -0.2, 0.1], &[3]),
        constant(vec![0.5, 2.0, 1.5], &[3]),
    );
    check("batch_norm eval", &[x.clone(), w, b], |t| {
        let running = RunningStats {
            mean: &rm,
            var: &rv,
            num_batches_tracked: None,
        };
        nn::batch_norm(&t[0], Some(&t[1]), Some(&t[2]), Some(running), eval)
    });
    check(
        "batch_norm without affine, 2-D",
        &[leaf(&[5, 2], 4, 1.5, 0.0)],
        |t| nn::batch_norm(&t[0], None, None, None, train),
    );
    check(
        "batch_norm 4-D",
        &[leaf(&[2, 2, 2, 3], 5, 1.0, 0.0), param(&[2], 6)],
        |t| nn::batch_norm(&t[0], Some(&t[1]), None, None, train),
    );
}

#[test]
fn layer_norm_over_one_and_two_dims() {
    let (x, w, b) = (
        leaf(&[3, 4], 7, 2.0, 1.0),
        leaf(&[4], 8, 0.5, 1.0),
        param(&[4], 9),
    );
    check("layer_norm", &[x, w, b], |t| {
        nn::layer_norm(&t[0], &[4], Some(&t[1]), Some(&t[2]), 1e-5)
    });
    let (x, w) = (leaf(&[2, 2, 3], 10, 2.0, 0.0), leaf(&[2, 3], 11, 0.5, 1.0));
    check("layer_norm 2 dims", &[x.clone(), w], |t| {
        nn::layer_norm(&t[0], &[2, 3], Some(&t[1]), None, 1e-5)
    });
    check("layer_norm without affine", &[x], |t| {
        nn::layer_norm(&t[0], &[3], None, None, 1e-3)
    });
}

#[test]
fn embedding_and_dropout() {
    let idx = Tensor::from_vec_i64(vec![1, 3, 1, 0, 3, 3], &[2, 3]).unwrap();
    check("embedding", &[param(&[4, 2], 12)], |t| {
        nn::embedding(&t[0], &idx, None)
    });
    // The same mask each call: the generator is reseeded before each draw.
    check("dropout", &[param(&[3, 4], 13)], |t| {
        random::manual_seed(5);
        nn::dropout(&t[0], 0.3, true)
    });
}

#[test]
fn elementwise_losses_for_input_and_target() {
    for r in REDUCTIONS {
        // Differences kept away from 0, where L1 has its kink.
        let x = leaf(&[3, 4], 14, 1.5, 0.0);
        let t = x
            .detach()
            .add(&leaf(&[3, 4], 15, 0.4, 0.6).detach())
            .unwrap();
        t.set_requires_grad(true).unwrap();
        check("l1_loss", &[x.clone(), t.clone()], |v| {
            nn::l1_loss(&v[0], &v[1], r)
        });
        check(
            "smooth_l1_loss",
            &[leaf(&[3, 4], 16, 2.0, 0.0), param(&[3, 4], 17)],
            |v| nn::smooth_l1_loss(&v[0], &v[1], 0.7, r),
        );
        check(
            "huber_loss",
            &[leaf(&[3, 4], 18, 2.0, 0.0), param(&[3, 4], 19)],
            |v| nn::huber_loss(&v[0], &v[1], 0.8, r),
        );
        let (p, q) = (leaf(&[3, 4], 20, 0.4, 0.5), leaf(&[3, 4], 21, 0.5, 0.5));
        let w = constant((0..4).map(|i| 0.5 + i as f64 / 4.0).collect(), &[4]);
        check("binary_cross_entropy", &[p, q.clone()], |v| {
            nn::binary_cross_entropy(&v[0], &v[1], Some(&w), r)
        });
        let pos = constant(vec![2.0, 0.5, 1.0, 3.0], &[4]);
        check(
            "binary_cross_entropy_with_logits",
            &[leaf(&[3, 4], 22, 3.0, 0.0), q],
            |v| nn::binary_cross_entropy_with_logits(&v[0], &v[1], Some(&w), Some(&pos), r),
        );
    }
}

#[test]
fn kl_divergence_both_target_spellings() {
    for r in ["mean", "sum", "none", "batchmean"] {
        let r = KlDivReduction::parse(r).unwrap();
        let input = param(&[3, 4], 23).log_softmax(1).unwrap().detach();
        input.set_requires_grad(true).unwrap();
        let target = leaf(&[3, 4], 24, 0.3, 0.5);
        check("kl_div", &[input.clone(), target.clone()], |v| {
            nn::kl_div(&v[0], &v[1], r, false)
        });
        check("kl_div log_target", &[input, param(&[3, 4], 25)], |v| {
            nn::kl_div(&v[0], &v[1], r, true)
        });
    }
}

#[test]
fn class_losses_with_every_option() {
    let weight = constant(vec![0.5, 2.0, 1.0, 1.5], &[4]);
    let targets = labels(vec![2, -100, 0, 3, 1]);
    for reduction in REDUCTIONS {
        let options = ClassLossOptions {
            weight: Some(&weight),
            label_smoothing: 0.2,
            reduction,
            ..Default::default()
        };
        check("cross_entropy", &[param(&[5, 4], 26)], |t| {
            nn::cross_entropy_with(&t[0], &targets, &options)
        });
        let nll = ClassLossOptions {
            label_smoothing: 0.0,
            ..options
        };
        check("nll_loss", &[param(&[5, 4], 27)], |t| {
            nn::nll_loss(&t[0], &targets, &nll)
        });
        // Probability targets: gradients for both the logits and the target.
        let probs = ClassLossOptions {
            ignore_index: -100,
            ..options
        };
        check(
            "cross_entropy probabilities",
            &[param(&[3, 4], 28), leaf(&[3, 4], 29, 0.3, 0.5)],
            |t| nn::cross_entropy_with(&t[0], &t[1], &probs),
        );
    }
    // [N, C, d]: classes along dim 1.
    let spatial = Tensor::from_vec_i64(vec![0, 2, 1, 1, 2, 0], &[2, 3]).unwrap();
    check("cross_entropy [N, C, d]", &[param(&[2, 3, 3], 30)], |t| {
        nn::cross_entropy(&t[0], &spatial, Reduction::Mean)
    });
}

#[test]
fn the_checks_run_in_float64() {
    let y = nn::layer_norm(&param(&[2, 3], 31), &[3], None, None, 1e-5).unwrap();
    assert_eq!(y.dtype(), DType::F64);
}
