/**
 * `model.fit` and `model.predict`: training and inference that keep a Node
 * service responsive.
 *
 * Design: the first batch of each shape runs here, on the JS thread, op by op,
 * through the model's own `forward` (and the loss), while the core records the
 * ops it calls. Every other batch of that shape replays the recording on a
 * native thread (one of the core's pool, handed the run by the fit's own
 * thread): forward, loss, `backward` and the optimizer's step run there, and
 * the JS thread only receives the losses. So
 * the event loop stays free even when one batch takes long, and any `Module`,
 * a user-defined `forward` included, trains off the main thread.
 *
 * Limits, as for `torch.jit.trace`: a recording holds the ops of one run. It is
 * replayed only on batches of the shapes it was made with (the last, shorter
 * batch of an epoch is recorded once more). A forward pass that reads values
 * out of a tensor (`item()`, `tolist()`, a typed-array copy), changes a tensor
 * in place, or replaces a parameter or buffer cannot be replayed: `fit` then
 * trains on the JS thread, yielding to the event loop between batches, and says
 * why in `history.offThreadReason` (`offThread: 'require'` makes it an error).
 * Control flow on anything but tensors and shapes (`Math.random()`, a counter
 * kept in a field) is frozen as it went in the recorded run. Tensors drawn in
 * the forward pass (`randn`, dropout masks) are drawn anew in every replay.
 * @module
 */
import { checkOptions, fail, FerrogradError, toFerrogradError } from '../errors'
import { native, type NativeOptimizerRef, type NativeRunner, type NativeTrace, type RunResult } from '../native'
import { Tensor, describe } from '../tensor'
import { cat, noGrad } from '../functions'
import { DataLoader } from '../data/loader'
import { TensorDataset } from '../data/dataset'
import { Optimizer, type HasLr } from '../optim/optimizer'
import type { Module } from './module'

/** How long the loop may hold the event loop before it yields, in milliseconds, when batches run on the JS thread. */
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

/**
 * Where the batches run: `'auto'` (the default) replays the recorded forward
 * pass on a native thread when it can and runs on the JS thread otherwise;
 * `'require'` rejects with `ERR_ARG` when it cannot; `'never'` always runs on
 * the JS thread.
 */
export type OffThread = 'auto' | 'require' | 'never'

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
  /**
   * Called after every batch, on the JS thread. While it is given, the native
   * thread waits for it after each batch, so it sees the weights of that step
   * and a change it makes to `optimizer.paramGroups` applies from the next one.
   */
  onBatchEnd?: (info: BatchInfo) => void
  /** Called after every epoch, on the JS thread; the next epoch starts after it returns. */
  onEpochEnd?: (info: EpochInfo) => void
  /** Where the batches run (default `'auto'`); see {@link OffThread}. */
  offThread?: OffThread
}

/** What `model.fit` returns: one entry per epoch. */
export interface FitHistory {
  /** Mean training loss per epoch. */
  loss: number[]
  /** Mean validation loss per epoch, when `validationData` was given. */
  valLoss?: number[]
  /** True when the batches after the recorded ones ran on a native thread. */
  offThread: boolean
  /** Why they ran on the JS thread instead, when they did. */
  offThreadReason?: string
}

/** Options of `model.predict`. */
export interface PredictOptions {
  /** Rows per forward pass (default 256). */
  batchSize?: number
  /** Where the batches run (default `'auto'`); see {@link OffThread}. */
  offThread?: OffThread
}

const pause = () => new Promise<void>((resolve) => setImmediate(resolve))

function positiveInt(op: string, name: string, v: unknown, fallback: number): number {
  if (v === undefined) return fallback
  if (!Number.isInteger(v) || (v as number) < 1) fail('ERR_ARG', op, `${name} must be a positive integer, got ${describe(v)}`)
  return v as number
}

function offThreadMode(op: string, v: unknown): OffThread {
  if (v === undefined) return 'auto'
  if (v !== 'auto' && v !== 'require' && v !== 'never') fail('ERR_ARG', op, `offThread must be 'auto', 'require' or 'never', got ${describe(v)}`)
  return v
}

