import { describe, expect, test } from 'vitest'
import { expectError, fg, randomArray } from './helpers'

// Behaviour of the optimizers, schedulers and gradient clipping as users meet
// it: training works, groups and live hyperparameters work, state round-trips,
// and bad input is refused with nothing changed. Exact agreement with PyTorch is
// optim-parity.test.ts's job.

type AnyOptimizer = fg.optim.Optimizer<{ lr: number }, unknown>
type Make = (params: fg.Tensor[] | fg.optim.ParamGroupInput<Record<string, unknown>>[], options?: Record<string, unknown>) => AnyOptimizer

const OPTIMIZERS: Record<string, { make: Make; options: Record<string, unknown> }> = {
  SGD: { make: (p, o) => new fg.optim.SGD(p as fg.Tensor[], o), options: { lr: 0.05, momentum: 0.9 } },
  Adam: { make: (p, o) => new fg.optim.Adam(p as fg.Tensor[], o), options: { lr: 0.05 } },
  AdamW: { make: (p, o) => new fg.optim.AdamW(p as fg.Tensor[], o), options: { lr: 0.05, amsgrad: true } },
  RMSprop: { make: (p, o) => new fg.optim.RMSprop(p as fg.Tensor[], o), options: { lr: 0.01, momentum: 0.5, centered: true } },
  Adagrad: { make: (p, o) => new fg.optim.Adagrad(p as fg.Tensor[], o), options: { lr: 0.3 } },
}
const NAMES = Object.keys(OPTIMIZERS)

/** A regression problem with a known answer: y = x·w* + b*, 64 samples of 5 features. */
function problem(seed: number): { x: fg.Tensor; y: fg.Tensor } {
  const x = fg.tensor(randomArray(64 * 5, seed), { shape: [64, 5] })
  const w = fg.tensor([[0.5], [-1.0], [0.25], [2.0], [-0.75]])
  return { x, y: x.matmul(w).add(0.3) }
}

function linearModel(): fg.nn.Linear {
  fg.manualSeed(1)
  return new fg.nn.Linear(5, 1)
}

/** Sets every parameter's gradient to a fixed pseudo-random value (the same for the same seed). */
function setGrads(params: fg.Tensor[], seed: number): void {
  params.forEach((p, i) => (p.grad = fg.tensor(randomArray(p.numel(), seed * 31 + i), { shape: p.shape })))
}

const values = (params: fg.Tensor[]): number[][] => params.map((p) => Array.from(p.toFloat32Array()))

