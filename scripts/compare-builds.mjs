#!/usr/bin/env node
// Times the same work against two builds of the native binary, alternating runs
// (this machine is shared and noisy) and reporting medians and the ratio.
//
//   node scripts/compare-builds.mjs A.node B.node
// Work per run, each in a fresh process: 200 training steps of the MNIST MLP
// (784-128-10, batch 64, SGD) and 100,000 calls of a 1x1 add.
import { execFileSync } from 'node:child_process'
import { resolve } from 'node:path'

const [a, b] = process.argv.slice(2).map((p) => resolve(p))
if (!a || !b) {
  console.error('usage: node scripts/compare-builds.mjs A.node B.node')
  process.exit(2)
}
const work = `
const fg = require(${JSON.stringify(resolve('dist/index.js'))})
fg.manualSeed(0)
const model = new fg.nn.Sequential(new fg.nn.Linear(784, 128), new fg.nn.ReLU(), new fg.nn.Linear(128, 10))
const opt = new fg.optim.SGD(model.parameters(), { lr: 0.1 })
const lossFn = new fg.nn.CrossEntropyLoss()
const x = fg.rand([64, 784]); const y = fg.tensor(Array.from({ length: 64 }, (_, i) => i % 10), { dtype: 'int64' })
for (let i = 0; i < 20; i++) { const l = lossFn.forward(model.forward(x), y); opt.zeroGrad(); l.backward(); opt.step() }
let t = process.hrtime.bigint()
for (let i = 0; i < 200; i++) { const l = lossFn.forward(model.forward(x), y); opt.zeroGrad(); l.backward(); opt.step() }
const step = Number(process.hrtime.bigint() - t) / 200 / 1e3
const p = fg.tensor([1]); const q = fg.tensor([2])
for (let i = 0; i < 10000; i++) p.add(q)
t = process.hrtime.bigint()
for (let i = 0; i < 100000; i++) p.add(q)
const add = Number(process.hrtime.bigint() - t) / 100000 / 1e3
console.log(JSON.stringify({ step, add }))`
const once = (lib) =>
  JSON.parse(execFileSync(process.execPath, ['-e', work], { env: { ...process.env, NAPI_RS_NATIVE_LIBRARY_PATH: lib }, encoding: 'utf8' }))
const runs = { a: [], b: [] }
for (let i = 0; i < 7; i++) {
  runs.a.push(once(a))
  runs.b.push(once(b))
}
const median = (xs) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)]
for (const key of ['step', 'add']) {
  const ma = median(runs.a.map((r) => r[key]))
  const mb = median(runs.b.map((r) => r[key]))
  const label = key === 'step' ? 'MLP training step (µs)' : '1x1 add (µs per op)'
  console.log(`${label.padEnd(24)} A ${ma.toFixed(3).padStart(9)}  B ${mb.toFixed(3).padStart(9)}  A/B ${(ma / mb).toFixed(3)}`)
}
