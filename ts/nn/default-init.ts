import { uniform } from '../creation'
import { within } from '../errors'
import { Parameter } from './parameter'

/**
 * PyTorch's default initialisation of Linear and Conv layers: the weight
 * `[out, in, ...kernel]` kaiming-uniform with `a = sqrt(5)`, the bias uniform in
 * ±1/sqrt(fan_in), where `fan_in = in * prod(kernel)`. The weight's bound
 * `gain * sqrt(3 / fan_in)` with the leaky-ReLU gain `sqrt(2 / (1 + a^2))` is
 * exactly 1/sqrt(fan_in) too. Drawn weight first, then bias, as PyTorch does.
 * Errors (a layer too large for memory) name the layer, `op`.
 * @internal
 */
export function defaultParameters(op: string, weightShape: number[], bias: boolean): [Parameter, Parameter | null] {
  return within(op, () => drawParameters(weightShape, bias))
}

function drawParameters(weightShape: number[], bias: boolean): [Parameter, Parameter | null] {
  const fanIn = weightShape.slice(1).reduce((a, b) => a * b, 1)
  const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0
  const weight = new Parameter(uniform(weightShape, -bound, bound))
  return [weight, bias ? new Parameter(uniform([weightShape[0]], -bound, bound)) : null]
}
