import { checkOptions } from '../errors'
import { Tensor } from '../tensor'
import { defaultParameters } from './default-init'
import { linear } from './functional'
import { Module } from './module'
import { Parameter } from './parameter'
import { sizeArg } from './size-arg'

/** Options of {@link Linear}. */
export interface LinearOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean
}

/**
 * Fully connected layer `y = x W^T + b`, as `torch.nn.Linear`: `weight` is
 * `[outFeatures, inFeatures]`, initialised like PyTorch (uniform in
 * ±1/sqrt(inFeatures) for weight and bias).
 */
export class Linear extends Module {
  /** Size of each input sample. */
  readonly inFeatures: number
  /** Size of each output sample. */
  readonly outFeatures: number
  /** `[outFeatures, inFeatures]`. */
  weight: Parameter
  /** `[outFeatures]`, or null without bias. */
  bias: Parameter | null

  /** @param inFeatures input size. @param outFeatures output size. */
  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super()
    checkOptions('Linear', options, ['bias'])
    this.inFeatures = sizeArg('Linear', 'inFeatures', inFeatures)
    this.outFeatures = sizeArg('Linear', 'outFeatures', outFeatures)
    const [weight, bias] = defaultParameters('Linear', [outFeatures, inFeatures], options.bias ?? true)
    this.weight = weight
    this.bias = bias
  }

  /** `x W^T + b` for input `[..., inFeatures]`. */
  forward(input: Tensor): Tensor {
    return linear(input, this.weight, this.bias)
  }

  /** @internal */
  extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${this.bias ? 'True' : 'False'}`
  }
}
