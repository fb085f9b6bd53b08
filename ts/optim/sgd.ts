import { checkOptions, fail } from '../errors'
import { native, type NativeSgd, type SgdGroupOptions } from '../native'
import { Tensor, asTensor } from '../tensor'

/** Hyperparameters of SGD (all optional; PyTorch's defaults). */
export interface SGDOptions {
  /** Learning rate (default 0.001). */
  lr?: number
  /** Momentum factor (default 0). */
  momentum?: number
  /** Dampening for momentum (default 0). */
  dampening?: number
  /** L2 penalty (default 0). */
  weightDecay?: number
  /** Nesterov momentum (default false). */
  nesterov?: boolean
}

/** A parameter group: its tensors and optional per-group hyperparameters. */
export interface SGDParamGroupInput extends SGDOptions {
  /** The tensors of this group (or a single tensor). */
  params: Iterable<Tensor> | Tensor
}

/** A parameter group as the optimizer holds it; change `lr` here to reschedule. */
export interface SGDParamGroup extends Required<SGDOptions> {
  /** The tensors of this group. */
  params: Tensor[]
}

const KEYS = ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov'] as const

function toNative(g: SGDParamGroup): SgdGroupOptions {
  return { lr: g.lr, momentum: g.momentum, dampening: g.dampening, weightDecay: g.weightDecay, nesterov: g.nesterov }
}

/**
 * Stochastic gradient descent with optional momentum, Nesterov momentum and
 * weight decay, with `torch.optim.SGD`'s update rule. `step()` updates every
 * parameter in one native call.
 */
export class SGD {
  /** The parameter groups with their current hyperparameters. */
  readonly paramGroups: SGDParamGroup[]
  private readonly handle: NativeSgd
  /** Hyperparameters last sent to the native optimizer, per group. */
  private readonly sent: SgdGroupOptions[]

  /** @param params tensors, or parameter groups. @param options defaults for every group. */
  constructor(params: Iterable<Tensor> | SGDParamGroupInput[], options: SGDOptions = {}) {
    checkOptions('SGD', options, KEYS)
    const list = Array.from(params as Iterable<Tensor | SGDParamGroupInput>)
    const inputs: SGDParamGroupInput[] =
      list.length > 0 && !(list[0] instanceof Tensor) ? (list as SGDParamGroupInput[]) : [{ params: list as Tensor[] }]
    this.paramGroups = inputs.map((g, i) => {
      checkOptions(`SGD (group ${i})`, g, ['params', ...KEYS])
      if (g.params === undefined || g.params === null) fail('ERR_ARG', `SGD: parameter group ${i} has no 'params'`)
      const groupParams =
        g.params instanceof Tensor
          ? [g.params]
          : typeof (g.params as Iterable<Tensor>)[Symbol.iterator] === 'function'
            ? Array.from(g.params as Iterable<Tensor>, (p) => asTensor('SGD', p))
            : fail('ERR_ARG', `SGD: 'params' of group ${i} must be a tensor or an iterable of tensors`)
      return {
        params: groupParams,
        lr: g.lr ?? options.lr ?? 1e-3,
        momentum: g.momentum ?? options.momentum ?? 0,
        dampening: g.dampening ?? options.dampening ?? 0,
        weightDecay: g.weightDecay ?? options.weightDecay ?? 0,
        nesterov: g.nesterov ?? options.nesterov ?? false,
      }
    })
    if (this.paramGroups.every((g) => g.params.length === 0)) fail('ERR_ARG', 'SGD: got an empty parameter list')
    this.sent = this.paramGroups.map(toNative)
    this.handle = native.newSgd(
      this.paramGroups.flatMap((g) => g.params.map((p) => p._n)),
      this.paramGroups.map((g) => g.params.length),
      this.sent,
    )
  }

  /** Updates every parameter that has a gradient. */
  step(): void {
    // Hyperparameters changed through paramGroups (schedulers do this) reach the
    // native side before the update.
    this.paramGroups.forEach((g, i) => {
      const s = this.sent[i]
      if (g.lr !== s.lr || g.momentum !== s.momentum || g.dampening !== s.dampening || g.weightDecay !== s.weightDecay || g.nesterov !== s.nesterov) {
        const next = toNative(g)
        this.handle.setOptions(i, next)
        this.sent[i] = next
      }
    })
    this.handle.step()
  }

  /** Clears every parameter's gradient (sets it to null). */
  zeroGrad(): void {
    this.handle.zeroGrad()
  }
}
