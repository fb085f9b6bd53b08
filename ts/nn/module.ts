import { checkOptions, fail } from '../errors'
import { native } from '../native'
import { Tensor } from '../tensor'
import { Parameter } from './parameter'
import { fit, predict, type FitHistory, type FitOptions, type PredictOptions } from './fit'

/** Options of {@link Module.loadStateDict}. */
export interface LoadStateDictOptions {
  /** Require the keys to match exactly (default true). */
  strict?: boolean
}

/** What {@link Module.loadStateDict} found. */
export interface LoadStateDictResult {
  /** Keys the module has but the state dict lacks. */
  missingKeys: string[]
  /** Keys of the state dict the module does not have. */
  unexpectedKeys: string[]
}

/**
 * Base class of every layer and model, as `torch.nn.Module`. Subclass it and
 * implement `forward`. Assigning a Module or a {@link Parameter} to a field
 * registers it, in assignment order, so `parameters()` and `stateDict()` find it.
 *
 * ```ts
 * class Net extends fg.nn.Module {
 *   fc1 = new fg.nn.Linear(784, 128)
 *   fc2 = new fg.nn.Linear(128, 10)
 *   forward(x: fg.Tensor) { return this.fc2.forward(this.fc1.forward(x).relu()) }
 * }
 * ```
 */
export abstract class Module {
  /** True in training mode (Dropout and BatchNorm behave differently in eval mode). */
  training = true

  /** Children and parameters registered explicitly (containers use numeric names). */
  private readonly _registered = new Map<string, Module | Parameter | null>()

  /** Buffers by name: state that is saved but not learned (BatchNorm's running_mean). */
  private readonly _buffers = new Map<string, Tensor | null>()

  /** Buffers left out of `stateDict()`. */
  private readonly _nonPersistent = new Set<string>()

  /** The computation of this module. */
  abstract forward(...inputs: never[]): unknown

  /** Registers a child module under `name` (containers do this for `'0'`, `'1'`, ...). */
  registerModule(name: string, module: Module | null): void {
    if (module !== null && !(module instanceof Module)) fail('ERR_ARG', 'registerModule', `'${name}' is not a Module`)
    this._registered.set(name, module)
  }

  /** Registers a parameter under `name`. */
  registerParameter(name: string, param: Parameter | null): void {
    if (param !== null && !(param instanceof Parameter)) fail('ERR_ARG', 'registerParameter', `'${name}' is not a Parameter`)
    this._registered.set(name, param)
  }

  /**
   * Registers a buffer: a tensor that belongs to the module's state (saved by
   * `stateDict()` unless `persistent` is false) but is not a parameter, such as
   * BatchNorm's `running_mean`. Registering the name again replaces the tensor;
   * `null` keeps the name with no tensor.
   */
  registerBuffer(name: string, tensor: Tensor | null, persistent = true): void {
    if (typeof name !== 'string' || name === '' || name.includes('.')) {
      fail('ERR_ARG', 'registerBuffer', `the name must be a non-empty string without '.', got ${JSON.stringify(name)}`)
    }
    if (tensor !== null && !(tensor instanceof Tensor)) fail('ERR_ARG', 'registerBuffer', `'${name}' is not a Tensor`)
    if (tensor instanceof Parameter) fail('ERR_ARG', 'registerBuffer', `'${name}' is a Parameter; use registerParameter`)
    if (this._registered.has(name) || (name in this && !this._buffers.has(name))) {
      fail('ERR_ARG', 'registerBuffer', `'${name}' is already an attribute of ${this.constructor.name}`)
    }
    this._buffers.set(name, tensor)
    if (persistent) this._nonPersistent.delete(name)
    else this._nonPersistent.add(name)
  }

  /** The buffer registered under `name` (null when it holds none); ERR_ARG for an unknown name. */
  getBuffer(name: string): Tensor | null {
    const b = this._buffers.get(name)
    if (b === undefined) fail('ERR_ARG', 'getBuffer', `${this.constructor.name} has no buffer '${name}'`)
    return b
  }

  /** Every buffer with its dotted name (`bn.running_mean`), this module's first. */
  namedBuffers(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = []
    for (const [path, m] of this.namedModules(prefix)) {
      for (const [name, b] of m._buffers) if (b) out.push([path ? `${path}.${name}` : name, b])
    }
    return out
  }

  /** Every buffer. */
  buffers(): Tensor[] {
    return this.namedBuffers().map(([, b]) => b)
  }

  /** Own fields and registered entries that are modules or parameters, in order. */
  private entries(): [string, Module | Parameter][] {
    const out: [string, Module | Parameter][] = []
    for (const [name, value] of this._registered) if (value) out.push([name, value])
    for (const name of Object.keys(this)) {
      const value = (this as Record<string, unknown>)[name]
      if ((value instanceof Module || value instanceof Parameter) && !this._registered.has(name)) out.push([name, value])
    }
    return out
  }

  /** Direct children with their names. */
  namedChildren(): [string, Module][] {
    return this.entries().filter((e): e is [string, Module] => e[1] instanceof Module)
  }

