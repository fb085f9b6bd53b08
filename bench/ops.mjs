// bench:ops — every public op and layer of ferrograd against PyTorch, one case at a time,
// forward and forward+backward, at several sizes and memory layouts, at 1 and 2 threads.
//
//   npm run bench:ops                          # at the repository root; or, in bench/:
//   PYTHON=<venv>/bin/python node ops.mjs [regex] [--quick] [--rounds N] [--threads 1|2|1,2]
//                                          [--budget ms] [--max-wait s]
//   node ops.mjs --check                       # only the coverage check (no PyTorch, seconds)
//   node ops.mjs --md [results/ops.json]       # only rewrite the markdown table from a results file
//   node ops.mjs --list [regex]                # list the cases' names
//
// What it does, in order:
// 1. Coverage check, before anything is timed: every function exported by `ferrograd`
//    (top level), by `fg.nn.functional`, every class of `fg.nn`, and every property of
//    `fg.Tensor.prototype` (elementwise methods included) must have at least one case in
//    ops-cases.mjs or a line, with its reason, in NOT_OPS there; every case must name an
//    export; every op with cases needs a fwd+bwd case unless NO_BACKWARD says why not.
//    Otherwise it exits with code 2, naming what is missing.
// 2. Starts ops_torch.py once as a child process (`$PYTHON`, default python3), which answers
//    JSON-line requests; both sides build each case from the same spec.
// 3. For each round (default 3) and each case, with fresh random data per round: at each
//    thread count (fg.setNumThreads / torch.set_num_threads), times ferrograd with each
//    result disposed as soon as it is made, then ferrograd leaving results to the garbage
//    collector, then PyTorch (results freed by refcount), so the sides alternate.
//    Each figure is the median per-call time over samples of k calls (k so that a sample
//    lasts at least MIN_BLOCK; for the garbage-collected figure at least GC_BLOCK, so the
//    collections fall inside the blocks), as many samples as fit in the time budget;
//    a full collection runs between measurements, outside the timing.
//    Backward cases call the op, then backward with a fixed random gradient of the output's
//    shape (backward() for a 0-d output), then reset the leaves' and module's grads to null
//    (zeroGrad / grad = None), on both sides.
//    The machine may be shared: the share of the CPUs other processes used while a case was
//    timed is measured (/proc/stat less this process and the child); above NOISY the case is
//    timed again after waiting for a quiet spell (at most --max-wait seconds per case, 10
//    times that per run), and the share is kept in the results (flag N when it stays high).
// 4. Reports medians over the rounds: ferrograd disposed, ferrograd GC'd, PyTorch (µs);
//    ratios PyTorch/ours (above 1: ferrograd faster), GC/disposed and 2 threads/1 thread;
//    geometric means; flags against the acceptance criteria (FLAGS below). A full run
//    (no regex, no --quick, 3 rounds or more, threads 1,2) writes results/ops.json and .md; any other run
//    writes results/ops-partial.json and .md, leaving the full results alone. The table is
//    sorted by the 1-thread disposed ratio, worst first, and printed.
//
// An op that throws (e.g. an unsupported layout) is recorded as the case's error on that
// side and the run goes on. Progress goes to stderr.
import { execFileSync, spawn } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { cpus } from 'node:os'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import v8 from 'node:v8'
import vm from 'node:vm'
import * as fg from 'ferrograd'
import { CASES, NOT_OPS, NO_BACKWARD } from './ops-cases.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const python = process.env.PYTHON ?? 'python3'

// ---- command line ----------------------------------------------------------------------

const argv = process.argv.slice(2)
const flag = (name) => argv.includes(name)
function option(name) {
  const i = argv.indexOf(name)
  return i >= 0 ? argv[i + 1] : undefined
}
const OPTIONS_WITH_VALUE = ['--rounds', '--threads', '--budget', '--max-wait']
const positional = argv.filter((a, i) => !a.startsWith('--') && !OPTIONS_WITH_VALUE.includes(argv[i - 1]))
const QUICK = flag('--quick')
const ROUNDS = Number(option('--rounds') ?? (QUICK ? 1 : 3))
const THREADS = (option('--threads') ?? '1,2').split(',').map(Number)
/** Time budget of one measurement in seconds, and the shortest sample (see `measure`). */
const BUDGET = Number(option('--budget') ?? (QUICK ? 20 : 50)) / 1e3
const GC_BUDGET = QUICK ? 0.06 : 0.08
const MIN_BLOCK = 0.001
const GC_BLOCK = 0.02
/** 2 threads count as slower than 1 above this ratio (the medians still move by a few percent). */
const THREAD_NOISE = 1.05
/**
 * The machine is shared: when other processes used more than this share of its CPUs while a
 * case was timed, the case is timed again once after waiting (up to MAX_WAIT seconds) for a
 * quiet spell; the share is kept in the results either way (`load`).
 */
