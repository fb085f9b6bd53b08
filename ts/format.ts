/**
 * PyTorch-style printing of tensors: aligned columns, 4 decimals (or scientific
 * notation for very large or small magnitudes), and `...` past 1000 elements.
 * Only the elements shown are formatted, so printing a huge tensor is cheap.
 * @internal
 * @module
 */

const THRESHOLD = 1000
const EDGE = 3

function formatter(shown: number[], dtype: string): (v: number) => string {
  if (dtype === 'bool') return (v) => (v !== 0 ? 'True' : 'False')
  if (dtype === 'int64' || dtype === 'int32') return (v) => String(v)
  let integral = true
  let max = 0
  let min = Infinity
  for (const v of shown) {
    if (!Number.isFinite(v)) continue
    if (!Number.isInteger(v)) integral = false
    const a = Math.abs(v)
    if (a > 0) {
      if (a > max) max = a
      if (a < min) min = a
    }
  }
  const sci = max >= 1e8 || (max > 0 && min < 1e-4) || (!integral && max / min > 1000 && min < 1e-2)
  return (v) => {
    if (Number.isNaN(v)) return 'nan'
    if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf'
    if (sci) return v.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2')
    if (integral) return `${v.toFixed(0)}.`
    return v.toFixed(4)
  }
}

/** Indices shown along a dimension of size n (`null` stands for `...`). */
function shownIndices(n: number, summarize: boolean): (number | null)[] {
  if (!summarize || n <= 2 * EDGE) return Array.from({ length: n }, (_, i) => i)
  return [0, 1, 2, null, n - 3, n - 2, n - 1]
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
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1))

  // The flat offsets of the elements that will be shown, in order.
  const offsets: number[] = []
  const collect = (dim: number, offset: number) => {
    if (dim === shape.length) {
      offsets.push(offset)
      return
    }
    for (const i of shownIndices(shape[dim], summarize)) if (i !== null) collect(dim + 1, offset + i * strides[dim])
  }
  if (values.length > 0) collect(0, 0)
  const fmt = formatter(
    offsets.map((o) => values[o]),
    dtype,
  )
  const cells = new Map(offsets.map((o) => [o, fmt(values[o])]))
  let width = 0
  for (const c of cells.values()) width = Math.max(width, c.length)
  const indent = 'tensor('.length

  const render = (dim: number, offset: number): string => {
    if (dim === shape.length) return cells.get(offset)!.padStart(width)
    const parts = shownIndices(shape[dim], summarize).map((i) =>
      i === null ? '...' : render(dim + 1, offset + i * strides[dim]),
    )
    if (dim === shape.length - 1) return `[${parts.join(', ')}]`
    const sep = ',' + '\n'.repeat(shape.length - dim - 1) + ' '.repeat(indent + dim + 1)
    return `[${parts.join(sep)}]`
  }

  let body: string
  if (values.length === 0) body = '[]'
  else body = shape.length === 0 ? cells.get(0)! : render(0, 0)
  const extras: string[] = []
  if (values.length === 0 && shape.length > 1) extras.push(`size=(${shape.join(', ')})`)
  if (dtype !== 'float32') extras.push(`dtype=torch.${dtype}`)
  if (gradFn) extras.push(`grad_fn=<${gradFn}>`)
  else if (requiresGrad) extras.push('requires_grad=True')
  return `tensor(${[body, ...extras].join(', ')})`
}
