// Writes the one data file every peer reads, so that all of them train and test
// on the same digits: the 8,000/2,000 split of the `mnist` package that
// `fg.data.mnist()` makes (800 of each digit train, the rest test).
//
//   node prepare-data.mjs [out]      (default .data/mnist-split.safetensors)
//
// Tensors: train_x [8000, 784] float32 in [0, 1], train_y [8000] int64,
// test_x [2000, 784], test_y [2000]. Metadata: `mean` and `std` of train_x's
// pixels, which the CNN's inputs are normalized with.
import { mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as fg from 'ferrograd'

const here = dirname(fileURLToPath(import.meta.url))

/** Writes the split to `out` and returns the path. */
export function prepareData(out = join(here, '.data', 'mnist-split.safetensors')) {
  const { train, test } = fg.data.mnist()
  const pixels = train[0].double()
  const mean = pixels.mean().item()
  const std = pixels.std(undefined, false, { correction: 0 }).item()
  mkdirSync(dirname(out), { recursive: true })
  fg.save(
    {
      train_x: train[0].flatten(1).contiguous(),
      train_y: train[1].contiguous(),
      test_x: test[0].flatten(1).contiguous(),
      test_y: test[1].contiguous(),
    },
    out,
    { metadata: { mean: String(mean), std: String(std) } },
  )
  return out
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(prepareData(process.argv[2]))
