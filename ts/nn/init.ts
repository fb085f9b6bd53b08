/**
 * Weight initialisation, as `torch.nn.init`: each function fills its tensor in
 * place from the seeded generator (`fg.manualSeed`), outside the autograd graph
 * (as PyTorch's run under `no_grad`), and returns it.
 *
 * ```ts
 * const layer = new fg.nn.Linear(784, 128)
 * fg.nn.init.kaimingNormal_(layer.weight, { nonlinearity: 'relu' })
 * fg.nn.init.zeros_(layer.bias!)
 * ```
 * @module
 */
import { checkOptions, fail, renamed } from '../errors'
import { native } from '../native'
import { Tensor, asTensor } from '../tensor'

/** The nonlinearities {@link calculateGain} knows, as PyTorch names them. */
export type Nonlinearity =
  | 'linear'
  | 'conv1d'
  | 'conv2d'
  | 'conv3d'
  | 'conv_transpose1d'
  | 'conv_transpose2d'
  | 'conv_transpose3d'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'leaky_relu'
  | 'selu'

/** Options of {@link calculateGain}. */
export interface GainOptions {
  /** leaky_relu's negative slope (default 0.01). */
  param?: number
}

/**
 * The recommended gain for a nonlinearity: 1 for linear, convolutions and
 * sigmoid, 5/3 for tanh, √2 for relu, √(2 / (1 + slope²)) for leaky_relu, 3/4 for selu.
 */
export function calculateGain(nonlinearity: Nonlinearity, options: GainOptions = {}): number {
  checkOptions('calculateGain', options, ['param'])
  return native.calculateGain(String(nonlinearity), options.param)
}

/** Options of {@link uniform_}. */
export interface UniformOptions {
  /** Lower bound (default 0). */
  a?: number
  /** Upper bound (default 1). */
  b?: number
}

/** Checks `options` against `keys`, fills the tensor with `fill` and returns it. */
function filled<O extends object>(op: string, tensor: Tensor, options: O, keys: string[], fill: (t: Tensor, o: O) => void): Tensor {
  checkOptions(op, options, keys)
  const t = asTensor(op, tensor)
  renamed(op, NATIVE_NAMES, () => fill(t, options))
  return t
}

/** What the binding and the core call the initialisers in their messages. */
const NATIVE_NAMES = ['init', 'initUniform', 'initNormal', 'initConstant', 'initXavier', 'initKaiming']

/** Fills `tensor` with samples of U(a, b). */
export function uniform_(tensor: Tensor, options: UniformOptions = {}): Tensor {
  return filled('uniform_', tensor, options, ['a', 'b'], (t, o) => native.initUniform(t._n, o.a ?? 0, o.b ?? 1))
}

/** Options of {@link normal_}. */
export interface NormalOptions {
  /** Mean (default 0). */
  mean?: number
  /** Standard deviation (default 1). */
  std?: number
}

/** Fills `tensor` with samples of N(mean, std²). */
export function normal_(tensor: Tensor, options: NormalOptions = {}): Tensor {
  return filled('normal_', tensor, options, ['mean', 'std'], (t, o) => native.initNormal(t._n, o.mean ?? 0, o.std ?? 1))
}

/** Fills `tensor` with `value`. */
export function constant_(tensor: Tensor, value: number): Tensor {
  return constantAs('constant_', tensor, value)
}

function constantAs(op: string, tensor: Tensor, value: number): Tensor {
  const t = asTensor(op, tensor)
  if (typeof value !== 'number') fail('ERR_ARG', op, `value must be a number, got ${String(value)}`)
  renamed(op, NATIVE_NAMES, () => native.initConstant(t._n, value))
  return t
}

/** Fills `tensor` with ones. */
export function ones_(tensor: Tensor): Tensor {
  return constantAs('ones_', tensor, 1)
}

/** Fills `tensor` with zeros. */
export function zeros_(tensor: Tensor): Tensor {
  return constantAs('zeros_', tensor, 0)
}

/** Options of the Xavier initialisers. */
export interface XavierOptions {
  /** Scale (default 1; see {@link calculateGain}). */
  gain?: number
}

function xavier(op: string, tensor: Tensor, options: XavierOptions, normal: boolean): Tensor {
  return filled(op, tensor, options, ['gain'], (t, o) => native.initXavier(t._n, o.gain ?? 1, normal))
}

/** Xavier (Glorot) uniform: U(-a, a) with a = gain · √(6 / (fanIn + fanOut)). */
export function xavierUniform_(tensor: Tensor, options: XavierOptions = {}): Tensor {
  return xavier('xavierUniform_', tensor, options, false)
}

/** Xavier (Glorot) normal: N(0, std²) with std = gain · √(2 / (fanIn + fanOut)). */
export function xavierNormal_(tensor: Tensor, options: XavierOptions = {}): Tensor {
  return xavier('xavierNormal_', tensor, options, true)
}

/** Options of the Kaiming initialisers (PyTorch's defaults: a 0, 'fan_in', 'leaky_relu'). */
export interface KaimingOptions {
  /** The negative slope of the leaky_relu that follows (default 0). */
  a?: number
  /** `'fan_in'` keeps the forward pass's variance, `'fan_out'` the backward's. */
  mode?: 'fan_in' | 'fan_out'
  /** The nonlinearity that follows (default `'leaky_relu'`; use `'relu'` with ReLU). */
  nonlinearity?: Nonlinearity
}

function kaiming(op: string, tensor: Tensor, options: KaimingOptions, normal: boolean): Tensor {
  return filled(op, tensor, options, ['a', 'mode', 'nonlinearity'], (t, o) =>
    native.initKaiming(t._n, o.a ?? 0, o.mode ?? 'fan_in', o.nonlinearity ?? 'leaky_relu', normal),
  )
}

/** Kaiming (He) uniform: U(-b, b) with b = gain · √(3 / fan). */
export function kaimingUniform_(tensor: Tensor, options: KaimingOptions = {}): Tensor {
  return kaiming('kaimingUniform_', tensor, options, false)
}

/** Kaiming (He) normal: N(0, std²) with std = gain / √fan. */
export function kaimingNormal_(tensor: Tensor, options: KaimingOptions = {}): Tensor {
  return kaiming('kaimingNormal_', tensor, options, true)
}
