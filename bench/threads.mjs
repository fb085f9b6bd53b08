// Time per training step of the MNIST MLP (784-128-10, batch 64, SGD) at 1 and 2
// threads, three alternating rounds of 300 steps (this machine is noisy).
//
//   cd bench && npm install && node threads.mjs
import * as fg from 'ferrograd'

function stepMicros(threads) {
  fg.setNumThreads(threads)
  fg.manualSeed(0)
  const model = new fg.nn.Sequential(new fg.nn.Linear(784, 128), new fg.nn.ReLU(), new fg.nn.Linear(128, 10))
  const opt = new fg.optim.SGD(model.parameters(), { lr: 0.1 })
  const lossFn = new fg.nn.CrossEntropyLoss()
  const x = fg.rand([64, 784])
  const y = fg.randint(0, 10, [64])
  const step = () => {
    const loss = lossFn.forward(model.forward(x), y)
    opt.zeroGrad()
    loss.backward()
    opt.step()
  }
  for (let i = 0; i < 30; i++) step()
  const t = process.hrtime.bigint()
  for (let i = 0; i < 300; i++) step()
  return Number(process.hrtime.bigint() - t) / 300 / 1e3
}

for (let round = 1; round <= 3; round++) {
  console.log(`round ${round}: 1 thread ${stepMicros(1).toFixed(0)} µs/step, 2 threads ${stepMicros(2).toFixed(0)} µs/step`)
}
