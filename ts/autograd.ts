/**
 * Autograd utilities, as `torch.autograd`: `gradcheck` compares the gradients
 * backward computes with central finite differences.
 * @module
 */
import { checkOptions, fail } from './errors'
import { noGrad } from './functions'
import { Tensor, describe } from './tensor'
import { tensor } from './creation'

/** Options of {@link gradcheck}; the defaults are `torch.autograd.gradcheck`'s. */
export interface GradcheckOptions {
  /** The finite-difference step (default 1e-6). */
  eps?: number
  /** Absolute tolerance (default 1e-5). */
  atol?: number
  /** Relative tolerance, against the numerical value (default 1e-3). */
  rtol?: number
  /** Throw an `ERR_GRAD` FerrogradError that names the mismatch (default), or return false. */
  raiseException?: boolean
}

/** The elements of a tensor as float64, row-major. */
function values(t: Tensor): Float64Array {
  return t.detach().to('float64').toTypedArray() as Float64Array
}

/** The outputs of `fn` as a list, each checked to be a tensor. */
function outputsOf(fn: (...inputs: Tensor[]) => Tensor | Tensor[], inputs: Tensor[]): Tensor[] {
  const out = fn(...inputs)
  const list = Array.isArray(out) ? out : [out]
  list.forEach((o, i) => {
    if (!(o instanceof Tensor)) fail('ERR_ARG', 'gradcheck', `output ${i} of fn is ${describe(o)}, not a Tensor`)
  })
  return list
}

function nonNegative(name: string, v: number | undefined, fallback: number, positive = false): number {
  if (v === undefined) return fallback
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (positive && v === 0)) {
    fail('ERR_ARG', 'gradcheck', `${name} must be a ${positive ? 'positive' : 'non-negative'} finite number, got ${describe(v)}`)
  }
  return v
}

/**
 * Checks the gradients of `fn` with respect to every input that requires grad:
 * the Jacobian backward computes (one backward pass per output element) against
 * central differences `(fn(x + eps) - fn(x - eps)) / 2 eps`, each element within
 * `atol + rtol * |numerical|`. Inputs that require grad must be float64, as
 * float32 rounding would swamp the differences. Returns true, or throws (or
 * returns false with `raiseException: false`) on the first mismatch.
 *
 * The inputs' `.grad` is left as it was.
 *
 * @example
 * const x = fg.randn([3], { dtype: 'float64', requiresGrad: true })
 * fg.autograd.gradcheck((t) => t.tanh().mul(t), [x]) // true
 */
export function gradcheck(
  fn: (...inputs: Tensor[]) => Tensor | Tensor[],
  inputs: Tensor | Tensor[],
  options: GradcheckOptions = {},
): boolean {
  checkOptions('gradcheck', options, ['eps', 'atol', 'rtol', 'raiseException'])
  if (typeof fn !== 'function') fail('ERR_ARG', 'gradcheck', `fn must be a function, got ${describe(fn)}`)
  const xs = Array.isArray(inputs) ? inputs : [inputs]
  xs.forEach((x, i) => {
    if (!(x instanceof Tensor)) fail('ERR_ARG', 'gradcheck', `input ${i} is ${describe(x)}, not a Tensor`)
  })
  const eps = nonNegative('eps', options.eps, 1e-6, true)
  const atol = nonNegative('atol', options.atol, 1e-5)
  const rtol = nonNegative('rtol', options.rtol, 1e-3)
  const raise = options.raiseException ?? true
  const checked = xs.map((x, i) => ({ x, i })).filter(({ x }) => x.requiresGrad)
  if (checked.length === 0) fail('ERR_ARG', 'gradcheck', 'no input requires grad; create them with requiresGrad: true')
  for (const { x, i } of checked) {
    if (x.dtype !== 'float64') {
      fail('ERR_DTYPE', 'gradcheck', `input ${i} is ${x.dtype}; finite differences need float64 inputs (use .double())`)
    }
  }

  const saved = checked.map(({ x }) => x.grad)
  try {
    // analytic[o][j][c][k]: d output o element j / d checked input c element k.
    const outputs = outputsOf(fn, xs)
    const analytic = outputs.map((o) => {
      const rows: Float64Array[][] = []
      for (let j = 0; j < o.numel(); j++) {
        if (!o.requiresGrad) {
          rows.push(checked.map(({ x }) => new Float64Array(x.numel())))
          continue
        }
        for (const { x } of checked) x.grad = null
        const onehot = new Float64Array(o.numel())
        onehot[j] = 1
        o.backward(tensor(onehot, { shape: o.shape }).to(o.dtype), { retainGraph: true })
        rows.push(checked.map(({ x }) => (x.grad ? values(x.grad) : new Float64Array(x.numel()))))
      }
      return rows
    })

    for (let c = 0; c < checked.length; c++) {
      const { x, i } = checked[c]
      const base = values(x)
      const evaluate = (k: number, delta: number): Float64Array[] => {
        const moved = Float64Array.from(base)
        moved[k] += delta
        const args = xs.map((t, m) => (m === i ? tensor(moved, { shape: x.shape }) : t))
        return noGrad(() => outputsOf(fn, args).map(values))
      }
      for (let k = 0; k < base.length; k++) {
        const plus = evaluate(k, eps)
        const minus = evaluate(k, -eps)
        for (let o = 0; o < outputs.length; o++) {
          for (let j = 0; j < plus[o].length; j++) {
            const numeric = (plus[o][j] - minus[o][j]) / (2 * eps)
            const a = analytic[o][j][c][k]
            if (!(Math.abs(a - numeric) <= atol + rtol * Math.abs(numeric))) {
              if (!raise) return false
              fail(
                'ERR_GRAD',
                `gradcheck: Jacobian mismatch for output ${o} element ${j} with respect to input ${i} element ${k}: ` +
                  `analytical ${a}, numerical ${numeric} (atol ${atol}, rtol ${rtol})`,
              )
            }
          }
        }
      }
    }
    return true
  } finally {
    checked.forEach(({ x }, c) => {
      x.grad = saved[c]
    })
  }
}
