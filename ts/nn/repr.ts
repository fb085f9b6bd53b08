/**
 * Python's spelling of values in module descriptions, so `toString()` reads as
 * PyTorch's `repr` does (`eps=1e-05`, `affine=True`, `(4,)`).
 * @internal
 * @module
 */

/** A number as Python's `repr` of a float prints it: `0.1`, `1e-05`, `1.0`. */
export function pyFloat(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf'
  if (x !== 0 && (Math.abs(x) < 1e-4 || Math.abs(x) >= 1e16)) {
    // Python pads the exponent to two digits: 1e-05, 1e+16.
    return x.toExponential().replace(/e([+-])(\d)$/, 'e$10$2')
  }
  return Number.isInteger(x) ? x.toFixed(1) : String(x)
}

/** `True` / `False`. */
export function pyBool(b: boolean): string {
  return b ? 'True' : 'False'
}

/** A tuple of integers: `(4,)`, `(2, 3)`. */
export function pyTuple(values: readonly number[]): string {
  return values.length === 1 ? `(${values[0]},)` : `(${values.join(', ')})`
}
