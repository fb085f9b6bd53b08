// The cases of bench/ops.mjs (`npm run bench:ops`), as data: one declarative spec
// per case, which ops.mjs interprets with ferrograd and ops_torch.py with PyTorch,
// so both sides build the same inputs (shapes, layouts, dtypes, value ranges) and
// make the same call. Also the two tables the coverage check reads: NOT_OPS (exports
// that are not tensor ops, each with its reason) and NO_BACKWARD (ops timed forward
// only, each with its reason).
//
// A spec:
//   op       the export called: 'Tensor.<method>' (receiver = first argument),
//            'fg.<function>', 'F.<nn.functional function>' or 'nn.<Layer>'
//   inputs   [{ shape, layout?, dist?, dtype?, high?, grad? }]: the tensors, made fresh
//            for each round on each side.
//              layout  'c' contiguous (default), 't' the last two dims transposed (a
//                      transposed view of a packed tensor), 'n' narrowed (the last dim
//                      cut out of one 16 wider, from offset 1), 'e' expanded (dim 0
//                      broadcast from size 1 by `expand`)
//              dist    'randn' (default), 'pos' (uniform in [0.5, 1.5)), 'unit' (uniform
//                      in [0.01, 0.99]), 'int' (uniform integers in [0, high), int64),
//                      'bool' (true with probability 1/2), 'zeros', 'ones'
//              dtype   'float32' (default), 'float64' (float inputs only)
//              grad    in fwd+bwd cases every float input is a leaf that requires grad,
//                      unless `grad: false` (targets, running statistics)
//   args     the positional call arguments; '$k' stands for input k, anywhere inside
//            arrays and option objects; default: the inputs in order
//   ctor     nn.* only: the constructor's arguments; { nn: 'Name', ctor: [...] } in
//            there is a nested module (Sequential)
//   train    nn.* only: false puts the module in eval mode (default: training mode)
//   bwd      true: forward then backward (a fixed random gradient of the output's
//            shape, or `backward()` of a 0-d output), grads reset after each call
//   size     'S' (about 1e3-1e4 elements), 'M' (1e5-1e6), 'L' (about 4e6 and up, or
//            the largest sensible size of the family): sets the acceptance threshold
//   elements the largest input's element count (the output's for factories)
//   name     unique, made from the rest: op(literal args) input shapes:layout mode
//
// Add an export to ferrograd and ops.mjs stops, naming it, until it has a case here
// or a line in NOT_OPS.

/** Exports that are not tensor ops, by the key ops.mjs gives them, with the reason. */
export const NOT_OPS = {
  // top level
  'fg.FerrogradError': 'error class',
  'fg.Tensor': 'the tensor class itself',
  'fg.tensor': 'tensor creation from JS data',
  'fg.manualSeed': 'seeds the generator',
  'fg.setNumThreads': 'runtime setting (the harness sets it)',
  'fg.getNumThreads': 'runtime query',
  'fg.simdLevel': 'runtime query',
  'fg.memory': 'memory statistics',
  'fg.emptyCache': 'frees the storage cache',
  'fg.noGrad': 'autograd mode switch',
  'fg.isGradEnabled': 'autograd mode query',
  'fg.setGradEnabled': 'autograd mode switch',
  'fg.save': 'file I/O',
  'fg.saveAsync': 'file I/O',
  'fg.load': 'file I/O',
  'fg.loadAsync': 'file I/O',
  'fg.readSafetensors': 'file I/O',
  'fg.saveCheckpoint': 'file I/O',
  'fg.loadCheckpoint': 'file I/O',
  // nn
  'nn.Module': 'base class',
  'nn.Parameter': 'marks a tensor as learnable',
  'nn.ModuleList': 'container without forward',
  'F.reductionOf': 'internal helper that validates loss options',
  // Tensor: accessors, read-back and bookkeeping
  'Tensor.shape': 'accessor',
  'Tensor.dtype': 'accessor',
  'Tensor.ndim': 'accessor',
  'Tensor.numel': 'accessor',
  'Tensor.size': 'accessor',
  'Tensor.requiresGrad': 'accessor',
  'Tensor.grad': 'accessor',
  'Tensor.isLeaf': 'accessor',
  'Tensor.gradFn': 'accessor',
  'Tensor.isContiguous': 'accessor',
  'Tensor.isDisposed': 'accessor',
  'Tensor.item': 'read back into JS',
  'Tensor.tolist': 'read back into JS',
  'Tensor.toFloat32Array': 'read back into JS',
  'Tensor.toTypedArray': 'read back into JS',
  'Tensor.toString': 'formatting',
  'Tensor.requiresGrad_': 'autograd flag',
  'Tensor.retainGrad': 'autograd flag',
  'Tensor.zeroGrad': 'grad reset (the harness resets grads with it)',
  'Tensor.dispose': 'frees memory (inside every disposed figure)',
  'Tensor.extreme': 'private helper of max/min',
}

/**
 * Ops timed forward only: each is exempt from the rule that an op with cases has a
 * fwd+bwd case, for the reason given.
 */
