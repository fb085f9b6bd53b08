//! Training a small network from Rust: three interleaved spirals of 2-D points,
//! one class each, separated by a 2-64-64-3 MLP with SGD and momentum.
//!
//!     cargo run --release --example mlp -p ferrograd

use ferrograd::nn::{cross_entropy, Linear, Reduction};
use ferrograd::optim::{ParamGroup, Sgd, SgdOptions};
use ferrograd::{manual_seed, no_grad, random, Result, Tensor};

/// `n` points per class on `classes` spiral arms, with a little noise.
fn spirals(n: usize, classes: usize) -> Result<(Tensor, Tensor)> {
    let noise = random::randn(&[n * classes, 2])?.to_vec_f32()?;
    let mut xs = Vec::with_capacity(n * classes * 2);
    let mut ys = Vec::with_capacity(n * classes);
    for c in 0..classes {
        for i in 0..n {
            let r = i as f32 / n as f32;
            let theta = c as f32 * 4.0 + 4.0 * r;
            let k = c * n + i;
            xs.push(r * theta.sin() + 0.03 * noise[2 * k]);
            xs.push(r * theta.cos() + 0.03 * noise[2 * k + 1]);
            ys.push(c as i64);
        }
    }
    Ok((
        Tensor::from_vec(xs, &[n * classes, 2])?,
        Tensor::from_vec_i64(ys, &[n * classes])?,
    ))
}

struct Mlp {
    layers: Vec<Linear>,
}

impl Mlp {
    fn new(sizes: &[usize]) -> Result<Mlp> {
        let layers = sizes
            .windows(2)
            .map(|w| Linear::new(w[0], w[1], true))
            .collect::<Result<_>>()?;
        Ok(Mlp { layers })
    }

    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let mut h = x.clone();
        for (i, layer) in self.layers.iter().enumerate() {
            h = layer.forward(&h)?;
            if i + 1 < self.layers.len() {
                h = h.relu()?;
            }
        }
        Ok(h)
    }

    fn parameters(&self) -> Vec<Tensor> {
        self.layers.iter().flat_map(|l| l.parameters()).collect()
    }
}

fn main() -> Result<()> {
    manual_seed(0);
    let (x, y) = spirals(100, 3)?;
    let model = Mlp::new(&[2, 64, 64, 3])?;
    let mut optimizer = Sgd::new(vec![ParamGroup {
        params: model.parameters(),
        options: SgdOptions {
            lr: 0.1,
            momentum: 0.9,
            ..Default::default()
        },
    }])?;
    let started = std::time::Instant::now();
    for epoch in 1..=300 {
        let loss = cross_entropy(&model.forward(&x)?, &y, Reduction::Mean)?;
        optimizer.zero_grad()?;
        loss.backward()?;
        optimizer.step()?;
        if epoch % 50 == 0 {
            let correct = no_grad(|| {
                model
                    .forward(&x)?
                    .argmax(Some(1), false)?
                    .eq(&y)?
                    .sum(None, false)?
                    .item()
            })?;
            println!(
                "epoch {epoch:3}  loss {:.4}  accuracy {:.3}",
                loss.item()?,
                correct / y.numel() as f64
            );
        }
    }
    println!("300 full-batch steps in {:.2?}", started.elapsed());
    Ok(())
}
