import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { describe, expect, test } from 'vitest'
import { expectError, fg } from './helpers'

const dir = mkdtempSync(join(tmpdir(), 'ferrograd-data-'))

/** An IDX file: magic, big-endian dims, bytes. */
function idx(code: number, dims: number[], data: Uint8Array): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length)
  head.writeUInt8(code, 2)
  head.writeUInt8(dims.length, 3)
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i))
  return Buffer.concat([head, Buffer.from(data)])
}

describe('TensorDataset and DataLoader', () => {
  const x = fg.arange(10).float().reshape(10, 1)
  const y = fg.arange(10)
  const ds = new fg.data.TensorDataset(x, y)

  test('TensorDataset indexes rows and checks its tensors', () => {
    expect(ds.length).toBe(10)
    const [x3, y3] = ds.get(3)
    expect([x3.tolist(), y3.item()]).toEqual([[3], 3])
    expectError(() => ds.get(10), 'ERR_INDEX')
    expectError(() => new fg.data.TensorDataset(x, fg.arange(9)), 'ERR_SHAPE', /9 rows/)
    expectError(() => new fg.data.TensorDataset(), 'ERR_ARG')
  })

  test('batches cover every item once, in order without shuffle', () => {
    const loader = new fg.data.DataLoader(ds, { batchSize: 4 })
    expect(loader.length).toBe(3)
    const batches = [...loader] as fg.Tensor[][]
    expect(batches.map(([xb]) => xb.shape)).toEqual([[4, 1], [4, 1], [2, 1]])
    expect(batches.flatMap(([, yb]) => yb.tolist() as number[])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    const dropped = new fg.data.DataLoader(ds, { batchSize: 4, dropLast: true })
    expect(dropped.length).toBe(2)
    expect([...dropped].length).toBe(2)
  })

  test('a seeded shuffle repeats exactly, changes per epoch and leaves the global generator alone', () => {
    const order = (loader: fg.data.DataLoader) => [...loader].flatMap((b) => (b as fg.Tensor[])[1].tolist() as number[])
    fg.manualSeed(5)
    const a = new fg.data.DataLoader(ds, { batchSize: 3, shuffle: true, seed: 11 })
    const [e1, e2] = [order(a), order(a)]
    const afterLoader = fg.rand([1]).item()
    fg.manualSeed(5)
    expect(fg.rand([1]).item()).toBe(afterLoader)
    expect([...e1].sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(e1).not.toEqual(e2)
    const b = new fg.data.DataLoader(ds, { batchSize: 3, shuffle: true, seed: 11 })
    expect([order(b), order(b)]).toEqual([e1, e2])
    // Without a seed the global generator decides, as in PyTorch.
    fg.manualSeed(2)
    const g1 = order(new fg.data.DataLoader(ds, { batchSize: 10, shuffle: true }))
    fg.manualSeed(2)
    expect(order(new fg.data.DataLoader(ds, { batchSize: 10, shuffle: true }))).toEqual(g1)
  })

  test('any dataset with length and get(i) is stacked into batches; async iteration works', async () => {
    const squares: fg.data.Dataset<[fg.Tensor, number]> = { length: 5, get: (i) => [fg.tensor([i, i * i]), i % 2] }
    const loader = new fg.data.DataLoader(squares, { batchSize: 2 })
    const batches: fg.Tensor[][] = []
    for await (const b of loader) batches.push(b as fg.Tensor[])
    expect(batches[0][0].tolist()).toEqual([[0, 0], [1, 1]])
    expect(batches[0][1].tolist()).toEqual([0, 1])
    expect(batches[2][0].shape).toEqual([1, 2])
    const bad = new fg.data.DataLoader({ length: 2, get: () => 'x' }, { batchSize: 2 })
    expectError(() => [...bad], 'ERR_ARG', /tensors or numbers/)
    expectError(() => new fg.data.DataLoader(ds, { batchSize: 0 }), 'ERR_ARG', /batchSize/)
    expectError(() => new fg.data.DataLoader({} as never), 'ERR_ARG', /length/)
    expectError(() => new fg.data.DataLoader(ds, { batch: 2 } as never), 'ERR_ARG', /unknown option/)
  })
})

describe('files', () => {
  test('readIdx reads raw and gzip files and refuses bad ones', () => {
    const bytes = idx(0x08, [2, 3], Uint8Array.of(0, 1, 2, 253, 254, 255))
    writeFileSync(join(dir, 'a.idx'), bytes)
    writeFileSync(join(dir, 'a.idx.gz'), gzipSync(bytes))
    for (const name of ['a.idx', 'a.idx.gz']) {
      const t = fg.data.readIdx(join(dir, name))
      expect(t.dtype).toBe('int32')
      expect(t.tolist()).toEqual([[0, 1, 2], [253, 254, 255]])
    }
    writeFileSync(join(dir, 'magic.idx'), Buffer.from([1, 0, 8, 1, 0, 0, 0, 0]))
    expectError(() => fg.data.readIdx(join(dir, 'magic.idx')), 'ERR_FORMAT', /magic\.idx.*magic number/)
    writeFileSync(join(dir, 'short.idx'), idx(0x08, [60000, 28, 28], Uint8Array.of(1, 2)))
    expectError(() => fg.data.readIdx(join(dir, 'short.idx')), 'ERR_FORMAT', /47040000 bytes/)
    writeFileSync(join(dir, 'lie.idx.gz'), gzipSync(idx(0x08, [4294967295, 4294967295], Uint8Array.of())))
    expect(() => fg.data.readIdx(join(dir, 'lie.idx.gz'))).toThrow(fg.FerrogradError)
    expectError(() => fg.data.readIdx(join(dir, 'none.idx')), 'ERR_IO', /none\.idx/)
  })

  test('mnist() from IDX files and from the mnist package', () => {
    const n = 3
    const pixels = new Uint8Array(n * 28 * 28).map((_, i) => i % 256)
    for (const prefix of ['train', 't10k']) {
      writeFileSync(join(dir, `${prefix}-images-idx3-ubyte.gz`), gzipSync(idx(0x08, [n, 28, 28], pixels)))
      writeFileSync(join(dir, `${prefix}-labels-idx1-ubyte`), idx(0x08, [n], Uint8Array.of(7, 0, 9)))
    }
    const fromDir = fg.data.mnist({ dir })
    expect(fromDir.train[0].shape).toEqual([3, 1, 28, 28])
    expect(fromDir.train[0].max().item()).toBe(1)
    expect(fromDir.test[1].tolist()).toEqual([7, 0, 9])
    expect(fromDir.test[1].dtype).toBe('int64')
    const { train, test: held } = fg.data.mnist()
    expect(train[0].shape).toEqual([8000, 1, 28, 28])
    expect(train[1].shape).toEqual([8000])
    expect(held[0].shape[0] + 8000).toBe(10000)
    expect(train[0].min().item()).toBe(0)
    expect(train[0].max().item()).toBeLessThanOrEqual(1)
    expectError(() => fg.data.mnist({ dir: join(dir, 'nothing') }), 'ERR_IO', /train-images-idx3-ubyte/)
  })

  test('readCsv reads numbers and names bad cells', () => {
    const path = join(dir, 'table.csv')
    writeFileSync(path, 'a,b,label\n1.5,2,0\n-3,4e1,1\n0.25,7,2\n')
    const { x, y, columns } = fg.data.readCsv(path, { target: 'label' })
    expect(x.tolist()).toEqual([[1.5, 2], [-3, 40], [0.25, 7]])
    expect(y!.dtype).toBe('int64')
    expect(y!.tolist()).toEqual([0, 1, 2])
    expect(columns).toEqual(['a', 'b'])
    expect(fg.data.readCsv(path, { columns: [1] }).x.tolist()).toEqual([[2], [40], [7]])
    writeFileSync(join(dir, 'bad.csv'), 'a,b\n1,2\n3,oops\n')
    expectError(() => fg.data.readCsv(join(dir, 'bad.csv')), 'ERR_FORMAT', /line 3, column b: 'oops'/)
    expectError(() => fg.data.readCsv(path, { target: 'nope' }), 'ERR_ARG', /no column 'nope'/)
    expectError(() => fg.data.readCsv(join(dir, 'none.csv')), 'ERR_IO')
  })
})

describe('transforms', () => {
  test('normalize per value or per channel; oneHot', () => {
    expect(fg.data.normalize(fg.tensor([1, 3]), 1, 2).tolist()).toEqual([0, 1])
    const img = fg.ones([1, 2, 1, 1])
    expect(fg.data.normalize(img, [0.5, 1], [0.5, 2]).flatten().tolist()).toEqual([1, 0])
    expectError(() => fg.data.normalize(img, [1, 2, 3], 1), 'ERR_SHAPE')
    expectError(() => fg.data.normalize(img, 0, 0), 'ERR_ARG', /std/)
    expect(fg.data.oneHot(fg.tensor([2, 0], { dtype: 'int64' }), 3).tolist()).toEqual([[0, 0, 1], [1, 0, 0]])
    expectError(() => fg.data.oneHot(fg.tensor([3], { dtype: 'int64' }), 3), 'ERR_INDEX')
    expectError(() => fg.data.oneHot(fg.tensor([1.5]), 3), 'ERR_DTYPE')
  })
})
