/**
 * Datasets: anything with a `length` and a `get(i)`, and `TensorDataset`, whose
 * batches are gathered in the core with one `indexSelect` per tensor.
 * @module
 */
import { fail, within } from '../errors'
import { Tensor, describe } from '../tensor'
import { tensor } from '../creation'
import { stack } from '../functions'

/** A dataset: `length` items, item `i` from `get(i)` (a tensor, a number, or an array of them). */
export interface Dataset<T = unknown> {
  /** Number of items. */
  readonly length: number
  /** Item `i`, for `0 <= i < length`. */
  get(i: number): T
}

/**
 * Tensors that share their first dimension, item `i` being the `i`-th row of each
 * (`torch.utils.data.TensorDataset`).
 *
 * @example
 * const ds = new fg.data.TensorDataset(images, labels)
 * const [x0, y0] = ds.get(0)
 */
export class TensorDataset implements Dataset<Tensor[]> {
  /** The tensors, each `[length, ...]`. */
  readonly tensors: Tensor[]

  constructor(...tensors: Tensor[]) {
    within('TensorDataset', () => checkRows(tensors))
    this.tensors = tensors
  }

  /** Number of rows. */
  get length(): number {
    return this.tensors[0].shape[0]
  }

  /** Row `i` of every tensor (views). */
  get(i: number): Tensor[] {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) {
      fail('ERR_INDEX', 'TensorDataset.get', `index ${describe(i)} is out of range for ${this.length} items`)
    }
    return this.tensors.map((t) => t.narrow(0, i, 1).squeeze(0))
  }

  /** The rows at `indices` (an int64 tensor) of every tensor, gathered in the core. */
  batch(indices: Tensor): Tensor[] {
    return this.tensors.map((t) => t.indexSelect(0, indices))
  }
}

/** Stacks the items of a generic dataset into batch tensors, one per component. */
export function collate(items: unknown[]): Tensor | Tensor[] {
  const first = items[0]
  if (Array.isArray(first)) {
    return first.map((_, k) => stackAll(items.map((it, i) => component(it, k, i)), k))
  }
  return stackAll(items, 0)
}

function component(item: unknown, k: number, i: number): unknown {
  if (!Array.isArray(item)) fail('ERR_ARG', 'DataLoader', `item ${i} is ${describe(item)}, but the first item was an array`)
  return item[k]
}

function stackAll(values: unknown[], k: number): Tensor {
  if (values.every((v) => typeof v === 'number')) return tensor(values as number[])
  return stack(
    values.map((v, i) => {
      if (v instanceof Tensor) return v
      if (typeof v === 'number') return tensor(v)
      return fail('ERR_ARG', 'DataLoader', `component ${k} of item ${i} is ${describe(v)}; items must be tensors or numbers`)
    }),
  )
}

/** Every argument a tensor with a first dimension, all with the same number of rows. */
function checkRows(tensors: Tensor[]): void {
  if (tensors.length === 0) fail('ERR_ARG', 'TensorDataset', 'needs at least one tensor')
  tensors.forEach((t, i) => {
    if (!(t instanceof Tensor)) fail('ERR_ARG', 'TensorDataset', `argument ${i} is ${describe(t)}, not a Tensor`)
    if (t.ndim === 0) fail('ERR_SHAPE', 'TensorDataset', `tensor ${i} is 0-d; each needs a first dimension to index`)
  })
  const n = tensors[0].shape[0]
  tensors.forEach((t, i) => {
    if (t.shape[0] !== n) {
      fail('ERR_SHAPE', 'TensorDataset', `tensor ${i} has ${t.shape[0]} rows but tensor 0 has ${n} (shapes [${t.shape}] and [${tensors[0].shape}])`)
    }
  })
}
