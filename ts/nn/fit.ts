/**
 * `model.fit` and `model.predict`: training and inference that keep a Node
 * service responsive.
 *
 * Design and limits: every batch runs in native code in one call per op, and the
 * loop yields to the event loop whenever it has held the thread for
 * {@link SLICE_MS} ms (and after every epoch), so timers, sockets and other
 * requests are served between batches. It works for any `Module`, user-defined
 * `forward` included, because the forward pass is the module's own JavaScript.
 * A single batch is not interrupted: a batch that takes longer than a slice
 * delays the event loop by that long (the MNIST MLP's batch of 64 takes under a
 * millisecond). Training a recorded graph on a separate native thread, which
 * would remove that limit, is not built yet.
 * @module
 */
import { checkOptions, fail, FerrogradError } from '../errors'
import { Tensor, describe } from '../tensor'
import { cat, noGrad } from '../functions'
import { DataLoader } from '../data/loader'
import { TensorDataset } from '../data/dataset'
import type { Module } from './module'

/** How long the loop may hold the event loop before it yields, in milliseconds. */
export const SLICE_MS = 4

/** What `fit` needs of an optimizer: every optimizer of `fg.optim` has it. */
export interface OptimizerLike {
  /** Clears the parameters' gradients. */
  zeroGrad(): void
  /** Updates the parameters from their gradients. */
  step(): void
}

/** A loss: a loss module (`new fg.nn.CrossEntropyLoss()`) or a function. */
export type LossLike = LossModuleLike | ((input: Tensor, target: Tensor) => Tensor)

/** A loss module: anything with `forward(input, target)`. */
export interface LossModuleLike {
  /** The loss of `input` against `target`. */
  forward(input: Tensor, target: Tensor): Tensor
}

/** Passed to `onBatchEnd`. */
export interface BatchInfo {
  /** 1-based epoch. */
  epoch: number
  /** 0-based batch within the epoch. */
  batch: number
  /** This batch's loss. */
  loss: number
}

/** Passed to `onEpochEnd`. */
export interface EpochInfo {
  /** 1-based epoch. */
  epoch: number
  /** Mean training loss of the epoch (weighted by batch size). */
  loss: number
  /** Mean loss on `validationData`, when given. */
  valLoss?: number
}

/** Options of `model.fit`. */
export interface FitOptions {
  /** The optimizer over the model's parameters (required). */
  optimizer: OptimizerLike
  /** The loss (required). */
  loss: LossLike
  /** Passes over the data (default 1). */
  epochs?: number
  /** Rows per batch (default 32). */
  batchSize?: number
  /** Shuffle every epoch (default true). */
  shuffle?: boolean
  /** Seeds the shuffle (see `DataLoader`). */
  seed?: number
  /** `[x, y]` evaluated after every epoch into `valLoss`. */
  validationData?: [Tensor, Tensor]
  /** Stops between batches: `fit` rejects with `ERR_ABORTED`, the model keeps the weights of the last finished step. */
  signal?: AbortSignal
  /** Called after every batch, on the JS thread. */
  onBatchEnd?: (info: BatchInfo) => void
  /** Called after every epoch, on the JS thread. */
  onEpochEnd?: (info: EpochInfo) => void
}

/** What `model.fit` returns: one entry per epoch. */
export interface FitHistory {
  /** Mean training loss per epoch. */
  loss: number[]
  /** Mean validation loss per epoch, when `validationData` was given. */
  valLoss?: number[]
}

/** Options of `model.predict`. */
export interface PredictOptions {
  /** Rows per forward pass (default 256). */
  batchSize?: number
}

const pause = () => new Promise<void>((resolve) => setImmediate(resolve))

function positiveInt(op: string, name: string, v: unknown, fallback: number): number {
  if (v === undefined) return fallback
  if (!Number.isInteger(v) || (v as number) < 1) fail('ERR_ARG', `${op}: ${name} must be a positive integer, got ${describe(v)}`)
  return v as number
}

function lossFn(loss: unknown): (input: Tensor, target: Tensor) => Tensor {
  if (typeof loss === 'function') return loss as (input: Tensor, target: Tensor) => Tensor
  if (loss !== null && typeof loss === 'object' && typeof (loss as { forward?: unknown }).forward === 'function') {
    const m = loss as { forward(input: Tensor, target: Tensor): Tensor }
    return (input, target) => m.forward(input, target)
  }
  return fail('ERR_ARG', `fit: loss must be a loss module or a function (input, target) => Tensor, got ${describe(loss)}`)
}

function aborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new FerrogradError('ERR_ABORTED', 'fit: aborted by its AbortSignal; the model keeps the weights of the last finished step')
}

/** Yields when the loop has held the thread for a slice. */
class Slicer {
  private last = performance.now()
  async maybeYield(): Promise<void> {
    if (performance.now() - this.last >= SLICE_MS) {
      await pause()
      this.last = performance.now()
    }
  }
}

