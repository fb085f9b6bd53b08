// Side by side in one run: the same matmul, elementwise, reduction and per-call
// work in ferrograd (from Node) and in NumPy, at 1 and 2 threads, as medians.
// Prints throughput ratios ferrograd / NumPy (above 1: ferrograd is faster).
//
//   cd bench && npm install && pip install -r requirements.txt && npm run ops:numpy [-- pattern]
import { execFileSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as fg from 'ferrograd'
import { medianSeconds } from './median.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const python = process.env.PYTHON ?? 'python3'

const allCases = [
  ...[256, 512, 1024].map((n) => ({ name: `matmul ${n}`, kind: 'matmul', a: [n, n], b: [n, n], reps: n >= 1024 ? 7 : 21, flops: 2 * n ** 3 })),
  { name: 'mlp x@w^T 64x784·784x128', kind: 'matmul', a: [64, 784], b: [128, 784], tb: true, reps: 101, flops: 2 * 64 * 784 * 128 },
  { name: 'mlp g^T@x 128x64·64x784', kind: 'matmul', a: [64, 128], b: [64, 784], ta: true, reps: 101, flops: 2 * 64 * 784 * 128 },
  { name: 'mlp g@w 64x128·128x784', kind: 'matmul', a: [64, 128], b: [128, 784], reps: 101, flops: 2 * 64 * 784 * 128 },
  ...[1e6, 1e7].flatMap((n) => ['add', 'mul', 'exp'].map((kind) => ({ name: `${kind} ${n.toExponential()}`, kind, n, reps: n > 1e6 ? 11 : 31 }))),
  { name: 'sum rows 10000x1000', kind: 'sum_rows', shape: [10000, 1000], reps: 11 },
  { name: 'softmax rows 10000x1000', kind: 'softmax_rows', shape: [10000, 1000], reps: 11 },
  { name: '1x1 add, per call', kind: 'scalar_add', calls: 100000, reps: 7, perCall: true },
]

// `node numpy-ops.mjs [pattern]` runs only the cases whose name matches the pattern.
const pattern = process.argv.slice(2).find((a) => !a.startsWith('--'))
const only = pattern ? new RegExp(pattern) : null
const cases = allCases.filter((c) => !only || only.test(c.name))

// Each result is disposed as soon as it is made, as NumPy's reference count frees
// its result before the next call: the two then time the same work, and the
// buffer goes back to ferrograd's cache of freed storages for the next call. Left
// to the garbage collector instead, results pile up between collections and each
// call writes to memory out of cache (`node numpy-ops.mjs --gc` times that way).
const byGc = process.argv.includes('--gc')
const release = (t) => {
  if (!byGc) t.dispose()
}

function ferrogradWork(c) {
  switch (c.kind) {
    case 'matmul': {
      // Stored as given, multiplied through a transposed view where asked, as
      // numpy_ops.py does with `.T`.
      let a = fg.randn(c.a)
      let b = fg.randn(c.b)
      if (c.ta) a = a.T
      if (c.tb) b = b.T
      return () => release(a.matmul(b))
    }
    case 'add':
    case 'mul': {
      const [x, y] = [fg.randn([c.n]), fg.randn([c.n])]
      return () => release(x[c.kind](y))
    }
    case 'exp': {
      const x = fg.randn([c.n])
      return () => release(x.exp())
    }
    case 'sum_rows': {
      const x = fg.randn(c.shape)
      return () => release(x.sum(-1))
    }
    case 'softmax_rows': {
      const x = fg.randn(c.shape)
      return () => release(x.softmax(-1))
    }
    case 'scalar_add': {
      const [x, y] = [fg.ones([1]), fg.ones([1])]
      return () => {
        // Left to the garbage collector even so: a second call per add to free
        // 4 bytes would time dispose(), not add.
        for (let i = 0; i < c.calls; i++) x.add(y)
      }
    }
  }
  throw new Error(c.kind)
}

// The machine is shared and its speed drifts by tens of percent over seconds,
// so the two sides take turns: ROUNDS rounds, each timing NumPy's cases and
// then ours, and every figure is the median over the rounds of each round's
// median. A slow spell then hits both sides, or is outvoted.
const ROUNDS = Number(process.env.ROUNDS ?? 3)
const middle = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1]

const rows = []
let numpyVersion = ''
for (const threads of [1, 2]) {
  fg.setNumThreads(threads)
  const env = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) }
  const ours = new Map(cases.map((c) => [c.name, []]))
  const theirs = new Map(cases.map((c) => [c.name, []]))
  for (let round = 0; round < ROUNDS; round++) {
    const np = JSON.parse(execFileSync(python, [join(here, 'numpy_ops.py'), JSON.stringify(cases)], { env, encoding: 'utf8' }))
    numpyVersion = np.numpy
    for (const c of cases) {
      theirs.get(c.name).push(np.times[c.name])
      ours.get(c.name).push(medianSeconds(ferrogradWork(c), c.reps))
    }
  }
  for (const c of cases) {
    const [o, t] = [middle(ours.get(c.name)), middle(theirs.get(c.name))]
    const unit = c.flops ? 'GFLOP/s' : c.perCall ? 'µs/call' : 'ms'
    const show = (s) => (c.flops ? c.flops / s / 1e9 : c.perCall ? (s / c.calls) * 1e6 : s * 1e3)
    rows.push({ threads, name: c.name, unit, ours: show(o), numpy: show(t), ratio: t / o })
  }
}

console.log(`ferrograd (SIMD ${fg.simdLevel()}, results ${byGc ? 'left to the GC' : 'disposed'}) vs NumPy ${numpyVersion}; medians of ${ROUNDS} alternating rounds; ratio = ferrograd throughput / NumPy throughput`)
console.log(['threads', 'work', 'unit', 'ferrograd', 'NumPy', 'ratio'].join('\t'))
for (const r of rows) {
  console.log([r.threads, r.name, r.unit, r.ours.toFixed(3), r.numpy.toFixed(3), r.ratio.toFixed(2)].join('\t'))
}
