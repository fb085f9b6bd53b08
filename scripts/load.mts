/**
 * Load run: eight concurrent `model.fit` calls on the main thread plus four
 * worker_threads training at the same time, in rounds, for N minutes; then every
 * run again one by one on the main thread. Each job's final weights must equal its
 * sequential twin's bit for bit, and the process must survive.
 *
 *   npm run load                 (npx tsx scripts/load.mts --minutes 3)
 */
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import * as fg from 'ferrograd'
import { numberArg } from './cli.mjs'

const require = createRequire(import.meta.url)
const jobPath = require.resolve('./load-job.cjs')
const { trainSync, trainFit } = require(jobPath) as {
  trainSync: (seed: number, epochs: number) => Float32Array
  trainFit: (seed: number, epochs: number) => Promise<Float32Array>
}

const arg = numberArg
const minutes = arg('minutes', 3)
const epochs = arg('epochs', 3)
const FITS = 8
const WORKERS = 4

/** A worker that trains the jobs it is sent, one at a time. */
class Trainer {
  private readonly worker = new Worker(jobPath)
  private pending: ((w: Float32Array) => void) | null = null
  constructor() {
    this.worker.on('message', (m: { weights: Float32Array }) => this.pending?.(m.weights))
    this.worker.on('error', (e) => {
      console.error('worker failed:', e)
      process.exit(1)
    })
  }
  train(seed: number): Promise<Float32Array> {
    return new Promise((resolve) => {
      this.pending = resolve
      this.worker.postMessage({ seed, epochs })
    })
  }
  stop(): Promise<number> {
    return this.worker.terminate()
  }
}

const sameBits = (a: Float32Array, b: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))

const trainers = Array.from({ length: WORKERS }, () => new Trainer())
const fitResults = new Map<number, Float32Array>()
const workerResults = new Map<number, Float32Array>()
const started = performance.now()
let rounds = 0
let seed = 1000
console.log(`load: ${FITS} concurrent fit calls + ${WORKERS} worker threads per round, for ${minutes} min (${fg.getNumThreads()} core threads, SIMD ${fg.simdLevel()})`)
while (performance.now() - started < minutes * 60_000) {
  const fitSeeds = Array.from({ length: FITS }, () => seed++)
  const workerSeeds = Array.from({ length: WORKERS }, () => seed++)
  const fits = fitSeeds.map(async (s) => fitResults.set(s, await trainFit(s, epochs)))
  const workers = workerSeeds.map(async (s, i) => workerResults.set(s, await trainers[i].train(s)))
  await Promise.all([...fits, ...workers])
  rounds++
  if (rounds % 5 === 0) console.log(`  round ${rounds}: ${((performance.now() - started) / 1000).toFixed(0)} s, rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB`)
}
const concurrentSeconds = (performance.now() - started) / 1000
await Promise.all(trainers.map((t) => t.stop()))

// The same runs, one by one, on this thread.
const sequentialStart = performance.now()
let mismatches = 0
for (const [s, w] of fitResults) if (!sameBits(w, await trainFit(s, epochs))) (mismatches++, console.error(`fit job ${s} differs`))
for (const [s, w] of workerResults) if (!sameBits(w, trainSync(s, epochs))) (mismatches++, console.error(`worker job ${s} differs`))
const sequentialSeconds = (performance.now() - sequentialStart) / 1000

const jobs = fitResults.size + workerResults.size
console.log(
  `load: ${rounds} rounds in ${concurrentSeconds.toFixed(1)} s concurrent: ${fitResults.size} fit runs and ${workerResults.size} worker runs ` +
    `(${epochs} epochs of 64 batches each); sequential replay ${sequentialSeconds.toFixed(1)} s; ` +
    `${jobs - mismatches}/${jobs} bitwise equal; peak rss ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`,
)
if (mismatches > 0) process.exit(1)
