import { checkOptions, fail } from '../errors'
import type { NativeOptimizerRef, NativeParamState, NativeTensor } from '../native'
import { Tensor, asTensor, describe } from '../tensor'

/** A hyperparameter's value: a number, a flag, or a pair of numbers (`betas`). */
export type HyperValue = number | boolean | readonly number[]

/** What every parameter group holds, whatever the optimizer. */
export interface ParamGroup {
  /** The tensors of this group. */
  params: Tensor[]
  /** Learning rate; change it here (schedulers do) and the next `step()` uses it. */
  lr: number
  /**
   * The learning rate schedulers start from (PyTorch's `initial_lr`): set by the
   * first scheduler attached to the optimizer, required when a scheduler resumes
   * with `lastEpoch`.
   */
  initialLr?: number
}

/** A parameter group as given to a constructor: its tensors and any hyperparameters of its own. */
export type ParamGroupInput<O> = O & {
  /** The tensors of this group (or a single tensor). */
  params: Iterable<Tensor> | Tensor
}

/** One parameter's state under PyTorch's names: `step` (a number) and tensors such as `exp_avg`. */
export type ParamStateDict = Record<string, Tensor | number>

/** What a group of a saved state dict adds to its hyperparameters. */
export interface SavedGroupParams {
  /** Indices of the group's parameters in `state`, counted over all groups. */
  params: number[]
  /** The learning rate a scheduler started from, when one is attached. */
  initialLr?: number
}

/** Hyperparameters every optimizer has. */
export interface HasLr {
  /** The learning rate. */
  lr: number
}

/**
 * An optimizer's state, shaped like PyTorch's `optimizer.state_dict()`: `state`
 * maps a parameter's index (counted over all groups in order) to its state, and
 * `paramGroups` holds each group's hyperparameters, spelled as in the
 * constructor's options, with `params` listing its parameters' indices. The
 * tensors are copies: later steps do not change them.
 */
export interface OptimizerStateDict<H = Record<string, HyperValue>> {
  /** Per-parameter state, for the parameters that have some. */
  state: Record<number, ParamStateDict>
  /** Each group's hyperparameters and parameter indices. */
  paramGroups: Array<H & SavedGroupParams>
}

/** The native optimizer classes all have these methods (see the binding's `optim.rs`). @internal */
export interface NativeOptimizer<N> {
  shared(): NativeOptimizerRef
  setOptions(index: number, options: N): void
  step(): void
  zeroGrad(): void
  state(): [NativeParamState[], NativeTensor[]]
  loadState(options: N[], state: NativeParamState[], tensors: NativeTensor[]): void
}

/**
 * A native optimizer class as the base class uses it (`nativeOptimizers` in
 * `native.ts`): its name, its defaults and its constructor. `N`, the native
 * options object, is generated from the core's declaration of the
 * hyperparameters; a subclass passing this as `OptimizerSpec<Required<XOptions>>`
 * does not compile unless its options interface has the same keys and types
 * (`defaults` is read as H, `create` is given H).
 * @internal
 */
export interface OptimizerSpec<N> {
  /** The name in error messages, as PyTorch names the class (`Adam`). */
  readonly name: string
  /** Every hyperparameter with its default: the accepted option keys and their types. */
  readonly defaults: N
  /** The native optimizer over `params`, `sizes[i]` of them forming group `i`. */
  readonly create: (params: NativeTensor[], sizes: number[], options: N[]) => NativeOptimizer<N>
}

/** Refuses a hyperparameter value of the wrong type; ranges are checked natively. */
function checkValue(op: string, key: string, value: unknown, like: HyperValue): void {
  if (typeof like === 'number' || typeof like === 'boolean') {
    if (typeof value !== typeof like) fail('ERR_ARG', op, `${key} must be a ${typeof like}, got ${describe(value)}`)
  } else if (!Array.isArray(value) || value.length !== like.length || value.some((v) => typeof v !== 'number')) {
    fail('ERR_ARG', op, `${key} must be an array of ${like.length} numbers, got ${describe(value)}`)
  }
}

/** A copy that shares no array with `v`. */
function copyValue<V>(v: V): V {
  return (Array.isArray(v) ? [...v] : v) as V
}

/** Whether two hyperparameter values are equal (pairs element by element). */
function sameValue(a: unknown, b: unknown): boolean {
  return Array.isArray(a) && Array.isArray(b) ? a.length === b.length && a.every((v, i) => v === b[i]) : a === b
}

/**
 * The base of every optimizer: parameter groups with live-editable
 * hyperparameters, one native call per `step()`, and `stateDict()` /
 * `loadStateDict()`. Subclasses supply the native optimizer, whose name and
 * defaults the native side declares. `H` holds a group's hyperparameters; `N`
 * is the native options object, the same for the built-in optimizers.
 */
