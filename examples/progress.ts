/**
 * The epoch loop both MNIST examples share: a progress bar over the batches that
 * shows each batch's loss, and the epoch's mean loss at the end.
 */
import { SingleBar } from 'cli-progress'
import type * as fg from 'ferrograd'

/**
 * One pass over `loader`, behind a progress bar. `step` trains on one batch (the
 * `index`-th of the epoch) and returns its loss. Returns the mean loss of the epoch.
 */
export function epochWithProgress(
  epoch: number,
  epochs: number,
  loader: fg.data.DataLoader,
  step: (x: fg.Tensor, y: fg.Tensor, index: number) => number,
): number {
  const bar = new SingleBar({
    format: `epoch ${epoch}/${epochs} [{bar}] {value}/{total} batches | loss {loss}`,
    hideCursor: true,
    clearOnComplete: true,
  })
  bar.start(loader.length, 0, { loss: '-' })
  let total = 0
  let s = 0
  for (const [x, y] of loader as Iterable<fg.Tensor[]>) {
    const value = step(x, y, s)
    total += value
    bar.update(++s, { loss: value.toFixed(4) })
  }
  bar.stop()
  return total / loader.length
}