function forwardTensor(model: Module, x: Tensor): Tensor {
  const out = (model.forward as (x: Tensor) => unknown)(x)
  if (!(out instanceof Tensor)) fail('ERR_ARG', `fit/predict: the model's forward returned ${describe(out)}, not a Tensor`)
  return out
}

/** Mean loss over `[x, y]` in batches, without a graph. */
async function evaluate(model: Module, x: Tensor, y: Tensor, loss: (i: Tensor, t: Tensor) => Tensor, batchSize: number, slicer: Slicer): Promise<number> {
  let total = 0
  const n = x.shape[0]
  for (let start = 0; start < n; start += batchSize) {
    const size = Math.min(batchSize, n - start)
    total += noGrad(() => loss(forwardTensor(model, x.narrow(0, start, size)), y.narrow(0, start, size)).item()) * size
    await slicer.maybeYield()
  }
  return total / n
}

/** Trains `model` on `x`, `y`; see {@link FitOptions}. */
export async function fit(model: Module, x: Tensor, y: Tensor, options: FitOptions): Promise<FitHistory> {
  checkOptions('fit', options, ['optimizer', 'loss', 'epochs', 'batchSize', 'shuffle', 'seed', 'validationData', 'signal', 'onBatchEnd', 'onEpochEnd'])
  if (!(x instanceof Tensor) || !(y instanceof Tensor)) fail('ERR_ARG', `fit: x and y must be Tensors, got ${describe(x)} and ${describe(y)}`)
  if (options === undefined || options === null) fail('ERR_ARG', 'fit: options with an optimizer and a loss are required')
  const { optimizer, validationData, signal, onBatchEnd, onEpochEnd } = options
  if (!optimizer || typeof optimizer.step !== 'function' || typeof optimizer.zeroGrad !== 'function') {
    fail('ERR_ARG', `fit: optimizer must have step() and zeroGrad() (an fg.optim optimizer), got ${describe(optimizer)}`)
  }
  const loss = lossFn(options.loss)
  const epochs = positiveInt('fit', 'epochs', options.epochs, 1)
  const batchSize = positiveInt('fit', 'batchSize', options.batchSize, 32)
  if (validationData !== undefined && !(Array.isArray(validationData) && validationData.length === 2 && validationData.every((t) => t instanceof Tensor))) {
    fail('ERR_ARG', `fit: validationData must be [x, y] tensors, got ${describe(validationData)}`)
  }
  const loader = new DataLoader(new TensorDataset(x, y), { batchSize, shuffle: options.shuffle ?? true, seed: options.seed })
  const history: FitHistory = { loss: [], ...(validationData ? { valLoss: [] } : {}) }
  const wasTraining = model.training
  const slicer = new Slicer()
  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      model.train()
      let sum = 0
      let batch = 0
      for (const b of loader) {
        aborted(signal)
        const [xb, yb] = b as Tensor[]
        optimizer.zeroGrad()
        const l = loss(forwardTensor(model, xb), yb)
        l.backward()
        optimizer.step()
        const value = l.item()
        sum += value * xb.shape[0]
        onBatchEnd?.({ epoch, batch: batch++, loss: value })
        await slicer.maybeYield()
      }
      const info: EpochInfo = { epoch, loss: sum / x.shape[0] }
      history.loss.push(info.loss)
      if (validationData) {
        model.eval()
        info.valLoss = await evaluate(model, validationData[0], validationData[1], loss, batchSize, slicer)
        history.valLoss!.push(info.valLoss)
      }
      onEpochEnd?.(info)
      await pause()
    }
  } finally {
    model.train(wasTraining)
  }
  return history
}

/** Runs `model` on `x` in eval mode and without a graph, in batches; see {@link PredictOptions}. */
export async function predict(model: Module, x: Tensor, options: PredictOptions = {}): Promise<Tensor> {
  checkOptions('predict', options, ['batchSize'])
  if (!(x instanceof Tensor)) fail('ERR_ARG', `predict: x must be a Tensor, got ${describe(x)}`)
  const batchSize = positiveInt('predict', 'batchSize', options.batchSize, 256)
  const wasTraining = model.training
  const slicer = new Slicer()
  const parts: Tensor[] = []
  model.eval()
  try {
    for (let start = 0; start < x.shape[0]; start += batchSize) {
      const size = Math.min(batchSize, x.shape[0] - start)
      parts.push(noGrad(() => forwardTensor(model, x.narrow(0, start, size))))
      await slicer.maybeYield()
    }
  } finally {
    model.train(wasTraining)
  }
  if (parts.length === 0) return noGrad(() => forwardTensor(model, x))
  return parts.length === 1 ? parts[0] : cat(parts, 0)
}
