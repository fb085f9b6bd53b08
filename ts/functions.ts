/**
 * The tensor methods as functions (`fg.add(a, b)`, `fg.relu(x)`), as `torch.*`.
 * Binary functions accept a plain number on either side.
 * @module
 */
import { fail } from './errors'
import { native } from './native'
import { Tensor, asTensor, describe, type TensorLike, type ValuesIndices, type VarOptions } from './tensor'
import { tensor } from './creation'


/** `cond ? a : b` elementwise, broadcasting (`torch.where`); numbers become 0-d tensors. */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  const t = (v: TensorLike) => (typeof v === 'number' ? tensor(v) : asTensor('where', v))
  return new Tensor(native.where(asTensor('where', cond)._n, t(a)._n, t(b)._n))
}

/** Joins tensors along an existing dimension (`torch.cat`). */
export function cat(tensors: Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors)) fail('ERR_ARG', 'cat', `expected an array of tensors, got ${describe(tensors)}`)
  return new Tensor(native.cat(tensors.map((t) => asTensor('cat', t)._n), dim))
}

/** Joins same-shaped tensors along a new dimension (`torch.stack`). */
export function stack(tensors: Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors)) fail('ERR_ARG', 'stack', `expected an array of tensors, got ${describe(tensors)}`)
  return new Tensor(native.stack(tensors.map((t) => asTensor('stack', t)._n), dim))
}

/** Largest element, or values and indices along `dim` (see `Tensor.max`). */
export function max(x: Tensor): Tensor
export function max(x: Tensor, dim: number, keepdim?: boolean): ValuesIndices
export function max(x: Tensor, dim?: number, keepdim = false): Tensor | ValuesIndices {
  return dim === undefined ? asTensor('max', x).max() : asTensor('max', x).max(dim, keepdim)
}

/** Smallest element, or values and indices along `dim` (see `Tensor.min`). */
export function min(x: Tensor): Tensor
export function min(x: Tensor, dim: number, keepdim?: boolean): ValuesIndices
export function min(x: Tensor, dim?: number, keepdim = false): Tensor | ValuesIndices {
  return dim === undefined ? asTensor('min', x).min() : asTensor('min', x).min(dim, keepdim)
}

/** Index of the minimum along `dim`. */
export function argmin(x: Tensor, dim?: number, keepdim = false): Tensor {
  return asTensor('argmin', x).argmin(dim, keepdim)
}

/** Variance (unbiased by default). */
export function variance(x: Tensor, dim?: number | number[], keepdim = false, options?: VarOptions): Tensor {
  return asTensor('var', x).var(dim, keepdim, options)
}

/** Standard deviation (unbiased by default). */
export function std(x: Tensor, dim?: number | number[], keepdim = false, options?: VarOptions): Tensor {
  return asTensor('std', x).std(dim, keepdim, options)
}

/** Reorders dimensions. */
export function permute(x: Tensor, dims: number[]): Tensor {
  return asTensor('permute', x).permute(dims)
}

/** `length` elements of `dim` from `start`. */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  return asTensor('narrow', x).narrow(dim, start, length)
}

/** Entries `index` along `dim`. */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  return asTensor('indexSelect', x).indexSelect(dim, index)
}

/** `torch.gather`. */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  return asTensor('gather', x).gather(dim, index)
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
  if (typeof fn !== 'function') fail('ERR_ARG', 'noGrad', `expected a function, got ${describe(fn)}`)
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

/** What {@link memory} reports. */
export interface MemoryStats {
  /** Live native tensor storages. */
  tensors: number
  /** Bytes they hold. */
  bytes: number
  /**
   * Bytes of freed storages the core keeps for reuse: large buffers (64 KiB and
   * up) of tensors that were disposed or collected, handed to the next tensors of
   * the same size so that those need no fresh memory. At most 256 MiB (or a
   * sixteenth of the machine's memory); `FERROGRAD_CACHE_MB` sets another limit,
   * 0 turns the cache off. {@link emptyCache} frees them.
   */
  cached: number
}

/** Live native tensors and the bytes their storages hold, in this process. */
export function memory(): MemoryStats {
  const m = native.memory()
  return { tensors: m.tensors, bytes: m.bytes, cached: m.cached }
}

/**
 * Frees the buffers kept for reuse (see {@link MemoryStats.cached}), as PyTorch's
 * `torch.cuda.empty_cache()`; returns the bytes given back. Tensors still in use
 * are not touched.
 */
export function emptyCache(): number {
  return native.emptyCache()
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