describe.each(NAMES)('%s', (name) => {
  const { make, options } = OPTIMIZERS[name]

  test('trains a linear regression to a small loss', () => {
    const { x, y } = problem(7)
    const model = linearModel()
    const opt = make(model.parameters(), options)
    const lossFn = new fg.nn.MSELoss()
    const first = lossFn.forward(model.forward(x), y).item()
    let last = first
    for (let i = 0; i < 300; i++) {
      const loss = lossFn.forward(model.forward(x), y)
      last = loss.item()
      opt.zeroGrad()
      loss.backward()
      opt.step()
    }
    expect(last).toBeLessThan(first * 0.01)
  })

  test('a state dict round trip gives identical next steps', () => {
    const a = linearModel()
    const optA = make(a.parameters(), options)
    for (let s = 1; s <= 4; s++) {
      setGrads(a.parameters(), s)
      optA.step()
    }
    const sd = optA.stateDict()
    // PyTorch's structure: state by parameter index, groups with hyperparameters and indices.
    expect(Object.keys(sd.state).length).toBeGreaterThan(0)
    expect(sd.paramGroups).toHaveLength(1)
    expect(sd.paramGroups[0].params).toEqual([0, 1])
    expect(sd.paramGroups[0].lr).toBe(options.lr)
    const b = linearModel()
    b.loadStateDict(a.stateDict())
    const optB = make(b.parameters(), { ...options, lr: 123 })
    optB.loadStateDict(sd)
    expect(optB.paramGroups[0].lr).toBe(options.lr)
    for (let s = 5; s <= 8; s++) {
      setGrads(a.parameters(), s)
      setGrads(b.parameters(), s)
      optA.step()
      optB.step()
    }
    expect(values(b.parameters())).toEqual(values(a.parameters()))
    // The state dict holds copies: steps after it leave it unchanged.
    const again = optA.stateDict()
    const firstKey = Object.keys(sd.state[0]).find((k) => k !== 'step')
    if (firstKey) expect(Array.from((sd.state[0][firstKey] as fg.Tensor).toFloat32Array())).not.toEqual(Array.from((again.state[0][firstKey] as fg.Tensor).toFloat32Array()))
  })

  test('a negative learning rate is ERR_ARG at construction, naming lr', () => {
    expectError(() => make(linearModel().parameters(), { lr: -0.1 }), 'ERR_ARG', /lr/)
  })

  test('unknown options and wrong types are refused', () => {
    const params = linearModel().parameters()
    expectError(() => make(params, { lr: 0.1, learningRate: 0.1 }), 'ERR_ARG', /unknown option 'learningRate'/)
    expectError(() => make(params, { lr: '0.1' }), 'ERR_ARG', /lr must be a number/)
    expectError(() => make([{ params, lrr: 0.1 }]), 'ERR_ARG', /group 0.*unknown option 'lrr'/)
  })

  test('a state dict of the wrong shape is refused with nothing changed', () => {
    const model = linearModel()
    const opt = make(model.parameters(), options)
    setGrads(model.parameters(), 1)
    opt.step()
    const before = opt.stateDict()
    const other = new fg.nn.Linear(3, 1)
    const otherOpt = make(other.parameters(), { ...options, lr: 0.5 })
    setGrads(other.parameters(), 2)
    otherOpt.step()
    const err = expectError(() => opt.loadStateDict(otherOpt.stateDict()), 'ERR_SHAPE')
    expect(err.message).toMatch(/shape \[1, 3\].*\[1, 5\]/)
    expect(opt.paramGroups[0].lr).toBe(options.lr)
    const after = opt.stateDict()
    expect(after.paramGroups).toEqual(before.paramGroups)
    for (const [i, entry] of Object.entries(before.state)) {
      for (const [k, v] of Object.entries(entry)) {
        const now = after.state[Number(i)][k]
        if (typeof v === 'number') expect(now).toBe(v)
        else expect(Array.from((now as fg.Tensor).toFloat32Array())).toEqual(Array.from(v.toFloat32Array()))
      }
    }
    // A wrong number of groups, or of parameters in a group, is refused too.
    expectError(() => opt.loadStateDict({ state: {}, paramGroups: [] }), 'ERR_ARG', /0 parameter groups/)
    expectError(() => opt.loadStateDict({ ...before, paramGroups: [{ ...before.paramGroups[0], params: [0] }] }), 'ERR_ARG', /1 parameters/)
  })

  test('lr edited in paramGroups applies at the next step; a bad edit is refused with nothing changed', () => {
    const model = linearModel()
    const opt = make(model.parameters(), options)
    opt.paramGroups[0].lr = 0
    setGrads(model.parameters(), 3)
    const start = values(model.parameters())
    opt.step()
    expect(values(model.parameters())).toEqual(start)
    opt.paramGroups[0].lr = -1
    setGrads(model.parameters(), 4)
    expectError(() => opt.step(), 'ERR_ARG', /lr must be a finite number >= 0, got -1/)
    expect(values(model.parameters())).toEqual(start)
  })
})

