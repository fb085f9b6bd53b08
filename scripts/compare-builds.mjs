#!/usr/bin/env node
// Times the same work against two builds, alternating runs (this machine is shared
// and noisy) and reporting medians and the ratio.
//
//   node scripts/compare-builds.mjs A.node B.node [A-dist B-dist]
// A build is its native binary and, when the TypeScript layer changed too, the
// dist/ directory built with it (default: this checkout's dist/ for both). Work per
// run, each in a fresh process: 200 training steps of the MNIST MLP (784-128-10,
// batch 64, SGD), 100,000 calls of a 1x1 add, and elementwise ops, a broadcast add
// and a reduction over 1e6 floats (medians of 30 calls, results disposed).
import { execFileSync } from 'node:child_process'
import { resolve } from 'node:path'

const [a, b, distA = 'dist', distB = distA] = process.argv.slice(2).map((p) => resolve(p))
if (!a || !b) {
  console.error('usage: node scripts/compare-builds.mjs A.node B.node [A-dist B-dist]')
  process.exit(2)
}
const work = (dist) => `
const fg = require(${JSON.stringify(resolve(dist, 'index.js'))})
fg.manualSeed(0)
const model = new fg.nn.Sequential(new fg.nn.Linear(784, 128), new fg.nn.ReLU(), new fg.nn.Linear(128, 10))
const opt = new fg.optim.SGD(model.parameters(), { lr: 0.1 })
const lossFn = new fg.nn.CrossEntropyLoss()
const x = fg.rand([64, 784]); const y = fg.tensor(Array.from({ length: 64 }, (_, i) => i % 10), { dtype: 'int64' })
for (let i = 0; i < 20; i++) { const l = lossFn.forward(model.forward(x), y); opt.zeroGrad(); l.backward(); opt.step() }
let t = process.hrtime.bigint()
for (let i = 0; i < 200; i++) { const l = lossFn.forward(model.forward(x), y); opt.zeroGrad(); l.backward(); opt.step() }
const out = { step: Number(process.hrtime.bigint() - t) / 200 / 1e3 }
const p = fg.tensor([1]); const q = fg.tensor([2])
for (let i = 0; i < 10000; i++) p.add(q)
t = process.hrtime.bigint()
for (let i = 0; i < 100000; i++) p.add(q)
out.add = Number(process.hrtime.bigint() - t) / 100000 / 1e3
const big = fg.randn([1000, 1000]); const col = fg.randn([1000, 1])
const ops = { gelu: () => big.gelu(), tanh: () => big.tanh(), relu: () => big.relu(), addScalar: () => big.add(1), addBroadcast: () => big.add(col), sumRows: () => big.sum(1) }
for (const [name, f] of Object.entries(ops)) {
  for (let i = 0; i < 5; i++) f().dispose()
  const times = []
  for (let i = 0; i < 30; i++) { const s = process.hrtime.bigint(); f().dispose(); times.push(Number(process.hrtime.bigint() - s) / 1e3) }
  out[name] = times.sort((u, v) => u - v)[15]
}
console.log(JSON.stringify(out))`
const once = (lib, dist) =>
  JSON.parse(execFileSync(process.execPath, ['-e', work(dist)], { env: { ...process.env, NAPI_RS_NATIVE_LIBRARY_PATH: lib }, encoding: 'utf8' }))
const runs = { a: [], b: [] }
for (let i = 0; i < 7; i++) {
  runs.a.push(once(a, distA))
  runs.b.push(once(b, distB))
}
const median = (xs) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)]
const LABELS = { step: 'MLP training step', add: '1x1 add', gelu: 'gelu 1e6', tanh: 'tanh 1e6', relu: 'relu 1e6', addScalar: 'add number 1e6', addBroadcast: 'add [1e3,1] 1e6', sumRows: 'sum(1) 1e6' }
for (const [key, label] of Object.entries(LABELS)) {
  const ma = median(runs.a.map((r) => r[key]))
  const mb = median(runs.b.map((r) => r[key]))
  console.log(`${(label + ' (µs)').padEnd(24)} A ${ma.toFixed(3).padStart(10)}  B ${mb.toFixed(3).padStart(10)}  A/B ${(ma / mb).toFixed(3)}`)
}