const NOISY = 0.25
const MAX_WAIT = Number(option('--max-wait') ?? 30)
/** All the waiting of a run stops after this many seconds: then noisy cases are kept as timed. */
const TOTAL_WAIT = 10 * MAX_WAIT

// ---- the exports and the coverage check ---------------------------------------------------

/** Every export this benchmark answers for, as 'fg.x', 'F.x', 'nn.X' and 'Tensor.x'. */
function exportedOps() {
  const keys = []
  for (const [k, v] of Object.entries(fg)) if (typeof v === 'function') keys.push(`fg.${k}`)
  for (const [k, v] of Object.entries(fg.nn.functional)) if (typeof v === 'function') keys.push(`F.${k}`)
  for (const [k, v] of Object.entries(fg.nn)) if (typeof v === 'function') keys.push(`nn.${k}`)
  for (const k of Object.getOwnPropertyNames(fg.Tensor.prototype)) if (k !== 'constructor') keys.push(`Tensor.${k}`)
  return keys
}

/** Exports covered by how the harness times a case rather than by a case of their own. */
const IMPLIED = { 'Tensor.backward': (c) => c.bwd }

function coverage() {
  const exported = exportedOps()
  const known = new Set(exported)
  const errors = []
  const warnings = []
  const byOp = new Map()
  const names = new Set()
  for (const c of CASES) {
    if (!known.has(c.op)) errors.push(`case '${c.name}' names ${c.op}, which ferrograd does not export`)
    if (names.has(c.name)) errors.push(`two cases are named '${c.name}'`)
    names.add(c.name)
    if (!byOp.has(c.op)) byOp.set(c.op, [])
    byOp.get(c.op).push(c)
  }
  const uncovered = []
  for (const k of exported) {
    const cases = byOp.get(k) ?? []
    const implied = IMPLIED[k] && CASES.some(IMPLIED[k])
    if (cases.length === 0 && !implied && !(k in NOT_OPS)) uncovered.push(k)
    if (cases.length > 0 && k in NOT_OPS) errors.push(`${k} has cases but is also in NOT_OPS ('${NOT_OPS[k]}')`)
    if (cases.length > 0 && !cases.some((c) => c.bwd) && !(k in NO_BACKWARD)) errors.push(`${k} has no fwd+bwd case and no NO_BACKWARD entry`)
  }
  if (uncovered.length) errors.unshift(`exports with no case and no NOT_OPS entry: ${uncovered.join(', ')}`)
  for (const k of Object.keys(NOT_OPS)) if (!known.has(k)) warnings.push(`NOT_OPS lists ${k}, which is no longer exported`)
  for (const k of Object.keys(NO_BACKWARD)) if (!known.has(k)) warnings.push(`NO_BACKWARD lists ${k}, which is no longer exported`)
  const covered = exported.filter((k) => byOp.has(k) || (IMPLIED[k] && CASES.some(IMPLIED[k])))
  return { exported, covered, excluded: exported.filter((k) => k in NOT_OPS), errors, warnings }
}

// ---- ferrograd's side: building and calling a case ------------------------------------------

const isTensor = (x) => x instanceof fg.Tensor

