import { describe, expect, test } from 'vitest'
import { expectError, fg } from './helpers'

describe('bad input gives a FerrogradError with a code, and the process carries on', () => {
  test('matmul of [2,3] and [4,5] is ERR_SHAPE naming both shapes', () => {
    const a = fg.zeros([2, 3])
    const b = fg.zeros([4, 5])
    expectError(() => a.matmul(b), 'ERR_SHAPE', /\[2, 3\].*\[4, 5\]/)
    // Nothing was lost: both operands still work.
    expect(a.add(1).sum().item()).toBe(6)
    expect(b.matmul(fg.ones([5, 1])).shape).toEqual([4, 1])
  })

  test('shapes that do not broadcast name both shapes', () => {
    expectError(() => fg.zeros([2, 3]).add(fg.zeros([4])), 'ERR_SHAPE', /\[2, 3\].*\[4\]/)
  })

  test('sizes: negative, fractional, NaN are ERR_ARG; absurd ones ERR_ALLOC', () => {
    expectError(() => fg.zeros([-1]), 'ERR_ARG', /non-negative integer/)
    expectError(() => fg.zeros([2.5]), 'ERR_ARG')
    expectError(() => fg.zeros([Number.NaN]), 'ERR_ARG')
    expectError(() => fg.zeros([1e6, 1e6]), 'ERR_ALLOC', /1000000000000 elements/)
    expectError(() => fg.randn([1e12]), 'ERR_ALLOC')
  })

  test('dims out of range are ERR_INDEX', () => {
    expectError(() => fg.zeros([2, 3]).sum(2), 'ERR_INDEX', /dimension 2 is out of range/)
    expectError(() => fg.zeros([2, 3]).softmax(-3), 'ERR_INDEX')
    expectError(() => fg.zeros([2]).size(1), 'ERR_INDEX')
  })

  test('reshape to a wrong size is ERR_SHAPE, two -1 are ERR_ARG', () => {
    expectError(() => fg.zeros([2, 3]).reshape(4, 2), 'ERR_SHAPE', /\[4, 2\]/)
    expectError(() => fg.zeros([2, 3]).reshape(-1, -1), 'ERR_ARG')
  })

  test('a forged tensor whose handle is not a native tensor is ERR_ARG, not a crash', () => {
    // The binding must check every handle it is handed against the handles it
    // made (handle.rs) before reading through it: here a plain object, a native
    // class instance (an optimizer's handle), an object without a prototype like
    // a handle's, and a number; as the argument and as the tensor itself.
    const x = fg.ones([2])
    const opt = new fg.optim.SGD([fg.ones([1]).requiresGrad_()], { lr: 0.1 })
    const handles = [{}, (opt as unknown as { handle: unknown }).handle, Object.create(Object.getPrototypeOf((x as unknown as { _n: object })._n)), 7]
    expect(handles[1]).toBeTypeOf('object')
    for (const handle of handles) {
      const forged = Object.assign(Object.create(fg.Tensor.prototype), { _n: handle }) as typeof x
      expectError(() => x.add(forged), 'ERR_ARG', /add/)
      expectError(() => forged.add(x), 'ERR_ARG', /add/)
      expectError(() => forged.shape, 'ERR_ARG', /shape/)
    }
    expect(x.add(1).sum().item()).toBe(4)
  })

  test('wrong types are ERR_ARG', () => {
    expectError(() => fg.zeros([2]).add('1' as unknown as number), 'ERR_ARG', /add: expected a Tensor/)
    expectError(() => fg.tensor({} as unknown as number), 'ERR_ARG')
    expectError(() => fg.tensor([[1, 2], [3]]), 'ERR_SHAPE', /ragged/)
    expectError(() => fg.tensor([1, 'x' as unknown as number]), 'ERR_ARG')
    expectError(() => fg.tensor([1.5], { dtype: 'int64' }), 'ERR_ARG')
    expectError(() => fg.zeros([2], { dtpye: 'int64' } as never), 'ERR_ARG', /unknown option 'dtpye'/)
  })

  test('dtype mismatches are ERR_DTYPE', () => {
    const labels = fg.tensor([1, 0], { dtype: 'int64' })
    expectError(() => labels.mean(), 'ERR_DTYPE', /float32 or float64/)
    expectError(() => labels.matmul(labels), 'ERR_DTYPE', /int64/)
    expectError(() => fg.nn.functional.crossEntropy(fg.zeros([2, 3]), fg.zeros([2])), 'ERR_DTYPE', /int64/)
    expectError(() => fg.zeros([2], { dtype: 'float16' as never }), 'ERR_DTYPE', /unknown dtype/)
    const flags = fg.tensor([1, 0]).gt(0)
    expectError(() => flags.sub(flags), 'ERR_DTYPE', /bool/)
    expectError(() => fg.tensor([1], { dtype: 'int64' }).requiresGrad_(), 'ERR_DTYPE', /float/)
  })

  test('autograd misuse is ERR_GRAD', () => {
    const x = fg.tensor([1, 2], { requiresGrad: true })
    expectError(() => x.mul(2).backward(), 'ERR_GRAD', /one-element/)
    expectError(() => fg.tensor([1]).sum().backward(), 'ERR_GRAD', /does not require grad/)
    const y = x.mul(x).sum()
    y.backward()
    expectError(() => y.backward(), 'ERR_GRAD', /retainGraph/)
    expectError(() => x.mul(2).requiresGrad_(false), 'ERR_GRAD', /leaf/)
  })

  test('cross-entropy targets out of range are ERR_INDEX', () => {
    const logits = fg.zeros([2, 3])
    expectError(() => new fg.nn.CrossEntropyLoss().forward(logits, fg.tensor([0, 3], { dtype: 'int64' })), 'ERR_INDEX', /3 is out of range for 3 classes/)
    expectError(() => new fg.nn.MSELoss().forward(fg.zeros([4, 1]), fg.zeros([4])), 'ERR_SHAPE', /\[4, 1\].*\[4\]/)
    expectError(() => new fg.nn.CrossEntropyLoss({ weigth: fg.ones([3]) } as never), 'ERR_ARG', /unknown option 'weigth'/)
  })

  test('item of a multi-element tensor is ERR_SHAPE', () => {
    expectError(() => fg.zeros([2]).item(), 'ERR_SHAPE', /one element/)
  })
})
