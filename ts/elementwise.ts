/**
 * Elementwise functions, each declared once, on one line: as a function
 * (`fg.gelu(x)`, `fg.add(a, b)`, also in `nn.functional`) and, from the same
 * declaration, as a Tensor method (`x.gelu()`, `a.add(b)`). Adding one is its
 * line here, its method's line in the `Tensor` interface below, and its entry in
 * `METHODS`.
 * @module
 */
import { tensor } from './creation'
import { fail } from './errors'
import { native, type NativeTensor } from './native'
import { Tensor, asTensor, describe, scalarLike, type Comparison, type ScalarOp, type TensorLike } from './tensor'

/** The function `op` of one tensor (and further arguments) that native entry `f` computes. */
function unary<A extends unknown[]>(op: string, f: (x: NativeTensor, ...args: A) => NativeTensor): (x: Tensor, ...args: A) => Tensor {
  return (x, ...args) => new Tensor(f(asTensor(op, x)._n, ...args))
}

/** Native entries of the arithmetic on two tensors, by name. */
const WITH_TENSOR = {
  add: native.tensorAdd,
  sub: native.tensorSub,
  mul: native.tensorMul,
  div: native.tensorDiv,
  pow: native.tensorPow,
  maximum: native.tensorMaximum,
  minimum: native.tensorMinimum,
} satisfies Record<ScalarOp, unknown>

/** Native entries of the arithmetic on a tensor and a number (on either side), by name. */
const WITH_NUMBER = {
  add: native.tensorAddScalar,
  sub: native.tensorSubScalar,
  mul: native.tensorMulScalar,
  div: native.tensorDivScalar,
  pow: native.tensorPowScalar,
  maximum: native.tensorMaximumScalar,
  minimum: native.tensorMinimumScalar,
} satisfies Record<ScalarOp, unknown>

/** `a op b`, broadcasting; a plain number may stand on either side. */
function arithmetic(op: ScalarOp): (a: TensorLike, b: TensorLike) => Tensor {
  const f = (a: TensorLike, b: TensorLike): Tensor => {
    if (a instanceof Tensor) {
      return new Tensor(typeof b === 'number' ? WITH_NUMBER[op](a._n, b, false) : WITH_TENSOR[op](a._n, asTensor(op, b)._n))
    }
    if (typeof a === 'number') {
      if (b instanceof Tensor) return new Tensor(WITH_NUMBER[op](b._n, a, true))
      if (typeof b === 'number') return f(tensor(a), b)
    }
    return fail('ERR_ARG', op, `expected tensors or numbers, got ${describe(a)} and ${describe(b)}`)
  }
  return f
}

/** Native entries of the comparisons, by name. */
const COMPARISONS = {
  eq: native.tensorEq,
  ne: native.tensorNe,
  lt: native.tensorLt,
  le: native.tensorLe,
  gt: native.tensorGt,
  ge: native.tensorGe,
} satisfies Record<Comparison, unknown>

/** Elementwise `a op b` as a bool tensor; `b` may be a number. */
function comparison(op: Comparison): (a: Tensor, b: TensorLike) => Tensor {
  return (a, b) => {
    const x = asTensor(op, a)
    return new Tensor(COMPARISONS[op](x._n, typeof b === 'number' ? scalarLike(x.dtype, b) : asTensor(op, b)._n))
  }
}

/** `a + b`, broadcasting. */
export const add = arithmetic('add')
/** `a - b`, broadcasting. */
export const sub = arithmetic('sub')
/** `a * b`, broadcasting. */
export const mul = arithmetic('mul')
/** `a / b`, broadcasting. */
export const div = arithmetic('div')
/** `a ^ b`, broadcasting (a number on either side). */
export const pow = arithmetic('pow')
/** Elementwise larger of `a` and `b` (gradient split on ties), broadcasting. */
export const maximum = arithmetic('maximum')
/** Elementwise smaller of `a` and `b`, broadcasting. */
export const minimum = arithmetic('minimum')
/** Elementwise `a == b` as a bool tensor. */
export const eq = comparison('eq')
/** Elementwise `a != b` as a bool tensor. */
export const ne = comparison('ne')
/** Elementwise `a < b` as a bool tensor. */
export const lt = comparison('lt')
/** Elementwise `a <= b` as a bool tensor. */
export const le = comparison('le')
/** Elementwise `a > b` as a bool tensor. */
export const gt = comparison('gt')
/** Elementwise `a >= b` as a bool tensor. */
export const ge = comparison('ge')
/** `-x`. */
export const neg = unary('neg', native.tensorNeg)
/** `e^x`. */
export const exp = unary('exp', native.tensorExp)
/** Natural logarithm. */
export const log = unary('log', native.tensorLog)
/** Square root. */
export const sqrt = unary('sqrt', native.tensorSqrt)
/** Absolute value. */
export const abs = unary('abs', native.tensorAbs)
/** Limits every element to `[min, max]` (either bound may be omitted or null). */
export const clamp = unary('clamp', (x, min?: number | null, max?: number | null) => native.tensorClamp(x, min ?? undefined, max ?? undefined))
/** `max(x, 0)`. */
export const relu = unary('relu', native.tensorRelu)
/** Logistic sigmoid `1 / (1 + e^-x)`. */
export const sigmoid = unary('sigmoid', native.tensorSigmoid)
/** Hyperbolic tangent. */
export const tanh = unary('tanh', native.tensorTanh)
/** GELU, `x * Φ(x)` with the exact normal CDF. */
export const gelu = unary('gelu', native.tensorGelu)
/** SiLU (swish), `x * sigmoid(x)`. */
export const silu = unary('silu', native.tensorSilu)
/** Softplus, `ln(1 + e^x)` (linear above 20). */
export const softplus = unary('softplus', native.tensorSoftplus)
/** Leaky ReLU: `x` for x > 0, `negativeSlope * x` otherwise (default slope 0.01). */
export const leakyRelu = unary('leakyRelu', (x, negativeSlope: number = 0.01) => native.tensorLeakyRelu(x, negativeSlope))
/**
 * HardTanh: `x` limited to `[minVal, maxVal]` (default -1 and 1, PyTorch's
 * `F.hardtanh`); the gradient flows only strictly inside the bounds.
 */
