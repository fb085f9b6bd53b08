import { describe, expect, test } from 'vitest'
import { fg } from './helpers'

// `fit` and `predict` off the main thread: the first batch of each shape runs on
// the JS thread while the core records it, the others replay the recording on a
// native thread. These tests hold the replay to the JS-thread result bit for
// bit, and check the fallbacks, onBatchEnd lockstep, abort, responsiveness and
// concurrent fits.

type Mode = fg.nn.OffThread

/** Every parameter's values, in order, as plain arrays (bitwise comparable with toEqual). */
const weights = (m: fg.nn.Module): number[][] => m.parameters().map((p) => Array.from(p.toFloat32Array()))

/** Every buffer's values by name. */
const buffers = (m: fg.nn.Module): Record<string, unknown> => Object.fromEntries(m.namedBuffers().map(([k, b]) => [k, b.tolist()]))

/** A small separable problem: the label is whether the features sum above 0. */
function blobs(n: number, features: number, seed: number): [fg.Tensor, fg.Tensor] {
  fg.manualSeed(seed)
  const x = fg.randn([n, features])
  return [x, x.sum(1).gt(0).long()]
}

/** Counts the model's forward calls made on the JS thread (replays do not call it). */
function countForward(model: fg.nn.Module): { calls: number } {
  const counter = { calls: 0 }
  const original = (model.forward as (x: fg.Tensor) => fg.Tensor).bind(model)
  ;(model as unknown as { forward: (x: fg.Tensor) => fg.Tensor }).forward = (x: fg.Tensor) => {
    counter.calls++
    return original(x)
  }
  return counter
}

/** `rows` MNIST digits spread over the (digit-sorted) training split, normalised. */
function mnistSlice(rows: number): [fg.Tensor, fg.Tensor] {
  const { train } = fg.data.mnist()
  const n = train[0].shape[0]
  const stride = Math.floor(n / rows)
  const idx = fg.tensor(
    Array.from({ length: rows }, (_, i) => i * stride),
    { dtype: 'int64' },
  )
  const x = fg.data.normalize(train[0].indexSelect(0, idx), 0.13, 0.31)
  return [x, train[1].indexSelect(0, idx)]
}

/** A user-defined CNN with every layer whose training-mode behaviour matters. */
class SmallCnn extends fg.nn.Module {
  conv = new fg.nn.Conv2d(1, 8, 3, { padding: 1 }) // [N, 8, 28, 28]
  bn = new fg.nn.BatchNorm2d(8)
  pool = new fg.nn.MaxPool2d(2) //                    [N, 8, 14, 14]
  drop = new fg.nn.Dropout(0.3)
  flatten = new fg.nn.Flatten()
  fc = new fg.nn.Linear(8 * 14 * 14, 10)

  forward(x: fg.Tensor): fg.Tensor {
    const h = this.pool.forward(this.bn.forward(this.conv.forward(x)).relu())
    return this.fc.forward(this.drop.forward(this.flatten.forward(h)))
  }
}

