/**
 * Elementwise functions of one tensor, each declared once: as a function
 * (`fg.gelu(x)`, and in `nn.functional`) and, from the same declaration, as a
 * Tensor method (`x.gelu()`). Adding one is a function here, its method's line in
 * the `Tensor` interface below, and its entry in `METHODS`.
 * @module
 */
import { native } from './native'
import { Tensor, asTensor } from './tensor'

/** `-x`. */
export function neg(x: Tensor): Tensor {
  return new Tensor(native.tensorNeg(asTensor('neg', x)._n))
}

/** `e^x`. */
export function exp(x: Tensor): Tensor {
  return new Tensor(native.tensorExp(asTensor('exp', x)._n))
}

/** Natural logarithm. */
export function log(x: Tensor): Tensor {
  return new Tensor(native.tensorLog(asTensor('log', x)._n))
}

/** Square root. */
export function sqrt(x: Tensor): Tensor {
  return new Tensor(native.tensorSqrt(asTensor('sqrt', x)._n))
}

/** Absolute value. */
export function abs(x: Tensor): Tensor {
  return new Tensor(native.tensorAbs(asTensor('abs', x)._n))
}

/** Limits every element to `[min, max]` (either bound may be omitted or null). */
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  return new Tensor(native.tensorClamp(asTensor('clamp', x)._n, min ?? undefined, max ?? undefined))
}

/** `max(x, 0)`. */
export function relu(x: Tensor): Tensor {
  return new Tensor(native.tensorRelu(asTensor('relu', x)._n))
}

/** Logistic sigmoid `1 / (1 + e^-x)`. */
export function sigmoid(x: Tensor): Tensor {
  return new Tensor(native.tensorSigmoid(asTensor('sigmoid', x)._n))
}

/** Hyperbolic tangent. */
export function tanh(x: Tensor): Tensor {
  return new Tensor(native.tensorTanh(asTensor('tanh', x)._n))
}

/** GELU, `x * Φ(x)` with the exact normal CDF. */
export function gelu(x: Tensor): Tensor {
  return new Tensor(native.tensorGelu(asTensor('gelu', x)._n))
}

/** SiLU (swish), `x * sigmoid(x)`. */
export function silu(x: Tensor): Tensor {
  return new Tensor(native.tensorSilu(asTensor('silu', x)._n))
}

/** Softplus, `ln(1 + e^x)` (linear above 20). */
export function softplus(x: Tensor): Tensor {
  return new Tensor(native.tensorSoftplus(asTensor('softplus', x)._n))
}

/** Leaky ReLU: `x` for x > 0, `negativeSlope * x` otherwise. */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  return new Tensor(native.tensorLeakyRelu(asTensor('leakyRelu', x)._n, negativeSlope))
}

/**
 * HardTanh: `x` limited to `[minVal, maxVal]` (PyTorch's `F.hardtanh`); the
 * gradient flows only strictly inside the bounds.
 */
export function hardtanh(x: Tensor, minVal = -1, maxVal = 1): Tensor {
  return new Tensor(native.tensorHardtanh(asTensor('hardtanh', x)._n, minVal, maxVal))
}

declare module './tensor' {
  interface Tensor {
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
const METHODS = { neg, exp, log, sqrt, abs, clamp, relu, sigmoid, tanh, gelu, silu, softplus, leakyRelu, hardtanh }

/** `f(x, ...args)` seen as the method `x.f(...args)`. */
type AsMethod<F> = F extends (x: Tensor, ...args: infer A) => Tensor ? (...args: A) => Tensor : never

/** Compiles only while every entry of `METHODS` is declared above, with its function's signature. */
type MethodsMatch = Pick<Tensor, keyof typeof METHODS> extends { [K in keyof typeof METHODS]: AsMethod<(typeof METHODS)[K]> }
  ? { [K in keyof typeof METHODS]: AsMethod<(typeof METHODS)[K]> } extends Pick<Tensor, keyof typeof METHODS>
    ? true
    : never
  : never
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
