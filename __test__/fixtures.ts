import { readdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { expect } from 'vitest'
import { fg } from './helpers'
import { readSafetensors, type StoredTensor } from './safetensors'

// Replaying PyTorch fixtures (the layout `scripts/make_fixtures.py` documents):
// building the inputs as a user would, and comparing results with PyTorch's.
// Shared by `parity.test.ts`, `conv-parity.test.ts` and `layers-parity.test.ts`.

/** Issue 4's tolerance for float32: |actual - expected| <= ATOL + RTOL * |expected|. */
export const RTOL = 1e-5
/** See {@link RTOL}. */
export const ATOL = 1e-6

/** The `.safetensors` files directly in `dir`, sorted. */
export function fixtureFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.safetensors'))
    .sort()
}

/** The data of `t` with its last two dims swapped, packed, and the swapped shape. */
export function transposeLast2(t: StoredTensor): StoredTensor {
  const shape = [...t.shape]
  const [r, c] = shape.slice(-2)
  shape.splice(-2, 2, c, r)
  const out = new (t.data.constructor as new (n: number) => StoredTensor['data'])(t.data.length)
  for (let b = 0; b < t.data.length; b += r * c) {
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[b + j * r + i] = t.data[b + i * c + j]
  }
  return { dtype: t.dtype, shape, data: out }
}

/** A ferrograd tensor holding a stored one. */
export function toTensor(t: StoredTensor, requiresGrad = false): fg.Tensor {
  const { shape, data } = t
  if (t.dtype === 'BOOL') return fg.tensor(Int32Array.from(data as Uint8Array), { shape, dtype: 'bool' })
  return fg.tensor(data as Float32Array | BigInt64Array, { shape, requiresGrad })
}

/** The largest errors of one comparison. */
export interface Errors {
  maxAbs: number
  maxRel: number
}

/**
 * Compares a ferrograd tensor with a stored one: shape, dtype and every element
 * (NaN where PyTorch has NaN counts as equal); returns the largest errors.
 */
export function expectMatches(what: string, actual: fg.Tensor, expected: StoredTensor): Errors {
  expect(actual.shape, `${what}: shape`).toEqual(expected.shape)
  if (expected.dtype !== 'F32') {
    expect(actual.dtype, `${what}: dtype`).toBe(expected.dtype === 'I64' ? 'int64' : 'bool')
    const list = (d: ArrayLike<number | bigint>) => Array.from(d)
    expect(list(actual.toTypedArray()), what).toEqual(list(expected.data))
    return { maxAbs: 0, maxRel: 0 }
  }
  expect(actual.dtype, `${what}: dtype`).toBe('float32')
  const a = actual.toFloat32Array()
  const e = expected.data as Float32Array
  let worst = -1
  let maxAbs = 0
  let maxRel = 0
  for (let i = 0; i < e.length; i++) {
    if (Number.isNaN(a[i]) && Number.isNaN(e[i])) continue
    const err = Math.abs(a[i] - e[i])
    if (!(err <= ATOL + RTOL * Math.abs(e[i])) && worst < 0) worst = i
    if (!(err <= maxAbs)) maxAbs = err
    if (e[i] !== 0 && !(err / Math.abs(e[i]) <= maxRel)) maxRel = err / Math.abs(e[i])
  }
  if (worst >= 0) {
    throw new Error(
      `${what}: element ${worst} is ${a[worst]}, PyTorch has ${e[worst]} ` +
        `(max abs error ${maxAbs.toExponential(2)}, max rel error ${maxRel.toExponential(2)})`,
    )
  }
  return { maxAbs, maxRel }
}

/**
 * The fixture's inputs as a user creates them: `leaves` (requiring grad where the
 * fixture has a gradient) and the `inputs` an op takes, where a transposed input
 * is a strided view of its leaf.
 */
export function fixtureInputs(tensors: Map<string, StoredTensor>, transposed: Set<number>): { leaves: fg.Tensor[]; inputs: fg.Tensor[] } {
  const leaves: fg.Tensor[] = []
  const inputs: fg.Tensor[] = []
  for (let i = 0; tensors.has(`input.${i}`); i++) {
    const stored = tensors.get(`input.${i}`)!
    const requiresGrad = tensors.has(`grad.${i}`)
    if (transposed.has(i)) {
      const leaf = toTensor(transposeLast2(stored), requiresGrad)
      const view = leaf.transpose(-2, -1)
      expect(view.isContiguous(), `input.${i} is a strided view`).toBe(false)
      leaves.push(leaf)
      inputs.push(view)
    } else {
      const leaf = toTensor(stored, requiresGrad)
      leaves.push(leaf)
      inputs.push(leaf)
    }
  }
  return { leaves, inputs }
}

