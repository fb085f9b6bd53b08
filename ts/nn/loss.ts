import { checkOptions, fail } from '../errors'
import { Tensor, asTensor } from '../tensor'
import {
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  crossEntropy,
  huberLoss,
  klDiv,
  l1Loss,
  mseLoss,
  nllLoss,
  reductionOf,
  smoothL1Loss,
  type BceOptions,
  type BceWithLogitsOptions,
  type CrossEntropyOptions,
  type HuberLossOptions,
  type KlDivOptions,
  type KlDivReduction,
  type LossOptions,
  type NllLossOptions,
  type Reduction,
  type SmoothL1LossOptions,
} from './functional'
import { Module } from './module'
import { pyFloat } from './repr'

/**
 * What every loss module shares: the reduction, and class or element weights
 * kept as buffers (as PyTorch's `_WeightedLoss` does, so they are in `stateDict()`).
 */
abstract class Loss extends Module {
  /** How the per-element losses are combined. */
  readonly reduction: Reduction

  /** Checks `options` against `allowed` (`reduction` always) and keeps the reduction. */
  constructor(options: LossOptions, allowed: readonly string[]) {
    super()
    this.reduction = reductionOf(this.constructor.name, options, ['reduction', ...allowed])
  }

  /** The `ignoreIndex` option: an integer, -100 by default. */
  protected ignoreIndexOf(value: number | undefined): number {
    const i = value ?? -100
    if (!Number.isInteger(i)) fail('ERR_ARG', this.constructor.name, `ignoreIndex must be an integer, got ${String(i)}`)
    return i
  }

  /** Registers an optional weight tensor as a buffer under `name`. */
  protected weightBuffer(name: string, value: Tensor | null | undefined): void {
    this.registerBuffer(name, value === undefined || value === null ? null : asTensor(this.constructor.name, value))
  }

  /** The loss of `input` against `target`. */
  abstract forward(input: Tensor, target: Tensor): Tensor

  /** @internal */
  extraRepr(): string {
    return `reduction='${this.reduction}'`
  }
}

/** Mean squared error `(input - target)^2`; shapes must match. */
export class MSELoss extends Loss {
  /** @param options `{ reduction }`, `'mean'` by default. */
  constructor(options: LossOptions = {}) {
    super(options, [])
  }

  /** The loss of `input` against `target`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return mseLoss(input, target, { reduction: this.reduction })
  }
}

/** Mean absolute error `|input - target|`; shapes must match. */
export class L1Loss extends Loss {
  /** @param options `{ reduction }`, `'mean'` by default. */
  constructor(options: LossOptions = {}) {
    super(options, [])
  }

  /** The loss of `input` against `target`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return l1Loss(input, target, { reduction: this.reduction })
  }
}

/** Smooth L1 (quadratic below `beta`, linear above), as `torch.nn.SmoothL1Loss`. */
export class SmoothL1Loss extends Loss {
  /** The switch point (default 1). */
  readonly beta: number

  /** @param options `{ reduction, beta }`. */
  constructor(options: SmoothL1LossOptions = {}) {
    super(options, ['beta'])
    this.beta = options.beta ?? 1
    if (!(typeof this.beta === 'number' && this.beta >= 0)) fail('ERR_ARG', 'SmoothL1Loss', `beta must be a non-negative number, got ${String(this.beta)}`)
  }

  /** The loss of `input` against `target`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return smoothL1Loss(input, target, { reduction: this.reduction, beta: this.beta })
  }

  /** @internal */
  extraRepr(): string {
    return `${super.extraRepr()}, beta=${pyFloat(this.beta)}`
  }
}

/** Huber loss (quadratic below `delta`, linear above), as `torch.nn.HuberLoss`. */
export class HuberLoss extends Loss {
  /** The switch point (default 1). */
  readonly delta: number

  /** @param options `{ reduction, delta }`. */
  constructor(options: HuberLossOptions = {}) {
    super(options, ['delta'])
    this.delta = options.delta ?? 1
    if (!(typeof this.delta === 'number' && this.delta > 0)) fail('ERR_ARG', 'HuberLoss', `delta must be a positive number, got ${String(this.delta)}`)
  }

  /** The loss of `input` against `target`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return huberLoss(input, target, { reduction: this.reduction, delta: this.delta })
  }

  /** @internal */
  extraRepr(): string {
    return `${super.extraRepr()}, delta=${pyFloat(this.delta)}`
  }
}

/** Binary cross-entropy of probabilities in [0, 1], as `torch.nn.BCELoss`; `weight` broadcasts to the input. */
export class BCELoss extends Loss {
  /** @param options `{ weight, reduction }`. */
  constructor(options: BceOptions = {}) {
    super(options, ['weight'])
    this.weightBuffer('weight', options.weight)
  }

