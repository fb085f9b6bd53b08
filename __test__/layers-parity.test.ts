import { resolve } from 'node:path'
import { afterAll, expect, test } from 'vitest'
import { ErrorTally, expectEveryOpHasFixture, expectGradients, expectMatches, fixtureFiles, loadFixture, toTensor } from './fixtures'
import { fg } from './helpers'

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
const tally = new ErrorTally()

test('the fixtures are there', () => {
  expect(FILES.length).toBeGreaterThan(100)
})

test.each(FILES)('%s matches PyTorch', (file) => {
  const { entry: Module, tensors, metadata, args: a, transposed, leaves, inputs } = loadFixture<AnyModule, LayerArgs>(DIR, file, MODULES)

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
  tally.note(metadata.op, { maxAbs: Math.max(...errors.map((e) => e.maxAbs)), maxRel: Math.max(...errors.map((e) => e.maxRel)) })
})

test('every class has fixtures', () => {
  expectEveryOpHasFixture(DIR, FILES, MODULES)
})

afterAll(() => {
  console.log(`layers parity against PyTorch:\n${tally.lines().join('\n')}`)
})
