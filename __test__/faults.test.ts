import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { fg } from './helpers'

const DIST = JSON.stringify(join(__dirname, '..', 'dist', 'index.js'))

describe('faults and determinism', () => {
  test('a process killed in the middle of fg.save never leaves the existing file corrupted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferrograd-kill-'))
    const path = join(dir, 'model.safetensors')
    fg.save({ w: fg.full([1000], 7) }, path)
    // The child rewrites the file with 64 MB tensors until it is killed.
    const child = spawn(process.execPath, ['-e', `
      const fg = require(${DIST})
      const big = fg.randn([16_000_000])
      process.stdout.write('ready\\n')
      for (;;) fg.save({ w: big }, ${JSON.stringify(path)})
    `])
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()))
    await new Promise((r) => setTimeout(r, 300))
    child.kill('SIGKILL')
    await new Promise((r) => child.once('exit', r))
    // Whichever save won last, the file is whole: the old tensor or the new one.
    const w = fg.load(path).w
    expect([1000, 16_000_000]).toContain(w.shape[0])
    if (w.shape[0] === 1000) expect(w.min().item()).toBe(7)
    // A killed writer can leave its temporary file, never a broken target.
    expect(readdirSync(dir).filter((f) => !f.endsWith('.tmp'))).toEqual(['model.safetensors'])
  }, 30_000)

  test('the same seed gives bitwise identical weights with 1 and with 2 threads', () => {
    // [batch, in, hidden]: the MNIST MLP's products are split between the threads
    // by output bands; the large ones are threaded inside the gemm crate.
    const train = (threads: number, [batch, inputs, hidden]: number[]) => {
      fg.setNumThreads(threads)
      fg.manualSeed(42)
      const model = new fg.nn.Sequential(new fg.nn.Linear(inputs, hidden), new fg.nn.ReLU(), new fg.nn.Linear(hidden, 10))
      const opt = new fg.optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 })
      const x = fg.randn([batch, inputs])
      const y = fg.randint(0, 10, [batch])
      for (let i = 0; i < 5; i++) {
        opt.zeroGrad()
        fg.nn.functional.crossEntropy(model.forward(x), y).backward()
        opt.step()
      }
      return model.parameters().map((p) => Array.from(p.toTypedArray() as Float32Array))
    }
    const before = fg.getNumThreads()
    try {
      for (const sizes of [[64, 784, 128], [256, 512, 512]]) expect(train(2, sizes)).toEqual(train(1, sizes))
    } finally {
      fg.setNumThreads(before)
    }
  })
})
