/**
 * The codes a {@link FerrogradError} can carry, the one list of them in the
 * TypeScript layer (a test checks it against the core's). `ERR_INTERNAL` marks a
 * bug in ferrograd itself (a Rust panic caught at the boundary); please report it.
 */
export const ERROR_CODES = [
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
] as const

/** One of {@link ERROR_CODES}. */
export type ErrorCode = (typeof ERROR_CODES)[number]

const CODES: ReadonlySet<string> = new Set(ERROR_CODES)

/** What a failure is about, besides its code and message. */
export interface ErrorFields {
  /** The operation that failed, as users call it (`add`, `indexSelect`). */
  op?: string
  /** The shapes the failure is about, when it is about shapes. */
  shapes?: number[][]
}

/** Every failure ferrograd reports: an `Error` with a stable `code`. */
export class FerrogradError extends Error {
  /** What kind of failure this is; stable across versions. */
  readonly code: ErrorCode
  /** The operation that failed, as users call it, when the failure belongs to one. */
  readonly op: string | undefined
  /** The shapes the failure is about (empty when it is not about shapes). */
  readonly shapes: number[][]
  /** The message without the operation's name in front. */
  readonly detail: string

  /**
   * @param code one of the {@link ErrorCode}s.
   * @param message names the operation and the offending values; with `fields.op`, the
   * part after the operation's name (the message is then `op: message`).
   * @param fields the operation and shapes the failure is about.
   */
  constructor(code: ErrorCode, message: string, fields: ErrorFields = {}) {
    super(fields.op ? `${fields.op}: ${message}` : message)
    this.name = 'FerrogradError'
    this.code = code
    this.op = fields.op
    this.shapes = fields.shapes ?? []
    this.detail = message
  }

  /** The same failure reported as a failure of `op` (the function the user called). */
  as(op: string): FerrogradError {
    const e = new FerrogradError(this.code, this.detail, { op, shapes: this.shapes })
    e.stack = this.stack
    return e
  }
}

/** The fields the native binding puts in its errors' messages (`js_error` in the binding). */
interface NativeFields {
  code: string
  op: string
  message: string
  shapes: number[][]
}

/** The binding's structured error payload, if `message` is one. */
function nativeFields(message: string): NativeFields | undefined {
  if (!message.startsWith('{"')) return undefined
  try {
    const f = JSON.parse(message) as NativeFields
    return typeof f.code === 'string' && typeof f.message === 'string' ? f : undefined
  } catch {
    return undefined
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

/**
 * Turns whatever the native binding threw into a FerrogradError. The core's
 * errors arrive with their fields (code, operation, message, shapes); napi-rs'
 * own argument conversion errors (a string where a number belongs) become
 * `ERR_ARG` in plain words; a caught Rust panic arrives as `GenericFailure` and
 * becomes `ERR_INTERNAL`. `op` is the public name of the operation the native entry
 * serves, for errors that name none.
 */
export function toFerrogradError(e: unknown, op?: string): FerrogradError {
  if (e instanceof FerrogradError) return e
  const err = e as { code?: unknown; message?: unknown } | null
  let message = typeof err?.message === 'string' ? err.message : String(e)
  const code = typeof err?.code === 'string' ? err.code : ''
  const fields = nativeFields(message)
  if (fields && CODES.has(fields.code)) {
    const named = fields.op !== '' && fields.message.startsWith(`${fields.op}: `)
    return named
      ? new FerrogradError(fields.code as ErrorCode, fields.message.slice(fields.op.length + 2), { op: fields.op, shapes: fields.shapes })
      : new FerrogradError(fields.code as ErrorCode, fields.message, { op, shapes: fields.shapes })
  }
  const conversion = CONVERSION.exec(message)
  if (conversion) {
    const got = conversion[1] ? `, got ${conversion[1].toLowerCase()}` : ''
    message = `expected ${JS_NAMES[conversion[2]] ?? conversion[2]} as an argument${got}`
  }
  if (code === 'GenericFailure') return new FerrogradError('ERR_INTERNAL', `internal error (please report): ${message}`, { op })
  return new FerrogradError(CODES.has(code) ? (code as ErrorCode) : 'ERR_ARG', message, { op })
}

/** `v` when it is an integer JavaScript holds exactly (and at least `min`), else `ERR_ARG` naming `op` and `name`. */
export function integerArg(op: string, name: string, v: unknown, min = Number.MIN_SAFE_INTEGER): number {
  if (!Number.isSafeInteger(v) || (v as number) < min) {
    fail('ERR_ARG', op, `${name} must be ${min === 0 ? 'a non-negative ' : min === 1 ? 'a positive ' : 'an '}integer, got ${typeof v === 'string' ? `'${v}'` : String(v)}`)
  }
  return v as number
}

/**
 * Throws a FerrogradError; a statement-shaped helper for argument checks. With
 * `op`, the error is a failure of that operation and `detail` says what went wrong
 * (the message is `op: detail`); without, `message` stands alone.
 */
export function fail(code: ErrorCode, message: string): never
export function fail(code: ErrorCode, op: string, detail: string): never
export function fail(code: ErrorCode, opOrMessage: string, detail?: string): never {
  throw detail === undefined ? new FerrogradError(code, opOrMessage) : new FerrogradError(code, detail, { op: opOrMessage })
}

/**
 * Refuses option keys an operation does not know, so a misspelt or not yet
 * supported option (`weigth`, `ignoreIndex`) is never silently ignored.
 */
export function checkOptions(op: string, options: object | undefined, allowed: readonly string[]): void {
  if (options === undefined) return
  if (options === null || typeof options !== 'object') fail('ERR_ARG', op, `options must be an object`)
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      fail('ERR_ARG', op, `unknown option '${key}' (supported: ${allowed.join(', ') || 'none'})`)
    }
  }
}

function rename(e: unknown, op: string, inner: string | string[]): unknown {
  if (!(e instanceof FerrogradError) || e.op === undefined || e.op === op) return e
  return (typeof inner === 'string' ? [inner] : inner).includes(e.op) ? e.as(op) : e
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
    if (e instanceof FerrogradError && e.op !== op) {
      const outer = new FerrogradError(e.code, e.message, { op, shapes: e.shapes })
      outer.stack = e.stack
      throw outer
    }
    throw e
  }
}
