import { describe, expect, test } from 'vitest'
import { expectClose, expectError, fg } from './helpers'

class Net extends fg.nn.Module {
  fc1 = new fg.nn.Linear(4, 3)
  act = new fg.nn.ReLU()
  fc2 = new fg.nn.Linear(3, 2, { bias: false })
  forward(x: fg.Tensor): fg.Tensor {
    return this.fc2.forward(this.act.forward(this.fc1.forward(x)))
  }
}

describe('Module', () => {
  test('fields register in assignment order with PyTorch keys', () => {
    const net = new Net()
    expect(net.namedParameters().map(([k]) => k)).toEqual(['fc1.weight', 'fc1.bias', 'fc2.weight'])
    expect(net.namedChildren().map(([k]) => k)).toEqual(['fc1', 'act', 'fc2'])
    expect(net.namedModules().map(([k]) => k)).toEqual(['', 'fc1', 'act', 'fc2'])
    expect(net.numParameters()).toBe(4 * 3 + 3 + 3 * 2)
    expect(net.fc1.weight.shape).toEqual([3, 4])
    expect(net.parameters().every((p) => p instanceof fg.nn.Parameter && p.requiresGrad)).toBe(true)
  })

  test('Sequential names children 0, 1, ...', () => {
    const seq = new fg.nn.Sequential(new fg.nn.Linear(2, 2), new fg.nn.Sigmoid(), new fg.nn.Linear(2, 1))
    expect(Object.keys(seq.stateDict())).toEqual(['0.weight', '0.bias', '2.weight', '2.bias'])
    expect(seq.length).toBe(3)
    expect(seq.at(-1)).toBeInstanceOf(fg.nn.Linear)
    expect(seq.forward(fg.ones([5, 2])).shape).toEqual([5, 1])
  })

  test('toString prints the tree with parameter counts', () => {
    expect(new Net().toString()).toBe(
      [
        'Net(  # 21 params',
        '  (fc1): Linear(in_features=4, out_features=3, bias=True)  # 15 params',
        '  (act): ReLU()',
        '  (fc2): Linear(in_features=3, out_features=2, bias=False)  # 6 params',
        ')',
      ].join('\n'),
    )
  })

  test('train() and eval() switch every module', () => {
    const net = new Net().eval()
    expect(net.namedModules().every(([, m]) => !m.training)).toBe(true)
    net.train()
    expect(net.fc2.training).toBe(true)
  })

  test('stateDict round-trips through loadStateDict; bad dicts change nothing', () => {
    fg.manualSeed(1)
    const a = new Net()
    fg.manualSeed(2)
    const b = new Net()
    const x = fg.randn([2, 4])
    expect(b.forward(x).tolist()).not.toEqual(a.forward(x).tolist())
    b.loadStateDict(a.stateDict())
    expect(b.forward(x).tolist()).toEqual(a.forward(x).tolist())

    const before = b.fc1.weight.tolist()
    const bad = { ...a.stateDict(), 'fc1.weight': fg.zeros([4, 3]) }
    expectError(() => b.loadStateDict(bad), 'ERR_SHAPE', /fc1\.weight/)
    expectError(() => b.loadStateDict({ 'fc1.weight': fg.zeros([3, 4]) }), 'ERR_ARG', /missing: fc1\.bias, fc2\.weight/)
    expect(b.fc1.weight.tolist()).toEqual(before)
    const result = b.loadStateDict({ 'fc1.bias': fg.zeros([3]), extra: fg.zeros([1]) }, { strict: false })
    expect(result).toEqual({ missingKeys: ['fc1.weight', 'fc2.weight'], unexpectedKeys: ['extra'] })
    expect(b.fc1.bias!.tolist()).toEqual([0, 0, 0])
  })

  test('Linear initialises like PyTorch: uniform within 1/sqrt(inFeatures)', () => {
    const layer = new fg.nn.Linear(100, 50)
    const w = layer.weight.toFloat32Array()
    const bound = 1 / Math.sqrt(100)
    expect(w.every((v) => Math.abs(v) <= bound)).toBe(true)
    // Spread over the whole interval, not a constant.
    expect(Math.max(...w)).toBeGreaterThan(0.9 * bound)
    expect(Math.min(...w)).toBeLessThan(-0.9 * bound)
    expectError(() => new fg.nn.Linear(-1, 2), 'ERR_ARG')
  })
})

