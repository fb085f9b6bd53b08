/**
 * ferrograd: neural-network training for Node.js with a Rust core, shaped like
 * PyTorch.
 *
 * ```ts
 * import * as fg from 'ferrograd'
 * const model = new fg.nn.Sequential(new fg.nn.Linear(784, 128), new fg.nn.ReLU(), new fg.nn.Linear(128, 10))
 * const optimizer = new fg.optim.SGD(model.parameters(), { lr: 0.1 })
 * ```
 * @module
 */
export { ERROR_CODES, FerrogradError, type ErrorCode, type ErrorFields } from './errors'
export * from './elementwise'
export {
  Tensor,
  type DType,
  type NestedArray,
  type TensorLike,
  type BackwardOptions,
  type Comparison,
  type ValuesIndices,
  type VarOptions,
} from './tensor'
export {
  tensor,
  full,
  zeros,
  ones,
  zerosLike,
  onesLike,
  rand,
  randn,
  randperm,
  randint,
  arange,
  linspace,
  eye,
  type ArangeOptions,
  type TensorOptions,
  type TensorDataOptions,
  type TensorData,
} from './creation'
export {
  softmax,
  logSoftmax,
  sum,
  mean,
  argmax,
  matmul,
  reshape,
  transpose,
  flatten,
  detach,
  noGrad,
  isGradEnabled,
  setGradEnabled,
  manualSeed,
  setNumThreads,
  getNumThreads,
  memory,
  emptyCache,
  type MemoryStats,
  where,
  cat,
  stack,
  max,
  min,
  argmin,
  variance as var,
  std,
  permute,
  narrow,
  indexSelect,
  gather,
  simdLevel,
  type SimdLevel,
} from './functions'
export * as autograd from './autograd'
export * as data from './data'
export { saveCheckpoint, loadCheckpoint, type CheckpointContents, type CheckpointTargets, type CheckpointInfo, type CheckpointOptimizer, type SavedOptimizerState } from './checkpoint'
export { save, load, saveAsync, loadAsync, readSafetensors, type SaveOptions, type SafetensorsFile } from './io'
export * as nn from './nn'
export * as optim from './optim'