describe('fit off the main thread matches the JS thread bit for bit', () => {
  test('MLP Sequential, shorter last batch, validationData; forward runs on JS only once per batch shape', async () => {
    const [x, y] = blobs(200, 6, 1) // batches of 64, 64, 64, 8
    const validationData = blobs(100, 6, 2) // evaluated in batches of 64, 36
    const run = async (offThread: Mode) => {
      fg.manualSeed(11)
      const model = new fg.nn.Sequential(new fg.nn.Linear(6, 24), new fg.nn.Tanh(), new fg.nn.Linear(24, 24), new fg.nn.ReLU(), new fg.nn.Linear(24, 2))
      const counter = countForward(model)
      const optimizer = new fg.optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 })
      const history = await model.fit(x, y, {
        optimizer,
        loss: new fg.nn.CrossEntropyLoss(),
        epochs: 3,
        batchSize: 64,
        seed: 4,
        validationData,
        offThread,
      })
      return { history, weights: weights(model), calls: counter.calls }
    }
    const auto = await run('auto')
    const never = await run('never')
    const required = await run('require')

    expect(auto.history.offThread).toBe(true)
    expect(auto.history.offThreadReason).toBeUndefined()
    expect(required.history.offThread).toBe(true)
    expect(never.history.offThread).toBe(false)
    expect(never.history.offThreadReason).toMatch(/never/)

    expect(auto.history.loss).toHaveLength(3)
    expect(auto.history.loss).toEqual(never.history.loss)
    expect(auto.history.valLoss).toEqual(never.history.valLoss)
    expect(auto.weights).toEqual(never.weights)
    expect(required.history.loss).toEqual(never.history.loss)
    expect(required.weights).toEqual(never.weights)
    // It learned something (so the comparison is not of untouched weights).
    expect(auto.history.loss[2]).toBeLessThan(auto.history.loss[0])

    // On the JS thread: 3 epochs x 4 batches + 3 x 2 validation batches.
    expect(never.calls).toBe(18)
    // Off it: one recording per shape: train 64 and 8, eval 64 and 36.
    expect(auto.calls).toBe(4)
  })

  test('user-defined CNN with Conv2d, BatchNorm2d, Dropout, MaxPool2d on MNIST with Adam: same losses, weights, running stats and random state', async () => {
    const [x, y] = mnistSlice(250) // batches of 64, 64, 64, 58
    const run = async (offThread: Mode) => {
      fg.manualSeed(5)
      const model = new SmallCnn()
      const optimizer = new fg.optim.Adam(model.parameters(), { lr: 2e-3 })
      const history = await model.fit(x, y, { optimizer, loss: new fg.nn.CrossEntropyLoss(), epochs: 2, batchSize: 64, seed: 2, offThread })
      // The replay continues the JS thread's generator: what comes next is the same.
      const next = Array.from(fg.randn([8]).toFloat32Array())
      return { history, weights: weights(model), buffers: buffers(model), next, model }
    }
    const auto = await run('auto')
    const never = await run('never')

    expect(auto.history.offThread).toBe(true)
    expect(never.history.offThread).toBe(false)
    expect(auto.history.loss).toEqual(never.history.loss)
    expect(auto.history.loss[1]).toBeLessThan(auto.history.loss[0])
    expect(auto.weights).toEqual(never.weights)
    expect(Object.keys(auto.buffers).sort()).toEqual(['bn.num_batches_tracked', 'bn.running_mean', 'bn.running_var'])
    expect(auto.buffers).toEqual(never.buffers)
    expect(auto.buffers['bn.num_batches_tracked']).toEqual(8)
    expect(Array.from(auto.model.bn.runningMean!.toFloat32Array())).toEqual(Array.from(never.model.bn.runningMean!.toFloat32Array()))
    expect(auto.next).toEqual(never.next)
  })
})

describe('every fg.optim optimizer steps natively exactly as on the JS thread', () => {
  const [x, y] = blobs(200, 6, 91)
  type Build = (params: fg.nn.Parameter[]) => fg.nn.OptimizerLike
  const cases: [string, Build, ((m: fg.nn.Module) => void)?][] = [
    ['SGD with Nesterov momentum and weight decay', (p) => new fg.optim.SGD(p, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 1e-2 })],
    ['Adam with amsgrad and weight decay', (p) => new fg.optim.Adam(p, { lr: 1e-2, amsgrad: true, weightDecay: 1e-3 })],
    ['RMSprop centered with momentum', (p) => new fg.optim.RMSprop(p, { lr: 1e-2, momentum: 0.5, centered: true })],
    ['Adagrad', (p) => new fg.optim.Adagrad(p, { lr: 0.1 })],
    ['SGD with two param groups', (p) => new fg.optim.SGD([{ params: p.slice(0, 2), lr: 0.01 }, { params: p.slice(2) }], { lr: 0.1, momentum: 0.9 })],
    ['Adam with a frozen first layer', (p) => new fg.optim.Adam(p, { lr: 1e-2 }), (m) => m.parameters().slice(0, 2).forEach((p) => p.requiresGrad_(false))],
  ]
  test.each(cases)('%s', async (_name, build, prepare) => {
    const run = async (offThread: Mode) => {
      fg.manualSeed(17)
      const model = new fg.nn.Sequential(new fg.nn.Linear(6, 16), new fg.nn.ReLU(), new fg.nn.Linear(16, 2))
      prepare?.(model)
      const history = await model.fit(x, y, { optimizer: build(model.parameters()), loss: new fg.nn.CrossEntropyLoss(), epochs: 3, batchSize: 64, seed: 5, offThread })
      return { history, weights: weights(model) }
    }
    const auto = await run('auto')
    const never = await run('never')
    expect(auto.history.offThread).toBe(true)
    expect(auto.history.loss).toEqual(never.history.loss)
    expect(auto.weights).toEqual(never.weights)
  })
})

