// Helpers shared by the JavaScript peer scripts (tfjs.mjs, brain.mjs): the command
// line of bench-spec, the data file (parsed by hand: safetensors is an 8-byte
// little-endian header length, a JSON header, then the raw bytes), a seeded RNG,
// the timing loops the spec asks for, and the one JSON line a peer prints last.
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
export const defaultData = join(here, '..', '.data', 'mnist-split.safetensors')
export const ALL_TASKS = [
  'mlp_train', 'cnn_train', 'mlp_infer_b1', 'mlp_infer_b256', 'cnn_infer_b1', 'cnn_infer_b256',
  'matmul_256', 'matmul_512', 'matmul_1024', 'add_1x1',
]

/** `--threads N [--tasks a,b] [--repeats R] [--data path] [--quick]` plus any `extra` flags. */
export function parseArgs(argv = process.argv.slice(2), extra = {}) {
  const opts = { threads: 1, tasks: null, repeats: null, data: defaultData, quick: false, ...extra }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`)
      return argv[++i]
    }
    if (a === '--quick') opts.quick = true
    else if (a === '--threads') opts.threads = Number(next())
    else if (a === '--tasks') opts.tasks = next().split(',').filter(Boolean)
    else if (a === '--repeats') opts.repeats = Number(next())
    else if (a === '--data') opts.data = next()
    else if (a.startsWith('--') && a.slice(2) in extra) opts[a.slice(2)] = next()
    else throw new Error(`unknown argument ${a}`)
  }
  if (!(opts.threads >= 1)) throw new Error('--threads must be >= 1')
  for (const t of opts.tasks ?? []) if (!ALL_TASKS.includes(t)) throw new Error(`unknown task ${t}`)
  opts.repeats ??= opts.quick ? 1 : 5
  return opts
}

/** Reads a safetensors file: { tensors: {name: {dtype, shape, data}}, metadata }. */
export function loadSafetensors(path) {
  const buf = readFileSync(path)
  const headerLen = Number(buf.readBigUInt64LE(0))
  const header = JSON.parse(buf.subarray(8, 8 + headerLen).toString('utf8'))
  const base = 8 + headerLen
  const tensors = {}
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') continue
    const [begin, end] = info.data_offsets
    // Copy so that the typed array is aligned whatever the header length is.
    const bytes = buf.subarray(base + begin, base + end)
    const ab = new ArrayBuffer(bytes.length)
    new Uint8Array(ab).set(bytes)
    const Ctor = { F32: Float32Array, I64: BigInt64Array, I32: Int32Array, U8: Uint8Array }[info.dtype]
    if (!Ctor) throw new Error(`unsupported dtype ${info.dtype} of ${name}`)
    tensors[name] = { dtype: info.dtype, shape: info.shape, data: new Ctor(ab) }
  }
  return { tensors, metadata: header.__metadata__ ?? {} }
}

/** The MNIST split as Float32Array pixels and Int32Array labels, plus mean/std. */
export function loadMnist(path = defaultData) {
  const { tensors: t, metadata } = loadSafetensors(path)
  const labels = (x) => Int32Array.from(x.data, Number)
  return {
    trainX: t.train_x.data, trainY: labels(t.train_y), nTrain: t.train_x.shape[0],
    testX: t.test_x.data, testY: labels(t.test_y), nTest: t.test_x.shape[0],
    mean: Number(metadata.mean), std: Number(metadata.std),
  }
}

/** mulberry32: a small seeded PRNG returning floats in [0, 1). */
export function rng(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Fisher-Yates shuffle of 0..n-1 into an Int32Array. */
export function permutation(n, rand) {
  const p = new Int32Array(n)
  for (let i = 0; i < n; i++) p[i] = i
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1))
    const t = p[i]; p[i] = p[j]; p[j] = t
  }
  return p
}

export const now = () => Number(process.hrtime.bigint()) / 1e9

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b)
  const n = s.length
  return n % 2 ? s[n >> 1] : (s[n / 2 - 1] + s[n / 2]) / 2
}

/** Median over `blocks` blocks of `calls` calls of `fn` (after one warm-up block), in seconds per call. */
export function perCallSeconds(fn, calls, blocks, wrapBlock = (f) => f()) {
  const block = () => wrapBlock(() => { for (let i = 0; i < calls; i++) fn() })
  block()
  const times = []
  for (let b = 0; b < blocks; b++) {
    const t = now()
    block()
    times.push(now() - t)
  }
  return median(times) / calls
}

/**
 * Median seconds per call over blocks of calls: >= 31 blocks of >= 50 calls as the spec
 * asks (3 blocks of 5 with `quick`), fewer where that would take longer than `budget`
 * seconds (slow peers; the block count and size used are returned, to be reported).
 */
export function timeCalls(fn, { quick = false, budget = quick ? 2 : 20, wrapBlock } = {}) {
  fn()
  const t = now()
  fn()
  const one = Math.max(now() - t, 1e-7)
  let blocks = quick ? 3 : 31
  let calls = quick ? 5 : 50
  if (blocks * calls * one > budget) {
    calls = Math.max(1, Math.floor(budget / (blocks * one)))
    if (calls === 1) blocks = Math.max(quick ? 3 : 5, Math.min(blocks, Math.floor(budget / one)))
  }
  return { seconds: perCallSeconds(fn, calls, blocks, wrapBlock), blocks, calls }
}

export const log = (...a) => console.error(...a)

/** Prints the peer's one JSON line (the last line of stdout). */
export function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n')
}

/** Rounds floats to 4 significant digits for readable JSON. */
export const sig = (x) => (Number.isFinite(x) ? Number(x.toPrecision(4)) : x)
