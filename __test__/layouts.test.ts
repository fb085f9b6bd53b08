// Every elementwise op and the sums, on every kind of layout: transposed,
// permuted, narrowed, expanded, 0-d and empty views give what the same op gives
// on a packed copy, forward and backward. The op list comes from the module's
// exports, so a new elementwise export without a case here fails.
import { describe, expect, test } from 'vitest'
import * as elementwise from '../dist/elementwise.js'
import { fg } from './helpers'

type T = InstanceType<typeof fg.Tensor>

/** Extra arguments of the unary ops that take some. */
const UNARY: Record<string, unknown[]> = {
  ...Object.fromEntries(['neg', 'exp', 'log', 'sqrt', 'abs', 'relu', 'sigmoid', 'tanh', 'gelu', 'silu', 'softplus'].map((k) => [k, []])),
  clamp: [-0.5, 0.7],
  leakyRelu: [0.1],
  hardtanh: [-0.3, 0.4],
}
const BINARY = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'eq', 'ne', 'lt', 'le', 'gt', 'ge']

/** The views a user makes, each as the base's shape and how the view is made from it. */
const VIEWS: [string, number[], (t: T) => T][] = [
  ['transposed', [5, 7], (t) => t.t()],
  ['permuted', [3, 4, 5], (t) => t.permute(2, 0, 1)],
  ['narrowed', [6, 9], (t) => t.narrow(1, 2, 5)],
  ['transposed and narrowed', [8, 6], (t) => t.t().narrow(0, 1, 4)],
  ['expanded', [5, 1], (t) => t.expand(5, 7)],
  ['expanded rows', [1, 7], (t) => t.expand(5, 7)],
  ['0-d', [], (t) => t],
  ['empty transposed', [0, 3], (t) => t.t()],
]

/** Values of two tensors, NaN equal to NaN, exactly or within `tol`. */
function expectSame(got: T, want: T, tol = 0): void {
  expect(got.shape).toEqual(want.shape)
  const [g, w] = [got.flatten().tolist() as (number | boolean)[], want.flatten().tolist() as (number | boolean)[]]
  g.forEach((v, i) => {
    const u = w[i]
    if (typeof v === 'number' && typeof u === 'number' && v !== u && !(Number.isNaN(v) && Number.isNaN(u))) {
      expect(Math.abs(v - u), `element ${i}: ${v} vs ${u}`).toBeLessThanOrEqual(tol * (1 + Math.abs(u)))
    } else if (v !== u && !(Number.isNaN(v) && Number.isNaN(u))) {
      expect(v).toBe(u)
    }
  })
}

describe('every elementwise export is covered here', () => {
  test('each is a unary or a binary case', () => {
    const covered = new Set([...Object.keys(UNARY), ...BINARY])
    const exported = Object.entries(elementwise)
      .filter(([, v]) => typeof v === 'function')
      .map(([k]) => k)
    expect(exported.filter((k) => !covered.has(k))).toEqual([])
    expect([...covered].filter((k) => !exported.includes(k))).toEqual([])
  })
})

describe('unary ops on every layout give what they give on a packed copy', () => {
  for (const [name, args] of Object.entries(UNARY)) {
    test(name, () => {
      const f = (elementwise as unknown as Record<string, (x: T, ...a: unknown[]) => T>)[name]
      fg.manualSeed(7)
      for (const [, shape, view] of VIEWS) {
        const leaf = fg.randn(shape).requiresGrad_()
        const v = view(leaf)
        const y = f(v, ...args)
        expectSame(y, f(v.contiguous(), ...args))
        // The result is usable as any tensor: reshaped, added to.
        expectSame(y.reshape([-1]).add(1), f(v.contiguous(), ...args).reshape([-1]).add(1))
        // Gradients through the view reach the base as through a packed copy.
        const weights = fg.arange(0, v.numel()).reshape(v.shape)
        y.mul(weights).sum().backward()
        const copy = leaf.detach().requiresGrad_()
        f(view(copy).contiguous(), ...args).mul(weights).sum().backward()
        expectSame(leaf.grad as T, copy.grad as T)
      }
    })
  }

  test('a transposed input gives a result laid out as it is, as in PyTorch', () => {
    const x = fg.randn([64, 32]).t()
    const y = x.tanh()
    expect(y.isContiguous()).toBe(false)
    expectSame(y.t(), x.t().tanh())
    expect(y.contiguous().isContiguous()).toBe(true)
  })
})