describe('optimizer options', () => {
  const params = (): fg.Tensor[] => linearModel().parameters()

  test('betas outside [0, 1) and negative eps are ERR_ARG naming the option', () => {
    expectError(() => new fg.optim.Adam(params(), { betas: [0.9, 1.0] }), 'ERR_ARG', /betas\[1\] must be in \[0, 1\), got 1/)
    expectError(() => new fg.optim.AdamW(params(), { betas: [-0.1, 0.9] }), 'ERR_ARG', /AdamW: betas\[0\]/)
    expectError(() => new fg.optim.Adam(params(), { betas: [0.9] as unknown as [number, number] }), 'ERR_ARG', /betas must be an array of 2 numbers/)
    expectError(() => new fg.optim.Adam(params(), { eps: -1e-8 }), 'ERR_ARG', /eps must be a finite number >= 0/)
    expectError(() => new fg.optim.RMSprop(params(), { alpha: 1.5 }), 'ERR_ARG', /alpha must be in \[0, 1\]/)
    expectError(() => new fg.optim.Adagrad(params(), { lrDecay: -1 }), 'ERR_ARG', /lrDecay/)
    expectError(() => new fg.optim.SGD(params(), { nesterov: true }), 'ERR_ARG', /nesterov/)
    expectError(() => new fg.optim.Adam([], {}), 'ERR_ARG', /empty parameter list/)
  })

  test('defaults are PyTorch\'s, and per-group options override them', () => {
    const [w, b] = params()
    const adamw = new fg.optim.AdamW([{ params: [w] }, { params: b, lr: 0.5, weightDecay: 0 }], { betas: [0.8, 0.9] })
    expect(adamw.paramGroups[0]).toMatchObject({ lr: 1e-3, betas: [0.8, 0.9], eps: 1e-8, weightDecay: 0.01, amsgrad: false })
    expect(adamw.paramGroups[1]).toMatchObject({ lr: 0.5, weightDecay: 0 })
    expect(new fg.optim.RMSprop([w]).paramGroups[0]).toMatchObject({ lr: 0.01, alpha: 0.99, eps: 1e-8, momentum: 0, centered: false })
    expect(new fg.optim.Adagrad([w]).paramGroups[0]).toMatchObject({ lr: 0.01, lrDecay: 0, initialAccumulatorValue: 0, eps: 1e-10 })
  })

  test('a group with lr 0 stays put while the other moves', () => {
    const [w, b] = params()
    const opt = new fg.optim.Adam([{ params: [w], lr: 0 }, { params: [b] }], { lr: 0.1 })
    setGrads([w, b], 5)
    const [w0, b0] = values([w, b])
    opt.step()
    expect(Array.from(w.toFloat32Array())).toEqual(w0)
    expect(Array.from(b.toFloat32Array())).not.toEqual(b0)
  })

  test('betas edited in paramGroups reach the next step', () => {
    const run = (edit: boolean): number[][] => {
      const ps = params()
      const opt = new fg.optim.Adam(ps, { lr: 0.1 })
      setGrads(ps, 1)
      opt.step()
      if (edit) opt.paramGroups[0].betas = [0.5, 0.9]
      setGrads(ps, 2)
      opt.step()
      return values(ps)
    }
    expect(run(true)).not.toEqual(run(false))
  })

  test('Adagrad has its state from construction, with PyTorch\'s names', () => {
    const ps = params()
    const sd = new fg.optim.Adagrad(ps, { initialAccumulatorValue: 0.5 }).stateDict()
    expect(Object.keys(sd.state)).toEqual(['0', '1'])
    expect(sd.state[0].step).toBe(0)
    expect(Array.from((sd.state[1].sum as fg.Tensor).toFloat32Array())).toEqual([0.5])
    const adam = new fg.optim.Adam(ps, { amsgrad: true })
    expect(adam.stateDict().state).toEqual({})
    setGrads(ps, 1)
    adam.step()
    expect(Object.keys(adam.stateDict().state[0])).toEqual(['step', 'exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'])
  })

  test('float64 parameters train too, their state in float64', () => {
    const p = fg.tensor([1.0, -2.0], { dtype: 'float64', requiresGrad: true })
    const opt = new fg.optim.Adam([p], { lr: 0.1 })
    for (let i = 0; i < 50; i++) {
      const loss = p.mul(p).sum()
      opt.zeroGrad()
      loss.backward()
      opt.step()
    }
    expect(Math.max(...Array.from(p.toTypedArray() as Float64Array, Math.abs))).toBeLessThan(0.2)
    expect((opt.stateDict().state[0].exp_avg as fg.Tensor).dtype).toBe('float64')
  })
})

