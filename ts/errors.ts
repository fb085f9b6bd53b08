/**
 * The codes a {@link FerrogradError} can carry. `ERR_INTERNAL` marks a bug in
 * ferrograd itself (a Rust panic caught at the boundary); please report it.
 */
export type ErrorCode =
  | 'ERR_SHAPE'
  | 'ERR_DTYPE'
  | 'ERR_ARG'
  | 'ERR_INDEX'
  | 'ERR_DISPOSED'
  | 'ERR_ALLOC'
  | 'ERR_IO'
  | 'ERR_FORMAT'
  | 'ERR_GRAD'
  | 'ERR_ABORTED'
  | 'ERR_INTERNAL'

const CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'ERR_SHAPE',
  'ERR_DTYPE',
  'ERR_ARG',
  'ERR_INDEX',
  'ERR_DISPOSED',
  'ERR_ALLOC',
  'ERR_IO',
  'ERR_FORMAT',
  'ERR_GRAD',
  'ERR_ABORTED',
  'ERR_INTERNAL',
])

/** Every failure ferrograd reports: an `Error` with a stable `code`. */
export class FerrogradError extends Error {
  /** What kind of failure this is; stable across versions. */
  readonly code: ErrorCode

  /** @param code one of the {@link ErrorCode}s. @param message names the operation and the offending values. */
  constructor(code: ErrorCode, message: string) {
    super(message)
    this.name = 'FerrogradError'
    this.code = code
  }
}

/**
 * Turns whatever the native binding threw into a FerrogradError. The core's
 * errors carry an `ERR_*` code already; napi-rs' own argument conversion errors
 * (a string where a tensor belongs) become `ERR_ARG`; a caught Rust panic arrives
 * as `GenericFailure` and becomes `ERR_INTERNAL`.
 */
export function toFerrogradError(e: unknown): FerrogradError {
  if (e instanceof FerrogradError) return e
  const err = e as { code?: unknown; message?: unknown } | null
  const message = typeof err?.message === 'string' ? err.message : String(e)
  const code = typeof err?.code === 'string' ? err.code : ''
  if (CODES.has(code)) return new FerrogradError(code as ErrorCode, message)
  if (code === 'GenericFailure') return new FerrogradError('ERR_INTERNAL', `internal error (please report): ${message}`)
  return new FerrogradError('ERR_ARG', message)
}

/** Throws a FerrogradError; a statement-shaped helper for argument checks. */
export function fail(code: ErrorCode, message: string): never {
  throw new FerrogradError(code, message)
}

/**
 * Refuses option keys an operation does not know, so a misspelt or not yet
 * supported option (`weigth`, `ignoreIndex`) is never silently ignored.
 */
export function checkOptions(op: string, options: object | undefined, allowed: readonly string[]): void {
  if (options === undefined) return
  if (options === null || typeof options !== 'object') fail('ERR_ARG', `${op}: options must be an object`)
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      fail('ERR_ARG', `${op}: unknown option '${key}' (supported: ${allowed.join(', ') || 'none'})`)
    }
  }
}