  /** Direct children. */
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m)
  }

  /** This module and every descendant, with dotted names (`''` for this one). */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]]
    for (const [name, child] of this.namedChildren()) {
      out.push(...child.namedModules(prefix ? `${prefix}.${name}` : name))
    }
    return out
  }

  /** This module's own parameters, in registration order. */
  private ownParameters(): [string, Parameter][] {
    return this.entries().filter((e): e is [string, Parameter] => e[1] instanceof Parameter)
  }

  /**
   * Every parameter with its PyTorch key (`fc1.weight`), as `named_parameters`
   * orders them: each module's own before its children's; shared ones once.
   */
  namedParameters(prefix = ''): [string, Parameter][] {
    const out: [string, Parameter][] = []
    const seen = new Set<Parameter>()
    for (const [path, m] of this.namedModules(prefix)) {
      for (const [name, p] of m.ownParameters()) {
        if (seen.has(p)) continue
        seen.add(p)
        out.push([path ? `${path}.${name}` : name, p])
      }
    }
    return out
  }

  /** Every parameter, for an optimizer. */
  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p)
  }

  /** Total number of elements over all parameters. */
  numParameters(): number {
    return this.parameters().reduce((n, p) => n + p.numel(), 0)
  }

  /** Sets training mode on this module and its descendants; returns `this`. */
  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode
    return this
  }

  /** Sets evaluation mode (`train(false)`); returns `this`. */
  eval(): this {
    return this.train(false)
  }

  /**
   * Trains on `x`, `y` for `options.epochs` off the main thread: the first batch
   * of each shape runs `forward` here while the core records it, the others
   * replay the recording on a native thread, so a service stays responsive;
   * resolves with the loss history. See `FitOptions` (optimizer, loss,
   * batchSize, shuffle, seed, validationData, signal, onBatchEnd, onEpochEnd,
   * offThread) and the design notes and limits in `fit.ts`.
   */
  fit(x: Tensor, y: Tensor, options: FitOptions): Promise<FitHistory> {
    return fit(this, x, y, options)
  }

  /** The model's output for every row of `x`, in eval mode, without a graph, in batches, off the main thread as `fit` runs. */
  predict(x: Tensor, options?: PredictOptions): Promise<Tensor> {
    return predict(this, x, options)
  }

  /** Clears every parameter's gradient. */
  zeroGrad(): void {
    for (const p of this.parameters()) p.zeroGrad()
  }

  /**
   * The parameters and persistent buffers by PyTorch key (`fc1.weight`,
   * `bn.running_mean`), in PyTorch's order (each module's parameters, then its
   * buffers, then its children), sharing their data.
   */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {}
    for (const [path, m] of this.namedModules()) {
      const key = (name: string) => (path ? `${path}.${name}` : name)
      for (const [name, p] of m.ownParameters()) out[key(name)] = p.detach()
      for (const [name, b] of m._buffers) if (b && !m._nonPersistent.has(name)) out[key(name)] = b.detach()
    }
    return out
  }

  /**
   * Copies values into the parameters and buffers by key, as `load_state_dict`.
   * Every problem is reported by name before anything changes: a shape (ERR_SHAPE)
   * or dtype (ERR_DTYPE) that differs from the module's always; with `strict`
   * (the default) also missing and unexpected keys (ERR_ARG). Without `strict`
   * the keys that did not match are returned.
   */
  loadStateDict(state: Record<string, Tensor>, options: LoadStateDictOptions = {}): LoadStateDictResult {
    checkOptions('loadStateDict', options, ['strict'])
    const strict = options.strict ?? true
    if (state === null || typeof state !== 'object') fail('ERR_ARG', 'loadStateDict', 'expected an object of tensors by key')
    const own = new Map(Object.entries(this.stateDict()))
    const missingKeys = [...own.keys()].filter((k) => !(k in state))
    const unexpectedKeys = Object.keys(state).filter((k) => !own.has(k))
    const shapeErrors: string[] = []
    const dtypeErrors: string[] = []
    for (const [k, p] of own) {
      const v = state[k]
      if (v === undefined) continue
      if (!(v instanceof Tensor)) fail('ERR_ARG', 'loadStateDict', `'${k}' is not a Tensor`)
      if (v.shape.join() !== p.shape.join()) {
        shapeErrors.push(`'${k}' has shape [${v.shape.join(', ')}] in the state dict but [${p.shape.join(', ')}] in the model`)
      } else if (v.dtype !== p.dtype) {
        dtypeErrors.push(`'${k}' is ${v.dtype} in the state dict but ${p.dtype} in the model`)
      }
    }
    const keyError =
      strict && (missingKeys.length || unexpectedKeys.length)
        ? `keys do not match (missing: ${missingKeys.join(', ') || 'none'}; unexpected: ${unexpectedKeys.join(', ') || 'none'})`
        : null
    const problems = [...shapeErrors, ...dtypeErrors, ...(keyError ? [keyError] : [])]
    if (problems.length) {
      const code = shapeErrors.length ? 'ERR_SHAPE' : dtypeErrors.length ? 'ERR_DTYPE' : 'ERR_ARG'
      fail(code, `loadStateDict: nothing was loaded: ${problems.join('; ')}`)
    }
    for (const [k, p] of own) {
      const v = state[k]
      if (v !== undefined) native.tensorAssign(p._n, v._n)
    }
    return { missingKeys, unexpectedKeys }
  }

  /** Extra text shown after the class name in `toString()` (`in_features=784, ...`). */
  extraRepr(): string {
    return ''
  }

  /** The module tree as PyTorch prints it, with parameter counts. */
  toString(): string {
    const children = this.namedChildren()
    const own = this.entries().filter(([, v]) => v instanceof Parameter).length > 0
    const count = own || children.length ? `  # ${this.numParameters().toLocaleString('en-US')} params` : ''
    if (!children.length) return `${this.constructor.name}(${this.extraRepr()})${count}`
    const lines = children.map(([name, m]) => `  (${name}): ${m.toString().split('\n').join('\n  ')}`)
    return `${this.constructor.name}(${this.extraRepr()}${count}\n${lines.join('\n')}\n)`
  }
}