describe('nn.utils gradient clipping', () => {
  const withGrads = (grads: number[][]): fg.Tensor[] =>
    grads.map((g) => {
      const p = fg.zeros([g.length], { requiresGrad: true })
      p.grad = fg.tensor(g)
      return p
    })

  test('clipGradNorm_ scales every gradient by maxNorm / total and returns the total as a 0-d tensor', () => {
    const ps = withGrads([[3, 4], [12]])
    const total = fg.nn.utils.clipGradNorm_(ps, 6.5)
    expect(total.shape).toEqual([])
    expect(total.item()).toBeCloseTo(13, 5)
    const c = 6.5 / (13 + 1e-6)
    const [g0, g1] = ps[0].grad!.toFloat32Array()
    expect(g0).toBeCloseTo(3 * c, 6)
    expect(g1).toBeCloseTo(4 * c, 6)
    expect(ps[1].grad!.item()).toBeCloseTo(12 * c, 5)
    // Below the limit, nothing changes; the infinity norm is the largest magnitude.
    const small = withGrads([[0.1, -0.2]])
    expect(fg.nn.utils.clipGradNorm_(small, 1, { normType: Infinity }).item()).toBeCloseTo(0.2, 6)
    expect(Array.from(small[0].grad!.toFloat32Array())).toEqual([Math.fround(0.1), Math.fround(-0.2)])
    expect(fg.nn.utils.clipGradNorm_(withGrads([[1, -2, 2]]), 10, { normType: 1 }).item()).toBeCloseTo(5, 6)
  })

  test('clipGradNorm_ skips parameters without a gradient and gives 0 when none has one', () => {
    const p = fg.zeros([2], { requiresGrad: true })
    expect(fg.nn.utils.clipGradNorm_([p], 1).item()).toBe(0)
    expect(fg.nn.utils.clipGradNorm_(p, 1).item()).toBe(0)
  })

  test('a non-finite norm is ERR_GRAD with errorIfNonfinite, and nothing is scaled', () => {
    const ps = withGrads([[NaN, 1], [5]])
    expectError(() => fg.nn.utils.clipGradNorm_(ps, 1, { errorIfNonfinite: true }), 'ERR_GRAD', /non|NaN/)
    expect(ps[1].grad!.item()).toBe(5)
  })

  test('clipGradValue_ clamps every gradient', () => {
    const ps = withGrads([[-3, 0.5], [2]])
    fg.nn.utils.clipGradValue_(ps, 1)
    expect(Array.from(ps[0].grad!.toFloat32Array())).toEqual([-1, 0.5])
    expect(ps[1].grad!.item()).toBe(1)
  })

  test('bad arguments are ERR_ARG', () => {
    const ps = withGrads([[1]])
    expectError(() => fg.nn.utils.clipGradNorm_(ps, -1), 'ERR_ARG', /maxNorm/)
    expectError(() => fg.nn.utils.clipGradNorm_(ps, 1, { normType: NaN }), 'ERR_ARG', /normType/)
    expectError(() => fg.nn.utils.clipGradNorm_(ps, 1, { norm: 2 } as never), 'ERR_ARG', /unknown option 'norm'/)
    expectError(() => fg.nn.utils.clipGradValue_(ps, -1), 'ERR_ARG', /clipValue/)
    expectError(() => fg.nn.utils.clipGradValue_(42 as never, 1), 'ERR_ARG', /iterable of tensors/)
  })
})

