import { fail } from '../../errors'
import { HyperparameterScheduler, checkNumber, type AnyOptimizer } from './scheduler'

/** Options of {@link LinearLR}. */
export interface LinearLROptions {
  /** The factor of the first epoch, in (0, 1] (default 1/3). */
  startFactor?: number
  /** The factor from `totalIters` on, in [0, 1] (default 1). */
  endFactor?: number
  /** Epochs over which the factor moves (default 5). */
  totalIters?: number
  /** The epoch to resume from (default -1: start). */
  lastEpoch?: number
}

/**
 * Scales every group's learning rate by a factor that moves linearly from
 * `startFactor` to `endFactor` over `totalIters` epochs (a warm-up, typically),
 * as `torch.optim.lr_scheduler.LinearLR`.
 */
export class LinearLR extends HyperparameterScheduler<Record<'startFactor' | 'endFactor' | 'totalIters', number>> {
  /** The factor of the first epoch. */
  declare startFactor: number
  /** The factor from `totalIters` on. */
  declare endFactor: number
  /** Epochs over which the factor moves. */
  declare totalIters: number

  /** @param optimizer the optimizer to drive. */
  constructor(optimizer: AnyOptimizer, options: LinearLROptions = {}) {
    const op = 'LinearLR'
    super(op, optimizer, options, ['startFactor', 'endFactor', 'totalIters'], () => {
      const start = checkNumber(op, 'startFactor', options.startFactor ?? 1 / 3)
      const end = checkNumber(op, 'endFactor', options.endFactor ?? 1)
      if (start > 1 || start <= 0) fail('ERR_ARG', op, `startFactor must be in (0, 1], got ${start}`)
      if (end > 1 || end < 0) fail('ERR_ARG', op, `endFactor must be in [0, 1], got ${end}`)
      const totalIters = checkNumber(op, 'totalIters', options.totalIters ?? 5, { min: 1, integer: true })
      return { startFactor: start, endFactor: end, totalIters }
    })
  }

  protected getLr(initial: boolean): number[] {
    const { startFactor: s, endFactor: e, totalIters: n, lastEpoch: t } = this
    if (t === 0) return this.groups.map((g) => g.lr * s)
    if (initial || t > n) return this.groups.map((g) => g.lr)
    return this.groups.map((g) => g.lr * (1 + (e - s) / (n * s + (t - 1) * (e - s))))
  }

  protected closedFormLr(): number[] {
    const { startFactor: s, endFactor: e, totalIters: n, lastEpoch: t } = this
    return this.baseLrs.map((b) => b * (s + ((e - s) * Math.min(n, t)) / n))
  }
}
