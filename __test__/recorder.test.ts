// Every binding entry that makes a tensor goes through fit's trace recorder, or
// provably cannot compute from a recorded value. An entry that computed from its
// tensor inputs without recording would be replayed by `fit` as a frozen constant,
// silently; this test lists the binding's exports from its generated types, so a
// new tensor-producing entry without a case here fails it.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'

const require = createRequire(__filename)
type Fn = (...args: unknown[]) => unknown
const b = require('../native/binding.cjs') as Record<string, Fn> & {
  traceBegin(inputs: unknown[]): void
  traceEnd(output?: unknown): { ops: number } | null
}

/** Each exported function of the binding with its parameter types and result type. */
function exportedFunctions(): { name: string; params: string[]; result: string }[] {
  const dts = readFileSync(join(__dirname, '../native/binding.d.cts'), 'utf8')
  const out = []
  for (const m of dts.matchAll(/export declare function (\w+)\((.*)\): (.+)$/gm)) {
    const params = m[2] ? m[2].split(/, (?=\w+\??:)/).map((p) => p.replace(/^\w+\??: /, '')) : []
    out.push({ name: m[1], params, result: m[3] })
  }
  return out
}

const makesTensor = (result: string) => /^(NativeTensor|Array<NativeTensor>|NativeTensor \| null)$/.test(result)
const takesTensor = (params: string[]) => params.some((p) => /NativeTensor|TensorRef/.test(p))

/** Float32 tensor of `shape` with values 0.1, 0.2, ... */
const f32 = (shape: number[], start = 0.1) => {
  const n = shape.reduce((a, c) => a * c, 1)
  return b.tensorFromFloat32(Float32Array.from({ length: n }, (_, i) => start + i / 10), shape)
}
const i64 = (values: number[], shape = [values.length]) => b.tensorFromInt64(BigInt64Array.from(values.map(BigInt)), shape)

/**
 * Arguments for each op, given `x`, a recorded [2, 3] float32 input (and, for ops
 * of several tensors, tensors made outside the recording, as parameters are).
 */
const OPS: Record<string, (x: unknown) => unknown[]> = {
  adaptiveAvgPool2d: (x) => [b.tensorReshape(x, [1, 1, 2, 3]), [1, 1]],
  avgPool2d: (x) => [b.tensorReshape(x, [1, 1, 2, 3]), [2, 2], [1, 1], [0, 0], true],
  batchNorm: (x) => [x, null, null, null, null, null, true, 0.1, 1e-5],
  binaryCrossEntropy: (x) => [b.tensorSigmoid(x), f32([2, 3], 0), 'mean'],
  binaryCrossEntropyWithLogits: (x) => [x, f32([2, 3], 0), 'mean'],
  cat: (x) => [[x, x], 0],
  conv1d: (x) => [b.tensorReshape(x, [1, 2, 3]), f32([1, 2, 2]), null, 1, 0, 1, 1],
  conv2d: (x) => [b.tensorReshape(x, [1, 1, 2, 3]), f32([1, 1, 2, 2]), null, [1, 1], [0, 0], [1, 1], 1],
  crossEntropy: (x) => [x, i64([0, 2]), 'mean'],
  dropout: (x) => [x, 0.5, true],
  embedding: (x) => [x, i64([1, 0])],
  klDiv: (x) => [x, f32([2, 3]), 'mean', false],
  l1Loss: (x) => [x, f32([2, 3]), 'mean'],
  layerNorm: (x) => [x, [3], null, null, 1e-5],
  linear: (x) => [x, f32([4, 3])],
  maxPool2d: (x) => [b.tensorReshape(x, [1, 1, 2, 3]), [2, 2], [1, 1], [0, 0]],
  mseLoss: (x) => [x, f32([2, 3]), 'mean'],
  nllLoss: (x) => [x, i64([0, 2]), 'mean'],
  stack: (x) => [[x, x], 0],
  thresholdLoss: (x) => ['smoothL1', x, f32([2, 3]), 'mean', 1],
  where: (x) => [b.tensorGt(x, f32([2, 3], 0.3)), x, f32([2, 3])],
  tensorAbs: (x) => [x],
  tensorAdd: (x) => [x, f32([2, 3])],
  tensorAddScalar: (x) => [x, 2, false],
  tensorArgmax: (x) => [x, 1, false],
  tensorArgmin: (x) => [x, 1, false],
  tensorClamp: (x) => [x, 0.2, 0.4],
  tensorClone: (x) => [x],
  tensorContiguous: (x) => [b.tensorT(x)],
  tensorDetach: (x) => [x],
  tensorDiv: (x) => [x, f32([2, 3])],
  tensorDivScalar: (x) => [x, 2, true],
  tensorEq: (x) => [x, f32([2, 3])],
  tensorExp: (x) => [x],
  tensorExpand: (x) => [b.tensorUnsqueeze(x, 0), [4, 2, 3]],
  tensorFlatten: (x) => [x, 0, 1],
  tensorGather: (x) => [x, i64([0, 1, 1, 0], [2, 2]), 1],
  tensorGe: (x) => [x, f32([2, 3])],
  tensorGelu: (x) => [x],
  tensorGt: (x) => [x, f32([2, 3])],
  tensorHardtanh: (x) => [x, -0.25, 0.25],
  tensorIndexSelect: (x) => [x, i64([1, 0]), 1],
  tensorLe: (x) => [x, f32([2, 3])],
  tensorLeakyRelu: (x) => [x, 0.1],
  tensorLog: (x) => [x],
  tensorLogSoftmax: (x) => [x, 1],
  tensorLt: (x) => [x, f32([2, 3])],
  tensorMaskedFill: (x) => [x, b.tensorGt(f32([2, 3]), f32([2, 3], 0.3)), 0],
  tensorMatmul: (x) => [x, f32([3, 2])],
  tensorMax: (x) => [x],
  tensorMaxDim: (x) => [x, 1, false],
  tensorMaximum: (x) => [x, f32([2, 3])],
  tensorMaximumScalar: (x) => [x, 0.3, false],
  tensorMean: (x) => [x, [1], false],
  tensorMin: (x) => [x],
  tensorMinDim: (x) => [x, 1, true],
  tensorMinimum: (x) => [x, f32([2, 3])],
  tensorMinimumScalar: (x) => [x, 0.3, true],
  tensorMul: (x) => [x, f32([2, 3])],
  tensorMulScalar: (x) => [x, 3, false],
  tensorNarrow: (x) => [x, 1, 1, 2],
  tensorNe: (x) => [x, f32([2, 3])],
  tensorNeg: (x) => [x],
  tensorPermute: (x) => [x, [1, 0]],
  tensorPow: (x) => [x, f32([2, 3])],
  tensorPowScalar: (x) => [x, 2, false],
  tensorRelu: (x) => [x],
  tensorReshape: (x) => [x, [3, 2]],
  tensorSigmoid: (x) => [x],
  tensorSilu: (x) => [x],
  tensorSoftmax: (x) => [x, 0],
  tensorSoftplus: (x) => [x],
  tensorSqrt: (x) => [x],
  tensorSqueeze: (x) => [b.tensorUnsqueeze(x, 0), 0],
  tensorStd: (x) => [x, null, 1, false],
  tensorSub: (x) => [x, f32([2, 3])],
  tensorSubScalar: (x) => [x, 1, true],
  tensorSum: (x) => [x, null, false],
  tensorT: (x) => [x],
  tensorTanh: (x) => [x],
  tensorTo: (x) => [x, 'float64'],
  tensorTranspose: (x) => [x, 0, 1],
  tensorUnsqueeze: (x) => [x, 1],
  tensorVar: (x) => [x, [0], 0, true],
  tensorView: (x) => [x, [6]],
  // Ops with no tensor input that must still be recorded: a replay draws anew.
  randint: () => [0, 10, [2, 3]],
  randn: () => [[2, 3], 'float32'],
  randperm: () => [5],
  uniform: () => [[2, 3], 0, 1, 'float32'],
}

