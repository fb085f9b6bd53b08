/**
 * Training checkpoints: a model, its optimizer, the epoch and the random
 * generator's state in one safetensors file, so an interrupted run resumes with
 * bit-identical losses.
 * @module
 */
import { checkOptions, fail, within } from './errors'
import { native } from './native'
import { Tensor, describe } from './tensor'
import { readSafetensors, save } from './io'
import type { Module } from './nn/module'

/** The parts of an optimizer's state dict a checkpoint stores. */
export interface SavedOptimizerState {
  /** Per-parameter state: tensors and numbers by name. */
  state: Record<number, Record<string, Tensor | number>>
  /** Each group's hyperparameters. */
  paramGroups: object[]
}

/** What a checkpoint needs of an optimizer: every `fg.optim` optimizer has it. */
export interface CheckpointOptimizer {
  /** The optimizer's state (see `Optimizer.stateDict`). */
  stateDict(): SavedOptimizerState
  /** Restores a state returned by `stateDict()`. */
  loadStateDict(state: never): void
}

/** What {@link saveCheckpoint} stores. */
export interface CheckpointContents {
  /** The model: its `stateDict()` is saved under `model.<key>`. */
  model: Module
  /** Its optimizer: the state tensors under `optimizer.state.<index>.<name>`, the rest as JSON. */
  optimizer?: CheckpointOptimizer
  /** The epoch to resume from. */
  epoch?: number
  /** Anything else JSON can hold (a scheduler's `stateDict()`, the best loss, ...). */
  extra?: Record<string, unknown>
}

/** What {@link loadCheckpoint} restores into. */
export interface CheckpointTargets {
  /** The model to load the weights into (same architecture). */
  model: Module
  /** The optimizer to load the state into (same kind and parameters). */
  optimizer?: CheckpointOptimizer
}

/** What {@link loadCheckpoint} returns besides the restored objects. */
export interface CheckpointInfo {
  /** The saved epoch, if any. */
  epoch?: number
  /** The saved `extra`, if any. */
  extra?: Record<string, unknown>
}

const KEY = 'ferrograd.checkpoint'

interface Header {
  version: 1
  epoch?: number
  extra?: Record<string, unknown>
  rng: string
  optimizer?: { paramGroups: object[]; scalars: Record<string, Record<string, number>> }
}

/**
 * Saves a model, its optimizer, the epoch, `extra` and this thread's random
 * generator state to one safetensors file (atomically). `loadCheckpoint` restores
 * them; training continued from it gives the same losses, bit for bit, as a run
 * that was never interrupted.
 *
 * @example
 * fg.saveCheckpoint('ckpt.safetensors', { model, optimizer, epoch })
 */
export function saveCheckpoint(path: string, contents: CheckpointContents): void {
  checkOptions('saveCheckpoint', contents, ['model', 'optimizer', 'epoch', 'extra'])
  const { model, optimizer, epoch, extra } = contents ?? ({} as CheckpointContents)
  if (!model || typeof model.stateDict !== 'function') fail('ERR_ARG', 'saveCheckpoint', `model must be an fg.nn.Module, got ${describe(model)}`)
  if (epoch !== undefined && !Number.isInteger(epoch)) fail('ERR_ARG', 'saveCheckpoint', `epoch must be an integer, got ${describe(epoch)}`)
  const tensors: Record<string, Tensor> = {}
  for (const [k, t] of Object.entries(model.stateDict())) tensors[`model.${k}`] = t
  const header: Header = { version: 1, rng: native.getRngState(), ...(epoch !== undefined ? { epoch } : {}), ...(extra !== undefined ? { extra } : {}) }
  if (optimizer) {
    if (typeof optimizer.stateDict !== 'function') fail('ERR_ARG', 'saveCheckpoint', `optimizer must be an fg.optim optimizer, got ${describe(optimizer)}`)
    const sd = optimizer.stateDict()
    const scalars: Record<string, Record<string, number>> = {}
    for (const [i, entry] of Object.entries(sd.state)) {
      for (const [name, v] of Object.entries(entry)) {
        if (v instanceof Tensor) tensors[`optimizer.state.${i}.${name}`] = v
        else (scalars[i] ??= {})[name] = v
      }
    }
    header.optimizer = { paramGroups: sd.paramGroups, scalars }
  }
  let json: string
  try {
    json = JSON.stringify(header)
  } catch (e) {
    return fail('ERR_ARG', 'saveCheckpoint', `extra must be JSON-serialisable: ${e instanceof Error ? e.message : String(e)}`)
  }
  within('saveCheckpoint', () => save(tensors, path, { metadata: { [KEY]: json } }))
}

/**
 * Restores a checkpoint written by {@link saveCheckpoint} into `model` (and
 * `optimizer`), and this thread's random generator; returns the epoch and extra.
 * A file that is not a checkpoint is `ERR_FORMAT`; weights that do not fit the
 * model fail as `loadStateDict` does, before anything is changed.
 */
export function loadCheckpoint(path: string, targets: CheckpointTargets): CheckpointInfo {
  checkOptions('loadCheckpoint', targets, ['model', 'optimizer'])
  const { model, optimizer } = targets ?? ({} as CheckpointTargets)
  if (!model || typeof model.loadStateDict !== 'function') fail('ERR_ARG', 'loadCheckpoint', `model must be an fg.nn.Module, got ${describe(model)}`)
  const file = within('loadCheckpoint', () => readSafetensors(path))
  const raw = file.metadata[KEY]
  if (raw === undefined) fail('ERR_FORMAT', 'loadCheckpoint', `${path} is a safetensors file but not a ferrograd checkpoint (no '${KEY}' metadata); use fg.load for plain weights`)
  let header: Header
  try {
    header = JSON.parse(raw) as Header
  } catch {
    return fail('ERR_FORMAT', 'loadCheckpoint', `${path} has unreadable checkpoint metadata`)
  }
  if (header.version !== 1) fail('ERR_FORMAT', 'loadCheckpoint', `${path} is checkpoint version ${describe(header.version)}; this ferrograd reads version 1`)
  if (optimizer && !header.optimizer) fail('ERR_FORMAT', 'loadCheckpoint', `${path} holds no optimizer state`)
  const weights: Record<string, Tensor> = {}
  const state: Record<number, Record<string, Tensor | number>> = {}
  for (const [k, t] of Object.entries(file.tensors)) {
    if (k.startsWith('model.')) weights[k.slice('model.'.length)] = t
    const m = /^optimizer\.state\.(\d+)\.(.+)$/.exec(k)
    if (m) (state[Number(m[1])] ??= {})[m[2]] = t
  }
  within('loadCheckpoint', () => model.loadStateDict(weights))
  if (optimizer && header.optimizer) {
    for (const [i, scalars] of Object.entries(header.optimizer.scalars)) Object.assign((state[Number(i)] ??= {}), scalars)
    optimizer.loadStateDict({ state, paramGroups: header.optimizer.paramGroups } as never)
  }
  native.setRngState(header.rng)
  return { ...(header.epoch !== undefined ? { epoch: header.epoch } : {}), ...(header.extra !== undefined ? { extra: header.extra } : {}) }
}
