import { checkOptions, fail } from '../../errors'
import { describe } from '../../tensor'
import { Optimizer } from '../optimizer'
import { LRScheduler, checkNumber, type AnyOptimizer, type SchedulerParamGroup } from './scheduler'

/** Options of {@link OneCycleLR}; give `totalSteps`, or `epochs` and `stepsPerEpoch`. */
export interface OneCycleLROptions {
  /** Steps in the cycle. */
  totalSteps?: number
  /** Epochs in the cycle (with `stepsPerEpoch`). */
  epochs?: number
  /** Steps per epoch (with `epochs`). */
  stepsPerEpoch?: number
  /** The fraction of the cycle spent increasing the rate (default 0.3). */
  pctStart?: number
  /** `'cos'` (default) or `'linear'` annealing. */
  annealStrategy?: 'cos' | 'linear'
  /** Cycle the momentum (or Adam's beta1) inversely to the rate (default true). */
  cycleMomentum?: boolean
  /** The lowest momentum, per group or for all (default 0.85). */
  baseMomentum?: number | number[]
  /** The highest momentum, per group or for all (default 0.95). */
  maxMomentum?: number | number[]
  /** The initial rate is `maxLr / divFactor` (default 25). */
  divFactor?: number
  /** The final rate is the initial one `/ finalDivFactor` (default 1e4). */
  finalDivFactor?: number
  /** Three phases (up, down to the initial rate, annihilation) instead of two (default false). */
  threePhase?: boolean
  /** The step to resume from (default -1: start). */
  lastEpoch?: number
}

/** Where a phase's endpoints come from. */
type LrPoint = 'initial' | 'max' | 'min'
type MomentumPoint = 'max' | 'base'

interface Phase {
  endStep: number
  startLr: LrPoint
  endLr: LrPoint
  startMomentum: MomentumPoint
  endMomentum: MomentumPoint
}

const KEYS = [
  'totalSteps',
  'epochs',
  'stepsPerEpoch',
  'pctStart',
  'annealStrategy',
  'cycleMomentum',
  'baseMomentum',
  'maxMomentum',
  'divFactor',
  'finalDivFactor',
  'threePhase',
  'lastEpoch',
]

/** A value per group: one number for all, or an array with one per group. */
function perGroup(op: string, name: string, v: unknown, groups: number): number[] {
  if (Array.isArray(v)) {
    if (v.length !== groups) fail('ERR_ARG', op, `${name} has ${v.length} values, the optimizer has ${groups} param groups`)
    return v.map((x) => checkNumber(op, name, x))
  }
  return new Array<number>(groups).fill(checkNumber(op, name, v))
}

/**
 * The 1cycle policy, as `torch.optim.lr_scheduler.OneCycleLR`: the rate rises
 * from `maxLr / divFactor` to `maxLr` over `pctStart` of the steps, then falls
 * to `maxLr / (divFactor · finalDivFactor)`; the momentum (or Adam's beta1) moves
 * the other way between `maxMomentum` and `baseMomentum`. Step it after every
 * batch; stepping past `totalSteps` is an error.
 */
export class OneCycleLR extends LRScheduler {
  /** Steps in the cycle. */
  totalSteps: number
  /** `'cos'` or `'linear'`. */
  annealStrategy: 'cos' | 'linear'
  /** Whether the momentum cycles. */
  cycleMomentum: boolean
  /** Whether the momentum is Adam's `betas[0]` rather than `momentum`. */
  useBeta1: boolean
  /** Per group: the peak rate. */
  maxLrs: number[]
  /** Per group: the final rate. */
  minLrs: number[]
  /** Per group: the highest momentum. */
  maxMomentums: number[]
  /** Per group: the lowest momentum. */
  baseMomentums: number[]
  private phases: Phase[]

