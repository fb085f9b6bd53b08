/**
 * Loads the generated napi-rs binding and guards it: every function and every
 * method or getter of its classes rethrows native errors as FerrogradError. This
 * is the only place that knows the binding can throw something else.
 * @internal
 * @module
 */
import type * as Binding from '../native/binding.cjs'
import { FerrogradError, toFerrogradError } from './errors'

/** Platforms with a prebuilt binary (napi-rs package suffixes). */
const PLATFORMS = [
  'linux-x64-gnu',
  'linux-x64-musl',
  'linux-arm64-gnu',
  'linux-arm64-musl',
  'darwin-x64',
  'darwin-arm64',
  'win32-x64-msvc',
  'win32-arm64-msvc',
]

/** This machine's platform as napi-rs names its packages (`linux-x64-gnu`). */
function platformName(): string {
  if (process.platform === 'linux') {
    const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header
    return `linux-${process.arch}-${header?.glibcVersionRuntime ? 'gnu' : 'musl'}`
  }
  if (process.platform === 'win32') return `win32-${process.arch}-msvc`
  return `${process.platform}-${process.arch}`
}

function loadBinding(): typeof Binding {
  try {
    return require('../native/binding.cjs') as typeof Binding
  } catch (cause) {
    const platform = platformName()
    const known = PLATFORMS.includes(platform)
    const err = new FerrogradError(
      'ERR_IO',
      `ferrograd: could not load the native binary for ${platform}. ` +
        (known
          ? `It comes in the optional dependency 'ferrograd-${platform}': reinstall without --no-optional / --omit=optional ` +
            `(with npm, remove node_modules and package-lock.json first if an earlier install skipped it).`
          : `There is no prebuilt binary for this platform (prebuilt: ${PLATFORMS.join(', ')}). ` +
            `Build from source: clone the repository, install stable Rust, and run npm install.`) +
        ` Cause: ${cause instanceof Error ? cause.message : String(cause)}`,
    )
    ;(err as { cause?: unknown }).cause = cause
    throw err
  }
}

const binding = loadBinding()

/**
 * The public name of each native entry whose errors name something else
 * (`tensorAddScalar` is `add`, `tensorSetRequiresGrad` is `requiresGrad_`), as
 * the binding declares it.
 */
const OP_NAMES: Readonly<Record<string, string>> = binding.opNames()

/**
 * `f` with its errors rethrown as FerrogradErrors named after `name`, the public
 * name of the op the entry serves.
 */
function guard<A extends unknown[], R>(f: (...args: A) => R, name = OP_NAMES[f.name] ?? f.name): (...args: A) => R {
  return function (this: unknown, ...args: A): R {
    try {
      return f.apply(this, args)
    } catch (e) {
      throw toFerrogradError(e, name)
    }
  }
}

/** The binding's `tensor*` functions other than the constructors: the tensor handle's methods. */
type TensorMethods = {
  [K in keyof typeof Binding as K extends `tensorFrom${string}` ? never : K extends `tensor${string}` ? K : never]: (typeof Binding)[K]
}

/** Every tensor method of the binding, guarded. */
function tensorMethods(): TensorMethods {
  const out: Record<string, unknown> = {}
  for (const [key, f] of Object.entries(binding)) {
    if (key.startsWith('tensor') && !key.startsWith('tensorFrom') && typeof f === 'function') {
      // `tensorAdd` is the method `add`.
      out[key] = guard(f as (...args: unknown[]) => unknown, OP_NAMES[key] ?? key.charAt(6).toLowerCase() + key.slice(7))
    }
  }
  return out as TensorMethods
}

/** `guard` for functions returning a promise: rejections become FerrogradErrors too. */
function guardAsync<A extends unknown[], R>(f: (...args: A) => Promise<R>, name = f.name): (...args: A) => Promise<R> {
  const g = guard(f, name)
  return (...args: A) => g(...args).catch((e: unknown) => Promise.reject(toFerrogradError(e, name)))
}

function guardPrototype(proto: object): void {
  for (const key of Object.getOwnPropertyNames(proto)) {
    if (key === 'constructor') continue
    const d = Object.getOwnPropertyDescriptor(proto, key)
    if (!d) continue
    if (typeof d.value === 'function') d.value = guard(d.value as (...args: unknown[]) => unknown, key)
    if (d.get) d.get = guard(d.get, key)
    Object.defineProperty(proto, key, d)
  }
}

guardPrototype(binding.NativeRunner.prototype)

/** A guarded factory for a native class: its constructor's errors become FerrogradErrors too. */
function factory<A extends unknown[], R>(cls: new (...args: A) => R): (...args: A) => R {
  return guard((...args: A) => new cls(...args), cls.name.replace(/^Native/, ''))
}

