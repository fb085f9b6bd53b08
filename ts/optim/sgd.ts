import { nativeOptimizers } from '../native'
import type { Tensor } from '../tensor'
import { Optimizer, type ParamGroup, type ParamGroupInput } from './optimizer'

/** Hyperparameters of SGD (all optional; PyTorch's defaults). */
export interface SGDOptions {
  /** Learning rate (default 0.001). */
  lr?: number
  /** Momentum factor (default 0). */
  momentum?: number
  /** Dampening for momentum (default 0). */
  dampening?: number
  /** L2 penalty (default 0). */
  weightDecay?: number
  /** Nesterov momentum (default false). */
  nesterov?: boolean
  /** Ascend the objective instead of descending it (default false). */
  maximize?: boolean
}

/** A parameter group: its tensors and optional per-group hyperparameters. */
export type SGDParamGroupInput = ParamGroupInput<SGDOptions>

/** A parameter group as the optimizer holds it; change `lr` here to reschedule. */
export type SGDParamGroup = Required<SGDOptions> & ParamGroup

/**
 * Stochastic gradient descent with optional momentum, Nesterov momentum and
 * weight decay, with `torch.optim.SGD`'s update rule:
 * `g = ∇ + wd·p`; `b = momentum·b + (1 − dampening)·g` (the first `b` is `g`);
 * `g = nesterov ? g + momentum·b : b`; `p -= lr·g`.
 * `step()` updates every parameter in one native call. The state (per parameter,
 * with momentum) is `momentum_buffer`.
 */
export class SGD extends Optimizer<Required<SGDOptions>> {
  /** @param params tensors, or parameter groups. @param options defaults for every group. */
  constructor(params: Iterable<Tensor> | SGDParamGroupInput[], options: SGDOptions = {}) {
    super(nativeOptimizers.sgd, params, options)
  }
}
