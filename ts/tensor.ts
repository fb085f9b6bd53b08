import { FerrogradError, checkOptions, fail, renamed } from './errors'
import { formatTensor } from './format'
import { native, type NativeTensor } from './native'

/**
 * Element types. `float32` is the compute type (arithmetic and gradients);
 * `int64` holds labels and indices; `float64` and `int32` store and convert.
 */
export type DType = 'float32' | 'float64' | 'int32' | 'int64' | 'bool'

/** A nested array of numbers, as `tolist()` returns and `tensor()` accepts. */
export type NestedArray = number | boolean | NestedArray[]

/** A tensor, or a plain number standing for a 0-d tensor. */
export type TensorLike = Tensor | number

/** Options of `backward()`. */
export interface BackwardOptions {
  /** Keep the graph so `backward()` can run through it again. */
  retainGraph?: boolean
}

/** @internal binary operators a plain number may stand in. */
export type ScalarOp = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum'

/** The six comparisons. */
export type Comparison = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge'

/** Largest or smallest values along a dimension, with their indices. */
export interface ValuesIndices {
  /** The values. */
  values: Tensor
  /** Their indices along the dimension (int64). */
  indices: Tensor
}

/** Options of `var` and `std`. */
export interface VarOptions {
  /** Subtracted from the element count in the denominator (default 1: unbiased). */
  correction?: number
  /** PyTorch's older spelling: `false` means `correction: 0`. */
  unbiased?: boolean
}

function dimsArg(dim: number | number[] | undefined): number[] | undefined {
  return dim === undefined ? undefined : Array.isArray(dim) ? dim : [dim]
}

function shapeArgs(op: string, args: (number | number[])[]): number[] {
  if (args.length === 1 && Array.isArray(args[0])) return args[0]
  if (args.every((a) => typeof a === 'number')) return args as number[]
  return fail('ERR_ARG', op, `expected a shape as numbers or one array of numbers`)
}

/**
 * An n-dimensional array in native memory, with optional gradient tracking.
 * Create tensors with {@link tensor}, {@link zeros}, {@link rand} and friends.
 * Freed by the garbage collector, or at once with `dispose()`.
 */
export class Tensor {
  /** @internal the native handle. */
  readonly _n: NativeTensor

  /** @internal tensors are made by factories and ops, not by `new`. */
  constructor(handle: NativeTensor) {
    this._n = handle
  }

  // ---- properties -------------------------------------------------------------

  /** The dimensions, e.g. `[64, 784]`. */
  get shape(): number[] {
    return native.tensorShape(this._n)
  }

  /** The element type. */
  get dtype(): DType {
    return native.tensorDtype(this._n) as DType
  }

  /** Number of dimensions. */
  get ndim(): number {
    return renamed('ndim', 'shape', () => native.tensorShape(this._n).length)
  }

  /** Number of elements. */
  numel(): number {
    return renamed('numel', 'shape', () => native.tensorShape(this._n).reduce((a, b) => a * b, 1))
  }

  /** Size of one dimension, or the whole shape. */
  size(): number[]
  size(dim: number): number
  size(dim?: number): number[] | number {
    const s = renamed('size', 'shape', () => this.shape)
    if (dim === undefined) return s
    if (!Number.isSafeInteger(dim)) fail('ERR_ARG', 'size', `dim must be an integer, got ${describe(dim)}`)
    const d = dim < 0 ? dim + s.length : dim
    if (!Number.isInteger(d) || d < 0 || d >= s.length) {
      fail('ERR_INDEX', 'size', `dimension ${dim} is out of range for a tensor of ${s.length} dimension(s)`)
    }
    return s[d]
  }

  /** True when gradients flow to or through this tensor. */
  get requiresGrad(): boolean {
    return native.tensorRequiresGrad(this._n)
  }

  /** Turns gradient tracking on or off (leaves only), as `requiresGrad_`. */
  set requiresGrad(flag: boolean) {
    native.tensorSetRequiresGrad(this._n, flag)
  }

  /** The gradient accumulated by `backward()`, or null. */
  get grad(): Tensor | null {
    const g = native.tensorGrad(this._n)
    return g ? new Tensor(g) : null
  }

  /** Replaces the gradient (same shape and dtype), or clears it with null. */
  set grad(g: Tensor | null) {
    native.tensorSetGrad(this._n, g ? asTensor('grad', g)._n : null)
  }

