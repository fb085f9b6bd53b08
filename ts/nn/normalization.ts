import { full, ones, tensor, zeros } from '../creation'
import { checkOptions, fail, within } from '../errors'
import { native } from '../native'
import { Tensor, asTensor } from '../tensor'
import { layerNorm } from './functional'
import { Module } from './module'
import { Parameter } from './parameter'
import { pyBool, pyFloat, pyTuple } from './repr'
import { sizeArg } from './size-arg'

/** Options of {@link BatchNorm1d} and {@link BatchNorm2d}. */
export interface BatchNormOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number
  /** Weight of each new batch in the running statistics (default 0.1); `null` for a cumulative average. */
  momentum?: number | null
  /** Learn a per-channel scale and shift (default true). */
  affine?: boolean
  /** Keep running statistics for evaluation (default true); without them eval mode uses the batch's. */
  trackRunningStats?: boolean
}

/**
 * What BatchNorm1d and BatchNorm2d share, as PyTorch's `_BatchNorm`: `weight` and
 * `bias` (`[C]`, ones and zeros), and the buffers `running_mean`, `running_var`
 * and `num_batches_tracked` under PyTorch's state-dict keys.
 */
abstract class BatchNorm extends Module {
  /** C, the channels of dim 1. */
  readonly numFeatures: number
  /** Added to the variance. */
  readonly eps: number
  /** Weight of each batch in the running statistics; null for a cumulative average. */
  readonly momentum: number | null
  /** True when the layer has `weight` and `bias`. */
  readonly affine: boolean
  /** True when the layer keeps running statistics. */
  readonly trackRunningStats: boolean
  /** `[C]` scale, or null without `affine`. */
  weight: Parameter | null
  /** `[C]` shift, or null without `affine`. */
  bias: Parameter | null

