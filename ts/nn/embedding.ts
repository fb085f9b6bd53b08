import { arange, randn } from '../creation'
import { checkOptions, fail, within } from '../errors'
import { Tensor } from '../tensor'
import { embedding } from './functional'
import { Module } from './module'
import { Parameter } from './parameter'
import { sizeArg } from './size-arg'

/** Options of {@link Embedding}. */
export interface EmbeddingOptions {
  /** A row that stays zero and gets no gradient (negative counts from the end). */
  paddingIdx?: number | null
}

/**
 * A lookup table of `numEmbeddings` vectors of size `embeddingDim`, as
 * `torch.nn.Embedding`: int64 indices of any shape give `[...shape, embeddingDim]`.
 * `weight` is initialised from N(0, 1) (the padding row with zeros).
 */
export class Embedding extends Module {
  /** Rows of the table. */
  readonly numEmbeddings: number
  /** Size of each vector. */
  readonly embeddingDim: number
  /** The padding row (non-negative), or null. */
  readonly paddingIdx: number | null
  /** `[numEmbeddings, embeddingDim]`. */
  weight: Parameter

  /** @param numEmbeddings rows of the table. @param embeddingDim size of each vector. */
  constructor(numEmbeddings: number, embeddingDim: number, options: EmbeddingOptions = {}) {
    super()
    checkOptions('Embedding', options, ['paddingIdx'])
    this.numEmbeddings = sizeArg('Embedding', 'numEmbeddings', numEmbeddings)
    this.embeddingDim = sizeArg('Embedding', 'embeddingDim', embeddingDim)
    const p = options.paddingIdx ?? null
    if (p !== null && !(Number.isInteger(p) && p >= -numEmbeddings && p < numEmbeddings)) {
      fail('ERR_ARG', 'Embedding', `paddingIdx must be an integer within num_embeddings (${numEmbeddings}), got ${p}`)
    }
    this.paddingIdx = p === null ? null : p < 0 ? p + numEmbeddings : p
    let w = within('Embedding', () => randn([numEmbeddings, embeddingDim]))
    if (this.paddingIdx !== null) w = w.maskedFill(arange(numEmbeddings).eq(this.paddingIdx).unsqueeze(1), 0)
    this.weight = new Parameter(w)
  }

  /** The rows at `input` (int64 indices); an index out of range is ERR_INDEX. */
  forward(input: Tensor): Tensor {
    return embedding(input, this.weight, { paddingIdx: this.paddingIdx })
  }

  /** @internal */
  extraRepr(): string {
    const pad = this.paddingIdx === null ? '' : `, padding_idx=${this.paddingIdx}`
    return `${this.numEmbeddings}, ${this.embeddingDim}${pad}`
  }
}
