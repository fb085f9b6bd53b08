// brain.js peer of the benchmark protocol (see ../README.md): brain.NeuralNetwork with
// one hidden layer of 128 ReLU units, trained by its own trainer.
//
//   node peers/brain.mjs --threads N [--tasks a,b] [--repeats R] [--data path] [--quick]
//
// brain.js has no convolutions, no tensors and no matmul: only mlp_train, mlp_infer_b1
// and mlp_infer_b256 are run. Its trainer differs from the spec's (see `notes`).
// Progress goes to stderr; the last line of stdout is the JSON result.
import { createRequire } from 'node:module'
import { emit, loadMnist, log, median, now, parseArgs, permutation, rng, sig, timeCalls } from './js-common.mjs'

const require = createRequire(import.meta.url)
const brain = require('brain.js')
const { version } = require('brain.js/package.json')

const opts = parseArgs()
const quick = opts.quick
const SUPPORTED = ['mlp_train', 'mlp_infer_b1', 'mlp_infer_b256']
const tasks = (opts.tasks ?? SUPPORTED).filter((t) => SUPPORTED.includes(t))
const data = loadMnist(opts.data)
// The spec's lr 0.1 kills every ReLU unit in brain.js's per-sample squared-error training
// (test accuracy 0.10, tried): 0.01 is the largest of 0.1/0.03/0.01/0.003 that trains.
const LR = 0.01
// brain.js trains a few hundred digits a second: runs stop once they have taken this long.
const TRAIN_BUDGET_S = 200

const notes = [
  'brain.js is single-threaded plain JavaScript: --threads has no effect',
  'only the MLP tasks: brain.js has no convolution layers, no tensors and no matmul/add ops (cnn_*, matmul_*, add_1x1 left out)',
  `brain.NeuralNetwork({hiddenLayers: [128], activation: 'relu'}) trained with net.train(data, {iterations: 1, learningRate: ${LR}}) once per epoch on a reshuffled copy of the 8000 digits (brain.js does not shuffle)`,
  `learning rate ${LR}, not 0.1: at 0.1 brain.js's per-sample updates kill every ReLU unit within the first epoch (test accuracy 0.10)`,
  "deviations from the spec's trainer, all fixed by brain.js: per-sample updates (batch size 1, 125x more updates per epoch than batch 64), " +
    'squared-error loss on the outputs instead of softmax cross-entropy (one-hot targets), ReLU also on the 10 outputs, momentum 0.1 (its default; the API rejects 0), ' +
    'weights initialized uniform in [-0.2, 0.2] (its default); each epoch also computes the training error as brain.js always does',
  'inference: net.run(x) per sample (no batched forward exists), outputs copied into one Float32Array',
]

const rows = (x, n) => Array.from({ length: n }, (_, i) => x.subarray(i * 784, (i + 1) * 784))
const oneHot = (y) => {
  const a = new Array(10).fill(0)
  a[y] = 1
  return a
}

// brain.js treats a typed-array input as a hash of named features, so it gets plain arrays.
const trainSet = rows(data.trainX, data.nTrain).map((x, i) => ({ input: Array.from(x), output: oneHot(data.trainY[i]) }))
const testRows = rows(data.testX, data.nTest)

function argmax(a) {
  let best = 0
  for (let i = 1; i < a.length; i++) if (a[i] > a[best]) best = i
  return best
}

function accuracy(net) {
  let correct = 0
  for (let i = 0; i < data.nTest; i++) if (argmax(net.run(testRows[i])) === data.testY[i]) correct++
  return correct / data.nTest
}

function newNet() {
  return new brain.NeuralNetwork({ hiddenLayers: [128], activation: 'relu' })
}

function trainTask() {
  const epochs = quick ? 1 : 5
  const n = quick ? 640 : data.nTrain
  const speeds = []
  const accs = []
  const started = now()
  for (let r = 0; r < opts.repeats; r++) {
    if (r > 0 && now() - started > TRAIN_BUDGET_S) {
      notes.push(`mlp_train: ${r} run(s) instead of ${opts.repeats}: stopped after ${TRAIN_BUDGET_S} s to keep the peer's run short`)
      break
    }
    const net = newNet()
    const rand = rng(r)
    let seconds = 0
    for (let e = 0; e < epochs; e++) {
      const perm = permutation(data.nTrain, rand)
      const epochData = Array.from(perm.subarray(0, n), (i) => trainSet[i])
      const t0 = now()
      const status = net.train(epochData, { iterations: 1, learningRate: LR, errorThresh: 1e-9 })
      seconds += now() - t0
      log(`  brain.js mlp run ${r} epoch ${e + 1}/${epochs}: training error ${status.error.toFixed(5)} (${((n * (e + 1)) / seconds).toFixed(0)} samples/s)`)
    }
    const acc = accuracy(net)
    speeds.push((epochs * n) / seconds)
    accs.push(acc)
    log(`  brain.js mlp_train run ${r}: ${speeds.at(-1).toFixed(0)} samples/s, test accuracy ${acc.toFixed(4)}`)
  }
  const res = { samples_per_s: sig(median(speeds)), accuracy: sig(median(accs)), epochs, runs: speeds.map(sig), accuracies: accs.map(sig) }
  if (quick) res.samples_per_epoch = n
  return res
}

/** A network with the trained shape: one short training pass to set up its layers. */
function readyNet() {
  const net = newNet()
  net.train(trainSet.slice(0, 64), { iterations: 1, learningRate: LR, errorThresh: 1e-9 })
  return net
}

function inferTask(batch) {
  const net = readyNet()
  const xs = testRows.slice(0, batch)
  const out = new Float32Array(batch * 10)
  const fn = () => {
    for (let i = 0; i < batch; i++) out.set(net.run(xs[i]), i * 10)
  }
  const { seconds, blocks, calls } = timeCalls(fn, { quick })
  const r = batch === 1 ? { latency_us: sig(seconds * 1e6) } : { samples_per_s: sig(batch / seconds) }
  return { ...r, blocks, calls_per_block: calls }
}

const results = {}
const started = now()
for (const task of tasks) {
  const t0 = now()
  log(`brain.js: ${task}`)
  if (task === 'mlp_train') results[task] = trainTask()
  else if (task === 'mlp_infer_b1') results[task] = inferTask(1)
  else if (task === 'mlp_infer_b256') results[task] = inferTask(256)
  log(`  ${task}: ${JSON.stringify(results[task])} (${(now() - t0).toFixed(1)} s)`)
}
log(`brain.js: done in ${(now() - started).toFixed(0)} s`)
emit({ peer: 'brain.js', version, threads: opts.threads, notes, results })