export abstract class Optimizer<H extends HasLr, N = H> {
  /** The parameter groups with their current hyperparameters; edit `lr` (or any other) here. */
  readonly paramGroups: Array<H & ParamGroup>
  /** The hyperparameters a group gets when it does not set them. */
  readonly defaults: Readonly<H>
  private readonly spec: OptimizerSpec<N>
  /** The hyperparameters' names, in the native declaration's order. */
  private readonly keys: Array<keyof H & string>
  /** Each hyperparameter's default, whose type its values must have. */
  private readonly types: Readonly<H>
  private readonly handle: NativeOptimizer<N>
  /** Hyperparameters last sent to the native optimizer, per group. */
  private readonly sent: N[]

  /**
   * @param spec the native optimizer.
   * @param params tensors, or parameter groups.
   * @param options defaults for every group.
   * @internal subclasses call it; users construct `SGD`, `Adam`, ...
   */
  protected constructor(
    spec: OptimizerSpec<N>,
    params: Iterable<Tensor> | ParamGroupInput<Partial<H>>[],
    options: Partial<H> = {},
  ) {
    const { name } = spec
    const types = spec.defaults as unknown as H
    const keys = Object.keys(types) as Array<keyof H & string>
    checkOptions(name, options, keys)
    for (const k of keys) if (options[k] !== undefined) checkValue(name, k, options[k], types[k] as HyperValue)
    const defaults = {} as H
    for (const k of keys) defaults[k] = copyValue((options[k] ?? types[k]) as H[typeof k])
    this.defaults = defaults
    if (params === null || params === undefined || typeof (params as Iterable<unknown>)[Symbol.iterator] !== 'function') {
      fail('ERR_ARG', name, `params must be an iterable of tensors or of parameter groups, got ${describe(params)}`)
    }
    const list = Array.from(params as Iterable<Tensor | ParamGroupInput<Partial<H>>>)
    const inputs: ParamGroupInput<Partial<H>>[] =
      list.length > 0 && !(list[0] instanceof Tensor)
        ? (list as ParamGroupInput<Partial<H>>[])
        : [{ params: list as Tensor[] } as unknown as ParamGroupInput<Partial<H>>]
    this.paramGroups = inputs.map((g, i) => {
      const where = `${name} (group ${i})`
      if (g === null || typeof g !== 'object') fail('ERR_ARG', where, `a parameter group must be an object, got ${describe(g)}`)
      checkOptions(where, g, ['params', ...keys])
      if (g.params === undefined || g.params === null) fail('ERR_ARG', name, `parameter group ${i} has no 'params'`)
      const groupParams =
        g.params instanceof Tensor
          ? [g.params]
          : typeof (g.params as Iterable<Tensor>)[Symbol.iterator] === 'function'
            ? Array.from(g.params as Iterable<Tensor>, (p) => asTensor(name, p))
            : fail('ERR_ARG', name, `'params' of group ${i} must be a tensor or an iterable of tensors`)
      const group = { params: groupParams } as H & ParamGroup
      for (const k of keys) {
        const v = g[k] ?? defaults[k]
        checkValue(where, k, v, types[k] as HyperValue)
        group[k] = copyValue(v) as (H & ParamGroup)[typeof k]
      }
      return group
    })
    if (this.paramGroups.every((g) => g.params.length === 0)) fail('ERR_ARG', name, `got an empty parameter list`)
    this.spec = spec
    this.keys = keys
    this.types = types
    this.sent = this.paramGroups.map((g) => this.pick(g))
    this.handle = spec.create(
      this.paramGroups.flatMap((g) => g.params.map((p) => p._n)),
      this.paramGroups.map((g) => g.params.length),
      this.sent,
    )
  }

  /** Updates every parameter that has a gradient, in one native call. */
  step(): void {
    this._syncOptions()
    this.handle.step()
  }

  /**
   * Sends hyperparameters changed through `paramGroups` (schedulers do this) to
   * the native optimizer; `step()` does it first, and `fit` before each run of
   * batches it steps natively.
   * @internal
   */
  _syncOptions(): void {
    this.paramGroups.forEach((g, i) => {
      const next = this.toNative(g, `${this.spec.name}.step (group ${i})`)
      if (this.keys.some((k) => !sameValue(next[k as keyof N], this.sent[i][k as keyof N]))) {
        this.handle.setOptions(i, next)
        this.sent[i] = next
      }
    })
  }

  /**
   * The native optimizer as `fit`'s training thread steps it: the same
   * parameters and state.
   * @internal
   */
  _shared(): NativeOptimizerRef {
    return this.handle.shared()
  }

  /** Clears every parameter's gradient (sets it to null). */
  zeroGrad(): void {
    this.handle.zeroGrad()
  }

  /**
   * The optimizer's state, shaped like PyTorch's `state_dict()` (see
   * {@link OptimizerStateDict}); the tensors are copies.
   */
  stateDict(): OptimizerStateDict<H> {
    const state: Record<number, ParamStateDict> = {}
    const [entries, tensors] = this.handle.state()
    let t = 0
    for (const s of entries) {
      const entry: ParamStateDict = {}
      if (s.step !== undefined && s.step !== null) entry.step = s.step
      for (const n of s.names) entry[n] = new Tensor(tensors[t++])
      state[s.index] = entry
    }
    let index = 0
    const keys = this.keys
    const paramGroups = this.paramGroups.map((g) => {
      const out = {} as Record<string, unknown>
      for (const k of keys) out[k] = copyValue(g[k])
      if (g.initialLr !== undefined) out.initialLr = g.initialLr
      out.params = g.params.map(() => index++)
      return out as unknown as H & SavedGroupParams
    })
    return { state, paramGroups }
  }

