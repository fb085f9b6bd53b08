// Side by side in one run: convolution, pooling and a CNN training step in
// ferrograd (from Node) and in PyTorch (torch_conv.py, a child process), at 1 and
// 2 threads, as medians. Prints ratio = PyTorch time / ferrograd time (above 1:
// ferrograd is faster).
//
//   cd bench && npm install && PYTHON=/path/to/python-with-torch npm run conv
import { execFileSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as fg from 'ferrograd'
import { medianSeconds } from './median.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const python = process.env.PYTHON ?? 'python3'

// Convolutions of the MNIST examples (LeNet's, and the wider net of
// examples/mnist-cnn.ts), and a 3x3 layer of an image network.
const conv = (name, x, w, padding, reps) => ({ name: `conv2d ${name} fwd+bwd`, kind: 'conv', x, w, padding, reps })
const cases = [
  conv('64x1x28x28 * 6x1x5x5 pad 2', [64, 1, 28, 28], [6, 1, 5, 5], 2, 41),
  conv('64x6x14x14 * 16x6x5x5', [64, 6, 14, 14], [16, 6, 5, 5], 0, 41),
  conv('64x1x28x28 * 16x1x5x5 pad 2', [64, 1, 28, 28], [16, 1, 5, 5], 2, 41),
  conv('64x16x14x14 * 32x16x5x5', [64, 16, 14, 14], [32, 16, 5, 5], 0, 41),
  conv('32x64x32x32 * 64x64x3x3 pad 1', [32, 64, 32, 32], [64, 64, 3, 3], 1, 5),
  { name: 'maxPool2d 2 of 64x16x28x28 fwd+bwd', kind: 'maxpool', x: [64, 16, 28, 28], reps: 41 },
  { name: 'training step of examples/mnist-cnn.ts, batch 64', kind: 'cnn', reps: 41 },
]

function ferrogradWork(c) {
  const F = fg.nn.functional
  switch (c.kind) {
    case 'conv': {
      const [x, w, b] = [fg.randn(c.x), fg.randn(c.w), fg.randn([c.w[0]])].map((t) => t.requiresGrad_())
      const g = fg.randn(F.conv2d(x, w, b, { padding: c.padding }).shape)
      return () => {
        for (const t of [x, w, b]) t.zeroGrad()
        F.conv2d(x, w, b, { padding: c.padding }).backward(g)
      }
    }
    case 'maxpool': {
      const x = fg.randn(c.x).requiresGrad_()
      const g = fg.randn(F.maxPool2d(x, 2).shape)
      return () => {
        x.zeroGrad()
        F.maxPool2d(x, 2).backward(g)
      }
    }
    case 'cnn': {
      const nn = fg.nn
      const model = new nn.Sequential(
        new nn.Conv2d(1, 16, 5, { padding: 2 }), new nn.ReLU(), new nn.MaxPool2d(2),
        new nn.Conv2d(16, 32, 5), new nn.ReLU(), new nn.MaxPool2d(2),
        new nn.Flatten(), new nn.Linear(800, 120), new nn.ReLU(), new nn.Linear(120, 10),
      )
      const opt = new fg.optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 })
      const lossFn = new nn.CrossEntropyLoss()
      const x = fg.randn([64, 1, 28, 28])
      const y = fg.randint(0, 10, [64], { dtype: 'int64' })
      return () => {
        const loss = lossFn.forward(model.forward(x), y)
        opt.zeroGrad()
        loss.backward()
        opt.step()
      }
    }
  }
  throw new Error(c.kind)
}

const rows = []
let torchVersion = ''
for (const threads of [1, 2]) {
  fg.setNumThreads(threads)
  const env = { ...process.env, OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) }
  const torch = JSON.parse(execFileSync(python, [join(here, 'torch_conv.py'), String(threads), JSON.stringify(cases)], { env, encoding: 'utf8' }))
  torchVersion = torch.torch
  for (const c of cases) {
    const ours = medianSeconds(ferrogradWork(c), c.reps)
    const theirs = torch.times[c.name]
    rows.push({ threads, name: c.name, ours: ours * 1e3, torch: theirs * 1e3, ratio: theirs / ours })
  }
}

console.log(`ferrograd (SIMD ${fg.simdLevel()}) vs PyTorch ${torchVersion} on the CPU; medians in ms; ratio = PyTorch time / ferrograd time`)
console.log(['threads', 'work', 'ferrograd', 'PyTorch', 'ratio'].join('\t'))
for (const r of rows) {
  console.log([r.threads, r.name, r.ours.toFixed(3), r.torch.toFixed(3), r.ratio.toFixed(2)].join('\t'))
}
