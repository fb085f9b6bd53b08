import { checkOptions, fail, renamed } from './errors'
import { native, type NativeTensor } from './native'
import { Tensor, asTensor, describe, type DType, type NestedArray } from './tensor'

/** Options every factory accepts. */
export interface TensorOptions {
  /** Element type; float32 unless the data says otherwise. */
  dtype?: DType
  /** Record operations on this tensor for autograd. */
  requiresGrad?: boolean
}

/** Options of {@link tensor}. */
export interface TensorDataOptions extends TensorOptions {
  /** The shape of flat typed-array data (default: 1-D). */
  shape?: number[]
}

/** Data {@link tensor} accepts. */
export type TensorData = NestedArray | Float32Array | Float64Array | Int32Array | BigInt64Array

const FACTORY_OPTIONS = ['dtype', 'requiresGrad'] as const

/** Largest magnitude an int64 tensor can take from a JS number without wrapping. */
const INT64_LIMIT = 2 ** 63

function resolveDtype(op: string, dtype: TensorOptions['dtype'], fallback: DType): DType {
  const d = dtype ?? fallback
  if (d === 'float32' || d === 'float64' || d === 'int32' || d === 'int64' || d === 'bool') return d
  return fail('ERR_DTYPE', op, `unknown dtype '${String(d)}' (float32, float64, int32, int64 or bool)`)
}

function finish(handle: NativeTensor, options: TensorOptions | undefined): Tensor {
  const t = new Tensor(handle)
  if (options?.requiresGrad) t.requiresGrad_(true)
  return t
}

/** Flattens nested arrays, checking that they are rectangular. */
function flatten(data: NestedArray): { values: number[]; shape: number[]; booleans: boolean } {
  const shape: number[] = []
  for (let d: NestedArray = data; Array.isArray(d); d = d[0]) {
    shape.push(d.length)
    if (d.length === 0) break
  }
  const values: number[] = []
  let booleans = 0
  const walk = (d: NestedArray, depth: number, path: string) => {
    if (depth === shape.length) {
      if (Array.isArray(d)) fail('ERR_SHAPE', 'tensor', `ragged nested array: ${path} has more nesting than its siblings`)
      if (typeof d === 'boolean') {
        values.push(d ? 1 : 0)
        booleans++
      } else if (typeof d === 'number') values.push(d)
      else fail('ERR_ARG', 'tensor', `expected numbers, got ${describe(d)} at ${path}`)
      return
    }
    if (!Array.isArray(d) || d.length !== shape[depth]) {
      fail(
        'ERR_SHAPE',
        `tensor: ragged nested array: ${path} has ${Array.isArray(d) ? `length ${d.length}` : 'no array'}, expected length ${shape[depth]}`,
      )
    }
    d.forEach((v, i) => walk(v, depth + 1, `${path}[${i}]`))
  }
  walk(data, 0, 'data')
  return { values, shape, booleans: values.length > 0 && booleans === values.length }
}

function fromNumbers(op: string, values: ArrayLike<number>, shape: number[], dtype: DType): NativeTensor {
  if (dtype === 'int64') {
    const ints = new BigInt64Array(values.length)
    for (let i = 0; i < values.length; i++) {
      const v = values[i]
      if (!Number.isInteger(v) || Math.abs(v) >= INT64_LIMIT) {
        fail('ERR_ARG', op, `int64 data must hold integers within ±2^63, got ${v} at index ${i}`)
      }
      ints[i] = BigInt(v)
    }
    return native.tensorFromInt64(ints, shape)
  }
  if (dtype === 'bool') return native.tensorFromBool(Uint8Array.from(values, (v) => (v !== 0 ? 1 : 0)), shape)
  if (dtype === 'int32') {
    for (let i = 0; i < values.length; i++) {
      const v = values[i]
      if (!Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31) {
        fail('ERR_ARG', op, `int32 data must hold integers within the int32 range, got ${v} at index ${i}`)
      }
    }
    return native.tensorFromInt32(values instanceof Int32Array ? values : Int32Array.from(values), shape)
  }
  if (dtype === 'float64') return native.tensorFromFloat64(values instanceof Float64Array ? values : Float64Array.from(values), shape)
  return native.tensorFromFloat32(values instanceof Float32Array ? values : Float32Array.from(values), shape)
}