export const hardtanh = unary('hardtanh', (x, minVal: number = -1, maxVal: number = 1) => native.tensorHardtanh(x, minVal, maxVal))

declare module './tensor' {
  interface Tensor {
    /** `this + other`, broadcasting. */
    add(other: TensorLike): Tensor
    /** `this - other`, broadcasting. */
    sub(other: TensorLike): Tensor
    /** `this * other`, broadcasting. */
    mul(other: TensorLike): Tensor
    /** `this / other`, broadcasting. */
    div(other: TensorLike): Tensor
    /** `this ^ exponent`, broadcasting. */
    pow(exponent: TensorLike): Tensor
    /** Elementwise larger of `this` and `other` (gradient split on ties). */
    maximum(other: TensorLike): Tensor
    /** Elementwise smaller of `this` and `other`. */
    minimum(other: TensorLike): Tensor
    /** Elementwise `this == other` as a bool tensor. */
    eq(other: TensorLike): Tensor
    /** Elementwise `this != other` as a bool tensor. */
    ne(other: TensorLike): Tensor
    /** Elementwise `this < other` as a bool tensor. */
    lt(other: TensorLike): Tensor
    /** Elementwise `this <= other` as a bool tensor. */
    le(other: TensorLike): Tensor
    /** Elementwise `this > other` as a bool tensor. */
    gt(other: TensorLike): Tensor
    /** Elementwise `this >= other` as a bool tensor. */
    ge(other: TensorLike): Tensor
    /** `-this`. */
    neg(): Tensor
    /** `e^this`. */
    exp(): Tensor
    /** Natural logarithm. */
    log(): Tensor
    /** Square root. */
    sqrt(): Tensor
    /** Absolute value. */
    abs(): Tensor
    /** Limits every element to `[min, max]` (either bound may be omitted or null). */
    clamp(min?: number | null, max?: number | null): Tensor
    /** `max(this, 0)`. */
    relu(): Tensor
    /** Logistic sigmoid `1 / (1 + e^-x)`. */
    sigmoid(): Tensor
    /** Hyperbolic tangent. */
    tanh(): Tensor
    /** GELU, `x * Φ(x)` with the exact normal CDF. */
    gelu(): Tensor
    /** SiLU (swish), `x * sigmoid(x)`. */
    silu(): Tensor
    /** Softplus, `ln(1 + e^x)` (linear above 20). */
    softplus(): Tensor
    /** Leaky ReLU: `x` for x > 0, `negativeSlope * x` otherwise. */
    leakyRelu(negativeSlope?: number): Tensor
    /** HardTanh: `this` limited to `[minVal, maxVal]` (default -1 and 1). */
    hardtanh(minVal?: number, maxVal?: number): Tensor
  }
}

/** The functions above that are also Tensor methods, `x.f(...args)` being `f(x, ...args)`. */
const METHODS = {
  ...{ add, sub, mul, div, pow, maximum, minimum, eq, ne, lt, le, gt, ge },
  ...{ neg, exp, log, sqrt, abs, clamp, relu, sigmoid, tanh, gelu, silu, softplus, leakyRelu, hardtanh },
}

/** `f(x, ...args)` seen as the method `x.f(...args)`. */
type AsMethod<F> = F extends (x: Tensor, ...args: infer A) => Tensor ? (...args: A) => Tensor : never
/** The methods `METHODS` makes, as their functions' types say. */
type Made = { [K in keyof typeof METHODS]: AsMethod<(typeof METHODS)[K]> }
/** Compiles only while every entry of `METHODS` is declared above with its function's signature. */
type MethodsMatch = Pick<Tensor, keyof typeof METHODS> extends Made ? (Made extends Pick<Tensor, keyof typeof METHODS> ? true : never) : never
const methodsMatch: MethodsMatch = true
void methodsMatch

for (const [name, f] of Object.entries(METHODS) as [string, (x: Tensor, ...args: unknown[]) => Tensor][]) {
  Object.defineProperty(Tensor.prototype, name, {
    value: function (this: Tensor, ...args: unknown[]): Tensor {
      return f(this, ...args)
    },
    writable: true,
    configurable: true,
  })
}
