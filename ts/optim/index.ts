/**
 * Optimizers, as `torch.optim`.
 * @module
 */
export { SGD, type SGDOptions, type SGDParamGroup, type SGDParamGroupInput } from './sgd'