function lossFn(loss: unknown): (input: Tensor, target: Tensor) => Tensor {
  if (typeof loss === 'function') return loss as (input: Tensor, target: Tensor) => Tensor
  if (loss !== null && typeof loss === 'object' && typeof (loss as { forward?: unknown }).forward === 'function') {
    const m = loss as { forward(input: Tensor, target: Tensor): Tensor }
    return (input, target) => m.forward(input, target)
  }
  return fail('ERR_ARG', 'fit', `loss must be a loss module or a function (input, target) => Tensor, got ${describe(loss)}`)
}

function abortError(op: string): FerrogradError {
  return new FerrogradError('ERR_ABORTED', 'aborted by its AbortSignal; the model keeps the weights of the last finished step', { op })
}

function aborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError('fit')
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

/** Rows `rows` cut into batches of `size`: how many, how big, and which share a shape. */
class Batching {
  readonly count: number
  private readonly full: number
  constructor(
    readonly rows: number,
    readonly size: number,
  ) {
    this.count = Math.ceil(rows / size)
    this.full = Math.floor(rows / size)
  }
  /** Rows in batch `b`. */
  sizeOf(b: number): number {
    return Math.min(this.size, this.rows - b * this.size)
  }
  /** One past the last batch of the same size as batch `b`. */
  endOfRun(b: number): number {
    return b < this.full ? this.full : this.count
  }
}

/** The model's parameters and buffers, to tell whether a forward pass replaced one. */
function stateTensors(model: Module): Tensor[] {
  return [...model.parameters(), ...model.buffers()]
}

/**
 * The recordings of one `fit` or `predict` and the native thread that replays
 * them; inactive (everything on the JS thread) when the mode, the optimizer or
 * a forward pass that cannot be replayed rules it out.
 */
class Replay {
  private runner: NativeRunner | null = null
  /** The optimizer as the runner steps it, made once per fit rather than once per run. */
  private shared: NativeOptimizerRef | null = null
  /**
   * Keeps Node's event loop alive while the runner may have work in flight: the
   * promises it settles do not by themselves, and the process would exit with
   * training still running.
   */
  private keepAlive: ReturnType<typeof setInterval> | null = null
  /** Why batches run on the JS thread, once they do. */
  reason?: string
  /** Recordings by batch size, one map per kind of run. */
  readonly traces = { train: new Map<number, NativeTrace>(), eval: new Map<number, NativeTrace>(), predict: new Map<number, NativeTrace>() }
  private readonly onAbort = () => this.runner?.stop()

  constructor(
    private readonly op: string,
    private readonly mode: OffThread,
    private readonly model: Module,
    private readonly signal: AbortSignal | undefined,
    private readonly optimizer?: OptimizerLike,
  ) {
    if (mode === 'never') this.reason = "offThread is 'never'"
    else if (optimizer !== undefined && !(optimizer instanceof Optimizer)) this.disable('the optimizer is not one of fg.optim, so its step cannot run natively')
    else {
      this.runner = native.newRunner()
      if (optimizer !== undefined) this.shared = (optimizer as Optimizer<HasLr, unknown>)._shared()
      this.keepAlive = setInterval(() => {}, 1 << 30)
      signal?.addEventListener('abort', this.onAbort)
    }
  }

  /** True while batches can be replayed natively. */
  get active(): boolean {
    return this.runner !== null
  }

  /** Runs the rest on the JS thread, for `reason`; an error under `offThread: 'require'`. */
  private disable(reason: string): void {
    this.close()
    this.reason = reason
    if (this.mode === 'require') fail('ERR_ARG', this.op, `offThread is 'require', but ${reason}`)
  }

  /**
   * Runs `compute` on `inputs` here; while replays are possible and `traces`
   * has no recording for this size yet, records it.
   */
  step(traces: Map<number, NativeTrace>, inputs: Tensor[], compute: () => Tensor): Tensor {
    const size = inputs[0].shape[0]
    if (!this.active || traces.has(size)) return compute()
    const before = stateTensors(this.model)
    native.traceBegin(inputs.map((t) => t._n))
    let out: Tensor
    try {
      out = compute()
    } catch (e) {
      native.traceEnd(null)
      throw e
    }
    let trace: NativeTrace | null = null
    let why: string | undefined
    try {
      trace = native.traceEnd(out._n)
    } catch (e) {
      why = e instanceof FerrogradError && e.op === 'trace' ? e.detail : e instanceof Error ? e.message : String(e)
    }
    const after = stateTensors(this.model)
    if (after.length !== before.length || after.some((t, i) => t !== before[i])) {
      why = 'the forward pass cannot be replayed: it replaced a parameter or buffer of the model with a new tensor'
    }
    if (trace && why === undefined) traces.set(size, trace)
    else this.disable(why ?? 'the forward pass could not be recorded')
    return out
  }

