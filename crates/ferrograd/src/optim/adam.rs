//! Adam and AdamW (with AMSGrad), with `torch.optim.Adam`'s and
//! `torch.optim.AdamW`'s exact update and bias correction. The two differ only in
//! where the weight decay goes: Adam adds `wd * p` to the gradient (an L2
//! penalty, which then passes through the moment estimates); AdamW shrinks the
//! weights directly, `p *= 1 - lr * wd`, before the update.

use super::hyperparameters::hyperparameters;
use super::optimizer::{buffers, lerp, Optimizer, Rule, Update};
use crate::tensor::Float;

hyperparameters! {
    /// Hyperparameters of one Adam or AdamW parameter group; their defaults are
    /// Adam's (AdamW's: [`AdamOptions::adamw`]).
    adam_hyperparameters => AdamOptions {
        /// Learning rate.
        lr: f64 = 1e-3 => non_negative,
        /// Decay rates of the first and second moment estimates, each in [0, 1).
        betas: (f64, f64) = (0.9, 0.999) => decay_rates,
        /// Added to the denominator for numerical stability.
        eps: f64 = 1e-8 => non_negative,
        /// Weight decay: an L2 penalty for Adam, decoupled for AdamW.
        weight_decay: f64 = 0.0 => non_negative,
        /// Use the maximum of past second moments (AMSGrad).
        amsgrad: bool = false,
        /// Ascend the objective instead of descending it.
        maximize: bool = false,
    }
}

impl AdamOptions {
    /// PyTorch's AdamW defaults: Adam's, with weight decay 0.01.
    pub fn adamw() -> Self {
        AdamOptions {
            weight_decay: 1e-2,
            ..Default::default()
        }
    }
}

/// The Adam update rule; with `DECOUPLED` it is AdamW's (the weight decay shrinks
/// the weights instead of adding to the gradient).
pub struct AdamFamily<const DECOUPLED: bool>;

/// The Adam update rule (L2 weight decay).
pub type AdamRule = AdamFamily<false>;

/// The AdamW update rule (decoupled weight decay).
pub type AdamWRule = AdamFamily<true>;

/// The Adam optimizer.
pub type Adam = Optimizer<AdamRule>;

/// The AdamW optimizer.
pub type AdamW = Optimizer<AdamWRule>;

impl<const DECOUPLED: bool> Rule for AdamFamily<DECOUPLED> {
    const NAME: &'static str = if DECOUPLED { "AdamW" } else { "Adam" };
    type Options = AdamOptions;

    fn defaults() -> AdamOptions {
        if DECOUPLED {
            AdamOptions::adamw()
        } else {
            AdamOptions::default()
        }
    }

    fn buffer_names(o: &AdamOptions) -> &'static [&'static str] {
        if o.amsgrad {
            &["exp_avg", "exp_avg_sq", "max_exp_avg_sq"]
        } else {
            &["exp_avg", "exp_avg_sq"]
        }
    }

    /// PyTorch's single-tensor Adam, in its order of operations: the decay, then
    /// `m = lerp(m, g, 1 - b1)`, `v = b2 v + (1 - b2) g^2`, and
    /// `p += -(lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps)`, with
    /// `v` replaced by its running maximum under AMSGrad.
    fn update<T: Float>(o: &AdamOptions, u: Update<'_, T>) {
        let Update {
            w, g, state, step, ..
        } = u;
        let (b1, b2) = o.betas;
        // The scalars are computed in double precision, as Python computes them.
        let t = step as f64;
        let step_size = o.lr / (1.0 - b1.powf(t));
        let bc2_sqrt = T::of((1.0 - b2.powf(t)).sqrt());
        let (neg_step, eps) = (T::of(-step_size), T::of(o.eps));
        let (w1, b2t, w2) = (T::of(1.0 - b1), T::of(b2), T::of(1.0 - b2));
        let wd = T::of(o.weight_decay);
        let shrink = T::of(1.0 - o.lr * o.weight_decay);
        let sign = if o.maximize { -T::ONE } else { T::ONE };
        let l2 = !DECOUPLED && o.weight_decay != 0.0;
        let decay = DECOUPLED && o.weight_decay != 0.0;
        let adjust = |w: &mut T, g: T| {
            let g = sign * g;
            if decay {
                *w = *w * shrink;
            }
            if l2 {
                g + wd * *w
            } else {
                g
            }
        };
        if o.amsgrad {
            let [m, v, vmax] = buffers::<T, 3>(state);
            for i in 0..w.len() {
                let g = adjust(&mut w[i], g[i]);
                m[i] = lerp(m[i], g, w1);
                v[i] = v[i] * b2t + w2 * g * g;
                // torch.maximum: a NaN on either side gives NaN.
                if v[i] > vmax[i] || v[i].is_nan() {
                    vmax[i] = v[i];
                }
                w[i] = w[i] + neg_step * m[i] / (vmax[i].sqrt() / bc2_sqrt + eps);
            }
        } else {
            let [m, v] = buffers::<T, 2>(state);
            for (((w, &g), m), v) in w.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut()) {
                let g = adjust(w, g);
                *m = lerp(*m, g, w1);
                *v = *v * b2t + w2 * g * g;
                *w = *w + neg_step * *m / (v.sqrt() / bc2_sqrt + eps);
            }
        }
    }
}
