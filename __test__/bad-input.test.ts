/**
 * Every public function of the fg namespace (and of fg.nn.functional) and every
 * Tensor method, fed wrong types, wrong shapes, NaN and Infinity, negative,
 * fractional and huge sizes, empty tensors, mismatched dtypes and disposed tensors.
 * Each case must throw a FerrogradError with the expected code and a message naming
 * the operation, leave the process working and leave every other tensor as it was.
 * The list of functions comes from the module's exports: a new export without cases
 * fails the coverage test until it gets some (or a reason in NO_ARGUMENTS).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { fg, perComparison } from './helpers'
import { type Case, type Param, casesFor, makeFixtures, param, snapshot } from './hostile'

const fx = makeFixtures()
const { x, xi, xb, v, idx, sentinel, disposed } = fx
const dir = mkdtempSync(join(tmpdir(), 'fg-bad-input-'))
const notSafetensors = join(dir, 'not.safetensors')
writeFileSync(notSafetensors, 'this is not a safetensors file')
const out = join(dir, 'out.safetensors')
fg.save({ a: x }, out)
const checkpoint = join(dir, 'ck.safetensors')
fg.saveCheckpoint(checkpoint, { model: new fg.nn.Linear(2, 2) })

type Code = fg.ErrorCode
/** How an op is reached: as `fg.name(...)`, as `tensor.name(...)`, or both. */
type Form = 'fn' | 'method' | 'both'
interface Spec {
  form: Form
  /** Parameters; for methods the first one is the receiver. */
  params: Param[]
  /** Cases beyond the generated ones: specific shapes, dtypes, values. */
  extra?: [string, () => unknown, Code][]
  /** What the message must match, when not the op's own name. */
  mention?: RegExp
  /** The receiver may be disposed without error (dispose itself). */
  disposedOk?: boolean
}

const T = (valid: unknown = x) => param('tensor', valid)
const unary = (): Spec => ({ form: 'both', params: [T()] })
type Binary = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum' | fg.Comparison
const binary = (op: Binary): Spec => ({
  form: 'both',
  params: [param('tensorLike', x), param('tensorLike', v)],
  extra: [
    ['shapes that do not broadcast', () => x[op](fg.zeros([4])), 'ERR_SHAPE'],
    ['an empty tensor against a full one', () => fg.zeros([0, 3])[op](x), 'ERR_SHAPE'],
  ],
})
const comparison = (op: fg.Comparison): Spec => ({ ...binary(op), params: [T(), param('tensorLike', v)] })
const dimReduction = (): Spec => ({ form: 'both', params: [T(), param('optDim', 1), param('bool', false)] })
const noDataConversion = (): Spec => ({ form: 'method', params: [T()], mention: /\bto\b/ })
const factoryShape = (): Param => param('shape', [2, 3])
const opts = () => param('options', {})
const oneElement = () => fg.tensor([2.5])
const scalarLoss = () => fg.tensor([1, 2], { requiresGrad: true }).mul(2).sum()
const nnf = fg.nn.functional
const intTarget = () => fg.tensor([0, 2], { dtype: 'int64' })