  /** Waits for a native run: its result, or the error it carried. */
  private async wait(run: Promise<RunResult>): Promise<RunResult> {
    return this.check(await run)
  }

  /** The result of a native run, or the error it carried. */
  private check(r: RunResult): RunResult {
    if (r.errorCode) throw toFerrogradError({ code: r.errorCode, message: r.errorMessage ?? `${this.op} failed` }, this.op)
    if (r.stopped) throw abortError(this.op)
    return r
  }

  /** Trains natively on batches `first..last` of the epoch's `order`; their losses. */
  async train(trace: NativeTrace, x: Tensor, y: Tensor, order: Tensor, batchSize: number, first: number, last: number): Promise<number[]> {
    ;(this.optimizer as Optimizer<HasLr, unknown>)._syncOptions()
    return (await this.wait(this.runner!.train(trace, this.shared!, x._n, y._n, order._n, batchSize, first, last))).losses
  }

  /** The losses of batches `first..last` of `x`, `y` in turn, natively and without a graph. */
  async evaluate(trace: NativeTrace, x: Tensor, y: Tensor, batchSize: number, first: number, last: number): Promise<number[]> {
    return (await this.wait(this.runner!.evaluate(trace, x._n, y._n, batchSize, first, last))).losses
  }

  /** The outputs of batches `first..last` of `x` joined along dim 0, natively and without a graph. */
  async predict(trace: NativeTrace, x: Tensor, batchSize: number, first: number, last: number): Promise<Tensor> {
    const r = await this.wait(this.runner!.predict(trace, x._n, batchSize, first, last))
    return new Tensor(r.output!)
  }

  /** Ends the native thread once its runs are done. */
  close(): void {
    this.signal?.removeEventListener('abort', this.onAbort)
    if (this.keepAlive !== null) clearInterval(this.keepAlive)
    this.keepAlive = null
    this.runner?.close()
    this.runner = null
  }
}

/** Mean loss over `[x, y]` in batches, without a graph. */
async function evaluate(model: Module, x: Tensor, y: Tensor, loss: (i: Tensor, t: Tensor) => Tensor, batchSize: number, slicer: Slicer, replay: Replay): Promise<number> {
  const n = x.shape[0]
  const batching = new Batching(n, batchSize)
  let total = 0
  for (let b = 0; b < batching.count; ) {
    const trace = replay.active ? replay.traces.eval.get(batching.sizeOf(b)) : undefined
    if (trace) {
      const last = batching.endOfRun(b)
      for (const value of await replay.evaluate(trace, x, y, batchSize, b, last)) total += value * batching.sizeOf(b++)
      continue
    }
    const size = batching.sizeOf(b)
    const [xb, yb] = [x.narrow(0, b * batchSize, size), y.narrow(0, b * batchSize, size)]
    total += noGrad(() => replay.step(replay.traces.eval, [xb, yb], () => loss(forwardTensor(model, xb), yb))).item() * size
    b++
    await slicer.maybeYield()
  }
  return total / n
}

