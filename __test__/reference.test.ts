import { describe, expect, test } from 'vitest'
import { expectClose, fg, flat, randomArray } from './helpers'

// Every op against a plain-JS reference on random shapes, on contiguous tensors,
// on transposed (non-contiguous) views, and on shapes with a size-0 dimension.


/** Inputs of one shape in three layouts: packed, a transposed view, and packed copies. */
function inputs(shape: number[], seed: number): { name: string; t: fg.Tensor }[] {
  const n = shape.reduce((a, b) => a * b, 1)
  const packed = fg.tensor(randomArray(n, seed), { shape })
  const out = [{ name: `packed ${JSON.stringify(shape)}`, t: packed }]
  if (shape.length >= 2) {
    // Build the transposed shape's data, then transpose back: same values, strided.
    const swapped = [...shape.slice(0, -2), shape[shape.length - 1], shape[shape.length - 2]]
    const view = fg.tensor(randomArray(n, seed + 1), { shape: swapped }).transpose(-1, -2)
    out.push({ name: `transposed view ${JSON.stringify(shape)}`, t: view })
  }
  return out
}

const shapes = [[5], [3, 4], [2, 3, 4], [0, 3], [3, 0], [1, 1]]
const sigmoid = (v: number) => 1 / (1 + Math.exp(-v))

describe('elementwise functions match a reference on every layout', () => {
  const ops: [string, (t: fg.Tensor) => fg.Tensor, (v: number) => number][] = [
    ['neg', (t) => t.neg(), (v) => -v],
    ['abs', (t) => t.abs(), Math.abs],
    ['exp', (t) => t.exp(), Math.exp],
    ['relu', (t) => t.relu(), (v) => Math.max(v, 0)],
    ['sigmoid', (t) => t.sigmoid(), sigmoid],
    ['tanh', (t) => t.tanh(), Math.tanh],
    ['silu', (t) => t.silu(), (v) => v * sigmoid(v)],
    ['softplus', (t) => t.softplus(), (v) => Math.log1p(Math.exp(v))],
    ['leakyRelu', (t) => t.leakyRelu(0.1), (v) => (v > 0 ? v : 0.1 * v)],
    ['clamp', (t) => t.clamp(-0.3, 0.4), (v) => Math.min(Math.max(v, -0.3), 0.4)],
    ['sqrt of abs', (t) => t.abs().sqrt(), (v) => Math.sqrt(Math.abs(v))],
    ['pow 3', (t) => t.pow(3), (v) => v ** 3],
    ['mul scalar', (t) => t.mul(2.5), (v) => v * 2.5],
    ['rsub', (t) => fg.sub(1, t), (v) => 1 - v],
    ['gt number', (t) => t.gt(0.1), (v) => Number(v > 0.1)],
    ['le number', (t) => t.le(-0.2), (v) => Number(v <= -0.2)],
    ['where', (t) => fg.where(t.gt(0), t, t.mul(-2)), (v) => (v > 0 ? v : Math.fround(-2 * v))],
    ['maskedFill', (t) => t.maskedFill(t.lt(0), 7), (v) => (v < 0 ? 7 : v)],
    ['float64 exp', (t) => t.double().exp(), Math.exp],
    ['int64 arithmetic', (t) => t.mul(10).long().mul(3).add(1), (v) => Math.trunc(Math.fround(v * 10)) * 3 + 1],
    ['int32 neg', (t) => t.mul(10).int().neg(), (v) => -Math.trunc(Math.fround(v * 10))],
  ]
  shapes.forEach((shape, si) => {
    for (const { name, t } of inputs(shape, 10 + si)) {
      test(name, () => {
        const x = flat(t)
        for (const [op, f, ref] of ops) {
          const y = f(t)
          expect(y.shape, op).toEqual(t.shape)
          expectClose(flat(y), x.map(ref), 2e-6)
        }
      })
    }
  })
})

