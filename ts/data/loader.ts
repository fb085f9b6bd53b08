/**
 * `DataLoader`: batches of a dataset, shuffled reproducibly, for `for...of` and
 * `for await...of`.
 * @module
 */
import { checkOptions, fail } from '../errors'
import { native } from '../native'
import { Tensor, describe } from '../tensor'
import { arange } from '../creation'
import { collate, TensorDataset, type Dataset } from './dataset'

/** Options of {@link DataLoader}; the defaults are PyTorch's. */
export interface DataLoaderOptions {
  /** Items per batch (default 1). */
  batchSize?: number
  /** A new random order every epoch (default false). */
  shuffle?: boolean
  /**
   * Seeds the shuffling with its own generator: epoch `e` uses `seed + e`, so runs
   * repeat exactly and `fg.manualSeed`'s stream is untouched. Without it the
   * order comes from the global generator, as PyTorch's default.
   */
  seed?: number
  /** Drop the last batch when it is smaller than `batchSize` (default false). */
  dropLast?: boolean
}

/**
 * Iterates a dataset in batches. For a {@link TensorDataset} each batch is one
 * `indexSelect` per tensor in the core; other datasets' items are stacked.
 * A batch is an array of tensors (one per component of the items) or a single
 * tensor when items are single tensors or numbers.
 *
 * @example
 * const loader = new fg.data.DataLoader(new fg.data.TensorDataset(x, y), { batchSize: 64, shuffle: true, seed: 0 })
 * for (const [xb, yb] of loader) { ... }
 */
export class DataLoader<T = unknown> implements Iterable<Tensor[] | Tensor>, AsyncIterable<Tensor[] | Tensor> {
  /** The dataset batched. */
  readonly dataset: Dataset<T>
  /** Items per batch. */
  readonly batchSize: number
  /** Whether each epoch is shuffled. */
  readonly shuffle: boolean
  /** Whether a short last batch is dropped. */
  readonly dropLast: boolean
  private readonly seed: number | undefined
  private epoch = 0

  constructor(dataset: Dataset<T>, options: DataLoaderOptions = {}) {
    checkOptions('DataLoader', options, ['batchSize', 'shuffle', 'seed', 'dropLast'])
    if (dataset === null || typeof dataset !== 'object' || typeof dataset.get !== 'function' || !Number.isInteger(dataset.length) || dataset.length < 0) {
      fail('ERR_ARG', 'DataLoader', `the dataset must have an integer length and a get(i) method, got ${describe(dataset)}`)
    }
    const { batchSize = 1, shuffle = false, seed, dropLast = false } = options
    if (!Number.isInteger(batchSize) || batchSize < 1) fail('ERR_ARG', 'DataLoader', `batchSize must be a positive integer, got ${describe(batchSize)}`)
    if (seed !== undefined && (!Number.isInteger(seed) || seed < 0)) fail('ERR_ARG', 'DataLoader', `seed must be a non-negative integer, got ${describe(seed)}`)
    this.dataset = dataset
    this.batchSize = batchSize
    this.shuffle = Boolean(shuffle)
    this.dropLast = Boolean(dropLast)
    this.seed = seed
  }

  /** Number of batches per epoch. */
  get length(): number {
    const n = this.dataset.length
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize)
  }

  /**
   * The item order of the next epoch (an int64 tensor), as the next `for...of`
   * would use it; `fit` batches it natively.
   * @internal
   */
  _nextOrder(): Tensor {
    const n = this.dataset.length
    if (!this.shuffle) return arange(n)
    const epoch = this.epoch++
    return new Tensor(this.seed === undefined ? native.randperm(n) : native.randperm(n, this.seed + epoch))
  }

  /** One epoch of batches. */
  *[Symbol.iterator](): Iterator<Tensor[] | Tensor> {
    const order = this._nextOrder()
    const n = this.dataset.length
    const ds = this.dataset
    for (let start = 0; start < n; start += this.batchSize) {
      const size = Math.min(this.batchSize, n - start)
      if (size < this.batchSize && this.dropLast) return
      const idx = order.narrow(0, start, size)
      if (ds instanceof TensorDataset) {
        yield ds.batch(idx)
      } else {
        const positions = idx.tolist() as number[]
        yield collate(positions.map((i) => ds.get(i)))
      }
    }
  }

  /** One epoch of batches, yielding to the event loop between batches. */
  async *[Symbol.asyncIterator](): AsyncIterator<Tensor[] | Tensor> {
    for (const batch of this) {
      yield batch
      await new Promise((resolve) => setImmediate(resolve))
    }
  }
}
