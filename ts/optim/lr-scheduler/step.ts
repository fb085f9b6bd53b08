import { checkOptions, fail } from '../../errors'
import { LRScheduler, checkNumber, type AnyOptimizer } from './scheduler'

/** Options of {@link StepLR}. */
export interface StepLROptions {
  /** Multiplicative factor of the decay (default 0.1). */
  gamma?: number
  /** The epoch to resume from (default -1: start). */
  lastEpoch?: number
}

/**
 * Multiplies every group's learning rate by `gamma` every `stepSize` epochs, as
 * `torch.optim.lr_scheduler.StepLR`: `lr = initialLr · gamma^⌊epoch / stepSize⌋`.
 */
export class StepLR extends LRScheduler {
  /** Epochs between decays. */
  stepSize: number
  /** Multiplicative factor of the decay. */
  gamma: number

  /** @param optimizer the optimizer to drive. @param stepSize epochs between decays. */
  constructor(optimizer: AnyOptimizer, stepSize: number, options: StepLROptions = {}) {
    checkOptions('StepLR', options, ['gamma', 'lastEpoch'])
    const size = checkNumber('StepLR', 'stepSize', stepSize, { min: 1, integer: true })
    const gamma = checkNumber('StepLR', 'gamma', options.gamma ?? 0.1)
    super('StepLR', optimizer, options.lastEpoch)
    this.stepSize = size
    this.gamma = gamma
    this.initialStep()
  }

  protected getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this.groups.map((g) => g.lr)
    return this.groups.map((g) => g.lr * this.gamma)
  }

  protected closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** Math.floor(this.lastEpoch / this.stepSize))
  }
}

/** Options of {@link MultiStepLR}. */
export type MultiStepLROptions = StepLROptions

/**
 * Multiplies every group's learning rate by `gamma` at each milestone epoch, as
 * `torch.optim.lr_scheduler.MultiStepLR` (a milestone listed twice decays twice).
 */
export class MultiStepLR extends LRScheduler {
  /** The milestone epochs, ascending. */
  milestones: number[]
  /** Multiplicative factor of the decay. */
  gamma: number

  /** @param optimizer the optimizer to drive. @param milestones the epochs at which to decay. */
  constructor(optimizer: AnyOptimizer, milestones: Iterable<number>, options: MultiStepLROptions = {}) {
    checkOptions('MultiStepLR', options, ['gamma', 'lastEpoch'])
    if (milestones === null || typeof (milestones as Iterable<number>)?.[Symbol.iterator] !== 'function') {
      fail('ERR_ARG', 'MultiStepLR', 'milestones must be an iterable of epoch numbers')
    }
    const sorted = Array.from(milestones, (m) => checkNumber('MultiStepLR', 'a milestone', m, { integer: true })).sort((a, b) => a - b)
    const gamma = checkNumber('MultiStepLR', 'gamma', options.gamma ?? 0.1)
    super('MultiStepLR', optimizer, options.lastEpoch)
    this.milestones = sorted
    this.gamma = gamma
    this.initialStep()
  }

  protected getLr(): number[] {
    const hits = this.milestones.filter((m) => m === this.lastEpoch).length
    if (hits === 0) return this.groups.map((g) => g.lr)
    return this.groups.map((g) => g.lr * this.gamma ** hits)
  }

  protected closedFormLr(): number[] {
    const passed = this.milestones.filter((m) => m <= this.lastEpoch).length
    return this.baseLrs.map((b) => b * this.gamma ** passed)
  }
}