/** The input of spec `d` (see ops-cases.mjs): distribution, dtype, layout; a fresh leaf for backward. */
function makeInput(d, bwd) {
  const shape = d.shape
  const nd = shape.length
  const layout = d.layout ?? 'c'
  let storage = shape
  if (layout === 't') storage = [...shape.slice(0, nd - 2), shape[nd - 1], shape[nd - 2]]
  else if (layout === 'n') storage = [...shape.slice(0, nd - 1), shape[nd - 1] + 16]
  else if (layout === 'e') storage = [1, ...shape.slice(1)]
  let x
  switch (d.dist ?? 'randn') {
    case 'randn': x = fg.randn(storage); break
    case 'pos': x = fg.rand(storage).add(0.5); break
    case 'unit': x = fg.rand(storage).mul(0.98).add(0.01); break
    case 'int': x = fg.randint(0, d.high, storage); break
    case 'bool': x = fg.rand(storage).lt(0.5); break
    case 'zeros': x = fg.zeros(storage); break
    case 'ones': x = fg.ones(storage); break
    default: throw new Error(`unknown dist ${d.dist}`)
  }
  if (d.dtype === 'float64') x = x.double()
  if (layout === 't') x = x.transpose(nd - 2, nd - 1)
  else if (layout === 'n') x = x.narrow(nd - 1, 1, shape[nd - 1])
  else if (layout === 'e') x = x.expand(shape)
  const float = x.dtype === 'float32' || x.dtype === 'float64'
  if (bwd && float && d.grad !== false) x = x.detach().requiresGrad_()
  return x
}

/** `'$k'` replaced by input k, recursively. */
function resolve(v, inputs) {
  if (typeof v === 'string') {
    const m = /^\$(\d+)$/.exec(v)
    return m ? inputs[Number(m[1])] : v
  }
  if (Array.isArray(v)) return v.map((x) => resolve(x, inputs))
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x, inputs)]))
  return v
}

/** `new fg.nn[name](...ctor)`, nested `{ nn, ctor }` specs built first. */
function buildModule(name, ctor = []) {
  const args = ctor.map((a) => (a && typeof a === 'object' && a.nn ? buildModule(a.nn, a.ctor) : a))
  return new fg.nn[name](...args)
}

/** `f.call(self, ...args)` without a spread at call time for the common arities. */
function bind(f, self, a) {
  switch (a.length) {
    case 0: return () => f.call(self)
    case 1: { const [x] = a; return () => f.call(self, x) }
    case 2: { const [x, y] = a; return () => f.call(self, x, y) }
    case 3: { const [x, y, z] = a; return () => f.call(self, x, y, z) }
    default: return () => f.apply(self, a)
  }
}

/** The tensors of an op's result: a tensor, `{ values, indices }`, or an array of them. */
function tensorsOf(r) {
  if (isTensor(r)) return [r]
  if (Array.isArray(r)) return r.flatMap(tensorsOf)
  if (r && typeof r === 'object') return Object.values(r).filter(isTensor)
  return []
}

/** The tensor backward starts from: the output, the values of `{ values, indices }`, the first of an array. */
function primary(r) {
  if (isTensor(r)) return r
  if (Array.isArray(r)) return primary(r[0])
  return r.values
}

/** The timed functions of a case: `disposed`, `gc`, and `free` to release its inputs. */
function buildOurs(c) {
  const inputs = c.inputs.map((d) => makeInput(d, c.bwd))
  const args = resolve(c.args, inputs)
  const [space, name] = c.op.split(/\.(.*)/s)
  let module = null
  let call
  if (space === 'nn') {
    module = buildModule(name, c.ctor)
    if (c.train === false) module.eval()
    call = bind(module.forward, module, args)
  } else if (space === 'Tensor') {
    const desc = Object.getOwnPropertyDescriptor(fg.Tensor.prototype, name)
    const self = args[0]
    call = desc.get ? () => desc.get.call(self) : bind(desc.value, self, args.slice(1))
  } else {
    call = bind(space === 'fg' ? fg[name] : fg.nn.functional[name], undefined, args)
  }
  // Results that are an input itself (Identity, dropout in eval mode) are not disposed.
  const own = new Set(inputs.map((x) => x._n))
  const release = (r) => {
    for (const t of tensorsOf(r)) if (!own.has(t._n)) t.dispose()
  }
  const leaves = inputs.filter((x) => c.bwd && x.requiresGrad)
  const reset = () => {
    for (const x of leaves) x.zeroGrad()
    if (module) module.zeroGrad()
  }
  let g = null
  let disposed, gc
  if (c.bwd) {
    const r = call()
    const out = primary(r)
    if (out.shape.length) g = fg.randn(out.shape)
    out.backward(g)
    release(r)
    reset()
    disposed = () => {
      const r = call()
      primary(r).backward(g)
      release(r)
      reset()
    }
    gc = () => {
      primary(call()).backward(g)
      reset()
    }
  } else {
    release(call())
    disposed = () => release(call())
    gc = () => {
      call()
    }
  }
  const free = () => {
    for (const x of inputs) x.dispose()
    g?.dispose()
  }
  return { disposed, gc, free }
}