/** fg.* functions and Tensor methods: how to call each, and what to feed it. */
const SPECS: Record<string, Spec> = {
  // ---- creation
  tensor: {
    form: 'fn',
    params: [param('any', [1, 2]), opts()],
    extra: [
      ['a string', () => fg.tensor('x' as never), 'ERR_ARG'],
      ['undefined', () => fg.tensor(undefined as never), 'ERR_ARG'],
      ['an object', () => fg.tensor({} as never), 'ERR_ARG'],
      ['a ragged array', () => fg.tensor([[1, 2], [3]]), 'ERR_SHAPE'],
      ['a string element', () => fg.tensor([1, 'x' as never]), 'ERR_ARG'],
      ['a bigint element', () => fg.tensor([1n as never]), 'ERR_ARG'],
      ['a null element', () => fg.tensor([1, null as never]), 'ERR_ARG'],
      ['NaN as int64', () => fg.tensor([Number.NaN], { dtype: 'int64' }), 'ERR_ARG'],
      ['Infinity as int32', () => fg.tensor([Number.POSITIVE_INFINITY], { dtype: 'int32' }), 'ERR_ARG'],
      ['2^31 as int32', () => fg.tensor([2 ** 31], { dtype: 'int32' }), 'ERR_ARG'],
      ['a fraction as int64', () => fg.tensor([0.5], { dtype: 'int64' }), 'ERR_ARG'],
      ['an unknown dtype', () => fg.tensor([1], { dtype: 'float16' as never }), 'ERR_DTYPE'],
      ['a typed array that does not fill its shape', () => fg.tensor(new Float32Array(3), { shape: [2, 2] }), 'ERR_SHAPE'],
      ['a negative shape', () => fg.tensor(new Float32Array(3), { shape: [-3] }), 'ERR_ARG'],
      ['a NaN shape', () => fg.tensor(new Float32Array(3), { shape: [Number.NaN] }), 'ERR_ARG'],
      ['a fractional shape', () => fg.tensor(new Float32Array(3), { shape: [1.5, 2] }), 'ERR_ARG'],
      ['a string shape', () => fg.tensor(new Float32Array(3), { shape: 'x' as never }), 'ERR_ARG'],
      ['options as a number', () => fg.tensor([1], 5 as never), 'ERR_ARG'],
      ['an unknown option', () => fg.tensor([1], { bogus: 1 } as never), 'ERR_ARG'],
    ],
  },
  full: { form: 'fn', params: [factoryShape(), param('number', 1), opts()] },
  zeros: { form: 'fn', params: [factoryShape(), opts()] },
  ones: { form: 'fn', params: [factoryShape(), opts()] },
  zerosLike: { form: 'fn', params: [T(), opts()] },
  onesLike: { form: 'fn', params: [T(), opts()] },
  rand: { form: 'fn', params: [factoryShape(), opts()], extra: [['an int64 dtype', () => fg.rand([2], { dtype: 'int64' }), 'ERR_DTYPE']] },
  randn: { form: 'fn', params: [factoryShape(), opts()], extra: [['a bool dtype', () => fg.randn([2], { dtype: 'bool' }), 'ERR_DTYPE']] },
  randperm: { form: 'fn', params: [param('count', 3)] },
  randint: {
    form: 'fn',
    params: [param('int', 0), param('int', 10), factoryShape(), opts()],
    extra: [
      ['low = high', () => fg.randint(3, 3, [2]), 'ERR_ARG'],
      ['low > high', () => fg.randint(5, 1, [2]), 'ERR_ARG'],
    ],
  },
  arange: {
    form: 'fn',
    // arange(start, end, options) is an overload: an object where the step goes is options.
    params: [param('number', 0), param('number', 5), param('optNumber', 1, { override: { 'an object': [] } })],
    extra: [
      ['a NaN end', () => fg.arange(Number.NaN), 'ERR_ARG'],
      ['an infinite end', () => fg.arange(Number.POSITIVE_INFINITY), 'ERR_ARG'],
      ['a zero step', () => fg.arange(0, 10, 0), 'ERR_ARG'],
      ['a NaN step', () => fg.arange(0, 10, Number.NaN), 'ERR_ARG'],
      ['a step in the wrong direction', () => fg.arange(0, 10, -1), 'ERR_ARG'],
      ['1e15 elements', () => fg.arange(1e15), 'ERR_ALLOC'],
      ['an unknown option', () => fg.arange(3, { bogus: 1 } as never), 'ERR_ARG'],
    ],
  },
  linspace: {
    form: 'fn',
    params: [param('number', 0), param('number', 1), param('count', 5), opts()],
    extra: [['a NaN start', () => fg.linspace(Number.NaN, 1, 3), 'ERR_ARG']],
  },
  // eye(n, options) is an overload: an object where m goes is options.
  eye: { form: 'fn', params: [param('count', 2), param('count', 3, { override: { 'an object': [] } }), opts()], extra: [['1e8 x 1e8', () => fg.eye(1e8), 'ERR_ALLOC']] },

  // ---- arithmetic, activations
  add: binary('add'),
  sub: { ...binary('sub'), extra: [...binary('sub').extra!, ['bool minus bool', () => xb.sub(xb), 'ERR_DTYPE']] },
  mul: binary('mul'),
  div: binary('div'),
  pow: binary('pow'),
  maximum: binary('maximum'),
  minimum: binary('minimum'),
  neg: { ...unary(), extra: [['bool', () => xb.neg(), 'ERR_DTYPE']] },
  exp: unary(),
  log: unary(),
  sqrt: unary(),
  abs: unary(),
  relu: unary(),
  sigmoid: unary(),
  tanh: unary(),
  gelu: unary(),
  silu: unary(),
  softplus: unary(),
  leakyRelu: { form: 'both', params: [T(), param('number', 0.1)] },
  hardtanh: { form: 'both', params: [T(), param('optNumber', -1), param('optNumber', 1)] },
  clamp: {
    form: 'both',
    params: [T(), param('optNumber', 0), param('optNumber', 4)],
    extra: [
      ['a NaN bound', () => x.clamp(Number.NaN), 'ERR_ARG'],
      ['a NaN upper bound', () => x.clamp(0, Number.NaN), 'ERR_ARG'],
    ],
  },
  ...perComparison(comparison),
  where: {
    form: 'fn',
    params: [param('mask', xb), param('tensorLike', x), param('tensorLike', v)],
    extra: [['a condition that does not broadcast', () => fg.where(fg.tensor([true, false]), x, v), 'ERR_SHAPE']],
  },
  maskedFill: {
    form: 'method',
    params: [T(), param('mask', xb), param('number', 0)],
    extra: [['a mask that does not broadcast', () => x.maskedFill(fg.tensor([true, false]), 0), 'ERR_SHAPE']],
  },
  matmul: {
    form: 'both',
    params: [T(), T(v)],
    extra: [
      ['[2, 3] @ [2, 3]', () => x.matmul(x), 'ERR_SHAPE'],
      ['0-d operands', () => fg.tensor(1).matmul(fg.tensor(2)), 'ERR_SHAPE'],
      ['int64 operands', () => xi.matmul(xi.T), 'ERR_DTYPE'],
      ['batch dims that do not broadcast', () => fg.zeros([2, 2, 3]).matmul(fg.zeros([3, 3, 1])), 'ERR_SHAPE'],
    ],
  },
  softmax: { form: 'both', params: [T(), param('dim', 1)], extra: [['int64', () => xi.softmax(1), 'ERR_DTYPE']] },
  logSoftmax: { form: 'both', params: [T(), param('dim', 1)], extra: [['bool', () => xb.logSoftmax(1), 'ERR_DTYPE']] },

  // ---- reductions
  sum: dimReduction(),
  mean: { ...dimReduction(), extra: [['int64', () => xi.mean(), 'ERR_DTYPE']] },
  argmax: { ...dimReduction(), extra: [['an empty tensor', () => fg.zeros([0]).argmax(), 'ERR_SHAPE']] },
  argmin: { ...dimReduction(), extra: [['an empty dimension', () => fg.zeros([2, 0]).argmin(1), 'ERR_SHAPE']] },
  max: { ...dimReduction(), extra: [['an empty tensor', () => fg.zeros([0]).max(), 'ERR_SHAPE']] },
  min: { ...dimReduction(), extra: [['an empty tensor', () => fg.zeros([0, 2]).min(0), 'ERR_SHAPE']] },
  var: {
    form: 'both',
    params: [T(), param('optDim', 1), param('bool', false), opts()],
    extra: [
      ['a negative correction', () => x.var(1, false, { correction: -1 }), 'ERR_ARG'],
      ['a NaN correction', () => x.var(1, false, { correction: Number.NaN }), 'ERR_ARG'],
      ['correction and unbiased together', () => x.var(1, false, { correction: 1, unbiased: true }), 'ERR_ARG'],
      ['int64', () => xi.var(), 'ERR_DTYPE'],
    ],
  },
  std: {
    form: 'both',
    params: [T(), param('optDim', 1), param('bool', false), opts()],
    extra: [
      ['an infinite correction', () => x.std(1, false, { correction: Number.POSITIVE_INFINITY }), 'ERR_ARG'],
      ['bool', () => xb.std(), 'ERR_DTYPE'],
    ],
  },

  // ---- shapes and views
  reshape: {
    form: 'both',
    params: [T(), param('viewShape', [3, 2])],
    extra: [['a size that does not match', () => x.reshape(4, 2), 'ERR_SHAPE']],
  },
  view: {
    form: 'method',
    params: [T(), param('viewShape', [3, 2])],
    extra: [['a non-contiguous tensor', () => x.T.view(6), 'ERR_SHAPE']],
  },
  expand: {
    form: 'method',
    params: [T(v), param('viewShape', [2, 3])],
    extra: [
      ['a size that is not 1', () => x.expand(4, 3), 'ERR_SHAPE'],
      ['fewer dimensions', () => x.expand(3), 'ERR_SHAPE'],
      ['beyond memory', () => fg.ones([1, 1]).expand(2 ** 30, 2 ** 30), 'ERR_ALLOC'],
    ],
  },
  permute: {
    form: 'both',
    params: [T(), param('viewShape', [1, 0], { huge: ['ERR_INDEX'], override: { '-2': ['ERR_INDEX'] } })],
    extra: [
      ['a repeated dimension', () => x.permute(0, 0), 'ERR_ARG'],
      ['too few dimensions', () => x.permute(0), 'ERR_SHAPE'],
      ['a dimension out of range', () => x.permute(0, 7), 'ERR_INDEX'],
    ],
  },
  transpose: { form: 'both', params: [T(), param('dim', 0), param('dim', 1)] },
  t: { form: 'method', params: [T()], extra: [['a 3-d tensor', () => fg.zeros([2, 2, 2]).t(), 'ERR_SHAPE']] },
  T: { form: 'method', params: [T()], mention: /\bt\b/, extra: [['a 3-d tensor', () => fg.zeros([1, 1, 1]).T, 'ERR_SHAPE']] },
  flatten: {
    form: 'both',
    params: [T(), param('dim', 0), param('dim', -1)],
    extra: [['a start after the end', () => fg.zeros([2, 3, 4]).flatten(2, 1), 'ERR_ARG']],
  },
  unsqueeze: { form: 'method', params: [T(), param('dim', 0)] },
  squeeze: { form: 'method', params: [T(), param('optDim', 0)] },
  narrow: {
    form: 'both',
    params: [T(), param('dim', 1), param('int', 0), param('count', 2, { huge: ['ERR_INDEX'] })],
    extra: [
      ['a start past the end', () => x.narrow(1, 5, 1), 'ERR_INDEX'],
      ['a length past the end', () => x.narrow(1, 2, 2), 'ERR_INDEX'],
      ['a start before the start', () => x.narrow(1, -9, 1), 'ERR_INDEX'],
    ],
  },
  contiguous: unary(),
  clone: { form: 'method', params: [T()] },
  detach: unary(),
  cat: {
    form: 'fn',
    params: [param('tensors', [x, x]), param('dim', 0)],
    extra: [
      ['shapes that differ off the dim', () => fg.cat([x, fg.zeros([2, 2])], 0), 'ERR_SHAPE'],
      ['different ranks', () => fg.cat([x, v], 0), 'ERR_SHAPE'],
      ['float32 with int64', () => fg.cat([x, xi], 0), 'ERR_DTYPE'],
    ],
  },
  stack: {
    form: 'fn',
    params: [param('tensors', [x, x]), param('dim', 0)],
    extra: [
      ['different shapes', () => fg.stack([x, fg.zeros([3, 2])]), 'ERR_SHAPE'],
      ['float32 with bool', () => fg.stack([x, xb]), 'ERR_DTYPE'],
    ],
  },
  indexSelect: {
    form: 'both',
    params: [T(), param('dim', 0), param('index', idx)],
    extra: [['a 2-d index', () => x.indexSelect(0, fg.tensor([[0]], { dtype: 'int64' })), 'ERR_SHAPE']],
  },
  gather: {
    form: 'both',
    params: [T(), param('dim', 1), param('index', fg.tensor([[0, 2], [1, 1]], { dtype: 'int64' }))],
    extra: [['an index with fewer dimensions', () => x.gather(1, idx), 'ERR_SHAPE']],
  },

  // ---- reading back and converting
  item: {
    form: 'method',
    params: [T(oneElement())],
    extra: [
      ['several elements', () => x.item(), 'ERR_SHAPE'],
      ['no element', () => fg.zeros([0]).item(), 'ERR_SHAPE'],
    ],
  },
  tolist: { form: 'method', params: [T()] },
  toFloat32Array: { form: 'method', params: [T()] },
  toTypedArray: { form: 'method', params: [T()] },
  toString: { form: 'method' as const, params: [T()] },
  numel: { form: 'method', params: [T()] },
  size: { form: 'method', params: [T(), param('optDim', 1)] },
  isContiguous: { form: 'method', params: [T()] },
  to: { form: 'method', params: [T(), param('dtype', 'float64')] },
  float: noDataConversion(),
  double: noDataConversion(),
  long: noDataConversion(),
  int: noDataConversion(),
  bool: noDataConversion(),

  // ---- autograd
  backward: {
    form: 'method',
    params: [T(scalarLoss())],
    extra: [
      ['a gradient that is a string', () => scalarLoss().backward('x' as never), 'ERR_ARG'],
      ['a disposed gradient', () => scalarLoss().backward(disposed), 'ERR_DISPOSED'],
      ['a gradient of the wrong shape', () => fg.ones([2], { requiresGrad: true }).mul(2).backward(fg.ones([3])), 'ERR_SHAPE'],
      ['a many-element output without a gradient', () => fg.ones([2], { requiresGrad: true }).mul(2).backward(), 'ERR_GRAD'],
      ['a tensor outside any graph', () => x.sum().backward(), 'ERR_GRAD'],
      ['retainGraph as a string', () => scalarLoss().backward(null, { retainGraph: 'yes' as never }), 'ERR_ARG'],
    ],
  },
  requiresGrad_: {
    form: 'method',
    params: [T(fg.zeros([2])), param('bool', true)],
    extra: [
      ['an int64 tensor', () => fg.zeros([2], { dtype: 'int64' }).requiresGrad_(), 'ERR_DTYPE'],
      ['a non-leaf', () => scalarLoss().requiresGrad_(false), 'ERR_GRAD'],
    ],
  },
  retainGrad: { form: 'method', params: [T()] },
  zeroGrad: { form: 'method', params: [T()], mention: /\bgrad\b/ },
  dispose: { form: 'method', params: [T()], disposedOk: true },
  noGrad: { form: 'fn', params: [param('fn', () => 1)] },
  setGradEnabled: { form: 'fn', params: [param('bool', true)] },

  // ---- runtime
  manualSeed: { form: 'fn', params: [param('count', 0, { huge: [] })] },
  setNumThreads: {
    form: 'fn',
    params: [param('count', 1, { huge: ['ERR_ARG'] })],
    extra: [
      ['0 threads', () => fg.setNumThreads(0), 'ERR_ARG'],
      ['a billion threads', () => fg.setNumThreads(1e9), 'ERR_ARG'],
    ],
  },

  // ---- files
  save: {
    form: 'fn',
    params: [param('record', { a: x }), param('path', out), opts()],
    extra: [['metadata that is not strings', () => fg.save({ a: x }, out, { metadata: { n: 1 as never } }), 'ERR_ARG']],
  },
  load: { form: 'fn', params: [param('path', out)], extra: [['a file that is not safetensors', () => fg.load(notSafetensors), 'ERR_FORMAT']] },
  readSafetensors: {
    form: 'fn',
    params: [param('path', out)],
    extra: [['a file that is not safetensors', () => fg.readSafetensors(notSafetensors), 'ERR_FORMAT']],
  },
  saveAsync: { form: 'fn', params: [param('record', { a: x }), param('path', out), opts()] },
  loadAsync: { form: 'fn', params: [param('path', out)], extra: [['a file that is not safetensors', () => fg.loadAsync(notSafetensors), 'ERR_FORMAT']] },
  saveCheckpoint: {
    form: 'fn',
    params: [param('path', checkpoint), param('options', { model: new fg.nn.Linear(2, 2) })],
    extra: [['a model that is not a Module', () => fg.saveCheckpoint(join(dir, 'ck2'), { model: 5 as never }), 'ERR_ARG']],
  },
  loadCheckpoint: {
    form: 'fn',
    params: [param('path', checkpoint), param('options', { model: new fg.nn.Linear(2, 2) })],
    extra: [
      ['a file that is not safetensors', () => fg.loadCheckpoint(notSafetensors, { model: new fg.nn.Linear(2, 2) }), 'ERR_FORMAT'],
      ['a model of another shape', () => fg.loadCheckpoint(checkpoint, { model: new fg.nn.Linear(3, 2) }), 'ERR_SHAPE'],
    ],
  },
}

