// Runs training steps of the MNIST MLP (or the CNN) in a loop, for a profiler to
// watch. BENCHMARKS.md's "Where the time goes" comes from:
//
//   perf record -F 2000 -o step.perf node --perf-basic-prof profile-step.mjs mlp 20000
//   perf report -i step.perf --no-children --sort dso,symbol
//
// with a native build that keeps its symbols (see bench/README.md).
import * as fg from 'ferrograd'
import { loadMnist } from './peers/js-common.mjs'

const [net = 'mlp', stepsArg = '20000'] = process.argv.slice(2)
const steps = Number(stepsArg)
fg.setNumThreads(Number(process.env.FERROGRAD_THREADS ?? 1))
fg.manualSeed(0)
const data = loadMnist()
const x = fg.tensor(data.trainX.subarray(0, 64 * 784), { dtype: 'float32' }).reshape(64, 784)
const y = fg.tensor(Array.from(data.trainY.subarray(0, 64)), { dtype: 'int64' })
const model =
  net === 'cnn'
    ? new fg.nn.Sequential(
        new fg.nn.Conv2d(1, 16, 5, { padding: 2 }), new fg.nn.ReLU(), new fg.nn.MaxPool2d(2),
        new fg.nn.Conv2d(16, 32, 5), new fg.nn.ReLU(), new fg.nn.MaxPool2d(2),
        new fg.nn.Flatten(), new fg.nn.Linear(800, 120), new fg.nn.ReLU(), new fg.nn.Linear(120, 10),
      )
    : new fg.nn.Sequential(new fg.nn.Linear(784, 128), new fg.nn.ReLU(), new fg.nn.Linear(128, 10))
const input = net === 'cnn' ? x.reshape(64, 1, 28, 28) : x
const lossFn = new fg.nn.CrossEntropyLoss()
const optimizer = net === 'cnn' ? new fg.optim.Adam(model.parameters(), { lr: 1e-3 }) : new fg.optim.SGD(model.parameters(), { lr: 0.1 })
const started = performance.now()
for (let i = 0; i < steps; i++) {
  const loss = lossFn.forward(model.forward(input), y)
  optimizer.zeroGrad()
  loss.backward()
  optimizer.step()
  loss.item()
}
console.log(`${net}: ${(((performance.now() - started) / steps) * 1000).toFixed(1)} us per training step (batch 64)`)
