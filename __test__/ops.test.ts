import { describe, expect, test } from 'vitest'
import { expectClose, expectError, fg } from './helpers'

// Reference values are computed here in plain JavaScript from the definitions.
const erf = (x: number) => {
  // Abramowitz-Stegun 7.1.26 is too coarse; integrate the series instead.
  let sum = 0
  let term = x
  for (let n = 0; n < 60; n++) {
    sum += term / (2 * n + 1)
    term *= (-x * x) / (n + 1)
  }
  return (2 / Math.sqrt(Math.PI)) * sum
}

describe('elementwise math', () => {
  const xs = [-2, -0.5, 0.25, 1.5, 3]
  const x = fg.tensor(xs)

  test('sqrt abs pow clamp', () => {
    expectClose(fg.tensor([4, 2.25]).sqrt().toFloat32Array(), [2, 1.5])
    expect(x.abs().tolist()).toEqual([2, 0.5, 0.25, 1.5, 3])
    expectClose(x.pow(2).toFloat32Array(), xs.map((v) => v * v))
    expectClose(fg.pow(2, x).toFloat32Array(), xs.map((v) => 2 ** v))
    expectClose(fg.tensor([2, 3]).pow(fg.tensor([3, 0.5])).toFloat32Array(), [8, Math.sqrt(3)])
    expect(x.clamp(-1, 1).tolist()).toEqual([-1, -0.5, 0.25, 1, 1])
    expect(x.clamp(null, 0).tolist()).toEqual([-2, -0.5, 0, 0, 0])
    expectError(() => x.clamp(), 'ERR_ARG', /min and max/)
  })

  test('activations against their definitions', () => {
    const sig = (v: number) => 1 / (1 + Math.exp(-v))
    expectClose(x.gelu().toFloat32Array(), xs.map((v) => 0.5 * v * (1 + erf(v / Math.SQRT2))))
    expectClose(x.silu().toFloat32Array(), xs.map((v) => v * sig(v)))
    expectClose(x.softplus().toFloat32Array(), xs.map((v) => Math.log1p(Math.exp(v))))
    expectClose(x.leakyRelu(0.2).toFloat32Array(), xs.map((v) => (v > 0 ? v : 0.2 * v)))
    expectClose(new fg.nn.GELU().forward(x).toFloat32Array(), x.gelu().toFloat32Array(), 0)
    expect(new fg.nn.LeakyReLU(0.1).toString()).toBe('LeakyReLU(negative_slope=0.1)')
  })

  test('maximum and minimum broadcast and accept numbers', () => {
    expect(fg.maximum(fg.tensor([1, 5, 3]), fg.tensor([4])).tolist()).toEqual([4, 5, 4])
    expect(fg.tensor([1, 5, 3]).minimum(2).tolist()).toEqual([1, 2, 2])
    expect(fg.tensor([[1, 5]]).max(fg.tensor([[3], [0]])).tolist()).toEqual([[3, 5], [1, 5]])
  })

  test('comparisons and where', () => {
    const a = fg.tensor([1, 2, 3])
    expect(a.ne(2).tolist()).toEqual([true, false, true])
    expect(a.lt(2).tolist()).toEqual([true, false, false])
    expect(a.le(2).tolist()).toEqual([true, true, false])
    expect(a.gt(fg.tensor([0, 2, 4])).tolist()).toEqual([true, false, false])
    expect(fg.ge(a, 3).tolist()).toEqual([false, false, true])
    expect(fg.where(a.gt(1), a, 0).tolist()).toEqual([0, 2, 3])
    expect(a.maskedFill(a.eq(2), -1).tolist()).toEqual([1, -1, 3])
    expectError(() => fg.where(a, a, a), 'ERR_DTYPE', /bool/)
    // Mixed dtypes compare in their promoted dtype, as in PyTorch.
    expect(a.lt(fg.tensor([2], { dtype: 'int64' })).tolist()).toEqual([true, false, false])
  })
})

describe('reductions', () => {
  const x = fg.tensor([
    [3, 7, 7],
    [9, 1, 4],
  ])

  test('max and min overall and along a dim', () => {
    expect(x.max().item()).toBe(9)
    expect(fg.min(x).item()).toBe(1)
    const { values, indices } = x.max(1)
    expect(values.tolist()).toEqual([7, 9])
    expect(indices.tolist()).toEqual([1, 0])
    expect(x.min(0, true).values.tolist()).toEqual([[3, 1, 4]])
    expect(x.argmin(1).tolist()).toEqual([0, 1])
    expect(fg.tensor([5, 2], { dtype: 'int64' }).max().tolist()).toBe(5)
    expectError(() => fg.zeros([0]).max(), 'ERR_SHAPE', /empty/)
  })

  test('var and std, unbiased by default', () => {
    const v = fg.tensor([1, 2, 3, 4])
    expect(v.var().item()).toBeCloseTo(5 / 3, 6)
    expect(v.var(0, false, { unbiased: false }).item()).toBeCloseTo(1.25, 6)
    expect(fg.std(v, undefined, false, { correction: 0 }).item()).toBeCloseTo(Math.sqrt(1.25), 6)
    expectClose(x.var(1).toFloat32Array(), [16 / 3, 49 / 3])
    expectError(() => v.var(0, false, { correction: 1, unbiased: true }), 'ERR_ARG')
  })

  test('gradients: max routes to the chosen element, ties share', () => {
    const t = fg.tensor([1, 3, 3], { requiresGrad: true })
    t.max().backward()
    expect(t.grad!.tolist()).toEqual([0, 0.5, 0.5])
    const m = fg.tensor([[1, 4], [6, 2]], { requiresGrad: true })
    m.max(1).values.sum().backward()
    expect(m.grad!.tolist()).toEqual([[0, 1], [1, 0]])
  })
})

