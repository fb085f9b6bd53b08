import { describe, expect, test } from 'vitest'
import { expectError, fg } from './helpers'

type Fn = (...t: fg.Tensor[]) => fg.Tensor | fg.Tensor[]

/** A float64 leaf of normal samples (seeded), shifted by `shift`. */
function input(shape: number[], seed: number, shift = 0): fg.Tensor {
  fg.manualSeed(seed)
  const t = fg.randn(shape, { dtype: 'float64' }).add(shift)
  return t.detach().requiresGrad_()
}

/** Positive inputs for log, sqrt and powers. */
const positive = (shape: number[], seed: number) => input(shape, seed).abs().add(0.5).detach().requiresGrad_()
const labels = fg.tensor([2, 0, 1, 2], { dtype: 'int64' })
const mask = fg.tensor([[1, 0, 1], [0, 0, 1]]).gt(0)

/** Every differentiable op of the API, with inputs away from its kinks. */
const cases: [string, () => fg.Tensor[], Fn][] = [
  ['add (broadcast)', () => [input([2, 3], 1), input([3], 2)], (a, b) => a.add(b)],
  ['sub (broadcast)', () => [input([2, 3], 1), input([2, 1], 2)], (a, b) => a.sub(b)],
  ['mul (broadcast)', () => [input([2, 1, 3], 1), input([4, 1], 2)], (a, b) => a.mul(b)],
  ['div', () => [input([2, 3], 1), positive([3], 2)], (a, b) => a.div(b)],
  ['number - tensor, number / tensor', () => [positive([4], 3)], (a) => fg.sub(2, a).mul(fg.div(3, a))],
  ['pow (tensor, tensor)', () => [positive([3], 4), input([3], 5)], (a, b) => a.pow(b)],
  ['pow (tensor, number) and number ** tensor', () => [positive([3], 6)], (a) => a.pow(2.5).add(fg.pow(1.5, a))],
  ['maximum, minimum', () => [input([4], 7), input([4], 8)], (a, b) => a.maximum(b).mul(a.minimum(b))],
  ['neg', () => [input([3], 9)], (a) => a.neg()],
  ['relu', () => [input([5], 10)], (a) => a.relu()],
  ['sigmoid', () => [input([5], 11)], (a) => a.sigmoid()],
  ['tanh', () => [input([5], 12)], (a) => a.tanh()],
  ['exp', () => [input([5], 13)], (a) => a.exp()],
  ['log', () => [positive([5], 14)], (a) => a.log()],
  ['sqrt', () => [positive([5], 15)], (a) => a.sqrt()],
  ['abs', () => [input([5], 16)], (a) => a.abs()],
  ['clamp', () => [input([6], 17)], (a) => a.clamp(-0.5, 0.5)],
  ['gelu', () => [input([5], 18)], (a) => a.gelu()],
  ['silu', () => [input([5], 19)], (a) => a.silu()],
  ['softplus', () => [input([5], 20)], (a) => a.softplus()],
  ['leakyRelu', () => [input([5], 21)], (a) => a.leakyRelu(0.1)],
  ['sum (all, dims, keepdim)', () => [input([2, 3, 4], 22)], (a) => [a.sum(), a.sum([0, 2]), a.sum(1, true)]],
  ['mean', () => [input([2, 3], 23)], (a) => [a.mean(), a.mean(0), a.mean(-1, true)]],
  ['max, min (all and along a dim)', () => [input([3, 4], 24)], (a) => [a.max(), a.min(), a.max(1).values, a.min(0, true).values]],
  ['var, std', () => [input([3, 4], 25)], (a) => [a.var(), a.std(1), a.var(0, true, { correction: 0 })]],
  ['softmax', () => [input([3, 4], 26)], (a) => [a.softmax(-1), a.softmax(0)]],
  ['logSoftmax', () => [input([3, 4], 27)], (a) => [a.logSoftmax(1), a.logSoftmax(0)]],
  ['matmul 2-D', () => [input([3, 4], 28), input([4, 2], 29)], (a, b) => a.matmul(b)],
  ['matmul 1-D', () => [input([4], 30), input([4], 31), input([4, 3], 32)], (a, b, m) => [a.matmul(b), a.matmul(m), m.t().matmul(a)]],
  ['matmul batched and broadcast', () => [input([2, 3, 4], 33), input([4, 2], 34)], (a, b) => a.matmul(b)],
  ['matmul of transposed views', () => [input([4, 3], 35), input([2, 4], 36)], (a, b) => a.t().matmul(b.t())],
  ['reshape, view, flatten', () => [input([2, 6], 37)], (a) => [a.reshape([3, 4]), a.view([4, 3]), a.reshape([2, 3, 2]).flatten()]],
  ['transpose, t, permute', () => [input([2, 3, 4], 38)], (a) => [a.transpose(0, 2), a.permute([1, 2, 0]), a.sum(0).t()]],
  ['squeeze, unsqueeze, expand', () => [input([3, 1], 39)], (a) => [a.squeeze(), a.unsqueeze(0), a.expand([3, 4])]],
  ['narrow, contiguous, clone', () => [input([4, 5], 40)], (a) => [a.narrow(1, 1, 3), a.t().contiguous(), a.clone()]],
  ['cat, stack', () => [input([2, 3], 41), input([1, 3], 42)], (a, b) => [fg.cat([a, b], 0), fg.stack([a, a.mul(b)], 1)]],
  ['indexSelect', () => [input([4, 3], 43)], (a) => a.indexSelect(0, fg.tensor([3, 0, 3], { dtype: 'int64' }))],
  ['gather', () => [input([3, 4], 44)], (a) => a.gather(1, fg.tensor([[0, 3], [1, 1], [2, 0]], { dtype: 'int64' }))],
  ['where', () => [input([2, 3], 45), input([3], 46)], (a, b) => fg.where(mask, a, b)],
  ['maskedFill', () => [input([2, 3], 47)], (a) => a.maskedFill(mask, 2)],
  ['linear', () => [input([4, 3], 48), input([2, 3], 49), input([2], 50)], (x, w, b) => fg.nn.functional.linear(x, w, b)],
  ['mseLoss', () => [input([4, 2], 51), input([4, 2], 52)], (a, b) => [fg.nn.functional.mseLoss(a, b), fg.nn.functional.mseLoss(a, b, { reduction: 'none' })]],
  [
    'crossEntropy',
    () => [input([4, 3], 53)],
    (x) => [
      fg.nn.functional.crossEntropy(x, labels),
      fg.nn.functional.crossEntropy(x, labels, { reduction: 'sum' }),
      fg.nn.functional.crossEntropy(x, labels, { reduction: 'none' }),
    ],
  ],
]

