/**
 * Saving and loading tensors in the safetensors format, the one PyTorch users
 * share weights in (`safetensors.torch.save_file` / `load_file`).
 * @module
 */
import { checkOptions, fail, renamed, renamedAsync, toFerrogradError } from './errors'
import { native, type LoadedFile, type NativeTensor } from './native'
import { Tensor, describe } from './tensor'

/** Options of {@link save} and {@link saveAsync}. */
export interface SaveOptions {
  /** String-to-string metadata stored in the header (`__metadata__`). */
  metadata?: Record<string, string>
}

/** A file's tensors and its header metadata. */
export interface SafetensorsFile {
  /** The tensors by name. */
  tensors: Record<string, Tensor>
  /** The header's `__metadata__` (empty when the file has none). */
  metadata: Record<string, string>
}

/** `path` if it is a non-empty string, else `ERR_ARG` naming `op`. @internal */
export function checkPath(op: string, path: unknown): string {
  if (typeof path !== 'string' || path.length === 0) fail('ERR_ARG', op, `path must be a non-empty string, got ${describe(path)}`)
  return path
}

/** The arguments of a save, validated: names, native handles, metadata. */
function saveArgs(
  op: string,
  tensors: Record<string, Tensor>,
  path: string,
  options: SaveOptions | undefined,
): [string, string[], NativeTensor[], Record<string, string> | undefined] {
  checkPath(op, path)
  checkOptions(op, options, ['metadata'])
  if (tensors === null || typeof tensors !== 'object' || Array.isArray(tensors) || tensors instanceof Tensor) {
    fail('ERR_ARG', op, `expected an object of named tensors (such as model.stateDict()), got ${describe(tensors)}`)
  }
  const names = Object.keys(tensors)
  const handles = names.map((name) => {
    const t = tensors[name]
    if (!(t instanceof Tensor)) fail('ERR_ARG', op, `'${name}' is ${describe(t)}, not a Tensor`)
    return t._n
  })
  const metadata = options?.metadata
  if (metadata !== undefined) {
    if (metadata === null || typeof metadata !== 'object') fail('ERR_ARG', op, `metadata must be an object of strings`)
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') fail('ERR_ARG', op, `metadata '${k}' is ${describe(v)}; safetensors metadata values are strings`)
    }
  }
  return [path, names, handles, metadata]
}

function fromNative(file: LoadedFile): SafetensorsFile {
  if (file.errorCode) throw toFerrogradError({ code: file.errorCode, message: file.errorMessage ?? 'load failed' })
  const tensors: Record<string, Tensor> = {}
  file.names.forEach((name, i) => {
    tensors[name] = new Tensor(file.tensors[i])
  })
  return { tensors, metadata: { ...file.metadata } }
}

/**
 * Writes tensors to a safetensors file, atomically (a temporary file renamed into
 * place). Non-contiguous tensors are written packed. Python reads the file with
 * `safetensors.torch.load_file(path)`.
 *
 * @example
 * fg.save(model.stateDict(), 'model.safetensors', { metadata: { epoch: '3' } })
 */
export function save(tensors: Record<string, Tensor>, path: string, options?: SaveOptions): void {
  renamed('save', 'saveSafetensors', () => native.saveSafetensors(...saveArgs('save', tensors, path, options)))
}

/**
 * Reads every tensor of a safetensors file (for example one PyTorch wrote with
 * `safetensors.torch.save_file(model.state_dict(), path)`). Half floats (F16, BF16)
 * are widened to float32, small integers to int32 and U32 to int64. A damaged file
 * is `ERR_FORMAT` naming it and the problem; a missing one `ERR_IO`.
 *
 * @example
 * model.loadStateDict(fg.load('model.safetensors'))
 */
export function load(path: string): Record<string, Tensor> {
  return readAs('load', path).tensors
}

/** {@link load}, also returning the header's metadata. */
export function readSafetensors(path: string): SafetensorsFile {
  return readAs('readSafetensors', path)
}

/** Reads a file for `op` (`load` or `readSafetensors`), naming `op` in errors. */
function readAs(op: string, path: string): SafetensorsFile {
  return renamed(op, 'load', () => fromNative(native.loadSafetensors(checkPath(op, path))))
}

/** {@link save} on a worker thread of the pool: the event loop keeps running. */
export async function saveAsync(tensors: Record<string, Tensor>, path: string, options?: SaveOptions): Promise<void> {
  await renamedAsync('saveAsync', ['save', 'saveSafetensorsAsync'], async () => {
    const failed = await native.saveSafetensorsAsync(...saveArgs('saveAsync', tensors, path, options))
    if (failed) throw toFerrogradError({ code: failed[0], message: failed[1] })
  })
}

/** {@link load} on a worker thread of the pool: the event loop keeps running. */
export async function loadAsync(path: string): Promise<Record<string, Tensor>> {
  return renamedAsync('loadAsync', 'load', async () => fromNative(await native.loadSafetensorsAsync(checkPath('loadAsync', path))).tensors)
}
