/**
 * Convolution and pooling as functions, as `torch.nn.functional`; re-exported by
 * `nn.functional`.
 * @module
 */
import { checkOptions, fail, renamed } from '../errors'
import { type NativeTensor, native } from '../native'
import { Tensor, asTensor, describe } from '../tensor'

/** A size for both spatial axes: one number for both, or `[rows, columns]`. */
export type Size2 = number | readonly [number, number]

/** A size of a 1-D convolution: a number, or a one-element tuple as PyTorch allows. */
export type Size1 = number | readonly [number]

/** Options of {@link conv2d} (and of `nn.Conv2d`, which adds `bias`). */
export interface Conv2dOptions {
  /** Step between receptive fields (default 1). */
  stride?: Size2
  /** Zeros added on both sides of each axis (default 0). */
  padding?: Size2
  /** Spacing between kernel taps (default 1). */
  dilation?: Size2
  /** Channel groups convolved independently (default 1); divides both channel counts. */
  groups?: number
}

/** Options of {@link conv1d} (and of `nn.Conv1d`, which adds `bias`). */
export interface Conv1dOptions {
  /** Step between receptive fields (default 1). */
  stride?: Size1
  /** Zeros added at both ends (default 0). */
  padding?: Size1
  /** Spacing between kernel taps (default 1). */
  dilation?: Size1
  /** Channel groups convolved independently (default 1); divides both channel counts. */
  groups?: number
}

/** Options of {@link maxPool2d}. */
export interface MaxPool2dOptions {
  /** Step between windows (default: the kernel size). */
  stride?: Size2
  /** `-inf` added on both sides of each axis, at most half the kernel (default 0). */
  padding?: Size2
}

/** Options of {@link avgPool2d}. */
export interface AvgPool2dOptions {
  /** Step between windows (default: the kernel size). */
  stride?: Size2
  /** Zeros added on both sides of each axis, at most half the kernel (default 0). */
  padding?: Size2
  /** Divide by the whole window, padding included (default true, as PyTorch). */
  countIncludePad?: boolean
}

/** An adaptive pooling's output size: one number for both axes, or a pair in which
 * `null` keeps that axis' input size. */
export type OutputSize2 = number | readonly [number | null, number | null]

/** @internal `[rows, columns]` from a number or a pair; the binding checks the numbers. */
export function pair(op: string, name: string, v: Size2): [number, number] {
  if (typeof v === 'number') return [v, v]
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number')) return [v[0], v[1]]
  fail('ERR_ARG', op, `${name} must be a number or a pair of numbers, got ${describe(v)}`)
}

/** @internal the number of a 1-D size given as a number or a one-element tuple. */
export function single(op: string, name: string, v: Size1): number {
  if (typeof v === 'number') return v
  if (Array.isArray(v) && v.length === 1 && typeof v[0] === 'number') return v[0]
  fail('ERR_ARG', op, `${name} must be a number or a one-element array, got ${describe(v)}`)
}

/** `groups` as given, or 1. */
function groupsOf(op: string, groups: unknown): number {
  if (groups === undefined) return 1
  if (typeof groups !== 'number') fail('ERR_ARG', op, `groups must be a number, got ${describe(groups)}`)
  return groups
}

/** The stride, padding and dilation of a convolution, each read by the caller's `size`. */
type ConvSizes<S> = { stride?: S; padding?: S; dilation?: S; groups?: number }

/**
 * The body of {@link conv1d} and {@link conv2d}: checks the options, reads each size
 * with `size` (a number or a tuple, as the binding takes) and calls the binding's `run`.
 */
function convolution<S, V>(
  op: string,
  size: (op: string, name: string, v: NoInfer<S> | number) => V,
  run: (
    input: NativeTensor,
    weight: NativeTensor,
    bias: NativeTensor | null,
    stride: V,
    padding: V,
    dilation: V,
    groups: number,
  ) => NativeTensor,
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null | undefined,
  options: ConvSizes<S>,
): Tensor {
  checkOptions(op, options, ['stride', 'padding', 'dilation', 'groups'])
  const b = bias ? asTensor(op, bias)._n : null
  return new Tensor(
    run(
      asTensor(op, input)._n,
      asTensor(op, weight)._n,
      b,
      size(op, 'stride', options.stride ?? 1),
      size(op, 'padding', options.padding ?? 0),
      size(op, 'dilation', options.dilation ?? 1),
      groupsOf(op, options.groups),
    ),
  )
}

