/**
 * Loads the generated napi-rs binding and guards it: every function and every
 * method or getter of its classes rethrows native errors as FerrogradError. This
 * is the only place that knows the binding can throw something else.
 * @internal
 * @module
 */
import * as binding from '../native/binding.cjs'
import { toFerrogradError } from './errors'

function guard<A extends unknown[], R>(f: (...args: A) => R): (...args: A) => R {
  return function (this: unknown, ...args: A): R {
    try {
      return f.apply(this, args)
    } catch (e) {
      throw toFerrogradError(e)
    }
  }
}

function guardPrototype(proto: object): void {
  for (const key of Object.getOwnPropertyNames(proto)) {
    if (key === 'constructor') continue
    const d = Object.getOwnPropertyDescriptor(proto, key)
    if (!d) continue
    if (typeof d.value === 'function') d.value = guard(d.value as (...args: unknown[]) => unknown)
    if (d.get) d.get = guard(d.get)
    Object.defineProperty(proto, key, d)
  }
}

guardPrototype(binding.NativeTensor.prototype)
guardPrototype(binding.NativeSgd.prototype)

/** The binding's functions, guarded. Classes are used through their prototypes. */
export const native = {
  tensorFromFloat32: guard(binding.tensorFromFloat32),
  tensorFromInt64: guard(binding.tensorFromInt64),
  tensorFromBool: guard(binding.tensorFromBool),
  full: guard(binding.full),
  uniform: guard(binding.uniform),
  randn: guard(binding.randn),
  randperm: guard(binding.randperm),
  linear: guard(binding.linear),
  mseLoss: guard(binding.mseLoss),
  crossEntropy: guard(binding.crossEntropy),
  manualSeed: guard(binding.manualSeed),
  setGradEnabled: guard(binding.setGradEnabled),
  isGradEnabled: guard(binding.isGradEnabled),
  setNumThreads: guard(binding.setNumThreads),
  getNumThreads: guard(binding.getNumThreads),
  memory: guard(binding.memory),
  simdLevel: guard(binding.simdLevel),
  newSgd: guard(
    (...args: ConstructorParameters<typeof binding.NativeSgd>) => new binding.NativeSgd(...args),
  ),
}

export type NativeTensor = binding.NativeTensor
export type NativeSgd = binding.NativeSgd
export type SgdGroupOptions = binding.SgdGroupOptions