describe('losses', () => {
  test('MSELoss in each reduction', () => {
    const x = fg.tensor([1, 2, 3])
    const y = fg.tensor([1, 0, 0])
    expect(new fg.nn.MSELoss().forward(x, y).item()).toBeCloseTo(13 / 3, 6)
    expect(new fg.nn.MSELoss({ reduction: 'sum' }).forward(x, y).item()).toBe(13)
    expect(new fg.nn.MSELoss({ reduction: 'none' }).forward(x, y).tolist()).toEqual([0, 4, 9])
  })

  test('CrossEntropyLoss equals -logSoftmax at the target', () => {
    const logits = fg.tensor([
      [2, 1, 0.1],
      [0.5, 2.5, 0.3],
    ])
    const target = fg.tensor([0, 1], { dtype: 'int64' })
    const manual = logits.logSoftmax(1).toFloat32Array()
    const expected = -(manual[0] + manual[4]) / 2
    expect(new fg.nn.CrossEntropyLoss().forward(logits, target).item()).toBeCloseTo(expected, 6)
    expectClose(new fg.nn.CrossEntropyLoss({ reduction: 'none' }).forward(logits, target).toFloat32Array(), [-manual[0], -manual[4]])
  })
})

describe('SGD', () => {
  test('plain step is p -= lr * grad, and lr changes through paramGroups', () => {
    const p = new fg.nn.Parameter(fg.tensor([1, 2]))
    const opt = new fg.optim.SGD([p], { lr: 0.5 })
    p.mul(p).sum().backward() // grad = 2p = [2, 4]
    opt.step()
    expect(p.tolist()).toEqual([0, 0])
    opt.zeroGrad()
    expect(p.grad).toBeNull()
    opt.paramGroups[0].lr = 0.25
    p.add(fg.tensor([1, 1])).sum().backward() // grad = [1, 1]
    opt.step()
    expect(p.tolist()).toEqual([-0.25, -0.25])
  })

  test('momentum, dampening, weight decay and nesterov follow torch.optim.SGD', () => {
    for (const nesterov of [false, true]) {
      const p = new fg.nn.Parameter(fg.tensor([1, -2]))
      const opts = { lr: 0.1, momentum: 0.9, dampening: nesterov ? 0 : 0.3, weightDecay: 0.01, nesterov }
      const opt = new fg.optim.SGD([p], opts)
      let w = [1, -2]
      let buf: number[] | null = null
      for (let step = 0; step < 4; step++) {
        const g = [0.5 + step, -0.25 * step]
        p.grad = fg.tensor(g)
        opt.step()
        const d = g.map((gi, i) => gi + opts.weightDecay * w[i])
        buf = buf === null ? d : buf.map((b, i) => opts.momentum * b + (1 - opts.dampening) * d[i])
        const upd = nesterov ? d.map((di, i) => di + opts.momentum * buf![i]) : buf
        w = w.map((wi, i) => wi - opts.lr * upd[i])
      }
      expectClose(p.toFloat32Array(), w, 1e-5)
    }
  })

  test('parameter groups keep their own hyperparameters', () => {
    const a = new fg.nn.Parameter(fg.tensor([1]))
    const b = new fg.nn.Parameter(fg.tensor([1]))
    const opt = new fg.optim.SGD([{ params: [a] }, { params: [b], lr: 1 }], { lr: 0.1 })
    a.sum().add(b.sum()).backward()
    opt.step()
    expect(a.item()).toBeCloseTo(0.9, 6)
    expect(b.item()).toBe(0)
  })

  test('bad hyperparameters are refused', () => {
    const p = new fg.nn.Parameter(fg.tensor([1]))
    expectError(() => new fg.optim.SGD([p], { lr: -1 }), 'ERR_ARG', /lr/)
    expectError(() => new fg.optim.SGD([p], { lr: 0.1, nesterov: true }), 'ERR_ARG', /nesterov/)
    expectError(() => new fg.optim.SGD([], { lr: 0.1 }), 'ERR_ARG', /empty/)
    expectError(() => new fg.optim.SGD([p], { learningRate: 0.1 } as never), 'ERR_ARG', /learningRate/)
  })
})

test('a 2-layer network learns XOR', () => {
  fg.manualSeed(0)
  const model = new fg.nn.Sequential(new fg.nn.Linear(2, 8), new fg.nn.Tanh(), new fg.nn.Linear(8, 1), new fg.nn.Sigmoid())
  const x = fg.tensor([
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
  ])
  const y = fg.tensor([[0], [1], [1], [0]])
  const opt = new fg.optim.SGD(model.parameters(), { lr: 0.5, momentum: 0.9 })
  const lossFn = new fg.nn.MSELoss()
  let loss = Infinity
  for (let i = 0; i < 500; i++) {
    const l = lossFn.forward(model.forward(x), y)
    opt.zeroGrad()
    l.backward()
    opt.step()
    loss = l.item()
  }
  expect(loss).toBeLessThan(0.01)
  const pred = fg.noGrad(() => model.forward(x)).toFloat32Array()
  expect(Array.from(pred, (v) => Math.round(v))).toEqual([0, 1, 1, 0])
})