// ---- timing ------------------------------------------------------------------------------

const now = () => performance.now() / 1e3
v8.setFlagsFromString('--expose-gc')
const collect = vm.runInNewContext('gc')

/**
 * The median per-call time in seconds over samples of k calls each, k making a sample last
 * at least `minBlock`, as many samples as fit in `budget` (3 to maxSamples), after one or two
 * warm-up calls. ops_torch.py's `measure` is the same procedure.
 */
function measure(fn, budget, minBlock, maxSamples = 200) {
  let t = now()
  fn()
  let e = now() - t
  if (e < budget / 4) {
    t = now()
    fn()
    e = Math.min(e, now() - t)
  }
  e = Math.max(e, 5e-8)
  const k = Math.max(1, Math.ceil(minBlock / e))
  const n = Math.min(maxSamples, Math.max(3, Math.floor(budget / (k * e))))
  const times = []
  for (let s = 0; s < n; s++) {
    t = now()
    for (let i = 0; i < k; i++) fn()
    times.push((now() - t) / k)
  }
  return { s: median(times), calls: k, samples: n }
}

function median(v) {
  const s = [...v].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

// ---- other processes' load (Linux: /proc) ---------------------------------------------------

const NCPU = cpus().length
const JIFFY = 0.01
/** CPU seconds used by the whole machine (busy and stolen), or null without /proc. */
function machineBusy() {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number)
    const [user, nice, system, , , irq, softirq, steal] = f
    return (user + nice + system + irq + softirq + (steal ?? 0)) * JIFFY
  } catch {
    return null
  }
}
/** CPU seconds used by process `pid` (the PyTorch child), or 0. */
function processBusy(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return (Number(f[11]) + Number(f[12])) * JIFFY
  } catch {
    return 0
  }
}
/** Starts a meter; its `stop()` gives the share of the machine's CPUs other processes used since, or null. */
function loadMeter(childPid) {
  const t0 = now()
  const m0 = machineBusy()
  const own0 = process.cpuUsage()
  const c0 = processBusy(childPid)
  return () => {
    const m1 = machineBusy()
    if (m0 === null || m1 === null) return null
    const own = process.cpuUsage(own0)
    const mine = (own.user + own.system) / 1e6 + processBusy(childPid) - c0
    const elapsed = now() - t0
    return Math.max(0, (m1 - m0 - mine) / (elapsed * NCPU))
  }
}
/** Waits, in 1 s windows, until other processes use less than a tenth of the machine, at most `seconds`. */
async function waitForQuiet(childPid, seconds) {
  const until = now() + seconds
  while (now() < until) {
    const stop = loadMeter(childPid)
    await new Promise((r) => setTimeout(r, 1000))
    const load = stop()
    if (load === null || load < 0.1) return true
  }
  return false
}

const errorText = (e) => (e?.code ? `${e.code}: ${e.message}` : String(e?.message ?? e)).split('\n')[0].slice(0, 300)

// ---- PyTorch's side: the child process ----------------------------------------------------

class Peer {
  constructor() {
    this.child = spawn(python, [join(here, 'ops_torch.py')], { cwd: here, stdio: ['pipe', 'pipe', 'inherit'] })
    this.waiting = []
    this.dead = null
    createInterface({ input: this.child.stdout }).on('line', (line) => this.waiting.shift()?.resolve(JSON.parse(line)))
    const die = (why) => {
      this.dead = why
      for (const w of this.waiting.splice(0)) w.reject(new Error(why))
    }
    this.child.on('exit', (code, signal) => die(`ops_torch.py exited (${signal ?? code})`))
    this.child.on('error', (e) => die(`cannot run ${python}: ${e.message}`))
    this.child.stdin.on('error', () => {})
  }

