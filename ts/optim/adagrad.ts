import { nativeOptimizers } from '../native'
import type { Tensor } from '../tensor'
import { Optimizer, type ParamGroup, type ParamGroupInput } from './optimizer'

/** Hyperparameters of Adagrad (all optional; PyTorch's defaults). */
export interface AdagradOptions {
  /** Learning rate (default 0.01). */
  lr?: number
  /** Learning-rate decay: step `t` uses `lr / (1 + (t − 1)·lrDecay)` (default 0). */
  lrDecay?: number
  /** L2 penalty (default 0). */
  weightDecay?: number
  /** The value the sums of squared gradients start at (default 0). */
  initialAccumulatorValue?: number
  /** Added to the denominator for numerical stability (default 1e-10). */
  eps?: number
  /** Ascend the objective instead of descending it (default false). */
  maximize?: boolean
}

/** A parameter group: its tensors and optional per-group hyperparameters. */
export type AdagradParamGroupInput = ParamGroupInput<AdagradOptions>

/** A parameter group as the optimizer holds it; change `lr` here to reschedule. */
export type AdagradParamGroup = Required<AdagradOptions> & ParamGroup

/**
 * Adagrad, with `torch.optim.Adagrad`'s update: `g = ∇ + wd·p`; `s += g²`;
 * `p -= lr/(1 + (t − 1)·lrDecay) · g / (√s + eps)`. The state per parameter,
 * there from construction as in PyTorch, is `step` and `sum`.
 */
export class Adagrad extends Optimizer<Required<AdagradOptions>> {
  /** @param params tensors, or parameter groups. @param options defaults for every group. */
  constructor(params: Iterable<Tensor> | AdagradParamGroupInput[], options: AdagradOptions = {}) {
    super(nativeOptimizers.adagrad, params, options)
  }
}
