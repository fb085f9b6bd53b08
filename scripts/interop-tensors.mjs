// The tensors ferrograd writes for Python to read back (scripts/make_interop.py):
// one of each dtype ferrograd stores, including a transposed view, a 0-d and an
// empty tensor. Shared by scripts/write-interop.mjs and __test__/io.test.ts.

/** @param {typeof import('../dist/index.js')} fg */
export function interopTensors(fg) {
  const m = fg.arange(6).float().div(4).reshape(2, 3)
  return {
    'fc.weight': m.t(),
    'fc.bias': fg.tensor([0.5, -1.5]),
    double: fg.tensor(new Float64Array([Math.PI, -1e-300])),
    int32: fg.tensor([-7, 2147483647], { dtype: 'int32' }),
    int64: fg.tensor([-(2 ** 53), 42], { dtype: 'int64' }),
    mask: fg.tensor([1, 0, 1]).gt(0),
    scalar: fg.tensor(2.5),
    empty: fg.zeros([0, 3]),
  }
}

export const interopMetadata = { format: 'pt', writer: 'ferrograd' }
