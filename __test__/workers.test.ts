import { Worker } from 'node:worker_threads'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'

/** Trains a small MLP from `seed` and returns its final loss and a weight checksum. */
const TRAIN = `
const fg = require(${JSON.stringify(join(__dirname, '..', 'dist', 'index.js'))})
const { parentPort, workerData } = require('node:worker_threads')
function train(seed) {
  fg.manualSeed(seed)
  const x = fg.randn([128, 8])
  const y = x.sum(1).gt(0).long()
  const model = new fg.nn.Sequential(new fg.nn.Linear(8, 32), new fg.nn.ReLU(), new fg.nn.Linear(32, 2))
  const opt = new fg.optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 })
  let loss = 0
  for (let i = 0; i < 300; i++) {
    opt.zeroGrad()
    const l = fg.nn.functional.crossEntropy(model.forward(x), y)
    l.backward()
    opt.step()
    loss = l.item()
  }
  return { loss, checksum: model.parameters().map((p) => p.sum().item()) }
}
if (parentPort) parentPort.postMessage(train(workerData))
module.exports = { train }
`

/** Trains a small MLP with `model.fit` from `seed`: its history and a weight checksum. */
const FIT = `
const fg = require(${JSON.stringify(join(__dirname, '..', 'dist', 'index.js'))})
const { parentPort, workerData } = require('node:worker_threads')
async function fitOnce(seed, offThread) {
  fg.manualSeed(seed)
  const x = fg.randn([200, 8])
  const y = x.sum(1).gt(0).long()
  const model = new fg.nn.Sequential(new fg.nn.Linear(8, 32), new fg.nn.ReLU(), new fg.nn.Dropout(0.2), new fg.nn.Linear(32, 2))
  const optimizer = new fg.optim.Adam(model.parameters(), { lr: 0.01 })
  const h = await model.fit(x, y, { optimizer, loss: new fg.nn.CrossEntropyLoss(), epochs: 3, batchSize: 64, offThread })
  return { loss: h.loss, offThread: h.offThread, checksum: model.parameters().map((p) => p.sum().item()) }
}
if (parentPort) fitOnce(workerData, 'auto').then((r) => parentPort.postMessage(r))
module.exports = { fitOnce }
`

/** What FIT reports. */
interface FitResult {
  loss: number[]
  offThread: boolean
  checksum: number[]
}

/** A fit long enough to be cut short: says when its first epoch is under way. */
const FIT_FOREVER = `
const fg = require(${JSON.stringify(join(__dirname, '..', 'dist', 'index.js'))})
const { parentPort } = require('node:worker_threads')
const x = fg.randn([20000, 256])
const y = x.sum(1).gt(0).long()
const model = new fg.nn.Sequential(new fg.nn.Linear(256, 512), new fg.nn.ReLU(), new fg.nn.Linear(512, 2))
const optimizer = new fg.optim.SGD(model.parameters(), { lr: 0.01 })
model.fit(x, y, { optimizer, loss: new fg.nn.CrossEntropyLoss(), epochs: 1000, batchSize: 64 })
setTimeout(() => parentPort.postMessage('running'), 100)
`

/** Threads of this process that run fits natively (`ferrograd-fit`). */
function fitThreads(): number {
  return readdirSync('/proc/self/task').filter((t) => {
    try {
      return readFileSync(`/proc/self/task/${t}/comm`, 'utf8').trim() === 'ferrograd-fit'
    } catch {
      return false
    }
  }).length
}

function inWorker(seed: number, code = TRAIN): Promise<{ loss: number; checksum: number[] } | FitResult> {
  return new Promise((resolve, reject) => {
    const w = new Worker(code, { eval: true, workerData: seed })
    w.once('message', resolve)
    w.once('error', reject)
  })
}

describe('worker_threads', () => {
  test('four workers load the addon and train at once, each with the single-thread result', async () => {
    const seeds = [1, 2, 3, 4]
    const results = await Promise.all(seeds.map((s) => inWorker(s)))
    // The same training on this thread, one after another.
    const mod = { exports: {} as { train: (s: number) => { loss: number; checksum: number[] } } }
    new Function('require', 'module', '__dirname', TRAIN)(require, mod, __dirname)
    for (const [i, seed] of seeds.entries()) {
      expect(results[i]).toEqual(mod.exports.train(seed))
      expect(results[i].loss).toBeLessThan(0.3)
    }
  })

  test('four workers train with model.fit off their thread at once, each as fit on one thread does', async () => {
    const seeds = [5, 6, 7, 8]
    const results = await Promise.all(seeds.map((s) => inWorker(s, FIT)))
    const mod = { exports: {} as { fitOnce: (s: number, offThread: string) => Promise<FitResult> } }
    new Function('require', 'module', '__dirname', FIT)(require, mod, __dirname)
    for (const [i, seed] of seeds.entries()) {
      const here = await mod.exports.fitOnce(seed, 'never')
      expect(here.offThread).toBe(false)
      expect(results[i]).toEqual({ ...here, offThread: true })
    }
  })

  test.runIf(process.platform === 'linux')('a worker terminated while its fit runs natively ends cleanly, and the process goes on', async () => {
    const w = new Worker(FIT_FOREVER, { eval: true })
    await new Promise((resolve) => w.once('message', resolve))
    // Its runner thread is mid-epoch: the promise it would settle belongs to an
    // environment that is going away.
    expect(await w.terminate()).toBe(1)
    // The teardown stops the runner's thread after its current batch.
    const deadline = Date.now() + 10_000
    while (fitThreads() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    expect(fitThreads()).toBe(0)
    const again = await inWorker(9, FIT)
    expect((again as FitResult).offThread).toBe(true)
  })

  test.runIf(process.platform === 'linux')('a predict or fit that runs wholly on the JS thread starts no runner thread', async () => {
    const deadline = Date.now() + 10_000
    while (fitThreads() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    const mod = { exports: {} as { fitOnce: (s: number, offThread: string) => Promise<FitResult> } }
    new Function('require', 'module', '__dirname', FIT)(require, mod, __dirname)
    const fg = require('../dist/index.js') as typeof import('../ts/index')
    const model = new fg.nn.Sequential(new fg.nn.Linear(8, 2))
    await model.predict(fg.randn([10, 8]))
    await mod.exports.fitOnce(3, 'never')
    expect(fitThreads()).toBe(0)
  })
})
