import { execFileSync } from 'node:child_process'
import { totalmem } from 'node:os'
import { describe, expect, test } from 'vitest'
import { collect, expectError, fg } from './helpers'

// Paths that once crashed, hung or silently computed a wrong answer.
describe('no crash, no hang', () => {
  test('a graph 100,000 ops deep is dropped without overflowing the stack', async () => {
    let total = fg.tensor([1], { requiresGrad: true })
    for (let i = 0; i < 100_000; i++) total = total.add(1)
    expect(total.item()).toBe(100_001)
    total.dispose()
    await collect()
  })

  test('sizes beyond physical memory are ERR_ALLOC, before anything is allocated', () => {
    const tooMany = Math.ceil((2 * totalmem()) / 4)
    expectError(() => fg.zeros([tooMany]), 'ERR_ALLOC', /GiB of memory/)
    expectError(() => fg.randn([tooMany]), 'ERR_ALLOC')
    expectError(() => fg.ones([1, 1]).expand(2 ** 30, 2 ** 30), 'ERR_ALLOC')
  })

  test('a gradient that is the parameter itself neither hangs SGD nor aliases it', () => {
    const p = new fg.nn.Parameter(fg.tensor([1, 2]))
    p.grad = p
    const opt = new fg.optim.SGD([p], { lr: 0.5 })
    opt.step()
    expect(p.tolist()).toEqual([0.5, 1])
    // The gradient was copied: the step did not change it.
    expect(p.grad!.tolist()).toEqual([1, 2])
  })

  test('printing a large tensor is cheap and summarised', () => {
    const text = fg.randn([500, 500]).toString()
    expect(text).toContain('...')
    expect(text.split('\n')).toHaveLength(7)
  })
})

describe('no silent wrong answer', () => {
  test('backward after an optimizer step changed an input is ERR_GRAD, with no gradient touched', () => {
    const p = new fg.nn.Parameter(fg.tensor([1, 2]))
    const loss = p.mul(p).sum()
    loss.backward(null, { retainGraph: true })
    const opt = new fg.optim.SGD([p], { lr: 0.1 })
    opt.step()
    expectError(() => loss.backward(), 'ERR_GRAD', /modified in place/)
    expect(p.grad!.tolist()).toEqual([2, 4])
  })

  test('SGD refuses a non-contiguous parameter before updating any', () => {
    const a = new fg.nn.Parameter(fg.tensor([1, 2]))
    const b = fg.tensor([[1, 2], [3, 4]]).T.requiresGrad_()
    a.sum().add(b.sum()).backward()
    const opt = new fg.optim.SGD([a, b], { lr: 1 })
    expectError(() => opt.step(), 'ERR_ARG', /contiguous/)
    expect(a.tolist()).toEqual([1, 2])
    // Parameter() makes its data contiguous, so optimizers can update it.
    const c = new fg.nn.Parameter(fg.tensor([[1, 2], [3, 4]]).T)
    expect(c.isContiguous()).toBe(true)
  })

  test("SGD takes a single tensor as a group's params", () => {
    const p = new fg.nn.Parameter(fg.tensor([1]))
    const opt = new fg.optim.SGD([{ params: p, lr: 1 }])
    p.sum().backward()
    opt.step()
    expect(p.item()).toBe(0)
  })

  test('loadStateDict checks dtypes before changing anything', () => {
    const layer = new fg.nn.Linear(2, 2)
    const before = layer.weight.tolist()
    expectError(
      () => layer.loadStateDict({ weight: fg.zeros([2, 2]), bias: fg.zeros([2], { dtype: 'int64' }) }),
      'ERR_DTYPE',
      /bias/,
    )
    expect(layer.weight.tolist()).toEqual(before)
  })

  test('int64 values beyond ±2^63 are refused rather than wrapped', () => {
    expectError(() => fg.tensor([2 ** 63], { dtype: 'int64' }), 'ERR_ARG', /2\^63/)
    expectError(() => fg.full([1], 2 ** 64, { dtype: 'int64' }), 'ERR_ARG')
  })

  test('a non-float gradient is refused', () => {
    const p = fg.tensor([1, 2], { requiresGrad: true })
    expectError(() => {
      p.grad = fg.tensor([1, 2], { dtype: 'int64' })
    }, 'ERR_DTYPE')
  })
})

describe('PyTorch spellings', () => {
  test('view refuses a non-contiguous layout; reshape copies', () => {
    const t = fg.tensor([[1, 2], [3, 4]]).T
    expectError(() => t.view(4), 'ERR_SHAPE', /contiguous/)
    expect(t.reshape(4).tolist()).toEqual([1, 3, 2, 4])
  })

  test('expand with -1 keeps a size', () => {
    expect(fg.tensor([[1], [2]]).expand(-1, 3).shape).toEqual([2, 3])
    expectError(() => fg.tensor([1]).expand(-2), 'ERR_ARG')
  })

  test('sum over an empty dim list reduces everything', () => {
    expect(fg.ones([2, 3]).sum([]).item()).toBe(6)
  })

  test('booleans make bool tensors', () => {
    const t = fg.tensor([true, false])
    expect(t.dtype).toBe('bool')
    expect(t.tolist()).toEqual([true, false])
    expect(fg.zerosLike(t).dtype).toBe('bool')
    expect(t.eq(1).tolist()).toEqual([true, false])
  })
})

describe('SIMD dispatch', () => {
  test('FERROGRAD_SIMD=scalar runs the baseline path and trains to the same bits', () => {
    const script = `
      const fg = require(${JSON.stringify(require.resolve('../dist/index.js'))})
      fg.manualSeed(5)
      const model = new fg.nn.Sequential(new fg.nn.Linear(20, 32), new fg.nn.ReLU(), new fg.nn.Linear(32, 3))
      const x = fg.randn([64, 20]); const y = fg.tensor(Array.from({ length: 64 }, (_, i) => i % 3), { dtype: 'int64' })
      const opt = new fg.optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 })
      const losses = []
      for (let i = 0; i < 20; i++) {
        const loss = new fg.nn.CrossEntropyLoss().forward(model.forward(x), y)
        opt.zeroGrad(); loss.backward(); opt.step(); losses.push(loss.item())
      }
      console.log(JSON.stringify({ level: fg.simdLevel(), losses }))`
    const run = (simd?: string) => {
      const env = { ...process.env }
      delete env.FERROGRAD_SIMD
      if (simd) env.FERROGRAD_SIMD = simd
      return JSON.parse(execFileSync(process.execPath, ['-e', script], { env, encoding: 'utf8' }))
    }
    const scalar = run('scalar')
    const best = run()
    expect(scalar.level).toBe('scalar')
    expect(['scalar', 'neon', 'avx2', 'avx512']).toContain(best.level)
    expect(scalar.losses).toEqual(best.losses)
    expect(scalar.losses[19]).toBeLessThan(scalar.losses[0])
  })
})