  ask(req) {
    if (this.dead) return Promise.reject(new Error(this.dead))
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject })
      this.child.stdin.write(JSON.stringify(req) + '\n')
    })
  }

  close() {
    if (!this.dead) this.child.stdin.end(JSON.stringify({ cmd: 'quit' }) + '\n')
  }
}

// ---- report ---------------------------------------------------------------------------------

/** Acceptance: PyTorch/ours disposed >= 1.0 (S: 0.8), GC'd >= 0.8, GC/disposed <= 1.25 from 1e3 elements, 2 threads <= 1 thread. */
const FLAGS = {
  D: 'disposed slower than the bar (PyTorch/ours below 1.0, below 0.8 for S)',
  G: 'left to the GC: PyTorch/ours below 0.8',
  C: 'left to the GC: more than 1.25x the disposed time (cases of 1e3 elements and more)',
  T: `2 threads slower than 1 thread (ours, disposed, by more than ${Math.round((THREAD_NOISE - 1) * 100)}%)`,
  E: 'an error on one side',
  N: `noisy: other processes used more than ${NOISY * 100}% of the CPUs while the case was timed (median over the rounds)`,
}

/** Medians, ratios and flags of one case's raw figures. */
function summarize(c, raw, threads) {
  const row = { name: c.name, op: c.op, size: c.size, elements: c.elements, bwd: c.bwd, flags: [] }
  for (const th of threads) {
    const r = raw.t[th]
    if (!r) continue
    const m = {
      ours: r.ours.length ? median(r.ours) : null,
      gc: r.gc.length ? median(r.gc) : null,
      torch: r.torch.length ? median(r.torch) : null,
    }
    m.ratio = m.ours && m.torch ? m.torch / m.ours : null
    m.ratioGc = m.gc && m.torch ? m.torch / m.gc : null
    m.gcOverDisposed = m.ours && m.gc ? m.gc / m.ours : null
    row[th] = m
    const bar = c.size === 'S' ? 0.8 : 1.0
    if (m.ratio !== null && m.ratio < bar) row.flags.push(`D${th}`)
    if (m.ratioGc !== null && m.ratioGc < 0.8) row.flags.push(`G${th}`)
    if (m.gcOverDisposed !== null && c.elements >= 1e3 && m.gcOverDisposed > 1.25) row.flags.push(`C${th}`)
    if (r.errors?.ours || r.errors?.torch) row.errors = { ...row.errors, ...Object.fromEntries(Object.entries(r.errors).map(([k, v]) => [k, v])) }
  }
  if (row[1]?.ours && row[2]?.ours) {
    row.threadRatio = row[2].ours / row[1].ours
    if (row.threadRatio > THREAD_NOISE) row.flags.push('T')
  }
  if (row.errors) row.flags.push('E')
  const loads = (raw.load ?? []).filter((x) => x !== null)
  row.load = loads.length ? median(loads) : null
  if (row.load !== null && row.load > NOISY) row.flags.push('N')
  return row
}

const geomean = (xs) => (xs.length ? Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length) : null)
const fmtUs = (v) => (v === null || v === undefined ? '–' : v >= 100 ? Math.round(v).toLocaleString('en-US') : v >= 10 ? v.toFixed(1) : v.toFixed(2))
const fmtX = (v) => (v === null || v === undefined ? '–' : v.toFixed(2))

