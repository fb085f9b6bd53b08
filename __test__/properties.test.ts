/**
 * Property-based tests (fast-check): broadcasting binary ops and the view ops
 * against a plain-JS reference on nested arrays, on random shapes (size-0 and
 * size-1 dimensions included), on packed tensors and on strided views of them.
 */
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { fg, randomArray, type Nested } from './helpers'

// ---- the reference: nested arrays ----------------------------------------------------

const numel = (shape: number[]) => shape.reduce((a, b) => a * b, 1)

/** A nested array of `shape` whose element at index `i` is `f(i)`. */
function build(shape: number[], f: (index: number[]) => number | boolean, prefix: number[] = []): Nested {
  if (prefix.length === shape.length) return f(prefix) as number
  return Array.from({ length: shape[prefix.length] }, (_, k) => build(shape, f, [...prefix, k]))
}

/** The element of `a` at `index`. */
const at = (a: Nested, index: number[]): number => index.reduce<Nested>((v, i) => (v as Nested[])[i], a) as number

/** Row-major values of a nested array. */
const flatten = (a: Nested): number[] => (Array.isArray(a) ? a.flatMap(flatten) : [a])

/** `values` (row-major) as a nested array of `shape`. */
const nest = (values: number[], shape: number[]): Nested => {
  let i = 0
  return build(shape, () => values[i++])
}

/** NumPy's broadcast of two shapes, or null. */
function broadcast(a: number[], b: number[]): number[] | null {
  const n = Math.max(a.length, b.length)
  const out: number[] = []
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1
    const y = b[b.length - n + i] ?? 1
    if (x !== y && x !== 1 && y !== 1) return null
    out.push(x === 1 ? y : x)
  }
  return out
}

/** The index into an operand of `shape` that output `index` reads under broadcasting. */
const source = (index: number[], shape: number[]) => shape.map((d, i) => (d === 1 ? 0 : index[index.length - shape.length + i]))

/** Equal as float32 results: the same value, both NaN, or within a few ulps for division. */
function same(actual: unknown, expected: unknown, rel = 0): boolean {
  if (Array.isArray(expected)) return Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => same(actual[i], e, rel))
  if (typeof expected === 'number' && typeof actual === 'number') {
    if (Number.isNaN(expected)) return Number.isNaN(actual)
    return actual === expected || Math.abs(actual - expected) <= rel * Math.abs(expected)
  }
  return actual === expected
}

// ---- arbitraries ----------------------------------------------------------------------

/** Shapes of rank 0-4, sizes 0-4, at most 256 elements. */
const shapeArb = fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 4 }).filter((s) => numel(s) <= 256)
/** Shapes without a size-0 dimension (ops that need elements). */
const fullShapeArb = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 })
const seedArb = fc.integer({ min: 1, max: 2 ** 31 - 1 })

/** Small integers as float32 (exact under add, sub, mul), from a seed. */
const values = (n: number, seed: number) => Array.from(randomArray(n, seed), (v) => Math.round(v * 8))

/** A shape that broadcasts to `out`: leading dims dropped, some sizes set to 1. */
const operandOf = (out: number[]) =>
  fc
    .tuple(fc.integer({ min: 0, max: out.length }), fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }))
    .map(([drop, ones]) => out.slice(drop).map((d, i) => (ones[drop + i] ? 1 : d)))

/** Two shapes that broadcast together. */
const pairArb = shapeArb.chain((out) => fc.tuple(operandOf(out), operandOf(out)))

/**
 * A tensor holding `nested`, either packed or as a strided view: built transposed
 * and transposed back, so that strides differ from the packed ones.
 */
function tensorOf(nested: Nested, shape: number[], strided: boolean): fg.Tensor {
  if (!strided || shape.length < 2) return fg.tensor(flatten(nested), { shape })
  const r = shape.length
  const swapped = [...shape.slice(0, r - 2), shape[r - 1], shape[r - 2]]
  const data = build(swapped, (i) => at(nested, [...i.slice(0, r - 2), i[r - 1], i[r - 2]]))
  return fg.tensor(flatten(data), { shape: swapped }).transpose(-1, -2)
}

const run = (p: fc.IRawProperty<unknown>) => fc.assert(p, { numRuns: 150 })

