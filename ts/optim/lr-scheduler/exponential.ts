import { HyperparameterScheduler, checkNumber, type AnyOptimizer } from './scheduler'

/** Options of {@link ExponentialLR}. */
export interface ExponentialLROptions {
  /** The epoch to resume from (default -1: start). */
  lastEpoch?: number
}

/**
 * Multiplies every group's learning rate by `gamma` every epoch, as
 * `torch.optim.lr_scheduler.ExponentialLR`: `lr = initialLr · gamma^epoch`.
 */
export class ExponentialLR extends HyperparameterScheduler<Record<'gamma', number>> {
  /** Multiplicative factor of the decay. */
  declare gamma: number

  /** @param optimizer the optimizer to drive. @param gamma the factor per epoch. */
  constructor(optimizer: AnyOptimizer, gamma: number, options: ExponentialLROptions = {}) {
    super('ExponentialLR', optimizer, options, [], () => ({ gamma: checkNumber('ExponentialLR', 'gamma', gamma) }))
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
