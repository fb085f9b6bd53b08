/**
 * Learning-rate schedulers, as `torch.optim.lr_scheduler`: each sets
 * `optimizer.paramGroups[i].lr` when stepped, with PyTorch's formulas.
 *
 * ```ts
 * const scheduler = new fg.optim.lrScheduler.StepLR(optimizer, 30, { gamma: 0.1 })
 * for (let epoch = 0; epoch < 100; epoch++) {
 *   train(); // optimizer.step() for every batch
 *   scheduler.step()
 * }
 * ```
 * @module
 */
export { LRScheduler, HyperparameterScheduler, SchedulerBase, type AnyOptimizer, type SchedulerParamGroup, type CycledMomentum } from './scheduler'
export { StepLR, MultiStepLR, type StepLROptions, type MultiStepLROptions } from './step'
export { ExponentialLR, type ExponentialLROptions } from './exponential'
export { CosineAnnealingLR, type CosineAnnealingLROptions } from './cosine'
export { LinearLR, type LinearLROptions } from './linear'
export { OneCycleLR, type OneCycleLROptions } from './one-cycle'
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from './plateau'
