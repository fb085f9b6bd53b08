import { checkOptions, fail } from '../../errors'
import { describe } from '../../tensor'
import { type HasLr, Optimizer, type ParamGroup } from '../optimizer'

/** Any ferrograd optimizer, as a scheduler sees it. */
export type AnyOptimizer = Optimizer<HasLr, never>

/** The momentum-like hyperparameters OneCycleLR cycles, when the optimizer has them. */
export interface CycledMomentum {
  /** SGD's and RMSprop's momentum. */
  momentum?: number
  /** Adam's `[beta1, beta2]`; OneCycleLR cycles beta1. */
  betas?: number[]
}

/** A parameter group as schedulers read and write it. */
export type SchedulerParamGroup = ParamGroup & CycledMomentum

/** Python's `%`: the result has the divisor's sign (PyTorch's formulas rely on it). */
export function pyMod(a: number, b: number): number {
  return ((a % b) + b) % b
}

/** Checks that `v` is a number (an integer when asked) no smaller than `min`. */
export function checkNumber(op: string, name: string, v: unknown, opts: { min?: number; integer?: boolean } = {}): number {
  if (typeof v !== 'number' || Number.isNaN(v)) fail('ERR_ARG', op, `${name} must be a number, got ${describe(v)}`)
  if (opts.integer && !Number.isInteger(v)) fail('ERR_ARG', op, `${name} must be an integer, got ${v}`)
  if (opts.min !== undefined && v < opts.min) fail('ERR_ARG', op, `${name} must be >= ${opts.min}, got ${v}`)
  return v
}

function copy<V>(v: V): V {
  return (Array.isArray(v) ? v.map(copy) : v) as V
}

function kind(v: unknown): string {
  return Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v
}

/**
 * What every scheduler shares: the optimizer it drives, `getLastLr()`, and a
 * state dict made of its own fields (as PyTorch's is its `__dict__` without the
 * optimizer), restored by `loadStateDict`.
 */
export abstract class SchedulerBase {
  /** The optimizer whose `paramGroups[i].lr` this scheduler sets. */
  readonly optimizer: AnyOptimizer
  /** The learning rates after the last `step()`, per group. */
  protected lastLr: number[]

  /** @param name the class name, for messages. @param optimizer the optimizer to drive. */
  protected constructor(name: string, optimizer: AnyOptimizer) {
    if (!(optimizer instanceof Optimizer)) fail('ERR_ARG', name, `expected a ferrograd optimizer, got ${describe(optimizer)}`)
    this.optimizer = optimizer
    this.lastLr = this.groups.map((g) => g.lr)
  }

  /** The optimizer's parameter groups. */
  protected get groups(): SchedulerParamGroup[] {
    return this.optimizer.paramGroups as SchedulerParamGroup[]
  }

  /** The learning rate of every group as the last `step()` left it. */
  getLastLr(): number[] {
    return [...this.lastLr]
  }

  /** The scheduler's state (its counters and hyperparameters; not the optimizer), as copies. */
  stateDict(): Record<string, unknown> {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(this)) if (k !== 'optimizer') out[k] = copy(v)
    return out
  }

  /**
   * Restores a state from `stateDict()` of a scheduler of the same kind.
   * Unknown keys and values of the wrong type are refused before anything changes.
   */
  loadStateDict(stateDict: Record<string, unknown>): void {
    const op = `${this.constructor.name}.loadStateDict`
    if (stateDict === null || typeof stateDict !== 'object') fail('ERR_ARG', op, `expected a state dict object, got ${describe(stateDict)}`)
    const own = this as unknown as Record<string, unknown>
    for (const [k, v] of Object.entries(stateDict)) {
      if (k === 'optimizer' || !(k in own) || Object.getOwnPropertyDescriptor(this, k) === undefined) {
        fail('ERR_ARG', op, `unknown key '${k}'`)
      }
      if (kind(v) !== kind(own[k])) fail('ERR_ARG', op, `'${k}' must be ${kind(own[k])}, got ${describe(v)}`)
    }
    for (const [k, v] of Object.entries(stateDict)) own[k] = copy(v)
  }
}