/**
 * A tensor from a number, nested arrays or a typed array. Numbers become
 * float32 (booleans bool) unless `dtype` says otherwise; typed arrays keep their
 * type (`Float64Array` float64, `Int32Array` int32, `BigInt64Array` int64). A
 * typed array with `shape` is taken without a per-element loop.
 */
export function tensor(data: TensorData, options?: TensorDataOptions): Tensor {
  return renamed('tensor', ['tensorFromFloat32', 'tensorFromFloat64', 'tensorFromInt32', 'tensorFromInt64', 'tensorFromBool'], () => tensorOf(data, options))
}

function tensorOf(data: TensorData, options?: TensorDataOptions): Tensor {
  checkOptions('tensor', options, ['dtype', 'requiresGrad', 'shape'])
  if (options?.shape !== undefined) shapeOf('tensor', options.shape)
  if (data instanceof BigInt64Array) {
    const dtype = resolveDtype('tensor', options?.dtype, 'int64')
    const shape = options?.shape ?? [data.length]
    const handle =
      dtype === 'int64'
        ? native.tensorFromInt64(data, shape)
        : native.tensorFromFloat32(Float32Array.from(data, (v) => Number(v)), shape)
    return finish(handle, options)
  }
  if (data instanceof Float32Array || data instanceof Float64Array || data instanceof Int32Array) {
    // The data's own type decides by default, as torch.from_numpy does.
    const own = data instanceof Int32Array ? 'int32' : data instanceof Float64Array ? 'float64' : 'float32'
    const dtype = resolveDtype('tensor', options?.dtype, own)
    return finish(fromNumbers('tensor', data, options?.shape ?? [data.length], dtype), options)
  }
  if (typeof data !== 'number' && typeof data !== 'boolean' && !Array.isArray(data)) {
    fail('ERR_ARG', 'tensor', `expected a number, nested arrays or a typed array, got ${describe(data)}`)
  }
  const { values, shape, booleans } = flatten(data)
  const dtype = resolveDtype('tensor', options?.dtype, booleans ? 'bool' : 'float32')
  const handle = fromNumbers('tensor', values, options?.shape ?? shape, dtype)
  return finish(handle, options)
}

function shapeOf(op: string, shape: number[] | number): number[] {
  if (typeof shape === 'number') return [shape]
  if (!Array.isArray(shape)) fail('ERR_ARG', op, `expected a shape (an array of sizes), got ${describe(shape)}`)
  return shape
}

function filled(op: string, shape: number[] | number, value: number, options: TensorOptions | undefined): Tensor {
  checkOptions(op, options, FACTORY_OPTIONS)
  const s = shapeOf(op, shape)
  const dtype = resolveDtype(op, options?.dtype, 'float32')
  if (typeof value !== 'number') fail('ERR_ARG', op, `the fill value must be a number, got ${describe(value)}`)
  return finish(renamed(op, 'full', () => native.full(s, value, dtype)), options)
}

/** A tensor of `shape` filled with `value`. */
export function full(shape: number[] | number, value: number, options?: TensorOptions): Tensor {
  return filled('full', shape, value, options)
}

/** A tensor of zeros. */
export function zeros(shape: number[] | number, options?: TensorOptions): Tensor {
  return filled('zeros', shape, 0, options)
}

/** A tensor of ones. */
export function ones(shape: number[] | number, options?: TensorOptions): Tensor {
  return filled('ones', shape, 1, options)
}

/** Zeros shaped like `t`, of its dtype unless `dtype` is given. */
export function zerosLike(t: Tensor, options?: TensorOptions): Tensor {
  const like = asTensor('zerosLike', t)
  checkOptions('zerosLike', options, FACTORY_OPTIONS)
  return filled('zerosLike', renamed('zerosLike', 'shape', () => like.shape), 0, { dtype: like.dtype, ...options })
}

/** Ones shaped like `t`, of its dtype unless `dtype` is given. */
export function onesLike(t: Tensor, options?: TensorOptions): Tensor {
  const like = asTensor('onesLike', t)
  checkOptions('onesLike', options, FACTORY_OPTIONS)
  return filled('onesLike', renamed('onesLike', 'shape', () => like.shape), 1, { dtype: like.dtype, ...options })
}

