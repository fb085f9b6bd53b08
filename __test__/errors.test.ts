// Errors cross from the core as fields (code, operation, message, shapes), not as
// text to be parsed, and the codes are one list checked against the core's.
import { createRequire } from 'node:module'
import { describe, expect, test } from 'vitest'
import { expectError, fg } from './helpers'

const require = createRequire(__filename)
const binding = require('../native/binding.cjs') as { errorCodes(): string[] }

describe('errors', () => {
  test("the TypeScript list of codes is the core's, plus ERR_INTERNAL which only the TS layer raises", () => {
    expect([...fg.ERROR_CODES]).toEqual([...binding.errorCodes(), 'ERR_INTERNAL'])
  })

  test('a core error arrives with its operation and shapes as fields', () => {
    const e = expectError(() => fg.ones([2, 3]).add(fg.ones([4])), 'ERR_SHAPE', /^add: shapes \[2, 3\] and \[4\] cannot be broadcast/)
    expect(e.op).toBe('add')
    expect(e.shapes).toEqual([[2, 3], [4]])
    expect(e.detail).toMatch(/^shapes \[2, 3\] and \[4\]/)
    const m = expectError(() => fg.ones([2, 3]).matmul(fg.ones([4, 5])), 'ERR_SHAPE', /^matmul: /)
    expect(m.shapes).toEqual([[2, 3], [4, 5]])
  })

  test("an argument napi-rs could not convert is named after the op the user called, from the binding's table", () => {
    const x = fg.ones([2])
    const e = expectError(() => (x as unknown as { maximum(v: unknown): unknown }).maximum('a'), 'ERR_ARG')
    expect(e.op).toBe('maximum')
    // `min(dim)` runs the entry tensorMinDim, whose public name is min.
    const d = expectError(() => x.min(0.5 as number), 'ERR_ARG', /^min: dim must be an integer/)
    expect(d.op).toBe('min')
  })

  test('a step of a function reports the function the user called, by field', () => {
    const e = expectError(() => fg.zeros([-1]), 'ERR_ARG', /^zeros: /)
    expect(e.op).toBe('zeros')
  })
})
