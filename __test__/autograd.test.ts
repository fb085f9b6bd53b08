import { describe, expect, test } from 'vitest'
import { collect, fg, mlpTraining, randomArray } from './helpers'

type Fn = (...xs: fg.Tensor[]) => fg.Tensor

/**
 * Checks backward() of `f` against central differences. The output is projected
 * on a fixed random direction w, L = sum(f(x) * w), and dL/dx_i is compared with
 * (L(x + h e_i) - L(x - h e_i)) / 2h, summed in float64 on the JS side.
 */
function gradcheck(f: Fn, shapes: number[][], shift = 0): void {
  const values = shapes.map((s, k) => randomArray(s.reduce((a, b) => a * b, 1), 17 + k).map((v) => v + shift))
  const leaves = values.map((v, k) => fg.tensor(v, { shape: shapes[k], requiresGrad: true }))
  const y = f(...leaves)
  const w = randomArray(y.numel(), 99)
  const project = (t: fg.Tensor) => t.toFloat32Array().reduce((acc, v, i) => acc + v * w[i], 0)
  y.mul(fg.tensor(w, { shape: y.shape })).sum().backward()
  const h = 1e-2
  leaves.forEach((leaf, k) => {
    const analytic = leaf.grad!.toFloat32Array()
    const numeric = values[k].map((_, i) => {
      const at = (delta: number) => {
        const moved = Float32Array.from(values[k])
        moved[i] += delta
        const inputs = leaves.map((l, j) => (j === k ? fg.tensor(moved, { shape: shapes[k] }) : l.detach()))
        return project(f(...inputs))
      }
      return (at(h) - at(-h)) / (2 * h)
    })
    // float32 central differences: about 1e-4 truncation and rounding error.
    analytic.forEach((a, i) => {
      const n = numeric[i]
      if (Math.abs(a - n) > 1e-3 + 5e-3 * Math.abs(n)) throw new Error(`input ${k}[${i}]: analytic ${a} vs numeric ${n}`)
    })
  })
}

describe('every slice op matches central differences', () => {
  test('add, sub, mul, div with broadcasting', () => {
    gradcheck((a, b) => a.add(b), [[3, 4], [4]])
    gradcheck((a, b) => a.sub(b), [[3, 4], [3, 1]])
    gradcheck((a, b) => a.mul(b), [[2, 3, 4], [3, 1]])
    gradcheck((a, b) => a.div(b.add(3)), [[3, 4], [4]])
  })
  test('operations with numbers', () => {
    gradcheck((a) => a.mul(3).add(1).sub(2).div(4), [[5]])
    gradcheck((a) => fg.sub(1, a), [[5]])
    gradcheck((a) => fg.div(2, a), [[5]], 3)
  })
  test('matmul: 2-D, transposed, batched, vectors', () => {
    gradcheck((a, b) => a.matmul(b), [[3, 4], [4, 5]])
    gradcheck((a, b) => a.T.matmul(b), [[4, 3], [4, 5]])
    gradcheck((a, b) => a.matmul(b), [[2, 3, 4], [4, 2]])
    gradcheck((a, b) => a.matmul(b), [[4], [4, 3]])
    gradcheck((a, b) => a.matmul(b), [[3, 4], [4]])
  })
  test('relu, sigmoid, tanh, exp, log, neg', () => {
    gradcheck((a) => a.relu(), [[4, 5]])
    gradcheck((a) => a.sigmoid(), [[4, 5]])
    gradcheck((a) => a.tanh(), [[4, 5]])
    gradcheck((a) => a.exp(), [[4, 5]])
    gradcheck((a) => a.log(), [[6]], 2)
    gradcheck((a) => a.neg(), [[6]])
  })
  test('softmax and logSoftmax along either dim', () => {
    gradcheck((a) => a.softmax(-1), [[3, 5]])
    gradcheck((a) => a.softmax(0), [[3, 5]])
    gradcheck((a) => a.logSoftmax(1), [[3, 5]])
  })
  test('sum and mean, all or over dims', () => {
    gradcheck((a) => a.sum(), [[3, 4]])
    gradcheck((a) => a.sum(0, true), [[3, 4]])
    gradcheck((a) => a.mean(), [[3, 4]])
    gradcheck((a) => a.mean([0, 2]), [[2, 3, 4]])
  })
  test('views', () => {
    gradcheck((a) => a.reshape(2, -1), [[3, 4]])
    gradcheck((a) => a.T.reshape(-1), [[3, 4]])
    gradcheck((a) => a.unsqueeze(1).expand(3, 2, 4), [[3, 4]])
  })
  test('losses and linear', () => {
    const target = fg.tensor([2, 0, 1], { dtype: 'int64' })
    for (const reduction of ['mean', 'sum', 'none'] as const) {
      gradcheck((a) => fg.nn.functional.crossEntropy(a, target, { reduction }), [[3, 4]])
    }
    const y = fg.full([3, 2], 0.5)
    gradcheck((a) => new fg.nn.MSELoss().forward(a, y), [[3, 2]])
    gradcheck((x, w, b) => fg.nn.functional.linear(x, w, b), [[5, 3], [4, 3], [4]])
  })
})

