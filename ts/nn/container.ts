import { fail } from '../errors'
import { Tensor } from '../tensor'
import { Module } from './module'

/** Modules applied in order, each to the previous one's output; children named `0`, `1`, ... */
export class Sequential extends Module {
  private readonly layers: Module[]

  /** @param modules the layers in order. */
  constructor(...modules: Module[]) {
    super()
    modules.forEach((m, i) => {
      if (!(m instanceof Module)) fail('ERR_ARG', `Sequential: argument ${i} is not a Module`)
      this.registerModule(String(i), m)
    })
    this.layers = modules
  }

  /** Number of layers. */
  get length(): number {
    return this.layers.length
  }

  /** The layer at `index` (negative counts from the end). */
  at(index: number): Module {
    const m = this.layers.at(index)
    return m ?? fail('ERR_INDEX', `Sequential: index ${index} is out of range for ${this.layers.length} layers`)
  }

  /** Iterates the layers. */
  [Symbol.iterator](): Iterator<Module> {
    return this.layers[Symbol.iterator]()
  }

  /** Applies every layer in turn. */
  forward(input: Tensor): Tensor {
    let x = input
    for (const m of this.layers) x = (m.forward as (x: Tensor) => Tensor).call(m, x)
    return x
  }
}