  /** True for tensors created by the user rather than computed by a recorded op. */
  get isLeaf(): boolean {
    return native.tensorIsLeaf(this._n)
  }

  /** Name of the op that produced this tensor (`'MmBackward'`), or null for leaves. */
  get gradFn(): string | null {
    return native.tensorGradFn(this._n) ?? null
  }

  /** True when the elements are packed in row-major order. */
  isContiguous(): boolean {
    return native.tensorIsContiguous(this._n)
  }

  // ---- reading back -----------------------------------------------------------

  /** The value of a one-element tensor. */
  item(): number {
    return native.tensorItem(this._n)
  }

  /** The elements as nested arrays (a number for a 0-d tensor). */
  tolist(): NestedArray {
    const flat = renamed('tolist', 'toFloat64Array', () => native.tensorToFloat64Array(this._n))
    const shape = this.shape
    const isBool = this.dtype === 'bool'
    let i = 0
    const build = (d: number): NestedArray => {
      if (d === shape.length) {
        const v = flat[i++]
        return isBool ? v !== 0 : v
      }
      const out: NestedArray[] = []
      for (let k = 0; k < shape[d]; k++) out.push(build(d + 1))
      return out
    }
    return build(0)
  }

  /** The float32 elements, row-major, in a new array. */
  toFloat32Array(): Float32Array {
    return native.tensorToFloat32Array(this._n)
  }

  /** The elements in the typed array that matches the dtype (bool as Uint8Array). */
  toTypedArray(): Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array {
    switch (renamed('toTypedArray', 'dtype', () => this.dtype)) {
      case 'float32':
        return native.tensorToFloat32Array(this._n)
      case 'float64':
        return native.tensorToFloat64Array(this._n)
      case 'int32':
        return native.tensorToInt32Array(this._n)
      case 'int64':
        return native.tensorToBigInt64Array(this._n)
      default:
        return Uint8Array.from(native.tensorToFloat64Array(this._n))
    }
  }

  /** Prints like PyTorch: `tensor([[1.0000, 2.0000]], requires_grad=True)`. */
  toString(): string {
    return renamed('toString', 'shape', () => formatTensor(this.shape, this.dtype, native.tensorToFloat64Array(this._n), this.requiresGrad, this.gradFn))
  }

  /** @internal shown by `console.log` and the Node REPL. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString()
  }

  // ---- dtype conversion ---------------------------------------------------------

  /** The elements converted to `dtype` (this tensor when it has that dtype already). */
  to(dtype: DType): Tensor {
    return new Tensor(native.tensorTo(this._n, dtype))
  }

  /** `to('float32')`. */
  float(): Tensor {
    return this.to('float32')
  }

  /** `to('float64')`. */
  double(): Tensor {
    return this.to('float64')
  }

  /** `to('int64')`: floats truncate toward zero. */
  long(): Tensor {
    return this.to('int64')
  }

  /** `to('int32')`. */
  int(): Tensor {
    return this.to('int32')
  }

  /** `to('bool')`: nonzero is true. */
  bool(): Tensor {
    return this.to('bool')
  }

  // ---- arithmetic -------------------------------------------------------------

  /** `value` where `mask` (bool, broadcastable) is true, `this` elsewhere. */
  maskedFill(mask: Tensor, value: number): Tensor {
    return new Tensor(renamed('maskedFill', 'where', () => native.tensorMaskedFill(this._n, asTensor('maskedFill', mask)._n, value)))
  }

  /** Matrix product (1-D, 2-D, batched and broadcast, as `torch.matmul`). */
  matmul(other: Tensor): Tensor {
    return new Tensor(native.tensorMatmul(this._n, asTensor('matmul', other)._n))
  }

  /** Softmax along `dim`: non-negative, summing to 1. */
  softmax(dim: number): Tensor {
    return new Tensor(native.tensorSoftmax(this._n, dim))
  }

  /** `log(softmax(x))` along `dim`, computed stably. */
  logSoftmax(dim: number): Tensor {
    return new Tensor(native.tensorLogSoftmax(this._n, dim))
  }

  // ---- reductions -----------------------------------------------------------------

  /** Sum over `dim` (one or several; all when omitted). Int and bool sum to int64. */
  sum(dim?: number | number[], keepdim = false): Tensor {
    return new Tensor(native.tensorSum(this._n, dimsArg(dim), keepdim))
  }

