import { resolve } from 'node:path'
import { afterAll, expect, test } from 'vitest'
import { expectGradients, expectMatches, fixtureFiles, fixtureInputs, toTensor, type Errors } from './fixtures'
import { fg } from './helpers'
import { readSafetensors } from './safetensors'

// Every layer and loss against PyTorch: `scripts/make_fixtures_layers.py` ran each
// case through a torch.nn module built with the case's options and saved inputs,
// output, input gradients and the module's buffers after the forward pass in
// `fixtures/torch/layers/`; here the same module is built through ferrograd's
// TypeScript API, its state loaded with `loadStateDict`, and run again. The
// `args` fields are described in that script's docstring.

const DIR = resolve(__dirname, '..', 'fixtures', 'torch', 'layers')
const FILES = fixtureFiles(DIR)

interface LayerArgs {
  args?: unknown[]
  options?: Record<string, unknown>
  tensorOptions?: Record<string, number>
  inputs?: number
  state?: string[]
  training?: boolean
}

type AnyModule = new (...args: never[]) => fg.nn.Module

/** Each fixture `op` as the ferrograd class of the same name. */
const MODULES: Record<string, AnyModule> = {
  BatchNorm1d: fg.nn.BatchNorm1d,
  BatchNorm2d: fg.nn.BatchNorm2d,
  LayerNorm: fg.nn.LayerNorm,
  Embedding: fg.nn.Embedding,
  L1Loss: fg.nn.L1Loss,
  SmoothL1Loss: fg.nn.SmoothL1Loss,
  HuberLoss: fg.nn.HuberLoss,
  BCELoss: fg.nn.BCELoss,
  BCEWithLogitsLoss: fg.nn.BCEWithLogitsLoss,
  NLLLoss: fg.nn.NLLLoss,
  KLDivLoss: fg.nn.KLDivLoss,
  CrossEntropyLoss: fg.nn.CrossEntropyLoss,
}

/** Cases and largest errors per class, printed at the end for the record. */
const seen = new Map<string, { cases: number } & Errors>()

function note(op: string, e: Errors): void {
  const s = seen.get(op) ?? { cases: 0, maxAbs: 0, maxRel: 0 }
  seen.set(op, { cases: s.cases + 1, maxAbs: Math.max(s.maxAbs, e.maxAbs), maxRel: Math.max(s.maxRel, e.maxRel) })
}

test('the fixtures are there', () => {
  expect(FILES.length).toBeGreaterThan(100)
})

test.each(FILES)('%s matches PyTorch', (file) => {
  const { tensors, metadata } = readSafetensors(resolve(DIR, file))
  const Module = MODULES[metadata.op]
  if (!Module) throw new Error(`no ferrograd class for '${metadata.op}'`)
  const a = JSON.parse(metadata.args) as LayerArgs
  const transposed = new Set(JSON.parse(metadata.transposed) as number[])
  const { leaves, inputs } = fixtureInputs(tensors, transposed)

  const options: Record<string, unknown> = { ...a.options }
  for (const [name, i] of Object.entries(a.tensorOptions ?? {})) options[name] = inputs[i]
  const ctorArgs = [...(a.args ?? []), options] as never[]
  const m = new Module(...ctorArgs)
  const n = a.inputs ?? 1
  const state = a.state ?? []
  if (state.length) m.loadStateDict(Object.fromEntries(state.map((k, j) => [k, inputs[n + j]])))
  m.train(a.training ?? true)

  const output = (m.forward as (...x: fg.Tensor[]) => fg.Tensor).call(m, ...inputs.slice(0, n))
  const errors = [expectMatches('output', output, tensors.get('output')!)]
  const after = m.stateDict()
  for (const [key, stored] of tensors) {
    if (key.startsWith('after.')) errors.push(expectMatches(key, after[key.slice('after.'.length)], stored))
  }

  const upstream = tensors.get('upstream')
  if (upstream) {
    output.backward(toTensor(upstream))
    // A state input's gradient is that of the module's parameter it was loaded into.
    const params = new Map(m.namedParameters())
    const gradLeaves = leaves.map((leaf, i) => (i >= n && i < n + state.length ? params.get(state[i - n]) : leaf))
    errors.push(expectGradients(tensors, gradLeaves, transposed))
  } else {
    expect([...tensors.keys()].filter((k) => k.startsWith('grad.'))).toEqual([])
  }
  note(metadata.op, { maxAbs: Math.max(...errors.map((e) => e.maxAbs)), maxRel: Math.max(...errors.map((e) => e.maxRel)) })
})

test('every class has fixtures', () => {
  const used = new Set(FILES.map((f) => readSafetensors(resolve(DIR, f)).metadata.op))
  expect(Object.keys(MODULES).filter((op) => !used.has(op))).toEqual([])
})

afterAll(() => {
  const rows = [...seen].map(([op, s]) => `${op}: ${s.cases} cases, max abs error ${s.maxAbs.toExponential(2)}, max rel error ${s.maxRel.toExponential(2)}`)
  console.log(`layers parity against PyTorch:\n${rows.join('\n')}`)
})
