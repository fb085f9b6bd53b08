/**
 * Gradient clipping, as `torch.nn.utils`: rescale or clamp the gradients of a
 * model's parameters in place between `backward()` and the optimizer step.
 * @module
 */
import { checkOptions, fail } from '../errors'
import { native } from '../native'
import { Tensor, asTensor, describe } from '../tensor'

/** Options of {@link clipGradNorm_}. */
export interface ClipGradNormOptions {
  /** The order of the norm: any number, `Infinity` for the largest magnitude (default 2). */
  normType?: number
  /** Throw `ERR_GRAD` (changing nothing) when the total norm is NaN or infinite (default false). */
  errorIfNonfinite?: boolean
}

function tensors(op: string, params: Tensor | Iterable<Tensor>): Tensor[] {
  if (params instanceof Tensor) return [params]
  if (params === null || params === undefined || typeof (params as Iterable<Tensor>)[Symbol.iterator] !== 'function') {
    fail('ERR_ARG', op, `params must be a tensor or an iterable of tensors, got ${describe(params)}`)
  }
  return Array.from(params, (p) => asTensor(op, p))
}

function number(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number') fail('ERR_ARG', op, `${name} must be a number, got ${describe(v)}`)
  return v
}

/**
 * Rescales the gradients of `params` in place so that their joint norm (the
 * `normType` norm of the vector of each gradient's norm) is at most `maxNorm`:
 * every gradient is multiplied by `min(1, maxNorm / (total + 1e-6))`, in one
 * native call. Parameters without a gradient are skipped.
 *
 * ```ts
 * loss.backward()
 * fg.nn.utils.clipGradNorm_(model.parameters(), 1.0)
 * optimizer.step()
 * ```
 * @returns the total norm before clipping, as a 0-d tensor (as PyTorch returns it).
 */
export function clipGradNorm_(params: Tensor | Iterable<Tensor>, maxNorm: number, options: ClipGradNormOptions = {}): Tensor {
  const op = 'clipGradNorm_'
  checkOptions(op, options, ['normType', 'errorIfNonfinite'])
  const normType = number(op, 'normType', options.normType ?? 2)
  const errorIfNonfinite = options.errorIfNonfinite ?? false
  if (typeof errorIfNonfinite !== 'boolean') fail('ERR_ARG', op, `errorIfNonfinite must be a boolean, got ${describe(errorIfNonfinite)}`)
  const list = tensors(op, params)
  return new Tensor(native.clipGradNorm(list.map((p) => p._n), number(op, 'maxNorm', maxNorm), normType, errorIfNonfinite))
}

/**
 * Clamps every gradient of `params` in place to `[-clipValue, clipValue]`, in
 * one native call. Parameters without a gradient are skipped.
 */
export function clipGradValue_(params: Tensor | Iterable<Tensor>, clipValue: number): void {
  const op = 'clipGradValue_'
  const list = tensors(op, params)
  native.clipGradValue(list.map((p) => p._n), number(op, 'clipValue', clipValue))
}