/**
 * Compares `grad.i` of the fixture with the `.grad` of `gradLeaves[i]` (the tensor
 * standing for input i) after backward; returns the largest errors.
 */
export function expectGradients(tensors: Map<string, StoredTensor>, gradLeaves: (fg.Tensor | undefined)[], transposed: Set<number>): Errors {
  const worst: Errors = { maxAbs: 0, maxRel: 0 }
  for (let i = 0; i < gradLeaves.length; i++) {
    const expected = tensors.get(`grad.${i}`)
    if (!expected) continue
    const grad = gradLeaves[i]?.grad
    if (!grad) throw new Error(`grad.${i}: ferrograd computed no gradient`)
    const e = expectMatches(`grad.${i}`, transposed.has(i) ? grad.transpose(-2, -1) : grad, expected)
    worst.maxAbs = Math.max(worst.maxAbs, e.maxAbs)
    worst.maxRel = Math.max(worst.maxRel, e.maxRel)
  }
  return worst
}

/** A fixture file read for replay. */
export interface Fixture<T, A> {
  /** The test's entry for the fixture's `op`. */
  entry: T
  /** The stored tensors by name. */
  tensors: Map<string, StoredTensor>
  /** The file's metadata. */
  metadata: Record<string, string>
  /** The metadata's `args`, parsed. */
  args: A
  /** The inputs stored transposed, to be used as strided views. */
  transposed: Set<number>
  /** The leaves and inputs of {@link fixtureInputs}. */
  leaves: fg.Tensor[]
  /** See `leaves`. */
  inputs: fg.Tensor[]
}

/**
 * Reads `dir/file`, looks its `op` up in `table` (a fixture whose op the test does
 * not dispatch is an error) and builds its inputs as a user would.
 */
export function loadFixture<T, A = Record<string, unknown>>(dir: string, file: string, table: Record<string, T>): Fixture<T, A> {
  const { tensors, metadata } = readSafetensors(resolve(dir, file))
  const entry = table[metadata.op]
  if (!entry) throw new Error(`no ferrograd call for op '${metadata.op}'`)
  const transposed = new Set(JSON.parse(metadata.transposed) as number[])
  const { leaves, inputs } = fixtureInputs(tensors, transposed)
  return { entry, tensors, metadata, args: JSON.parse(metadata.args) as A, transposed, leaves, inputs }
}

/** Expects every op of `table` to have a fixture among `files` of `dir`. */
export function expectEveryOpHasFixture(dir: string, files: string[], table: object): void {
  const used = new Set(files.map((f) => readSafetensors(resolve(dir, f)).metadata.op))
  expect(Object.keys(table).filter((op) => !used.has(op))).toEqual([])
}

/** The cases and largest errors per op of a parity suite, printed at the end for the record. */
export class ErrorTally {
  private readonly seen = new Map<string, { cases: number } & Errors>()

  /** Counts one case of `op` and its errors. */
  note(op: string, e: Errors): void {
    const s = this.seen.get(op) ?? { cases: 0, maxAbs: 0, maxRel: 0 }
    this.seen.set(op, { cases: s.cases + 1, maxAbs: Math.max(s.maxAbs, e.maxAbs), maxRel: Math.max(s.maxRel, e.maxRel) })
  }

  /** One line per op: its cases and largest errors. */
  lines(): string[] {
    return [...this.seen].map(([op, s]) => `${op}: ${s.cases} cases, max abs error ${s.maxAbs.toExponential(2)}, max rel error ${s.maxRel.toExponential(2)}`)
  }
}

/**
 * A network case (`input`, `target`, then the state dict under the keys `params`):
 * loads that state into `model` and returns its cross-entropy against `target`,
 * and the tensors whose `.grad` stand for each input, the state's being the
 * model's own parameters (in state-dict order).
 */
export function loadedCrossEntropy(model: fg.nn.Sequential, x: fg.Tensor[], params: string[]): { output: fg.Tensor; leaves: fg.Tensor[] } {
  const [input, target] = x
  model.loadStateDict(Object.fromEntries(params.map((k, i) => [k, x[2 + i]])))
  const output = new fg.nn.CrossEntropyLoss().forward(model.forward(input), target)
  return { output, leaves: [input, target, ...model.parameters()] }
}