export const NO_BACKWARD = {
  ...Object.fromEntries(['eq', 'ne', 'lt', 'le', 'gt', 'ge'].flatMap((o) => [`Tensor.${o}`, `fg.${o}`, `F.${o}`]).map((k) => [k, 'bool output'])),
  ...Object.fromEntries(['argmax', 'argmin'].flatMap((o) => [`Tensor.${o}`, `fg.${o}`]).map((k) => [k, 'int64 output'])),
  ...Object.fromEntries(['zeros', 'ones', 'full', 'rand', 'randn', 'randint', 'randperm', 'arange', 'linspace', 'eye', 'zerosLike', 'onesLike'].map((o) => [`fg.${o}`, 'factory: no input to differentiate'])),
  ...Object.fromEntries(['to', 'float', 'double', 'long', 'int', 'bool'].map((o) => [`Tensor.${o}`, 'dtype conversion'])),
  'Tensor.detach': 'cuts the graph',
  'fg.detach': 'cuts the graph',
  // Aliases: the same native op as the Tensor method, whose fwd+bwd cases cover it.
  ...Object.fromEntries(
    ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'neg', 'exp', 'log', 'sqrt', 'abs', 'clamp', 'relu', 'sigmoid', 'tanh', 'gelu', 'silu', 'softplus', 'leakyRelu', 'hardtanh', 'softmax', 'logSoftmax']
      .flatMap((o) => [`fg.${o}`, `F.${o}`])
      .concat(['sum', 'mean', 'max', 'min', 'var', 'std', 'reshape', 'transpose', 'permute', 'narrow', 'flatten', 'matmul', 'gather', 'indexSelect'].map((o) => `fg.${o}`))
      .map((k) => [k, 'alias of the Tensor method (its fwd+bwd cases)']),
  ),
  'Tensor.T': 'alias of t() (its fwd+bwd cases)',
}

// ---- sizes ------------------------------------------------------------------------

/** 2-D operands of the elementwise and reduction families. */
const SHAPE = { S: [64, 128], M: [512, 1024], L: [2048, 2048] }
const SIZES = ['S', 'M', 'L']

// ---- building ---------------------------------------------------------------------

export const CASES = []

const numel = (shape) => shape.reduce((a, b) => a * b, 1)

/** `[a,b]:t:i64` */
function inputText(d) {
  let s = `[${d.shape.join(',')}]`
  if (d.layout && d.layout !== 'c') s += `:${d.layout}`
  if (d.dtype && d.dtype !== 'float32') s += `:${{ float64: 'f64' }[d.dtype] ?? d.dtype}`
  if (d.dist === 'int') s += `:i64<${d.high}`
  if (d.dist === 'bool') s += ':bool'
  return s
}

/** Literal arguments as text, tensors as `t`. */
function argText(v) {
  if (typeof v === 'string' && /^\$\d+$/.test(v)) return 't'
  if (Array.isArray(v)) return `[${v.map(argText).join(',')}]`
  if (v && typeof v === 'object') {
    if (v.nn) return `${v.nn}(${(v.ctor ?? []).map(argText).join(',')})`
    return `{${Object.entries(v).map(([k, x]) => `${k}:${argText(x)}`).join(',')}}`
  }
  return typeof v === 'string' ? `'${v}'` : String(v)
}

/**
 * Adds one case per mode of `modes` ('fwd', 'bwd'): `op` called with `args`
 * (default: the inputs in order), inputs `inputs`, at size class `size`.
 */
function add(op, size, inputs, args, { modes = ['fwd'], ctor, train, tag, elements } = {}) {
  args ??= inputs.map((_, i) => `$${i}`)
  for (const mode of modes) {
    const shown = op.startsWith('Tensor.') ? args.slice(1) : args
    const call = op.startsWith('nn.') ? `${op}(${(ctor ?? []).map(argText).join(',')})${train === false ? '.eval()' : ''}` : `${op}(${shown.map(argText).join(',')})`
    const name = [call, ...inputs.map(inputText), ...(tag ? [tag] : []), mode === 'bwd' ? 'fwd+bwd' : 'fwd'].join(' ')
    CASES.push({
      name,
      op,
      size,
      inputs,
      args,
      ...(ctor ? { ctor } : {}),
      ...(train === false ? { train: false } : {}),
      bwd: mode === 'bwd',
      elements: elements ?? Math.max(0, ...inputs.map((d) => numel(d.shape))),
    })
  }
}

const FB = { modes: ['fwd', 'bwd'] }
const B = { modes: ['bwd'] }
const I = (shape, o = {}) => ({ shape, ...o })
/** `shape` with its last dim replaced. */
const col = (shape) => [shape[0], 1]
const row = (shape) => [shape[1]]

// ---- elementwise: unary ----------------------------------------------------------------

const UNARY = [
  ['neg'],
  ['exp'],
  ['log', { dist: 'pos' }],
  ['sqrt', { dist: 'pos' }],
  ['abs'],
  ['clamp', {}, [-0.5, 0.5]],
  ['relu'],
  ['sigmoid'],
  ['tanh'],
  ['gelu'],
  ['silu'],
  ['softplus'],
  ['leakyRelu', {}, [0.1]],
  ['hardtanh'],
]
for (const [op, dist = {}, extra = []] of UNARY) {
  for (const s of SIZES) add(`Tensor.${op}`, s, [I(SHAPE[s], dist)], ['$0', ...extra], FB)
  for (const layout of ['t', 'n', 'e']) add(`Tensor.${op}`, 'M', [I(SHAPE.M, { ...dist, layout })], ['$0', ...extra])
  add(`fg.${op}`, 'S', [I(SHAPE.S, dist)], ['$0', ...extra])
  add(`F.${op}`, 'S', [I(SHAPE.S, dist)], ['$0', ...extra])
}
add('Tensor.exp', 'M', [I(SHAPE.M, { layout: 't' })], null, B)
add('Tensor.gelu', 'M', [I(SHAPE.M, { layout: 'n' })], null, B)
add('Tensor.clamp', 'M', [I(SHAPE.M)], ['$0', 0], FB)
add('Tensor.leakyRelu', 'M', [I(SHAPE.M)], null)
add('Tensor.hardtanh', 'M', [I(SHAPE.M)], ['$0', -2, 2])

// ---- elementwise: binary ---------------------------------------------------------------