  /**
   * Restores a state from `stateDict()` (of an optimizer of the same kind
   * over parameters of the same shapes, in the same groups): every group's
   * hyperparameters and every parameter's state. Parameters are matched by
   * position, as PyTorch matches them. Everything is checked before anything
   * changes: a wrong group count or size, an unknown key, or a state tensor of
   * the wrong shape is a FerrogradError and leaves the optimizer as it was.
   */
  loadStateDict(stateDict: OptimizerStateDict<H>): void {
    const op = `${this.spec.name}.loadStateDict`
    const sd = stateDict as unknown as Record<string, unknown>
    if (sd === null || typeof sd !== 'object') fail('ERR_ARG', op, `expected a state dict object, got ${describe(sd)}`)
    checkOptions(op, sd, ['state', 'paramGroups'])
    const groups = sd.paramGroups as unknown[]
    const state = sd.state as Record<string, unknown>
    if (!Array.isArray(groups)) fail('ERR_ARG', op, `'paramGroups' must be an array, got ${describe(groups)}`)
    if (state === null || typeof state !== 'object') fail('ERR_ARG', op, `'state' must be an object, got ${describe(state)}`)
    if (groups.length !== this.paramGroups.length) {
      fail('ERR_ARG', op, `the state dict has ${groups.length} parameter groups, this optimizer has ${this.paramGroups.length}`)
    }
    const keys = this.keys
    // Saved parameter index -> this optimizer's index, by position.
    const indexOf = new Map<number, number>()
    const loaded = groups.map((raw, i) => {
      const where = `${op} (group ${i})`
      if (raw === null || typeof raw !== 'object') fail('ERR_ARG', where, `expected an object, got ${describe(raw)}`)
      const g = raw as Record<string, unknown>
      checkOptions(where, g, ['params', 'initialLr', ...keys])
      const ids = g.params
      if (!Array.isArray(ids) || ids.some((v) => typeof v !== 'number')) {
        fail('ERR_ARG', where, `'params' must be an array of parameter indices`)
      }
      if (ids.length !== this.paramGroups[i].params.length) {
        fail('ERR_ARG', where, `the group has ${ids.length} parameters, this optimizer's has ${this.paramGroups[i].params.length}`)
      }
      for (const id of ids as number[]) {
        if (indexOf.has(id)) fail('ERR_ARG', where, `parameter index ${id} is listed twice`)
        indexOf.set(id, indexOf.size)
      }
      const h = {} as H
      for (const k of keys) {
        const v = g[k] ?? this.paramGroups[i][k]
        checkValue(where, k, v, this.types[k] as HyperValue)
        h[k] = copyValue(v) as H[typeof k]
      }
      if (g.initialLr !== undefined && typeof g.initialLr !== 'number') {
        fail('ERR_ARG', where, `initialLr must be a number, got ${describe(g.initialLr)}`)
      }
      return { h, initialLr: g.initialLr as number | undefined }
    })
    const entries: NativeParamState[] = []
    const tensors: NativeTensor[] = []
    for (const [id, raw] of Object.entries(state)) {
      const index = indexOf.get(Number(id))
      if (index === undefined) fail('ERR_ARG', op, `'state' has an entry for parameter ${id}, which no group lists`)
      if (raw === null || typeof raw !== 'object') fail('ERR_ARG', op, `the state of parameter ${id} must be an object`)
      const names: string[] = []
      let step: number | undefined
      for (const [name, v] of Object.entries(raw as Record<string, unknown>)) {
        if (name === 'step') {
          if (typeof v !== 'number') fail('ERR_ARG', op, `the step of parameter ${id} must be a number, got ${describe(v)}`)
          step = v
        } else {
          names.push(name)
          tensors.push(asTensor(`${op} (state '${name}' of parameter ${id})`, v)._n)
        }
      }
      entries.push({ index, step, names })
    }
    const options = loaded.map(({ h }) => this.pick(h))
    this.handle.loadState(options, entries, tensors)
    // The native side accepted all of it: only now do the groups change.
    loaded.forEach(({ h, initialLr }, i) => {
      const group = this.paramGroups[i]
      Object.assign(group, h)
      if (initialLr === undefined) delete group.initialLr
      else group.initialLr = initialLr
      this.sent[i] = options[i]
    })
  }

  /** A group's native options, its values' types checked first. */
  private toNative(g: H, where: string): N {
    for (const k of this.keys) checkValue(where, k, g[k], this.types[k] as HyperValue)
    return this.pick(g)
  }

  /** The hyperparameters of `g` (a group, or hyperparameters alone): the native options. */
  private pick(g: H): N {
    const out = {} as Record<string, unknown>
    for (const k of this.keys) out[k] = copyValue(g[k])
    return out as N
  }
}