describe('predict off the main thread', () => {
  test("'auto' and 'never' give the eval-mode noGrad forward exactly, with a shorter last batch", async () => {
    fg.manualSeed(3)
    const x = fg.randn([1000, 16]) // batches of 256, 256, 256, 232
    const model = new fg.nn.Sequential(new fg.nn.Linear(16, 32), new fg.nn.BatchNorm1d(32), new fg.nn.ReLU(), new fg.nn.Dropout(0.5), new fg.nn.Linear(32, 3))
    // Non-trivial running statistics, so eval mode differs from training mode.
    fg.noGrad(() => model.forward(fg.randn([64, 16]).mul(3).add(1)))
    const counter = countForward(model)
    const auto = await model.predict(x, { batchSize: 256, offThread: 'auto' })
    const autoCalls = counter.calls
    const never = await model.predict(x, { batchSize: 256, offThread: 'never' })
    const neverCalls = counter.calls - autoCalls
    expect(model.training).toBe(true)
    expect(auto.shape).toEqual([1000, 3])
    expect(auto.requiresGrad).toBe(false)
    expect(autoCalls).toBe(2) // one recording per shape: 256 and 232
    expect(neverCalls).toBe(4)
    model.eval()
    const direct = fg.noGrad(() => model.forward(x))
    model.train()
    expect(Array.from(auto.toFloat32Array())).toEqual(Array.from(never.toFloat32Array()))
    expect(Array.from(auto.toFloat32Array())).toEqual(Array.from(direct.toFloat32Array()))
  })
  test("a forward pass that calls item(): 'auto' falls back to the same output, 'require' is ERR_ARG", async () => {
    class ItemNet extends fg.nn.Module {
      fc = new fg.nn.Linear(6, 2)
      forward(x: fg.Tensor): fg.Tensor {
        return this.fc.forward(x.sum().item() > 1e9 ? x.neg() : x)
      }
    }
    fg.manualSeed(4)
    const x = fg.randn([300, 6])
    const model = new ItemNet()
    const auto = await model.predict(x, { batchSize: 64 })
    const never = await model.predict(x, { batchSize: 64, offThread: 'never' })
    expect(Array.from(auto.toFloat32Array())).toEqual(Array.from(never.toFloat32Array()))
    await expect(model.predict(x, { batchSize: 64, offThread: 'require' })).rejects.toMatchObject({ code: 'ERR_ARG', message: expect.stringMatching(/item/) })
  })
})