for (const op of ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum']) {
  // pow: positive bases (fractional results stay real), and exponents near 1
  const base = op === 'pow' ? { dist: 'pos' } : op === 'div' ? {} : {}
  const other = op === 'pow' ? { dist: 'pos' } : op === 'div' ? { dist: 'pos' } : {}
  const k = op === 'pow' ? 2 : op === 'div' ? 3 : 0.5
  const T = `Tensor.${op}`
  for (const s of SIZES) add(T, s, [I(SHAPE[s], base), I(SHAPE[s], other)], null, FB)
  add(T, 'S', [I(SHAPE.S, base), I(col(SHAPE.S), other)])
  add(T, 'M', [I(SHAPE.M, base), I(col(SHAPE.M), other)], null, FB)
  add(T, 'M', [I(SHAPE.M, base), I(row(SHAPE.M), other)], null, FB)
  add(T, 'M', [I(SHAPE.M, base), I([], other)])
  add(T, 'S', [I(SHAPE.S, base)], ['$0', k])
  add(T, 'M', [I(SHAPE.M, base)], ['$0', k], FB)
  add(T, 'L', [I(SHAPE.L, base)], ['$0', k])
  add(T, 'M', [I(SHAPE.M, { ...base, layout: 't' }), I(SHAPE.M, other)], null, FB)
  add(T, 'M', [I(SHAPE.M, { ...base, layout: 'n' }), I(SHAPE.M, { ...other, layout: 'n' })])
  add(T, 'M', [I(SHAPE.M, { ...base, layout: 'e' }), I(SHAPE.M, other)])
  add(`fg.${op}`, 'S', [I(SHAPE.S, base), I(SHAPE.S, other)])
  add(`fg.${op}`, 'M', [I(SHAPE.M, other)], [k, '$0'], { tag: 'number first' })
  add(`F.${op}`, 'S', [I(SHAPE.S, base), I(SHAPE.S, other)])
}
// pow's special exponents (PyTorch's kernel has fast paths for them) and a fractional one
for (const e of [0.5, 3, -1, 1.7]) add('Tensor.pow', 'M', [I(SHAPE.M, { dist: 'pos' })], ['$0', e], e === 0.5 || e === 1.7 ? FB : {})
add('Tensor.mul', 'S', [I([1, 1]), I([1, 1])], null, { tag: '1x1' })
add('Tensor.add', 'S', [I([1, 1]), I([1, 1])], null, { tag: '1x1' })

// ---- comparisons -------------------------------------------------------------------------

for (const op of ['eq', 'ne', 'lt', 'le', 'gt', 'ge']) {
  const T = `Tensor.${op}`
  for (const s of SIZES) add(T, s, [I(SHAPE[s]), I(SHAPE[s])])
  add(T, 'M', [I(SHAPE.M)], ['$0', 0.5])
  add(T, 'M', [I(SHAPE.M), I(col(SHAPE.M))])
  add(T, 'M', [I(SHAPE.M, { layout: 't' }), I(SHAPE.M)])
  add(`fg.${op}`, 'S', [I(SHAPE.S), I(SHAPE.S)])
  add(`F.${op}`, 'S', [I(SHAPE.S), I(SHAPE.S)])
}

// ---- reductions --------------------------------------------------------------------------

for (const op of ['sum', 'mean']) {
  const T = `Tensor.${op}`
  for (const s of SIZES) add(T, s, [I(SHAPE[s])], null, s === 'S' ? {} : FB)
  for (const s of SIZES) add(T, s, [I(SHAPE[s])], ['$0', 0], s === 'M' ? FB : {})
  for (const s of SIZES) add(T, s, [I(SHAPE[s])], ['$0', 1], s === 'M' ? FB : {})
  add(T, 'M', [I(SHAPE.M)], ['$0', 1, true])
  add(T, 'M', [I(SHAPE.M)], ['$0', [0, 1]])
  add(T, 'M', [I(SHAPE.M, { layout: 't' })])
  add(T, 'M', [I(SHAPE.M, { layout: 't' })], ['$0', 1])
  add(T, 'M', [I(SHAPE.M, { layout: 'n' })], ['$0', 1])
  add(T, 'M', [I(SHAPE.M, { layout: 'e' })])
  add(T, 'M', [I([64, 128, 64])], ['$0', 1], { modes: ['fwd', 'bwd'] })
  add(`fg.${op}`, 'S', [I(SHAPE.S)], ['$0', 1])
}
for (const op of ['max', 'min']) {
  const T = `Tensor.${op}`
  for (const s of SIZES) add(T, s, [I(SHAPE[s])], null, s === 'M' ? FB : {})
  for (const s of SIZES) add(T, s, [I(SHAPE[s])], ['$0', 1], s === 'M' ? FB : {})
  add(T, 'M', [I(SHAPE.M)], ['$0', 0])
  add(T, 'M', [I(SHAPE.M)], ['$0', 1, true])
  add(T, 'M', [I(SHAPE.M, { layout: 't' })], ['$0', 1])
  add(T, 'M', [I(SHAPE.M, { layout: 'n' })])
  add(T, 'M', [I(SHAPE.M), I(SHAPE.M)], null, { tag: 'elementwise' })
  add(`fg.${op}`, 'S', [I(SHAPE.S)], ['$0', 1])
}
for (const op of ['argmax', 'argmin']) {
  const T = `Tensor.${op}`
  for (const s of SIZES) add(T, s, [I(SHAPE[s])])
  add(T, 'M', [I(SHAPE.M)], ['$0', 1])
  add(T, 'M', [I(SHAPE.M)], ['$0', 0])
  add(T, 'M', [I(SHAPE.M)], ['$0', 1, true])
  add(T, 'M', [I(SHAPE.M, { layout: 't' })], ['$0', 1])
  add(`fg.${op}`, 'S', [I(SHAPE.S)], ['$0', 1])
}
for (const op of ['var', 'std']) {
  const T = `Tensor.${op}`
  add(T, 'M', [I(SHAPE.M)], null, FB)
  add(T, 'L', [I(SHAPE.L)])
  for (const s of SIZES) add(T, s, [I(SHAPE[s])], ['$0', 1], s === 'M' ? FB : {})
  add(T, 'M', [I(SHAPE.M)], ['$0', 0])
  add(T, 'M', [I(SHAPE.M)], ['$0', 1, true, { correction: 0 }])
  add(T, 'M', [I(SHAPE.M, { layout: 't' })], ['$0', 1])
  add(`fg.${op}`, 'S', [I(SHAPE.S)], ['$0', 1])
}