/**
 * 2-D convolution (cross-correlation, as PyTorch) of `input` `[N, C, H, W]` (or
 * unbatched `[C, H, W]`) with `weight` `[O, C / groups, kH, kW]`, plus `bias` `[O]`.
 * Output `[N, O, oH, oW]` with `oH = floor((H + 2 padding - dilation (kH - 1) - 1) / stride) + 1`.
 */
export function conv2d(input: Tensor, weight: Tensor, bias?: Tensor | null, options: Conv2dOptions = {}): Tensor {
  return convolution('conv2d', pair, native.conv2d, input, weight, bias, options)
}

/**
 * 1-D convolution of `input` `[N, C, L]` (or unbatched `[C, L]`) with `weight`
 * `[O, C / groups, kL]`, plus `bias` `[O]`. Output `[N, O, oL]`, `oL` as in
 * {@link conv2d}.
 */
export function conv1d(input: Tensor, weight: Tensor, bias?: Tensor | null, options: Conv1dOptions = {}): Tensor {
  return convolution('conv1d', single, native.conv1d, input, weight, bias, options)
}

/**
 * Maximum over `kernelSize` windows of every `[H, W]` plane of an `[N, C, H, W]`
 * (or `[C, H, W]`) input, every `stride` (default: the kernel size), the input
 * padded with `-inf`. The gradient goes to each window's maximum (the first one
 * on ties, as PyTorch).
 */
export function maxPool2d(input: Tensor, kernelSize: Size2, options: MaxPool2dOptions = {}): Tensor {
  const op = 'maxPool2d'
  checkOptions(op, options, ['stride', 'padding'])
  const k = pair(op, 'kernel_size', kernelSize)
  const s = pair(op, 'stride', options.stride ?? k)
  return new Tensor(native.maxPool2d(asTensor(op, input)._n, k, s, pair(op, 'padding', options.padding ?? 0)))
}

/**
 * Mean over `kernelSize` windows of every `[H, W]` plane of an `[N, C, H, W]` (or
 * `[C, H, W]`) input, every `stride` (default: the kernel size), zero-padded. With
 * `countIncludePad` (the default) each window is divided by its full size.
 */
export function avgPool2d(input: Tensor, kernelSize: Size2, options: AvgPool2dOptions = {}): Tensor {
  const op = 'avgPool2d'
  checkOptions(op, options, ['stride', 'padding', 'countIncludePad'])
  const k = pair(op, 'kernel_size', kernelSize)
  const s = pair(op, 'stride', options.stride ?? k)
  const include = options.countIncludePad ?? true
  if (typeof include !== 'boolean') fail('ERR_ARG', op, `countIncludePad must be a boolean, got ${describe(include)}`)
  return new Tensor(native.avgPool2d(asTensor(op, input)._n, k, s, pair(op, 'padding', options.padding ?? 0), include))
}

/**
 * Mean over the windows that cut every `[H, W]` plane of an `[N, C, H, W]` (or
 * `[C, H, W]`) input into `outputSize` cells: cell `i` of `oH` covers rows
 * `floor(i H / oH)` to `ceil((i + 1) H / oH)`, as PyTorch (windows overlap when
 * `oH` does not divide `H`). `null` in a pair keeps that axis' size.
 */
export function adaptiveAvgPool2d(input: Tensor, outputSize: OutputSize2): Tensor {
  const op = 'adaptiveAvgPool2d'
  const x = asTensor(op, input)
  const given: readonly (number | null)[] = typeof outputSize === 'number' ? [outputSize, outputSize] : outputSize
  if (!Array.isArray(given) || given.length !== 2 || !given.every((v) => v === null || typeof v === 'number')) {
    fail('ERR_ARG', op, `output_size must be a number or a pair of numbers (or null), got ${describe(outputSize)}`)
  }
  const plane = renamed(op, 'shape', () => x.shape).slice(-2)
  const size = given.map((v, i) => v ?? plane[i] ?? 0)
  return new Tensor(native.adaptiveAvgPool2d(x._n, size))
}