describe('fallback to the JS thread', () => {
  const [x, y] = blobs(200, 4, 21)
  const validationData = blobs(100, 4, 22)

  /** Fits a fresh model from `make` under `offThread`, with a fresh SGD, the same seeds each time. */
  async function fitWith(make: () => fg.nn.Module, offThread: Mode, wrapOptimizer = false) {
    fg.manualSeed(8)
    const model = make()
    const sgd = new fg.optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.5 })
    const optimizer = wrapOptimizer ? { step: () => sgd.step(), zeroGrad: () => sgd.zeroGrad() } : sgd
    const history = await model.fit(x, y, { optimizer, loss: new fg.nn.CrossEntropyLoss(), epochs: 3, batchSize: 64, seed: 9, validationData, offThread })
    return { history, weights: weights(model), buffers: buffers(model) }
  }

  /** 'auto' falls back with a reason matching `reason` and gives exactly the 'never' result. */
  async function expectFallback(make: () => fg.nn.Module, reason: RegExp, wrapOptimizer = false) {
    const auto = await fitWith(make, 'auto', wrapOptimizer)
    const never = await fitWith(make, 'never', wrapOptimizer)
    expect(auto.history.offThread).toBe(false)
    expect(auto.history.offThreadReason).toMatch(reason)
    expect(auto.history.loss).toHaveLength(3)
    expect(auto.history.loss.every(Number.isFinite)).toBe(true)
    expect(auto.history.loss[2]).toBeLessThan(auto.history.loss[0])
    expect(auto.history.loss).toEqual(never.history.loss)
    expect(auto.history.valLoss).toEqual(never.history.valLoss)
    expect(auto.weights).toEqual(never.weights)
    expect(auto.buffers).toEqual(never.buffers)
    const required = fitWith(make, 'require', wrapOptimizer)
    await expect(required).rejects.toBeInstanceOf(fg.FerrogradError)
    await expect(required).rejects.toMatchObject({ code: 'ERR_ARG', message: expect.stringMatching(reason) })
  }

  class ItemNet extends fg.nn.Module {
    fc1 = new fg.nn.Linear(4, 16)
    fc2 = new fg.nn.Linear(16, 2)
    forward(x: fg.Tensor): fg.Tensor {
      const h = this.fc1.forward(x).relu()
      // A value read out of an intermediate steers the control flow.
      const scale = h.abs().mean().item()
      return this.fc2.forward(scale > 1e9 ? h.neg() : h)
    }
  }

  test('a forward pass that calls item() on an intermediate', async () => {
    await expectFallback(() => new ItemNet(), /item/)
  })

  test('item() only on the shorter last batch: falls back after batches already replayed, still exact', async () => {
    class LateItem extends ItemNet {
      forward(x: fg.Tensor): fg.Tensor {
        const h = this.fc1.forward(x).relu()
        if (x.shape[0] < 64) h.sum().item()
        return this.fc2.forward(h)
      }
    }
    await expectFallback(() => new LateItem(), /item/)
  })

  /** A Linear(4, 2) with a buffer `name` that starts as `initial`, for the forward passes below that touch it. */
  abstract class BufferNet extends fg.nn.Module {
    fc = new fg.nn.Linear(4, 2)
    constructor(name: string, initial: fg.Tensor) {
      super()
      this.registerBuffer(name, initial)
    }
  }

  test('a forward pass that replaces a buffer with a new tensor', async () => {
    class Counting extends BufferNet {
      constructor() {
        super('count', fg.zeros([1]))
      }
      forward(x: fg.Tensor): fg.Tensor {
        this.registerBuffer('count', this.getBuffer('count')!.add(1))
        return this.fc.forward(x)
      }
    }
    await expectFallback(() => new Counting(), /replaced/)
    // Every forward call counted on the JS thread: 3 x (4 + 2).
    fg.manualSeed(8)
    const m = new Counting()
    await m.fit(x, y, { optimizer: new fg.optim.SGD(m.parameters(), { lr: 0.1 }), loss: new fg.nn.CrossEntropyLoss(), epochs: 3, batchSize: 64, validationData })
    expect(m.getBuffer('count')!.tolist()).toEqual([18])
  })

  test('a forward pass that changes a tensor in place (nn.init)', async () => {
    class InPlace extends BufferNet {
      constructor() {
        super('scale', fg.ones([1]))
      }
      forward(x: fg.Tensor): fg.Tensor {
        fg.nn.init.constant_(this.getBuffer('scale')!, 2)
        return this.fc.forward(x).mul(this.getBuffer('scale')!)
      }
    }
    await expectFallback(() => new InPlace(), /in place/)
  })

  test('a plain-object optimizer wrapping an SGD', async () => {
    const mlp = () => new fg.nn.Sequential(new fg.nn.Linear(4, 16), new fg.nn.ReLU(), new fg.nn.Linear(16, 2))
    await expectFallback(mlp, /optimizer/, true)
  })
})

describe('onBatchEnd runs in lockstep with the native thread', () => {
  const [x, y] = blobs(320, 6, 31) // 5 batches of 64 per epoch

  async function freezeAt(freezeBatch: number, offThread: Mode) {
    fg.manualSeed(12)
    const model = new fg.nn.Sequential(new fg.nn.Linear(6, 16), new fg.nn.ReLU(), new fg.nn.Linear(16, 2))
    const optimizer = new fg.optim.SGD(model.parameters(), { lr: 0.2, momentum: 0.9 })
    const seen: number[][][] = []
    const losses: number[] = []
    let frozen: number[][] | undefined
    const history = await model.fit(x, y, {
      optimizer,
      loss: new fg.nn.CrossEntropyLoss(),
      epochs: 2,
      batchSize: 64,
      seed: 3,
      offThread,
      onBatchEnd: ({ epoch, batch, loss }) => {
        losses.push(loss)
        if (epoch === 1) seen.push(weights(model))
        if (epoch === 1 && batch === freezeBatch) {
          frozen = weights(model)
          optimizer.paramGroups[0].lr = 0
        }
      },
    })
    return { history, seen, losses, frozen: frozen!, final: weights(model) }
  }

  test('lr = 0 set after batch 0 of epoch 1 freezes the weights from the next step', async () => {
    const auto = await freezeAt(0, 'auto')
    expect(auto.history.offThread).toBe(true)
    expect(auto.losses).toHaveLength(10)
    expect(auto.final).toEqual(auto.frozen)
    // The losses after the freeze are those of the frozen weights, every one of them a native step.
    const never = await freezeAt(0, 'never')
    expect(auto.losses).toEqual(never.losses)
    expect(auto.final).toEqual(never.final)
  })

  test('lr = 0 set in the middle of a native run: each callback sees its own step, the weights freeze there', async () => {
    // Batches 1..4 of epoch 1 replay natively; the callback of batch 2 must see
    // the weights after step 2, not after the end of a longer run.
    const auto = await freezeAt(2, 'auto')
    const never = await freezeAt(2, 'never')
    expect(auto.history.offThread).toBe(true)
    expect(auto.seen).toHaveLength(5)
    expect(auto.seen[1]).not.toEqual(auto.seen[0])
    expect(auto.seen[2]).not.toEqual(auto.seen[1])
    expect(auto.seen[3]).toEqual(auto.seen[2])
    expect(auto.final).toEqual(auto.frozen)
    expect(auto.seen).toEqual(never.seen)
    expect(auto.losses).toEqual(never.losses)
    expect(auto.final).toEqual(never.final)
  })
})

