import { fail } from '../errors'
import { Tensor } from '../tensor'
import { dropout } from './functional'
import { Module } from './module'

/**
 * Inverted dropout, as `torch.nn.Dropout`: in training mode each element is
 * zeroed with probability `p` (drawn from the seeded generator) and the others
 * scaled by `1 / (1 - p)`; in eval mode the input passes unchanged.
 */
export class Dropout extends Module {
  /** Probability of zeroing an element. */
  readonly p: number

  /** @param p probability of zeroing an element, in [0, 1] (default 0.5). */
  constructor(p = 0.5) {
    super()
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) fail('ERR_ARG', 'Dropout', `p must be a probability in [0, 1], got ${String(p)}`)
    this.p = p
  }

  /** Drops elements in training mode; returns the input in eval mode. */
  forward(input: Tensor): Tensor {
    return dropout(input, { p: this.p, training: this.training })
  }

  /** @internal */
  extraRepr(): string {
    return `p=${this.p}, inplace=False`
  }
}
