import { within } from '../errors'
import { native } from '../native'
import { Tensor, asTensor } from '../tensor'

/**
 * A tensor marked as a learnable parameter of a {@link Module}: assigning one to
 * a module's field registers it. It shares the given tensor's data.
 */
export class Parameter extends Tensor {
  /**
   * @param data the initial value; its data is shared when already contiguous
   *   (optimizers update parameters in place, which needs a packed layout).
   * @param requiresGrad track gradients (default true).
   */
  constructor(data: Tensor, requiresGrad = true) {
    super(within('Parameter', () => native.tensorDetach(native.tensorContiguous(asTensor('Parameter', data)._n))))
    within('Parameter', () => this.requiresGrad_(requiresGrad))
  }
}
