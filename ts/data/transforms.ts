/**
 * Simple transforms for tensors of data.
 * @module
 */
import { fail, within } from '../errors'
import { Tensor, describe } from '../tensor'
import { arange, tensor } from '../creation'

/**
 * `(x - mean) / std`. With arrays, one value per channel (dimension 1, as
 * torchvision's `Normalize` on `[N, C, H, W]`).
 */
export function normalize(x: Tensor, mean: number | number[], std: number | number[]): Tensor {
  return within('normalize', () => normalized(x, mean, std))
}

function normalized(x: Tensor, mean: number | number[], std: number | number[]): Tensor {
  if (!(x instanceof Tensor)) fail('ERR_ARG', 'normalize', `expected a Tensor, got ${describe(x)}`)
  const perChannel = (v: number | number[], what: string): Tensor | number => {
    if (typeof v === 'number') return v
    if (!Array.isArray(v)) fail('ERR_ARG', 'normalize', `${what} must be a number or an array of numbers, got ${describe(v)}`)
    if (x.ndim < 2 || v.length !== x.shape[1]) {
      fail('ERR_SHAPE', 'normalize', `${what} must be a number or one per channel (${x.ndim < 2 ? 'x has no channel dim' : x.shape[1]}), got ${describe(v)}`)
    }
    return tensor(v).reshape([v.length, ...Array(x.ndim - 2).fill(1)])
  }
  const s = perChannel(std, 'std')
  if ((typeof s === 'number' && s === 0) || (s instanceof Tensor && s.eq(0).sum().item() > 0)) fail('ERR_ARG', 'normalize', 'std must not be 0')
  return x.sub(perChannel(mean, 'mean')).div(s)
}

/** Class indices `[N]` (int) as float32 one-hot rows `[N, numClasses]`. */
export function oneHot(labels: Tensor, numClasses: number): Tensor {
  return within('oneHot', () => oneHotOf(labels, numClasses))
}

function oneHotOf(labels: Tensor, numClasses: number): Tensor {
  if (!(labels instanceof Tensor)) fail('ERR_ARG', 'oneHot', `expected a Tensor, got ${describe(labels)}`)
  if (labels.dtype !== 'int64' && labels.dtype !== 'int32') fail('ERR_DTYPE', 'oneHot', `labels must be int64 or int32, got ${labels.dtype}`)
  if (!Number.isSafeInteger(numClasses) || numClasses < 1) fail('ERR_ARG', 'oneHot', `numClasses must be a positive integer, got ${describe(numClasses)}`)
  if (labels.numel() > 0 && (labels.min().item() < 0 || labels.max().item() >= numClasses)) {
    fail('ERR_INDEX', 'oneHot', `labels must lie in [0, ${numClasses}), got ${labels.min().item()}..${labels.max().item()}`)
  }
  return labels.unsqueeze(-1).eq(arange(numClasses)).float()
}