/**
 * The base of the epoch-driven schedulers, as PyTorch's `LRScheduler`: the
 * constructor records each group's `initialLr` and takes the first step (epoch
 * 0); each `step()` advances `lastEpoch` and sets every group's `lr` from the
 * chainable rule `getLr`, which starts from the groups' current rates, so other
 * changes to `lr` carry through. `step(epoch)` jumps to an epoch with the closed
 * form instead, where the scheduler has one (deprecated in PyTorch, kept for
 * old code).
 */
export abstract class LRScheduler extends SchedulerBase {
  /** The rates the schedule starts from: each group's `initialLr`. */
  protected baseLrs: number[]
  /** The index of the last epoch stepped to (-1 before the first step). */
  lastEpoch: number
  /** How many times `step()` has run, the constructor's first step included. */
  protected stepCount = 0

  /**
   * @param name the class name. @param optimizer the optimizer to drive.
   * @param lastEpoch -1 to start; an epoch index to resume, which needs every group's `initialLr`.
   */
  protected constructor(name: string, optimizer: AnyOptimizer, lastEpoch = -1) {
    super(name, optimizer)
    checkNumber(name, 'lastEpoch', lastEpoch, { min: -1, integer: true })
    this.groups.forEach((g, i) => {
      if (lastEpoch === -1) g.initialLr ??= g.lr
      else if (g.initialLr === undefined) {
        fail('ERR_ARG', name, `param group ${i} has no initialLr, which resuming with lastEpoch ${lastEpoch} needs`)
      }
    })
    this.baseLrs = this.groups.map((g) => g.initialLr as number)
    this.lastEpoch = lastEpoch
  }

  /** The first step, at construction; subclasses call it once their fields are set. */
  protected initialStep(): void {
    this.stepCount = 0
    this.advance(undefined, true)
  }

  /**
   * The rates for epoch `lastEpoch`, from the groups' current rates.
   * @param initial true for the constructor's step.
   */
  protected abstract getLr(initial: boolean): number[]

  /** The rates for epoch `lastEpoch` from `baseLrs` alone, when there is a formula. */
  protected closedFormLr?(): number[]

  /** Advances to the next epoch (or jumps to `epoch`) and sets every group's `lr`. */
  step(epoch?: number): void {
    if (epoch !== undefined) checkNumber(`${this.constructor.name}.step`, 'epoch', epoch, { min: 0, integer: true })
    this.advance(epoch, false)
  }

  private advance(epoch: number | undefined, initial: boolean): void {
    const [savedEpoch, savedCount] = [this.lastEpoch, this.stepCount]
    this.stepCount += 1
    let values: number[]
    try {
      if (epoch === undefined) {
        this.lastEpoch += 1
        values = this.getLr(initial)
      } else {
        this.lastEpoch = epoch
        values = this.closedFormLr ? this.closedFormLr() : this.getLr(initial)
      }
    } catch (e) {
      // A refused step (past OneCycleLR's end) leaves the schedule where it was.
      ;[this.lastEpoch, this.stepCount] = [savedEpoch, savedCount]
      throw e
    }
    this.groups.forEach((g, i) => (g.lr = values[i]))
    this.lastLr = this.groups.map((g) => g.lr)
  }
}

/**
 * The base of the schedulers whose hyperparameters are plain fields (StepLR,
 * MultiStepLR, ExponentialLR, LinearLR, CosineAnnealingLR): its constructor checks
 * the option names (`keys`, then `lastEpoch`), reads the hyperparameters with
 * `read` (so a bad value is refused before the optimizer is looked at), sets them
 * on the scheduler and takes the first step. Subclasses `declare` those fields,
 * so that no field initializer of theirs overwrites them after this constructor.
 */
export abstract class HyperparameterScheduler<H extends object> extends LRScheduler {
  /**
   * @param name the class name. @param optimizer the optimizer to drive.
   * @param options the options object, with `lastEpoch`. @param keys its other option names.
   * @param read checks the arguments and returns the hyperparameters, named as the subclass' fields.
   */
  protected constructor(name: string, optimizer: AnyOptimizer, options: { lastEpoch?: number }, keys: readonly string[], read: () => H) {
    checkOptions(name, options, [...keys, 'lastEpoch'])
    const hyperparameters = read()
    super(name, optimizer, options.lastEpoch)
    Object.assign(this, hyperparameters)
    this.initialStep()
  }
}
