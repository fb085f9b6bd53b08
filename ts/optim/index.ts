/**
 * Optimizers and learning-rate schedulers, as `torch.optim`.
 * @module
 */
export {
  Optimizer,
  type OptimizerStateDict,
  type ParamStateDict,
  type ParamGroup,
  type ParamGroupInput,
  type HyperValue,
  type HasLr,
  type SavedGroupParams,
} from './optimizer'
export { SGD, type SGDOptions, type SGDParamGroup, type SGDParamGroupInput } from './sgd'
export { Adam, AdamW, type AdamOptions, type AdamParamGroup, type AdamParamGroupInput } from './adam'
export { RMSprop, type RMSpropOptions, type RMSpropParamGroup, type RMSpropParamGroupInput } from './rmsprop'
export { Adagrad, type AdagradOptions, type AdagradParamGroup, type AdagradParamGroupInput } from './adagrad'
export * as lrScheduler from './lr-scheduler'
