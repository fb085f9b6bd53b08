/**
 * Layers, containers and losses, as `torch.nn`.
 * @module
 */
export { Module, type LoadStateDictOptions, type LoadStateDictResult } from './module'
export { Parameter } from './parameter'
export type { FitOptions, FitHistory, PredictOptions, BatchInfo, EpochInfo, OptimizerLike, LossLike, LossModuleLike } from './fit'
export { Linear, type LinearOptions } from './linear'
export { ReLU, Sigmoid, Tanh, Softmax, LogSoftmax, Identity, Flatten, GELU, SiLU, Softplus, LeakyReLU } from './activation'
export { Sequential } from './container'
export { MSELoss, CrossEntropyLoss } from './loss'
export * as functional from './functional'
export * as utils from './utils'
export type { Reduction, LossOptions } from './functional'