  /** Mean over `dim` (one or several; all when omitted). */
  mean(dim?: number | number[], keepdim = false): Tensor {
    return new Tensor(native.tensorMean(this._n, dimsArg(dim), keepdim))
  }

  /** Index of the largest value along `dim` (of the flattened tensor when omitted), int64. */
  argmax(dim?: number, keepdim = false): Tensor {
    return new Tensor(native.tensorArgmax(this._n, dim, keepdim))
  }

  /** Index of the smallest value along `dim` (of the flattened tensor when omitted), int64. */
  argmin(dim?: number, keepdim = false): Tensor {
    return new Tensor(native.tensorArgmin(this._n, dim, keepdim))
  }

  /**
   * The largest element (no argument), the largest values and their indices along
   * `dim`, or the elementwise maximum with another tensor, as `torch.max`.
   */
  max(): Tensor
  max(dim: number, keepdim?: boolean): ValuesIndices
  max(other: Tensor): Tensor
  max(arg?: number | Tensor, keepdim = false): Tensor | ValuesIndices {
    return this.extreme(true, arg, keepdim)
  }

  /** The smallest element, the smallest values and indices along `dim`, or the elementwise minimum. */
  min(): Tensor
  min(dim: number, keepdim?: boolean): ValuesIndices
  min(other: Tensor): Tensor
  min(arg?: number | Tensor, keepdim = false): Tensor | ValuesIndices {
    return this.extreme(false, arg, keepdim)
  }

  private extreme(largest: boolean, arg: number | Tensor | undefined, keepdim: boolean): Tensor | ValuesIndices {
    if (arg instanceof Tensor) return largest ? this.maximum(arg) : this.minimum(arg)
    if (arg === undefined) return new Tensor(largest ? native.tensorMax(this._n) : native.tensorMin(this._n))
    const [values, indices] = (largest ? native.tensorMaxDim : native.tensorMinDim)(this._n, arg, keepdim)
    return { values: new Tensor(values), indices: new Tensor(indices) }
  }

  /** Variance over `dim` (all when omitted), unbiased unless `correction` says otherwise. */
  var(dim?: number | number[], keepdim = false, options: VarOptions = {}): Tensor {
    return new Tensor(native.tensorVar(this._n, dimsArg(dim), correctionOf('var', options), keepdim))
  }

  /** Standard deviation over `dim` (all when omitted). */
  std(dim?: number | number[], keepdim = false, options: VarOptions = {}): Tensor {
    return new Tensor(native.tensorStd(this._n, dimsArg(dim), correctionOf('std', options), keepdim))
  }

  // ---- shapes -------------------------------------------------------------------------

  /** Reorders the dimensions (`x.permute(2, 0, 1)`); a view. */
  permute(...dims: number[] | [number[]]): Tensor {
    return new Tensor(native.tensorPermute(this._n, shapeArgs('permute', dims)))
  }

  /** `length` elements of dimension `dim` starting at `start`; a view. */
  narrow(dim: number, start: number, length: number): Tensor {
    return new Tensor(native.tensorNarrow(this._n, dim, start, length))
  }

  /** The entries `index` (1-D int64) along `dim`. */
  indexSelect(dim: number, index: Tensor): Tensor {
    return new Tensor(native.tensorIndexSelect(this._n, asTensor('indexSelect', index)._n, dim))
  }

  /** `torch.gather`: `out[i][j] = this[i][index[i][j]]` for `dim = 1`, and so on. */
  gather(dim: number, index: Tensor): Tensor {
    return new Tensor(native.tensorGather(this._n, asTensor('gather', index)._n, dim))
  }

  /** Same elements in a new shape (one size may be -1); a view when the data is contiguous. */
  reshape(...shape: number[] | [number[]]): Tensor {
    return new Tensor(native.tensorReshape(this._n, shapeArgs('reshape', shape)))
  }

  /** A view in a new shape (one size may be -1); `ERR_SHAPE` when the layout is not contiguous. */
  view(...shape: number[] | [number[]]): Tensor {
    return new Tensor(native.tensorView(this._n, shapeArgs('view', shape)))
  }

  /** Flattens dims `startDim..endDim` into one. */
  flatten(startDim = 0, endDim = -1): Tensor {
    return new Tensor(native.tensorFlatten(this._n, startDim, endDim))
  }

  /** Inserts a size-1 dimension at `dim`. */
  unsqueeze(dim: number): Tensor {
    return new Tensor(native.tensorUnsqueeze(this._n, dim))
  }