/** Uniform samples in [0, 1) from the seeded generator. */
export function rand(shape: number[] | number, options?: TensorOptions): Tensor {
  checkOptions('rand', options, FACTORY_OPTIONS)
  return finish(renamed('rand', 'uniform', () => native.uniform(shapeOf('rand', shape), 0, 1, floatDtype('rand', options?.dtype))), options)
}

/** Standard normal samples from the seeded generator. */
export function randn(shape: number[] | number, options?: TensorOptions): Tensor {
  checkOptions('randn', options, FACTORY_OPTIONS)
  return finish(native.randn(shapeOf('randn', shape), floatDtype('randn', options?.dtype)), options)
}

/** The float dtype a sampling factory draws (float32 by default). */
function floatDtype(op: string, dtype: DType | undefined): 'float32' | 'float64' {
  const d = resolveDtype(op, dtype, 'float32')
  return d === 'float32' || d === 'float64' ? d : fail('ERR_DTYPE', op, `samples are float32 or float64, not ${d}`)
}

/** A random permutation of `0..n-1` (int64) from the seeded generator. */
export function randperm(n: number): Tensor {
  return new Tensor(native.randperm(n))
}

/** Integers uniform in `[low, high)` (int64) from the seeded generator. */
export function randint(low: number, high: number, shape: number[] | number, options?: TensorOptions): Tensor {
  checkOptions('randint', options, FACTORY_OPTIONS)
  const t = new Tensor(native.randint(low, high, shapeOf('randint', shape)))
  return finish(t.to(resolveDtype('randint', options?.dtype, 'int64'))._n, options)
}

/** Options of {@link arange}. */
export interface ArangeOptions extends TensorOptions {}

/**
 * `0, 1, ..., end - 1`, or `start, start + step, ...` below `end`. Integer
 * arguments give int64 (as PyTorch), otherwise float32; `dtype` overrides.
 */
export function arange(end: number, options?: ArangeOptions): Tensor
export function arange(start: number, end: number, step?: number, options?: ArangeOptions): Tensor
export function arange(a: number, b?: number | ArangeOptions, c?: number | ArangeOptions, d?: ArangeOptions): Tensor {
  if (typeof b === 'object' && b !== null && c !== undefined) fail('ERR_ARG', 'arange', `end must be a number, got ${describe(b)}`)
  for (const [name, value] of [['end', b], ['step', c]] as const) {
    if (value !== undefined && typeof value !== 'number' && (value === null || typeof value !== 'object')) {
      fail('ERR_ARG', 'arange', `${name} must be a number, got ${describe(value)}`)
    }
  }
  const [start, end, step, options] =
    typeof b === 'number'
      ? [a, b, typeof c === 'number' ? c : 1, typeof c === 'object' ? c : d]
      : [0, a, 1, b]
  checkOptions('arange', options, FACTORY_OPTIONS)
  const integral = [start, end, step].every(Number.isInteger)
  const dtype = resolveDtype('arange', options?.dtype, integral ? 'int64' : 'float32')
  return finish(native.arange(start, end, step, dtype), options)
}

/** `steps` evenly spaced float32 values from `start` to `end` inclusive. */
export function linspace(start: number, end: number, steps: number, options?: TensorOptions): Tensor {
  checkOptions('linspace', options, FACTORY_OPTIONS)
  return finish(native.linspace(start, end, steps, resolveDtype('linspace', options?.dtype, 'float32')), options)
}

/** The `n x m` identity matrix (`m` defaults to `n`), float32 unless `dtype` says otherwise. */
export function eye(n: number, options?: TensorOptions): Tensor
export function eye(n: number, m: number, options?: TensorOptions): Tensor
export function eye(n: number, m?: number | TensorOptions, options?: TensorOptions): Tensor {
  const [cols, opts] = typeof m === 'object' ? [n, m] : [m ?? n, options]
  checkOptions('eye', opts, FACTORY_OPTIONS)
  const t = new Tensor(native.eye(n, cols))
  return finish(t.to(resolveDtype('eye', opts?.dtype, 'float32'))._n, opts)
}

/** @internal uniform samples in [low, high), for initialisers. */
export function uniform(shape: number[], low: number, high: number): Tensor {
  return new Tensor(native.uniform(shape, low, high, 'float32'))
}