// ---- broadcasting --------------------------------------------------------------------

const BINARY: [string, (a: fg.Tensor, b: fg.Tensor) => fg.Tensor, (x: number, y: number) => number | boolean, number][] = [
  ['add', (a, b) => a.add(b), (x, y) => x + y, 0],
  ['sub', (a, b) => a.sub(b), (x, y) => x - y, 0],
  ['mul', (a, b) => a.mul(b), (x, y) => x * y, 0],
  ['div', (a, b) => a.div(b), (x, y) => Math.fround(x / y), 1e-7],
  ['maximum', (a, b) => a.maximum(b), Math.max, 0],
  ['minimum', (a, b) => a.minimum(b), Math.min, 0],
  ['pow', (a, b) => a.pow(b.abs().clamp(0, 3)), (x, y) => Math.fround(x ** Math.min(Math.abs(y), 3)), 1e-6],
  ['lt', (a, b) => a.lt(b), (x, y) => x < y, 0],
  ['eq', (a, b) => a.eq(b), (x, y) => x === y, 0],
  ['ge', (a, b) => a.ge(b), (x, y) => x >= y, 0],
]

describe('broadcasting binary ops equal the nested-array reference', () => {
  for (const [name, op, ref, rel] of BINARY) {
    test(name, () => {
      run(
        fc.property(pairArb, seedArb, fc.boolean(), fc.boolean(), ([sa, sb], seed, ta, tb) => {
          const a = nest(values(numel(sa), seed), sa)
          const b = nest(values(numel(sb), seed + 1), sb)
          const out = broadcast(sa, sb)!
          const expected = build(out, (i) => ref(at(a, source(i, sa)), at(b, source(i, sb))))
          const got = op(tensorOf(a, sa, ta), tensorOf(b, sb, tb))
          expect(got.shape).toEqual(out)
          return same(got.tolist(), expected, rel)
        }),
      )
    })
  }

  test('shapes that do not broadcast are ERR_SHAPE, never a wrong answer', () => {
    run(
      fc.property(shapeArb, shapeArb, (sa, sb) => {
        const a = fg.zeros(sa)
        const b = fg.zeros(sb)
        if (broadcast(sa, sb)) return a.add(b).shape.join() === broadcast(sa, sb)!.join()
        try {
          a.add(b)
          return false
        } catch (e) {
          return e instanceof fg.FerrogradError && e.code === 'ERR_SHAPE'
        }
      }),
    )
  })

  test('a plain number on either side broadcasts as a 0-d tensor', () => {
    run(
      fc.property(shapeArb, seedArb, fc.integer({ min: -8, max: 8 }), (shape, seed, k) => {
        const a = nest(values(numel(shape), seed), shape)
        const t = fg.tensor(flatten(a), { shape })
        return same(t.sub(k).tolist(), build(shape, (i) => at(a, i) - k)) && same(fg.sub(k, t).tolist(), build(shape, (i) => k - at(a, i)))
      }),
    )
  })

  test('where broadcasts all three operands', () => {
    const triple = shapeArb.chain((out) => fc.tuple(operandOf(out), operandOf(out), operandOf(out)))
    run(
      fc.property(triple, seedArb, ([sc, sa, sb], seed) => {
        const c = nest(values(numel(sc), seed), sc)
        const a = nest(values(numel(sa), seed + 1), sa)
        const b = nest(values(numel(sb), seed + 2), sb)
        const out = broadcast(broadcast(sc, sa)!, sb)!
        const expected = build(out, (i) => (at(c, source(i, sc)) > 0 ? at(a, source(i, sa)) : at(b, source(i, sb))))
        return same(fg.where(fg.tensor(flatten(c), { shape: sc }).gt(0), fg.tensor(flatten(a), { shape: sa }), fg.tensor(flatten(b), { shape: sb })).tolist(), expected)
      }),
    )
  })
})

// ---- views ---------------------------------------------------------------------------

/** A random tensor and its nested reference, packed or strided. */
const inputArb = (shapes: fc.Arbitrary<number[]>) =>
  fc.tuple(shapes, seedArb, fc.boolean()).map(([shape, seed, strided]) => {
    const ref = nest(values(numel(shape), seed), shape)
    return { shape, ref, t: tensorOf(ref, shape, strided) }
  })

