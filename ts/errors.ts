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

/** What napi-rs' conversion errors call the Rust types, in JavaScript words. */
const JS_NAMES: Record<string, string> = {
  f64: 'a number',
  f32: 'a number',
  i32: 'a number',
  u32: 'a number',
  i64: 'a number',
  u64: 'a number',
  bool: 'a boolean',
  String: 'a string',
}

/** napi-rs' argument conversion failure: which JS value, which Rust type. */
const CONVERSION = /^Failed to convert (?:napi|JavaScript) value\s*`?([A-Za-z]*)[^`]*?`?\s*into rust type `([^`]+)`/

/** An error message already naming its operation (`matmul: shapes ...`). */
const NAMED = /^[A-Za-z][\w.]*(?:\/\w+)?: /

/**
 * Turns whatever the native binding threw into a FerrogradError. The core's
 * errors carry an `ERR_*` code already; napi-rs' own argument conversion errors
 * (a string where a number belongs) become `ERR_ARG` in plain words; a caught Rust
 * panic arrives as `GenericFailure` and becomes `ERR_INTERNAL`. `op` names the
 * operation for messages that do not name one yet.
 */
export function toFerrogradError(e: unknown, op?: string): FerrogradError {
  if (e instanceof FerrogradError) return e
  const err = e as { code?: unknown; message?: unknown } | null
  let message = typeof err?.message === 'string' ? err.message : String(e)
  const code = typeof err?.code === 'string' ? err.code : ''
  const conversion = CONVERSION.exec(message)
  if (conversion) {
    const got = conversion[1] ? `, got ${conversion[1].toLowerCase()}` : ''
    message = `expected ${JS_NAMES[conversion[2]] ?? conversion[2]} as an argument${got}`
  }
  if (op && !NAMED.test(message)) message = `${op}: ${message}`
  if (CODES.has(code)) return new FerrogradError(code as ErrorCode, message)
  if (code === 'GenericFailure') return new FerrogradError('ERR_INTERNAL', `internal error (please report): ${message}`)
  return new FerrogradError('ERR_ARG', message)
}

/** `v` when it is an integer JavaScript holds exactly (and at least `min`), else `ERR_ARG` naming `op` and `name`. */
export function integerArg(op: string, name: string, v: unknown, min = Number.MIN_SAFE_INTEGER): number {
  if (!Number.isSafeInteger(v) || (v as number) < min) {
    fail('ERR_ARG', `${op}: ${name} must be ${min === 0 ? 'a non-negative ' : min === 1 ? 'a positive ' : 'an '}integer, got ${typeof v === 'string' ? `'${v}'` : String(v)}`)
  }
  return v as number
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

function rename(e: unknown, op: string, inner: string | string[]): unknown {
  if (!(e instanceof FerrogradError)) return e
  for (const name of typeof inner === 'string' ? [inner] : inner) {
    if (name !== op && e.message.startsWith(`${name}: `)) return new FerrogradError(e.code, `${op}: ${e.message.slice(name.length + 2)}`)
  }
  return e
}

/**
 * `fn()`, with errors that name `inner` (an implementation detail, such as `full`
 * behind `zeros`) renamed to name `op`, the function the user called.
 */
export function renamed<T>(op: string, inner: string | string[], fn: () => T): T {
  try {
    return fn()
  } catch (e) {
    throw rename(e, op, inner)
  }
}

/** {@link renamed} for async work: rejections are renamed too. */
export async function renamedAsync<T>(op: string, inner: string | string[], fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (e) {
    throw rename(e, op, inner)
  }
}

/**
 * `fn()`, with errors from the steps it takes (`load: ...`, `loadStateDict: ...`)
 * prefixed with `op`, the function the user called, keeping the step's own words.
 */
export function within<T>(op: string, fn: () => T): T {
  try {
    return fn()
  } catch (e) {
    if (e instanceof FerrogradError && !e.message.startsWith(`${op}: `)) throw new FerrogradError(e.code, `${op}: ${e.message}`)
    throw e
  }
}