describe('reductions match a reference over every dim', () => {
  for (const shape of [[3, 4], [2, 3, 4], [4, 1], [0, 3]]) {
    for (const { name, t } of inputs(shape, 40 + shape.length)) {
      test(name, () => {
        const x = flat(t)
        const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1))
        for (let d = 0; d < shape.length; d++) {
          if (shape[d] === 0) {
            // Reducing an empty dimension: one zero per remaining position, as PyTorch.
            const outputs = shape.reduce((a, b, k) => (k === d ? a : a * b), 1)
            expect(flat(t.sum(d))).toEqual(new Array(outputs).fill(0))
            continue
          }
          // Group the elements by their index outside dim d.
          const groups = new Map<string, number[]>()
          x.forEach((v, flatIdx) => {
            const key = shape.map((s, k) => (k === d ? '*' : Math.floor(flatIdx / strides[k]) % s)).join(',')
            groups.set(key, [...(groups.get(key) ?? []), v])
          })
          const rows = [...groups.values()]
          const sum = rows.map((r) => r.reduce((a, b) => a + b, 0))
          expectClose(flat(t.sum(d)), sum, 1e-5)
          expectClose(flat(t.mean(d)), sum.map((s, i) => s / rows[i].length), 1e-5)
          expectClose(flat(t.max(d).values), rows.map((r) => Math.max(...r)), 0)
          expectClose(flat(t.min(d).values), rows.map((r) => Math.min(...r)), 0)
          expect(flat(t.argmax(d))).toEqual(rows.map((r) => r.indexOf(Math.max(...r))))
          expect(flat(t.argmin(d))).toEqual(rows.map((r) => r.indexOf(Math.min(...r))))
          if (shape[d] > 1) {
            const variance = rows.map((r) => {
              const m = r.reduce((a, b) => a + b, 0) / r.length
              return r.reduce((a, b) => a + (b - m) ** 2, 0) / (r.length - 1)
            })
            expectClose(flat(t.var(d)), variance, 1e-4)
            expectClose(flat(t.std(d)), variance.map(Math.sqrt), 1e-4)
          }
        }
      })
    }
  }
})

describe('broadcasting edge cases', () => {
  test('scalars, size-1 and size-0 dimensions', () => {
    expect(fg.tensor(2).add(fg.ones([2, 3])).shape).toEqual([2, 3])
    expect(fg.ones([0, 1]).mul(fg.ones([1, 5])).shape).toEqual([0, 5])
    expect(fg.ones([3, 1, 2]).sub(fg.ones([4, 1])).shape).toEqual([3, 4, 2])
    expect(fg.zeros([0]).sum().item()).toBe(0)
    expect(Number.isNaN(fg.zeros([0]).mean().item())).toBe(true)
    expect(fg.maximum(fg.zeros([2, 0]), fg.zeros([1])).shape).toEqual([2, 0])
    expect(fg.where(fg.tensor([true]), fg.zeros([0, 2]), 1).shape).toEqual([0, 2])
  })

  test('selection ops on non-contiguous inputs', () => {
    const packed = fg.arange(24).float().reshape(2, 3, 4)
    const view = packed.permute(2, 0, 1) // [4, 2, 3], strided
    const copy = view.contiguous()
    const idx = fg.tensor([3, 0, 3], { dtype: 'int64' })
    expect(view.indexSelect(0, idx).tolist()).toEqual(copy.indexSelect(0, idx).tolist())
    expect(view.narrow(2, 1, 2).tolist()).toEqual(copy.narrow(2, 1, 2).tolist())
    const g = fg.tensor([[[2, 0, 1], [1, 1, 0]]], { dtype: 'int64' })
    expect(view.gather(2, g).tolist()).toEqual(copy.gather(2, g).tolist())
    expect(fg.cat([view, copy], 1).tolist()).toEqual(fg.cat([copy, copy], 1).tolist())
    expect(view.softmax(1).tolist()).toEqual(copy.softmax(1).tolist())
    expect(view.matmul(fg.ones([3, 2])).tolist()).toEqual(copy.matmul(fg.ones([3, 2])).tolist())
  })

  test('comparisons, where and arithmetic between two strided operands', () => {
    const a = fg.tensor(randomArray(12, 90), { shape: [4, 3] }).t() // [3, 4], strided
    const b = fg.tensor(randomArray(12, 91), { shape: [3, 4] })
    const [fa, fb] = [flat(a), flat(b)]
    const cases: [string, fg.Tensor, (x: number, y: number) => number][] = [
      ['lt', a.lt(b), (x, y) => Number(x < y)],
      ['ge', b.ge(a), (x, y) => Number(y >= x)],
      ['eq', a.eq(a.contiguous()), () => 1],
      ['ne', a.ne(b), (x, y) => Number(x !== y)],
      ['where', fg.where(a.gt(b), a, b), (x, y) => (x > y ? x : y)],
      ['maximum', a.maximum(b), Math.max],
      ['add', a.add(b), (x, y) => Math.fround(x + y)],
      ['mixed float32 + float64', a.add(b.double()), (x, y) => x + y],
    ]
    for (const [name, got, ref] of cases) {
      expect(got.shape, name).toEqual([3, 4])
      expect(flat(got), name).toEqual(fa.map((x, i) => ref(x, fb[i])))
    }
    // A column broadcast against a strided view.
    const col = fg.tensor([[0.5], [-0.5], [0]])
    expect(flat(a.gt(col))).toEqual(fa.map((x, i) => Number(x > [0.5, -0.5, 0][Math.floor(i / 4)])))
  })
})
