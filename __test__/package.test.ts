import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'

// A project outside the repository that depends on ferrograd through a file: path,
// as a user's would, and trains a 2-layer network through require and import.
const root = resolve(__dirname, '..')
let dir = ''

const train = (load: string) => `${load}
fg.manualSeed(3)
const model = new fg.nn.Sequential(new fg.nn.Linear(2, 16), new fg.nn.ReLU(), new fg.nn.Linear(16, 2))
const x = fg.tensor([[0, 0], [0, 1], [1, 0], [1, 1]])
const y = fg.tensor([0, 1, 1, 0], { dtype: 'int64' })
const opt = new fg.optim.SGD(model.parameters(), { lr: 0.3, momentum: 0.9 })
const lossFn = new fg.nn.CrossEntropyLoss()
let loss
for (let i = 0; i < 300; i++) {
  loss = lossFn.forward(model.forward(x), y)
  opt.zeroGrad(); loss.backward(); opt.step()
}
const correct = fg.noGrad(() => model.forward(x).argmax(1).eq(y).sum().item())
console.log(JSON.stringify({ loss: loss.item(), correct, isError: new fg.FerrogradError('ERR_ARG', 'x') instanceof Error }))
`

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ferrograd-user-'))
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'user-app', private: true, dependencies: { ferrograd: `file:${root}` } }))
  execFileSync('npm', ['install', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'pipe' })
  writeFileSync(join(dir, 'train.cjs'), train("const fg = require('ferrograd')"))
  writeFileSync(join(dir, 'train.mjs'), train("import * as fg from 'ferrograd'"))
})

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
})

for (const file of ['train.cjs', 'train.mjs']) {
  test(`${file}: trains a 2-layer network`, () => {
    const out = JSON.parse(execFileSync(process.execPath, [file], { cwd: dir, encoding: 'utf8' }).trim())
    expect(out.correct).toBe(4)
    expect(out.loss).toBeLessThan(0.05)
    expect(out.isError).toBe(true)
  })
}
