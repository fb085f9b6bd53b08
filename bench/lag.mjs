// Event-loop lag while model.fit trains the MNIST MLP (issue 6): a 1 ms
// setInterval records how late each tick is; prints p50, p99 and max.
//   cd bench && node lag.mjs
import { createRequire } from 'node:module'

const fg = createRequire(import.meta.url)('ferrograd')
const { train, test } = fg.data.mnist()
const [x, y] = [train[0].flatten(1), train[1]]
fg.manualSeed(0)
const model = new fg.nn.Sequential(new fg.nn.Linear(784, 128), new fg.nn.ReLU(), new fg.nn.Linear(128, 10))
const optimizer = new fg.optim.SGD(model.parameters(), { lr: 0.1 })

const lags = []
let last = performance.now()
const timer = setInterval(() => {
  const now = performance.now()
  lags.push(Math.max(0, now - last - 1))
  last = now
}, 1)
const started = performance.now()
const history = await model.fit(x, y, { optimizer, loss: new fg.nn.CrossEntropyLoss(), epochs: 5, batchSize: 64, seed: 0 })
const seconds = (performance.now() - started) / 1000
clearInterval(timer)

lags.sort((a, b) => a - b)
const q = (p) => lags[Math.min(lags.length - 1, Math.floor(p * lags.length))]
const accuracy = (await model.predict(test[0].flatten(1))).argmax(1).eq(test[1]).float().mean().item()
console.log(`fit: 5 epochs of the MNIST MLP in ${seconds.toFixed(2)} s, final loss ${history.loss.at(-1).toFixed(4)}, test accuracy ${accuracy.toFixed(4)}`)
console.log(`event-loop lag of a 1 ms timer over ${lags.length} ticks: p50 ${q(0.5).toFixed(2)} ms, p99 ${q(0.99).toFixed(2)} ms, max ${lags.at(-1).toFixed(2)} ms`)
