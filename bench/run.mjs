// The benchmark suite: runs every peer script alone, one after another, as a child
// process, at each thread count; collects their JSON; writes results/latest.json,
// results/chart.svg and the tables of ../BENCHMARKS.md (between its results markers),
// and prints the tables.
//
//   npm run bench [-- options]        (node run.mjs [options])
//
//   --quick            smoke-test settings (seconds per peer); writes results/quick/ only,
//                      leaves BENCHMARKS.md alone
//   --peers a,b        only these peers (ferrograd, pytorch, numpy, tfjs-cpu, tfjs-wasm, brain.js);
//                      the other peers' figures already in latest.json are kept
//   --threads 1,2      thread counts (default 1,2)
//   --repeats R        training runs per task (default: the peers' own, 5)
//   --tasks a,b        only these tasks
//   --fresh            start latest.json afresh instead of keeping other peers' figures
//
// Env: PYTHON (default python3) runs the Python peers. A peer whose script, library or
// Python module is missing is skipped with a message; a peer that crashes stops the run
// (exit code 1) before any results file is written.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { markdownTables, machineLine, PEER_ORDER, TASKS, writeReport } from './report.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const PYTHON = process.env.PYTHON || 'python3'
const DATA = join(here, '.data', 'mnist-split.safetensors')
const require = createRequire(join(here, 'package.json'))

