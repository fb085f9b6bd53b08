/**
 * PyTorch-style printing of tensors: aligned columns, 4 decimals (or scientific
 * notation for very large or small magnitudes), and `...` past 1000 elements.
 * @internal
 * @module
 */

const THRESHOLD = 1000
const EDGE = 3

function formatter(values: Float64Array, dtype: string): (v: number) => string {
  if (dtype === 'bool') return (v) => (v !== 0 ? 'True' : 'False')
  if (dtype === 'int64') return (v) => String(v)
  const finite = Array.from(values).filter((v) => Number.isFinite(v))
  const integral = finite.every((v) => Number.isInteger(v))
  const mags = finite.map(Math.abs).filter((v) => v > 0)
  const max = mags.length ? Math.max(...mags) : 0
  const min = mags.length ? Math.min(...mags) : 0
  const sci = max >= 1e8 || (min > 0 && min < 1e-4) || (max > 0 && max / Math.max(min, 1e-300) > 1000 && !integral && min < 1e-2)
  return (v) => {
    if (Number.isNaN(v)) return 'nan'
    if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf'
    if (sci) return v.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2')
    if (integral) return `${v.toFixed(0)}.`
    return v.toFixed(4)
  }
}

/** The text of a tensor as PyTorch prints it. */
export function formatTensor(
  shape: number[],
  dtype: string,
  values: Float64Array,
  requiresGrad: boolean,
  gradFn: string | null,
): string {
  const summarize = values.length > THRESHOLD
  const fmt = formatter(values, dtype)
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1))
  const cells = Array.from(values, fmt)
  const width = cells.reduce((w, c) => Math.max(w, c.length), 0)
  const pad = (s: string) => s.padStart(width)
  const indent = 'tensor('.length

  const render = (dim: number, offset: number): string => {
    if (dim === shape.length) return pad(cells[offset])
    const n = shape[dim]
    const idx: (number | null)[] = []
    if (summarize && n > 2 * EDGE) {
      for (let i = 0; i < EDGE; i++) idx.push(i)
      idx.push(null)
      for (let i = n - EDGE; i < n; i++) idx.push(i)
    } else {
      for (let i = 0; i < n; i++) idx.push(i)
    }
    const parts = idx.map((i) => (i === null ? '...' : render(dim + 1, offset + i * strides[dim])))
    if (dim === shape.length - 1) return `[${parts.join(', ')}]`
    const sep = ',' + '\n'.repeat(shape.length - dim - 1) + ' '.repeat(indent + dim + 1)
    return `[${parts.join(sep)}]`
  }

  let body = shape.length === 0 ? cells[0] ?? '' : render(0, 0)
  if (values.length === 0 && shape.length > 0) body = '[]'
  const extras: string[] = []
  if (values.length === 0 && shape.length > 1) extras.push(`size=(${shape.join(', ')})`)
  if (dtype !== 'float32') extras.push(`dtype=torch.${dtype}`)
  if (gradFn) extras.push(`grad_fn=<${gradFn}>`)
  else if (requiresGrad) extras.push('requires_grad=True')
  return `tensor(${[body, ...extras].join(', ')})`
}