describe('fg.autograd.gradcheck', () => {
  test.each(cases)('%s', (_name, make, fn) => {
    expect(fg.autograd.gradcheck(fn, make())).toBe(true)
  })

  test(`covers ${cases.length} cases`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(40)
  })

  test('finds a wrong gradient and names it', () => {
    // detach() hides half of d(x*x)/dx from backward: analytic x, numerical 2x.
    const x = input([3], 60)
    const broken = (t: fg.Tensor) => t.detach().mul(t)
    const err = expectError(() => fg.autograd.gradcheck(broken, [x]), 'ERR_GRAD', /input 0 element 0: analytical/)
    expect(err.message).toMatch(/numerical/)
    expect(fg.autograd.gradcheck(broken, [x], { raiseException: false })).toBe(false)
  })

  test('leaves .grad as it was and checks its arguments', () => {
    const x = input([2], 61)
    x.sum().backward()
    const before = x.grad!.tolist()
    fg.autograd.gradcheck((t) => t.exp(), [x])
    expect(x.grad!.tolist()).toEqual(before)
    expectError(() => fg.autograd.gradcheck((t) => t.exp(), [fg.randn([2], { requiresGrad: true })]), 'ERR_DTYPE', /float64/)
    expectError(() => fg.autograd.gradcheck((t) => t.exp(), [fg.randn([2], { dtype: 'float64' })]), 'ERR_ARG', /requires grad/)
    expectError(() => fg.autograd.gradcheck((t) => t.exp(), [x], { eps: 0 }), 'ERR_ARG', /eps/)
    expectError(() => fg.autograd.gradcheck((t) => t.exp(), [x], { epsilon: 1 } as never), 'ERR_ARG', /unknown option/)
    expectError(() => fg.autograd.gradcheck(() => 3 as never, [x]), 'ERR_ARG', /not a Tensor/)
  })
})

describe('float64 and mixed dtypes', () => {
  test('arithmetic promotes as PyTorch and gradients keep each input dtype', () => {
    const i = fg.tensor([1, 2], { dtype: 'int64' })
    expect(i.add(1).dtype).toBe('int64')
    expect(i.add(1).tolist()).toEqual([2, 3])
    expect(i.div(2).dtype).toBe('float32')
    expect(i.mul(0.5).tolist()).toEqual([0.5, 1])
    expect(i.add(fg.tensor([0.5])).dtype).toBe('float32')
    const f = fg.tensor([1, 2], { requiresGrad: true })
    const d = fg.tensor(new Float64Array([0.1, 0.2]), { requiresGrad: true })
    const y = f.mul(d)
    expect(y.dtype).toBe('float64')
    y.sum().backward()
    expect(f.grad!.dtype).toBe('float32')
    expect(d.grad!.dtype).toBe('float64')
    expect(d.grad!.tolist()).toEqual([1, 2])
    // Double precision survives: 1 + 1e-12 is not 1.
    const tiny = fg.tensor(new Float64Array([1])).add(1e-12).sub(1).item()
    expect(Math.abs(tiny - 1e-12)).toBeLessThan(1e-15)
  })
})
