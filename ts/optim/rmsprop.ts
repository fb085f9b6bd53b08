import { nativeOptimizers } from '../native'
import type { Tensor } from '../tensor'
import { Optimizer, type ParamGroup, type ParamGroupInput } from './optimizer'

/** Hyperparameters of RMSprop (all optional; PyTorch's defaults). */
export interface RMSpropOptions {
  /** Learning rate (default 0.01). */
  lr?: number
  /** Smoothing constant of the running averages, in [0, 1] (default 0.99). */
  alpha?: number
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps?: number
  /** L2 penalty (default 0). */
  weightDecay?: number
  /** Momentum factor (default 0). */
  momentum?: number
  /** Normalize by the estimated variance of the gradient (default false). */
  centered?: boolean
  /** Ascend the objective instead of descending it (default false). */
  maximize?: boolean
}

/** A parameter group: its tensors and optional per-group hyperparameters. */
export type RMSpropParamGroupInput = ParamGroupInput<RMSpropOptions>

/** A parameter group as the optimizer holds it; change `lr` here to reschedule. */
export type RMSpropParamGroup = Required<RMSpropOptions> & ParamGroup

/**
 * RMSprop, with `torch.optim.RMSprop`'s update: `g = ∇ + wd·p`;
 * `v = α·v + (1 − α)·g²`; centered: `a = α·a + (1 − α)·g` and `v − a²` under the
 * root; `d = √· + eps`; with momentum `b = momentum·b + g/d`, `p -= lr·b`, else
 * `p -= lr·g/d`. The state per parameter is `step`, `square_avg` (and
 * `momentum_buffer`, `grad_avg`).
 */
export class RMSprop extends Optimizer<Required<RMSpropOptions>> {
  /** @param params tensors, or parameter groups. @param options defaults for every group. */
  constructor(params: Iterable<Tensor> | RMSpropParamGroupInput[], options: RMSpropOptions = {}) {
    super(nativeOptimizers.rmsprop, params, options)
  }
}
