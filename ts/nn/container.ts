import { fail } from '../errors'
import { Tensor } from '../tensor'
import { Module } from './module'

/** Modules held in order and registered as `0`, `1`, ...: what Sequential and ModuleList share. */
abstract class ModuleSequence extends Module {
  /** The modules, in order. */
  protected readonly items: Module[] = []

  /** Adds `module` at the end under the next index. */
  protected push(op: string, module: Module): void {
    if (!(module instanceof Module)) fail('ERR_ARG', op, `argument ${this.items.length} is not a Module`)
    this.registerModule(String(this.items.length), module)
    this.items.push(module)
  }

  /** Number of modules. */
  get length(): number {
    return this.items.length
  }

  /** The module at `index` (negative counts from the end). */
  at(index: number): Module {
    const m = this.items.at(index)
    return m ?? fail('ERR_INDEX', this.constructor.name, `index ${index} is out of range for ${this.items.length} modules`)
  }

  /** Iterates the modules. */
  [Symbol.iterator](): Iterator<Module> {
    return this.items[Symbol.iterator]()
  }
}

/** Modules applied in order, each to the previous one's output; children named `0`, `1`, ... */
export class Sequential extends ModuleSequence {
  /** @param modules the layers in order. */
  constructor(...modules: Module[]) {
    super()
    for (const m of modules) this.push('Sequential', m)
  }

  /** Applies every layer in turn. */
  forward(input: Tensor): Tensor {
    let x = input
    for (const m of this.items) x = (m.forward as (x: Tensor) => Tensor).call(m, x)
    return x
  }
}

/**
 * Holds child modules in a list, registered as `0`, `1`, ... so their parameters
 * and buffers are found (`torch.nn.ModuleList`). It has no `forward`: use its
 * modules in your own.
 */
export class ModuleList extends ModuleSequence {
  /** @param modules the initial modules, in order. */
  constructor(modules: Iterable<Module> = []) {
    super()
    this.extend(modules)
  }

  /** Adds `module` at the end; returns `this`. */
  append(module: Module): this {
    this.push('ModuleList.append', module)
    return this
  }

  /** Adds every module of `modules` at the end; returns `this`. */
  extend(modules: Iterable<Module>): this {
    if (modules === null || typeof (modules as Iterable<Module>)[Symbol.iterator] !== 'function') {
      fail('ERR_ARG', 'ModuleList', 'expected an iterable of Modules')
    }
    for (const m of modules) this.append(m)
    return this
  }

  /** A ModuleList is a container only, as in PyTorch. */
  forward(): never {
    return fail('ERR_ARG', 'ModuleList has no forward(): call its modules from the forward() of the module that holds it')
  }
}
