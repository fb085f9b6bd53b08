import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { expectClose, expectError, fg } from './helpers'
// @ts-expect-error: a plain .mjs script shared with scripts/write-interop.mjs
import { interopMetadata, interopTensors } from '../scripts/interop-tensors.mjs'

const FIXTURES = join(__dirname, '..', 'fixtures', 'interop')
const dir = mkdtempSync(join(tmpdir(), 'ferrograd-io-'))

type Nested = number | boolean | Nested[]
const flat = (v: Nested): number[] => (Array.isArray(v) ? v.flatMap(flat) : [Number(v)])

describe('safetensors', () => {
  test('every dtype, views, 0-d and empty tensors round-trip with metadata', () => {
    const tensors = interopTensors(fg) as Record<string, fg.Tensor>
    const path = join(dir, 'all.safetensors')
    fg.save(tensors, path, { metadata: interopMetadata })
    const back = fg.readSafetensors(path)
    expect(back.metadata).toEqual(interopMetadata)
    expect(Object.keys(back.tensors).sort()).toEqual(Object.keys(tensors).sort())
    for (const [name, t] of Object.entries(tensors)) {
      const got = back.tensors[name]
      expect(got.dtype, name).toBe(t.dtype)
      expect(got.shape, name).toEqual(t.shape)
      expect(got.tolist(), name).toEqual(t.tolist())
    }
    // No temporary file is left beside it.
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })

  test('saveAsync and loadAsync run off the main thread', async () => {
    const big = fg.randn([2_000_000])
    const path = join(dir, 'big.safetensors')
    let ticks = 0
    const timer = setInterval(() => ticks++, 0)
    await fg.saveAsync({ big }, path)
    const back = await fg.loadAsync(path)
    clearInterval(timer)
    expect(back.big.shape).toEqual([2_000_000])
    expect(back.big.sub(big).abs().max().item()).toBe(0)
    // Timers ran while the file was written and read: the main thread was free.
    expect(ticks).toBeGreaterThan(0)
    await expect(fg.loadAsync(join(dir, 'missing.safetensors'))).rejects.toBeInstanceOf(fg.FerrogradError)
    await expect(fg.saveAsync({ x: 3 as never }, path)).rejects.toMatchObject({ code: 'ERR_ARG' })
  })

  /** The CNN of the interop fixtures (scripts/make_interop.py). */
  function interopCnn(): fg.nn.Sequential {
    return new fg.nn.Sequential(
      new fg.nn.Conv2d(1, 4, 3, { padding: 1 }),
      new fg.nn.ReLU(),
      new fg.nn.MaxPool2d(2),
      new fg.nn.Conv2d(4, 6, 3),
      new fg.nn.ReLU(),
      new fg.nn.Flatten(),
      new fg.nn.Linear(6 * 2 * 2, 3),
    )
  }
  const PYTORCH_MODELS: [string, string, () => fg.nn.Sequential][] = [
    ['a model', 'mlp', () => new fg.nn.Sequential(new fg.nn.Linear(4, 8), new fg.nn.ReLU(), new fg.nn.Linear(8, 3))],
    ['a CNN', 'cnn', interopCnn],
  ]

  test.each(PYTORCH_MODELS)('%s trained and saved by PyTorch gives the same outputs in ferrograd', (_, file, build) => {
    const model = build()
    model.loadStateDict(fg.load(join(FIXTURES, `${file}.safetensors`)))
    const io = fg.load(join(FIXTURES, `${file}_io.safetensors`))
    const out = fg.noGrad(() => model.forward(io.input))
    expect(out.shape).toEqual(io.output.shape)
    expectClose(flat(out.tolist() as Nested), flat(io.output.tolist() as Nested), 1e-5)
  })

  test("PyTorch's dtypes load, half and small types widened", () => {
    const t = fg.load(join(FIXTURES, 'dtypes.safetensors'))
    const check = (name: string, dtype: string, values: number[]) => {
      expect(t[name].dtype, name).toBe(dtype)
      expect(flat(t[name].tolist() as Nested), name).toEqual(values)
    }
    check('f16', 'float32', [0, 1.5, -2.25, 1000])
    check('bf16', 'float32', [0, 1.5, -2.25, 1000])
    check('f64', 'float64', [0, 1.5, -2.25, 1000])
    check('u8', 'int32', [0, 7, 255])
    check('i8', 'int32', [-128, 0, 127])
    check('i16', 'int32', [-32768, 5, 32767])
    check('i32', 'int32', [-(2 ** 31), 2 ** 31 - 1])
    check('i64', 'int64', [-(2 ** 62), 2 ** 62])
    check('bool', 'bool', [1, 0, 1])
  })

  test("Python's safetensors reads what ferrograd writes (recorded by scripts/make_interop.py)", () => {
    // What ferrograd writes today is what Python read: the same header (its
    // metadata map has no fixed key order) and the same data bytes.
    const path = join(dir, 'interop.safetensors')
    fg.save(interopTensors(fg), path, { metadata: interopMetadata })
    const split = (b: Buffer) => {
      const n = Number(b.readBigUInt64LE(0))
      return { header: JSON.parse(b.subarray(8, 8 + n).toString('utf8')), data: b.subarray(8 + n) }
    }
    const [now, then] = [split(readFileSync(path)), split(readFileSync(join(FIXTURES, 'ferrograd_written.safetensors')))]
    expect(now.header).toEqual(then.header)
    expect(now.data.equals(then.data)).toBe(true)
    const seen = JSON.parse(readFileSync(join(FIXTURES, 'ferrograd_written.json'), 'utf8'))
    expect(seen.metadata).toEqual(interopMetadata)
    const torchDtype = { float32: 'float32', float64: 'float64', int32: 'int32', int64: 'int64', bool: 'bool' }
    for (const [name, t] of Object.entries(interopTensors(fg) as Record<string, fg.Tensor>)) {
      const s = seen.tensors[name]
      expect(s.dtype, name).toBe(torchDtype[t.dtype])
      expect(s.shape, name).toEqual(t.shape)
      expect(s.values.map(Number), name).toEqual(flat(t.tolist() as Nested))
    }
  })

  test('bad files are ERR_FORMAT naming the file; missing ones ERR_IO', () => {
    const good = readFileSync(join(FIXTURES, 'mlp_io.safetensors'))
    const write = (name: string, bytes: Buffer) => {
      const p = join(dir, name)
      writeFileSync(p, bytes)
      return p
    }
    const truncated = write('truncated.safetensors', good.subarray(0, good.length - 3))
    expectError(() => fg.load(truncated), 'ERR_FORMAT', /truncated\.safetensors/)
    const huge = Buffer.from(good)
    huge.writeBigUInt64LE(2n ** 62n, 0)
    expectError(() => fg.load(write('huge-header.safetensors', huge)), 'ERR_FORMAT', /huge-header/)
    expectError(() => fg.load(write('tiny.safetensors', Buffer.from([1, 2, 3]))), 'ERR_FORMAT')
    const header = Buffer.from('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}')
    const len = Buffer.alloc(8)
    len.writeBigUInt64LE(BigInt(header.length))
    const short = write('short-data.safetensors', Buffer.concat([len, header, Buffer.alloc(4)]))
    expectError(() => fg.load(short), 'ERR_FORMAT', /short-data/)
    const bad = Buffer.from('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}')
    len.writeBigUInt64LE(BigInt(bad.length))
    expectError(() => fg.load(write('overlap.safetensors', Buffer.concat([len, bad, Buffer.alloc(8)]))), 'ERR_FORMAT')
    const odd = Buffer.from('{"a":{"dtype":"Q7","shape":[2],"data_offsets":[0,8]}}')
    len.writeBigUInt64LE(BigInt(odd.length))
    expectError(() => fg.load(write('dtype.safetensors', Buffer.concat([len, odd, Buffer.alloc(8)]))), 'ERR_FORMAT')
    expectError(() => fg.load(join(dir, 'nope.safetensors')), 'ERR_IO', /nope\.safetensors/)
    expectError(() => fg.save({ a: fg.ones([1]) }, join(dir, 'no-such-dir', 'x.safetensors')), 'ERR_IO', /no-such-dir/)
    expectError(() => fg.save({ a: [1, 2] as never }, join(dir, 'x.safetensors')), 'ERR_ARG', /'a'/)
    expectError(() => fg.save({ a: fg.ones([1]) }, ''), 'ERR_ARG', /path/)
    expectError(() => fg.save({ a: fg.ones([1]) }, join(dir, 'm.safetensors'), { metadata: { n: 3 as never } }), 'ERR_ARG', /metadata/)
    expectError(() => fg.save(fg.ones([1]) as never, join(dir, 'm.safetensors')), 'ERR_ARG', /named tensors/)
  })
})