function markdown(results) {
  const { meta } = results
  const threads = meta.threads
  const rows = results.cases.map((c) => summarize(c, c.raw, threads))
  const first = threads[0]
  rows.sort((a, b) => (a[first]?.ratio ?? -1) - (b[first]?.ratio ?? -1) || a.name.localeCompare(b.name))
  const lines = []
  lines.push(`# bench:ops — ferrograd against PyTorch, op by op`)
  lines.push('')
  lines.push(
    `${meta.date}, ${meta.cpu}, Node ${meta.node}, ferrograd ${meta.build ? `${meta.build.commit} (addon built ${meta.build.addonBuilt} UTC), ` : ''}SIMD ${meta.simd}, PyTorch ${meta.torch} (Python ${meta.python}); ` +
      `${meta.rounds} round(s), ${rows.length} cases${meta.filter ? ` matching /${meta.filter}/` : ''}${meta.quick ? ', --quick' : ''}; wall time ${(meta.wallSeconds / 60).toFixed(1)} min` +
      (meta.noisyTimings ? `; ${meta.noisyTimings} case timing(s) were taken while other processes used more than ${NOISY * 100}% of the CPUs (see flag N)` : '') +
      '.',
  )
  lines.push('')
  lines.push(
    'Times are medians over the rounds of each round\'s median per-call time, in µs. "ours" disposes each result at once, "GC" leaves results to the garbage collector ' +
      '(blocks of calls of at least 20 ms, collections included), PyTorch frees by refcount. torch/ours above 1: ferrograd is faster. ' +
      `Sorted by the ${first}-thread torch/ours ratio, worst first.`,
  )
  lines.push('')
  lines.push('Geometric means of torch/ours over the cases both sides ran:')
  lines.push('')
  lines.push(`| cases | ${threads.map((t) => `${t}t disposed | ${t}t GC`).join(' | ')} | GC/disposed (${first}t) |`)
  lines.push(`| --- | ${threads.map(() => '---: | ---:').join(' | ')} | ---: |`)
  const groups = [
    ['all', () => true],
    ['S', (r) => r.size === 'S'],
    ['M', (r) => r.size === 'M'],
    ['L', (r) => r.size === 'L'],
    ['fwd', (r) => !r.bwd],
    ['fwd+bwd', (r) => r.bwd],
  ]
  for (const [label, keep] of groups) {
    const rs = rows.filter(keep)
    const cells = threads.flatMap((t) => [geomean(rs.map((r) => r[t]?.ratio).filter(Boolean)), geomean(rs.map((r) => r[t]?.ratioGc).filter(Boolean))])
    lines.push(`| ${label} (${rs.length}) | ${cells.map(fmtX).join(' | ')} | ${fmtX(geomean(rs.map((r) => r[first]?.gcOverDisposed).filter(Boolean)))} |`)
  }
  lines.push('')
  const flagged = Object.keys(FLAGS).map((f) => [f, rows.filter((r) => r.flags.some((x) => x.startsWith(f))).length])
  lines.push(`Flags (the digit is the thread count): ${Object.entries(FLAGS).map(([f, what]) => `**${f}** ${what}`).join('; ')}.`)
  lines.push(`Cases flagged: ${flagged.map(([f, n]) => `${f} ${n}`).join(', ')}; without any flag: ${rows.filter((r) => r.flags.length === 0).length} of ${rows.length}.`)
  lines.push('')
  const head = ['#', 'case', 'size', 'elements']
  for (const t of threads) head.push(`${t}t ours`, `${t}t GC`, `${t}t torch`, `${t}t torch/ours`, `${t}t torch/GC`, `${t}t GC/disp`)
  if (threads.length > 1) head.push('2t/1t')
  head.push('flags')
  lines.push(`| ${head.join(' | ')} |`)
  lines.push(`| ${head.map((h, i) => (i === 1 || i === head.length - 1 || i === 2 ? '---' : '---:')).join(' | ')} |`)
  rows.forEach((r, i) => {
    const cells = [i + 1, `\`${r.name}\``, r.size, r.elements.toLocaleString('en-US')]
    for (const t of threads) {
      const m = r[t] ?? {}
      cells.push(fmtUs(m.ours), fmtUs(m.gc), fmtUs(m.torch), fmtX(m.ratio), fmtX(m.ratioGc), fmtX(m.gcOverDisposed))
    }
    if (threads.length > 1) cells.push(fmtX(r.threadRatio))
    cells.push(r.flags.join(' '))
    lines.push(`| ${cells.join(' | ')} |`)
  })
  const errs = rows.filter((r) => r.errors)
  if (errs.length) {
    lines.push('')
    lines.push(`## Errors (${errs.length})`)
    lines.push('')
    for (const r of errs) for (const [side, e] of Object.entries(r.errors)) lines.push(`- \`${r.name}\` (${side === 'ours' ? 'ferrograd' : 'PyTorch'}): ${e.replace(/\|/g, '\\|')}`)
  }
  return lines.join('\n') + '\n'
}

function writeResults(results, jsonPath) {
  mkdirSync(dirname(jsonPath), { recursive: true })
  writeFileSync(jsonPath, JSON.stringify(results, null, 1) + '\n')
  const md = markdown(results)
  writeFileSync(jsonPath.replace(/\.json$/, '.md'), md)
  return md
}

