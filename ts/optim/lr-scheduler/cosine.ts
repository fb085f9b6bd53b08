import { HyperparameterScheduler, checkNumber, pyMod, type AnyOptimizer } from './scheduler'

/** Options of {@link CosineAnnealingLR}. */
export interface CosineAnnealingLROptions {
  /** The smallest learning rate (default 0). */
  etaMin?: number
  /** The epoch to resume from (default -1: start). */
  lastEpoch?: number
}

/**
 * Anneals every group's learning rate from its initial value to `etaMin` along a
 * half cosine over `tMax` epochs (and back up over the next `tMax`, and so on),
 * as `torch.optim.lr_scheduler.CosineAnnealingLR`:
 * `lr = etaMin + (initialLr − etaMin)·(1 + cos(π·epoch/tMax))/2`. Like PyTorch it
 * steps by the recursive form, so changes made to `lr` by others carry through.
 */
export class CosineAnnealingLR extends HyperparameterScheduler<Record<'tMax' | 'etaMin', number>> {
  /** Epochs of a half period. */
  declare tMax: number
  /** The smallest learning rate. */
  declare etaMin: number

  /** @param optimizer the optimizer to drive. @param tMax epochs of a half period. */
  constructor(optimizer: AnyOptimizer, tMax: number, options: CosineAnnealingLROptions = {}) {
    super('CosineAnnealingLR', optimizer, options, ['etaMin'], () => ({
      tMax: checkNumber('CosineAnnealingLR', 'tMax', tMax, { min: 1, integer: true }),
      etaMin: checkNumber('CosineAnnealingLR', 'etaMin', options.etaMin ?? 0),
    }))
  }

  protected getLr(initial: boolean): number[] {
    const { lastEpoch: t, tMax, etaMin } = this
    if (initial) return this.groups.map((g) => g.lr)
    if (this.stepCount === 1 && t > 0) {
      return this.baseLrs.map((b) => etaMin + ((b - etaMin) * (1 + Math.cos((t * Math.PI) / tMax))) / 2)
    }
    if (pyMod(t - 1 - tMax, 2 * tMax) === 0) {
      // The trough: the recursive ratio would divide by zero here.
      return this.groups.map((g, i) => g.lr + ((this.baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2)
    }
    return this.groups.map(
      (g) => ((1 + Math.cos((Math.PI * t) / tMax)) / (1 + Math.cos((Math.PI * (t - 1)) / tMax))) * (g.lr - etaMin) + etaMin,
    )
  }

  protected closedFormLr(): number[] {
    const { lastEpoch: t, tMax, etaMin } = this
    return this.baseLrs.map((b) => etaMin + ((b - etaMin) * (1 + Math.cos((Math.PI * t) / tMax))) / 2)
  }
}
