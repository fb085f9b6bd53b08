//! RMSprop, with `torch.optim.RMSprop`'s exact update: a running average of
//! squared gradients scales each step, optionally centered (the running mean of
//! the gradient is subtracted, estimating the variance) and with momentum.

use super::hyperparameters::hyperparameters;
use super::optimizer::{buffers, lerp, Optimizer, Rule, Update};
use crate::tensor::Float;

hyperparameters! {
    /// Hyperparameters of one RMSprop parameter group.
    rmsprop_hyperparameters => RmspropOptions {
        /// Learning rate.
        lr: f64 = 1e-2 => non_negative,
        /// Smoothing constant of the running averages, in [0, 1]. PyTorch only
        /// asks alpha >= 0; above 1 the average of squares can turn negative and
        /// the square root NaN, so it is refused here.
        alpha: f64 = 0.99 => unit_interval,
        /// Added to the denominator for numerical stability.
        eps: f64 = 1e-8 => non_negative,
        /// L2 penalty added to the gradient.
        weight_decay: f64 = 0.0 => non_negative,
        /// Momentum factor (0 disables momentum).
        momentum: f64 = 0.0 => non_negative,
        /// Normalize by the estimated variance of the gradient instead of its second
        /// moment.
        centered: bool = false,
        /// Ascend the objective instead of descending it.
        maximize: bool = false,
    }
}

/// The RMSprop update rule.
pub struct RmspropRule;

/// The RMSprop optimizer.
pub type Rmsprop = Optimizer<RmspropRule>;

impl Rule for RmspropRule {
    const NAME: &'static str = "RMSprop";
    type Options = RmspropOptions;

    fn buffer_names(o: &RmspropOptions) -> &'static [&'static str] {
        match (o.momentum > 0.0, o.centered) {
            (false, false) => &["square_avg"],
            (true, false) => &["square_avg", "momentum_buffer"],
            (false, true) => &["square_avg", "grad_avg"],
            (true, true) => &["square_avg", "momentum_buffer", "grad_avg"],
        }
    }

    /// `v = alpha v + (1 - alpha) g^2`; centered: `a = lerp(a, g, 1 - alpha)` and
    /// `v - a^2` under the root; `d = sqrt(.) + eps`; with momentum
    /// `buf = momentum buf + g / d, p -= lr buf`, else `p -= lr g / d`.
    fn update<T: Float>(o: &RmspropOptions, u: Update<'_, T>) {
        let Update { w, g, state, .. } = u;
        let (alpha, keep) = (T::of(o.alpha), T::of(1.0 - o.alpha));
        let (eps, wd, mom, neg_lr) = (
            T::of(o.eps),
            T::of(o.weight_decay),
            T::of(o.momentum),
            T::of(-o.lr),
        );
        let sign = if o.maximize { -T::ONE } else { T::ONE };
        let grad = |w: T, g: T| sign * g + wd * w;
        let (sq, rest) = state.split_at_mut(1);
        let [sq] = buffers::<T, 1>(sq);
        match (o.momentum > 0.0, o.centered) {
            (false, false) => {
                for ((w, &g), v) in w.iter_mut().zip(g).zip(sq.iter_mut()) {
                    let g = grad(*w, g);
                    *v = *v * alpha + keep * g * g;
                    *w = *w + neg_lr * g / (v.sqrt() + eps);
                }
            }
            (true, false) => {
                let [buf] = buffers::<T, 1>(rest);
                for (((w, &g), v), b) in w.iter_mut().zip(g).zip(sq.iter_mut()).zip(buf.iter_mut())
                {
                    let g = grad(*w, g);
                    *v = *v * alpha + keep * g * g;
                    *b = *b * mom + g / (v.sqrt() + eps);
                    *w = *w + neg_lr * *b;
                }
            }
            (false, true) => {
                let [avg] = buffers::<T, 1>(rest);
                for (((w, &g), v), a) in w.iter_mut().zip(g).zip(sq.iter_mut()).zip(avg.iter_mut())
                {
                    let g = grad(*w, g);
                    *v = *v * alpha + keep * g * g;
                    *a = lerp(*a, g, keep);
                    *w = *w + neg_lr * g / ((*v - *a * *a).sqrt() + eps);
                }
            }
            (true, true) => {
                let [buf, avg] = buffers::<T, 2>(rest);
                for i in 0..w.len() {
                    let g = grad(w[i], g[i]);
                    sq[i] = sq[i] * alpha + keep * g * g;
                    avg[i] = lerp(avg[i], g, keep);
                    buf[i] = buf[i] * mom + g / ((sq[i] - avg[i] * avg[i]).sqrt() + eps);
                    w[i] = w[i] + neg_lr * buf[i];
                }
            }
        }
    }
}
