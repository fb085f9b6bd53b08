import { readFileSync, readdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { fg } from './helpers'
import { readSafetensors, type StoredTensor } from './safetensors'

// Every optimizer and scheduler against PyTorch, through the TypeScript API.
// `scripts/make_fixtures_optim.py` trained a Linear(4,3)-Tanh-Linear(3,2) model
// with MSE for 20 steps with each optimizer variant through torch 2.9.1 and saved
// the parameters after every step, the losses and the final optimizer state
// (`fixtures/torch/optim/*.safetensors`), and every scheduler's learning rates
// over 30 steps (`schedulers.json`); the formats are in that script's docstring.
// `crates/ferrograd/tests/optim_parity.rs` replays the optimizers through Rust.

const DIR = resolve(__dirname, '..', 'fixtures', 'torch', 'optim')
const FILES = readdirSync(DIR)
  .filter((f) => f.endsWith('.safetensors'))
  .sort()

/** Issue 5's tolerance for float32: |actual - expected| <= ATOL + RTOL * |expected|. */
const RTOL = 1e-5
const ATOL = 1e-6

/** The largest error seen, as a fraction of the tolerance, for the report. */
const worst = { optimizers: 0, schedulers: 0 }
afterAll(() => {
  console.log(
    `optim parity: ${FILES.length} optimizer variants used at most ${(worst.optimizers * 100).toFixed(1)}% of the tolerance; ` +
      `${SCHEDULES.cases.length} scheduler cases, largest relative error ${worst.schedulers.toExponential(2)}`,
  )
})

type Options = Record<string, unknown>
type OptimizerClass = new (params: unknown, options: Options) => fg.optim.Optimizer<{ lr: number }, unknown>
type SchedulerClass = new (optimizer: unknown, ...args: unknown[]) => {
  step(arg?: number): void
  getLastLr(): number[]
}

const OPTIMIZERS: Record<string, OptimizerClass> = {
  SGD: fg.optim.SGD as unknown as OptimizerClass,
  Adam: fg.optim.Adam as unknown as OptimizerClass,
  AdamW: fg.optim.AdamW as unknown as OptimizerClass,
  RMSprop: fg.optim.RMSprop as unknown as OptimizerClass,
  Adagrad: fg.optim.Adagrad as unknown as OptimizerClass,
}

interface SchedulerSpec {
  name: string
  args?: unknown[]
  options?: Options
}

function makeScheduler(optimizer: unknown, spec: SchedulerSpec): InstanceType<SchedulerClass> {
  const cls = (fg.optim.lrScheduler as unknown as Record<string, SchedulerClass>)[spec.name]
  expect(cls, `scheduler ${spec.name}`).toBeDefined()
  return new cls(optimizer, ...(spec.args ?? []), spec.options ?? {})
}

/** Elementwise `|a - e| <= ATOL + RTOL·|e|` (or `·scale`); returns the largest fraction of the tolerance used. */
function compare(what: string, actual: ArrayLike<number>, expected: ArrayLike<number>, scale?: number): number {
  expect(actual.length, `${what}: length`).toBe(expected.length)
  let max = 0
  for (let i = 0; i < expected.length; i++) {
    const [a, e] = [actual[i], expected[i]]
    const size = scale ?? Math.abs(e)
    const err = Math.abs(a - e)
    if (!(err <= ATOL + RTOL * size)) throw new Error(`${what}[${i}]: ${a} differs from PyTorch's ${e}`)
    max = Math.max(max, err / (ATOL + RTOL * size))
  }
  return max
}

const toTensor = (t: StoredTensor): fg.Tensor => fg.tensor(t.data as Float32Array, { shape: t.shape })

describe('optimizers match PyTorch over 20 steps', () => {
  test('every optimizer has fixtures', () => {
    const names = new Set(FILES.map((f) => readSafetensors(resolve(DIR, f)).metadata.optimizer))
    expect([...names].sort()).toEqual(['Adagrad', 'Adam', 'AdamW', 'RMSprop', 'SGD'])
  })

  test.each(FILES)('%s', (file) => {
    const { tensors, metadata } = readSafetensors(resolve(DIR, file))
    const get = (name: string): StoredTensor => {
      const t = tensors.get(name)
      if (!t) throw new Error(`${file}: no tensor ${name}`)
      return t
    }
    const model = new fg.nn.Sequential(new fg.nn.Linear(4, 3), new fg.nn.Tanh(), new fg.nn.Linear(3, 2))
    const keys = ['0.weight', '0.bias', '2.weight', '2.bias']
    model.loadStateDict(Object.fromEntries(keys.map((k, i) => [k, toTensor(get(`param.${i}`))])))
    const params = model.parameters()
    const groups = (JSON.parse(metadata.groups) as Array<Options & { params: number[] }>).map((g) => ({
      ...g,
      params: g.params.map((i) => params[i]),
    }))
    const optimizer = new OPTIMIZERS[metadata.optimizer](groups, JSON.parse(metadata.options) as Options)
    const scheduler = metadata.scheduler ? makeScheduler(optimizer, JSON.parse(metadata.scheduler) as SchedulerSpec) : null
    const lossFn = new fg.nn.MSELoss()
    const [x, y] = [toTensor(get('x')), toTensor(get('y'))]
    const losses = get('loss').data as Float32Array
    const steps = Number(metadata.steps)
    let max = 0
    for (let k = 1; k <= steps; k++) {
      const loss = lossFn.forward(model.forward(x), y)
      max = Math.max(max, compare(`loss before step ${k}`, [loss.item()], [losses[k - 1]]))
      optimizer.zeroGrad()
      loss.backward()
      optimizer.step()
      scheduler?.step()
      params.forEach((p, i) => {
        max = Math.max(max, compare(`param ${i} after step ${k}`, p.toFloat32Array(), get(`step.${k}.param.${i}`).data as Float32Array))
      })
    }
    // The final state, under PyTorch's names. State tensors are compared relative
    // to their largest magnitude: a momentum buffer sums terms of both signs and a
    // small sum keeps the float32 rounding of its large terms (see optim_parity.rs).
    const { state } = optimizer.stateDict()
    const stateSteps = metadata.state_steps ? (JSON.parse(metadata.state_steps) as Record<string, number>) : {}
    const expected = [...tensors.keys()].filter((k) => k.startsWith('state.'))
    const seen: string[] = []
    for (const [index, entry] of Object.entries(state)) {
      for (const [name, value] of Object.entries(entry)) {
        if (name === 'step') {
          expect(value, `step of parameter ${index}`).toBe(stateSteps[index])
          continue
        }
        const want = get(`state.${index}.${name}`).data as Float32Array
        const scale = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0)
        max = Math.max(max, compare(`state ${name} of parameter ${index}`, (value as fg.Tensor).toFloat32Array(), want, scale))
        seen.push(`state.${index}.${name}`)
      }
    }
    expect(seen.sort()).toEqual(expected.sort())
    worst.optimizers = Math.max(worst.optimizers, max)
  })
})

