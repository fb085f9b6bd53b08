import { describe, expect, test } from 'vitest'
import { fg } from './helpers'
import { startService, type Status } from '../examples/service'

describe('examples/service.ts', () => {
  test('answers /predict and /status over real HTTP while it trains', async () => {
    const service = await startService(0, 3)
    const base = `http://127.0.0.1:${service.port}`
    try {
      const first = (await (await fetch(`${base}/status`)).json()) as Status
      expect(first.done).toBe(false)
      const digit = fg.data.mnist().test[0].narrow(0, 0, 2).flatten(1).tolist() as number[][]
      const during = await fetch(`${base}/predict`, { method: 'POST', body: JSON.stringify({ images: digit }) })
      expect(during.status).toBe(200)
      expect(((await during.json()) as { digits: number[] }).digits).toHaveLength(2)
      const bad = await fetch(`${base}/predict`, { method: 'POST', body: JSON.stringify({ images: [[1, 2]] }) })
      expect(bad.status).toBe(400)
      expect(((await bad.json()) as { error: string }).error).toMatch(/784/)
      await service.training
      const last = (await (await fetch(`${base}/status`)).json()) as Status
      expect(last).toMatchObject({ done: true, epoch: 3, error: null })
      expect(last.testAccuracy).toBeGreaterThan(0.85)
    } finally {
      await service.close()
    }
  }, 60_000)
})
