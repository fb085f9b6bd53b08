// The cliffs issue 24 names, side by side with PyTorch in one run: each case in
// ferrograd (results disposed) and in PyTorch (cliffs_torch.py), at one thread,
// alternating for `--rounds` rounds (default 3); prints medians in µs and the
// ratio PyTorch's time / ours (above 1: ferrograd is faster). A first slice of
// what `bench:ops` is to cover for every op.
//
//   cd bench && PYTHON=<venv>/bin/python node cliffs.mjs [--rounds N]
import { execFileSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as fg from 'ferrograd'
import { medianSeconds } from './median.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const python = process.env.PYTHON ?? 'python3'
const at = process.argv.indexOf('--rounds')
const rounds = at > 0 ? Number(process.argv[at + 1]) : 3

fg.setNumThreads(1)
const x = fg.randn([1_000_000])
const m = fg.randn([1024, 1024])
const a = fg.randn([500, 784])
const col = fg.randn([500, 1])
const s0 = fg.tensor(2)
const narrowed = fg.randn([1024, 1024]).narrow(1, 1, 1000)
const [p, q] = [fg.randn([512, 512]), fg.randn([512, 512])]
const drop = (r) => (r instanceof fg.Tensor ? r.dispose() : (r.values.dispose(), r.indices.dispose()))
const CASES = {
  'sum() 1e6': () => x.sum(),
  'mean() 1e6': () => x.mean(),
  'max() 1e6': () => x.max(),
  'argmax() 1e6': () => x.argmax(),
  'max(1) 1024x1024': () => m.max(1),
  'sum(1) 1024x1024': () => m.sum(1),
  'sum(0) 1024x1024': () => m.sum(0),
  '[500,784] + [500,1]': () => a.add(col),
  '[500,784] + 0-d': () => a.add(s0),
  'pow(2) 1e6': () => x.pow(2),
  'tanh 1e6': () => x.tanh(),
  'gelu 1e6': () => x.gelu(),
  'exp of a narrowed 1024x1000': () => narrowed.exp(),
  'cat two 512x512 along dim 1': () => fg.cat([p, q], 1),
  't().contiguous() 1024x1024': () => m.t().contiguous(),
}
const ours = {}
const theirs = {}
for (let r = 0; r < rounds; r++) {
  for (const [k, f] of Object.entries(CASES)) (ours[k] ??= []).push(medianSeconds(() => drop(f()), 21) * 1e6)
  const t = JSON.parse(execFileSync(python, [join(here, 'cliffs_torch.py'), '1'], { cwd: here, encoding: 'utf8' }))
  for (const k of Object.keys(CASES)) (theirs[k] ??= []).push(t[k])
}
const median = (v) => [...v].sort((u, w) => u - w)[v.length >> 1]
console.log(`${'case (1 thread)'.padEnd(30)} ${'ferrograd µs'.padStart(13)} ${'PyTorch µs'.padStart(11)}  PyTorch/ours`)
for (const k of Object.keys(CASES)) {
  const [o, t] = [median(ours[k]), median(theirs[k])]
  console.log(`${k.padEnd(30)} ${o.toFixed(1).padStart(13)} ${t.toFixed(1).padStart(11)}  ${(t / o).toFixed(2).padStart(12)}`)
}
