import { fail } from '../errors'

/**
 * A non-negative integer size argument of a layer's constructor, checked.
 * @internal
 */
export function sizeArg(op: string, name: string, v: number): number {
  if (!Number.isInteger(v) || v < 0) fail('ERR_ARG', op, `${name} must be a non-negative integer, got ${v}`)
  return v
}
