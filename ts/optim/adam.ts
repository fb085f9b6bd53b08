import { nativeOptimizers } from '../native'
import type { Tensor } from '../tensor'
import { Optimizer, type ParamGroup, type ParamGroupInput } from './optimizer'

/** Hyperparameters of Adam and AdamW (all optional; PyTorch's defaults). */
export interface AdamOptions {
  /** Learning rate (default 0.001). */
  lr?: number
  /** Decay rates of the first and second moment estimates, each in [0, 1) (default [0.9, 0.999]). */
  betas?: [number, number]
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps?: number
  /** Weight decay (default 0 for Adam, 0.01 for AdamW). */
  weightDecay?: number
  /** Use the maximum of past second moments, AMSGrad (default false). */
  amsgrad?: boolean
  /** Ascend the objective instead of descending it (default false). */
  maximize?: boolean
}

/** A parameter group: its tensors and optional per-group hyperparameters. */
export type AdamParamGroupInput = ParamGroupInput<AdamOptions>

/** A parameter group as the optimizer holds it; change `lr` or `betas` here. */
export type AdamParamGroup = Required<AdamOptions> & ParamGroup

/**
 * Adam, with `torch.optim.Adam`'s update and bias correction:
 * `g = ∇ + wd·p`; `m = β1·m + (1 − β1)·g`; `v = β2·v + (1 − β2)·g²`;
 * `p -= lr/(1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + eps)`, with `v` replaced by its
 * running maximum under AMSGrad. The state per parameter is `step`, `exp_avg`,
 * `exp_avg_sq` (and `max_exp_avg_sq`).
 */
export class Adam extends Optimizer<Required<AdamOptions>> {
  /** @param params tensors, or parameter groups. @param options defaults for every group. */
  constructor(params: Iterable<Tensor> | AdamParamGroupInput[], options: AdamOptions = {}) {
    super(nativeOptimizers.adam, params, options)
  }
}

/**
 * AdamW: Adam with decoupled weight decay, as `torch.optim.AdamW` — the weights
 * shrink, `p *= 1 − lr·wd`, instead of the gradient growing by `wd·p`, so the
 * decay does not pass through the moment estimates. Default weight decay 0.01.
 */
export class AdamW extends Optimizer<Required<AdamOptions>> {
  /** @param params tensors, or parameter groups. @param options defaults for every group. */
  constructor(params: Iterable<Tensor> | AdamParamGroupInput[], options: AdamOptions = {}) {
    super(nativeOptimizers.adamW, params, options)
  }
}
