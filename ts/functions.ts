/**
 * The tensor methods as functions (`fg.add(a, b)`, `fg.relu(x)`), as `torch.*`.
 * Binary functions accept a plain number on either side.
 * @module
 */
import { fail } from './errors'
import { native } from './native'
import { Tensor, asTensor, describe, type TensorLike } from './tensor'
import { tensor } from './creation'

type ScalarOp = 'add' | 'sub' | 'mul' | 'div'

function binary(op: ScalarOp, a: TensorLike, b: TensorLike): Tensor {
  if (a instanceof Tensor) return a[op](b)
  if (typeof a === 'number') {
    if (b instanceof Tensor) return new Tensor(b._n.scalarOp(op, a, true))
    if (typeof b === 'number') return tensor(a)[op](b)
  }
  return fail('ERR_ARG', `${op}: expected tensors or numbers, got ${describe(a)} and ${describe(b)}`)
}

/** `a + b`, broadcasting. */
export function add(a: TensorLike, b: TensorLike): Tensor {
  return binary('add', a, b)
}

/** `a - b`, broadcasting. */
export function sub(a: TensorLike, b: TensorLike): Tensor {
  return binary('sub', a, b)
}

/** `a * b`, broadcasting. */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  return binary('mul', a, b)
}

/** `a / b`, broadcasting. */
export function div(a: TensorLike, b: TensorLike): Tensor {
  return binary('div', a, b)
}

/** `-x`. */
export function neg(x: Tensor): Tensor {
  return asTensor('neg', x).neg()
}

/** `e^x`. */
export function exp(x: Tensor): Tensor {
  return asTensor('exp', x).exp()
}

/** Natural logarithm. */
export function log(x: Tensor): Tensor {
  return asTensor('log', x).log()
}

/** `max(x, 0)`. */
export function relu(x: Tensor): Tensor {
  return asTensor('relu', x).relu()
}

/** Logistic sigmoid. */
export function sigmoid(x: Tensor): Tensor {
  return asTensor('sigmoid', x).sigmoid()
}

/** Hyperbolic tangent. */
export function tanh(x: Tensor): Tensor {
  return asTensor('tanh', x).tanh()
}

/** Softmax along `dim`. */
export function softmax(x: Tensor, dim: number): Tensor {
  return asTensor('softmax', x).softmax(dim)
}

/** Log-softmax along `dim`. */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  return asTensor('logSoftmax', x).logSoftmax(dim)
}

/** Sum over `dim` (all when omitted). */
export function sum(x: Tensor, dim?: number | number[], keepdim = false): Tensor {
  return asTensor('sum', x).sum(dim, keepdim)
}

/** Mean over `dim` (all when omitted). */
export function mean(x: Tensor, dim?: number | number[], keepdim = false): Tensor {
  return asTensor('mean', x).mean(dim, keepdim)
}

/** Index of the maximum along `dim`. */
export function argmax(x: Tensor, dim?: number, keepdim = false): Tensor {
  return asTensor('argmax', x).argmax(dim, keepdim)
}

/** Matrix product, as `torch.matmul`. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  return asTensor('matmul', a).matmul(b)
}

/** Elementwise equality as a bool tensor. */
export function eq(a: Tensor, b: TensorLike): Tensor {
  return asTensor('eq', a).eq(b)
}

/** Same elements in a new shape. */
export function reshape(x: Tensor, shape: number[]): Tensor {
  return asTensor('reshape', x).reshape(shape)
}

/** Swaps two dimensions. */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  return asTensor('transpose', x).transpose(dim0, dim1)
}

/** Flattens dims `startDim..endDim`. */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  return asTensor('flatten', x).flatten(startDim, endDim)
}

/** The same data, outside the graph. */
export function detach(x: Tensor): Tensor {
  return asTensor('detach', x).detach()
}

// ---- autograd mode ----------------------------------------------------------------

/**
 * Runs `fn` without recording the autograd graph (`torch.no_grad()`) and returns
 * its value. The mode applies to synchronous work inside `fn`.
 */
export function noGrad<T>(fn: () => T): T {
  const previous = native.setGradEnabled(false)
  try {
    return fn()
  } finally {
    native.setGradEnabled(previous)
  }
}

/** True when operations record the autograd graph. */
export function isGradEnabled(): boolean {
  return native.isGradEnabled()
}

/** Turns graph recording on or off (prefer {@link noGrad}). */
export function setGradEnabled(enabled: boolean): void {
  native.setGradEnabled(enabled)
}

// ---- runtime ------------------------------------------------------------------------

/** Seeds the random generator: the same seed gives the same numbers. */
export function manualSeed(seed: number): void {
  native.manualSeed(seed)
}

/** Sets how many threads the native core uses. */
export function setNumThreads(n: number): void {
  native.setNumThreads(n)
}

/** How many threads the native core uses. */
export function getNumThreads(): number {
  return native.getNumThreads()
}

/** Live native tensors and the bytes their storages hold, in this process. */
export function memory(): { tensors: number; bytes: number } {
  const m = native.memory()
  return { tensors: m.tensors, bytes: m.bytes }
}

/** Instruction-set levels the native kernels can run at. */
export type SimdLevel = 'scalar' | 'neon' | 'avx2' | 'avx512'

/**
 * The SIMD level the native kernels use: the best this CPU has, lowered by the
 * environment variable `FERROGRAD_SIMD=scalar|avx2|avx512` when set before loading.
 * Results are identical at every level.
 */
export function simdLevel(): SimdLevel {
  return native.simdLevel() as SimdLevel
}
