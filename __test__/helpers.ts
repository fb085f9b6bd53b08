import { expect } from 'vitest'
import * as fg from '../dist/index.js'

export { fg }

/** Runs `fn`, expecting a FerrogradError with `code` whose message matches `pattern`. */
export function expectError(fn: () => unknown, code: string, pattern?: RegExp): fg.FerrogradError {
  let caught: unknown
  try {
    fn()
  } catch (e) {
    caught = e
  }
  expect(caught, 'expected an error').toBeInstanceOf(fg.FerrogradError)
  const err = caught as fg.FerrogradError
  expect(err).toBeInstanceOf(Error)
  expect(err.code).toBe(code)
  if (pattern) expect(err.message).toMatch(pattern)
  return err
}

/** Asserts two flat arrays agree elementwise within a tolerance. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-5): void {
  expect(actual.length).toBe(expected.length)
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]
    const e = expected[i]
    if (Math.abs(a - e) > tol * (1 + Math.abs(e))) {
      throw new Error(`element ${i}: ${a} differs from ${e}`)
    }
  }
}

/** A deterministic pseudo-random array in [-1, 1) (independent of ferrograd's generator). */
export function randomArray(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1
  const out = new Float32Array(n)
  for (let i = 0; i < n; i++) {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    out[i] = ((s >>> 0) / 2 ** 32) * 2 - 1
  }
  return out
}

/**
 * Runs a full garbage collection and lets the native finalizers it queued run
 * (Node defers finalizers that call back into N-API to the next turn).
 */
export async function collect(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc
  if (!gc) throw new Error('tests must run with --expose-gc (see vitest.config.ts)')
  for (let i = 0; i < 2; i++) {
    gc()
    await new Promise((resolve) => setImmediate(resolve))
  }
}
