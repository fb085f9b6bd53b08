import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { expectError, fg } from './helpers'

const dir = mkdtempSync(join(tmpdir(), 'ferrograd-ckpt-'))

function setup() {
  const model = new fg.nn.Sequential(new fg.nn.Linear(6, 16), new fg.nn.ReLU(), new fg.nn.Linear(16, 3))
  const optimizer = new fg.optim.Adam(model.parameters(), { lr: 0.01 })
  return { model, optimizer }
}

/** One epoch, shuffled by the global generator (so the checkpoint must carry it). */
function epoch(model: fg.nn.Module, optimizer: fg.optim.Adam, x: fg.Tensor, y: fg.Tensor): number[] {
  const losses: number[] = []
  for (const [xb, yb] of new fg.data.DataLoader(new fg.data.TensorDataset(x, y), { batchSize: 16, shuffle: true }) as Iterable<fg.Tensor[]>) {
    optimizer.zeroGrad()
    const loss = fg.nn.functional.crossEntropy((model.forward as (t: fg.Tensor) => fg.Tensor)(xb), yb)
    loss.backward()
    optimizer.step()
    losses.push(loss.item())
  }
  return losses
}

describe('checkpoints', () => {
  test('training resumed from a checkpoint gives bit-identical losses', () => {
    const data = () => {
      fg.manualSeed(0)
      const x = fg.randn([96, 6])
      return { x, y: x.narrow(1, 0, 3).argmax(1) }
    }
    // Uninterrupted: 5 epochs.
    const { x, y } = data()
    let run = setup()
    const straight: number[][] = []
    for (let e = 0; e < 5; e++) straight.push(epoch(run.model, run.optimizer, x, y))

    // Interrupted after 2 epochs, then resumed in fresh objects with a scrambled generator.
    data()
    run = setup()
    const resumed: number[][] = []
    for (let e = 0; e < 2; e++) resumed.push(epoch(run.model, run.optimizer, x, y))
    const path = join(dir, 'run.safetensors')
    fg.saveCheckpoint(path, { model: run.model, optimizer: run.optimizer, epoch: 2, extra: { best: Math.min(...resumed[1]) } })
    fg.manualSeed(12345)
    const fresh = setup()
    const info = fg.loadCheckpoint(path, fresh)
    expect(info.epoch).toBe(2)
    expect(info.extra).toEqual({ best: Math.min(...resumed[1]) })
    for (let e = info.epoch!; e < 5; e++) resumed.push(epoch(fresh.model, fresh.optimizer, x, y))
    expect(resumed).toEqual(straight)
  })

  test('bad checkpoints and mismatched models are refused with nothing changed', () => {
    const { model, optimizer } = setup()
    const path = join(dir, 'a.safetensors')
    fg.saveCheckpoint(path, { model })
    const plain = join(dir, 'plain.safetensors')
    fg.save(model.stateDict(), plain)
    expectError(() => fg.loadCheckpoint(plain, { model }), 'ERR_FORMAT', /not a ferrograd checkpoint/)
    expectError(() => fg.loadCheckpoint(path, { model, optimizer }), 'ERR_FORMAT', /no optimizer state/)
    const other = new fg.nn.Sequential(new fg.nn.Linear(6, 8), new fg.nn.ReLU(), new fg.nn.Linear(8, 3))
    const before = other.stateDict()['0.weight'].tolist()
    expect(() => fg.loadCheckpoint(path, { model: other })).toThrow(fg.FerrogradError)
    expect(other.stateDict()['0.weight'].tolist()).toEqual(before)
    expectError(() => fg.saveCheckpoint(path, { model, extra: { n: 10n } as never }), 'ERR_ARG', /JSON/)
    expectError(() => fg.saveCheckpoint(path, { model: {} as never }), 'ERR_ARG', /Module/)
  })
})
