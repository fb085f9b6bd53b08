// TensorFlow.js peer of the benchmark protocol (notes/bench-spec.md of the project;
// summarized in ../README.md): pure-JS @tensorflow/tfjs on its "cpu" backend or on
// @tensorflow/tfjs-backend-wasm, never tfjs-node.
//
//   node peers/tfjs.mjs --backend cpu|wasm --threads N [--tasks a,b] [--repeats R] [--data path] [--quick]
//
// Training is the manual loop a tfjs user writes for full control: tf.layers models
// (their default initializers), optimizer.minimize(lossFn, true, vars) per batch, the
// loss pulled with dataSync() once per step. Progress goes to stderr; the last line
// of stdout is the JSON result.
import {
  ALL_TASKS, emit, loadMnist, log, median, now, parseArgs, permutation, perCallSeconds, rng, sig, timeCalls,
} from './js-common.mjs'

const opts = parseArgs(process.argv.slice(2), { backend: 'cpu' })
if (!['cpu', 'wasm'].includes(opts.backend)) throw new Error('--backend must be cpu or wasm')
const quick = opts.quick

// tfjs greets on console.log (stdout) when it finds itself in Node; keep stdout for the JSON.
const stdoutLog = console.log
console.log = console.error
const tf = await import('@tensorflow/tfjs')
const notes = []
let version = tf.version.tfjs

if (opts.backend === 'wasm') {
  const wasm = await import('@tensorflow/tfjs-backend-wasm')
  // tfjs 4.x only loads the threaded SIMD binary where WASM_HAS_MULTITHREAD_SUPPORT is
  // true, and that flag is hard-wired to false in Node (tfjs issue 3830): forcing it on
  // fails in Node 20 with ERR_WORKER_PATH (Emscripten starts its pthread workers from a
  // blob: URL, which worker_threads rejects). So setThreadsCount is honoured as an API
  // call, and getThreadsCount() reports what actually runs.
  wasm.setThreadsCount(opts.threads)
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialize')
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')
  const mt = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')
  const actual = wasm.getThreadsCount()
  const binary = simd && mt ? 'tfjs-backend-wasm-threaded-simd.wasm' : simd ? 'tfjs-backend-wasm-simd.wasm' : 'tfjs-backend-wasm.wasm'
  notes.push(
    `wasm backend ${wasm.version_wasm}: ran ${binary}, XNNPACK threads = ${actual} (asked ${opts.threads} with setThreadsCount); ` +
      'the threaded SIMD build is disabled in Node by tfjs 4.x (WASM_HAS_MULTITHREAD_SUPPORT is false under Node; forcing it fails with ERR_WORKER_PATH on a blob: worker URL), so it is single-threaded',
  )
  version = `${tf.version.tfjs} (tfjs-backend-wasm ${wasm.version_wasm})`
} else {
  await tf.setBackend('cpu')
  notes.push('tfjs cpu backend (plain JavaScript kernels) is single-threaded: --threads has no effect')
}
await tf.ready()
tf.enableProdMode()
notes.push(
  'tf.enableProdMode(); training: manual loop with optimizer.minimize over a tf.layers.sequential model (default initializers: glorotUniform kernels, zero biases), tf.losses.softmaxCrossEntropy on one-hot labels',
  "inference: tf.tidy(() => model.apply(x)) then dataSync(): model.apply is the direct forward; model.predict was 1.3-2x slower here (input checks, and it splits a batch into chunks of 32 unless batchSize is given)",
)

const backend = opts.backend
const tasks = opts.tasks ?? ALL_TASKS
const results = {}
const data = loadMnist(opts.data)

// ---------------------------------------------------------------- models
function mlp() {
  return tf.sequential({
    layers: [tf.layers.dense({ inputShape: [784], units: 128, activation: 'relu' }), tf.layers.dense({ units: 10 })],
  })
}

function cnn() {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 16, kernelSize: 5, padding: 'same', activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 32, kernelSize: 5, padding: 'valid', activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 120, activation: 'relu' }),
      tf.layers.dense({ units: 10 }),
    ],
  })
}

// Inputs as the models take them: the MLP raw pixels [N, 784]; the CNN normalized NHWC.
const inputs = {
  mlp: { train: tf.tensor2d(data.trainX, [data.nTrain, 784]), test: tf.tensor2d(data.testX, [data.nTest, 784]) },
}
{
  const norm = (x) => tf.tidy(() => x.sub(data.mean).div(data.std).reshape([-1, 28, 28, 1]))
  inputs.cnn = { train: norm(inputs.mlp.train), test: norm(inputs.mlp.test) }
}
const trainY = tf.tensor1d(data.trainY, 'int32')
const testY = tf.tensor1d(data.testY, 'int32')

