import { describe, expect, test } from 'vitest'
import { mlpTraining } from './helpers'

describe('memory over a long training loop', () => {
  test('20,000 steps that dispose nothing keep resident memory bounded', () => {
    const { step } = mlpTraining(0, [32, 64, 10], 64)
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