/** Checks a view's shape and values against the reference, and that `contiguous()` keeps them. */
function matches(view: fg.Tensor, shape: number[], expected: Nested): boolean {
  expect(view.shape).toEqual(shape)
  const packed = view.contiguous()
  return same(view.tolist(), expected) && packed.isContiguous() && same(packed.tolist(), expected)
}

describe('view ops equal the nested-array reference', () => {
  test('reshape to any factorisation, with -1 inferring a size', () => {
    const arb = inputArb(fullShapeArb).chain((inp) =>
      fc.tuple(fc.constant(inp), fc.shuffledSubarray(factors(numel(inp.shape))), fc.boolean()),
    )
    run(
      fc.property(arb, ([{ ref, t }, parts, infer]) => {
        const shape = parts.length ? [...parts, numel(t.shape) / numel(parts)] : [numel(t.shape)]
        const asked = infer ? [...shape.slice(0, -1), -1] : shape
        return matches(t.reshape(asked), shape, nest(flatten(ref), shape))
      }),
    )
  })

  test('transpose and permute', () => {
    const arb = inputArb(shapeArb).chain((inp) => fc.tuple(fc.constant(inp), fc.shuffledSubarray([...inp.shape.keys()], { minLength: inp.shape.length })))
    run(
      fc.property(arb, ([{ shape, ref, t }, perm]) => {
        const out = perm.map((p) => shape[p])
        const permuted = build(out, (i) => at(ref, perm.reduce<number[]>((idx, p, k) => ((idx[p] = i[k]), idx), [])))
        if (!matches(t.permute(perm), out, permuted)) return false
        if (shape.length < 2) return true
        const [d0, d1] = [perm[0], perm[perm.length - 1]]
        const swapped = shape.map((s, k) => (k === d0 ? shape[d1] : k === d1 ? shape[d0] : s))
        const swap = (i: number[]) => i.map((v, k) => (k === d0 ? i[d1] : k === d1 ? i[d0] : v))
        return matches(t.transpose(d0, d1), swapped, build(swapped, (i) => at(ref, swap(i))))
      }),
    )
  })

  test('narrow', () => {
    const arb = inputArb(fullShapeArb).chain((inp) =>
      fc.integer({ min: 0, max: inp.shape.length - 1 }).chain((dim) =>
        fc.integer({ min: 0, max: inp.shape[dim] }).chain((start) => fc.tuple(fc.constant(inp), fc.constant(dim), fc.constant(start), fc.integer({ min: 0, max: inp.shape[dim] - start }))),
      ),
    )
    run(
      fc.property(arb, ([{ shape, ref, t }, dim, start, length]) => {
        const out = shape.map((s, k) => (k === dim ? length : s))
        return matches(t.narrow(dim, start, length), out, build(out, (i) => at(ref, i.map((v, k) => (k === dim ? v + start : v)))))
      }),
    )
  })

  test('expand size-1 dims and add leading ones', () => {
    const arb = fc.tuple(inputArb(shapeArb), fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 2 }), fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 4 }))
    run(
      fc.property(arb, ([{ shape, ref, t }, lead, grow]) => {
        const out = [...lead, ...shape.map((s, k) => (s === 1 ? (grow[k] ?? 1) : s))]
        const expanded = build(out, (i) => at(ref, i.slice(lead.length).map((v, k) => (shape[k] === 1 ? 0 : v))))
        return matches(t.expand(out), out, expanded)
      }),
    )
  })

  test('squeeze, unsqueeze and flatten are reshapes', () => {
    const arb = inputArb(shapeArb).chain((inp) =>
      fc.tuple(fc.constant(inp), fc.integer({ min: 0, max: inp.shape.length }), fc.integer({ min: 0, max: Math.max(inp.shape.length - 1, 0) }), fc.integer({ min: 0, max: Math.max(inp.shape.length - 1, 0) })),
    )
    run(
      fc.property(arb, ([{ shape, ref, t }, u, s0, s1]) => {
        const values = flatten(ref)
        const unsqueezed = [...shape.slice(0, u), 1, ...shape.slice(u)]
        const squeezed = shape.filter((s) => s !== 1)
        if (!matches(t.unsqueeze(u), unsqueezed, nest(values, unsqueezed))) return false
        if (!matches(t.squeeze(), squeezed, nest(values, squeezed))) return false
        if (shape.length === 0) return matches(t.flatten(), [1], [at(ref, [])])
        const [start, end] = [Math.min(s0, s1), Math.max(s0, s1)]
        const flat = [...shape.slice(0, start), numel(shape.slice(start, end + 1)), ...shape.slice(end + 1)]
        const one = shape[s0] === 1 ? shape.filter((_, k) => k !== s0) : shape
        return matches(t.flatten(start, end), flat, nest(values, flat)) && matches(t.squeeze(s0), one, nest(values, one))
      }),
    )
  })

  test('cat and stack', () => {
    const arb = fullShapeArb.chain((shape) =>
      fc.tuple(
        fc.constant(shape),
        fc.integer({ min: 0, max: shape.length - 1 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), seedArb, fc.boolean()), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 0, max: shape.length }),
      ),
    )
    run(
      fc.property(arb, ([shape, dim, parts, stackDim]) => {
        const pieces = parts.map(([size, seed, strided]) => {
          const s = shape.map((d, k) => (k === dim ? size : d))
          const ref = nest(values(numel(s), seed), s)
          return { s, ref, t: tensorOf(ref, s, strided) }
        })
        const out = shape.map((d, k) => (k === dim ? pieces.reduce((n, p) => n + p.s[dim], 0) : d))
        const catted = build(out, (i) => {
          let j = i[dim]
          const p = pieces.find((q) => (j < q.s[dim] ? true : ((j -= q.s[dim]), false)))!
          return at(p.ref, i.map((v, k) => (k === dim ? j : v)))
        })
        if (!matches(fg.cat(pieces.map((p) => p.t), dim), out, catted)) return false
        // stack: the pieces grown to the common shape along `dim` (a broadcast view).
        const grown = pieces.map((p) => ({ ref: build(shape, (i) => (p.s[dim] === 0 ? 0 : at(p.ref, i.map((v, k) => (k === dim ? v % p.s[dim] : v))))) }))
        const stackedTensors = grown.map((p) => fg.tensor(flatten(p.ref), { shape }))
        const sOut = [...shape.slice(0, stackDim), pieces.length, ...shape.slice(stackDim)]
        const stacked = build(sOut, (i) => at(grown[i[stackDim]].ref, [...i.slice(0, stackDim), ...i.slice(stackDim + 1)]))
        return matches(fg.stack(stackedTensors, stackDim), sOut, stacked)
      }),
    )
  })

  test('a chain of views, then arithmetic on it, equals the reference', () => {
    const arb = fc.tuple(inputArb(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 2, maxLength: 4 })), fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 4 }))
    run(
      fc.property(arb, ([{ shape, ref, t }, steps]) => {
        let view = t
        let expectShape = shape
        let expected = ref
        for (const step of steps) {
          const r = expectShape.length
          if (step === 0 && r >= 2) {
            const s = expectShape
            expected = build([s[r - 1], ...s.slice(1, r - 1), s[0]], (i) => at(expected, [i[r - 1], ...i.slice(1, r - 1), i[0]]))
            expectShape = [s[r - 1], ...s.slice(1, r - 1), s[0]]
            view = view.transpose(0, -1)
          } else if (step === 1 && expectShape[0] > 1) {
            const prev = expected
            expectShape = [expectShape[0] - 1, ...expectShape.slice(1)]
            expected = build(expectShape, (i) => at(prev, [i[0] + 1, ...i.slice(1)]))
            view = view.narrow(0, 1, expectShape[0])
          } else {
            expected = nest(flatten(expected), [...expectShape, 1])
            expectShape = [...expectShape, 1]
            view = view.unsqueeze(-1)
          }
        }
        const doubled = build(expectShape, (i) => 2 * at(expected, i) + 1)
        return matches(view, expectShape, expected) && same(view.mul(2).add(1).tolist(), doubled)
      }),
    )
  })
})

/** The prime factors of `n`, with repeats (the parts a reshape can regroup). */
function factors(n: number): number[] {
  const out: number[] = []
  for (let p = 2; n > 1; p++) {
    while (n % p === 0) {
      out.push(p)
      n /= p
    }
  }
  return out
}
