import { fail, integerArg } from '../errors'
import { Tensor, describe } from '../tensor'
import { Module } from './module'

/** `max(x, 0)` elementwise. */
export class ReLU extends Module {
  /** Applies the activation. */
  forward(input: Tensor): Tensor {
    return input.relu()
  }
}

/** `1 / (1 + e^-x)` elementwise. */
export class Sigmoid extends Module {
  /** Applies the activation. */
  forward(input: Tensor): Tensor {
    return input.sigmoid()
  }
}

/** `tanh(x)` elementwise. */
export class Tanh extends Module {
  /** Applies the activation. */
  forward(input: Tensor): Tensor {
    return input.tanh()
  }
}

/** Softmax along `dim`. */
export class Softmax extends Module {
  /** @param dim the dimension that sums to 1. */
  constructor(readonly dim: number) {
    super()
    integerArg('Softmax', 'dim', dim)
  }

  /** Applies softmax. */
  forward(input: Tensor): Tensor {
    return input.softmax(this.dim)
  }

  /** @internal */
  extraRepr(): string {
    return `dim=${this.dim}`
  }
}

/** Log-softmax along `dim`. */
export class LogSoftmax extends Module {
  /** @param dim the dimension normalised over. */
  constructor(readonly dim: number) {
    super()
    integerArg('LogSoftmax', 'dim', dim)
  }

  /** Applies log-softmax. */
  forward(input: Tensor): Tensor {
    return input.logSoftmax(this.dim)
  }

  /** @internal */
  extraRepr(): string {
    return `dim=${this.dim}`
  }
}

/** Returns its input unchanged. */
export class Identity extends Module {
  /** Returns `input`. */
  forward(input: Tensor): Tensor {
    return input
  }
}

/** Flattens dims `startDim..endDim` (default 1..-1: keeps the batch dim). */
export class Flatten extends Module {
  /** @param startDim first dim to flatten. @param endDim last dim to flatten. */
  constructor(
    readonly startDim = 1,
    readonly endDim = -1,
  ) {
    super()
    integerArg('Flatten', 'startDim', startDim)
    integerArg('Flatten', 'endDim', endDim)
  }

  /** Flattens the input. */
  forward(input: Tensor): Tensor {
    return input.flatten(this.startDim, this.endDim)
  }

  /** @internal */
  extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`
  }
}

/** GELU with the exact normal CDF, `x * Φ(x)`. */
export class GELU extends Module {
  /** Applies the activation. */
  forward(input: Tensor): Tensor {
    return input.gelu()
  }
}

/** SiLU (swish), `x * sigmoid(x)`. */
export class SiLU extends Module {
  /** Applies the activation. */
  forward(input: Tensor): Tensor {
    return input.silu()
  }
}

/** Softplus, `ln(1 + e^x)`. */
export class Softplus extends Module {
  /** Applies the activation. */
  forward(input: Tensor): Tensor {
    return input.softplus()
  }
}

/** Leaky ReLU: `x` for x > 0, `negativeSlope * x` otherwise. */
export class LeakyReLU extends Module {
  /** @param negativeSlope the slope for x <= 0 (default 0.01). */
  constructor(readonly negativeSlope = 0.01) {
    super()
    if (typeof negativeSlope !== 'number') fail('ERR_ARG', 'LeakyReLU', `negativeSlope must be a number, got ${describe(negativeSlope)}`)
  }

  /** Applies the activation. */
  forward(input: Tensor): Tensor {
    return input.leakyRelu(this.negativeSlope)
  }

  /** @internal */
  extraRepr(): string {
    return `negative_slope=${this.negativeSlope}`
  }
}

/** HardTanh: `x` limited to `[minVal, maxVal]`, as PyTorch's `nn.Hardtanh`. */
export class Hardtanh extends Module {
  /**
   * @param minVal the lower bound (default -1).
   * @param maxVal the upper bound (default 1).
   */
  constructor(
    readonly minVal = -1,
    readonly maxVal = 1,
  ) {
    super()
    if (typeof minVal !== 'number' || typeof maxVal !== 'number' || !(minVal <= maxVal)) {
      fail('ERR_ARG', 'Hardtanh', `minVal and maxVal must be numbers with minVal <= maxVal, got ${describe(minVal)} and ${describe(maxVal)}`)
    }
  }

  /** Applies the activation. */
  forward(input: Tensor): Tensor {
    return input.hardtanh(this.minVal, this.maxVal)
  }

  /** @internal */
  extraRepr(): string {
    return `min_val=${this.minVal}, max_val=${this.maxVal}`
  }
}
