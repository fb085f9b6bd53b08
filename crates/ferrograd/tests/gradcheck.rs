//! Every differentiable op of the core checked against central differences, in
//! float64 as `torch.autograd.gradcheck` does.
//!
//! The check projects the output onto a fixed random direction `w` (a scalar
//! `L = sum(f(x) * w)`) and compares `dL/dx` from backward with
//! `(L(x + h e_i) - L(x - h e_i)) / 2h`, with PyTorch's tolerances.

mod common;

use common::gradcheck::{check, param};
use ferrograd::nn::{self, Reduction};
use ferrograd::Tensor;

#[test]
fn binary_ops_with_broadcasting() {
    let (a, b) = (param(&[3, 4], 1), param(&[4], 2));
    check("add", &[a.clone(), b.clone()], |t| t[0].add(&t[1]));
    let (a, b) = (param(&[3, 4], 1), param(&[3, 1], 2));
    check("sub", &[a.clone(), b.clone()], |t| t[0].sub(&t[1]));
    let (a, b) = (param(&[2, 3, 4], 3), param(&[3, 1], 4));
    check("mul", &[a, b], |t| t[0].mul(&t[1]));
    let (a, b) = (param(&[3, 4], 5), param(&[4], 6));
    let b2 = b.detach().add_scalar(3.0).unwrap();
    b2.set_requires_grad(true).unwrap();
    check("div", &[a, b2], |t| t[0].div(&t[1]));
}

#[test]
fn scalar_ops() {
    check("add_scalar", &[param(&[5], 7)], |t| t[0].add_scalar(2.0));
    check("mul_scalar", &[param(&[5], 8)], |t| t[0].mul_scalar(-3.0));
    check("rsub", &[param(&[5], 9)], |t| {
        t[0].binary_scalar(ferrograd::ops::BinaryOp::Sub, 1.0, true)
    });
    let x = param(&[5], 10).detach().add_scalar(2.0).unwrap();
    x.set_requires_grad(true).unwrap();
    check("rdiv", &[x], |t| {
        t[0].binary_scalar(ferrograd::ops::BinaryOp::Div, 2.0, true)
    });
}

#[test]
fn activations_and_unary_ops() {
    check("relu", &[param(&[4, 5], 11)], |t| t[0].relu());
    check("sigmoid", &[param(&[4, 5], 12)], |t| t[0].sigmoid());
    check("tanh", &[param(&[4, 5], 13)], |t| t[0].tanh());
    check("exp", &[param(&[4, 5], 14)], |t| t[0].exp());
    check("neg", &[param(&[4, 5], 15)], |t| t[0].neg());
    let x = param(&[6], 16).detach().add_scalar(2.0).unwrap();
    x.set_requires_grad(true).unwrap();
    check("log", &[x], |t| t[0].log());
}

#[test]
fn matmul_in_every_form() {
    check(
        "matmul 2d",
        &[param(&[3, 4], 21), param(&[4, 5], 22)],
        |t| t[0].matmul(&t[1]),
    );
    check(
        "matmul a^T b",
        &[param(&[4, 3], 23), param(&[4, 5], 24)],
        |t| t[0].t()?.matmul(&t[1]),
    );
    check(
        "matmul a b^T",
        &[param(&[3, 4], 25), param(&[5, 4], 26)],
        |t| t[0].matmul(&t[1].t()?),
    );
    check(
        "matmul batched broadcast",
        &[param(&[2, 3, 4], 27), param(&[4, 2], 28)],
        |t| t[0].matmul(&t[1]),
    );
    check(
        "matmul vec-mat",
        &[param(&[4], 29), param(&[4, 3], 30)],
        |t| t[0].matmul(&t[1]),
    );
    check(
        "matmul mat-vec",
        &[param(&[3, 4], 31), param(&[4], 32)],
        |t| t[0].matmul(&t[1]),
    );
    check("matmul dot", &[param(&[4], 33), param(&[4], 34)], |t| {
        t[0].matmul(&t[1])
    });
}

