/**
 * Hostile arguments for the bad-input suite: for each kind of parameter a public
 * function takes, the wrong values a caller can pass and the error code each must
 * give. A function is described once by its parameters (`Param`s with a valid
 * value); `casesFor` then swaps one parameter at a time for each hostile value.
 */
import { fg } from './helpers'

type Code = fg.ErrorCode

/** Kinds of parameters, each with its own hostile values. */
export type Kind =
  | 'tensor' // a required tensor
  | 'optTensor' // an optional tensor (null and undefined are valid)
  | 'tensorLike' // a tensor or a plain number
  | 'dim' // a dimension index (negative counts from the end)
  | 'optDim' // an optional dimension index (undefined is valid)
  | 'count' // a non-negative integer: a length, a number of steps
  | 'int' // any integer: a start, a seed, a bound
  | 'shape' // an array of sizes for a factory
  | 'viewShape' // an array of sizes where -1 infers one
  | 'number' // a plain number value
  | 'optNumber' // an optional number (undefined and null are valid)
  | 'bool' // a flag passed to the core
  | 'options' // an options object
  | 'dtype' // a dtype name
  | 'tensors' // an array of tensors
  | 'index' // an int64 index tensor
  | 'mask' // a bool tensor
  | 'fn' // a callback
  | 'path' // a file path
  | 'record' // Record<string, Tensor>
  | 'any' // checked by the op's own cases only

/** One parameter: its kind, a valid value, and codes that override the defaults. */
export interface Param {
  kind: Kind
  valid: unknown
  /** Codes for an integer or shape too large to exist (ERR_ALLOC for factories). */
  huge?: Code[]
  /** Codes for a dimension out of range (ERR_INDEX unless said otherwise). */
  outOfRange?: Code[]
  /** Codes for particular hostile values, by label; `[]` drops a value that is valid here. */
  override?: Record<string, Code[]>
}

/** One hostile call and the error codes it may give. */
export interface Case {
  label: string
  call: () => unknown
  codes: Code[]
  /** The message must match this (by default: name the operation). */
  mention?: RegExp
}

/** The tensors every case may use; the suite checks after each case that none changed. */
export interface Fixtures {
  x: fg.Tensor // float32 [2, 3]
  xi: fg.Tensor // int64 [2, 3]
  xb: fg.Tensor // bool [2, 3]
  v: fg.Tensor // float32 [3]
  idx: fg.Tensor // int64 [2] index
  sentinel: fg.Tensor // float32 [4], requires grad, with a gradient
  disposed: fg.Tensor
}

export function makeFixtures(): Fixtures {
  const sentinel = fg.tensor([0.5, -1.5, 2.25, 1e-3], { requiresGrad: true })
  sentinel.mul(sentinel).sum().backward()
  const disposed = fg.ones([2, 3])
  disposed.dispose()
  return {
    x: fg.tensor([[1, 2, 3], [4, 5, 6]]),
    xi: fg.tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'int64' }),
    xb: fg.tensor([[true, false, true], [false, true, false]]),
    v: fg.tensor([0.25, 0.5, 0.75]),
    idx: fg.tensor([1, 0], { dtype: 'int64' }),
    sentinel,
    disposed,
  }
}

/** Everything observable about the live fixtures, to compare before and after a case. */
export function snapshot(fx: Fixtures): string {
  return JSON.stringify(
    Object.entries(fx)
      .filter(([name]) => name !== 'disposed')
      .map(([name, t]) => [name, t.shape, t.dtype, t.requiresGrad, t.tolist(), t.grad?.tolist() ?? null]),
  )
}

const ARG: Code[] = ['ERR_ARG']

/** The wrong values for a parameter of `p.kind`, each with the codes it must give. */
export function hostile(p: Param, fx: Fixtures): [string, unknown, Code[]][] {
  return hostileByKind(p, fx)
    .map(([label, value, codes]): [string, unknown, Code[]] => [label, value, p.override?.[label] ?? codes])
    .filter(([, , codes]) => codes.length > 0)
}

