import { Worker } from 'node:worker_threads'
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

function inWorker(seed: number): Promise<{ loss: number; checksum: number[] }> {
  return new Promise((resolve, reject) => {
    const w = new Worker(TRAIN, { eval: true, workerData: seed })
    w.once('message', resolve)
    w.once('error', reject)
  })
}

describe('worker_threads', () => {
  test('four workers load the addon and train at once, each with the single-thread result', async () => {
    const seeds = [1, 2, 3, 4]
    const results = await Promise.all(seeds.map(inWorker))
    // The same training on this thread, one after another.
    const mod = { exports: {} as { train: (s: number) => { loss: number; checksum: number[] } } }
    new Function('require', 'module', '__dirname', TRAIN)(require, mod, __dirname)
    for (const [i, seed] of seeds.entries()) {
      expect(results[i]).toEqual(mod.exports.train(seed))
      expect(results[i].loss).toBeLessThan(0.3)
    }
  })
})
