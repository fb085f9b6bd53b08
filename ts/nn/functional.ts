/**
 * Layer maths and losses as functions, as `torch.nn.functional`.
 * @module
 */
import { checkOptions, fail, renamed } from '../errors'
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

// The activations are the same functions as `fg.relu` and friends: every
// elementwise function (`relu`, `gelu`, `hardtanh`, ...) and the softmaxes.
export * from '../elementwise'
export { softmax, logSoftmax } from '../functions'

/** @internal validates loss options and returns the reduction. */
export function reductionOf(op: string, options: LossOptions | undefined, allowed: readonly string[]): Reduction {
  checkOptions(op, options, allowed)
  const r = options?.reduction ?? 'mean'
  if (r !== 'mean' && r !== 'sum' && r !== 'none') fail('ERR_ARG', op, `reduction must be 'mean', 'sum' or 'none', got '${String(r)}'`)
  return r
}

/** Mean squared error; `input` and `target` must have the same shape. */
export function mseLoss(input: Tensor, target: Tensor, options?: LossOptions): Tensor {
  const r = reductionOf('mseLoss', options, ['reduction'])
  return new Tensor(native.mseLoss(asTensor('mseLoss', input)._n, asTensor('mseLoss', target)._n, r))
}

/** Options of {@link crossEntropy}. */
export interface CrossEntropyOptions extends LossOptions {
  /** A rescaling weight per class, `[C]`; the mean divides by the summed weights of the targets. */
  weight?: Tensor | null
  /** A class-index target that does not count (default -100). */
  ignoreIndex?: number
  /** In [0, 1]: mixes the target with the uniform distribution over the classes (default 0). */
  labelSmoothing?: number
}

/** The optional tensor of an options field, checked. */
function optionalTensor(op: string, value: Tensor | null | undefined): Tensor | null {
  return value === undefined || value === null ? null : asTensor(op, value)
}

/** A finite number option, or its default. */
function numberOption(op: string, name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || Number.isNaN(value)) fail('ERR_ARG', op, `${name} must be a number, got ${String(value)}`)
  return value
}

/**
 * Cross-entropy of raw logits `[N, C]` (or `[C]`, or `[N, C, d1, ...]`) against
 * int64 class indices `[N]` (the input's shape without dim 1) or against class
 * probabilities of the input's shape: log-softmax and negative log-likelihood
 * fused, with class weights, `ignoreIndex` and label smoothing as PyTorch.
 */
export function crossEntropy(input: Tensor, target: Tensor, options?: CrossEntropyOptions): Tensor {
  const op = 'crossEntropy'
  const r = reductionOf(op, options, ['reduction', 'weight', 'ignoreIndex', 'labelSmoothing'])
  const weight = optionalTensor(op, options?.weight)
  const ignoreIndex = numberOption(op, 'ignoreIndex', options?.ignoreIndex, -100)
  const smoothing = numberOption(op, 'labelSmoothing', options?.labelSmoothing, 0)
  return new Tensor(
    native.crossEntropy(asTensor(op, input)._n, asTensor(op, target)._n, r, weight?._n, ignoreIndex, smoothing),
  )
}

/** Options of {@link nllLoss}. */
export interface NllLossOptions extends LossOptions {
  /** A rescaling weight per class, `[C]`; the mean divides by the summed weights of the targets. */
  weight?: Tensor | null
  /** A class-index target that does not count (default -100). */
  ignoreIndex?: number
}

/** Negative log-likelihood of log-probabilities `[N, C]` (e.g. from `logSoftmax(1)`) against int64 class indices. */
export function nllLoss(input: Tensor, target: Tensor, options?: NllLossOptions): Tensor {
  const op = 'nllLoss'
  const r = reductionOf(op, options, ['reduction', 'weight', 'ignoreIndex'])
  const weight = optionalTensor(op, options?.weight)
  const ignoreIndex = numberOption(op, 'ignoreIndex', options?.ignoreIndex, -100)
  return new Tensor(native.nllLoss(asTensor(op, input)._n, asTensor(op, target)._n, r, weight?._n, ignoreIndex))
}

/** Mean absolute error `|input - target|`; shapes must match. */
export function l1Loss(input: Tensor, target: Tensor, options?: LossOptions): Tensor {
  const r = reductionOf('l1Loss', options, ['reduction'])
  return new Tensor(native.l1Loss(asTensor('l1Loss', input)._n, asTensor('l1Loss', target)._n, r))
}