interface PointValues {
  lr: number
  momentum?: number
  betas?: number[]
}

interface SchedulerCase {
  name: string
  optimizer: string
  options: Options
  groups: Options[]
  schedulers: SchedulerSpec[]
  initialLr?: number[]
  epochs?: number[]
  metrics?: number[]
  values: PointValues[][]
  lastLrs: number[][][]
}

const SCHEDULES = JSON.parse(readFileSync(resolve(DIR, 'schedulers.json'), 'utf8')) as { cases: SchedulerCase[] }

/** Learning rates go down to 1e-7 (OneCycleLR's end): relative error only. */
function compareRelative(what: string, actual: number, expected: number): number {
  const err = Math.abs(actual - expected)
  if (!(err <= RTOL * Math.abs(expected) + 1e-15)) throw new Error(`${what}: ${actual} differs from PyTorch's ${expected}`)
  return expected === 0 ? 0 : err / Math.abs(expected)
}

describe('schedulers match PyTorch', () => {
  test('every scheduler has cases', () => {
    const names = new Set(SCHEDULES.cases.flatMap((c) => c.schedulers.map((s) => s.name)))
    expect([...names].sort()).toEqual([
      'CosineAnnealingLR',
      'ExponentialLR',
      'LinearLR',
      'MultiStepLR',
      'OneCycleLR',
      'ReduceLROnPlateau',
      'StepLR',
    ])
  })

  test.each(SCHEDULES.cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const params = c.groups.map(() => fg.zeros([2], { requiresGrad: true }))
    const optimizer = new OPTIMIZERS[c.optimizer](
      c.groups.map((g, i) => ({ ...g, params: [params[i]] })),
      c.options,
    )
    c.initialLr?.forEach((lr, i) => (optimizer.paramGroups[i].initialLr = lr))
    const schedulers = c.schedulers.map((s) => makeScheduler(optimizer, s))
    let max = 0
    const check = (k: number): void => {
      c.values[k].forEach((want, i) => {
        const group = optimizer.paramGroups[i] as PointValues
        max = Math.max(max, compareRelative(`point ${k}, group ${i}: lr`, group.lr, want.lr))
        if (want.momentum !== undefined) max = Math.max(max, compareRelative(`point ${k}, group ${i}: momentum`, group.momentum as number, want.momentum))
        if (want.betas !== undefined) {
          want.betas.forEach((b, j) => (max = Math.max(max, compareRelative(`point ${k}, group ${i}: betas[${j}]`, (group.betas as number[])[j], b))))
        }
      })
      schedulers.forEach((s, j) =>
        s.getLastLr().forEach((lr, i) => (max = Math.max(max, compareRelative(`point ${k}: getLastLr()[${i}] of scheduler ${j}`, lr, c.lastLrs[k][j][i])))),
      )
    }
    check(0)
    const steps = c.epochs ?? c.metrics ?? Array.from({ length: c.values.length - 1 }, () => undefined)
    steps.forEach((arg, k) => {
      optimizer.step()
      for (const s of schedulers) s.step(arg)
      check(k + 1)
    })
    expect(c.values.length).toBe(steps.length + 1)
    worst.schedulers = Math.max(worst.schedulers, max)
  })
})