describe('binary ops on every pairing of layouts give what they give on packed copies', () => {
  for (const name of BINARY) {
    test(name, () => {
      const f = (elementwise as unknown as Record<string, (x: T, y: T) => T>)[name]
      fg.manualSeed(3)
      const [a, b] = [fg.randn([6, 5]), fg.randn([6, 5])]
      const pairs: [T, T][] = [
        [a.t(), b.t()],
        [a.t(), b.t().contiguous()],
        [a.t().contiguous(), b.t()],
        [a.narrow(0, 1, 3), b.narrow(0, 2, 3)],
        [a, fg.tensor(0.5)],
        [fg.tensor(0.5), b.t()],
        [a, b.narrow(1, 0, 1)],
        [a.t(), b.narrow(0, 0, 1).t().expand(5, 6)],
        [fg.zeros([0, 5]).t(), fg.zeros([5, 0])],
      ]
      for (const [x, y] of pairs) expectSame(f(x, y), f(x.contiguous(), y.contiguous()))
    })
  }
})

describe('sums and means over any dims of any layout', () => {
  const shapes = (): [string, T][] => {
    fg.manualSeed(11)
    return [
      ['packed', fg.randn([3, 4, 5])],
      ['permuted', fg.randn([5, 3, 4]).permute(1, 2, 0)],
      ['narrowed', fg.randn([3, 6, 5]).narrow(1, 1, 4)],
      ['expanded', fg.randn([3, 1, 5]).expand(3, 4, 5)],
      ['with an empty dim', fg.zeros([3, 0, 5])],
    ]
  }
  const subsets = [undefined, 0, 1, 2, -1, [0, 1], [1, 2], [0, 2], [0, 1, 2]]
  for (const op of ['sum', 'mean'] as const) {
    test(op, () => {
      for (const [, x] of shapes()) {
        for (const dims of subsets) {
          for (const keepdim of [false, true]) {
            expectSame(x[op](dims, keepdim), x.contiguous()[op](dims, keepdim), 1e-5)
          }
        }
      }
    })
  }
})

describe('softmax and logSoftmax along every dim', () => {
  test('agree with the same op along the last dim of a transposed copy, -inf lines included', () => {
    fg.manualSeed(5)
    const x = fg.randn([3, 4, 5]).mul(4)
    const masked = fg.where(fg.rand([3, 4, 5]).gt(0.8), fg.tensor(-Infinity), x)
    for (const t of [x, masked]) {
      for (const dim of [0, 1, 2]) {
        for (const op of ['softmax', 'logSoftmax'] as const) {
          const viaLast = t.transpose(dim, 2).contiguous()[op](2).transpose(dim, 2)
          expectSame(t[op](dim), viaLast, 1e-6)
        }
      }
    }
  })
})

describe('where and maskedFill on every pairing of layouts', () => {
  test('give what they give on packed copies', () => {
    fg.manualSeed(9)
    const [a, b] = [fg.randn([6, 5]), fg.randn([6, 5])]
    const cond = fg.randn([6, 5]).gt(0)
    const triples: [T, T, T][] = [
      [cond, a, b],
      [cond.t().contiguous().t(), a.t().contiguous().t(), b],
      [cond.narrow(0, 0, 1), a, b.narrow(1, 2, 1)],
      [cond.t(), a.t(), fg.tensor(0.25)],
      [fg.tensor(true), a.narrow(0, 1, 4), b.narrow(0, 0, 4)],
      [cond.narrow(1, 0, 0), a.narrow(1, 0, 0), b.narrow(1, 0, 0)],
    ]
    for (const [c, x, y] of triples) {
      expectSame(fg.where(c, x, y), fg.where(c.contiguous(), x.contiguous(), y.contiguous()))
      const base = x.shape.length === 2 ? x : a
      expectSame(base.maskedFill(c.expand(...base.shape), -7), base.contiguous().maskedFill(c.expand(...base.shape).contiguous(), -7))
    }
  })
})
