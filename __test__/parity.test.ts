import { resolve } from 'node:path'
import { expect, test } from 'vitest'
import { fg, perComparison } from './helpers'
import { expectEveryOpHasFixture, expectGradients, expectMatches, fixtureFiles, loadFixture, loadedCrossEntropy, toTensor } from './fixtures'

// Every op against PyTorch: `scripts/make_fixtures.py` ran each case through
// torch 2.9.1 and saved inputs, output and input gradients (for a random upstream
// gradient) in `fixtures/torch/`; here each case runs again through ferrograd's
// TypeScript API. The file format is described in that script's docstring.

const DIR = resolve(__dirname, '..', 'fixtures', 'torch')
const FILES = fixtureFiles(DIR)

type Args = Record<string, unknown>

/** What an op gives back: the output, max/min's indices, and (for networks whose
 * parameters live inside modules) the tensors whose `.grad` stand for each input. */
interface Outcome {
  output: fg.Tensor
  indices?: fg.Tensor
  leaves?: fg.Tensor[]
}

type Op = (x: fg.Tensor[], a: Args) => fg.Tensor | Outcome

const num = (a: Args, key: string): number => a[key] as number
const opt = <T>(a: Args, key: string): T | undefined => a[key] as T | undefined
const F = fg.nn.functional

type BinaryName = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum'
type ComparisonName = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge'
type UnaryName = 'neg' | 'relu' | 'sigmoid' | 'tanh' | 'exp' | 'log' | 'sqrt' | 'abs' | 'gelu' | 'silu' | 'softplus'

/** A binary op with a number on the side the args name (`a` first, `b` second). */
const binary =
  (name: BinaryName): Op =>
  (x, a) =>
    'a' in a ? fg[name](num(a, 'a'), x[0]) : fg[name](x[0], 'b' in a ? num(a, 'b') : x[1])

const comparison =
  (name: ComparisonName): Op =>
  (x, a) =>
    fg[name](x[0], 'b' in a ? num(a, 'b') : x[1])

const unary =
  (name: UnaryName): Op =>
  (x) =>
    fg[name](x[0])

const varOptions = (a: Args): fg.VarOptions =>
  'unbiased' in a ? { unbiased: a.unbiased as boolean } : 'correction' in a ? { correction: num(a, 'correction') } : {}

const extreme =
  (name: 'max' | 'min'): Op =>
  (x, a) => {
    if (!('dim' in a)) return fg[name](x[0])
    const { values, indices } = fg[name](x[0], num(a, 'dim'), opt(a, 'keepdim'))
    return { output: values, indices }
  }

const lossOptions = (a: Args): fg.nn.functional.LossOptions | undefined =>
  'reduction' in a ? { reduction: a.reduction as fg.nn.functional.Reduction } : undefined

/** Linear-ReLU-Linear in nn.Sequential, loaded from the fixture's state dict, + CrossEntropyLoss. */
function mlpReluCe(x: fg.Tensor[], a: Args): Outcome {
  const [, , w1, , w2] = x
  const model = new fg.nn.Sequential(
    new fg.nn.Linear(w1.shape[1], w1.shape[0]),
    new fg.nn.ReLU(),
    new fg.nn.Linear(w2.shape[1], w2.shape[0]),
  )
  return loadedCrossEntropy(model, x, a.params as string[])
}

/** Linear-Tanh-Linear-Sigmoid and a summed MSE, through nn.functional. */
function mlpTanhMse(x: fg.Tensor[]): fg.Tensor {
  const [input, target, w1, b1, w2, b2] = x
  const y = F.linear(F.linear(input, w1, b1).tanh(), w2, b2).sigmoid()
  return F.mseLoss(y, target, { reduction: 'sum' })
}

/** One self-attention head and a normalisation, reduced to a scalar. */
function attention(x: fg.Tensor[]): fg.Tensor {
  const [input, wq, wk, wv] = x
  const [q, k, v] = [wq, wk, wv].map((w) => F.linear(input, w))
  const scores = q.matmul(k.transpose(-2, -1)).div(Math.sqrt(wq.shape[0]))
  const h = scores.softmax(-1).matmul(v)
  const z = h.sub(h.mean(-1, true)).div(h.std(-1, true, { correction: 0 }).add(1e-5))
  return z.gelu().pow(2).mean()
}

