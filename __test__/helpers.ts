import { expect } from 'vitest'
import * as fg from '../dist/index.js'

export { fg }

/** Runs `fn`, expecting a FerrogradError with `code` whose message matches `pattern`. */
export function expectError(fn: () => unknown, code: string, pattern?: RegExp): fg.FerrogradError {
  let caught: unknown
  try {
    fn()
  } catch (e) {
    caught = e
  }
  expect(caught, 'expected an error').toBeInstanceOf(fg.FerrogradError)
  const err = caught as fg.FerrogradError
  expect(err).toBeInstanceOf(Error)
  expect(err.code).toBe(code)
  if (pattern) expect(err.message).toMatch(pattern)
  return err
}

/** Asserts two flat arrays agree elementwise within a tolerance. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-5): void {
  expect(actual.length).toBe(expected.length)
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]
    const e = expected[i]
    if (Math.abs(a - e) > tol * (1 + Math.abs(e))) {
      throw new Error(`element ${i}: ${a} differs from ${e}`)
    }
  }
}

/** Nested arrays of numbers, as `tolist()` returns them. */
export type Nested = number | Nested[]

/** Row-major values of a tensor through tolist(), independent of its layout. */
export const flat = (t: fg.Tensor): number[] => {
  const out: number[] = []
  const walk = (v: Nested | boolean) => (Array.isArray(v) ? v.forEach(walk) : out.push(Number(v)))
  walk(t.tolist() as Nested)
  return out
}

/** A deterministic pseudo-random array in [-1, 1) (independent of ferrograd's generator). */
export function randomArray(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1
  const out = new Float32Array(n)
  // Warm up: xorshift's first outputs for small, close seeds are close too.
  for (let i = 0; i < 16; i++) {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
  }
  for (let i = 0; i < n; i++) {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    out[i] = ((s >>> 0) / 2 ** 32) * 2 - 1
  }
  return out
}

/**
 * Runs a full garbage collection and lets the native finalizers it queued run
 * (Node defers finalizers that call back into N-API to the next turn).
 */
export async function collect(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc
  if (!gc) throw new Error('tests must run with --expose-gc (see vitest.config.ts)')
  for (let i = 0; i < 2; i++) {
    gc()
    await new Promise((resolve) => setImmediate(resolve))
  }
}

/**
 * A standalone script that loads ferrograd with `load` (a require or an import
 * line), trains a 2-16-2 network on XOR and prints
 * `{ loss, correct, simd, isError }` as JSON: what the install tests run in a
 * user's project.
 */
export function xorTrainingScript(load: string): string {
  return `${load}
fg.manualSeed(1)
const model = new fg.nn.Sequential(new fg.nn.Linear(2, 16), new fg.nn.Tanh(), new fg.nn.Linear(16, 2))
const x = fg.tensor([[0, 0], [0, 1], [1, 0], [1, 1]])
const y = fg.tensor([0, 1, 1, 0], { dtype: 'int64' })
const opt = new fg.optim.SGD(model.parameters(), { lr: 0.5, momentum: 0.9 })
const lossFn = new fg.nn.CrossEntropyLoss()
let loss
for (let i = 0; i < 300; i++) {
  loss = lossFn.forward(model.forward(x), y)
  opt.zeroGrad(); loss.backward(); opt.step()
}
const correct = fg.noGrad(() => model.forward(x).argmax(1).eq(y).sum().item())
const isError = new fg.FerrogradError('ERR_ARG', 'x') instanceof Error
console.log(JSON.stringify({ loss: loss.item(), correct, simd: fg.simdLevel(), isError }))
`
}

/** The six comparisons, in the order of `fg.Comparison`. */
export const COMPARISONS: readonly fg.Comparison[] = ['eq', 'ne', 'lt', 'le', 'gt', 'ge']

/** One table entry per comparison: `{ eq: make('eq'), …, ge: make('ge') }`. */
export function perComparison<T>(make: (op: fg.Comparison) => T): Record<fg.Comparison, T> {
  return Object.fromEntries(COMPARISONS.map((op) => [op, make(op)])) as Record<fg.Comparison, T>
}

/**
 * A small classifier in training, seeded with `seed`: Linear-ReLU-Linear of sizes
 * `[inputs, hidden, classes]`, SGD (lr 0.05, momentum 0.9) and one fixed random
 * batch of `batch` rows; `step()` takes one training step on it and returns the loss.
 */
export function mlpTraining(seed: number, [inputs, hidden, classes]: [number, number, number], batch: number): { step: () => number } {
  fg.manualSeed(seed)
  const model = new fg.nn.Sequential(new fg.nn.Linear(inputs, hidden), new fg.nn.ReLU(), new fg.nn.Linear(hidden, classes))
  const optimizer = new fg.optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 })
  const x = fg.randn([batch, inputs])
  const y = fg.randint(0, classes, [batch])
  const step = () => {
    optimizer.zeroGrad()
    const loss = fg.nn.functional.crossEntropy(model.forward(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()
  }
  return { step }
}