describe('rearranging and selecting', () => {
  const x = fg.arange(6).reshape(2, 3)

  test('creation: arange, linspace, eye, randint', () => {
    expect(fg.arange(4).tolist()).toEqual([0, 1, 2, 3])
    expect(fg.arange(4).dtype).toBe('int64')
    expect(fg.arange(0, 1, 0.25).tolist()).toEqual([0, 0.25, 0.5, 0.75])
    expect(fg.arange(5, 0, -2).tolist()).toEqual([5, 3, 1])
    expect(fg.linspace(0, 1, 3).tolist()).toEqual([0, 0.5, 1])
    expect(fg.eye(2).tolist()).toEqual([[1, 0], [0, 1]])
    const r = fg.randint(3, 6, [1000]).tolist() as number[]
    expect(Math.min(...r)).toBe(3)
    expect(Math.max(...r)).toBe(5)
    expectError(() => fg.arange(0, 1, 0), 'ERR_ARG')
    expectError(() => fg.randint(2, 2, [1]), 'ERR_ARG')
    // Every factory honours dtype (none may silently ignore it).
    const third = fg.linspace(0, 1, 4, { dtype: 'float64' })
    expect(third.dtype).toBe('float64')
    // The second half counts back from the end, as PyTorch does.
    expect(third.tolist()).toEqual([0, 1 / 3, 1 - 1 / 3, 1])
    expect(fg.eye(2, { dtype: 'int64' }).tolist()).toEqual([[1, 0], [0, 1]])
    expect(fg.eye(2, 3, { dtype: 'float64' }).shape).toEqual([2, 3])
    expect(fg.randint(0, 3, [2], { dtype: 'int32' }).dtype).toBe('int32')
    expect(fg.rand([2], { dtype: 'float64' }).dtype).toBe('float64')
    expect(fg.randn([2], { dtype: 'float64', requiresGrad: true }).requiresGrad).toBe(true)
    expectError(() => fg.randn([2], { dtype: 'int64' }), 'ERR_DTYPE', /float32 or float64/)
    expectError(() => fg.eye(2, { dtpye: 'int64' } as never), 'ERR_ARG', /unknown option/)
  })

  test('permute, narrow, cat, stack', () => {
    expect(x.permute(1, 0).tolist()).toEqual([[0, 3], [1, 4], [2, 5]])
    expect(x.narrow(1, 1, 2).tolist()).toEqual([[1, 2], [4, 5]])
    expect(fg.cat([x, fg.arange(3).reshape(1, 3)], 0).tolist()).toEqual([[0, 1, 2], [3, 4, 5], [0, 1, 2]])
    expect(fg.stack([fg.tensor([1, 2]), fg.tensor([3, 4])], 1).tolist()).toEqual([[1, 3], [2, 4]])
    expectError(() => fg.cat([x, fg.zeros([2, 3])], 0), 'ERR_DTYPE')
    expectError(() => fg.cat([fg.zeros([2, 3]), fg.zeros([2, 2])], 0), 'ERR_SHAPE', /\[2, 2\]/)
    expectError(() => x.permute(0, 0), 'ERR_ARG')
    expectError(() => x.narrow(0, 1, 5), 'ERR_INDEX')
  })

  test('indexSelect and gather, with gradients', () => {
    const w = fg.tensor([[1, 2], [3, 4], [5, 6]], { requiresGrad: true })
    const rows = w.indexSelect(0, fg.tensor([2, 0, 2], { dtype: 'int64' }))
    expect(rows.tolist()).toEqual([[5, 6], [1, 2], [5, 6]])
    rows.sum().backward()
    expect(w.grad!.tolist()).toEqual([[1, 1], [0, 0], [2, 2]])
    const g = x.gather(1, fg.tensor([[2, 0], [1, 1]], { dtype: 'int64' }))
    expect(g.tolist()).toEqual([[2, 0], [4, 4]])
    expectError(() => x.indexSelect(0, fg.tensor([2], { dtype: 'int64' })), 'ERR_INDEX', /out of range/)
    expectError(() => x.gather(1, fg.tensor([0, 1], { dtype: 'int64' })), 'ERR_SHAPE')
  })
})