// ---- softmax -----------------------------------------------------------------------------

/** Attention scores: [batch * heads, T, T]. */
const ATT = [32, 128, 128]
for (const op of ['softmax', 'logSoftmax']) {
  const T = `Tensor.${op}`
  for (const s of SIZES) add(T, s, [I(SHAPE[s])], ['$0', -1], FB)
  add(T, 'M', [I(SHAPE.M)], ['$0', 0])
  add(T, 'M', [I(SHAPE.M, { layout: 't' })], ['$0', -1])
  add(T, 'M', [I(ATT)], ['$0', -1], FB)
  add(`fg.${op}`, 'S', [I(SHAPE.S)], ['$0', -1])
  add(`F.${op}`, 'S', [I(SHAPE.S)], ['$0', -1])
}

// ---- matmul ------------------------------------------------------------------------------

for (const [n, s] of [[64, 'S'], [256, 'M'], [1024, 'L']]) {
  add('Tensor.matmul', s, [I([n, n]), I([n, n])], null, FB)
  add('Tensor.matmul', s, [I([n, n], { layout: 't' }), I([n, n])], null, n === 256 ? FB : {})
  add('Tensor.matmul', s, [I([n, n]), I([n, n], { layout: 't' })])
}
add('Tensor.matmul', 'M', [I([64, 784]), I([784, 128])], null, FB)
add('Tensor.matmul', 'M', [I([64, 784]), I([784, 128], { layout: 't' })], null, FB)
// attention: q @ k^T (k^T a transposed view of [B*H, T, d]) and probabilities @ v
add('Tensor.matmul', 'M', [I([32, 128, 64]), I([32, 64, 128])], null, FB)
add('Tensor.matmul', 'M', [I([32, 128, 64]), I([32, 64, 128], { layout: 't' })], null, FB)
add('Tensor.matmul', 'M', [I(ATT), I([32, 128, 64])], null, FB)
add('Tensor.matmul', 'M', [I([8, 128, 64]), I([64, 64])], null, FB)
add('Tensor.matmul', 'M', [I([1024, 1024]), I([1024])], null, FB)
add('Tensor.matmul', 'S', [I([4096]), I([4096])])
add('fg.matmul', 'M', [I([256, 256]), I([256, 256])])

// ---- views and copies ----------------------------------------------------------------------

const M3 = [64, 32, 256] // 524288, like SHAPE.M
add('Tensor.reshape', 'M', [I(SHAPE.M)], ['$0', [1024, 512]], FB)
add('Tensor.reshape', 'L', [I(SHAPE.L)], ['$0', [-1]])
add('Tensor.reshape', 'M', [I(SHAPE.M, { layout: 't' })], ['$0', [-1]], FB)
add('Tensor.view', 'M', [I(SHAPE.M)], ['$0', [1024, 512]], FB)
add('Tensor.flatten', 'M', [I(M3)], ['$0', 1], FB)
add('Tensor.flatten', 'M', [I(M3, { layout: 't' })], ['$0'], FB)
add('Tensor.squeeze', 'M', [I([512, 1, 1024])], ['$0', 1], FB)
add('Tensor.squeeze', 'S', [I([64, 1, 128])])
add('Tensor.unsqueeze', 'M', [I(SHAPE.M)], ['$0', 1], FB)
add('Tensor.transpose', 'M', [I(M3)], ['$0', 1, 2], FB)
add('Tensor.t', 'M', [I(SHAPE.M)], null, FB)
add('Tensor.T', 'M', [I(SHAPE.M)])
add('Tensor.permute', 'M', [I(M3)], ['$0', 2, 0, 1], FB)
add('Tensor.expand', 'M', [I([1, 1024])], ['$0', [512, 1024]], FB)
add('Tensor.expand', 'M', [I([512, 1])], ['$0', [512, 1024]])
add('Tensor.narrow', 'M', [I(SHAPE.M)], ['$0', 1, 1, 1000], FB)
add('Tensor.narrow', 'M', [I(SHAPE.M)], ['$0', 0, 0, 256])
add('Tensor.detach', 'M', [I(SHAPE.M)])
for (const s of SIZES) add('Tensor.contiguous', s, [I(SHAPE[s], { layout: 't' })], null, s === 'M' ? FB : {})
add('Tensor.contiguous', 'M', [I(SHAPE.M)], null, { tag: 'already packed' })
add('Tensor.contiguous', 'M', [I(SHAPE.M, { layout: 'n' })], null, FB)
add('Tensor.contiguous', 'M', [I(SHAPE.M, { layout: 'e' })])
add('Tensor.contiguous', 'M', [I(M3, { layout: 't' })])
for (const s of SIZES) add('Tensor.clone', s, [I(SHAPE[s])], null, s === 'M' ? FB : {})
add('Tensor.clone', 'M', [I(SHAPE.M, { layout: 't' })])
add('fg.reshape', 'S', [I(SHAPE.S)], ['$0', [-1]])
add('fg.transpose', 'S', [I(SHAPE.S)], ['$0', 0, 1])
add('fg.permute', 'S', [I(SHAPE.S)], ['$0', [1, 0]])
add('fg.narrow', 'S', [I(SHAPE.S)], ['$0', 1, 0, 100])
add('fg.flatten', 'S', [I([8, 8, 128])])
add('fg.detach', 'S', [I(SHAPE.S)])

