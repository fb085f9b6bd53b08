import { execFileSync } from 'node:child_process'
import { resolve } from 'node:path'
import { expect, test } from 'vitest'

const root = resolve(__dirname, '..')

function runCnn(): { summary: string; loss: string; accuracy: number } {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'examples/mnist-cnn.ts', '--epochs', '1'], {
    cwd: root,
    encoding: 'utf8',
  })
  const epochs = out.split('\n').filter((l) => l.startsWith('epoch '))
  expect(epochs).toHaveLength(1)
  return {
    summary: out.split('\n')[0],
    loss: /loss (\S+)/.exec(epochs[0])![1],
    accuracy: Number(/test accuracy (\S+)/.exec(epochs[0])![1]),
  }
}

// The full five epochs (test accuracy >= 0.97, `npm run mnist:cnn`) take several
// seconds each; one epoch shows the example runs, learns and repeats itself.
test('the CNN example learns in one epoch, and one seed gives the same loss twice', () => {
  const first = runCnn()
  const second = runCnn()
  expect(first.summary).toBe('ConvNet(  # 110,578 params')
  expect(first.accuracy).toBeGreaterThanOrEqual(0.9)
  expect(second.loss).toBe(first.loss)
})