function accuracy(model, x) {
  let correct = 0
  for (let i = 0; i < data.nTest; i += 500) {
    const n = Math.min(500, data.nTest - i)
    const pred = tf.tidy(() => model.apply(x.slice(i, n)).argMax(-1))
    const p = pred.dataSync()
    pred.dispose()
    for (let j = 0; j < n; j++) if (p[j] === data.testY[i + j]) correct++
  }
  return correct / data.nTest
}

/**
 * One training run; returns { samplesPerS, accuracy, samples }. `stepsPerEpoch` < 125
 * trains on part of each epoch; the run also stops after `timeLimit` seconds.
 */
function trainRun(kind, seed, epochs, stepsPerEpoch, timeLimit = Infinity, evaluate = true) {
  const model = kind === 'mlp' ? mlp() : cnn()
  const vars = model.trainableWeights.map((w) => w.read())
  const optimizer = kind === 'mlp' ? tf.train.sgd(0.1) : tf.train.adam(1e-3, 0.9, 0.999, 1e-8)
  try {
    return trainLoop(kind, model, vars, optimizer, seed, epochs, stepsPerEpoch, timeLimit, evaluate)
  } finally {
    optimizer.dispose()
    model.dispose()
  }
}

function trainLoop(kind, model, vars, optimizer, seed, epochs, stepsPerEpoch, timeLimit, evaluate) {
  const x = inputs[kind].train
  const rand = rng(seed)
  const batch = 64
  let samples = 0
  let lastLoss = NaN
  const t0 = now()
  for (let e = 0; e < epochs; e++) {
    const perm = tf.tensor1d(permutation(data.nTrain, rand), 'int32')
    const steps = Math.min(stepsPerEpoch, Math.ceil(data.nTrain / batch))
    for (let s = 0; s < steps; s++) {
      const n = Math.min(batch, data.nTrain - s * batch)
      const [xb, yb] = tf.tidy(() => {
        const idx = perm.slice(s * batch, n)
        return [tf.gather(x, idx), tf.oneHot(tf.gather(trainY, idx), 10)]
      })
      const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(yb, model.apply(xb, { training: true })), true, vars)
      lastLoss = loss.dataSync()[0]
      loss.dispose()
      xb.dispose()
      yb.dispose()
      samples += n
      if (now() - t0 > timeLimit) break
    }
    perm.dispose()
    log(`  ${backend} ${kind} run ${seed} epoch ${e + 1}/${epochs}: loss ${lastLoss.toFixed(4)} (${(samples / (now() - t0)).toFixed(0)} samples/s)`)
  }
  const seconds = now() - t0
  const acc = evaluate ? accuracy(model, inputs[kind].test) : null
  return { samplesPerS: samples / seconds, accuracy: acc, samples }
}

// Training runs of a task stop once they have taken this long (tfjs-cpu's MLP: 50-70 s a
// run, so it makes 2 runs there).
const TRAIN_BUDGET_S = 90

function trainTask(kind) {
  let epochs = quick ? 1 : 5
  let runs = opts.repeats
  const steps = quick ? 10 : Infinity
  let timeLimit = quick ? 3 : Infinity
  // tfjs-cpu's convolutions are plain JavaScript loops: one epoch of the CNN would take
  // hours there, so that peer trains one run for at most 40 s (a step or two), reports the
  // fraction of an epoch it got through and no accuracy (stated in notes).
  const partial = kind === 'cnn' && backend === 'cpu' && !quick
  if (partial) {
    epochs = 1
    runs = 1
    timeLimit = 40
  }
  const speeds = []
  const accs = []
  let samples = 0
  const started = now()
  for (let r = 0; r < runs; r++) {
    if (r > 0 && now() - started > TRAIN_BUDGET_S) {
      notes.push(`${kind}_train: ${r} run(s) instead of ${runs}: stopped after ${TRAIN_BUDGET_S} s to keep the peer's run short`)
      break
    }
    const res = trainRun(kind, r, epochs, steps, timeLimit, !partial)
    log(`  ${backend} ${kind}_train run ${r}: ${res.samplesPerS.toFixed(1)} samples/s, test accuracy ${res.accuracy?.toFixed(4)}`)
    speeds.push(res.samplesPerS)
    accs.push(res.accuracy)
    samples = res.samples
  }
  if (partial) {
    epochs = sig(samples / data.nTrain)
    notes.push(
      `cnn_train on tfjs-cpu: 1 run of ${samples} samples (${epochs} of an epoch, cut at 40 s) instead of 5 epochs x ${opts.repeats} runs, ` +
        'and no test accuracy (meaningless after so little training). The cpu backend computes the gradient of a conv2d filter ' +
        '(Conv2DBackpropFilter) with a generic TensorBuffer.get() per element: one batch-64 step takes tens of seconds',
    )
  }
  const res = { samples_per_s: sig(median(speeds)), accuracy: partial ? null : sig(median(accs)), epochs, runs: speeds.map(sig), accuracies: partial ? [] : accs.map(sig) }
  if (steps !== Infinity) res.steps_per_epoch = steps
  return res
}