  /** Removes size-1 dimensions (only `dim` when given). */
  squeeze(dim?: number): Tensor {
    return new Tensor(native.tensorSqueeze(this._n, dim))
  }

  /** Swaps dimensions `dim0` and `dim1`; a view. */
  transpose(dim0: number, dim1: number): Tensor {
    return new Tensor(native.tensorTranspose(this._n, dim0, dim1))
  }

  /** The transpose of a matrix (at most 2-D); a view. */
  t(): Tensor {
    return new Tensor(native.tensorT(this._n))
  }

  /** The transpose of a matrix, as PyTorch's `.T`. */
  get T(): Tensor {
    return this.t()
  }

  /** Repeats size-1 dimensions to `shape` without copying (`-1` keeps a size). */
  expand(...shape: number[] | [number[]]): Tensor {
    return new Tensor(native.tensorExpand(this._n, shapeArgs('expand', shape)))
  }

  /** This tensor if packed row-major, otherwise a packed copy. */
  contiguous(): Tensor {
    return new Tensor(native.tensorContiguous(this._n))
  }

  /** A copy with its own storage; gradients flow back through it. */
  clone(): Tensor {
    return new Tensor(native.tensorClone(this._n))
  }

  // ---- autograd -------------------------------------------------------------------------

  /**
   * Computes the gradient of this tensor with respect to every leaf that requires
   * grad, adding it to their `.grad`. `grad` is needed unless this has one element.
   */
  backward(grad?: Tensor | null, options: BackwardOptions = {}): void {
    native.tensorBackward(this._n, grad ? asTensor('backward', grad)._n : null, options.retainGraph ?? false)
  }

  /** The same data as a new leaf outside the graph. */
  detach(): Tensor {
    return new Tensor(native.tensorDetach(this._n))
  }

  /** Turns gradient tracking on (or off) for this leaf; returns `this`. */
  requiresGrad_(flag = true): this {
    native.tensorSetRequiresGrad(this._n, flag)
    return this
  }

  /** Keeps `.grad` of this non-leaf tensor during `backward()`. */
  retainGrad(): void {
    native.tensorRetainGrad(this._n)
  }

  /** Clears the gradient (`grad` becomes null). */
  zeroGrad(): void {
    native.tensorSetGrad(this._n, null)
  }

  // ---- memory ---------------------------------------------------------------------------

  /** Frees the native memory now; using the tensor afterwards throws `ERR_DISPOSED`. */
  dispose(): void {
    native.tensorDispose(this._n)
  }

  /** True after `dispose()`. */
  get isDisposed(): boolean {
    return native.tensorIsDisposed(this._n)
  }

  /** Lets `using t = fg.zeros([2])` free the tensor at the end of the block. */
  [Symbol.dispose](): void {
    this.dispose()
  }
}

function correctionOf(op: string, options: VarOptions): number {
  checkOptions(op, options, ['correction', 'unbiased'])
  if (options.correction !== undefined && options.unbiased !== undefined) {
    fail('ERR_ARG', op, `give either correction or unbiased, not both`)
  }
  return options.correction ?? (options.unbiased === false ? 0 : 1)
}

/** Checks that a value is a Tensor, naming the operation otherwise. */
export function asTensor(op: string, value: unknown): Tensor {
  if (value instanceof Tensor) return value
  throw new FerrogradError('ERR_ARG', `expected a Tensor, got ${describe(value)}`, { op })
}

/** A short description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') return `an object (${value.constructor?.name ?? 'Object'})`
  return `${typeof value} ${String(value)}`
}

/** @internal a 0-d native tensor holding `value`, int64 when it can match an int64 tensor. */
export function scalarLike(dtype: DType, value: number): NativeTensor {
  if (dtype === 'bool' && (value === 0 || value === 1)) return native.tensorFromBool(Uint8Array.of(value), [])
  if (dtype === 'float64') return native.tensorFromFloat64(Float64Array.of(value), [])
  if (dtype === 'int32' && Number.isInteger(value) && Math.abs(value) < 2 ** 31) {
    return native.tensorFromInt32(Int32Array.of(value), [])
  }
  return dtype === 'int64' && Number.isInteger(value) && Math.abs(value) < 2 ** 63
    ? native.tensorFromInt64(BigInt64Array.of(BigInt(value)), [])
    : native.tensorFromFloat32(Float32Array.of(value), [])
}