function hostileByKind(p: Param, fx: Fixtures): [string, unknown, Code[]][] {
  const huge = p.huge ?? ['ERR_ALLOC']
  const range = p.outOfRange ?? ['ERR_INDEX']
  const notTensor: [string, unknown, Code[]][] = [
    ['a string', '1', ARG],
    ['null', null, ARG],
    ['an object', {}, ARG],
    ['a nested array', [[1, 2]], ARG],
    ['a disposed tensor', fx.disposed, ['ERR_DISPOSED']],
  ]
  const notInteger: [string, unknown, Code[]][] = [
    ['NaN', Number.NaN, ARG],
    ['Infinity', Number.POSITIVE_INFINITY, ARG],
    ['-Infinity', Number.NEGATIVE_INFINITY, ARG],
    ['a fraction', 0.5, ARG],
    ['1e300', 1e300, ARG],
    ['a numeric string', '1', ARG],
    ['an object', {}, ARG],
    ['a bigint', 1n, ARG],
  ]
  const badSizes: [string, unknown, Code[]][] = [
    ['a negative size', [2, -2], ARG],
    ['a fractional size', [2.5], ARG],
    ['a NaN size', [Number.NaN], ARG],
    ['an infinite size', [Number.POSITIVE_INFINITY], ARG],
    ['a string size', ['2'], ARG],
    ['a string', 'x', ARG],
    ['null', null, ARG],
    ['an object', {}, ARG],
  ]
  switch (p.kind) {
    case 'any':
      return []
    case 'tensor':
      return [...notTensor, ['undefined', undefined, ARG], ['a number array', [1, 2], ARG]]
    case 'optTensor':
      return [...notTensor.filter(([label]) => label !== 'null'), ['a number array', [1, 2], ARG]]
    case 'tensorLike':
      return [...notTensor, ['undefined', undefined, ARG], ['a boolean', true, ARG]]
    case 'index': {
      const valid = p.valid as fg.Tensor
      return [
        ...notTensor,
        ['a float32 index', valid.float(), ['ERR_DTYPE']],
        ['an index out of range', valid.add(99), ['ERR_INDEX']],
        ['a negative index out of range', valid.sub(99), ['ERR_INDEX']],
      ]
    }
    case 'mask':
      return [...notTensor, ['a float32 mask', fx.x, ['ERR_DTYPE']]]
    case 'dim':
    case 'optDim':
      return [
        ...notInteger,
        ['a dimension past the end', 7, range],
        ['a dimension before the start', -7, range],
        ['2^53', 2 ** 53, [...ARG, ...range]],
        ...(p.kind === 'dim' ? ([['null', null, ARG]] as [string, unknown, Code[]][]) : []),
      ]
    case 'count':
      return [...notInteger, ['-1', -1, ARG], ['2^45', 2 ** 45, huge]]
    case 'int':
      return notInteger
    case 'shape':
      return [...badSizes, ['a size beyond memory', [1e6, 1e6], huge]]
    case 'viewShape':
      return [...badSizes.filter(([label]) => label !== 'a negative size'), ['-2', [-2, 3], ARG], ['two -1', [-1, -1], ARG], ['a size beyond memory', [1e6, 1e6], huge]]
    case 'number':
      return [
        ['a string', '1', ARG],
        ['an object', {}, ARG],
        ['an array', [1], ARG],
        ['null', null, ARG],
      ]
    case 'optNumber':
      return [
        ['a string', '1', ARG],
        ['an object', {}, ARG],
        ['an array', [1], ARG],
      ]
    case 'bool':
      return [
        ['a string', 'yes', ARG],
        ['a number', 1, ARG],
        ['an object', {}, ARG],
      ]
    case 'options':
      return [
        ['a number', 5, ARG],
        ['a string', 'x', ARG],
        ['an unknown option', { bogus: 1 }, ARG],
      ]
    case 'dtype':
      return [
        ['an unknown dtype', 'float16', ['ERR_DTYPE']],
        ['a number', 5, ['ERR_DTYPE', 'ERR_ARG']],
        ['an object', {}, ['ERR_DTYPE', 'ERR_ARG']],
      ]
    case 'tensors':
      return [
        ['a tensor, not an array', fx.x, ARG],
        ['an empty array', [], ARG],
        ['an array with a string', [fx.x, 'x'], ARG],
        ['an array with null', [fx.x, null], ARG],
        ['an array with a disposed tensor', [fx.x, fx.disposed], ['ERR_DISPOSED']],
        ['null', null, ARG],
      ]
    case 'fn':
      return [
        ['a number', 5, ARG],
        ['a string', 'x', ARG],
        ['null', null, ARG],
      ]
    case 'path':
      return [
        ['a number', 5, ARG],
        ['null', null, ARG],
        ['an object', {}, ARG],
        ['a path in a missing directory', '/nonexistent-ferrograd-dir/a/b.safetensors', ['ERR_IO']],
        ['a directory', '/', ['ERR_IO', 'ERR_ARG']],
        ['an empty path', '', ['ERR_IO', 'ERR_ARG']],
      ]
    case 'record':
      return [
        ['a number', 5, ARG],
        ['null', null, ARG],
        ['a string', 'x', ARG],
        ['an array of tensors', [fx.x], ARG],
        ['a record with a number', { a: 5 }, ARG],
        ['a record with a disposed tensor', { a: fx.disposed }, ['ERR_DISPOSED']],
      ]
  }
}

/**
 * The hostile cases of `name`: each parameter of `params` in turn replaced by each of
 * its hostile values, the others valid. `invoke` makes the call.
 */
export function casesFor(name: string, params: Param[], invoke: (...args: unknown[]) => unknown, fx: Fixtures, mention?: RegExp): Case[] {
  const out: Case[] = []
  params.forEach((p, i) => {
    for (const [label, value, codes] of hostile(p, fx)) {
      const args = params.map((q) => q.valid)
      args[i] = value
      out.push({ label: `${name}: argument ${i + 1} (${p.kind}) is ${label}`, call: () => invoke(...args), codes, mention })
    }
  })
  return out
}

/** A parameter of `kind` whose valid value is `valid`. */
export const param = (kind: Kind, valid: unknown, extra: Partial<Param> = {}): Param => ({ kind, valid, ...extra })