const PEERS = {
  ferrograd: { script: 'peers/ferrograd.mjs', threaded: true, packages: ['ferrograd'] },
  pytorch: { script: 'pytorch_bench.py', python: ['torch', 'numpy', 'safetensors'], threaded: true },
  numpy: { script: 'numpy_mlp.py', python: ['numpy', 'safetensors'], threaded: true },
  'tfjs-cpu': { script: 'peers/tfjs.mjs', args: ['--backend', 'cpu'], packages: ['@tensorflow/tfjs'] },
  // The wasm backend's threaded build does not load in Node (see peers/tfjs.mjs), so one run serves every thread count.
  'tfjs-wasm': { script: 'peers/tfjs.mjs', args: ['--backend', 'wasm'], packages: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm'] },
  'brain.js': { script: 'peers/brain.mjs', packages: ['brain.js'] },
}

function parseArgs(argv) {
  const o = { quick: false, peers: PEER_ORDER, threads: [1, 2], repeats: null, tasks: null, fresh: false }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`)
      return argv[++i]
    }
    const list = (s) => s.split(',').map((x) => x.trim()).filter(Boolean)
    if (a === '--quick') o.quick = true
    else if (a === '--fresh') o.fresh = true
    else if (a === '--peers') o.peers = list(next())
    else if (a === '--threads') o.threads = list(next()).map(Number)
    else if (a === '--repeats') o.repeats = Number(next())
    else if (a === '--tasks') o.tasks = list(next())
    else if (a === '--help' || a === '-h') {
      console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\nimport ')[0].replace(/^\/\/ ?/gm, ''))
      process.exit(0)
    } else throw new Error(`unknown argument ${a} (see --help)`)
  }
  for (const p of o.peers) if (!PEERS[p]) throw new Error(`unknown peer ${p}; known: ${Object.keys(PEERS).join(', ')}`)
  for (const t of o.tasks ?? []) if (!TASKS.some((x) => x.id === t)) throw new Error(`unknown task ${t}; known: ${TASKS.map((x) => x.id).join(', ')}`)
  if (!o.threads.length || o.threads.some((t) => !(Number.isInteger(t) && t >= 1))) throw new Error('--threads takes positive integers, e.g. 1,2')
  if (o.repeats != null && !(Number.isInteger(o.repeats) && o.repeats >= 1)) throw new Error('--repeats takes a positive integer')
  return o
}

function firstLine(s) {
  return String(s ?? '').trim().split('\n').filter(Boolean).at(-1) ?? ''
}

/** Why a peer cannot run here, or null when it can. */
function missing(name) {
  const p = PEERS[name]
  if (!existsSync(join(here, p.script))) return `${p.script} does not exist`
  for (const pkg of p.packages ?? []) {
    try {
      require.resolve(pkg)
    } catch {
      return `npm package ${pkg} is not installed (run npm install in bench/)`
    }
  }
  if (p.python) {
    const r = spawnSync(PYTHON, ['-c', `import ${p.python.join(', ')}`], { encoding: 'utf8' })
    if (r.error) return `no Python at PYTHON=${PYTHON} (${r.error.code ?? r.error.message})`
    if (r.status !== 0) {
      return `${PYTHON} cannot import ${p.python.join(', ')}: ${firstLine(r.stderr)} (pip install -r requirements.txt, or set PYTHON)`
    }
  }
  return null
}

function commandOf(name, threads, o) {
  const p = PEERS[name]
  const args = [join(here, p.script), ...(p.args ?? []), '--threads', String(threads), '--data', DATA]
  if (o.quick) args.push('--quick')
  if (o.repeats != null) args.push('--repeats', String(o.repeats))
  if (o.tasks) args.push('--tasks', o.tasks.join(','))
  return [p.python ? PYTHON : process.execPath, args]
}

class PeerCrash extends Error {}

/** Runs one peer at one thread count; its stderr streams through, its last stdout line is the JSON. */
function runPeer(name, threads, o) {
  const [cmd, args] = commandOf(name, threads, o)
  console.error(`\n=== ${name}, ${threads} thread(s): ${[cmd === process.execPath ? 'node' : cmd, ...args.map((a) => a.replace(here + '/', ''))].join(' ')}`)
  const t0 = process.hrtime.bigint()
  const r = spawnSync(cmd, args, { cwd: here, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 256 << 20 })
  const wall = Number(process.hrtime.bigint() - t0) / 1e9
  if (r.error) throw new PeerCrash(`${name}: could not start ${cmd}: ${r.error.message}`)
  if (r.status !== 0) {
    throw new PeerCrash(`${name} (${threads} thread(s)) failed with ${r.signal ? `signal ${r.signal}` : `exit code ${r.status}`} after ${wall.toFixed(0)} s; its stderr is above`)
  }
  const last = firstLine(r.stdout)
  let out
  try {
    out = JSON.parse(last)
  } catch {
    throw new PeerCrash(`${name}: the last line of its stdout is not JSON: ${last.slice(0, 300)}`)
  }
  if (out.peer !== name || typeof out.results !== 'object') {
    throw new PeerCrash(`${name}: unexpected JSON (peer "${out.peer}", results ${typeof out.results})`)
  }
  out.wall_s = Number(wall.toFixed(1))
  out.date = new Date().toISOString()
  console.error(`=== ${name}, ${threads} thread(s): done in ${wall.toFixed(0)} s`)
  return out
}

/** The CPU's model name from /proc/cpuinfo, with its family/model and vector extensions. */
function cpuModel() {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8')
    const field = (k) => info.match(new RegExp(`^${k}\\s*:\\s*(.+)$`, 'm'))?.[1].trim()
    const name = field('model name')
    if (name) {
      const flags = new Set((field('flags') ?? '').split(/\s+/))
      const ext = ['avx2', 'fma', 'avx512f', 'avx512_bf16', 'amx_tile'].filter((f) => flags.has(f)).map((f) => f.toUpperCase())
      const fam = field('cpu family') != null ? `family ${field('cpu family')} model ${field('model')}` : null
      const detail = [fam, ext.join(', ')].filter(Boolean).join('; ')
      return detail ? `${name} (${detail})` : name
    }
  } catch {}
  return os.cpus()[0]?.model ?? 'unknown CPU'
}

function machine() {
  const py = spawnSync(PYTHON, ['--version'], { encoding: 'utf8' })
  return {
    cpu: cpuModel(),
    cores: os.availableParallelism?.() ?? os.cpus().length,
    memory_gib: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    python: py.status === 0 ? firstLine(py.stdout || py.stderr) : null,
    loadavg_at_start: os.loadavg().map((x) => Number(x.toFixed(2))),
  }
}

function main() {
  const o = parseArgs(process.argv.slice(2))
  const outDir = join(here, 'results', ...(o.quick ? ['quick'] : []))
  const started = Date.now()

  if (!existsSync(DATA)) {
    console.error(`no ${DATA}: running prepare-data.mjs`)
    const r = spawnSync(process.execPath, [join(here, 'prepare-data.mjs'), DATA], { cwd: here, stdio: 'inherit' })
    if (r.status !== 0) throw new PeerCrash('prepare-data.mjs failed')
  }

  const skipped = {}
  const available = []
  for (const name of o.peers) {
    const why = missing(name)
    if (why) {
      skipped[name] = why
      console.error(`skipping ${name}: ${why}`)
    } else available.push(name)
  }
  if (!available.length) throw new PeerCrash('no peer can run')

  const runs = {}
  const singleRun = {}
  for (const t of o.threads) {
    runs[t] = {}
    for (const name of available) {
      if (!PEERS[name].threaded && singleRun[name]) {
        runs[t][name] = { ...singleRun[name].out, reused_from_threads: singleRun[name].threads }
        continue
      }
      const out = runPeer(name, t, o)
      runs[t][name] = out
      if (!PEERS[name].threaded) singleRun[name] = { out, threads: t }
    }
  }

  const file = join(outDir, 'latest.json')
  const m = machine()
  let data = { date: new Date().toISOString(), quick: o.quick, machine: m, threads: o.threads, runs, skipped }
  if (!o.fresh && existsSync(file)) {
    // Keep the figures of peers not run this time, when they were measured on this CPU.
    const old = JSON.parse(readFileSync(file, 'utf8'))
    if (old.machine?.cpu === m.cpu && old.machine?.cores === m.cores && Boolean(old.quick) === o.quick) {
      const merged = {}
      for (const t of new Set([...Object.keys(old.runs ?? {}), ...Object.keys(runs)])) {
        merged[t] = { ...(old.runs?.[t] ?? {}), ...(runs[t] ?? {}) }
      }
      // A single-threaded peer run now stands for every thread count.
      for (const [name, { out, threads }] of Object.entries(singleRun)) {
        for (const t of Object.keys(merged)) if (Number(t) !== threads) merged[t][name] = { ...out, reused_from_threads: threads }
      }
      const kept = Object.entries(merged).flatMap(([t, ps]) => Object.keys(ps).filter((p) => !runs[t]?.[p]).map((p) => `${p}@${t}`))
      if (kept.length) console.error(`kept from the previous ${file}: ${kept.join(', ')}`)
      data = { ...data, threads: Object.keys(merged).map(Number).sort((a, b) => a - b), runs: merged }
      for (const p of Object.keys(skipped)) if (Object.values(merged).some((ps) => ps[p])) skipped[p] += ' (figures kept from an earlier run)'
    } else {
      console.error(`${file} was measured on another machine or mode: replacing it`)
    }
  }

  mkdirSync(outDir, { recursive: true })
  writeFileSync(file, JSON.stringify(data, null, 1) + '\n')
  const md = writeReport(data, outDir, { markdown: !o.quick })
  console.log(`\n${machineLine(data.machine)}\n`)
  console.log(markdownTables(data))
  console.error(`\nwrote ${file}, ${join(outDir, 'chart.svg')}${md ? `, ${md}` : ''} in ${((Date.now() - started) / 1000).toFixed(0)} s`)
}

try {
  main()
} catch (e) {
  if (!(e instanceof PeerCrash)) throw e
  console.error(`\nbench: ${e.message}`)
  process.exit(1)
}
