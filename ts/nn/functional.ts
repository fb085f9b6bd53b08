/**
 * Layer maths and losses as functions, as `torch.nn.functional`.
 * @module
 */
import { checkOptions, fail } from '../errors'
import { native } from '../native'
import { Tensor, asTensor } from '../tensor'

/** How per-element losses are combined. */
export type Reduction = 'mean' | 'sum' | 'none'

/** Options every loss accepts. */
export interface LossOptions {
  /** `'mean'` (default), `'sum'` or `'none'`. */
  reduction?: Reduction
}

/** `x W^T + b`, with `W` of shape `[out, in]`. */
export function linear(input: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  const b = bias ? asTensor('linear', bias)._n : null
  return new Tensor(native.linear(asTensor('linear', input)._n, asTensor('linear', weight)._n, b))
}

// Convolution and pooling live in their own file.
export {
  conv1d,
  conv2d,
  maxPool2d,
  avgPool2d,
  adaptiveAvgPool2d,
  type Size1,
  type Size2,
  type OutputSize2,
  type Conv1dOptions,
  type Conv2dOptions,
  type MaxPool2dOptions,
  type AvgPool2dOptions,
} from './functional-conv'

// The activations are the same functions as `fg.relu` and friends.
export { relu, sigmoid, tanh, softmax, logSoftmax, gelu, silu, softplus, leakyRelu } from '../functions'

/** @internal validates loss options and returns the reduction. */
export function reductionOf(op: string, options: LossOptions | undefined, allowed: readonly string[]): Reduction {
  checkOptions(op, options, allowed)
  const r = options?.reduction ?? 'mean'
  if (r !== 'mean' && r !== 'sum' && r !== 'none') fail('ERR_ARG', `${op}: reduction must be 'mean', 'sum' or 'none', got '${String(r)}'`)
  return r
}

/** Mean squared error; `input` and `target` must have the same shape. */
export function mseLoss(input: Tensor, target: Tensor, options?: LossOptions): Tensor {
  const r = reductionOf('mseLoss', options, ['reduction'])
  return new Tensor(native.mseLoss(asTensor('mseLoss', input)._n, asTensor('mseLoss', target)._n, r))
}

/**
 * Cross-entropy of raw logits `[N, C]` against int64 class indices `[N]`
 * (log-softmax and negative log-likelihood fused).
 */
export function crossEntropy(input: Tensor, target: Tensor, options?: LossOptions): Tensor {
  const r = reductionOf('crossEntropy', options, ['reduction'])
  return new Tensor(native.crossEntropy(asTensor('crossEntropy', input)._n, asTensor('crossEntropy', target)._n, r))
}
