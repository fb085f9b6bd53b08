import { execFileSync } from 'node:child_process'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { expect, test } from 'vitest'

const root = resolve(__dirname, '..')

function runMnist(seed: number): { losses: string[]; accuracy: number } {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'examples/mnist.ts', '--seed', String(seed)], {
    cwd: root,
    encoding: 'utf8',
  })
  const epochs = out.split('\n').filter((l) => l.startsWith('epoch '))
  expect(epochs).toHaveLength(5)
  const losses = epochs.map((l) => /loss (\S+)/.exec(l)![1])
  const accuracy = Number(/test accuracy (\S+)/.exec(epochs[4])![1])
  return { losses, accuracy }
}

test('the MNIST example reaches 90% test accuracy, and one seed gives the same losses twice', () => {
  const first = runMnist(0)
  const second = runMnist(0)
  expect(first.accuracy).toBeGreaterThanOrEqual(0.9)
  expect(second.losses).toEqual(first.losses)
})

test("the README's training example runs as written", () => {
  const readme = readFileSync(resolve(root, 'README.md'), 'utf8')
  const code = /## Training in the PyTorch style\n\n```ts\n([\s\S]*?)```/.exec(readme)?.[1]
  expect(code, 'README has the training example').toBeTruthy()
  // Written beside the examples so `import 'ferrograd'` resolves to this package.
  const file = resolve(root, 'examples', `.readme-${process.pid}.ts`)
  writeFileSync(file, code!)
  try {
    const out = execFileSync(process.execPath, ['--import', 'tsx', file], { cwd: root, encoding: 'utf8' })
    expect(out).toContain('Net(  # 101,770 params')
  } finally {
    rmSync(file, { force: true })
  }
})
