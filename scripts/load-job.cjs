// One training job of the load run (scripts/load.mts), shared by the main thread and
// its worker threads so both run exactly the same code. As a worker it trains each
// job it is sent and answers with the weights.
'use strict'
const fg = require('..')
const { parentPort, isMainThread } = require('node:worker_threads')

/** Data, model and optimizer of job `seed`, built synchronously from the seed alone. */
function setup(seed) {
  fg.manualSeed(seed)
  const x = fg.randn([2048, 16])
  // A non-linear 4-class problem: the sign pattern of two sums.
  const y = x.narrow(1, 0, 8).sum(1).gt(0).long().mul(2).add(x.narrow(1, 8, 8).sum(1).gt(0).long())
  const model = new fg.nn.Sequential(new fg.nn.Linear(16, 128), new fg.nn.ReLU(), new fg.nn.Linear(128, 64), new fg.nn.Tanh(), new fg.nn.Linear(64, 4))
  const optimizer = seed % 2 === 0 ? new fg.optim.Adam(model.parameters(), { lr: 0.01 }) : new fg.optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 })
  return { x, y, model, optimizer, loss: new fg.nn.CrossEntropyLoss() }
}

/** Every parameter's bytes, concatenated: compared bit for bit. */
function weights(model) {
  const parts = model.parameters().map((p) => p.toFloat32Array())
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/** Trains job `seed` with a plain synchronous loop (what a worker does). */
function trainSync(seed, epochs) {
  const { x, y, model, optimizer, loss } = setup(seed)
  const loader = new fg.data.DataLoader(new fg.data.TensorDataset(x, y), { batchSize: 32, shuffle: true, seed })
  for (let e = 0; e < epochs; e++) {
    for (const [xb, yb] of loader) {
      optimizer.zeroGrad()
      loss.forward(model.forward(xb), yb).backward()
      optimizer.step()
    }
  }
  return weights(model)
}

/** Trains job `seed` with `model.fit` (what the main thread runs, eight at once). */
async function trainFit(seed, epochs) {
  const { x, y, model, optimizer, loss } = setup(seed)
  await model.fit(x, y, { optimizer, loss, epochs, batchSize: 32, shuffle: true, seed })
  return weights(model)
}

if (!isMainThread && parentPort) {
  parentPort.on('message', ({ seed, epochs }) => {
    const w = trainSync(seed, epochs)
    parentPort.postMessage({ seed, weights: w }, [w.buffer])
  })
}

module.exports = { trainSync, trainFit }
