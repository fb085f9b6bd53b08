import { checkOptions, fail } from '../errors'
import { Tensor } from '../tensor'
import { defaultParameters } from './default-init'
import { conv1d, conv2d, pair, single, type Conv1dOptions, type Conv2dOptions, type Size1, type Size2 } from './functional-conv'
import { Module } from './module'
import { Parameter } from './parameter'

/** Options of {@link Conv2d}: those of `functional.conv2d` and `bias`. */
export interface Conv2dLayerOptions extends Conv2dOptions {
  /** Learn an additive bias per output channel (default true). */
  bias?: boolean
}

/** Options of {@link Conv1d}: those of `functional.conv1d` and `bias`. */
export interface Conv1dLayerOptions extends Conv1dOptions {
  /** Learn an additive bias per output channel (default true). */
  bias?: boolean
}

const OPTION_NAMES = ['stride', 'padding', 'dilation', 'groups', 'bias']

/** Python's spelling of a tuple: `(5, 5)`, `(5,)`. */
function tuple(v: readonly number[]): string {
  return v.length === 1 ? `(${v[0]},)` : `(${v.join(', ')})`
}

/** What the two convolution layers share: validation, parameters, `extraRepr`. */
abstract class ConvNd extends Module {
  /** Channels of the input. */
  readonly inChannels: number
  /** Channels of the output (one filter each). */
  readonly outChannels: number
  /** Kernel size per spatial axis. */
  readonly kernelSize: number[]
  /** Step between receptive fields per axis. */
  readonly stride: number[]
  /** Zeros added on both sides per axis. */
  readonly padding: number[]
  /** Spacing between kernel taps per axis. */
  readonly dilation: number[]
  /** Channel groups convolved independently. */
  readonly groups: number
  /** `[outChannels, inChannels / groups, ...kernelSize]`. */
  weight: Parameter
  /** `[outChannels]`, or null without bias. */
  bias: Parameter | null

  protected constructor(
    name: string,
    inChannels: number,
    outChannels: number,
    sizes: { kernelSize: number[]; stride: number[]; padding: number[]; dilation: number[] },
    groups: number | undefined,
    bias: boolean | undefined,
  ) {
    super()
    const g = groups ?? 1
    for (const [what, v] of [['inChannels', inChannels], ['outChannels', outChannels]] as const) {
      if (!Number.isInteger(v) || v <= 0) fail('ERR_ARG', name, `${what} must be a positive integer, got ${v}`)
    }
    if (!Number.isInteger(g) || g <= 0) fail('ERR_ARG', name, `groups must be a positive integer, got ${g}`)
    if (inChannels % g !== 0) fail('ERR_ARG', name, `inChannels (${inChannels}) must be divisible by groups (${g})`)
    if (outChannels % g !== 0) fail('ERR_ARG', name, `outChannels (${outChannels}) must be divisible by groups (${g})`)
    const check = (what: string, v: number[], min: number) => {
      if (!v.every((x) => Number.isInteger(x) && x >= min)) {
        fail('ERR_ARG', name, `${what} must be ${min ? 'positive' : 'non-negative'} integers, got ${tuple(v)}`)
      }
    }
    check('kernel_size', sizes.kernelSize, 1)
    check('stride', sizes.stride, 1)
    check('padding', sizes.padding, 0)
    check('dilation', sizes.dilation, 1)
    if (bias !== undefined && typeof bias !== 'boolean') fail('ERR_ARG', name, `bias must be a boolean, got ${String(bias)}`)
    this.inChannels = inChannels
    this.outChannels = outChannels
    this.kernelSize = sizes.kernelSize
    this.stride = sizes.stride
    this.padding = sizes.padding
    this.dilation = sizes.dilation
    this.groups = g
    const [weight, b] = defaultParameters(name, [outChannels, inChannels / g, ...sizes.kernelSize], bias ?? true)
    this.weight = weight
    this.bias = b
  }

  /** @internal PyTorch's `_ConvNd.extra_repr`: only what differs from the defaults. */
  extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${tuple(this.kernelSize)}, stride=${tuple(this.stride)}`
    if (this.padding.some((v) => v !== 0)) s += `, padding=${tuple(this.padding)}`
    if (this.dilation.some((v) => v !== 1)) s += `, dilation=${tuple(this.dilation)}`
    if (this.groups !== 1) s += `, groups=${this.groups}`
    if (!this.bias) s += ', bias=False'
    return s
  }
}

/**
 * 2-D convolution layer, as `torch.nn.Conv2d`: `weight` is
 * `[outChannels, inChannels / groups, kH, kW]`, `bias` `[outChannels]`, both
 * initialised as PyTorch does (uniform in ±1/sqrt(inChannels / groups * kH * kW)).
 *
 * ```ts
 * const conv = new fg.nn.Conv2d(1, 6, 5, { padding: 2 }) // [N, 1, 28, 28] -> [N, 6, 28, 28]
 * ```
 */
export class Conv2d extends ConvNd {
  /**
   * @param inChannels channels of the input.
   * @param outChannels channels of the output.
   * @param kernelSize `k` or `[kH, kW]`.
   * @param options `{ stride, padding, dilation, groups, bias }`.
   */
  constructor(inChannels: number, outChannels: number, kernelSize: Size2, options: Conv2dLayerOptions = {}) {
    const op = 'Conv2d'
    checkOptions(op, options, OPTION_NAMES)
    const sizes = {
      kernelSize: pair(op, 'kernel_size', kernelSize),
      stride: pair(op, 'stride', options.stride ?? 1),
      padding: pair(op, 'padding', options.padding ?? 0),
      dilation: pair(op, 'dilation', options.dilation ?? 1),
    }
    super(op, inChannels, outChannels, sizes, options.groups, options.bias)
  }

  /** The convolution of `input` `[N, inChannels, H, W]` (or `[inChannels, H, W]`). */
  forward(input: Tensor): Tensor {
    const [stride, padding, dilation] = [this.stride, this.padding, this.dilation] as [number, number][]
    return conv2d(input, this.weight, this.bias, { stride, padding, dilation, groups: this.groups })
  }
}

/**
 * 1-D convolution layer, as `torch.nn.Conv1d`: `weight` is
 * `[outChannels, inChannels / groups, kL]`, `bias` `[outChannels]`, initialised as
 * PyTorch does.
 */
export class Conv1d extends ConvNd {
  /**
   * @param inChannels channels of the input.
   * @param outChannels channels of the output.
   * @param kernelSize `k` (or `[k]`).
   * @param options `{ stride, padding, dilation, groups, bias }`.
   */
  constructor(inChannels: number, outChannels: number, kernelSize: Size1, options: Conv1dLayerOptions = {}) {
    const op = 'Conv1d'
    checkOptions(op, options, OPTION_NAMES)
    const sizes = {
      kernelSize: [single(op, 'kernel_size', kernelSize)],
      stride: [single(op, 'stride', options.stride ?? 1)],
      padding: [single(op, 'padding', options.padding ?? 0)],
      dilation: [single(op, 'dilation', options.dilation ?? 1)],
    }
    super(op, inChannels, outChannels, sizes, options.groups, options.bias)
  }

  /** The convolution of `input` `[N, inChannels, L]` (or `[inChannels, L]`). */
  forward(input: Tensor): Tensor {
    const [stride, padding, dilation] = [this.stride[0], this.padding[0], this.dilation[0]]
    return conv1d(input, this.weight, this.bias, { stride, padding, dilation, groups: this.groups })
  }
}