describe('abort', () => {
  test('aborted from onBatchEnd at batch 3: ERR_ABORTED, the weights of that step, the model still usable', async () => {
    const [x, y] = blobs(448, 6, 41) // 7 batches of 64
    fg.manualSeed(13)
    const model = new fg.nn.Sequential(new fg.nn.Linear(6, 16), new fg.nn.ReLU(), new fg.nn.Linear(16, 2))
    const before = weights(model)
    const optimizer = new fg.optim.SGD(model.parameters(), { lr: 0.2 })
    const controller = new AbortController()
    const batches: number[] = []
    let snapshot: number[][] | undefined
    const run = model.fit(x, y, {
      optimizer,
      loss: new fg.nn.CrossEntropyLoss(),
      epochs: 3,
      batchSize: 64,
      signal: controller.signal,
      onBatchEnd: ({ batch }) => {
        batches.push(batch)
        if (batch === 3) {
          snapshot = weights(model)
          controller.abort()
        }
      },
    })
    await expect(run).rejects.toBeInstanceOf(fg.FerrogradError)
    await expect(run).rejects.toMatchObject({ code: 'ERR_ABORTED' })
    expect(batches).toEqual([0, 1, 2, 3])
    expect(snapshot).not.toEqual(before)
    expect(weights(model)).toEqual(snapshot)
    expect(model.training).toBe(true)

    const out = fg.noGrad(() => model.forward(x.narrow(0, 0, 5)))
    expect(out.shape).toEqual([5, 2])
    expect(Array.from(out.toFloat32Array()).every(Number.isFinite)).toBe(true)
    expect((await model.predict(x)).shape).toEqual([448, 2])
    // And it trains on, off the main thread.
    const again = await model.fit(x, y, { optimizer, loss: new fg.nn.CrossEntropyLoss(), batchSize: 64 })
    expect(again.offThread).toBe(true)
    expect(weights(model)).not.toEqual(snapshot)
  })

  test('aborted while one long native run is in flight (no onBatchEnd): ERR_ABORTED, finite weights, usable', async () => {
    // One epoch of 60,000 batches: after the first (recorded) batch the rest is a
    // single native run (about half a second unstopped), so only stopping the
    // runner can make this reject.
    const [x, y] = blobs(120_000, 6, 42)
    fg.manualSeed(14)
    const model = new fg.nn.Sequential(new fg.nn.Linear(6, 64), new fg.nn.ReLU(), new fg.nn.Linear(64, 2))
    const before = weights(model)
    const controller = new AbortController()
    let scheduled = false
    const ce = new fg.nn.CrossEntropyLoss()
    const run = model.fit(x, y, {
      optimizer: new fg.optim.SGD(model.parameters(), { lr: 0.01 }),
      // Called on the JS thread only while recording: the abort comes once the native run has started.
      loss: (input, target) => {
        if (!scheduled) {
          scheduled = true
          setTimeout(() => controller.abort(), 10)
        }
        return ce.forward(input, target)
      },
      batchSize: 2,
      signal: controller.signal,
    })
    await expect(run).rejects.toMatchObject({ code: 'ERR_ABORTED' })
    const after = weights(model)
    expect(after).not.toEqual(before)
    expect(after.flat().every(Number.isFinite)).toBe(true)
    const again = await model.fit(x.narrow(0, 0, 256), y.narrow(0, 0, 256), { optimizer: new fg.optim.SGD(model.parameters(), { lr: 0.01 }), loss: ce, batchSize: 64 })
    expect(again.offThread).toBe(true)
  })
})

