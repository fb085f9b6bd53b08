import { checkOptions, fail } from '../errors'
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

  /** The computation of this module. */
  abstract forward(...inputs: never[]): unknown

  /** Registers a child module under `name` (containers do this for `'0'`, `'1'`, ...). */
  registerModule(name: string, module: Module | null): void {
    if (module !== null && !(module instanceof Module)) fail('ERR_ARG', `registerModule: '${name}' is not a Module`)
    this._registered.set(name, module)
  }

  /** Registers a parameter under `name`. */
  registerParameter(name: string, param: Parameter | null): void {
    if (param !== null && !(param instanceof Parameter)) fail('ERR_ARG', `registerParameter: '${name}' is not a Parameter`)
    this._registered.set(name, param)
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

  /** Every parameter with its PyTorch key (`fc1.weight`); shared ones once. */
  namedParameters(prefix = ''): [string, Parameter][] {
    const out: [string, Parameter][] = []
    const seen = new Set<Parameter>()
    const walk = (m: Module, p: string) => {
      for (const [name, value] of m.entries()) {
        const key = p ? `${p}.${name}` : name
        if (value instanceof Module) walk(value, key)
        else if (!seen.has(value)) {
          seen.add(value)
          out.push([key, value])
        }
      }
    }
    walk(this, prefix)
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
   * Trains on `x`, `y` for `options.epochs`, yielding to the event loop between
   * batches so a service stays responsive; resolves with the loss history.
   * See `FitOptions` (optimizer, loss, batchSize, shuffle, seed, validationData,
   * signal, onBatchEnd, onEpochEnd) and the design notes in `fit.ts`.
   */
  fit(x: Tensor, y: Tensor, options: FitOptions): Promise<FitHistory> {
    return fit(this, x, y, options)
  }

  /** The model's output for every row of `x`, in eval mode, without a graph, in batches. */
  predict(x: Tensor, options?: PredictOptions): Promise<Tensor> {
    return predict(this, x, options)
  }

  /** Clears every parameter's gradient. */
  zeroGrad(): void {
    for (const p of this.parameters()) p.zeroGrad()
  }

  /** The parameters by PyTorch key, sharing their data. */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {}
    for (const [k, p] of this.namedParameters()) out[k] = p.detach()
    return out
  }

  /**
   * Copies values into the parameters by key. With `strict` (the default), missing
   * or unexpected keys are an error; shapes must always match.
   */
  loadStateDict(state: Record<string, Tensor>, options: LoadStateDictOptions = {}): LoadStateDictResult {
    checkOptions('loadStateDict', options, ['strict'])
    const strict = options.strict ?? true
    const own = new Map(this.namedParameters())
    const missingKeys = [...own.keys()].filter((k) => !(k in state))
    const unexpectedKeys = Object.keys(state).filter((k) => !own.has(k))
    if (strict && (missingKeys.length || unexpectedKeys.length)) {
      fail(
        'ERR_ARG',
        `loadStateDict: keys do not match (missing: ${missingKeys.join(', ') || 'none'}; unexpected: ${unexpectedKeys.join(', ') || 'none'})`,
      )
    }
    // Check every shape before changing anything, so a failure leaves the model whole.
    for (const [k, p] of own) {
      const v = state[k]
      if (v === undefined) continue
      if (!(v instanceof Tensor)) fail('ERR_ARG', `loadStateDict: '${k}' is not a Tensor`)
      if (v.dtype !== p.dtype) fail('ERR_DTYPE', `loadStateDict: '${k}' is ${v.dtype} but the parameter is ${p.dtype}`)
      if (v.shape.join() !== p.shape.join()) {
        fail('ERR_SHAPE', `loadStateDict: '${k}' has shape [${v.shape.join(', ')}] but the parameter has [${p.shape.join(', ')}]`)
      }
    }
    for (const [k, p] of own) {
      const v = state[k]
      if (v !== undefined) p._n.assign(v._n)
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
