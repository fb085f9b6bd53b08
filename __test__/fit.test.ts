import { describe, expect, test } from 'vitest'
import { fg } from './helpers'

/** A small separable problem: the label is whether x0 + x1 > 0. */
function data(n: number, seed: number): [fg.Tensor, fg.Tensor] {
  fg.manualSeed(seed)
  const x = fg.randn([n, 2])
  return [x, x.sum(1).gt(0).long()]
}

const net = () => new fg.nn.Sequential(new fg.nn.Linear(2, 16), new fg.nn.ReLU(), new fg.nn.Linear(16, 2))

describe('model.fit and model.predict', () => {
  test('fit trains, reports progress on the JS thread and restores the mode', async () => {
    const [x, y] = data(256, 1)
    fg.manualSeed(3)
    const model = net().eval()
    const batches: number[] = []
    const epochs: fg.nn.EpochInfo[] = []
    const history = await model.fit(x, y, {
      optimizer: new fg.optim.SGD(model.parameters(), { lr: 0.5 }),
      loss: new fg.nn.CrossEntropyLoss(),
      epochs: 4,
      batchSize: 32,
      seed: 0,
      validationData: data(64, 2),
      onBatchEnd: (b) => batches.push(b.batch),
      onEpochEnd: (e) => epochs.push(e),
    })
    expect(batches.length).toBe(4 * 8)
    expect(epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4])
    expect(history.loss.length).toBe(4)
    expect(history.loss[3]).toBeLessThan(history.loss[0])
    expect(history.valLoss![3]).toBeLessThan(0.3)
    expect(model.training).toBe(false)
    const out = await model.predict(data(100, 4)[0], { batchSize: 30 })
    expect(out.shape).toEqual([100, 2])
    expect(out.requiresGrad).toBe(false)
  })

  test('the same seed gives the same history; the event loop runs during fit', async () => {
    const run = async () => {
      const [x, y] = data(128, 1)
      fg.manualSeed(7)
      const model = net()
      return model.fit(x, y, { optimizer: new fg.optim.SGD(model.parameters(), { lr: 0.1 }), loss: (a, b) => fg.nn.functional.crossEntropy(a, b), epochs: 2, seed: 5 })
    }
    let ticks = 0
    const timer = setInterval(() => ticks++, 0)
    const [a, b] = [await run(), await run()]
    clearInterval(timer)
    expect(a.loss).toEqual(b.loss)
    expect(ticks).toBeGreaterThan(0)
  })

  test('concurrent fits of different models do not disturb each other', async () => {
    const solo = async (seed: number) => {
      const [x, y] = data(128, seed)
      fg.manualSeed(seed)
      const model = net()
      const optimizer = new fg.optim.SGD(model.parameters(), { lr: 0.2 })
      return { model, optimizer, x, y }
    }
    const fitOf = (s: Awaited<ReturnType<typeof solo>>) => s.model.fit(s.x, s.y, { optimizer: s.optimizer, loss: new fg.nn.CrossEntropyLoss(), epochs: 3, seed: 1 })
    const alone = await Promise.all([await fitOf(await solo(1)), await fitOf(await solo(2))])
    const [s1, s2] = [await solo(1), await solo(2)]
    const together = await Promise.all([fitOf(s1), fitOf(s2)])
    expect(together).toEqual(alone)
  })

  test('an AbortSignal stops between batches and leaves the model usable', async () => {
    const [x, y] = data(512, 1)
    fg.manualSeed(3)
    const model = net()
    const controller = new AbortController()
    let seen = 0
    const run = model.fit(x, y, {
      optimizer: new fg.optim.SGD(model.parameters(), { lr: 0.1 }),
      loss: new fg.nn.CrossEntropyLoss(),
      epochs: 50,
      batchSize: 8,
      onBatchEnd: () => {
        if (++seen === 5) controller.abort()
      },
      signal: controller.signal,
    })
    await expect(run).rejects.toMatchObject({ code: 'ERR_ABORTED' })
    expect(seen).toBe(5)
    expect(model.training).toBe(true)
    const out = await model.predict(x.narrow(0, 0, 4))
    expect(Number.isFinite(out.sum().item())).toBe(true)
  })

  test('bad options are FerrogradErrors', async () => {
    const [x, y] = data(8, 1)
    const model = net()
    const optimizer = new fg.optim.SGD(model.parameters(), { lr: 0.1 })
    const loss = new fg.nn.CrossEntropyLoss()
    await expect(model.fit(x, y, { optimizer, loss, epochs: 0 })).rejects.toMatchObject({ code: 'ERR_ARG' })
    await expect(model.fit(x, y, { loss } as never)).rejects.toMatchObject({ code: 'ERR_ARG', message: expect.stringMatching(/optimizer/) })
    await expect(model.fit(x, y, { optimizer, loss: 3 } as never)).rejects.toMatchObject({ code: 'ERR_ARG', message: expect.stringMatching(/loss/) })
    await expect(model.fit(x, y.narrow(0, 0, 4), { optimizer, loss })).rejects.toMatchObject({ code: 'ERR_SHAPE' })
    await expect(model.fit(x, y, { optimizer, loss, lr: 1 } as never)).rejects.toMatchObject({ code: 'ERR_ARG', message: expect.stringMatching(/unknown option/) })
    await expect(model.predict(x, { batchSize: -1 })).rejects.toMatchObject({ code: 'ERR_ARG' })
  })
})