/** A native optimizer class (the binding's `optim.rs` makes them all alike). */
interface NativeOptimizerClass<N, R> {
  new (params: NativeTensor[], groupSizes: number[], options: N[]): R
  readonly prototype: R
  algorithm(): string
  defaults(): N
}

/**
 * A native optimizer class as `ts/optim` uses it, guarded: the algorithm's name,
 * its default hyperparameters (N: the binding's options object, generated from
 * the core's declaration) and its constructor.
 */
function optimizer<N, R extends object>(cls: NativeOptimizerClass<N, R>) {
  guardPrototype(cls.prototype)
  return {
    name: guard(() => cls.algorithm(), 'algorithm')(),
    defaults: guard(() => cls.defaults(), 'defaults')(),
    create: factory(cls),
  }
}

/** The native optimizers, one line each, read once at load time. */
export const nativeOptimizers = {
  sgd: optimizer(binding.NativeSgd),
  adam: optimizer(binding.NativeAdam),
  adamW: optimizer(binding.NativeAdamW),
  rmsprop: optimizer(binding.NativeRmsprop),
  adagrad: optimizer(binding.NativeAdagrad),
}

/** The binding's functions, guarded. Classes are used through their prototypes. */
export const native = {
  tensorFromFloat32: guard(binding.tensorFromFloat32),
  tensorFromInt64: guard(binding.tensorFromInt64),
  tensorFromBool: guard(binding.tensorFromBool),
  tensorFromFloat64: guard(binding.tensorFromFloat64),
  tensorFromInt32: guard(binding.tensorFromInt32),
  full: guard(binding.full),
  uniform: guard(binding.uniform),
  randn: guard(binding.randn),
  randperm: guard(binding.randperm),
  randint: guard(binding.randint),
  arange: guard(binding.arange),
  linspace: guard(binding.linspace),
  eye: guard(binding.eye),
  cat: guard(binding.cat),
  stack: guard(binding.stack),
  where: guard(binding.where),
  linear: guard(binding.linear),
  batchNorm: guard(binding.batchNorm),
  layerNorm: guard(binding.layerNorm),
  embedding: guard(binding.embedding),
  dropout: guard(binding.dropout),
  mseLoss: guard(binding.mseLoss),
  l1Loss: guard(binding.l1Loss),
  thresholdLoss: guard(binding.thresholdLoss),
  binaryCrossEntropy: guard(binding.binaryCrossEntropy),
  binaryCrossEntropyWithLogits: guard(binding.binaryCrossEntropyWithLogits),
  klDiv: guard(binding.klDiv),
  crossEntropy: guard(binding.crossEntropy),
  readIdx: guard(binding.readIdx),
  readCsv: guard(binding.readCsv),
  loadSafetensors: guard(binding.loadSafetensors),
  loadSafetensorsAsync: guardAsync(binding.loadSafetensorsAsync as (path: string) => Promise<Binding.LoadedFile>),
  saveSafetensors: guard(binding.saveSafetensors),
  saveSafetensorsAsync: guardAsync(
    binding.saveSafetensorsAsync as (...args: Parameters<typeof binding.saveSafetensors>) => Promise<[string, string] | null>,
  ),
  nllLoss: guard(binding.nllLoss),
  initUniform: guard(binding.initUniform),
  initNormal: guard(binding.initNormal),
  initConstant: guard(binding.initConstant),
  initXavier: guard(binding.initXavier),
  initKaiming: guard(binding.initKaiming),
  calculateGain: guard(binding.calculateGain),
  conv1d: guard(binding.conv1d),
  conv2d: guard(binding.conv2d),
  maxPool2d: guard(binding.maxPool2d),
  avgPool2d: guard(binding.avgPool2d),
  adaptiveAvgPool2d: guard(binding.adaptiveAvgPool2d),
  manualSeed: guard(binding.manualSeed),
  setGradEnabled: guard(binding.setGradEnabled),
  isGradEnabled: guard(binding.isGradEnabled),
  setNumThreads: guard(binding.setNumThreads),
  getNumThreads: guard(binding.getNumThreads),
  getRngState: guard(binding.getRngState),
  setRngState: guard(binding.setRngState),
  memory: guard(binding.memory),
  emptyCache: guard(binding.emptyCache),
  simdLevel: guard(binding.simdLevel),
  clipGradNorm: guard(binding.clipGradNorm),
  clipGradValue: guard(binding.clipGradValue),
  traceBegin: guard(binding.traceBegin),
  traceEnd: guard(binding.traceEnd),
  newRunner: factory(binding.NativeRunner),
  ...tensorMethods(),
}

export type NativeTensor = Binding.NativeTensor
export type LoadedFile = Binding.LoadedFile
export type NativeParamState = Binding.NativeParamState
export type NativeOptimizerRef = Binding.NativeOptimizerRef
export type NativeTrace = Binding.NativeTrace
export type NativeRunner = Binding.NativeRunner
export type RunResult = Binding.RunResult
