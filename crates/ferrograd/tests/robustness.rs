//! Paths that once crashed, hung or silently computed wrong answers.

use ferrograd::Tensor;

#[test]
fn dropping_a_very_deep_graph_does_not_overflow_the_stack() {
    // A small stack makes a recursive drop fail fast and for certain (Node's main
    // thread crashed at about 60,000 ops before drops were made iterative).
    let handle = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| {
            let x = Tensor::ones(&[1]).unwrap();
            x.set_requires_grad(true).unwrap();
            let mut total = x.clone();
            for _ in 0..100_000 {
                total = total.add_scalar(1.0).unwrap();
            }
            assert_eq!(total.item().unwrap(), 100_001.0);
            drop(total);
        })
        .unwrap();
    handle
        .join()
        .expect("the graph was dropped without overflowing the stack");
}

#[test]
fn a_gradient_sharing_its_parameters_storage_does_not_deadlock_sgd() {
    use ferrograd::optim::{Sgd, SgdOptions};
    let p = Tensor::from_vec(vec![1.0, 2.0], &[2]).unwrap();
    p.set_requires_grad(true).unwrap();
    p.set_grad(Some(p.detach())).unwrap();
    let options = SgdOptions {
        lr: 0.5,
        ..Default::default()
    };
    let mut opt = Sgd::with_options(vec![p.clone()], options).unwrap();
    opt.step().unwrap();
    assert_eq!(p.to_vec_f32().unwrap(), vec![0.5, 1.0]);
}

#[test]
fn backward_after_an_in_place_update_of_an_input_is_refused() {
    use ferrograd::optim::{Sgd, SgdOptions};
    let p = Tensor::from_vec(vec![1.0, 2.0], &[2]).unwrap();
    p.set_requires_grad(true).unwrap();
    let loss = p.mul(&p).unwrap().sum(None, false).unwrap();
    ferrograd::autograd::backward(&loss, None, true).unwrap();
    let options = SgdOptions {
        lr: 0.1,
        ..Default::default()
    };
    Sgd::with_options(vec![p.clone()], options)
        .unwrap()
        .step()
        .unwrap();
    let before = p.grad().unwrap().to_vec_f32().unwrap();
    let err = loss.backward().unwrap_err();
    assert_eq!(err.code, ferrograd::ErrorCode::Grad);
    assert!(err.message.contains("modified in place"), "{}", err.message);
    // Refused before any gradient was touched.
    assert_eq!(p.grad().unwrap().to_vec_f32().unwrap(), before);
}

#[test]
fn two_leaves_never_share_one_gradient_buffer() {
    // AddBackward hands the same gradient to both inputs; stored as is, an in-place
    // update of one leaf's gradient would change the other's.
    let a = Tensor::from_vec(vec![1.0, 2.0], &[2]).unwrap();
    let b = Tensor::from_vec(vec![3.0, 4.0], &[2]).unwrap();
    a.set_requires_grad(true).unwrap();
    b.set_requires_grad(true).unwrap();
    a.add(&b)
        .unwrap()
        .sum(None, false)
        .unwrap()
        .backward()
        .unwrap();
    let (ga, gb) = (a.grad().unwrap(), b.grad().unwrap());
    assert!(!ga.shares_storage(&gb));
    assert_eq!(ga.to_vec_f32().unwrap(), vec![1.0, 1.0]);
}