/** Trains `model` on `x`, `y`; see {@link FitOptions}. */
export async function fit(model: Module, x: Tensor, y: Tensor, options: FitOptions): Promise<FitHistory> {
  checkOptions('fit', options, ['optimizer', 'loss', 'epochs', 'batchSize', 'shuffle', 'seed', 'validationData', 'signal', 'onBatchEnd', 'onEpochEnd', 'offThread'])
  if (!(x instanceof Tensor) || !(y instanceof Tensor)) fail('ERR_ARG', 'fit', `x and y must be Tensors, got ${describe(x)} and ${describe(y)}`)
  if (options === undefined || options === null) fail('ERR_ARG', 'fit', 'options with an optimizer and a loss are required')
  const { optimizer, validationData, signal, onBatchEnd, onEpochEnd } = options
  if (!optimizer || typeof optimizer.step !== 'function' || typeof optimizer.zeroGrad !== 'function') {
    fail('ERR_ARG', 'fit', `optimizer must have step() and zeroGrad() (an fg.optim optimizer), got ${describe(optimizer)}`)
  }
  const loss = lossFn(options.loss)
  const epochs = positiveInt('fit', 'epochs', options.epochs, 1)
  const batchSize = positiveInt('fit', 'batchSize', options.batchSize, 32)
  const mode = offThreadMode('fit', options.offThread)
  if (validationData !== undefined && !(Array.isArray(validationData) && validationData.length === 2 && validationData.every((t) => t instanceof Tensor))) {
    fail('ERR_ARG', 'fit', `validationData must be [x, y] tensors, got ${describe(validationData)}`)
  }
  const loader = new DataLoader(new TensorDataset(x, y), { batchSize, shuffle: options.shuffle ?? true, seed: options.seed })
  const batching = new Batching(x.shape[0], batchSize)
  const history: FitHistory = { loss: [], ...(validationData ? { valLoss: [] } : {}), offThread: false }
  const wasTraining = model.training
  const slicer = new Slicer()
  const replay = new Replay('fit', mode, model, signal, optimizer)
  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      model.train()
      const order = loader._nextOrder()
      let sum = 0
      for (let b = 0; b < batching.count; ) {
        aborted(signal)
        const trace = replay.active ? replay.traces.train.get(batching.sizeOf(b)) : undefined
        if (trace) {
          // While onBatchEnd is given, one batch per run: the callback sees each step.
          const last = onBatchEnd ? b + 1 : batching.endOfRun(b)
          history.offThread = true
          for (const value of await replay.train(trace, x, y, order, batchSize, b, last)) {
            sum += value * batching.sizeOf(b)
            onBatchEnd?.({ epoch, batch: b, loss: value })
            b++
          }
          continue
        }
        const size = batching.sizeOf(b)
        const idx = order.narrow(0, b * batchSize, size)
        const [xb, yb] = [x.indexSelect(0, idx), y.indexSelect(0, idx)]
        optimizer.zeroGrad()
        const l = replay.step(replay.traces.train, [xb, yb], () => loss(forwardTensor(model, xb), yb))
        l.backward()
        optimizer.step()
        const value = l.item()
        sum += value * size
        onBatchEnd?.({ epoch, batch: b, loss: value })
        b++
        await slicer.maybeYield()
      }
      const info: EpochInfo = { epoch, loss: sum / x.shape[0] }
      history.loss.push(info.loss)
      if (validationData) {
        model.eval()
        info.valLoss = await evaluate(model, validationData[0], validationData[1], loss, batchSize, slicer, replay)
        history.valLoss!.push(info.valLoss)
      }
      onEpochEnd?.(info)
      await pause()
    }
  } finally {
    replay.close()
    model.train(wasTraining)
  }
  if (replay.reason !== undefined) {
    history.offThread = false
    history.offThreadReason = replay.reason
  }
  return history
}

/** Runs `model` on `x` in eval mode and without a graph, in batches; see {@link PredictOptions}. */
export async function predict(model: Module, x: Tensor, options: PredictOptions = {}): Promise<Tensor> {
  checkOptions('predict', options, ['batchSize', 'offThread'])
  if (!(x instanceof Tensor)) fail('ERR_ARG', 'predict', `x must be a Tensor, got ${describe(x)}`)
  const batchSize = positiveInt('predict', 'batchSize', options.batchSize, 256)
  const mode = offThreadMode('predict', options.offThread)
  const wasTraining = model.training
  const slicer = new Slicer()
  const parts: Tensor[] = []
  model.eval()
  const replay = new Replay('predict', mode, model, undefined)
  try {
    if (x.ndim === 0 || x.shape[0] === 0) return noGrad(() => forwardTensor(model, x))
    const batching = new Batching(x.shape[0], batchSize)
    for (let b = 0; b < batching.count; ) {
      const trace = replay.active ? replay.traces.predict.get(batching.sizeOf(b)) : undefined
      if (trace) {
        const last = batching.endOfRun(b)
        parts.push(await replay.predict(trace, x, batchSize, b, last))
        b = last
        continue
      }
      const xb = x.narrow(0, b * batchSize, batching.sizeOf(b))
      parts.push(noGrad(() => replay.step(replay.traces.predict, [xb], () => forwardTensor(model, xb))))
      b++
      await slicer.maybeYield()
    }
  } finally {
    replay.close()
    model.train(wasTraining)
  }
  return parts.length === 1 ? parts[0] : cat(parts, 0)
}
