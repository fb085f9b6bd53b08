import { checkOptions, fail, integerArg } from '../errors'
import { Tensor, describe } from '../tensor'
import {
  adaptiveAvgPool2d,
  avgPool2d,
  maxPool2d,
  pair,
  type AvgPool2dOptions,
  type MaxPool2dOptions,
  type OutputSize2,
  type Size2,
} from './functional-conv'
import { Module } from './module'

/** Python's spelling of a size as given: `2`, `(2, 3)`, `(None, 7)`. */
function py(v: Size2 | OutputSize2): string {
  return typeof v === 'number' ? String(v) : `(${v.map((x) => (x === null ? 'None' : x)).join(', ')})`
}

/**
 * Max pooling over `[H, W]` planes, as `torch.nn.MaxPool2d`: the maximum of each
 * `kernelSize` window, every `stride` (default: the kernel size), the input
 * padded with `-inf` by `padding` (at most half the kernel).
 */
export class MaxPool2d extends Module {
  /** Window size. */
  readonly kernelSize: Size2
  /** Step between windows. */
  readonly stride: Size2
  /** Padding on both sides of each axis. */
  readonly padding: Size2

  /** @param kernelSize `k` or `[kH, kW]`. @param options `{ stride, padding }`. */
  constructor(kernelSize: Size2, options: MaxPool2dOptions = {}) {
    super()
    checkOptions('MaxPool2d', options, ['stride', 'padding'])
    checkSizes('MaxPool2d', kernelSize, options)
    this.kernelSize = kernelSize
    this.stride = options.stride ?? kernelSize
    this.padding = options.padding ?? 0
  }

  /** Pools `input` `[N, C, H, W]` (or `[C, H, W]`). */
  forward(input: Tensor): Tensor {
    return maxPool2d(input, this.kernelSize, { stride: this.stride, padding: this.padding })
  }

  /** @internal */
  extraRepr(): string {
    return `kernel_size=${py(this.kernelSize)}, stride=${py(this.stride)}, padding=${py(this.padding)}, dilation=1, ceil_mode=False`
  }
}

/**
 * Average pooling over `[H, W]` planes, as `torch.nn.AvgPool2d`: the mean of each
 * `kernelSize` window, every `stride` (default: the kernel size), zero-padded by
 * `padding`; with `countIncludePad` (the default) padding counts in the divisor.
 */
export class AvgPool2d extends Module {
  /** Window size. */
  readonly kernelSize: Size2
  /** Step between windows. */
  readonly stride: Size2
  /** Padding on both sides of each axis. */
  readonly padding: Size2
  /** Whether padded zeros count in each window's divisor. */
  readonly countIncludePad: boolean

  /** @param kernelSize `k` or `[kH, kW]`. @param options `{ stride, padding, countIncludePad }`. */
  constructor(kernelSize: Size2, options: AvgPool2dOptions = {}) {
    super()
    checkOptions('AvgPool2d', options, ['stride', 'padding', 'countIncludePad'])
    checkSizes('AvgPool2d', kernelSize, options)
    this.kernelSize = kernelSize
    this.stride = options.stride ?? kernelSize
    this.padding = options.padding ?? 0
    this.countIncludePad = options.countIncludePad ?? true
  }

  /** Pools `input` `[N, C, H, W]` (or `[C, H, W]`). */
  forward(input: Tensor): Tensor {
    const { stride, padding, countIncludePad } = this
    return avgPool2d(input, this.kernelSize, { stride, padding, countIncludePad })
  }

  /** @internal */
  extraRepr(): string {
    return `kernel_size=${py(this.kernelSize)}, stride=${py(this.stride)}, padding=${py(this.padding)}`
  }
}

/**
 * Adaptive average pooling, as `torch.nn.AdaptiveAvgPool2d`: cuts every `[H, W]`
 * plane into `outputSize` cells and averages each (PyTorch's window bounds, so
 * any input size gives the same output size).
 */
export class AdaptiveAvgPool2d extends Module {
  /** Output plane size; `null` keeps that axis' input size. */
  readonly outputSize: OutputSize2

  /** @param outputSize `s` or `[oH, oW]` (`null` keeps an axis). */
  constructor(outputSize: OutputSize2) {
    super()
    const sizes = typeof outputSize === 'number' ? [outputSize] : outputSize
    if (!Array.isArray(sizes) || sizes.length > 2) fail('ERR_ARG', 'AdaptiveAvgPool2d', `outputSize must be a number or a pair, got ${describe(outputSize)}`)
    for (const s of sizes) if (s !== null) integerArg('AdaptiveAvgPool2d', 'outputSize', s, 0)
    this.outputSize = outputSize
  }

  /** Pools `input` `[N, C, H, W]` (or `[C, H, W]`). */
  forward(input: Tensor): Tensor {
    return adaptiveAvgPool2d(input, this.outputSize)
  }

  /** @internal */
  extraRepr(): string {
    return `output_size=${py(this.outputSize)}`
  }
}

/** Checks a pooling's sizes when the layer is made, not at its first forward. */
function checkSizes(op: string, kernelSize: Size2, options: { stride?: Size2; padding?: Size2 }): void {
  for (const k of pair(op, 'kernelSize', kernelSize)) integerArg(op, 'kernelSize', k, 1)
  if (options.stride !== undefined) for (const s of pair(op, 'stride', options.stride)) integerArg(op, 'stride', s, 1)
  if (options.padding !== undefined) for (const p of pair(op, 'padding', options.padding)) integerArg(op, 'padding', p, 0)
}
