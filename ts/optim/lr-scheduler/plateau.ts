import { checkOptions, fail } from '../../errors'
import { Tensor, describe } from '../../tensor'
import { SchedulerBase, checkNumber, type AnyOptimizer } from './scheduler'

/** Options of {@link ReduceLROnPlateau}. */
export interface ReduceLROnPlateauOptions {
  /** `'min'` (default): the metric should fall; `'max'`: it should rise. */
  mode?: 'min' | 'max'
  /** The factor the rate is multiplied by, in [0, 1) (default 0.1). */
  factor?: number
  /** Epochs without improvement tolerated before the rate falls (default 10). */
  patience?: number
  /** The least change that counts as an improvement (default 1e-4). */
  threshold?: number
  /** `'rel'` (default): relative to the best value; `'abs'`: absolute. */
  thresholdMode?: 'rel' | 'abs'
  /** Epochs to wait after a reduction before counting again (default 0). */
  cooldown?: number
  /** The lowest rate, per group or for all (default 0). */
  minLr?: number | number[]
  /** Reductions smaller than this are skipped (default 1e-8). */
  eps?: number
}

/**
 * Lowers the learning rate when a metric stops improving, as
 * `torch.optim.lr_scheduler.ReduceLROnPlateau`: after more than `patience`
 * epochs without an improvement of more than `threshold`, every group's rate is
 * multiplied by `factor` (not below `minLr`). Call `step(metric)` once per epoch
 * with, say, the validation loss.
 */
export class ReduceLROnPlateau extends SchedulerBase {
  /** `'min'` or `'max'`. */
  mode: 'min' | 'max'
  /** The factor the rate is multiplied by. */
  factor: number
  /** Epochs without improvement tolerated. */
  patience: number
  /** The least change that counts as an improvement. */
  threshold: number
  /** `'rel'` or `'abs'`. */
  thresholdMode: 'rel' | 'abs'
  /** Epochs to wait after a reduction. */
  cooldown: number
  /** The lowest rate per group. */
  minLrs: number[]
  /** Reductions smaller than this are skipped. */
  eps: number
  /** Epochs stepped so far. */
  lastEpoch = 0
  /** The best metric seen. */
  best: number
  /** Epochs since the best, not counting cooldown. */
  numBadEpochs = 0
  /** Cooldown epochs left. */
  cooldownCounter = 0

  /** @param optimizer the optimizer to drive. */
  constructor(optimizer: AnyOptimizer, options: ReduceLROnPlateauOptions = {}) {
    const op = 'ReduceLROnPlateau'
    checkOptions(op, options, ['mode', 'factor', 'patience', 'threshold', 'thresholdMode', 'cooldown', 'minLr', 'eps'])
    super(op, optimizer)
    const mode = options.mode ?? 'min'
    if (mode !== 'min' && mode !== 'max') fail('ERR_ARG', op, `mode must be 'min' or 'max', got ${describe(mode)}`)
    const thresholdMode = options.thresholdMode ?? 'rel'
    if (thresholdMode !== 'rel' && thresholdMode !== 'abs') {
      fail('ERR_ARG', op, `thresholdMode must be 'rel' or 'abs', got ${describe(thresholdMode)}`)
    }
    this.mode = mode
    this.thresholdMode = thresholdMode
    this.factor = checkNumber(op, 'factor', options.factor ?? 0.1, { min: 0 })
    if (this.factor >= 1) fail('ERR_ARG', op, `factor must be < 1, got ${this.factor}`)
    this.patience = checkNumber(op, 'patience', options.patience ?? 10, { min: 0, integer: true })
    this.threshold = checkNumber(op, 'threshold', options.threshold ?? 1e-4, { min: 0 })
    this.cooldown = checkNumber(op, 'cooldown', options.cooldown ?? 0, { min: 0, integer: true })
    this.eps = checkNumber(op, 'eps', options.eps ?? 1e-8, { min: 0 })
    const minLr = options.minLr ?? 0
    const n = this.groups.length
    if (Array.isArray(minLr) && minLr.length !== n) fail('ERR_ARG', op, `expected ${n} minLr values, got ${minLr.length}`)
    this.minLrs = Array.isArray(minLr) ? minLr.map((v) => checkNumber(op, 'minLr', v, { min: 0 })) : new Array<number>(n).fill(checkNumber(op, 'minLr', minLr, { min: 0 }))
    this.best = mode === 'min' ? Infinity : -Infinity
  }

  /** Records this epoch's metric (a number or a one-element tensor) and lowers the rates after a plateau. */
  step(metric: number | Tensor): void {
    const current = metric instanceof Tensor ? metric.item() : metric
    if (typeof current !== 'number') fail('ERR_ARG', 'ReduceLROnPlateau.step', `the metric must be a number or a tensor, got ${describe(metric)}`)
    this.lastEpoch += 1
    if (this.isBetter(current)) {
      this.best = current
      this.numBadEpochs = 0
    } else {
      this.numBadEpochs += 1
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1
      this.numBadEpochs = 0 // bad epochs in cooldown do not count
    }
    if (this.numBadEpochs > this.patience) {
      this.groups.forEach((g, i) => {
        const next = Math.max(g.lr * this.factor, this.minLrs[i])
        if (g.lr - next > this.eps) g.lr = next
      })
      this.cooldownCounter = this.cooldown
      this.numBadEpochs = 0
    }
    this.lastLr = this.groups.map((g) => g.lr)
  }

  private isBetter(a: number): boolean {
    const { best, threshold } = this
    if (this.mode === 'min') return this.thresholdMode === 'rel' ? a < best * (1 - threshold) : a < best - threshold
    return this.thresholdMode === 'rel' ? a > best * (threshold + 1) : a > best + threshold
  }
}