/** Each fixture `op` as the ferrograd call a user writes. */
const OPS: Record<string, Op> = {
  add: binary('add'),
  sub: binary('sub'),
  mul: binary('mul'),
  div: binary('div'),
  pow: binary('pow'),
  maximum: binary('maximum'),
  minimum: binary('minimum'),
  ...perComparison(comparison),
  neg: unary('neg'),
  relu: unary('relu'),
  sigmoid: unary('sigmoid'),
  tanh: unary('tanh'),
  exp: unary('exp'),
  log: unary('log'),
  sqrt: unary('sqrt'),
  abs: unary('abs'),
  gelu: unary('gelu'),
  silu: unary('silu'),
  softplus: unary('softplus'),
  leakyRelu: (x, a) => fg.leakyRelu(x[0], opt(a, 'negativeSlope')),
  clamp: (x, a) => fg.clamp(x[0], opt(a, 'min'), opt(a, 'max')),
  sum: (x, a) => fg.sum(x[0], opt(a, 'dim'), opt(a, 'keepdim')),
  mean: (x, a) => fg.mean(x[0], opt(a, 'dim'), opt(a, 'keepdim')),
  var: (x, a) => fg.var(x[0], opt(a, 'dim'), opt(a, 'keepdim'), varOptions(a)),
  std: (x, a) => fg.std(x[0], opt(a, 'dim'), opt(a, 'keepdim'), varOptions(a)),
  max: extreme('max'),
  min: extreme('min'),
  argmax: (x, a) => fg.argmax(x[0], opt(a, 'dim'), opt(a, 'keepdim')),
  argmin: (x, a) => fg.argmin(x[0], opt(a, 'dim'), opt(a, 'keepdim')),
  softmax: (x, a) => fg.softmax(x[0], num(a, 'dim')),
  logSoftmax: (x, a) => fg.logSoftmax(x[0], num(a, 'dim')),
  matmul: (x) => fg.matmul(x[0], x[1]),
  reshape: (x, a) => x[0].reshape(a.shape as number[]),
  view: (x, a) => x[0].view(a.shape as number[]),
  transpose: (x, a) => x[0].transpose(num(a, 'dim0'), num(a, 'dim1')),
  permute: (x, a) => x[0].permute(a.dims as number[]),
  t: (x) => x[0].t(),
  narrow: (x, a) => x[0].narrow(num(a, 'dim'), num(a, 'start'), num(a, 'length')),
  expand: (x, a) => x[0].expand(a.shape as number[]),
  squeeze: (x, a) => x[0].squeeze(opt(a, 'dim')),
  unsqueeze: (x, a) => x[0].unsqueeze(num(a, 'dim')),
  flatten: (x, a) => x[0].flatten(opt(a, 'startDim'), opt(a, 'endDim')),
  contiguous: (x) => x[0].contiguous(),
  clone: (x) => x[0].clone(),
  cat: (x, a) => fg.cat(x, num(a, 'dim')),
  stack: (x, a) => fg.stack(x, num(a, 'dim')),
  indexSelect: (x, a) => fg.indexSelect(x[0], num(a, 'dim'), x[1]),
  gather: (x, a) => fg.gather(x[0], num(a, 'dim'), x[1]),
  where: (x, a) => {
    const rest = x.slice(1)
    const first = 'a' in a ? num(a, 'a') : rest.shift()!
    const second = 'b' in a ? num(a, 'b') : rest.shift()!
    return fg.where(x[0], first, second)
  },
  maskedFill: (x, a) => x[0].maskedFill(x[1], num(a, 'value')),
  linear: (x) => F.linear(x[0], x[1], x[2]),
  mseLoss: (x, a) => F.mseLoss(x[0], x[1], lossOptions(a)),
  crossEntropy: (x, a) => F.crossEntropy(x[0], x[1], lossOptions(a)),
  mlpReluCe,
  mlpTanhMse,
  attention,
}

test('the fixtures are there', () => {
  expect(FILES.length).toBeGreaterThan(200)
})

test.each(FILES)('%s matches PyTorch', (file) => {
  const { entry: run, tensors, args, transposed, leaves, inputs } = loadFixture<Op, Args>(DIR, file, OPS)
  const result = run(inputs, args)
  const outcome = result instanceof fg.Tensor ? { output: result } : result
  expectMatches('output', outcome.output, tensors.get('output')!)
  const indices = tensors.get('indices')
  if (indices) expectMatches('indices', outcome.indices!, indices)

  const upstream = tensors.get('upstream')
  if (!upstream) {
    expect([...tensors.keys()].filter((k) => k.startsWith('grad.'))).toEqual([])
    return
  }
  outcome.output.backward(toTensor(upstream))
  expectGradients(tensors, outcome.leaves ?? leaves, transposed)
})

test('every dispatched op has a fixture', () => {
  expectEveryOpHasFixture(DIR, FILES, OPS)
})