/** fg.nn.functional: the same treatment, with shapes and dtypes that must match. */
const FUNCTIONAL: Record<string, Spec> = {
  linear: {
    form: 'fn',
    params: [T(), T(fg.zeros([4, 3])), param('optTensor', fg.zeros([4]))],
    extra: [
      ['a weight of the wrong width', () => nnf.linear(x, fg.zeros([4, 2])), 'ERR_SHAPE'],
      ['a bias of the wrong size', () => nnf.linear(x, fg.zeros([4, 3]), fg.zeros([3])), 'ERR_SHAPE'],
    ],
  },
  mseLoss: { form: 'fn', params: [T(), T(x.mul(2)), opts()], extra: [['shapes that differ', () => nnf.mseLoss(x, v.reshape(3, 1)), 'ERR_SHAPE']] },
  l1Loss: { form: 'fn', params: [T(), T(x.mul(2)), opts()], extra: [['an unknown reduction', () => nnf.l1Loss(x, x, { reduction: 'avg' as never }), 'ERR_ARG']] },
  smoothL1Loss: { form: 'fn', params: [T(), T(x.mul(2)), opts()], extra: [['a negative beta', () => nnf.smoothL1Loss(x, x, { beta: -1 }), 'ERR_ARG']] },
  huberLoss: { form: 'fn', params: [T(), T(x.mul(2)), opts()], extra: [['a NaN delta', () => nnf.huberLoss(x, x, { delta: Number.NaN }), 'ERR_ARG']] },
  crossEntropy: {
    form: 'fn',
    params: [T(), T(intTarget()), opts()],
    extra: [
      ['a class out of range', () => nnf.crossEntropy(x, fg.tensor([0, 3], { dtype: 'int64' })), 'ERR_INDEX'],
      ['a negative class', () => nnf.crossEntropy(x, fg.tensor([0, -5], { dtype: 'int64' })), 'ERR_INDEX'],
      ['float targets of the wrong shape', () => nnf.crossEntropy(x, fg.zeros([2])), 'ERR_DTYPE'],
      ['too many targets', () => nnf.crossEntropy(x, fg.tensor([0, 1, 2], { dtype: 'int64' })), 'ERR_SHAPE'],
      ['an empty batch against targets', () => nnf.crossEntropy(fg.zeros([0, 3]), intTarget()), 'ERR_SHAPE'],
      ['a NaN label smoothing', () => nnf.crossEntropy(x, intTarget(), { labelSmoothing: Number.NaN }), 'ERR_ARG'],
      ['a weight of the wrong size', () => nnf.crossEntropy(x, intTarget(), { weight: fg.ones([2]) }), 'ERR_SHAPE'],
    ],
  },
  nllLoss: { form: 'fn', params: [T(), T(intTarget()), opts()], extra: [['a class out of range', () => nnf.nllLoss(x, fg.tensor([0, 9], { dtype: 'int64' })), 'ERR_INDEX']] },
  binaryCrossEntropy: { form: 'fn', params: [T(x.sigmoid()), T(x.gt(3).float()), opts()], extra: [['shapes that differ', () => nnf.binaryCrossEntropy(x.sigmoid(), v), 'ERR_SHAPE']] },
  binaryCrossEntropyWithLogits: { form: 'fn', params: [T(), T(x.gt(3).float()), opts()], extra: [['an int64 target', () => nnf.binaryCrossEntropyWithLogits(x, xi), 'ERR_DTYPE']] },
  klDiv: { form: 'fn', params: [T(x.logSoftmax(1)), T(x.softmax(1)), opts()] },
  batchNorm: {
    form: 'fn',
    params: [T(), T(fg.zeros([3])), T(fg.ones([3])), opts()],
    extra: [['running stats of the wrong size', () => nnf.batchNorm(x, fg.zeros([2]), fg.ones([2])), 'ERR_SHAPE']],
  },
  layerNorm: {
    form: 'fn',
    params: [T(), param('viewShape', [3], { huge: ['ERR_SHAPE'] }), opts()],
    extra: [['a shape that is not trailing', () => nnf.layerNorm(x, [2]), 'ERR_SHAPE']],
  },
  embedding: {
    form: 'fn',
    params: [T(idx), T(fg.zeros([4, 2])), opts()],
    extra: [
      ['an index past the table', () => nnf.embedding(fg.tensor([7], { dtype: 'int64' }), fg.zeros([4, 2])), 'ERR_INDEX'],
      ['float indices', () => nnf.embedding(v, fg.zeros([4, 2])), 'ERR_DTYPE'],
    ],
  },
  dropout: {
    form: 'fn',
    params: [T(), opts()],
    extra: [
      ['p = 1.5', () => nnf.dropout(x, { p: 1.5 }), 'ERR_ARG'],
      ['p = NaN', () => nnf.dropout(x, { p: Number.NaN }), 'ERR_ARG'],
    ],
  },
  conv2d: {
    form: 'fn',
    params: [T(fg.zeros([1, 1, 4, 4])), T(fg.zeros([2, 1, 3, 3])), param('optTensor', fg.zeros([2])), opts()],
    extra: [
      ['channels that differ', () => nnf.conv2d(fg.zeros([1, 2, 4, 4]), fg.zeros([2, 1, 3, 3])), 'ERR_SHAPE'],
      ['a kernel larger than the input', () => nnf.conv2d(fg.zeros([1, 1, 2, 2]), fg.zeros([1, 1, 3, 3])), 'ERR_SHAPE'],
      ['a zero stride', () => nnf.conv2d(fg.zeros([1, 1, 4, 4]), fg.zeros([1, 1, 3, 3]), null, { stride: 0 }), 'ERR_ARG'],
      ['a negative padding', () => nnf.conv2d(fg.zeros([1, 1, 4, 4]), fg.zeros([1, 1, 3, 3]), null, { padding: -1 }), 'ERR_ARG'],
      ['a 2-d input', () => nnf.conv2d(fg.zeros([4, 4]), fg.zeros([1, 1, 3, 3])), 'ERR_SHAPE'],
    ],
  },
  conv1d: {
    form: 'fn',
    params: [T(fg.zeros([1, 1, 5])), T(fg.zeros([2, 1, 3])), param('optTensor', fg.zeros([2])), opts()],
    extra: [['groups that do not divide', () => nnf.conv1d(fg.zeros([1, 3, 5]), fg.zeros([2, 1, 3]), null, { groups: 2 }), 'ERR_ARG']],
  },
  maxPool2d: {
    form: 'fn',
    params: [T(fg.zeros([1, 1, 4, 4])), param('count', 2, { huge: ['ERR_ARG', 'ERR_SHAPE'] }), opts()],
    extra: [['a zero kernel', () => nnf.maxPool2d(fg.zeros([1, 1, 4, 4]), 0), 'ERR_ARG']],
  },
  avgPool2d: {
    form: 'fn',
    params: [T(fg.zeros([1, 1, 4, 4])), param('count', 2, { huge: ['ERR_ARG', 'ERR_SHAPE'] }), opts()],
    extra: [['padding over half the kernel', () => nnf.avgPool2d(fg.zeros([1, 1, 4, 4]), 2, { padding: 2 }), 'ERR_ARG']],
  },
  adaptiveAvgPool2d: {
    form: 'fn',
    params: [T(fg.zeros([1, 1, 4, 4])), param('count', 2, { huge: ['ERR_ARG', 'ERR_ALLOC', 'ERR_SHAPE'] })],
    extra: [['a negative output size', () => nnf.adaptiveAvgPool2d(fg.zeros([1, 1, 4, 4]), [2, -1]), 'ERR_ARG']],
  },
}