/** Options of {@link smoothL1Loss}. */
export interface SmoothL1LossOptions extends LossOptions {
  /** Where the loss turns from quadratic to linear (default 1; 0 is L1). */
  beta?: number
}

/** Smooth L1 (`beta`) or Huber (`delta`): quadratic below the threshold, linear above. */
function thresholdLoss(
  op: string,
  kind: 'smoothL1' | 'huber',
  option: 'beta' | 'delta',
  input: Tensor,
  target: Tensor,
  options: (LossOptions & { beta?: number; delta?: number }) | undefined,
): Tensor {
  const r = reductionOf(op, options, ['reduction', option])
  const threshold = numberOption(op, option, options?.[option], 1)
  return new Tensor(renamed(op, 'thresholdLoss', () => native.thresholdLoss(kind, asTensor(op, input)._n, asTensor(op, target)._n, r, threshold)))
}

/** Smooth L1: `0.5 d² / beta` for `|d| < beta`, `|d| - 0.5 beta` beyond (`d = input - target`). */
export function smoothL1Loss(input: Tensor, target: Tensor, options?: SmoothL1LossOptions): Tensor {
  return thresholdLoss('smoothL1Loss', 'smoothL1', 'beta', input, target, options)
}

/** Options of {@link huberLoss}. */
export interface HuberLossOptions extends LossOptions {
  /** Where the loss turns from quadratic to linear (default 1; must be positive). */
  delta?: number
}

/** Huber: `0.5 d²` for `|d| < delta`, `delta (|d| - 0.5 delta)` beyond (`d = input - target`). */
export function huberLoss(input: Tensor, target: Tensor, options?: HuberLossOptions): Tensor {
  return thresholdLoss('huberLoss', 'huber', 'delta', input, target, options)
}

/** Options of {@link binaryCrossEntropy}. */
export interface BceOptions extends LossOptions {
  /** A rescaling weight that broadcasts to the input's shape. */
  weight?: Tensor | null
}

/**
 * Binary cross-entropy of probabilities in [0, 1] against targets of the same
 * shape: `-w (t log x + (1 - t) log(1 - x))`, the logs clamped at -100 as PyTorch.
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, options?: BceOptions): Tensor {
  const op = 'binaryCrossEntropy'
  const r = reductionOf(op, options, ['reduction', 'weight'])
  const weight = optionalTensor(op, options?.weight)
  return new Tensor(native.binaryCrossEntropy(asTensor(op, input)._n, asTensor(op, target)._n, r, weight?._n))
}

/** Options of {@link binaryCrossEntropyWithLogits}. */
export interface BceWithLogitsOptions extends BceOptions {
  /** Weight of the positive class, broadcast along the last dim (`[C]` for `[N, C]`). */
  posWeight?: Tensor | null
}

/**
 * Binary cross-entropy of raw logits (sigmoid inside, computed stably for any
 * logit) against targets of the same shape.
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, options?: BceWithLogitsOptions): Tensor {
  const op = 'binaryCrossEntropyWithLogits'
  const r = reductionOf(op, options, ['reduction', 'weight', 'posWeight'])
  const weight = optionalTensor(op, options?.weight)
  const posWeight = optionalTensor(op, options?.posWeight)
  return new Tensor(
    native.binaryCrossEntropyWithLogits(asTensor(op, input)._n, asTensor(op, target)._n, r, weight?._n, posWeight?._n),
  )
}

/** How {@link klDiv} reduces: the usual three, or `'batchmean'` (sum / batch size). */
export type KlDivReduction = Reduction | 'batchmean'

/** Options of {@link klDiv}. */
export interface KlDivOptions {
  /** `'mean'` (default, over elements), `'batchmean'` (the KL divergence per sample), `'sum'` or `'none'`. */
  reduction?: KlDivReduction
  /** The target holds log-probabilities (default false: probabilities). */
  logTarget?: boolean
}

/**
 * KL divergence of the log-probabilities `input` from the target distribution:
 * `t (log t - input)` per element (`exp(t) (t - input)` with `logTarget`).
 */