describe('the engine ops match central differences too', () => {
  test('elementwise functions and activations', () => {
    gradcheck((a) => a.sqrt(), [[6]], 2)
    gradcheck((a) => a.abs(), [[6]])
    gradcheck((a) => a.gelu(), [[3, 4]])
    gradcheck((a) => a.silu(), [[3, 4]])
    gradcheck((a) => a.softplus(), [[3, 4]])
    gradcheck((a) => a.leakyRelu(0.1), [[3, 4]])
    gradcheck((a) => a.clamp(-0.5, 0.5), [[3, 4]])
    gradcheck((a) => a.pow(3), [[5]], 2)
    gradcheck((a, b) => a.pow(b), [[3, 4], [4]], 2)
    gradcheck((a, b) => a.maximum(b), [[3, 4], [4]])
    gradcheck((a, b) => fg.minimum(a, b), [[3, 4], [3, 1]])
  })
  test('where, maskedFill, extrema, var and std', () => {
    const cond = fg.tensor([[true, false, true, false]])
    gradcheck((a, b) => fg.where(cond, a, b), [[3, 4], [4]])
    gradcheck((a) => a.maskedFill(cond, 1), [[3, 4]])
    // Offsets 3 apart keep the extremes far from ties, where the derivative jumps.
    const apart = fg.tensor([[0, 9, 3, 6], [6, 0, 9, 3], [3, 6, 0, 9]])
    gradcheck((a) => a.add(apart).max(1).values, [[3, 4]])
    gradcheck((a) => a.add(apart).min(), [[3, 4]])
    gradcheck((a) => a.var(1), [[3, 4]])
    gradcheck((a) => a.std(), [[3, 4]])
  })
  test('permute, narrow, cat, stack, indexSelect, gather', () => {
    gradcheck((a) => a.permute(2, 0, 1), [[2, 3, 4]])
    gradcheck((a) => a.narrow(1, 1, 3), [[3, 5]])
    gradcheck((a, b) => fg.cat([a, b], 1), [[2, 3], [2, 2]])
    gradcheck((a, b) => fg.stack([a, b]), [[2, 3], [2, 3]])
    gradcheck((a) => a.indexSelect(0, fg.tensor([2, 0, 2], { dtype: 'int64' })), [[3, 4]])
    gradcheck((a) => a.gather(1, fg.tensor([[3, 0], [1, 1], [2, 2]], { dtype: 'int64' })), [[3, 4]])
  })
})

describe('autograd semantics', () => {
  test('gradients accumulate until zeroGrad', () => {
    const x = fg.tensor([1, 2, 3], { requiresGrad: true })
    x.mul(x).sum().backward()
    x.mul(x).sum().backward()
    expect(x.grad!.tolist()).toEqual([4, 8, 12])
    x.zeroGrad()
    expect(x.grad).toBeNull()
  })

  test('backward(grad) for a non-scalar output, and retainGraph', () => {
    const x = fg.tensor([1, 2], { requiresGrad: true })
    const y = x.mul(3)
    y.backward(fg.tensor([1, 10]), { retainGraph: true })
    y.backward(fg.tensor([1, 10]))
    expect(x.grad!.tolist()).toEqual([6, 60])
  })

  test('noGrad records nothing and returns the value', () => {
    const x = fg.tensor([1, 2], { requiresGrad: true })
    const y = fg.noGrad(() => {
      expect(fg.isGradEnabled()).toBe(false)
      return x.mul(2)
    })
    expect(fg.isGradEnabled()).toBe(true)
    expect(y.requiresGrad).toBe(false)
    expect(x.mul(2).requiresGrad).toBe(true)
    expect(x.mul(2).gradFn).toBe('MulBackward')
  })

  test('detach cuts the graph; retainGrad keeps a non-leaf gradient', () => {
    const x = fg.tensor([2], { requiresGrad: true })
    const d = x.mul(2).detach()
    expect(d.requiresGrad).toBe(false)
    expect(d.isLeaf).toBe(true)
    const h = x.mul(3)
    h.retainGrad()
    h.mul(h).sum().backward()
    expect(h.grad!.tolist()).toEqual([12])
    expect(x.grad!.tolist()).toEqual([36])
  })

  test('backward frees the graph: with every loss kept alive, each step adds only the loss', async () => {
    const w = fg.randn([32, 16], { requiresGrad: true })
    const x = fg.randn([8, 16])
    const losses: fg.Tensor[] = []
    const step = () => {
      const loss = x.matmul(w.T).relu().mean()
      loss.backward()
      w.zeroGrad()
      losses.push(loss)
    }
    step()
    await collect()
    const settled = fg.memory()
    for (let i = 1; i <= 30; i++) {
      step()
      await collect()
      // Were the graph kept, each live loss would hold its [8, 32] activations.
      expect(fg.memory()).toMatchObject({ tensors: settled.tensors + i, bytes: settled.bytes + 4 * i })
    }
  })

  test('10,000 training steps of an MLP: fg.memory() is back to the same figure after every step', async () => {
    const { step } = mlpTraining(1, [8, 16, 3], 32)
    const first = step()
    await collect()
    const settled = fg.memory()
    // A young-generation collection after each step is enough: nothing of a step
    // outlives it, and finalizers run inside the collection itself.
    const minorGc = (globalThis as { gc?: (o: { type: string }) => void }).gc!
    let last = first
    let drifted = 0
    for (let i = 0; i < 10_000; i++) {
      last = step()
      minorGc({ type: 'minor' })
      const now = fg.memory()
      if (now.bytes !== settled.bytes || now.tensors !== settled.tensors) drifted++
    }
    expect(drifted).toBe(0)
    expect(last).toBeLessThan(first)
  })
})
