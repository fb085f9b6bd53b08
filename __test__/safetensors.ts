import { readFileSync } from 'node:fs'

// A small safetensors reader for the test fixtures, independent of ferrograd's own
// loader so a bug there cannot hide one in the ops: 8-byte little-endian header
// length, a JSON header, then packed little-endian data.

/** One stored tensor, its data in the matching typed array. */
export interface StoredTensor {
  dtype: 'F32' | 'I64' | 'BOOL'
  shape: number[]
  data: Float32Array | BigInt64Array | Uint8Array
}

/** The tensors of a file by name, and its `__metadata__` (strings only). */
export interface SafetensorsFile {
  tensors: Map<string, StoredTensor>
  metadata: Record<string, string>
}

const ITEM_SIZE = { F32: 4, I64: 8, BOOL: 1 } as const

interface HeaderEntry {
  dtype: string
  shape: number[]
  data_offsets: [number, number]
}

/** Reads a safetensors file holding F32, I64 and BOOL tensors. */
export function readSafetensors(path: string): SafetensorsFile {
  const bytes = readFileSync(path)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const headerLen = Number(view.getBigUint64(0, true))
  if (8 + headerLen > bytes.length) throw new Error(`${path}: header length ${headerLen} exceeds the file`)
  const header = JSON.parse(bytes.subarray(8, 8 + headerLen).toString('utf8')) as Record<string, unknown>
  const dataStart = 8 + headerLen
  const tensors = new Map<string, StoredTensor>()
  let metadata: Record<string, string> = {}
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = value as Record<string, string>
      continue
    }
    const entry = value as HeaderEntry
    if (!(entry.dtype in ITEM_SIZE)) throw new Error(`${path}: ${name} has dtype ${entry.dtype}, expected F32, I64 or BOOL`)
    const dtype = entry.dtype as StoredTensor['dtype']
    const [begin, end] = entry.data_offsets
    const numel = entry.shape.reduce((a, b) => a * b, 1)
    if (end - begin !== numel * ITEM_SIZE[dtype] || dataStart + end > bytes.length) {
      throw new Error(`${path}: ${name} has offsets [${begin}, ${end}] that do not fit shape [${entry.shape}]`)
    }
    // Copy into a fresh buffer: the data in the file need not be aligned.
    const raw = new Uint8Array(bytes.subarray(dataStart + begin, dataStart + end)).buffer
    const data = dtype === 'F32' ? new Float32Array(raw) : dtype === 'I64' ? new BigInt64Array(raw) : new Uint8Array(raw)
    tensors.set(name, { dtype, shape: entry.shape, data })
  }
  return { tensors, metadata }
}