describe('lrScheduler', () => {
  const S = fg.optim.lrScheduler
  const sgd = (lr = 0.1): fg.optim.SGD => new fg.optim.SGD(linearModel().parameters(), { lr, momentum: 0.9 })

  test('StepLR with an optimizer, as in a training loop', () => {
    const opt = sgd()
    const sched = new S.StepLR(opt, 2, { gamma: 0.5 })
    const lrs = [sched.getLastLr()[0]]
    for (let i = 0; i < 5; i++) {
      opt.step()
      sched.step()
      lrs.push(opt.paramGroups[0].lr)
    }
    expect(lrs).toEqual([0.1, 0.1, 0.05, 0.05, 0.025, 0.025])
    expect(opt.paramGroups[0].initialLr).toBe(0.1)
  })

  test('a scheduler state dict round trip continues the schedule', () => {
    const run = (resume: boolean): number[] => {
      const opt = sgd()
      let sched = new S.CosineAnnealingLR(opt, 10, { etaMin: 0.01 })
      for (let i = 0; i < 4; i++) sched.step()
      if (resume) {
        const saved = { opt: opt.stateDict(), sched: sched.stateDict() }
        const opt2 = sgd(0.7)
        opt2.loadStateDict(saved.opt)
        sched = new S.CosineAnnealingLR(opt2, 10, { etaMin: 0.01 })
        sched.loadStateDict(saved.sched)
        expect(opt2.paramGroups[0].initialLr).toBe(0.1)
      }
      const out: number[] = []
      for (let i = 0; i < 4; i++) {
        sched.step()
        out.push(sched.getLastLr()[0])
      }
      return out
    }
    expect(run(true)).toEqual(run(false))
  })

  test('bad arguments are ERR_ARG before anything changes', () => {
    const opt = sgd()
    expectError(() => new S.StepLR(opt, 0), 'ERR_ARG', /stepSize must be >= 1/)
    expectError(() => new S.StepLR({ paramGroups: [] } as never, 2), 'ERR_ARG', /expected a ferrograd optimizer/)
    expectError(() => new S.ExponentialLR(opt, 0.9, { gama: 0.9 } as never), 'ERR_ARG', /unknown option 'gama'/)
    expectError(() => new S.LinearLR(opt, { startFactor: 0 }), 'ERR_ARG', /startFactor must be in \(0, 1\]/)
    expectError(() => new S.CosineAnnealingLR(opt, 10, { lastEpoch: 3 }), 'ERR_ARG', /initialLr/)
    expectError(() => new S.ReduceLROnPlateau(opt, { factor: 1 }), 'ERR_ARG', /factor must be < 1/)
    expectError(() => new S.OneCycleLR(opt, 1), 'ERR_ARG', /totalSteps, or epochs and stepsPerEpoch/)
    expectError(() => new S.OneCycleLR(new fg.optim.Adagrad(linearModel().parameters()), 1, { totalSteps: 5 }), 'ERR_ARG', /cycleMomentum: false/)
    expect(opt.paramGroups[0].lr).toBe(0.1)
    expect(opt.paramGroups[0].initialLr).toBeUndefined()
    expect(opt.paramGroups[0].momentum).toBe(0.9)
  })

  test('OneCycleLR refuses to step past totalSteps and stays where it was', () => {
    const opt = sgd()
    const sched = new S.OneCycleLR(opt, 1, { totalSteps: 3 })
    for (let i = 0; i < 3; i++) sched.step()
    const lr = opt.paramGroups[0].lr
    expectError(() => sched.step(), 'ERR_ARG', /tried to step 4 times/)
    expect(sched.lastEpoch).toBe(3)
    expect(opt.paramGroups[0].lr).toBe(lr)
  })

  test('ReduceLROnPlateau takes a metric as a number or a one-element tensor', () => {
    const opt = sgd()
    const sched = new S.ReduceLROnPlateau(opt, { patience: 0 })
    sched.step(fg.tensor(1.0))
    sched.step(1.0)
    expect(sched.getLastLr()).toEqual([0.1 * 0.1])
    expectError(() => sched.step('low' as never), 'ERR_ARG', /metric/)
    expectError(() => sched.loadStateDict({ patience: 'many' }), 'ERR_ARG', /'patience' must be number/)
    expectError(() => sched.loadStateDict({ nonsense: 1 }), 'ERR_ARG', /unknown key 'nonsense'/)
  })
})