// ---------------------------------------------------------------- inference
function inferTask(kind, batch) {
  const model = kind === 'mlp' ? mlp() : cnn()
  const x = inputs[kind].test.slice(0, batch)
  let out
  const fn = () => {
    const y = tf.tidy(() => model.apply(x))
    out = y.dataSync()
    y.dispose()
  }
  const { seconds, blocks, calls } = timeCalls(fn, { quick })
  if (out.length !== batch * 10) throw new Error('wrong output size')
  x.dispose()
  model.dispose()
  const r = batch === 1 ? { latency_us: sig(seconds * 1e6) } : { samples_per_s: sig(batch / seconds) }
  return { ...r, blocks, calls_per_block: calls }
}

function matmulTask(n) {
  const a = tf.randomNormal([n, n])
  const b = tf.randomNormal([n, n])
  const fn = () => {
    const c = tf.matMul(a, b)
    c.dataSync()
    c.dispose()
  }
  fn()
  const t = now()
  fn()
  const one = now() - t
  const reps = quick ? Math.max(1, Math.min(3, Math.floor(2 / one))) : Math.max(3, Math.min(51, Math.floor(15 / one)))
  const times = []
  for (let i = 0; i < reps; i++) {
    const t0 = now()
    fn()
    times.push(now() - t0)
  }
  a.dispose()
  b.dispose()
  return { gflops: sig((2 * n ** 3) / median(times) / 1e9), reps }
}

function addTask() {
  const a = tf.tensor2d([[1]])
  const b = tf.tensor2d([[2]])
  const calls = quick ? 1000 : 10000
  const blocks = quick ? 3 : 21
  const s = perCallSeconds(() => tf.add(a, b), calls, blocks, (f) => tf.tidy(f))
  a.dispose()
  b.dispose()
  return { us_per_op: sig(s * 1e6), blocks, calls_per_block: calls }
}

// ---------------------------------------------------------------- run
const started = now()
for (const task of tasks) {
  const t0 = now()
  log(`tfjs-${backend}: ${task}`)
  if (task === 'cnn_train' && !tf.getKernel('Conv2DBackpropFilter', tf.getBackend())) {
    // tfjs-backend-wasm 4.22.0 has no gradient of conv2d's filter: training the CNN fails
    // with "Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'".
    notes.push(`cnn_train left out: the ${tf.getBackend()} backend has no Conv2DBackpropFilter kernel (the gradient of a conv2d filter), so the CNN cannot train there`)
    continue
  }
  switch (task) {
    case 'mlp_train': results[task] = trainTask('mlp'); break
    case 'cnn_train': results[task] = trainTask('cnn'); break
    case 'mlp_infer_b1': results[task] = inferTask('mlp', 1); break
    case 'mlp_infer_b256': results[task] = inferTask('mlp', 256); break
    case 'cnn_infer_b1': results[task] = inferTask('cnn', 1); break
    case 'cnn_infer_b256': results[task] = inferTask('cnn', 256); break
    case 'matmul_256': results[task] = matmulTask(256); break
    case 'matmul_512': results[task] = matmulTask(512); break
    case 'matmul_1024': results[task] = matmulTask(1024); break
    case 'add_1x1': results[task] = addTask(); break
  }
  log(`  ${task}: ${JSON.stringify(results[task])} (${(now() - t0).toFixed(1)} s; ${tf.memory().numTensors} live tensors)`)
}
log(`tfjs-${backend}: done in ${(now() - started).toFixed(0)} s`)
console.log = stdoutLog
emit({ peer: `tfjs-${backend}`, version, threads: opts.threads, notes, results })
