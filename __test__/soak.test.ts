import { describe, expect, test } from 'vitest'
import { fg } from './helpers'

describe('memory over a long training loop', () => {
  test('20,000 steps that dispose nothing keep resident memory bounded', () => {
    fg.manualSeed(0)
    const model = new fg.nn.Sequential(new fg.nn.Linear(32, 64), new fg.nn.ReLU(), new fg.nn.Linear(64, 10))
    const optimizer = new fg.optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 })
    const x = fg.randn([64, 32])
    const y = fg.randint(0, 10, [64])
    const step = () => {
      optimizer.zeroGrad()
      const loss = fg.nn.functional.crossEntropy(model.forward(x), y)
      loss.backward()
      optimizer.step()
    }
    for (let i = 0; i < 2_000; i++) step() // warm-up
    const start = process.memoryUsage().rss
    let peak = start
    for (let i = 0; i < 20_000; i++) {
      step()
      if (i % 500 === 0) peak = Math.max(peak, process.memoryUsage().rss)
    }
    const end = process.memoryUsage().rss
    const mb = (b: number) => (b / 2 ** 20).toFixed(1)
    console.log(`rss after warm-up ${mb(start)} MB, peak ${mb(peak)} MB, end ${mb(end)} MB`)
    expect(Math.max(peak, end) - start).toBeLessThan(64 * 2 ** 20)
  })
})
