import { resolve } from 'node:path'
import { afterAll, expect, test } from 'vitest'
import { ErrorTally, expectEveryOpHasFixture, expectGradients, expectMatches, fixtureFiles, loadFixture, loadedCrossEntropy, toTensor } from './fixtures'
import { fg } from './helpers'

// Convolution, pooling and a tiny CNN against PyTorch: `scripts/make_fixtures_conv.py`
// ran each case through torch 2.9.1 and saved inputs, output and input gradients in
// `fixtures/torch/conv/`; here each runs again through the TypeScript API.

const DIR = resolve(__dirname, '..', 'fixtures', 'torch', 'conv')
const FILES = fixtureFiles(DIR)

type Args = Record<string, unknown>

/** What an op gives back: the output and, for a network whose parameters live in
 * its modules, the tensors whose `.grad` stand for each input. */
interface Outcome {
  output: fg.Tensor
  leaves?: fg.Tensor[]
}

type Op = (x: fg.Tensor[], a: Args) => fg.Tensor | Outcome

const F = fg.nn.functional
type Pair = [number, number]
type ConvOpts = fg.nn.functional.Conv2dOptions & fg.nn.functional.Conv1dOptions

/** The options a fixture gives, as the options object a user writes. */
function options(a: Args, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => k in a).map((k) => [k, a[k]]))
}

const conv =
  (f: typeof F.conv1d | typeof F.conv2d): Op =>
  (x, a) =>
    (f as (i: fg.Tensor, w: fg.Tensor, b: fg.Tensor | null, o: ConvOpts) => fg.Tensor)(
      x[0],
      x[1],
      x[2] ?? null,
      options(a, ['stride', 'padding', 'dilation', 'groups']),
    )

/** Conv-ReLU-MaxPool-Flatten-Linear in nn.Sequential, loaded from the fixture's
 * state dict, + CrossEntropyLoss; the gradients land on the modules' parameters. */
function tinyCnn(x: fg.Tensor[], a: Args): Outcome {
  const [, , convW, , fcW] = x
  const model = new fg.nn.Sequential(
    new fg.nn.Conv2d(convW.shape[1], convW.shape[0], convW.shape[2], { padding: a.padding as number }),
    new fg.nn.ReLU(),
    new fg.nn.MaxPool2d(a.pool as number),
    new fg.nn.Flatten(),
    new fg.nn.Linear(fcW.shape[1], fcW.shape[0]),
  )
  return loadedCrossEntropy(model, x, a.params as string[])
}

const OPS: Record<string, Op> = {
  conv1d: conv(F.conv1d),
  conv2d: conv(F.conv2d),
  maxPool2d: (x, a) => F.maxPool2d(x[0], a.kernelSize as Pair, options(a, ['stride', 'padding'])),
  avgPool2d: (x, a) => F.avgPool2d(x[0], a.kernelSize as Pair, options(a, ['stride', 'padding', 'countIncludePad'])),
  adaptiveAvgPool2d: (x, a) => F.adaptiveAvgPool2d(x[0], a.outputSize as Pair),
  tinyCnn,
}

/** Cases and largest errors per op, printed at the end for the record. */
const tally = new ErrorTally()

test('the fixtures are there', () => {
  expect(FILES.length).toBeGreaterThanOrEqual(30)
})

test.each(FILES)('%s matches PyTorch', (file) => {
  const { entry: run, tensors, metadata, args, transposed, leaves, inputs } = loadFixture<Op, Args>(DIR, file, OPS)
  const result = run(inputs, args)
  const outcome = result instanceof fg.Tensor ? { output: result } : result
  const out = expectMatches('output', outcome.output, tensors.get('output')!)
  outcome.output.backward(toTensor(tensors.get('upstream')!))
  const grads = expectGradients(tensors, outcome.leaves ?? leaves, transposed)
  tally.note(metadata.op, { maxAbs: Math.max(out.maxAbs, grads.maxAbs), maxRel: Math.max(out.maxRel, grads.maxRel) })
})

test('every dispatched op has a fixture', () => {
  expectEveryOpHasFixture(DIR, FILES, OPS)
})

afterAll(() => {
  for (const line of tally.lines()) console.log(line)
})
