import { fail } from '../../errors'
import { HyperparameterScheduler, checkNumber, type AnyOptimizer } from './scheduler'

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
export class StepLR extends HyperparameterScheduler<Record<'stepSize' | 'gamma', number>> {
  /** Epochs between decays. */
  declare stepSize: number
  /** Multiplicative factor of the decay. */
  declare gamma: number

  /** @param optimizer the optimizer to drive. @param stepSize epochs between decays. */
  constructor(optimizer: AnyOptimizer, stepSize: number, options: StepLROptions = {}) {
    super('StepLR', optimizer, options, ['gamma'], () => ({
      stepSize: checkNumber('StepLR', 'stepSize', stepSize, { min: 1, integer: true }),
      gamma: checkNumber('StepLR', 'gamma', options.gamma ?? 0.1),
    }))
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
export class MultiStepLR extends HyperparameterScheduler<Record<'milestones', number[]> & Record<'gamma', number>> {
  /** The milestone epochs, ascending. */
  declare milestones: number[]
  /** Multiplicative factor of the decay. */
  declare gamma: number

  /** @param optimizer the optimizer to drive. @param milestones the epochs at which to decay. */
  constructor(optimizer: AnyOptimizer, milestones: Iterable<number>, options: MultiStepLROptions = {}) {
    super('MultiStepLR', optimizer, options, ['gamma'], () => {
      if (milestones === null || typeof (milestones as Iterable<number>)?.[Symbol.iterator] !== 'function') {
        fail('ERR_ARG', 'MultiStepLR', 'milestones must be an iterable of epoch numbers')
      }
      return {
        milestones: Array.from(milestones, (m) => checkNumber('MultiStepLR', 'a milestone', m, { integer: true })).sort((a, b) => a - b),
        gamma: checkNumber('MultiStepLR', 'gamma', options.gamma ?? 0.1),
      }
    })
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