export function klDiv(input: Tensor, target: Tensor, options?: KlDivOptions): Tensor {
  const op = 'klDiv'
  checkOptions(op, options, ['reduction', 'logTarget'])
  const logTarget = options?.logTarget ?? false
  if (typeof logTarget !== 'boolean') fail('ERR_ARG', op, `logTarget must be a boolean, got ${String(logTarget)}`)
  const r = options?.reduction ?? 'mean'
  return new Tensor(native.klDiv(asTensor(op, input)._n, asTensor(op, target)._n, String(r), logTarget))
}

/** Options of {@link batchNorm}. */
export interface BatchNormFunctionalOptions {
  /** `[C]` scale. */
  weight?: Tensor | null
  /** `[C]` shift. */
  bias?: Tensor | null
  /** Normalise with the batch's statistics and update the running ones (default false). */
  training?: boolean
  /** Weight of the batch in the running average (default 0.1). */
  momentum?: number
  /** Added to the variance (default 1e-5). */
  eps?: number
}

/**
 * Batch normalisation over dim 1 of `[N, C, *]`, as `torch.nn.functional.batch_norm`:
 * with `training` the batch's statistics normalise and `runningMean`/`runningVar`
 * (if given) are updated in place; otherwise the running statistics normalise.
 */
export function batchNorm(
  input: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  options: BatchNormFunctionalOptions = {},
): Tensor {
  const op = 'batchNorm'
  checkOptions(op, options, ['weight', 'bias', 'training', 'momentum', 'eps'])
  return new Tensor(
    native.batchNorm(
      asTensor(op, input)._n,
      optionalTensor(op, options.weight)?._n,
      optionalTensor(op, options.bias)?._n,
      optionalTensor(op, runningMean)?._n,
      optionalTensor(op, runningVar)?._n,
      undefined,
      options.training ?? false,
      numberOption(op, 'momentum', options.momentum, 0.1),
      numberOption(op, 'eps', options.eps, 1e-5),
    ),
  )
}

/** Options of {@link layerNorm}. */
export interface LayerNormFunctionalOptions {
  /** Scale of the normalised shape. */
  weight?: Tensor | null
  /** Shift of the normalised shape. */
  bias?: Tensor | null
  /** Added to the variance (default 1e-5). */
  eps?: number
}

/** Layer normalisation over the trailing dims `normalizedShape`, as `torch.nn.functional.layer_norm`. */
export function layerNorm(input: Tensor, normalizedShape: number[], options: LayerNormFunctionalOptions = {}): Tensor {
  const op = 'layerNorm'
  checkOptions(op, options, ['weight', 'bias', 'eps'])
  if (!Array.isArray(normalizedShape)) fail('ERR_ARG', op, `normalizedShape must be an array of sizes`)
  return new Tensor(
    native.layerNorm(
      asTensor(op, input)._n,
      normalizedShape,
      optionalTensor(op, options.weight)?._n,
      optionalTensor(op, options.bias)?._n,
      numberOption(op, 'eps', options.eps, 1e-5),
    ),
  )
}

/** Options of {@link embedding}. */
export interface EmbeddingFunctionalOptions {
  /** A row of `weight` that gets no gradient. */
  paddingIdx?: number | null
}

/** The rows of `weight` (`[num, dim]`) at the int64 `input` indices: `[...input.shape, dim]`. */
export function embedding(input: Tensor, weight: Tensor, options: EmbeddingFunctionalOptions = {}): Tensor {
  const op = 'embedding'
  checkOptions(op, options, ['paddingIdx'])
  const w = asTensor(op, weight)
  let padding = options.paddingIdx ?? undefined
  // A negative index counts from the end, as PyTorch's.
  if (padding !== undefined && padding < 0) padding += w.shape[0] ?? 0
  return new Tensor(native.embedding(w._n, asTensor(op, input)._n, padding))
}

/** Options of {@link dropout}. */
export interface DropoutOptions {
  /** Probability of zeroing an element (default 0.5). */
  p?: number
  /** Apply dropout (default true); false returns the input. */
  training?: boolean
}

/**
 * Inverted dropout: zeroes each element with probability `p` (from the seeded
 * generator) and scales the rest by `1 / (1 - p)`.
 */
export function dropout(input: Tensor, options: DropoutOptions = {}): Tensor {
  checkOptions('dropout', options, ['p', 'training'])
  const p = numberOption('dropout', 'p', options.p, 0.5)
  return new Tensor(native.dropout(asTensor('dropout', input)._n, p, options.training ?? true))
}
