/**
 * Layers, containers and losses, as `torch.nn`.
 * @module
 */
export { Module, type LoadStateDictOptions, type LoadStateDictResult } from './module'
export { Parameter } from './parameter'
export type { FitOptions, FitHistory, PredictOptions, OffThread, BatchInfo, EpochInfo, OptimizerLike, LossLike, LossModuleLike } from './fit'
export { Linear, type LinearOptions } from './linear'
export { Conv1d, Conv2d, type Conv1dLayerOptions, type Conv2dLayerOptions } from './conv'
export { MaxPool2d, AvgPool2d, AdaptiveAvgPool2d } from './pooling'
export { ReLU, Sigmoid, Tanh, Softmax, LogSoftmax, Identity, Flatten, GELU, SiLU, Softplus, LeakyReLU, Hardtanh } from './activation'
export { Sequential, ModuleList } from './container'
export { Dropout } from './dropout'
export { BatchNorm1d, BatchNorm2d, LayerNorm, type BatchNormOptions, type LayerNormOptions } from './normalization'
export { Embedding, type EmbeddingOptions } from './embedding'
export {
  MSELoss,
  L1Loss,
  SmoothL1Loss,
  HuberLoss,
  BCELoss,
  BCEWithLogitsLoss,
  NLLLoss,
  CrossEntropyLoss,
  KLDivLoss,
} from './loss'
export * as functional from './functional'
export * as utils from './utils'
export * as init from './init'
export type { Reduction, LossOptions } from './functional'