// cat and stack: two operands of SHAPE[s] (so the output has twice the elements)
for (const s of SIZES) {
  add('fg.cat', s, [I(SHAPE[s]), I(SHAPE[s])], [['$0', '$1'], 0], s === 'M' ? FB : {})
  add('fg.cat', s, [I(SHAPE[s]), I(SHAPE[s])], [['$0', '$1'], 1], s === 'M' ? FB : {})
  add('fg.stack', s, [I(SHAPE[s]), I(SHAPE[s])], [['$0', '$1'], 0], s === 'M' ? FB : {})
}
add('fg.cat', 'M', [0, 1, 2, 3].map(() => I([128, 1024])), [['$0', '$1', '$2', '$3'], 0])
add('fg.cat', 'S', [0, 1, 2, 3, 4, 5, 6, 7].map(() => I([64, 16])), [['$0', '$1', '$2', '$3', '$4', '$5', '$6', '$7'], 1])
add('fg.cat', 'M', [I(SHAPE.M, { layout: 't' }), I(SHAPE.M, { layout: 't' })], [['$0', '$1'], 0])
add('fg.cat', 'M', [I(SHAPE.M, { layout: 'n' }), I(SHAPE.M)], [['$0', '$1'], 1])
add('fg.cat', 'M', [I(SHAPE.M, { layout: 'e' }), I(SHAPE.M)], [['$0', '$1'], 0])
add('fg.stack', 'M', [I(SHAPE.M), I(SHAPE.M)], [['$0', '$1'], 2])
add('fg.stack', 'M', [I(SHAPE.M, { layout: 't' }), I(SHAPE.M, { layout: 't' })], [['$0', '$1'], 0])

// dtype conversions
add('Tensor.to', 'M', [I(SHAPE.M)], ['$0', 'float64'])
add('Tensor.to', 'L', [I(SHAPE.L)], ['$0', 'float64'])
add('Tensor.float', 'M', [I(SHAPE.M, { dtype: 'float64' })])
add('Tensor.float', 'S', [I(SHAPE.S)], null, { tag: 'already float32' })
add('Tensor.double', 'M', [I(SHAPE.M)])
add('Tensor.long', 'M', [I(SHAPE.M)])
add('Tensor.int', 'M', [I(SHAPE.M)])
add('Tensor.bool', 'M', [I(SHAPE.M)])
add('Tensor.to', 'M', [I(SHAPE.M, { layout: 't' })], ['$0', 'float64'])

// ---- indexing ----------------------------------------------------------------------------

add('Tensor.indexSelect', 'M', [I([10000, 128]), I([4096], { dist: 'int', high: 10000 })], ['$0', 0, '$1'], FB)
add('Tensor.indexSelect', 'S', [I([1000, 16]), I([64], { dist: 'int', high: 1000 })], ['$0', 0, '$1'], FB)
add('Tensor.indexSelect', 'M', [I(SHAPE.M), I([256], { dist: 'int', high: 1024 })], ['$0', 1, '$1'], FB)
add('Tensor.indexSelect', 'L', [I([100000, 128]), I([32768], { dist: 'int', high: 100000 })], ['$0', 0, '$1'])
add('fg.indexSelect', 'S', [I([1000, 16]), I([64], { dist: 'int', high: 1000 })], ['$0', 0, '$1'])
for (const s of SIZES) add('Tensor.gather', s, [I(SHAPE[s]), I(SHAPE[s], { dist: 'int', high: SHAPE[s][1] })], ['$0', 1, '$1'], s === 'M' ? FB : {})
add('Tensor.gather', 'M', [I(SHAPE.M), I([512, 8], { dist: 'int', high: 1024 })], ['$0', 1, '$1'], FB)
add('Tensor.gather', 'M', [I(SHAPE.M), I(SHAPE.M, { dist: 'int', high: 512 })], ['$0', 0, '$1'])
add('fg.gather', 'S', [I(SHAPE.S), I(SHAPE.S, { dist: 'int', high: 128 })], ['$0', 1, '$1'])
for (const s of SIZES) add('fg.where', s, [I(SHAPE[s], { dist: 'bool' }), I(SHAPE[s]), I(SHAPE[s])], null, s === 'M' ? FB : {})
add('fg.where', 'M', [I(SHAPE.M, { dist: 'bool' }), I(SHAPE.M)], ['$0', '$1', 0], FB)
add('fg.where', 'M', [I(col(SHAPE.M), { dist: 'bool' }), I(SHAPE.M), I(row(SHAPE.M))])
add('Tensor.maskedFill', 'S', [I(SHAPE.S), I(SHAPE.S, { dist: 'bool' })], ['$0', '$1', -1e9])
add('Tensor.maskedFill', 'M', [I(SHAPE.M), I(SHAPE.M, { dist: 'bool' })], ['$0', '$1', -1e9], FB)
add('Tensor.maskedFill', 'M', [I(ATT), I([128, 128], { dist: 'bool' })], ['$0', '$1', -1e9], FB)

// ---- creation ----------------------------------------------------------------------------