/** Classes and functions of the sub-namespaces (nn, optim, data, ...), by qualified name. */
const paramsOf = () => new fg.nn.Linear(2, 2).parameters()
const sgd = () => new fg.optim.SGD(paramsOf(), { lr: 0.1 })
const lrs = fg.optim.lrScheduler
const layer = (Cls: new (...a: never[]) => unknown, params: Param[], extra: Spec['extra'] = []): [(...a: unknown[]) => unknown, Param[], Spec['extra']] => [
  (...a) => new Cls(...(a as never[])),
  params,
  extra,
]
const fn = (f: (...a: never[]) => unknown, params: Param[], extra: Spec['extra'] = []): [(...a: unknown[]) => unknown, Param[], Spec['extra']] => [(...a) => f(...(a as never[])), params, extra]
const count = (valid: number, huge: Code[] = ['ERR_ALLOC']) => param('count', valid, { huge })
const optimizerParams = () => [param('any', paramsOf()), opts()]
const SUBNAMESPACES: Record<string, [(...a: unknown[]) => unknown, Param[], Spec['extra']]> = {
  'nn.Parameter': layer(fg.nn.Parameter, [T(fg.zeros([2])), param('bool', true)], [['an int64 tensor', () => new fg.nn.Parameter(fg.zeros([2], { dtype: 'int64' })), 'ERR_DTYPE']]),
  'nn.Linear': layer(fg.nn.Linear, [count(2), count(3), opts()]),
  'nn.Conv1d': layer(fg.nn.Conv1d, [count(1), count(2), count(3, ['ERR_ALLOC', 'ERR_ARG']), opts()], [['groups that do not divide', () => new fg.nn.Conv1d(3, 2, 1, { groups: 2 }), 'ERR_ARG']]),
  'nn.Conv2d': layer(fg.nn.Conv2d, [count(1), count(2), count(3, ['ERR_ALLOC', 'ERR_ARG']), opts()], [['a zero kernel', () => new fg.nn.Conv2d(1, 2, 0), 'ERR_ARG']]),
  // Pooling layers only store their sizes: a huge kernel fails at forward (nn.functional cases).
  'nn.MaxPool2d': layer(fg.nn.MaxPool2d, [count(2, []), opts()]),
  'nn.AvgPool2d': layer(fg.nn.AvgPool2d, [count(2, []), opts()]),
  'nn.AdaptiveAvgPool2d': layer(fg.nn.AdaptiveAvgPool2d, [count(2, [])], [['a string', () => new fg.nn.AdaptiveAvgPool2d('x' as never), 'ERR_ARG']]),
  'nn.Softmax': layer(fg.nn.Softmax, [param('int', 1)]),
  'nn.LogSoftmax': layer(fg.nn.LogSoftmax, [param('int', 1)]),
  'nn.Flatten': layer(fg.nn.Flatten, [param('int', 1), param('int', -1)]),
  'nn.LeakyReLU': layer(fg.nn.LeakyReLU, [param('optNumber', 0.1)]),
  'nn.Hardtanh': layer(fg.nn.Hardtanh, [param('optNumber', -1), param('optNumber', 1)]),
  'nn.Sequential': layer(fg.nn.Sequential, [param('any', new fg.nn.ReLU())], [['a number', () => new fg.nn.Sequential(5 as never), 'ERR_ARG'], ['a tensor', () => new fg.nn.Sequential(x as never), 'ERR_ARG']]),
  'nn.ModuleList': layer(fg.nn.ModuleList, [param('any', [])], [['a list with a number', () => new fg.nn.ModuleList([5 as never]), 'ERR_ARG']]),
  'nn.Dropout': layer(fg.nn.Dropout, [param('optNumber', 0.5)], [['p = 2', () => new fg.nn.Dropout(2), 'ERR_ARG'], ['p = NaN', () => new fg.nn.Dropout(Number.NaN), 'ERR_ARG']]),
  'nn.BatchNorm1d': layer(fg.nn.BatchNorm1d, [count(3), opts()], [['a negative eps', () => new fg.nn.BatchNorm1d(3, { eps: -1 }), 'ERR_ARG']]),
  'nn.BatchNorm2d': layer(fg.nn.BatchNorm2d, [count(3), opts()], [['a momentum above 1', () => new fg.nn.BatchNorm2d(3, { momentum: 2 }), 'ERR_ARG']]),
  'nn.LayerNorm': layer(fg.nn.LayerNorm, [param('shape', [3]), opts()], [['an empty shape', () => new fg.nn.LayerNorm([]), 'ERR_ARG']]),
  'nn.Embedding': layer(fg.nn.Embedding, [count(4), count(2), opts()], [['a padding index past the table', () => new fg.nn.Embedding(4, 2, { paddingIdx: 4 }), 'ERR_ARG']]),
  'nn.MSELoss': layer(fg.nn.MSELoss, [opts()]),
  'nn.L1Loss': layer(fg.nn.L1Loss, [opts()]),
  'nn.SmoothL1Loss': layer(fg.nn.SmoothL1Loss, [opts()]),
  'nn.HuberLoss': layer(fg.nn.HuberLoss, [opts()]),
  'nn.BCELoss': layer(fg.nn.BCELoss, [opts()]),
  'nn.BCEWithLogitsLoss': layer(fg.nn.BCEWithLogitsLoss, [opts()]),
  'nn.NLLLoss': layer(fg.nn.NLLLoss, [opts()]),
  'nn.CrossEntropyLoss': layer(fg.nn.CrossEntropyLoss, [opts()], [['a reduction that does not exist', () => new fg.nn.CrossEntropyLoss({ reduction: 'avg' as never }), 'ERR_ARG']]),
  'nn.KLDivLoss': layer(fg.nn.KLDivLoss, [opts()]),
  'nn.init.calculateGain': fn(fg.nn.init.calculateGain, [param('any', 'relu'), opts()], [['an unknown nonlinearity', () => fg.nn.init.calculateGain('swish' as never), 'ERR_ARG']]),
  'nn.init.uniform_': fn(fg.nn.init.uniform_, [T(fg.zeros([2])), opts()], [['low above high', () => fg.nn.init.uniform_(fg.zeros([2]), { a: 1, b: 0 }), 'ERR_ARG']]),
  'nn.init.normal_': fn(fg.nn.init.normal_, [T(fg.zeros([2])), opts()], [['a negative std', () => fg.nn.init.normal_(fg.zeros([2]), { std: -1 }), 'ERR_ARG']]),
  'nn.init.constant_': fn(fg.nn.init.constant_, [T(fg.zeros([2])), param('number', 1)]),
  'nn.init.ones_': fn(fg.nn.init.ones_, [T(fg.zeros([2]))]),
  'nn.init.zeros_': fn(fg.nn.init.zeros_, [T(fg.zeros([2]))]),
  'nn.init.xavierUniform_': fn(fg.nn.init.xavierUniform_, [T(fg.zeros([2, 2])), opts()], [['a 1-d tensor', () => fg.nn.init.xavierUniform_(fg.zeros([2])), 'ERR_ARG']]),
  'nn.init.xavierNormal_': fn(fg.nn.init.xavierNormal_, [T(fg.zeros([2, 2])), opts()]),
  'nn.init.kaimingUniform_': fn(fg.nn.init.kaimingUniform_, [T(fg.zeros([2, 2])), opts()], [['an unknown mode', () => fg.nn.init.kaimingUniform_(fg.zeros([2, 2]), { mode: 'fan' as never }), 'ERR_ARG']]),
  'nn.init.kaimingNormal_': fn(fg.nn.init.kaimingNormal_, [T(fg.zeros([2, 2])), opts()]),
  'nn.utils.clipGradNorm_': fn(fg.nn.utils.clipGradNorm_, [param('any', paramsOf()), param('number', 1), opts()], [['a NaN max norm', () => fg.nn.utils.clipGradNorm_(paramsOf(), Number.NaN), 'ERR_ARG']]),
  'nn.utils.clipGradValue_': fn(fg.nn.utils.clipGradValue_, [param('any', paramsOf()), param('number', 1)], [['a list with a string', () => fg.nn.utils.clipGradValue_(['x' as never], 1), 'ERR_ARG']]),
  'optim.SGD': layer(fg.optim.SGD, optimizerParams(), [['a negative lr', () => new fg.optim.SGD(paramsOf(), { lr: -1 }), 'ERR_ARG'], ['no parameters', () => new fg.optim.SGD([]), 'ERR_ARG'], ['a number', () => new fg.optim.SGD(5 as never), 'ERR_ARG']]),
  'optim.Adam': layer(fg.optim.Adam, optimizerParams(), [['betas out of range', () => new fg.optim.Adam(paramsOf(), { betas: [2, 0.9] }), 'ERR_ARG']]),
  'optim.AdamW': layer(fg.optim.AdamW, optimizerParams(), [['a NaN weight decay', () => new fg.optim.AdamW(paramsOf(), { weightDecay: Number.NaN }), 'ERR_ARG']]),
  'optim.RMSprop': layer(fg.optim.RMSprop, optimizerParams(), [['a negative alpha', () => new fg.optim.RMSprop(paramsOf(), { alpha: -1 }), 'ERR_ARG']]),
  'optim.Adagrad': layer(fg.optim.Adagrad, optimizerParams(), [['an infinite lr', () => new fg.optim.Adagrad(paramsOf(), { lr: Number.POSITIVE_INFINITY }), 'ERR_ARG']]),
  // A step size of 1e300 is a (useless) integer: the scheduler never steps the lr.
  'optim.lrScheduler.StepLR': layer(lrs.StepLR, [param('any', sgd()), param('count', 2, { huge: [], override: { '1e300': [] } }), opts()]),
  'optim.lrScheduler.MultiStepLR': layer(lrs.MultiStepLR, [param('any', sgd()), param('any', [1, 2]), opts()], [['milestones that are not numbers', () => new lrs.MultiStepLR(sgd(), ['x' as never]), 'ERR_ARG']]),
  'optim.lrScheduler.ExponentialLR': layer(lrs.ExponentialLR, [param('any', sgd()), param('number', 0.9), opts()]),
  'optim.lrScheduler.CosineAnnealingLR': layer(lrs.CosineAnnealingLR, [param('any', sgd()), param('count', 10, { huge: [], override: { '1e300': [] } }), opts()]),
  'optim.lrScheduler.LinearLR': layer(lrs.LinearLR, [param('any', sgd()), opts()]),
  'optim.lrScheduler.OneCycleLR': layer(lrs.OneCycleLR, [param('any', sgd()), param('number', 0.1), opts()], [['no total steps', () => new lrs.OneCycleLR(sgd(), 0.1), 'ERR_ARG']]),
  'optim.lrScheduler.ReduceLROnPlateau': layer(lrs.ReduceLROnPlateau, [param('any', sgd()), opts()], [['an unknown mode', () => new lrs.ReduceLROnPlateau(sgd(), { mode: 'up' as never }), 'ERR_ARG']]),
  'data.TensorDataset': layer(fg.data.TensorDataset, [T(), T(fg.zeros([2]))], [['row counts that differ', () => new fg.data.TensorDataset(x, fg.zeros([3])), 'ERR_SHAPE']]),
  'data.DataLoader': layer(fg.data.DataLoader, [param('any', new fg.data.TensorDataset(x)), opts()], [['a number as dataset', () => new fg.data.DataLoader(5 as never), 'ERR_ARG'], ['a zero batch size', () => new fg.data.DataLoader(new fg.data.TensorDataset(x), { batchSize: 0 }), 'ERR_ARG']]),
  'data.readIdx': fn(fg.data.readIdx, [param('path', notSafetensors)], [['a file that is not IDX', () => fg.data.readIdx(notSafetensors), 'ERR_FORMAT']]),
  'data.readCsv': fn(fg.data.readCsv, [param('path', notSafetensors), opts()]),
  'data.mnist': fn(fg.data.mnist, [opts()], [['a directory without MNIST files', () => fg.data.mnist({ dir }), 'ERR_IO']]),
  // An array of the wrong length is ERR_SHAPE: one value per channel.
  'data.normalize': fn(fg.data.normalize, [T(), param('number', 0, { override: { 'an array': ['ERR_SHAPE'] } }), param('number', 1, { override: { 'an array': ['ERR_SHAPE'] } })], [['a zero std', () => fg.data.normalize(x, 0, 0), 'ERR_ARG']]),
  'data.oneHot': fn(fg.data.oneHot, [T(idx), count(3)], [['float labels', () => fg.data.oneHot(v, 3), 'ERR_DTYPE'], ['a label past the classes', () => fg.data.oneHot(idx, 1), 'ERR_INDEX']]),
  'autograd.gradcheck': fn(fg.autograd.gradcheck, [param('fn', (t: fg.Tensor) => t.mul(2)), param('any', [fg.randn([2], { dtype: 'float64', requiresGrad: true })]), opts()], [['float32 inputs', () => fg.autograd.gradcheck((t: fg.Tensor) => t.mul(2), [fg.randn([2], { requiresGrad: true })]), 'ERR_DTYPE']]),
}
/** Sub-namespace members with nothing to feed: abstract bases and argument-less layers. */
const SUB_EXEMPT = ['nn.Module', 'optim.Optimizer', 'optim.lrScheduler.LRScheduler', 'optim.lrScheduler.HyperparameterScheduler', 'optim.lrScheduler.SchedulerBase', 'nn.ReLU', 'nn.Sigmoid', 'nn.Tanh', 'nn.Identity', 'nn.GELU', 'nn.SiLU', 'nn.Softplus']

