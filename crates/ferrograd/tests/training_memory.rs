//! Memory across a long training run. Its own test binary (so its own process):
//! the figures read are process-wide, and other tests must not run beside it.

use ferrograd::{memory, random, Tensor};

#[test]
fn ten_thousand_training_steps_hold_the_same_memory_after_each() {
    use ferrograd::nn::{cross_entropy, Linear, Reduction};
    use ferrograd::optim::{ParamGroup, Sgd, SgdOptions};
    random::manual_seed(1);
    let (l1, l2) = (
        Linear::new(8, 16, true).unwrap(),
        Linear::new(16, 3, true).unwrap(),
    );
    let params: Vec<Tensor> = l1.parameters().into_iter().chain(l2.parameters()).collect();
    let mut opt = Sgd::new(vec![ParamGroup {
        params,
        options: SgdOptions {
            lr: 0.05,
            momentum: 0.9,
            ..Default::default()
        },
    }])
    .unwrap();
    let x = random::randn(&[32, 8]).unwrap();
    let y = random::randint(0, 3, &[32]).unwrap();
    let mut step = || {
        let h = l1.forward(&x).unwrap().relu().unwrap();
        let loss = cross_entropy(&l2.forward(&h).unwrap(), &y, Reduction::Mean).unwrap();
        opt.zero_grad().unwrap();
        loss.backward().unwrap();
        opt.step().unwrap();
        loss.item().unwrap()
    };
    let first = step();
    let settled = memory();
    let mut last = first;
    for i in 0..10_000 {
        last = step();
        assert_eq!(memory(), settled, "step {i}: memory changed");
    }
    assert!(last < first, "the MLP learned nothing: {first} -> {last}");
}
