import { Tensor } from '../tensor'
import { crossEntropy, mseLoss, reductionOf, type LossOptions, type Reduction } from './functional'
import { Module } from './module'

/** Mean squared error `(input - target)^2`; shapes must match. */
export class MSELoss extends Module {
  /** How the per-element losses are combined. */
  readonly reduction: Reduction

  /** @param options `{ reduction }`, `'mean'` by default. */
  constructor(options: LossOptions = {}) {
    super()
    this.reduction = reductionOf('MSELoss', options, ['reduction'])
  }

  /** The loss of `input` against `target`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return mseLoss(input, target, { reduction: this.reduction })
  }

  /** @internal */
  extraRepr(): string {
    return `reduction='${this.reduction}'`
  }
}

/**
 * Cross-entropy between raw logits `[N, C]` and int64 class indices `[N]`:
 * log-softmax and negative log-likelihood in one fused, stable op.
 */
export class CrossEntropyLoss extends Module {
  /** How the per-sample losses are combined. */
  readonly reduction: Reduction

  /** @param options `{ reduction }`, `'mean'` by default. */
  constructor(options: LossOptions = {}) {
    super()
    this.reduction = reductionOf('CrossEntropyLoss', options, ['reduction'])
  }

  /** The loss of `input` logits against `target` classes. */
  forward(input: Tensor, target: Tensor): Tensor {
    return crossEntropy(input, target, { reduction: this.reduction })
  }

  /** @internal */
  extraRepr(): string {
    return `reduction='${this.reduction}'`
  }
}