  /** @param optimizer the optimizer to drive. @param maxLr the peak rate, per group or for all. */
  constructor(optimizer: AnyOptimizer, maxLr: number | number[], options: OneCycleLROptions = {}) {
    const op = 'OneCycleLR'
    checkOptions(op, options, KEYS)
    if (!(optimizer instanceof Optimizer)) fail('ERR_ARG', op, `expected a ferrograd optimizer, got ${describe(optimizer)}`)
    const groups = optimizer.paramGroups as SchedulerParamGroup[]
    let total: number
    if (options.totalSteps !== undefined) total = checkNumber(op, 'totalSteps', options.totalSteps, { min: 1, integer: true })
    else if (options.epochs !== undefined && options.stepsPerEpoch !== undefined) {
      total =
        checkNumber(op, 'epochs', options.epochs, { min: 1, integer: true }) *
        checkNumber(op, 'stepsPerEpoch', options.stepsPerEpoch, { min: 1, integer: true })
    } else fail('ERR_ARG', op, `give totalSteps, or epochs and stepsPerEpoch`)
    const pct = checkNumber(op, 'pctStart', options.pctStart ?? 0.3)
    if (pct < 0 || pct > 1) fail('ERR_ARG', op, `pctStart must be in [0, 1], got ${pct}`)
    const anneal = options.annealStrategy ?? 'cos'
    if (anneal !== 'cos' && anneal !== 'linear') fail('ERR_ARG', op, `annealStrategy must be 'cos' or 'linear', got ${describe(anneal)}`)
    const maxLrs = perGroup(op, 'maxLr', maxLr, groups.length)
    const div = checkNumber(op, 'divFactor', options.divFactor ?? 25)
    const finalDiv = checkNumber(op, 'finalDivFactor', options.finalDivFactor ?? 1e4)
    const cycle = options.cycleMomentum ?? true
    if (typeof cycle !== 'boolean') fail('ERR_ARG', op, `cycleMomentum must be a boolean, got ${describe(cycle)}`)
    const useBeta1 = cycle && 'betas' in optimizer.defaults
    if (cycle && !useBeta1 && !('momentum' in optimizer.defaults)) {
      fail('ERR_ARG', op, `${optimizer.constructor.name} has neither momentum nor betas to cycle; pass cycleMomentum: false`)
    }
    const maxMomentums = perGroup(op, 'maxMomentum', options.maxMomentum ?? 0.95, groups.length)
    const baseMomentums = perGroup(op, 'baseMomentum', options.baseMomentum ?? 0.85, groups.length)
    const lastEpoch = options.lastEpoch ?? -1
    if (lastEpoch === -1) {
      // As PyTorch: the cycle starts from maxLr / divFactor whatever lr the group had.
      groups.forEach((g, i) => (g.initialLr = maxLrs[i] / div))
      if (cycle) {
        groups.forEach((g, i) => {
          if (useBeta1) g.betas = [maxMomentums[i], ...(g.betas as number[]).slice(1)]
          else g.momentum = maxMomentums[i]
        })
      }
    }
    super(op, optimizer, lastEpoch)
    this.totalSteps = total
    this.annealStrategy = anneal
    this.cycleMomentum = cycle
    this.useBeta1 = useBeta1
    this.maxLrs = maxLrs
    this.minLrs = maxLrs.map((m) => m / div / finalDiv)
    this.maxMomentums = maxMomentums
    this.baseMomentums = baseMomentums
    this.phases = options.threePhase
      ? [
          { endStep: pct * total - 1, startLr: 'initial', endLr: 'max', startMomentum: 'max', endMomentum: 'base' },
          { endStep: 2 * pct * total - 2, startLr: 'max', endLr: 'initial', startMomentum: 'base', endMomentum: 'max' },
          { endStep: total - 1, startLr: 'initial', endLr: 'min', startMomentum: 'max', endMomentum: 'max' },
        ]
      : [
          { endStep: pct * total - 1, startLr: 'initial', endLr: 'max', startMomentum: 'max', endMomentum: 'base' },
          { endStep: total - 1, startLr: 'max', endLr: 'min', startMomentum: 'base', endMomentum: 'max' },
        ]
    this.initialStep()
  }

  private anneal(start: number, end: number, pct: number): number {
    if (this.annealStrategy === 'cos') return end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1)
    return (end - start) * pct + start
  }

  protected getLr(): number[] {
    const step = this.lastEpoch
    if (step > this.totalSteps) {
      fail('ERR_ARG', 'OneCycleLR', `tried to step ${step} times; the cycle has totalSteps ${this.totalSteps}`)
    }
    const results = this.groups.map((g, i) => {
      const lr = { initial: g.initialLr as number, max: this.maxLrs[i], min: this.minLrs[i] }
      const momentum = { max: this.maxMomentums[i], base: this.baseMomentums[i] }
      let start = 0
      for (let k = 0; k < this.phases.length; k++) {
        const phase = this.phases[k]
        if (step <= phase.endStep || k === this.phases.length - 1) {
          if (phase.endStep === start) fail('ERR_ARG', 'OneCycleLR', `phase ${k} has no steps (pctStart · totalSteps is 1); choose another pctStart`)
          const pct = (step - start) / (phase.endStep - start)
          return {
            lr: this.anneal(lr[phase.startLr], lr[phase.endLr], pct),
            momentum: this.anneal(momentum[phase.startMomentum], momentum[phase.endMomentum], pct),
          }
        }
        start = phase.endStep
      }
      throw new Error('unreachable: the last phase always matches')
    })
    if (this.cycleMomentum) {
      this.groups.forEach((g, i) => {
        if (this.useBeta1) g.betas = [results[i].momentum, ...(g.betas as number[]).slice(1)]
        else g.momentum = results[i].momentum
      })
    }
    return results.map((r) => r.lr)
  }
}