const NUMEL = { S: 8192, M: 524288, L: 4194304 }
for (const s of SIZES) {
  add('fg.zeros', s, [], [SHAPE[s]], { elements: NUMEL[s] })
  add('fg.randn', s, [], [SHAPE[s]], { elements: NUMEL[s] })
  add('fg.rand', s, [], [SHAPE[s]], { elements: NUMEL[s] })
}
add('fg.ones', 'M', [], [SHAPE.M], { elements: NUMEL.M })
add('fg.full', 'M', [], [SHAPE.M, 1.5], { elements: NUMEL.M })
add('fg.full', 'L', [], [SHAPE.L, 1.5], { elements: NUMEL.L })
add('fg.randint', 'M', [], [0, 1000, SHAPE.M], { elements: NUMEL.M })
add('fg.randperm', 'M', [], [100000], { elements: 100000 })
add('fg.randperm', 'S', [], [1000], { elements: 1000 })
add('fg.arange', 'M', [], [NUMEL.M], { elements: NUMEL.M })
add('fg.arange', 'M', [], [0, 1, 1 / NUMEL.M], { elements: NUMEL.M, tag: 'float' })
add('fg.linspace', 'M', [], [0, 1, NUMEL.M], { elements: NUMEL.M })
add('fg.eye', 'M', [], [1024], { elements: 1024 * 1024 })
add('fg.zerosLike', 'M', [I(SHAPE.M)])
add('fg.onesLike', 'M', [I(SHAPE.M)])

// ---- nn.functional -------------------------------------------------------------------------

// linear: the MNIST MLP's layers, a square 512 layer, a square 1024 layer, tokens of a transformer
add('F.linear', 'S', [I([64, 784]), I([10, 784]), I([10])], null, FB)
add('F.linear', 'M', [I([64, 784]), I([128, 784]), I([128])], null, FB)
add('F.linear', 'M', [I([256, 512]), I([512, 512]), I([512])], null, FB)
add('F.linear', 'L', [I([1024, 1024]), I([1024, 1024]), I([1024])], null, FB)
add('F.linear', 'M', [I([256, 512]), I([512, 512])], null, { tag: 'no bias' })
add('F.linear', 'L', [I([32, 128, 512]), I([512, 512]), I([512])], null, FB)
add('F.linear', 'S', [I([1, 784]), I([128, 784]), I([128])], null, { tag: 'one sample' })

// conv2d: x [N, C, H, W], weight [O, C/groups, kH, kW], bias [O]
const conv = (size, x, w, o = {}, modes = FB, tag) =>
  add('F.conv2d', size, [I(x), I(w), I([w[0]])], ['$0', '$1', '$2', o], { ...modes, tag })
conv('S', [1, 3, 16, 16], [8, 3, 3, 3], { padding: 1 })
conv('M', [64, 1, 28, 28], [16, 1, 5, 5], { padding: 2 }) // MNIST CNN conv1
conv('M', [64, 16, 14, 14], [32, 16, 5, 5]) // MNIST CNN conv2
conv('M', [8, 64, 32, 32], [64, 64, 3, 3], { padding: 1 })
conv('M', [8, 32, 32, 32], [32, 32, 3, 3], { padding: 1 }) // 32->32 at 32x32
conv('M', [64, 512, 1, 1], [512, 512, 3, 3], { padding: 1 }) // 512->512 on 1x1 maps (VGG's tail)
conv('M', [64, 512, 1, 1], [512, 512, 1, 1])
conv('M', [8, 64, 32, 32], [128, 64, 3, 3], { stride: 2, padding: 1 })
conv('M', [8, 64, 32, 32], [64, 1, 3, 3], { padding: 1, groups: 64 }) // depthwise
conv('M', [8, 64, 32, 32], [64, 64, 3, 3], { padding: 2, dilation: 2 }, { modes: ['fwd'] })
conv('L', [4, 64, 56, 56], [64, 64, 3, 3], { padding: 1 })
conv('L', [32, 3, 224, 224], [16, 3, 3, 3], { stride: 2, padding: 1 }, { modes: ['fwd'] })
add('F.conv2d', 'M', [I([8, 64, 32, 32]), I([64, 64, 3, 3])], ['$0', '$1', null, { padding: 1 }], { tag: 'no bias' })
// conv1d: x [N, C, L], weight [O, C, k]
add('F.conv1d', 'M', [I([8, 16, 1024]), I([32, 16, 3]), I([32])], ['$0', '$1', '$2', { padding: 1 }], FB)
add('F.conv1d', 'M', [I([32, 64, 256]), I([64, 64, 5]), I([64])], ['$0', '$1', '$2', { padding: 2 }], FB)
add('F.conv1d', 'S', [I([4, 8, 128]), I([8, 8, 3]), I([8])], ['$0', '$1', '$2', {}], FB)
// pooling
for (const op of ['maxPool2d', 'avgPool2d']) {
  add(`F.${op}`, 'S', [I([4, 8, 16, 16])], ['$0', 2], FB)
  add(`F.${op}`, 'M', [I([64, 16, 28, 28])], ['$0', 2], FB)
  add(`F.${op}`, 'M', [I([8, 64, 32, 32])], ['$0', 3, { stride: 2, padding: 1 }], FB)
  add(`F.${op}`, 'L', [I([16, 64, 64, 64])], ['$0', 2], FB)
  add(`F.${op}`, 'M', [I([8, 64, 32, 32], { layout: 't' })], ['$0', 2])
}
add('F.avgPool2d', 'M', [I([8, 64, 32, 32])], ['$0', 3, { stride: 2, padding: 1, countIncludePad: false }])
add('F.adaptiveAvgPool2d', 'M', [I([8, 512, 7, 7])], ['$0', 1], FB)
add('F.adaptiveAvgPool2d', 'M', [I([8, 64, 32, 32])], ['$0', 7], FB)
add('F.adaptiveAvgPool2d', 'S', [I([2, 16, 8, 8])], ['$0', [2, 2]])
add('F.adaptiveAvgPool2d', 'L', [I([16, 64, 64, 64])], ['$0', 1])
// dropout
for (const s of SIZES) add('F.dropout', s, [I(SHAPE[s])], ['$0', { p: 0.5, training: true }], s === 'M' ? FB : {})
add('F.dropout', 'M', [I(SHAPE.M)], ['$0', { p: 0.5, training: false }])
add('F.dropout', 'M', [I(SHAPE.M)], ['$0', { p: 0.1 }])
// normalisation
const LN = { S: [64, 256], M: [1024, 512], L: [4096, 512] }
for (const s of SIZES) add('F.layerNorm', s, [I(LN[s]), I([LN[s][1]]), I([LN[s][1]])], ['$0', [LN[s][1]], { weight: '$1', bias: '$2' }], FB)
add('F.layerNorm', 'M', [I(LN.M)], ['$0', [512]], FB)
add('F.layerNorm', 'L', [I([32, 128, 768]), I([768]), I([768])], ['$0', [768], { weight: '$1', bias: '$2' }], FB)
const stats = (c) => [I([c], { dist: 'zeros', grad: false }), I([c], { dist: 'ones', grad: false }), I([c]), I([c])]
add('F.batchNorm', 'S', [I([64, 32]), ...stats(32)], ['$0', '$1', '$2', { weight: '$3', bias: '$4', training: true }], FB)
add('F.batchNorm', 'M', [I([256, 512]), ...stats(512)], ['$0', '$1', '$2', { weight: '$3', bias: '$4', training: true }], FB)
add('F.batchNorm', 'M', [I([256, 512]), ...stats(512)], ['$0', '$1', '$2', { weight: '$3', bias: '$4', training: false }], FB)
add('F.batchNorm', 'L', [I([32, 64, 32, 32]), ...stats(64)], ['$0', '$1', '$2', { weight: '$3', bias: '$4', training: true }], FB)
add('F.batchNorm', 'L', [I([32, 64, 32, 32]), ...stats(64)], ['$0', '$1', '$2', { weight: '$3', bias: '$4', training: false }])
// embedding: int64 indices, weight [V, D]
add('F.embedding', 'S', [I([16, 16], { dist: 'int', high: 1000 }), I([1000, 64])], null, FB)
add('F.embedding', 'M', [I([32, 128], { dist: 'int', high: 10000 }), I([10000, 128])], null, FB)
add('F.embedding', 'L', [I([64, 512], { dist: 'int', high: 50000 }), I([50000, 128])], null, { modes: ['fwd'] })

