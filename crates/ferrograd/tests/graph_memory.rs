//! Memory held by autograd graphs. Its own test binary (so its own process): the
//! figures read are process-wide, and other tests must not run beside it.

use ferrograd::{memory, random, Tensor};

#[test]
fn backward_frees_the_graph_while_the_loss_lives_on() {
    random::manual_seed(0);
    let w = random::randn(&[64, 32]).unwrap();
    w.set_requires_grad(true).unwrap();
    let x = Tensor::ones(&[8, 32]).unwrap();
    let step = || {
        let loss = x
            .matmul(&w.t().unwrap())
            .unwrap()
            .relu()
            .unwrap()
            .mean(None, false)
            .unwrap();
        loss.backward().unwrap();
        w.set_grad(None).unwrap();
        loss
    };
    let mut losses = vec![step()];
    let settled = memory();
    for i in 1..=100i64 {
        // Every loss stays alive: were its graph not freed by backward, each step
        // would keep its [8, 64] activations too.
        losses.push(step());
        let now = memory();
        assert_eq!(now.bytes - settled.bytes, 4 * i, "step {i}");
        assert_eq!(now.tensors - settled.tensors, i, "step {i}");
    }
}