  /** The loss of `input` probabilities against `target`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropy(input, target, { reduction: this.reduction, weight: this.getBuffer('weight') })
  }
}

/**
 * Sigmoid and binary cross-entropy in one stable op, as `torch.nn.BCEWithLogitsLoss`;
 * `posWeight` (e.g. `[C]` against `[N, C]`) weighs the positive class.
 */
export class BCEWithLogitsLoss extends Loss {
  /** @param options `{ weight, posWeight, reduction }`. */
  constructor(options: BceWithLogitsOptions = {}) {
    super(options, ['weight', 'posWeight'])
    this.weightBuffer('weight', options.weight)
    this.weightBuffer('pos_weight', options.posWeight)
  }

  /** The loss of `input` logits against `target`. */
  forward(input: Tensor, target: Tensor): Tensor {
    const weight = this.getBuffer('weight')
    return binaryCrossEntropyWithLogits(input, target, { reduction: this.reduction, weight, posWeight: this.getBuffer('pos_weight') })
  }
}

/**
 * Negative log-likelihood of log-probabilities against int64 classes, as
 * `torch.nn.NLLLoss`; the weighted mean divides by the targets' summed weights.
 */
export class NLLLoss extends Loss {
  /** The class that does not count (default -100). */
  readonly ignoreIndex: number

  /** @param options `{ weight, ignoreIndex, reduction }`. */
  constructor(options: NllLossOptions = {}) {
    super(options, ['weight', 'ignoreIndex'])
    this.weightBuffer('weight', options.weight)
    this.ignoreIndex = this.ignoreIndexOf(options.ignoreIndex)
  }

  /** The loss of `input` log-probabilities against `target` classes. */
  forward(input: Tensor, target: Tensor): Tensor {
    return nllLoss(input, target, { reduction: this.reduction, weight: this.getBuffer('weight'), ignoreIndex: this.ignoreIndex })
  }
}

/**
 * Cross-entropy between raw logits and int64 class indices or class
 * probabilities: log-softmax and negative log-likelihood in one fused, stable op,
 * with class `weight`, `ignoreIndex` and `labelSmoothing` as `torch.nn.CrossEntropyLoss`.
 */
export class CrossEntropyLoss extends Loss {
  /** The class that does not count (default -100). */
  readonly ignoreIndex: number
  /** How much of the target is spread uniformly over the classes (default 0). */
  readonly labelSmoothing: number

  /** @param options `{ weight, ignoreIndex, labelSmoothing, reduction }`. */
  constructor(options: CrossEntropyOptions = {}) {
    super(options, ['weight', 'ignoreIndex', 'labelSmoothing'])
    this.weightBuffer('weight', options.weight)
    this.ignoreIndex = this.ignoreIndexOf(options.ignoreIndex)
    this.labelSmoothing = options.labelSmoothing ?? 0
    if (!(typeof this.labelSmoothing === 'number' && this.labelSmoothing >= 0 && this.labelSmoothing <= 1)) {
      fail('ERR_ARG', 'CrossEntropyLoss', `labelSmoothing must be in [0, 1], got ${String(this.labelSmoothing)}`)
    }
  }

  /** The loss of `input` logits against `target` classes or probabilities. */
  forward(input: Tensor, target: Tensor): Tensor {
    const options = { reduction: this.reduction, ignoreIndex: this.ignoreIndex, labelSmoothing: this.labelSmoothing }
    return crossEntropy(input, target, { ...options, weight: this.getBuffer('weight') })
  }
}

/**
 * KL divergence of log-probabilities from a target distribution, as
 * `torch.nn.KLDivLoss`; `'batchmean'` gives the divergence per sample.
 */
export class KLDivLoss extends Module {
  /** How the per-element terms are combined. */
  readonly reduction: KlDivReduction
  /** True when the target holds log-probabilities. */
  readonly logTarget: boolean

  /** @param options `{ reduction, logTarget }`. */
  constructor(options: KlDivOptions = {}) {
    super()
    checkOptions('KLDivLoss', options, ['reduction', 'logTarget'])
    const r = options.reduction ?? 'mean'
    if (!['mean', 'sum', 'none', 'batchmean'].includes(r)) {
      fail('ERR_ARG', 'KLDivLoss', `reduction must be 'mean', 'batchmean', 'sum' or 'none', got '${String(r)}'`)
    }
    this.reduction = r
    this.logTarget = options.logTarget ?? false
  }

  /** The divergence of `input` from `target`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return klDiv(input, target, { reduction: this.reduction, logTarget: this.logTarget })
  }

  /** @internal */
  extraRepr(): string {
    return `reduction='${this.reduction}'`
  }
}
