/**
 * Layers, containers and losses, as `torch.nn`.
 * @module
 */
export { Module, type LoadStateDictOptions, type LoadStateDictResult } from './module'
export { Parameter } from './parameter'
export { Linear, type LinearOptions } from './linear'
export { Conv1d, Conv2d, type Conv1dLayerOptions, type Conv2dLayerOptions } from './conv'
export { MaxPool2d, AvgPool2d, AdaptiveAvgPool2d } from './pooling'
export { ReLU, Sigmoid, Tanh, Softmax, LogSoftmax, Identity, Flatten, GELU, SiLU, Softplus, LeakyReLU } from './activation'
export { Sequential } from './container'
export { MSELoss, CrossEntropyLoss } from './loss'
export * as functional from './functional'
export type { Reduction, LossOptions } from './functional'
