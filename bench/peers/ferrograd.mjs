// The ferrograd peer of the benchmark suite (run by run.mjs, which compares the
// peers). Written the way a ferrograd user writes it: nn.Sequential models,
// CrossEntropyLoss, optim.SGD / Adam, model.fit with shuffling (which replays
// the recorded forward pass on a native thread), noGrad inference.
//
//   node peers/ferrograd.mjs --threads N [--tasks a,b] [--repeats R] [--data path] [--quick]
import * as fg from 'ferrograd'
import { createRequire } from 'node:module'
import { ALL_TASKS, emit, log, median, now, parseArgs, perCallSeconds, sig } from './js-common.mjs'

const opts = parseArgs()
const tasks = opts.tasks ?? ALL_TASKS
fg.setNumThreads(opts.threads)
const EPOCHS = opts.quick ? 1 : 5
const BLOCKS = opts.quick ? 3 : 31
const BATCH = 64

/** The split, as ferrograd tensors, read with ferrograd's own safetensors reader. */
function loadData() {
  const { tensors: t, metadata } = fg.readSafetensors(opts.data)
  const [mean, std] = [Number(metadata.mean), Number(metadata.std)]
  const image = (x) => fg.data.normalize(x, mean, std).reshape(-1, 1, 28, 28)
  return {
    mlp: { train: [t.train_x, t.train_y], test: [t.test_x, t.test_y] },
    cnn: { train: [image(t.train_x), t.train_y], test: [image(t.test_x), t.test_y] },
  }
}

const mlp = () => new fg.nn.Sequential(new fg.nn.Linear(784, 128), new fg.nn.ReLU(), new fg.nn.Linear(128, 10))

const cnn = () =>
  new fg.nn.Sequential(
    new fg.nn.Conv2d(1, 16, 5, { padding: 2 }),
    new fg.nn.ReLU(),
    new fg.nn.MaxPool2d(2),
    new fg.nn.Conv2d(16, 32, 5),
    new fg.nn.ReLU(),
    new fg.nn.MaxPool2d(2),
    new fg.nn.Flatten(),
    new fg.nn.Linear(800, 120),
    new fg.nn.ReLU(),
    new fg.nn.Linear(120, 10),
  )

/** Share of `split`'s digits the model classifies right, 500 at a time. */
function accuracy(model, [x, y]) {
  model.eval()
  let correct = 0
  for (let start = 0; start < y.shape[0]; start += 500) {
    const size = Math.min(500, y.shape[0] - start)
    correct += fg.noGrad(() => model.forward(x.narrow(0, start, size)).argmax(1).eq(y.narrow(0, start, size)).sum().item())
  }
  model.train()
  return correct / y.shape[0]
}

/** `repeats` trainings from fresh weights with `model.fit`; medians of throughput and accuracy. */
async function train(makeModel, makeOptimizer, split, test) {
  const runs = []
  const accuracies = []
  for (let r = 0; r < opts.repeats; r++) {
    fg.manualSeed(r)
    const model = makeModel()
    const optimizer = makeOptimizer(model.parameters())
    const loss = new fg.nn.CrossEntropyLoss()
    const started = now()
    const history = await model.fit(split[0], split[1], { optimizer, loss, epochs: EPOCHS, batchSize: BATCH, shuffle: true, offThread: 'require' })
    if (!history.offThread) throw new Error('ferrograd: fit did not run off the main thread')
    runs.push((EPOCHS * split[1].shape[0]) / (now() - started))
    accuracies.push(accuracy(model, test))
    log(`ferrograd: run ${r + 1}: ${runs.at(-1).toFixed(0)} samples/s, accuracy ${accuracies.at(-1)}`)
  }
  return { samples_per_s: sig(median(runs)), accuracy: median(accuracies), epochs: EPOCHS, runs: runs.map(sig), accuracies }
}

/** Seconds per forward pass of `batch` samples, outputs copied into a Float32Array. */
function inference(model, input, batch) {
  model.eval()
  const x = input.narrow(0, 0, batch).contiguous()
  const calls = batch === 1 ? 200 : 5
  return perCallSeconds(() => fg.noGrad(() => model.forward(x).toTypedArray()), calls, BLOCKS)
}

const results = {}
const data = loadData()
for (const task of tasks) {
  log(`ferrograd: ${task} at ${opts.threads} thread(s)`)
  if (task === 'mlp_train') {
    results[task] = await train(mlp, (p) => new fg.optim.SGD(p, { lr: 0.1 }), data.mlp.train, data.mlp.test)
  } else if (task === 'cnn_train') {
    results[task] = await train(cnn, (p) => new fg.optim.Adam(p, { lr: 1e-3 }), data.cnn.train, data.cnn.test)
  } else if (task.endsWith('_infer_b1') || task.endsWith('_infer_b256')) {
    const [net, , b] = task.split('_')
    const batch = Number(b.slice(1))
    fg.manualSeed(0)
    const s = inference(net === 'mlp' ? mlp() : cnn(), data[net].test[0], batch)
    results[task] = batch === 1 ? { latency_us: sig(s * 1e6) } : { samples_per_s: sig(batch / s) }
  } else if (task.startsWith('matmul_')) {
    const n = Number(task.slice(7))
    const [a, b] = [fg.randn([n, n]), fg.randn([n, n])]
    const s = perCallSeconds(() => a.matmul(b), { 256: 20, 512: 4 }[n] ?? 1, BLOCKS)
    results[task] = { gflops: sig((2 * n ** 3) / s / 1e9) }
  } else if (task === 'add_1x1') {
    const [a, b] = [fg.ones([1, 1]), fg.ones([1, 1])]
    results[task] = { us_per_op: sig(perCallSeconds(() => a.add(b), 10_000, opts.quick ? 3 : 31) * 1e6) }
  }
}

const version = createRequire(import.meta.url)('ferrograd/package.json').version
emit({
  peer: 'ferrograd',
  version,
  threads: opts.threads,
  notes: [`${fg.getNumThreads()} thread(s); release build of the native core`],
  results,
})
