// hardtanh, the op added through CONTRIBUTING.md's path for a unary op: one
// item in the core, one binding declaration, one TS declaration.
import { describe, expect, test } from 'vitest'
import { expectError, fg } from './helpers'

describe('hardtanh', () => {
  test('limits to [minVal, maxVal] as a function, a method, in nn.functional and as a layer', () => {
    const x = fg.tensor([-2, -1, -0.5, 0.5, 1, 3])
    const want = [-1, -1, -0.5, 0.5, 1, 1]
    expect(fg.hardtanh(x).tolist()).toEqual(want)
    expect(x.hardtanh().tolist()).toEqual(want)
    expect(fg.nn.functional.hardtanh(x, -0.25, 2).tolist()).toEqual([-0.25, -0.25, -0.25, 0.5, 1, 2])
    expect(new fg.nn.Hardtanh(0, 1).forward(x).tolist()).toEqual([0, 0, 0, 0.5, 1, 1])
    expect(new fg.nn.Hardtanh().toString()).toBe('Hardtanh(min_val=-1, max_val=1)')
    expect(Number.isNaN(fg.hardtanh(fg.tensor([NaN])).item())).toBe(true)
    const i = fg.tensor([-5, 0, 5], { dtype: 'int64' }).hardtanh(-2, 2)
    expect([i.dtype, i.tolist()]).toEqual(['int64', [-2, 0, 2]])
  })

  test('its gradient flows strictly inside the bounds, as PyTorch hardtanh_backward', () => {
    const x = fg.tensor([-2, -1, -0.5, 0.5, 1, 3], { requiresGrad: true })
    const y = x.hardtanh()
    expect(y.gradFn).toBe('HardtanhBackward')
    y.sum().backward()
    expect(x.grad?.tolist()).toEqual([0, 0, 1, 1, 0, 0])
    const r = fg.autograd.gradcheck((t: fg.Tensor) => t.hardtanh(-0.7, 0.9), [fg.tensor([-1.5, -0.3, 0.2, 0.6, 1.2], { dtype: 'float64', requiresGrad: true })])
    expect(r).toBe(true)
  })

  test('refuses bounds out of order, naming the op', () => {
    const e = expectError(() => fg.ones([2]).hardtanh(1, -1), 'ERR_ARG', /^hardtanh: min_val must not exceed max_val/)
    expect(e.op).toBe('hardtanh')
    expectError(() => new fg.nn.Hardtanh(1, -1), 'ERR_ARG', /^Hardtanh: /)
    expectError(() => fg.hardtanh('x' as unknown as fg.Tensor), 'ERR_ARG', /^hardtanh: expected a Tensor/)
  })

  test('is recorded and replayed by fit', async () => {
    fg.manualSeed(0)
    const model = new fg.nn.Sequential(new fg.nn.Linear(3, 4), new fg.nn.Hardtanh(), new fg.nn.Linear(4, 1))
    const x = fg.randn([32, 3])
    const y = x.sum(1, true)
    const opt = new fg.optim.SGD(model.parameters(), { lr: 0.05 })
    const h = await model.fit(x, y, { epochs: 3, batchSize: 8, optimizer: opt, loss: new fg.nn.MSELoss() })
    expect(h.loss[2]).toBeLessThan(h.loss[0])
  })
})