// ---- losses ----------------------------------------------------------------------------------

const LOSS = { S: [64, 64], M: [512, 1024], L: [2048, 2048] }
const T_ = (shape, dist = 'randn') => I(shape, { dist, grad: false })
for (const [op, inDist, tDist] of [
  ['mseLoss', 'randn', 'randn'],
  ['l1Loss', 'randn', 'randn'],
  ['smoothL1Loss', 'randn', 'randn'],
  ['huberLoss', 'randn', 'randn'],
  ['binaryCrossEntropy', 'unit', 'unit'],
  ['binaryCrossEntropyWithLogits', 'randn', 'unit'],
]) {
  for (const s of SIZES) add(`F.${op}`, s, [I(LOSS[s], { dist: inDist }), T_(LOSS[s], tDist)], null, s === 'S' ? {} : FB)
  add(`F.${op}`, 'S', [I(LOSS.S, { dist: inDist }), T_(LOSS.S, tDist)], null, B)
}
add('F.mseLoss', 'M', [I(LOSS.M), T_(LOSS.M)], ['$0', '$1', { reduction: 'none' }], FB)
add('F.mseLoss', 'M', [I(LOSS.M), T_(LOSS.M)], ['$0', '$1', { reduction: 'sum' }])
add('F.smoothL1Loss', 'M', [I(LOSS.M), T_(LOSS.M)], ['$0', '$1', { beta: 0.5 }])
add('F.huberLoss', 'M', [I(LOSS.M), T_(LOSS.M)], ['$0', '$1', { delta: 0.5 }])
add('F.binaryCrossEntropyWithLogits', 'M', [I(LOSS.M), T_(LOSS.M, 'unit'), T_([1024])], ['$0', '$1', { posWeight: '$2' }], FB)
// classification: logits [N, C], int64 targets [N]
const CLS = { S: [64, 10], M: [256, 1000], L: [4096, 1000] }
const cls = (s) => T_([CLS[s][0]], 'int')
for (const s of SIZES) {
  add('F.crossEntropy', s, [I(CLS[s]), { ...cls(s), high: CLS[s][1] }], null, FB)
  add('F.nllLoss', s, [I(CLS[s]), { ...cls(s), high: CLS[s][1] }], null, FB)
}
add('F.crossEntropy', 'M', [I(CLS.M), T_(CLS.M, 'unit')], null, { ...FB, tag: 'probability target' })
add('F.crossEntropy', 'M', [I(CLS.M), { ...cls('M'), high: 1000 }], ['$0', '$1', { labelSmoothing: 0.1 }], FB)
add('F.crossEntropy', 'M', [I([32, 1000, 64]), T_([32, 64], 'int')].map((d) => (d.dist === 'int' ? { ...d, high: 1000 } : d)), null, { ...FB, tag: 'spatial' })
add('F.klDiv', 'M', [I(LOSS.M), T_(LOSS.M, 'unit')], null, FB)
add('F.klDiv', 'M', [I(LOSS.M), T_(LOSS.M, 'unit')], ['$0', '$1', { reduction: 'batchmean' }], FB)
add('F.klDiv', 'L', [I(LOSS.L), T_(LOSS.L, 'unit')], null, FB)
add('F.klDiv', 'S', [I(LOSS.S), T_(LOSS.S)], ['$0', '$1', { logTarget: true }], FB)