/** Entries that read a tensor out of the graph or change it: the recording must refuse replay. */
const REFUSES: Record<string, (x: unknown) => unknown[]> = {
  tensorGrad: (x) => [x],
  clipGradNorm: (x) => [[x], 1, 2, false],
}

/** Entries that make a tensor from JavaScript data or a file: constants, taking no tensor. */
const CONSTANTS = [
  'arange',
  'eye',
  'full',
  'linspace',
  'readIdx',
  'tensorFromBool',
  'tensorFromFloat32',
  'tensorFromFloat64',
  'tensorFromInt32',
  'tensorFromInt64',
]

const producers = exportedFunctions().filter((f) => makesTensor(f.result))

describe('the trace recorder', () => {
  test('the binding exports its tensor-producing functions and each has a case here', () => {
    expect(producers.length).toBeGreaterThan(90)
    const listed = new Set([...Object.keys(OPS), ...Object.keys(REFUSES), ...CONSTANTS])
    expect(producers.map((f) => f.name).filter((n) => !listed.has(n))).toEqual([])
    const exported = new Set(producers.map((f) => f.name))
    expect([...listed].filter((n) => !exported.has(n))).toEqual([])
  })

  test.each(Object.keys(OPS))('%s is recorded, so a replay recomputes it', (name) => {
    const x = f32([2, 3])
    const args = OPS[name](x)
    b.traceBegin([x])
    let out: unknown
    try {
      out = b[name](...args)
    } catch (e) {
      b.traceEnd()
      throw e
    }
    const first = Array.isArray(out) ? out[0] : out
    // `traceEnd` refuses an output that no recorded op computed from the inputs.
    const trace = b.traceEnd(first)
    expect(trace?.ops).toBeGreaterThan(0)
  })

  test.each(Object.keys(REFUSES))('%s makes the recording refuse replay', (name) => {
    const x = f32([2, 3])
    b.tensorSetRequiresGrad(x, true)
    b.tensorBackward(b.tensorSum(b.tensorMul(x, x), null, false), null, false)
    const args = REFUSES[name](x)
    b.traceBegin([x])
    b[name](...args)
    expect(() => b.traceEnd(b.tensorNeg(x))).toThrow(/cannot be replayed/)
  })

  test.each(CONSTANTS)('%s takes no tensor, so it cannot compute from a recorded value', (name) => {
    const f = producers.find((p) => p.name === name)
    expect(f && takesTensor(f.params)).toBe(false)
  })
})