describe('responsiveness', () => {
  test('timers keep firing while heavy batches train', async () => {
    const batchSize = 512
    const batches = 8
    fg.manualSeed(51)
    const x = fg.randn([batchSize * batches, 1024])
    const y = fg.randn([batchSize * batches, 10])
    fg.manualSeed(52)
    const model = new fg.nn.Sequential(new fg.nn.Linear(1024, 1024), new fg.nn.ReLU(), new fg.nn.Linear(1024, 1024), new fg.nn.ReLU(), new fg.nn.Linear(1024, 10))
    let ticks = 0
    const timer = setInterval(() => ticks++, 1)
    let history: fg.nn.FitHistory
    try {
      history = await model.fit(x, y, { optimizer: new fg.optim.SGD(model.parameters(), { lr: 0.01 }), loss: new fg.nn.MSELoss(), batchSize, seed: 1 })
    } finally {
      clearInterval(timer)
    }
    expect(history.offThread).toBe(true)
    // On the JS thread (offThread 'never') a timer fires about once per batch,
    // between batches; off it, many times during each batch.
    expect(ticks).toBeGreaterThanOrEqual(3 * batches)
  })
})

describe('concurrency', () => {
  test('three fits of three models at once give the histories and weights of the same fits one after another', async () => {
    const [xa, ya] = blobs(300, 8, 61)
    const [xb, yb] = blobs(256, 8, 62)
    const [xc, yc] = mnistSlice(128)
    const setups = [
      () => {
        fg.manualSeed(71)
        const model = new fg.nn.Sequential(new fg.nn.Linear(8, 32), new fg.nn.ReLU(), new fg.nn.Linear(32, 2))
        const optimizer = new fg.optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 })
        return { model, fit: () => model.fit(xa, ya, { optimizer, loss: new fg.nn.CrossEntropyLoss(), epochs: 4, batchSize: 32, seed: 1, validationData: [xb, yb] }) }
      },
      () => {
        fg.manualSeed(72)
        const model = new fg.nn.Sequential(new fg.nn.Linear(8, 48), new fg.nn.BatchNorm1d(48), new fg.nn.Tanh(), new fg.nn.Linear(48, 2))
        const optimizer = new fg.optim.Adam(model.parameters(), { lr: 1e-2 })
        return { model, fit: () => model.fit(xb, yb, { optimizer, loss: new fg.nn.CrossEntropyLoss(), epochs: 4, batchSize: 48, seed: 2 }) }
      },
      () => {
        fg.manualSeed(73)
        const model = new fg.nn.Sequential(new fg.nn.Conv2d(1, 4, 3), new fg.nn.ReLU(), new fg.nn.MaxPool2d(2), new fg.nn.Flatten(), new fg.nn.Linear(4 * 13 * 13, 10))
        const optimizer = new fg.optim.Adam(model.parameters(), { lr: 2e-3 })
        return { model, fit: () => model.fit(xc, yc, { optimizer, loss: new fg.nn.CrossEntropyLoss(), epochs: 3, batchSize: 40, seed: 3 }) }
      },
    ]
    const oneAfterAnother: { history: fg.nn.FitHistory; weights: number[][]; buffers: Record<string, unknown> }[] = []
    for (const setup of setups) {
      const { model, fit } = setup()
      const history = await fit()
      oneAfterAnother.push({ history, weights: weights(model), buffers: buffers(model) })
    }
    const built = setups.map((setup) => setup())
    const histories = await Promise.all(built.map((b) => b.fit()))
    const together = built.map(({ model }, i) => ({ history: histories[i], weights: weights(model), buffers: buffers(model) }))
    for (const r of together) expect(r.history.offThread).toBe(true)
    expect(together).toEqual(oneAfterAnother)
  })
})

describe('bad input', () => {
  test('an unknown offThread value is ERR_ARG for fit and predict', async () => {
    const [x, y] = blobs(16, 2, 81)
    const model = new fg.nn.Sequential(new fg.nn.Linear(2, 2))
    const before = weights(model)
    const optimizer = new fg.optim.SGD(model.parameters(), { lr: 0.1 })
    const loss = new fg.nn.CrossEntropyLoss()
    for (const offThread of ['sometimes', true, null, 'AUTO']) {
      await expect(model.fit(x, y, { optimizer, loss, offThread } as never)).rejects.toMatchObject({ code: 'ERR_ARG', message: expect.stringMatching(/offThread/) })
      await expect(model.predict(x, { offThread } as never)).rejects.toMatchObject({ code: 'ERR_ARG', message: expect.stringMatching(/offThread/) })
    }
    expect(weights(model)).toEqual(before)
  })
})
