/**
 * Soak run: 100,000 training steps of the MNIST MLP (784-128-10, SGD with momentum,
 * batches of 64 from a shuffling DataLoader), disposing nothing, as a user's loop
 * would. Every 5,000 steps it samples the resident set size and fg.memory() (after
 * a full GC, so only live tensors count) and at the end asserts both are flat:
 * RSS grows by less than 64 MB after the warm-up, fg.memory() is the same at every
 * sample.
 *
 * With `--fit 1` the steps are `model.fit` calls of one epoch each (125 steps),
 * replayed on fit's native thread: a new runner thread and recording per call.
 *
 *   npm run soak                 (node --expose-gc --import tsx scripts/soak.mts --steps 100000)
 *   npm run soak -- --fit 1
 */
import * as fg from 'ferrograd'
import { numberArg } from './cli.mjs'

const arg = numberArg
const steps = arg('steps', 100_000)
const every = arg('every', 5_000)
const warmup = arg('warmup', 5_000)
const viaFit = arg('fit', 0) === 1
const gc = (globalThis as { gc?: () => void }).gc
if (!gc) throw new Error('run with --expose-gc (npm run soak does)')

fg.manualSeed(0)
const { train } = fg.data.mnist()
const loader = new fg.data.DataLoader(new fg.data.TensorDataset(train[0].flatten(1), train[1]), { batchSize: 64, shuffle: true })
const model = new fg.nn.Sequential(new fg.nn.Linear(784, 128), new fg.nn.ReLU(), new fg.nn.Linear(128, 10))
const optimizer = new fg.optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 })
const lossFn = new fg.nn.CrossEntropyLoss()

interface Sample {
  step: number
  rssMB: number
  tensors: number
  bytes: number
  loss: number
}
const samples: Sample[] = []
const mb = (b: number) => Math.round((b / 2 ** 20) * 10) / 10
function sample(step: number, loss: number): void {
  gc!()
  const m = fg.memory()
  const s = { step, rssMB: mb(process.memoryUsage().rss), tensors: m.tensors, bytes: m.bytes, loss: Math.round(loss * 1e4) / 1e4 }
  samples.push(s)
  console.log(`step ${String(step).padStart(6)}: rss ${s.rssMB.toFixed(1)} MB, fg.memory() ${s.tensors} tensors / ${s.bytes} bytes, loss ${s.loss}`)
}

const started = performance.now()
let step = 0
let loss = Number.NaN
const [xAll, yAll] = [train[0].flatten(1), train[1]]
const perEpoch = Math.ceil(xAll.shape[0] / 64)
while (viaFit && step < steps) {
  const history = await model.fit(xAll, yAll, { optimizer, loss: lossFn, batchSize: 64, offThread: 'require' })
  const before = step
  step += perEpoch
  if (Math.floor(step / every) > Math.floor(before / every)) sample(Math.floor(step / every) * every, history.loss[0])
}
while (!viaFit && step < steps) {
  for (const [x, y] of loader as Iterable<fg.Tensor[]>) {
    optimizer.zeroGrad()
    const l = lossFn.forward(model.forward(x), y)
    l.backward()
    optimizer.step()
    step++
    if (step % every === 0) {
      loss = l.item()
      sample(step, loss)
    }
    if (step === steps) break
  }
}
const seconds = (performance.now() - started) / 1000

const afterWarmup = samples.filter((s) => s.step >= warmup)
const first = afterWarmup[0]
const last = afterWarmup[afterWarmup.length - 1]
const peak = Math.max(...afterWarmup.map((s) => s.rssMB))
const memoryFlat = afterWarmup.every((s) => s.tensors === first.tensors && s.bytes === first.bytes)
const growth = peak - first.rssMB
console.log(
  `soak: ${steps} steps in ${seconds.toFixed(0)} s; rss at step ${first.step} ${first.rssMB} MB, end ${last.rssMB} MB, ` +
    `peak ${peak} MB (growth ${growth.toFixed(1)} MB, limit 64); fg.memory() ${first.tensors} tensors / ${first.bytes} bytes at step ${first.step}, ` +
    `${last.tensors} / ${last.bytes} at the end (${memoryFlat ? 'constant' : 'NOT constant'}); loss ${last.loss}`,
)
if (!memoryFlat || growth >= 64) process.exit(1)