/** Which ferrograd was timed: the git commit of its folder (+dirty) and the native addon's date. */
function buildOf() {
  try {
    const root = join(dirname(createRequire(import.meta.url).resolve('ferrograd')), '..')
    const addon = readdirSync(join(root, 'native')).find((f) => f.endsWith('.node'))
    const built = addon ? statSync(join(root, 'native', addon)).mtime.toISOString().slice(0, 19).replace('T', ' ') : 'unknown'
    let commit = 'unknown'
    try {
      commit = execFileSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
      const dirty = execFileSync('git', ['-C', root, 'status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
      if (dirty) commit += '+changes'
    } catch {}
    return { commit, addonBuilt: built }
  } catch {
    return { commit: 'unknown', addonBuilt: 'unknown' }
  }
}

// ---- main ---------------------------------------------------------------------------------------

const log = (...a) => process.stderr.write(a.join(' ') + '\n')
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0)
  throw e
})

async function main() {
  if (flag('--md')) {
    const path = positional[0] ?? join(here, 'results', 'ops.json')
    const results = JSON.parse(readFileSync(path, 'utf8'))
    process.stdout.write(writeResults(results, path))
    return
  }

  const cov = coverage()
  for (const w of cov.warnings) log(`warning: ${w}`)
  const summary = `coverage: ${cov.exported.length} exports (${cov.covered.length} with cases, ${cov.excluded.length} in NOT_OPS), ${CASES.length} cases (${CASES.filter((c) => c.bwd).length} fwd+bwd)`
  if (cov.errors.length) {
    for (const e of cov.errors) log(`error: ${e}`)
    log(summary)
    process.exit(2)
  }
  if (flag('--check')) {
    console.log(`${summary}: ok`)
    return
  }

  const pattern = positional[0] ? new RegExp(positional[0]) : null
  const cases = CASES.filter((c) => !pattern || pattern.test(c.name))
  if (flag('--list')) {
    for (const c of cases) console.log(c.name)
    return
  }
  if (!cases.length) {
    log(`no case matches /${positional[0]}/`)
    process.exit(1)
  }
  const full = !pattern && !QUICK && ROUNDS >= 3 && THREADS.length >= 2
  const out = join(here, 'results', full ? 'ops.json' : 'ops-partial.json')

  const peer = new Peer()
  const hello = await peer.ask({ cmd: 'hello' }).catch((e) => {
    log(`error: PyTorch's side did not start (${e.message}); set PYTHON to an interpreter with torch`)
    process.exit(1)
  })
  const torchKnows = (op) => {
    const [space, name] = op.split(/\.(.*)/s)
    return space === 'nn' ? hello.modules.includes(name) : hello.ops.includes(name)
  }
  const unknown = [...new Set(cases.filter((c) => !torchKnows(c.op)).map((c) => c.op))]
  if (unknown.length) {
    log(`error: ops_torch.py has no mapping for ${unknown.join(', ')}`)
    peer.close()
    process.exit(2)
  }

  const started = Date.now()
  const results = {
    meta: {
      date: new Date().toISOString().slice(0, 16).replace('T', ' '),
      cpu: `${cpus()[0]?.model ?? 'unknown CPU'} x${cpus().length}`,
      node: process.versions.node,
      simd: fg.simdLevel(),
      build: buildOf(),
      torch: hello.torch,
      python: hello.python,
      rounds: ROUNDS,
      threads: THREADS,
      quick: QUICK,
      filter: pattern ? pattern.source : null,
      budgetMs: { disposed: BUDGET * 1e3, gc: GC_BUDGET * 1e3, torch: BUDGET * 1e3, minBlock: MIN_BLOCK * 1e3, gcBlock: GC_BLOCK * 1e3 },
      exports: cov.exported.length,
      casesTotal: CASES.length,
      wallSeconds: 0,
    },
    cases: cases.map((c) => ({ ...c, raw: { t: Object.fromEntries(THREADS.map((t) => [t, { ours: [], gc: [], torch: [], errors: {} }])) } })),
  }
  log(`${summary}; timing ${cases.length} case(s), ${ROUNDS} round(s), threads ${THREADS.join(',')}, PyTorch ${hello.torch}; results -> ${out}`)

  /** One timing of case `c` at every thread count: ours disposed, ours GC'd, PyTorch's, alternating. */
  async function timeCase(c, i, round, attempt) {
    const seed = round * 100003 + i
    fg.manualSeed(seed)
    let ours = null
    let oursError = null
    try {
      ours = buildOurs(c)
    } catch (e) {
      oursError = errorText(e)
    }
    const got = {}
    for (const th of THREADS) {
      fg.setNumThreads(th)
      const r = (got[th] = { ours: null, gc: null, torch: null, errors: {} })
      if (ours && !oursError) {
        try {
          collect()
          const o = measure(ours.disposed, BUDGET, MIN_BLOCK).s * 1e6
          collect()
          const g = measure(ours.gc, GC_BUDGET, GC_BLOCK, 50).s * 1e6
          collect()
          Object.assign(r, { ours: o, gc: g })
        } catch (e) {
          oursError = errorText(e)
        }
      }
      if (oursError) r.errors.ours = oursError
      try {
        const a = await peer.ask({ cmd: 'time', key: `${round}.${attempt}:${c.name}`, case: c, threads: th, budget: BUDGET, min_block: MIN_BLOCK, seed })
        if (a.error) r.errors.torch = a.error
        else r.torch = a.us
      } catch (e) {
        r.errors.torch = errorText(e)
      }
    }
    if (ours) {
      try {
        ours.free()
      } catch {}
    }
    return got
  }

  const pid = peer.child.pid
  let noisy = 0
  let waited = 0
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, c] of results.cases.entries()) {
      const t0 = now()
      let stop = loadMeter(pid)
      let got = await timeCase(c, i, round, 0)
      let load = stop()
      if (load !== null && load > NOISY && waited < TOTAL_WAIT) {
        log(`  other processes used ${Math.round(load * 100)}% of the CPUs while timing ${c.name}: waiting up to ${MAX_WAIT} s for a quiet spell to time it again`)
        const w0 = now()
        const quiet = await waitForQuiet(pid, Math.min(MAX_WAIT, TOTAL_WAIT - waited))
        waited += now() - w0
        if (quiet) {
          stop = loadMeter(pid)
          got = await timeCase(c, i, round, 1)
          load = stop()
        }
      }
      if (load !== null && load > NOISY) noisy++
      ;(c.raw.load ??= []).push(load === null ? null : Math.round(load * 1000) / 1000)
      ;(c.raw.seconds ??= []).push(Math.round((now() - t0) * 1000) / 1000)
      const shown = []
      for (const th of THREADS) {
        const r = got[th]
        const raw = c.raw.t[th]
        if (r.ours !== null) raw.ours.push(r.ours)
        if (r.gc !== null) raw.gc.push(r.gc)
        if (r.torch !== null) raw.torch.push(r.torch)
        Object.assign(raw.errors, r.errors)
        shown.push(`${th}t ${fmtUs(r.ours)} / ${fmtUs(r.gc)} / ${fmtUs(r.torch)} µs ${r.ours && r.torch ? fmtX(r.torch / r.ours) : '–'}`)
      }
      const done = round * cases.length + i + 1
      const left = ((Date.now() - started) / done) * (ROUNDS * cases.length - done)
      const err = got[THREADS[0]].errors
      log(
        `[${round + 1}/${ROUNDS} ${i + 1}/${cases.length} ~${Math.ceil(left / 60000)} min left] ${c.name}: ${shown.join(' | ')}` +
          (load !== null && load > 0.1 ? ` (others ${Math.round(load * 100)}%)` : '') +
          (err.ours ? `  ours: ${err.ours}` : '') +
          (err.torch ? `  torch: ${err.torch}` : ''),
      )
    }
    results.meta.noisyTimings = noisy
    results.meta.waitedSeconds = Math.round(waited)
    await peer.ask({ cmd: 'drop' }).catch(() => {})
    results.meta.wallSeconds = (Date.now() - started) / 1e3
    writeResults(results, out)
  }
  peer.close()
  results.meta.wallSeconds = (Date.now() - started) / 1e3
  process.stdout.write(writeResults(results, out))
  log(`wrote ${out} and ${out.replace(/\.json$/, '.md')} in ${(results.meta.wallSeconds / 60).toFixed(1)} min`)
}

await main()