// ---- layers (nn.*): parameters require grad, so forward records the graph as in training ------

const X = SHAPE.M
const L_ = (name, size, inputs, ctor, o = {}) => add(`nn.${name}`, size, inputs, null, { ...FB, ctor, ...o })
L_('Linear', 'M', [I([64, 784])], [784, 128])
L_('Linear', 'L', [I([1024, 1024])], [1024, 1024])
L_('Linear', 'S', [I([64, 64])], [64, 64, { bias: false }])
L_('Conv2d', 'M', [I([64, 1, 28, 28])], [1, 16, 5, { padding: 2 }])
L_('Conv2d', 'M', [I([8, 64, 32, 32])], [64, 64, 3, { padding: 1 }])
L_('Conv2d', 'M', [I([64, 512, 1, 1])], [512, 512, 3, { padding: 1 }])
L_('Conv1d', 'M', [I([8, 16, 1024])], [16, 32, 3, { padding: 1 }])
L_('MaxPool2d', 'M', [I([64, 16, 28, 28])], [2])
L_('MaxPool2d', 'S', [I([4, 8, 16, 16])], [2])
L_('AvgPool2d', 'M', [I([64, 16, 28, 28])], [2])
L_('AvgPool2d', 'M', [I([8, 64, 32, 32])], [3, { stride: 2, padding: 1 }])
L_('AdaptiveAvgPool2d', 'M', [I([8, 512, 7, 7])], [1])
for (const name of ['ReLU', 'Sigmoid', 'Tanh', 'GELU', 'SiLU', 'Softplus', 'Identity']) {
  L_(name, 'M', [I(X)], [])
  L_(name, 'S', [I(SHAPE.S)], [], { modes: ['fwd'] })
}
L_('LeakyReLU', 'M', [I(X)], [0.1])
L_('Hardtanh', 'M', [I(X)], [-2, 2])
L_('Softmax', 'M', [I(X)], [-1])
L_('Softmax', 'M', [I(ATT)], [-1])
L_('LogSoftmax', 'M', [I(X)], [-1])
L_('Flatten', 'M', [I([64, 16, 16, 32])], [1, -1])
L_('Flatten', 'M', [I([64, 16, 16, 32], { layout: 't' })], [1, -1])
L_('Dropout', 'M', [I(X)], [0.5])
L_('Dropout', 'M', [I(X)], [0.5], { train: false, modes: ['fwd'] })
L_('BatchNorm1d', 'M', [I([256, 512])], [512])
L_('BatchNorm1d', 'M', [I([256, 512])], [512], { train: false })
L_('BatchNorm2d', 'L', [I([32, 64, 32, 32])], [64])
L_('BatchNorm2d', 'M', [I([64, 16, 28, 28])], [16])
L_('BatchNorm2d', 'L', [I([32, 64, 32, 32])], [64], { train: false, modes: ['fwd'] })
L_('LayerNorm', 'M', [I(LN.M)], [512])
L_('LayerNorm', 'L', [I(LN.L)], [512])
L_('LayerNorm', 'S', [I(LN.S)], [256])
L_('Embedding', 'M', [I([32, 128], { dist: 'int', high: 10000 })], [10000, 128])
L_('Embedding', 'S', [I([16, 16], { dist: 'int', high: 1000 })], [1000, 64])
const MLP = [{ nn: 'Linear', ctor: [784, 128] }, { nn: 'ReLU' }, { nn: 'Linear', ctor: [128, 10] }]
L_('Sequential', 'M', [I([64, 784])], MLP)
L_('Sequential', 'S', [I([1, 784])], MLP)
L_('Sequential', 'M', [I([64, 1, 28, 28])], [{ nn: 'Conv2d', ctor: [1, 16, 5, { padding: 2 }] }, { nn: 'ReLU' }, { nn: 'MaxPool2d', ctor: [2] }, { nn: 'Flatten', ctor: [1, -1] }, { nn: 'Linear', ctor: [3136, 10] }])
for (const [name, inDist, tDist] of [
  ['MSELoss', 'randn', 'randn'],
  ['L1Loss', 'randn', 'randn'],
  ['SmoothL1Loss', 'randn', 'randn'],
  ['HuberLoss', 'randn', 'randn'],
  ['BCELoss', 'unit', 'unit'],
  ['BCEWithLogitsLoss', 'randn', 'unit'],
  ['KLDivLoss', 'randn', 'unit'],
]) {
  L_(name, 'M', [I(LOSS.M, { dist: inDist }), T_(LOSS.M, tDist)], [])
  L_(name, 'S', [I(LOSS.S, { dist: inDist }), T_(LOSS.S, tDist)], [], { modes: ['fwd'] })
}
L_('CrossEntropyLoss', 'S', [I(CLS.S), { ...cls('S'), high: 10 }], [])
L_('CrossEntropyLoss', 'M', [I(CLS.M), { ...cls('M'), high: 1000 }], [])
L_('CrossEntropyLoss', 'M', [I(CLS.M), { ...cls('M'), high: 1000 }], [{ labelSmoothing: 0.1 }])
L_('NLLLoss', 'M', [I(CLS.M), { ...cls('M'), high: 1000 }], [])
L_('NLLLoss', 'S', [I(CLS.S), { ...cls('S'), high: 10 }], [])