/** nn.functional's elementwise functions (ts/elementwise.ts) are fg's own: their specs are shared. */
const SHARED_WITH_FG = ['relu', 'sigmoid', 'tanh', 'softmax', 'logSoftmax', 'gelu', 'silu', 'softplus', 'leakyRelu', 'hardtanh', 'neg', 'exp', 'log', 'sqrt', 'abs', 'clamp', 'add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'eq', 'ne', 'lt', 'le', 'gt', 'ge']
/** nn.functional exports that are helpers of the loss classes rather than operations. */
const HELPERS = ['reductionOf']

/** Exports that take no arguments: nothing hostile to feed them (they are still called). */
const NO_ARGUMENTS = new Set(['isGradEnabled', 'getNumThreads', 'memory', 'emptyCache', 'simdLevel'])
/** Tensor members that are not operations. */
const NOT_OPS = new Set(['constructor', 'extreme', 'isDisposed'])
/** Getters, read on a disposed tensor; setters get their own cases. */
const GETTERS = ['shape', 'dtype', 'ndim', 'requiresGrad', 'grad', 'isLeaf', 'gradFn']

// ---- the list of operations, from the module itself ----------------------------------

const isClass = (f: unknown) => typeof f === 'function' && /^class\b/.test(Function.prototype.toString.call(f))
const exportedFunctions = (ns: object) =>
  Object.entries(ns)
    .filter(([, f]) => typeof f === 'function' && !isClass(f))
    .map(([name]) => name)
const fnNames = exportedFunctions(fg)
const functionalNames = exportedFunctions(nnf)
const methodNames = Object.getOwnPropertyNames(fg.Tensor.prototype).filter((k) => !NOT_OPS.has(k) && !GETTERS.includes(k))

/** The hostile cases of one spec, reached as `form`. */
function specCases(name: string, spec: Spec, form: 'fn' | 'method', ns: Record<string, unknown>): Case[] {
  const mention = spec.mention ?? new RegExp(`\\b${name}\\b`)
  if (form === 'fn') {
    const f = ns[name] as (...a: unknown[]) => unknown
    return casesFor(`fg.${name}`, spec.params, (...a) => f(...a), fx, mention)
  }
  const [self, ...rest] = spec.params
  const call = (t: unknown, args: unknown[]) => {
    const member = (t as Record<string, unknown>)[name]
    return typeof member === 'function' ? (member as (...a: unknown[]) => unknown).apply(t, args) : member
  }
  const cases = casesFor(`Tensor.${name}`, rest, (...a) => call(self.valid, a), fx, mention)
  if (!spec.disposedOk) {
    cases.push({ label: `Tensor.${name}: on a disposed tensor`, call: () => call(disposed, rest.map((p) => p.valid)), codes: ['ERR_DISPOSED'], mention })
  }
  return cases
}

function allCases(): Case[] {
  const cases: Case[] = []
  for (const [name, spec] of Object.entries(SPECS)) {
    if (spec.form !== 'method' && fnNames.includes(name)) cases.push(...specCases(name, spec, 'fn', fg as never))
    if (spec.form !== 'fn' && methodNames.includes(name)) cases.push(...specCases(name, spec, 'method', fg as never))
    for (const [label, call, code] of spec.extra ?? []) cases.push({ label: `${name}: ${label}`, call, codes: [code], mention: spec.mention ?? new RegExp(`\\b${name}\\b`) })
  }
  for (const name of SHARED_WITH_FG) cases.push(...specCases(name, SPECS[name], 'fn', nnf as never).map((c) => ({ ...c, label: `nn.functional.${c.label.slice(3)}` })))
  for (const [name, spec] of Object.entries(FUNCTIONAL)) {
    cases.push(...specCases(name, spec, 'fn', nnf as never))
    for (const [label, call, code] of spec.extra ?? []) cases.push({ label: `nn.functional.${name}: ${label}`, call, codes: [code], mention: new RegExp(`\\b${name}\\b`) })
  }
  for (const [qualified, [make, params, extra]] of Object.entries(SUBNAMESPACES)) {
    const name = qualified.split('.').pop()!
    const mention = new RegExp(`\\b${name}\\b`)
    cases.push(...casesFor(qualified, params, make, fx, mention))
    for (const [label, call, code] of extra ?? []) cases.push({ label: `${qualified}: ${label}`, call, codes: [code], mention })
  }
  for (const getter of GETTERS) {
    cases.push({ label: `Tensor.${getter}: on a disposed tensor`, call: () => (disposed as unknown as Record<string, unknown>)[getter], codes: ['ERR_DISPOSED'], mention: new RegExp(`\\b${getter}\\b`) })
  }
  const setter = (label: string, set: () => void, code: Code, name: string) => cases.push({ label: `Tensor.${name} = ${label}`, call: set, codes: [code], mention: new RegExp(`\\b${name}`) })
  const leaf = () => fg.zeros([2, 3], { requiresGrad: true })
  setter("'yes'", () => ((leaf() as { requiresGrad: unknown }).requiresGrad = 'yes'), 'ERR_ARG', 'requiresGrad')
  setter('true on an int64 tensor', () => (fg.zeros([2], { dtype: 'int64' }).requiresGrad = true), 'ERR_DTYPE', 'requiresGrad')
  setter('a string', () => ((leaf() as { grad: unknown }).grad = 'x'), 'ERR_ARG', 'grad')
  setter('a tensor of another shape', () => (leaf().grad = v), 'ERR_SHAPE', 'grad')
  setter('an int64 tensor', () => (leaf().grad = xi), 'ERR_DTYPE', 'grad')
  setter('a disposed tensor', () => (leaf().grad = disposed), 'ERR_DISPOSED', 'grad')
  setter('anything, on a disposed tensor', () => (disposed.grad = null), 'ERR_DISPOSED', 'grad')
  return cases
}

const CASES = allCases()
const before = snapshot(fx)

/** Runs one case: the error, its code and message, and that nothing else changed. */
async function check(c: Case): Promise<void> {
  let caught: unknown
  try {
    const r = c.call()
    if (r instanceof Promise) await r
  } catch (e) {
    caught = e
  }
  if (!(caught instanceof fg.FerrogradError)) {
    throw new Error(`${c.label}: expected a FerrogradError ${c.codes.join('/')}, got ${caught === undefined ? 'no error' : String(caught)}`)
  }
  expect(c.codes, `${c.label}: ${caught.message}`).toContain(caught.code)
  expect(caught.message, c.label).toMatch(c.mention ?? /./)
  expect(caught.message.length, c.label).toBeGreaterThan(caught.message.match(c.mention ?? /^/)![0].length + 10)
  expect(snapshot(fx), `${c.label} changed a tensor it was given`).toBe(before)
  expect(fg.isGradEnabled(), `${c.label} left grad mode off`).toBe(true)
  expect(fg.getNumThreads(), `${c.label} changed the thread count`).toBe(threads)
}
const threads = fg.getNumThreads()

describe('bad input: a FerrogradError with the right code, a message naming the op, nothing else harmed', () => {
  test('every exported function and Tensor method has cases', () => {
    const covered = new Set([...Object.keys(SPECS), ...NO_ARGUMENTS])
    const missing = [...fnNames, ...methodNames].filter((n) => !covered.has(n))
    expect(missing, 'exports without bad-input cases: add them to SPECS').toEqual([])
    expect(functionalNames.filter((n) => !(n in FUNCTIONAL) && !SHARED_WITH_FG.includes(n) && !HELPERS.includes(n))).toEqual([])
    for (const name of SHARED_WITH_FG) expect((nnf as Record<string, unknown>)[name]).toBe((fg as unknown as Record<string, unknown>)[name])
    const members = (prefix: string, ns: object) => Object.keys(ns).filter((k) => typeof (ns as Record<string, unknown>)[k] === 'function').map((k) => `${prefix}.${k}`)
    const sub = [...members('nn', fg.nn), ...members('nn.init', fg.nn.init), ...members('nn.utils', fg.nn.utils), ...members('optim', fg.optim), ...members('optim.lrScheduler', lrs), ...members('data', fg.data), ...members('autograd', fg.autograd)]
    expect(sub.filter((n) => !(n in SUBNAMESPACES) && !SUB_EXEMPT.includes(n)), 'sub-namespace members without cases').toEqual([])
    for (const name of NO_ARGUMENTS) expect(() => (fg as unknown as Record<string, (...a: unknown[]) => unknown>)[name]('junk', 1)).not.toThrow()
    console.log(
      `bad-input: ${CASES.length} cases over ${fnNames.length} fg functions, ${methodNames.length + GETTERS.length} Tensor members, ` +
        `${Object.keys(FUNCTIONAL).length + SHARED_WITH_FG.length} nn.functional functions, ${Object.keys(SUBNAMESPACES).length} classes and functions of nn, optim, data and autograd`,
    )
  })

  test.each(CASES.map((c) => [c.label, c] as const))('%s', async (_label, c) => {
    await check(c)
  })

  test('NaN and Infinity as values are data, not errors: they propagate as IEEE says', () => {
    const t = fg.tensor([Number.NaN, Number.POSITIVE_INFINITY, -1])
    expect(t.add(1).tolist()).toEqual([Number.NaN, Number.POSITIVE_INFINITY, 0])
    expect(t.relu().tolist()).toEqual([Number.NaN, Number.POSITIVE_INFINITY, 0])
    expect(t.sum().item()).toBeNaN()
    expect(fg.full([2], Number.NEGATIVE_INFINITY).exp().tolist()).toEqual([0, 0])
    expect(x.clamp(null, Number.POSITIVE_INFINITY).tolist()).toEqual(x.tolist())
  })

  test('empty tensors flow through the ops that allow them', () => {
    const e = fg.zeros([0, 3])
    expect(e.add(v).shape).toEqual([0, 3])
    expect(e.sum().item()).toBe(0)
    expect(e.sum(0).tolist()).toEqual([0, 0, 0])
    expect(e.mean().item()).toBeNaN()
    expect(e.softmax(1).shape).toEqual([0, 3])
    expect(e.matmul(fg.zeros([3, 2])).shape).toEqual([0, 2])
    expect(fg.cat([e, x]).shape).toEqual([2, 3])
    expect(e.reshape(3, 0).shape).toEqual([3, 0])
    expect(e.T.contiguous().shape).toEqual([3, 0])
  })

  test('a correction of n or more gives inf or NaN as PyTorch, not a negative variance', () => {
    expect(fg.tensor([1, 2]).var(0, false, { correction: 10 }).item()).toBe(Number.POSITIVE_INFINITY)
    expect(fg.ones([2, 3]).std(0, false, { correction: 10 }).tolist()).toEqual([Number.NaN, Number.NaN, Number.NaN])
  })

  afterAll(() => {
    // The process is alive and computes, and every fixture is as it was.
    expect(fg.tensor([[1, 2]]).matmul(fg.tensor([[3], [4]])).item()).toBe(11)
    expect(snapshot(fx)).toBe(before)
    expect(sentinel.grad!.shape).toEqual([4])
    rmSync(dir, { recursive: true, force: true })
  })
})