  /** @param numFeatures C. */
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super()
    const op = this.constructor.name
    checkOptions(op, options, ['eps', 'momentum', 'affine', 'trackRunningStats'])
    this.numFeatures = sizeArg(op, 'numFeatures', numFeatures)
    this.eps = options.eps ?? 1e-5
    this.momentum = options.momentum === undefined ? 0.1 : options.momentum
    this.affine = options.affine ?? true
    this.trackRunningStats = options.trackRunningStats ?? true
    if (!(typeof this.eps === 'number' && this.eps >= 0)) fail('ERR_ARG', op, `eps must be a non-negative number, got ${this.eps}`)
    const m = this.momentum
    if (m !== null && !(typeof m === 'number' && m >= 0 && m <= 1)) {
      fail('ERR_ARG', op, `momentum must be a number in [0, 1] or null, got ${String(m)}`)
    }
    // Allocation errors (a size beyond memory) name the layer.
    const [weight, bias] = within(op, () => (this.affine ? [new Parameter(ones([numFeatures])), new Parameter(zeros([numFeatures]))] : [null, null]))
    this.weight = weight
    this.bias = bias
    within(op, () => {
      const track = this.trackRunningStats
      this.registerBuffer('running_mean', track ? zeros([numFeatures]) : null)
      this.registerBuffer('running_var', track ? ones([numFeatures]) : null)
      this.registerBuffer('num_batches_tracked', track ? tensor(0, { dtype: 'int64' }) : null)
    })
  }

  /** The `running_mean` buffer, or null. */
  get runningMean(): Tensor | null {
    return this.getBuffer('running_mean')
  }

  /** The `running_var` buffer (unbiased), or null. */
  get runningVar(): Tensor | null {
    return this.getBuffer('running_var')
  }

  /** The `num_batches_tracked` buffer (int64), or null. */
  get numBatchesTracked(): Tensor | null {
    return this.getBuffer('num_batches_tracked')
  }

  /** Resets the running statistics to mean 0, variance 1 and no batches. */
  resetRunningStats(): void {
    for (const [name, value] of [['running_mean', 0], ['running_var', 1], ['num_batches_tracked', 0]] as const) {
      const b = this.getBuffer(name)
      if (b) native.tensorAssign(b._n, full(b.shape, value, { dtype: b.dtype })._n)
    }
  }

  /** ERR_SHAPE unless `input` has a rank this layer accepts. */
  protected abstract checkRank(input: Tensor): void

  /**
   * Normalises each channel: with the batch's statistics in training mode
   * (updating the running ones), with the running statistics in eval mode.
   */
  forward(input: Tensor): Tensor {
    const x = asTensor(this.constructor.name, input)
    this.checkRank(x)
    if (x.shape[1] !== this.numFeatures) {
      fail('ERR_SHAPE', this.constructor.name, `expected ${this.numFeatures} channels in dim 1, got input of shape [${x.shape.join(', ')}]`)
    }
    // Running statistics take part when evaluating or when they are tracked;
    // without them the batch's own normalise even in eval mode, as PyTorch.
    const useRunning = !this.training || this.trackRunningStats
    const running = (name: string) => (useRunning ? this.getBuffer(name)?._n : undefined)
    return new Tensor(
      native.batchNorm(
        x._n,
        this.weight?._n,
        this.bias?._n,
        running('running_mean'),
        running('running_var'),
        running('num_batches_tracked'),
        this.training,
        this.momentum ?? undefined,
        this.eps,
      ),
    )
  }

  /** @internal */
  extraRepr(): string {
    const m = this.momentum === null ? 'None' : pyFloat(this.momentum)
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${m}, affine=${pyBool(this.affine)}, track_running_stats=${pyBool(this.trackRunningStats)}`
  }
}

/** Batch normalisation of `[N, C]` or `[N, C, L]` input over each of C channels, as `torch.nn.BatchNorm1d`. */
export class BatchNorm1d extends BatchNorm {
  protected checkRank(input: Tensor): void {
    if (input.ndim !== 2 && input.ndim !== 3) fail('ERR_SHAPE', 'BatchNorm1d', `expected 2D or 3D input (got ${input.ndim}D input)`)
  }
}

/** Batch normalisation of `[N, C, H, W]` input over each of C channels, as `torch.nn.BatchNorm2d`. */
export class BatchNorm2d extends BatchNorm {
  protected checkRank(input: Tensor): void {
    if (input.ndim !== 4) fail('ERR_SHAPE', 'BatchNorm2d', `expected 4D input (got ${input.ndim}D input)`)
  }
}

/** Options of {@link LayerNorm}. */
export interface LayerNormOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number
  /** Learn a scale and shift of the normalised shape (default true). */
  elementwiseAffine?: boolean
  /** With `elementwiseAffine`, learn the shift too (default true). */
  bias?: boolean
}

/**
 * Layer normalisation over the trailing dims `normalizedShape`, as
 * `torch.nn.LayerNorm`: each sample is normalised by its own mean and variance;
 * `weight` (ones) and `bias` (zeros) have `normalizedShape`.
 */
export class LayerNorm extends Module {
  /** The trailing dims normalised over. */
  readonly normalizedShape: number[]
  /** Added to the variance. */
  readonly eps: number
  /** True when the layer has `weight` (and `bias`). */
  readonly elementwiseAffine: boolean
  /** Scale, or null. */
  weight: Parameter | null
  /** Shift, or null. */
  bias: Parameter | null

  /** @param normalizedShape the trailing dims, a size or a list of sizes. */
  constructor(normalizedShape: number | number[], options: LayerNormOptions = {}) {
    super()
    checkOptions('LayerNorm', options, ['eps', 'elementwiseAffine', 'bias'])
    const shape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape
    if (!Array.isArray(shape) || shape.length === 0) fail('ERR_ARG', 'LayerNorm', 'normalizedShape must be a size or a non-empty list of sizes')
    this.normalizedShape = shape.map((d) => sizeArg('LayerNorm', 'every size of normalizedShape', d))
    this.eps = options.eps ?? 1e-5
    if (!(typeof this.eps === 'number' && this.eps >= 0)) fail('ERR_ARG', 'LayerNorm', `eps must be a non-negative number, got ${this.eps}`)
    this.elementwiseAffine = options.elementwiseAffine ?? true
    this.weight = within('LayerNorm', () => (this.elementwiseAffine ? new Parameter(ones(this.normalizedShape)) : null))
    this.bias = within('LayerNorm', () => (this.elementwiseAffine && (options.bias ?? true) ? new Parameter(zeros(this.normalizedShape)) : null))
  }

  /** Normalises each sample over the trailing `normalizedShape` dims. */
  forward(input: Tensor): Tensor {
    return layerNorm(input, this.normalizedShape, { weight: this.weight, bias: this.bias, eps: this.eps })
  }

  /** @internal */
  extraRepr(): string {
    return `${pyTuple(this.normalizedShape)}, eps=${pyFloat(this.eps)}, elementwise_affine=${pyBool(this.elementwiseAffine)}`
  }
}