#[test]
fn reductions() {
    check("sum all", &[param(&[3, 4], 41)], |t| t[0].sum(None, false));
    check("sum dim keepdim", &[param(&[3, 4], 42)], |t| {
        t[0].sum(Some(&[0]), true)
    });
    check("sum dims", &[param(&[2, 3, 4], 43)], |t| {
        t[0].sum(Some(&[0, 2]), false)
    });
    check("mean all", &[param(&[3, 4], 44)], |t| {
        t[0].mean(None, false)
    });
    check("mean dim", &[param(&[3, 4], 45)], |t| {
        t[0].mean(Some(&[-1]), false)
    });
}

#[test]
fn softmax_family() {
    check("softmax last", &[param(&[3, 5], 51)], |t| t[0].softmax(-1));
    check("softmax first", &[param(&[3, 5], 52)], |t| t[0].softmax(0));
    check("log_softmax", &[param(&[3, 5], 53)], |t| {
        t[0].log_softmax(1)
    });
}

#[test]
fn views() {
    check("reshape", &[param(&[3, 4], 61)], |t| t[0].reshape(&[2, -1]));
    check("transpose then reshape", &[param(&[3, 4], 62)], |t| {
        t[0].t()?.reshape(&[-1])
    });
    check("unsqueeze/squeeze", &[param(&[3, 4], 63)], |t| {
        t[0].unsqueeze(1)?.squeeze(None)
    });
    check("expand", &[param(&[3, 1], 64)], |t| t[0].expand(&[2, 3, 4]));
}

#[test]
fn losses_and_layers() {
    let target = Tensor::from_vec_i64(vec![2, 0, 1], &[3]).unwrap();
    for r in [Reduction::Mean, Reduction::Sum, Reduction::None] {
        check("cross_entropy", &[param(&[3, 4], 71)], |t| {
            nn::cross_entropy(&t[0], &target, r)
        });
    }
    let y = Tensor::from_vec(vec![0.5; 6], &[3, 2]).unwrap();
    check("mse_loss", &[param(&[3, 2], 72)], |t| {
        nn::mse_loss(&t[0], &y, Reduction::Mean)
    });
    check(
        "linear",
        &[param(&[5, 3], 73), param(&[4, 3], 74), param(&[4], 75)],
        |t| nn::functional::linear(&t[0], &t[1], Some(&t[2])),
    );
    // The fused op's other paths: batched input, a transposed (strided) input and
    // weight, no bias.
    check(
        "linear, 3-D input",
        &[param(&[2, 5, 3], 76), param(&[4, 3], 77), param(&[4], 78)],
        |t| nn::functional::linear(&t[0], &t[1], Some(&t[2])),
    );
    check(
        "linear, strided operands, no bias",
        &[param(&[3, 5], 79), param(&[3, 4], 80)],
        |t| nn::functional::linear(&t[0].t()?, &t[1].t()?, None),
    );
}

#[test]
fn gradients_accumulate_and_a_freed_graph_is_refused() {
    let x = param(&[3], 81);
    let y = x.mul(&x).unwrap().sum(None, false).unwrap();
    y.backward().unwrap();
    let once = x.grad().unwrap().to_vec_f64();
    let err = y.backward().unwrap_err();
    assert_eq!(err.code, ferrograd::ErrorCode::Grad);
    assert!(err.message.contains("retainGraph"));
    x.mul(&x)
        .unwrap()
        .sum(None, false)
        .unwrap()
        .backward()
        .unwrap();
    let twice = x.grad().unwrap().to_vec_f64();
    for (a, b) in once.iter().zip(&twice) {
        assert!((2.0 * a - b).abs() < 1e-6);
    }
    // A retained graph can be walked twice.
    x.set_grad(None).unwrap();
    let z = x.sum(None, false).unwrap();
    ferrograd::autograd::backward(&z, None, true).unwrap();
    ferrograd::autograd::backward(&z, None, false).unwrap();
    assert_eq!(x.grad().unwrap().to_vec_f64(), vec![2.0; 3]);
}

#[test]
fn no_grad_records_nothing() {
    let x = param(&[3], 91);
    let y = ferrograd::no_grad(|| x.mul_scalar(2.0).unwrap());
    assert!(!y.requires_grad());
    assert_eq!(y.backward().unwrap_err().code, ferrograd::ErrorCode::Grad);
    assert!(x.mul_scalar(2.0).unwrap().requires_grad());
}

