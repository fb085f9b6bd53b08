import { checkOptions } from '../../errors'
import { LRScheduler, checkNumber, type AnyOptimizer } from './scheduler'

/** Options of {@link ExponentialLR}. */
export interface ExponentialLROptions {
  /** The epoch to resume from (default -1: start). */
  lastEpoch?: number
}

/**
 * Multiplies every group's learning rate by `gamma` every epoch, as
 * `torch.optim.lr_scheduler.ExponentialLR`: `lr = initialLr · gamma^epoch`.
 */
export class ExponentialLR extends LRScheduler {
  /** Multiplicative factor of the decay. */
  gamma: number

  /** @param optimizer the optimizer to drive. @param gamma the factor per epoch. */
  constructor(optimizer: AnyOptimizer, gamma: number, options: ExponentialLROptions = {}) {
    checkOptions('ExponentialLR', options, ['lastEpoch'])
    const factor = checkNumber('ExponentialLR', 'gamma', gamma)
    super('ExponentialLR', optimizer, options.lastEpoch)
    this.gamma = factor
    this.initialStep()
  }

  protected getLr(initial: boolean): number[] {
    // Resuming must not apply one more decay at construction.
    if (initial) return this.groups.map((g) => g.lr)
    return this.groups.map((g) => g.lr * this.gamma)
  }

  protected closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** this.lastEpoch)
  }
}
