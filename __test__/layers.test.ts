import { describe, expect, test } from 'vitest'
import { expectClose, expectError, fg } from './helpers'

// Behaviour of the layers, Module state and nn.init that parity with PyTorch
// cannot show: train/eval switching, buffers and state dicts, dropout's
// statistics, initialisers' distributions, and every kind of bad input.

const F = fg.nn.functional
const flat = (t: fg.Tensor) => Array.from(t.to('float64').toTypedArray() as Float64Array)

class Net extends fg.nn.Module {
  fc = new fg.nn.Linear(3, 4)
  bn = new fg.nn.BatchNorm1d(4)
  drop = new fg.nn.Dropout(0.5)
  heads = new fg.nn.ModuleList([new fg.nn.Linear(4, 2), new fg.nn.Linear(4, 1)])
  forward(x: fg.Tensor): fg.Tensor {
    return this.drop.forward(this.bn.forward(this.fc.forward(x)))
  }
}

/** Every tensor of a state dict as plain numbers, to see that nothing changed. */
const snapshot = (m: fg.nn.Module) => Object.fromEntries(Object.entries(m.stateDict()).map(([k, v]) => [k, v.tolist()]))

describe('Module state: buffers and state dicts', () => {
  test("stateDict has PyTorch's keys and order; buffers are not parameters", () => {
    const net = new Net()
    expect(Object.keys(net.stateDict())).toEqual([
      'fc.weight',
      'fc.bias',
      'bn.weight',
      'bn.bias',
      'bn.running_mean',
      'bn.running_var',
      'bn.num_batches_tracked',
      'heads.0.weight',
      'heads.0.bias',
      'heads.1.weight',
      'heads.1.bias',
    ])
    expect(net.namedParameters().map(([k]) => k)).not.toContain('bn.running_mean')
    expect(net.numParameters()).toBe(16 + 8 + 10 + 5)
    expect(net.namedBuffers().map(([k]) => k)).toEqual(['bn.running_mean', 'bn.running_var', 'bn.num_batches_tracked'])
    expect(net.stateDict()['bn.num_batches_tracked'].dtype).toBe('int64')
  })

  test('registerBuffer: persistent or not, replaced by name, names checked', () => {
    class WithBuffers extends fg.nn.Module {
      constructor() {
        super()
        this.registerBuffer('scale', fg.ones([2]))
        this.registerBuffer('cache', fg.zeros([3]), false)
      }
      forward(x: fg.Tensor) {
        return x.mul(this.getBuffer('scale')!)
      }
    }
    const m = new WithBuffers()
    expect(Object.keys(m.stateDict())).toEqual(['scale'])
    expect(m.buffers().length).toBe(2)
    expect(m.parameters()).toEqual([])
    m.registerBuffer('scale', fg.full([2], 3))
    expect(m.forward(fg.ones([2])).tolist()).toEqual([3, 3])
    expectError(() => m.registerBuffer('a.b', fg.ones([1])), 'ERR_ARG', /without '\.'/)
    expectError(() => m.registerBuffer('forward', fg.ones([1])), 'ERR_ARG', /already an attribute/)
    expectError(() => m.registerBuffer('p', new fg.nn.Parameter(fg.ones([1]))), 'ERR_ARG', /registerParameter/)
    expectError(() => m.registerBuffer('x', [1, 2] as never), 'ERR_ARG', /not a Tensor/)
    expectError(() => m.getBuffer('nope'), 'ERR_ARG', /no buffer 'nope'/)
  })

  test('loadStateDict loads parameters and buffers (int64 too) so eval outputs match', () => {
    fg.manualSeed(1)
    const a = new Net()
    const x = fg.randn([8, 3])
    a.forward(x)
    a.forward(x.mul(2))
    fg.manualSeed(2)
    const b = new Net()
    b.loadStateDict(a.stateDict())
    expect(b.bn.numBatchesTracked!.tolist()).toBe(2)
    a.eval()
    b.eval()
    expect(b.forward(x).tolist()).toEqual(a.forward(x).tolist())
  })

  test('a wrong shape names the key and both shapes, and nothing changes', () => {
    const net = new Net()
    const before = snapshot(net)
    const sd = { ...net.stateDict(), 'bn.running_var': fg.ones([5]), 'fc.weight': fg.zeros([4, 3]).add(1) }
    const err = expectError(() => net.loadStateDict(sd), 'ERR_SHAPE', /'bn\.running_var' has shape \[5\] in the state dict but \[4\] in the model/)
    expect(err.message).not.toMatch(/fc\.weight/)
    expect(snapshot(net)).toEqual(before)
    // Shapes are checked without strict too, as in PyTorch.
    expectError(() => net.loadStateDict(sd, { strict: false }), 'ERR_SHAPE', /bn\.running_var/)
    expect(snapshot(net)).toEqual(before)
    expectError(() => net.loadStateDict({ ...net.stateDict(), 'bn.num_batches_tracked': fg.tensor(3) }), 'ERR_DTYPE', /int64/)
  })

  test('strict: missing and unexpected keys are ERR_ARG naming them; non-strict returns them', () => {
    const net = new Net()
    const before = snapshot(net)
    const sd = net.stateDict()
    const partial: Record<string, fg.Tensor> = { 'fc.weight': fg.zeros([4, 3]), 'bn.extra': fg.zeros([1]) }
    const err = expectError(() => net.loadStateDict(partial), 'ERR_ARG', /missing: fc\.bias, bn\.weight/)
    expect(err.message).toMatch(/unexpected: bn\.extra/)
    expect(snapshot(net)).toEqual(before)
    const result = net.loadStateDict(partial, { strict: false })
    expect(result.unexpectedKeys).toEqual(['bn.extra'])
    expect(result.missingKeys).toEqual(Object.keys(sd).filter((k) => k !== 'fc.weight'))
    expect(net.fc.weight.tolist()).toEqual(fg.zeros([4, 3]).tolist())
    expectError(() => net.loadStateDict({ ...sd, 'fc.bias': [1, 2, 3, 4] as never }), 'ERR_ARG', /'fc\.bias' is not a Tensor/)
    expectError(() => net.loadStateDict(sd, { strict: true, exact: true } as never), 'ERR_ARG', /unknown option 'exact'/)
  })

  test('toString shows the new layers as PyTorch prints them', () => {
    expect(new fg.nn.BatchNorm2d(8, { momentum: null }).toString()).toBe(
      'BatchNorm2d(8, eps=1e-05, momentum=None, affine=True, track_running_stats=True)  # 16 params',
    )
    expect(new fg.nn.LayerNorm([2, 3], { elementwiseAffine: false }).toString()).toBe('LayerNorm((2, 3), eps=1e-05, elementwise_affine=False)')
    expect(new fg.nn.Embedding(10, 3, { paddingIdx: 0 }).toString()).toBe('Embedding(10, 3, padding_idx=0)  # 30 params')
    expect(new fg.nn.Dropout(0.25).toString()).toBe('Dropout(p=0.25, inplace=False)')
    expect(new fg.nn.SmoothL1Loss({ beta: 0.5 }).toString()).toBe("SmoothL1Loss(reduction='mean', beta=0.5)")
    expect(new Net().toString()).toMatch(/\(heads\): ModuleList\( {2}# 15 params\n {4}\(0\): Linear/)
  })
})

describe('train() and eval()', () => {
  test('BatchNorm: batch statistics and running updates in training, running statistics in eval', () => {
    const bn = new fg.nn.BatchNorm1d(2, { momentum: 0.5 })
    const x = fg.tensor([
      [1, 10],
      [3, 20],
      [5, 60],
    ])
    const y = bn.forward(x)
    // Channel 0: mean 3, biased variance 8/3.
    expectClose(flat(y).filter((_, i) => i % 2 === 0), [-2, 0, 2].map((v) => v / Math.sqrt(8 / 3 + 1e-5)))
    // Running: 0.5 * old + 0.5 * batch, with the unbiased variance (4 and 700).
    expectClose(flat(bn.runningMean!), [1.5, 15])
    expectClose(flat(bn.runningVar!), [0.5 + 0.5 * 4, 0.5 + 0.5 * 700])
    expect(bn.numBatchesTracked!.tolist()).toBe(1)
    bn.eval()
    const before = bn.runningMean!.tolist()
    const z = bn.forward(x)
    expectClose(flat(z).slice(0, 2), [(1 - 1.5) / Math.sqrt(2.5 + 1e-5), (10 - 15) / Math.sqrt(350.5 + 1e-5)])
    expect(bn.runningMean!.tolist()).toEqual(before)
    expect(bn.numBatchesTracked!.tolist()).toBe(1)
  })

  test('momentum null keeps a cumulative average; trackRunningStats false keeps none', () => {
    const bn = new fg.nn.BatchNorm1d(1, { momentum: null })
    bn.forward(fg.tensor([[1], [3]]))
    bn.forward(fg.tensor([[5], [9]]))
    expectClose(flat(bn.runningMean!), [(2 + 7) / 2])
    const free = new fg.nn.BatchNorm1d(1, { trackRunningStats: false }).eval()
    expect(free.runningMean).toBeNull()
    expect(Object.keys(free.stateDict())).toEqual(['weight', 'bias'])
    // Without running statistics, eval mode normalises with the batch's.
    expectClose(flat(free.forward(fg.tensor([[1], [3]]))), [-1, 1].map((v) => v / Math.sqrt(1 + 1e-5)))
    bn.resetRunningStats()
    expect([bn.runningMean!.tolist(), bn.runningVar!.tolist(), bn.numBatchesTracked!.tolist()]).toEqual([[0], [1], 0])
  })

  test('a model switches Dropout and BatchNorm together, and training still learns', () => {
    fg.manualSeed(3)
    const net = new Net()
    const x = fg.randn([16, 3])
    net.eval()
    const a = net.forward(x).tolist()
    expect(net.forward(x).tolist()).toEqual(a) // eval is deterministic
    net.train()
    expect(net.forward(x).tolist()).not.toEqual(net.forward(x).tolist()) // dropout draws
    const opt = new fg.optim.SGD(net.parameters(), { lr: 0.05 })
    const target = fg.randn([16, 4])
    const loss = () => F.mseLoss(net.forward(x), target)
    const first = fg.noGrad(() => net.eval().forward(x)).sub(target).pow(2).mean().item()
    net.train()
    for (let i = 0; i < 200; i++) {
      opt.zeroGrad()
      loss().backward()
      opt.step()
    }
    const last = fg.noGrad(() => net.eval().forward(x)).sub(target).pow(2).mean().item()
    expect(last).toBeLessThan(first)
  })
})

describe('Dropout', () => {
  test('keeps 1 - p of the elements, scaled by 1 / (1 - p); the mean is preserved', () => {
    fg.manualSeed(4)
    const n = 200_000
    for (const p of [0.1, 0.5, 0.8]) {
      const y = new fg.nn.Dropout(p).forward(fg.ones([n])).toFloat32Array()
      const kept = y.filter((v) => v !== 0)
      // Binomial(n, 1 - p): within 5 standard deviations.
      const sd = Math.sqrt(n * p * (1 - p))
      expect(Math.abs(kept.length - n * (1 - p))).toBeLessThan(5 * sd)
      expect(kept.every((v) => Math.abs(v - 1 / (1 - p)) < 1e-6)).toBe(true)
      expect(Math.abs(y.reduce((a, b) => a + b, 0) / n - 1)).toBeLessThan((5 * sd) / n / (1 - p))
    }
  })

  test('the seed decides the mask; the gradient uses the same mask; eval and p = 0 pass the input', () => {
    const x = fg.randn([50], { requiresGrad: true })
    fg.manualSeed(5)
    const y = F.dropout(x, { p: 0.3 })
    fg.manualSeed(5)
    expect(F.dropout(x, { p: 0.3 }).tolist()).toEqual(y.tolist())
    y.sum().backward()
    const g = flat(x.grad!)
    const ratio = flat(y).map((v, i) => v / flat(x)[i])
    expectClose(g, ratio)
    const d = new fg.nn.Dropout(0.3).eval()
    const z = fg.randn([4])
    expect(d.forward(z).tolist()).toEqual(z.tolist())
    expect(F.dropout(z, { p: 0 }).tolist()).toEqual(z.tolist())
    // p = 1 multiplies by zero, as PyTorch's does (so -0 for negative inputs).
    expect(flat(F.dropout(z, { p: 1 })).every((v) => v === 0)).toBe(true)
  })

  test('p outside [0, 1] is ERR_ARG', () => {
    expectError(() => new fg.nn.Dropout(1.5), 'ERR_ARG', /\[0, 1\]/)
    expectError(() => new fg.nn.Dropout(-0.1), 'ERR_ARG', /\[0, 1\]/)
    expectError(() => F.dropout(fg.ones([2]), { p: 2 }), 'ERR_ARG', /got 2/)
    expectError(() => F.dropout(fg.ones([2]), { p: NaN }), 'ERR_ARG')
  })
})

describe('Embedding and ModuleList', () => {
  test('an index out of range is ERR_INDEX; float indices ERR_DTYPE; the padding row is zero and fixed', () => {
    const emb = new fg.nn.Embedding(5, 3, { paddingIdx: -1 })
    expect(emb.paddingIdx).toBe(4)
    expect((emb.weight.tolist() as number[][])[4]).toEqual([0, 0, 0])
    expectError(() => emb.forward(fg.tensor([0, 5], { dtype: 'int64' })), 'ERR_INDEX', /index 5 is out of range for 5 embeddings/)
    expectError(() => emb.forward(fg.tensor([-1], { dtype: 'int64' })), 'ERR_INDEX', /-1/)
    expectError(() => emb.forward(fg.tensor([1.5])), 'ERR_DTYPE', /int64/)
    const y = emb.forward(fg.tensor([[4, 1], [1, 4]], { dtype: 'int64' }))
    expect(y.shape).toEqual([2, 2, 3])
    y.sum().backward()
    expect(emb.weight.grad!.tolist()).toEqual([[0, 0, 0], [2, 2, 2], [0, 0, 0], [0, 0, 0], [0, 0, 0]])
    expectError(() => new fg.nn.Embedding(5, 3, { paddingIdx: 5 }), 'ERR_ARG', /paddingIdx/)
    expectError(() => new fg.nn.Embedding(-5, 3), 'ERR_ARG', /numEmbeddings/)
  })

  test('ModuleList registers, indexes, iterates and appends; it has no forward', () => {
    const list = new fg.nn.ModuleList([new fg.nn.Linear(2, 2)])
    list.append(new fg.nn.ReLU()).extend([new fg.nn.Linear(2, 1)])
    expect(list.length).toBe(3)
    expect(list.at(-1)).toBeInstanceOf(fg.nn.Linear)
    expect([...list].map((m) => m.constructor.name)).toEqual(['Linear', 'ReLU', 'Linear'])
    expect(Object.keys(list.stateDict())).toEqual(['0.weight', '0.bias', '2.weight', '2.bias'])
    expect(list.parameters().length).toBe(4)
    expectError(() => list.forward(), 'ERR_ARG', /no forward/)
    expectError(() => list.at(3), 'ERR_INDEX', /out of range/)
    expectError(() => list.append({} as never), 'ERR_ARG', /not a Module/)
    expectError(() => new fg.nn.ModuleList(3 as never), 'ERR_ARG', /iterable/)
  })
})

describe('bad input', () => {
  test('a wrong feature count or rank into BatchNorm and LayerNorm is ERR_SHAPE', () => {
    expectError(() => new fg.nn.BatchNorm1d(3).forward(fg.zeros([4, 5])), 'ERR_SHAPE', /expected 3 channels.*\[4, 5\]/)
    expectError(() => new fg.nn.BatchNorm1d(3).forward(fg.zeros([2, 3, 4, 4])), 'ERR_SHAPE', /2D or 3D input \(got 4D input\)/)
    expectError(() => new fg.nn.BatchNorm2d(3).forward(fg.zeros([2, 3, 4])), 'ERR_SHAPE', /4D input/)
    expectError(() => new fg.nn.BatchNorm1d(3).forward(fg.zeros([1, 3])), 'ERR_SHAPE', /more than 1 value per channel/)
    expectError(() => new fg.nn.LayerNorm(4).forward(fg.zeros([2, 5])), 'ERR_SHAPE', /\[2, 5\].*\[4\]/)
    expectError(() => new fg.nn.LayerNorm([3, 4]).forward(fg.zeros([2, 4, 3])), 'ERR_SHAPE', /normalized shape \[3, 4\]/)
    expectError(() => F.batchNorm(fg.zeros([4, 3]), fg.zeros([2]), fg.ones([2])), 'ERR_SHAPE', /running_mean/)
    expectError(() => F.crossEntropy(fg.zeros([2, 3]), fg.tensor([0, 1], { dtype: 'int64' }), { weight: fg.ones([4]) }), 'ERR_SHAPE', /weight/)
    expectError(() => F.l1Loss(fg.zeros([4, 1]), fg.zeros([4])), 'ERR_SHAPE', /\[4, 1\].*\[4\]/)
    expectError(() => F.crossEntropy(fg.zeros([2, 3]), fg.zeros([3, 3])), 'ERR_SHAPE', /probability targets/)
    expectError(() => F.binaryCrossEntropyWithLogits(fg.zeros([2, 3]), fg.zeros([2, 3]), { posWeight: fg.ones([2]) }), 'ERR_SHAPE', /posWeight/)
  })

  test('invalid options are ERR_ARG', () => {
    const bad: [() => unknown, RegExp][] = [
      [() => new fg.nn.BatchNorm1d(3, { momentum: 2 }), /momentum/],
      [() => new fg.nn.BatchNorm1d(3, { eps: -1 }), /eps/],
      [() => new fg.nn.BatchNorm1d(3, { affin: false } as never), /unknown option 'affin'/],
      [() => new fg.nn.BatchNorm2d(2.5), /numFeatures/],
      [() => new fg.nn.LayerNorm(4, { eps: -1 }), /eps/],
      [() => new fg.nn.LayerNorm([]), /normalizedShape/],
      [() => new fg.nn.CrossEntropyLoss({ labelSmoothing: 1.5 }), /labelSmoothing/],
      [() => new fg.nn.CrossEntropyLoss({ ignoreIndex: 0.5 }), /ignoreIndex/],
      [() => new fg.nn.SmoothL1Loss({ beta: -1 }), /beta/],
      [() => new fg.nn.HuberLoss({ delta: 0 }), /delta/],
      [() => new fg.nn.KLDivLoss({ reduction: 'avg' as never }), /batchmean/],
      [() => new fg.nn.L1Loss({ reduction: 'avg' as never }), /reduction/],
      [() => new fg.nn.BCELoss({ weight: [1, 2] as never }), /expected a Tensor/],
      [() => F.binaryCrossEntropy(fg.tensor([0.5, 1.5]), fg.tensor([0, 1])), /\[0, 1\].*1\.5/],
      [() => F.crossEntropy(fg.zeros([2, 3]), fg.zeros([2, 3]), { ignoreIndex: 0 }), /ignoreIndex/],
      [() => F.nllLoss(fg.zeros([2, 3]), fg.tensor([0, 1], { dtype: 'int64' }), { labelSmoothing: 0.1 } as never), /unknown option/],
      [() => F.klDiv(fg.zeros([2]), fg.zeros([2]), { logTarget: 'yes' as never }), /logTarget/],
      [() => fg.nn.init.kaimingUniform_(fg.zeros([3, 3]), { mode: 'fan_mid' as never }), /fan_in/],
      [() => fg.nn.init.kaimingNormal_(fg.zeros([3]), {}), /at least 2 dimensions/],
      [() => fg.nn.init.calculateGain('swish' as never), /unsupported nonlinearity 'swish'/],
      [() => fg.nn.init.uniform_(fg.zeros([2]), { a: 1, b: 0 }), /low <= high/],
      [() => fg.nn.init.normal_(fg.zeros([2]), { std: -1 }), /std/],
      [() => fg.nn.init.xavierUniform_(fg.zeros([2, 2]), { gian: 1 } as never), /unknown option 'gian'/],
    ]
    for (const [fn, message] of bad) expectError(fn, 'ERR_ARG', message)
  })
})

describe('nn.init', () => {
  const n = 20_000
  const stats = (t: fg.Tensor) => {
    const v = flat(t)
    const mean = v.reduce((a, b) => a + b, 0) / v.length
    const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length)
    return { mean, std, min: Math.min(...v), max: Math.max(...v) }
  }

  test('fills in place, returns the tensor, records nothing, and follows the seed', () => {
    const p = new fg.nn.Parameter(fg.zeros([4, 5]))
    const view = p.detach()
    fg.manualSeed(6)
    expect(fg.nn.init.normal_(p)).toBe(p)
    expect(view.tolist()).toEqual(p.tolist()) // the same storage
    expect(p.isLeaf && p.requiresGrad).toBe(true)
    const first = p.tolist()
    fg.manualSeed(6)
    fg.nn.init.normal_(p)
    expect(p.tolist()).toEqual(first)
    expect(flat(fg.nn.init.constant_(p, 0.5)).every((v) => v === 0.5)).toBe(true)
    expect(fg.nn.init.ones_(p).sum().item()).toBe(20)
    expect(fg.nn.init.zeros_(p).sum().item()).toBe(0)
    expect(fg.nn.init.kaimingUniform_(fg.zeros([0, 3])).shape).toEqual([0, 3])
  })

  test('uniform_ and normal_ have the asked distribution', () => {
    const u = stats(fg.nn.init.uniform_(fg.zeros([n]), { a: -2, b: 4 }))
    expect(u.min).toBeGreaterThanOrEqual(-2)
    expect(u.max).toBeLessThan(4)
    expect(u.mean).toBeCloseTo(1, 1)
    const g = stats(fg.nn.init.normal_(fg.zeros([n], { dtype: 'float64' }), { mean: 3, std: 0.5 }))
    expect(g.mean).toBeCloseTo(3, 1)
    expect(g.std).toBeCloseTo(0.5, 1)
  })

  test("Xavier and Kaiming use PyTorch's fans, gains and bounds", () => {
    // A conv weight [out 16, in 8, 5, 5]: fan_in 200, fan_out 400.
    const w = fg.zeros([16, 8, 5, 5])
    const xb = Math.sqrt(6 / 600)
    const xu = stats(fg.nn.init.xavierUniform_(w))
    expect(xu.max).toBeLessThanOrEqual(xb)
    expect(xu.max).toBeGreaterThan(0.98 * xb)
    expect(xu.min).toBeGreaterThanOrEqual(-xb)
    expect(stats(fg.nn.init.xavierNormal_(w, { gain: 2 })).std).toBeCloseTo(2 * Math.sqrt(2 / 600), 2)
    const kb = Math.sqrt(2) * Math.sqrt(3 / 200)
    const ku = stats(fg.nn.init.kaimingUniform_(w, { nonlinearity: 'relu' }))
    expect(ku.max).toBeLessThanOrEqual(kb)
    expect(ku.max).toBeGreaterThan(0.98 * kb)
    const kn = stats(fg.nn.init.kaimingNormal_(w, { mode: 'fan_out', a: 0.2 }))
    expect(kn.std).toBeCloseTo(Math.sqrt(2 / (1 + 0.04)) / Math.sqrt(400), 2)
    expect(fg.nn.init.calculateGain('tanh')).toBeCloseTo(5 / 3, 12)
    expect(fg.nn.init.calculateGain('relu')).toBeCloseTo(Math.SQRT2, 12)
    expect(fg.nn.init.calculateGain('leaky_relu')).toBeCloseTo(Math.sqrt(2 / (1 + 0.01 ** 2)), 12)
    expect(fg.nn.init.calculateGain('leaky_relu', { param: 0.2 })).toBeCloseTo(Math.sqrt(2 / 1.04), 12)
    expect(fg.nn.init.calculateGain('selu')).toBe(0.75)
    expect(fg.nn.init.calculateGain('conv2d')).toBe(1)
  })
})

describe('loss weights', () => {
  test("CrossEntropyLoss's weighted mean divides by the targets' weights; ignored rows count for nothing", () => {
    const x = fg.tensor([
      [1, 2, 3],
      [1, 1, 1],
      [0, 5, 0],
    ])
    const t = fg.tensor([2, 0, 1], { dtype: 'int64' })
    const w = fg.tensor([2, 1, 0.5])
    const none = new fg.nn.CrossEntropyLoss({ weight: w, ignoreIndex: 1, reduction: 'none' }).forward(x, t)
    const l = flat(none)
    expect(l[2]).toBe(0)
    const lsm = flat(x.logSoftmax(1))
    expectClose(l.slice(0, 2), [-0.5 * lsm[2], -2 * lsm[3]])
    const mean = new fg.nn.CrossEntropyLoss({ weight: w, ignoreIndex: 1 })
    expect(mean.forward(x, t).item()).toBeCloseTo((l[0] + l[1]) / 2.5, 5)
    expect(Object.keys(mean.stateDict())).toEqual(['weight'])
    expect(Object.keys(new fg.nn.BCEWithLogitsLoss({ posWeight: fg.ones([3]) }).stateDict())).toEqual(['pos_weight'])
  })
})