fn shifted(shape: &[usize], seed: u64, shift: f64) -> Tensor {
    let t = param(shape, seed).detach().add_scalar(shift).unwrap();
    t.set_requires_grad(true).unwrap();
    t
}

#[test]
fn more_elementwise_functions() {
    check("sqrt", &[shifted(&[6], 101, 2.0)], |t| t[0].sqrt());
    check("abs", &[param(&[6], 102)], |t| t[0].abs());
    check("gelu", &[param(&[3, 4], 103)], |t| t[0].gelu());
    check("silu", &[param(&[3, 4], 104)], |t| t[0].silu());
    check("softplus", &[param(&[3, 4], 105)], |t| t[0].softplus());
    check("leaky_relu", &[param(&[3, 4], 106)], |t| {
        t[0].leaky_relu(0.1)
    });
    check("clamp", &[param(&[3, 4], 107)], |t| {
        t[0].clamp(Some(-0.5), Some(0.5))
    });
    check("pow scalar", &[shifted(&[5], 108, 2.0)], |t| {
        t[0].pow_scalar(2.5)
    });
    check("scalar pow", &[param(&[5], 109)], |t| t[0].scalar_pow(3.0));
}

#[test]
fn pow_maximum_minimum_where() {
    check(
        "pow",
        &[shifted(&[3, 4], 111, 2.0), param(&[4], 112)],
        |t| t[0].pow(&t[1]),
    );
    check("maximum", &[param(&[3, 4], 113), param(&[4], 114)], |t| {
        t[0].maximum(&t[1])
    });
    check(
        "minimum",
        &[param(&[3, 4], 115), param(&[3, 1], 116)],
        |t| t[0].minimum(&t[1]),
    );
    let cond = param(&[3, 4], 117)
        .detach()
        .compare(ferrograd::ops::CmpOp::Gt, &Tensor::scalar(0.0))
        .unwrap();
    check("where", &[param(&[3, 4], 118), param(&[4], 119)], |t| {
        Tensor::where_cond(&cond, &t[0], &t[1])
    });
    check("masked_fill", &[param(&[3, 4], 120)], |t| {
        t[0].masked_fill(&cond, 2.0)
    });
}

#[test]
fn max_min_var_std() {
    check("max dim", &[param(&[3, 4], 121)], |t| {
        Ok(t[0].max_dim(1, false)?.0)
    });
    check("min dim keepdim", &[param(&[3, 4], 122)], |t| {
        Ok(t[0].min_dim(0, true)?.0)
    });
    check("max all", &[param(&[3, 4], 123)], |t| t[0].max_all());
    check("var", &[param(&[3, 4], 124)], |t| {
        t[0].var(Some(&[1]), 1.0, false)
    });
    check("var all", &[param(&[3, 4], 125)], |t| {
        t[0].var(None, 0.0, false)
    });
    check("std", &[param(&[3, 4], 126)], |t| {
        t[0].std(Some(&[0]), 1.0, true)
    });
}

#[test]
fn rearranging_and_selecting() {
    check("permute", &[param(&[2, 3, 4], 131)], |t| {
        t[0].permute(&[2, 0, 1])
    });
    check("narrow", &[param(&[3, 5], 132)], |t| t[0].narrow(1, 1, 3));
    check("cat", &[param(&[2, 3], 133), param(&[2, 2], 134)], |t| {
        Tensor::cat(&[t[0].clone(), t[1].clone()], 1)
    });
    check("stack", &[param(&[2, 3], 135), param(&[2, 3], 136)], |t| {
        Tensor::stack(&[t[0].clone(), t[1].clone()], 0)
    });
    let rows = Tensor::from_vec_i64(vec![2, 0, 2], &[3]).unwrap();
    check("index_select", &[param(&[3, 4], 137)], |t| {
        t[0].index_select(0, &rows)
    });
    let cols = Tensor::from_vec_i64(vec![3, 0, 1, 1, 2, 2], &[3, 2]).unwrap();
    check("gather", &[param(&[3, 4], 138)], |t| t[0].gather(1, &cols));
}
