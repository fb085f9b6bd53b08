import { describe, expect, test } from 'vitest'
import { expectError, fg } from './helpers'

const F = fg.nn.functional

describe('bad convolution and pooling configurations give a FerrogradError, and the process carries on', () => {
  test('the wrong number of input channels is ERR_SHAPE naming expected and actual', () => {
    const conv = new fg.nn.Conv2d(3, 6, 5)
    expectError(
      () => conv.forward(fg.zeros([1, 4, 28, 28])),
      'ERR_SHAPE',
      /conv2d: expected input with 3 channels .*got 4 channels \(input of shape \[1, 4, 28, 28\]\)/,
    )
    const grouped = new fg.nn.Conv1d(4, 6, 3, { groups: 2 })
    expectError(() => grouped.forward(fg.zeros([2, 6, 10])), 'ERR_SHAPE', /conv1d: expected input with 4 channels.*groups 2.*got 6/)
    // The layer still works with the right input.
    expect(conv.forward(fg.zeros([1, 3, 28, 28])).shape).toEqual([1, 6, 24, 24])
  })

  test('a kernel larger than the padded input is ERR_SHAPE, for convolutions and pools', () => {
    const conv = new fg.nn.Conv2d(1, 2, 5)
    expectError(
      () => conv.forward(fg.zeros([1, 1, 3, 3])),
      'ERR_SHAPE',
      /conv2d: kernel size \[5, 5\] is larger than the padded input size \[3, 3\]/,
    )
    // Padding 1 makes the 3x3 input 5x5: now it fits.
    expect(new fg.nn.Conv2d(1, 2, 5, { padding: 1 }).forward(fg.zeros([1, 1, 3, 3])).shape).toEqual([1, 2, 1, 1])
    expectError(
      () => F.conv1d(fg.zeros([1, 1, 4]), fg.zeros([1, 1, 3]), null, { dilation: 2 }),
      'ERR_SHAPE',
      /conv1d: kernel size 3 \(5 dilated\) is larger than the padded input size 4/,
    )
    expectError(() => new fg.nn.MaxPool2d(3).forward(fg.zeros([1, 1, 2, 5])), 'ERR_SHAPE', /maxPool2d: kernel size \[3, 3\] is larger/)
    expectError(() => F.avgPool2d(fg.zeros([1, 2, 2]), [1, 4]), 'ERR_SHAPE', /avgPool2d: kernel size \[1, 4\] is larger/)
  })

  test('non-positive stride or dilation, negative padding and groups that do not divide are ERR_ARG', () => {
    const x = fg.zeros([1, 4, 8, 8])
    const w = fg.zeros([6, 4, 3, 3])
    expectError(() => F.conv2d(x, w, null, { stride: 0 }), 'ERR_ARG', /conv2d: stride must be a positive integer, got 0/)
    expectError(() => F.conv2d(x, w, null, { stride: [1, -2] }), 'ERR_ARG', /stride must be a positive integer, got -2/)
    expectError(() => F.conv2d(x, w, null, { dilation: [0, 1] }), 'ERR_ARG', /dilation must be a positive integer/)
    expectError(() => F.conv2d(x, w, null, { padding: -1 }), 'ERR_ARG', /padding must be a non-negative integer, got -1/)
    expectError(() => F.conv2d(x, w, null, { padding: 1.5 }), 'ERR_ARG', /padding must be a non-negative integer/)
    expectError(() => F.conv2d(x, fg.zeros([6, 1, 3, 3]), null, { groups: 3 }), 'ERR_ARG', /groups \(3\) must divide the input's channels \(4/)
    expectError(() => F.conv2d(x, fg.zeros([5, 2, 3, 3]), null, { groups: 2 }), 'ERR_ARG', /groups \(2\) must divide the out_channels/)
    expectError(() => F.conv2d(x, w, null, { groups: 0 }), 'ERR_ARG', /groups must be a positive integer/)
    expectError(() => new fg.nn.Conv2d(4, 6, 3, { groups: 3 }), 'ERR_ARG', /Conv2d: inChannels \(4\) must be divisible by groups \(3\)/)
    expectError(() => new fg.nn.Conv2d(4, 6, 3, { groups: 4 }), 'ERR_ARG', /outChannels \(6\) must be divisible by groups \(4\)/)
    expectError(() => new fg.nn.Conv2d(4, 6, 3, { stride: 0 }), 'ERR_ARG', /Conv2d: stride must be positive/)
    expectError(() => new fg.nn.Conv1d(4, 6, 3, { padding: -1 }), 'ERR_ARG', /Conv1d: padding must be non-negative/)
    expectError(() => new fg.nn.Conv2d(4, 6, 0), 'ERR_ARG', /kernel_size must be positive/)
    expectError(() => F.maxPool2d(x, 2, { stride: 0 }), 'ERR_ARG', /maxPool2d: stride must be a positive integer/)
    expectError(() => F.maxPool2d(x, 2, { padding: 2 }), 'ERR_ARG', /padding should be at most half of the kernel size/)
    expectError(() => F.avgPool2d(x, 0), 'ERR_ARG', /kernel_size must be a positive integer/)
    expectError(() => F.adaptiveAvgPool2d(x, -1), 'ERR_ARG', /output_size must be a non-negative integer/)
    // Nothing was lost: the same operands still convolve.
    expect(F.conv2d(x, w, null, { stride: 2, padding: 1 }).shape).toEqual([1, 6, 4, 4])
  })

  test('wrong shapes, types and options are refused by name', () => {
    expectError(() => F.conv2d(fg.zeros([4, 8]), fg.zeros([6, 4, 3, 3])), 'ERR_SHAPE', /expected a 3-D \(unbatched\) or 4-D \(batched\) input/)
    expectError(() => F.conv2d(fg.zeros([1, 4, 8, 8]), fg.zeros([6, 4, 3])), 'ERR_SHAPE', /expected a 4-D weight/)
    expectError(() => F.conv2d(fg.zeros([1, 4, 8, 8]), fg.zeros([6, 4, 3, 3]), fg.zeros([5])), 'ERR_SHAPE', /bias of shape \[5\]/)
    expectError(() => F.maxPool2d(fg.zeros([8, 8]), 2), 'ERR_SHAPE', /maxPool2d: expected a 3-D \(unbatched\) or 4-D/)
    expectError(() => F.conv2d(fg.zeros([1, 4, 8, 8]), fg.zeros([6, 4, 3, 3]), null, { stride: [1, 1, 1] as never }), 'ERR_ARG', /pair/)
    expectError(() => F.conv2d(fg.zeros([1, 4, 8, 8]), fg.zeros([6, 4, 3, 3]), null, { strides: 2 } as never), 'ERR_ARG', /unknown option 'strides'/)
    expectError(() => new fg.nn.MaxPool2d(2, { dilation: 2 } as never), 'ERR_ARG', /unknown option 'dilation'/)
    expectError(() => new fg.nn.Conv2d(4, 6, '3' as never), 'ERR_ARG', /kernel_size must be a number or a pair/)
    const ints = fg.zeros([1, 1, 4, 4], { dtype: 'int64' })
    expectError(() => F.maxPool2d(ints, 2), 'ERR_DTYPE', /maxPool2d: expected a float32 or float64 tensor, got int64/)
  })
})

describe('convolution and pooling layers', () => {
  test('print like PyTorch', () => {
    expect(new fg.nn.Conv2d(1, 6, 5).toString()).toBe('Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))  # 156 params')
    expect(new fg.nn.Conv2d(4, 8, [3, 1], { stride: 2, padding: [1, 0], dilation: 2, groups: 2, bias: false }).toString()).toBe(
      'Conv2d(4, 8, kernel_size=(3, 1), stride=(2, 2), padding=(1, 0), dilation=(2, 2), groups=2, bias=False)  # 48 params',
    )
    expect(new fg.nn.Conv1d(2, 4, 3, { stride: 2 }).toString()).toBe('Conv1d(2, 4, kernel_size=(3,), stride=(2,))  # 28 params')
    expect(new fg.nn.MaxPool2d(2).toString()).toBe('MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)')
    expect(new fg.nn.AvgPool2d([3, 2], { stride: 1, padding: [1, 0] }).toString()).toBe(
      'AvgPool2d(kernel_size=(3, 2), stride=1, padding=(1, 0))',
    )
    expect(new fg.nn.AdaptiveAvgPool2d([null, 7]).toString()).toBe('AdaptiveAvgPool2d(output_size=(None, 7))')
  })

  test('weights are laid out and initialised as PyTorch does', () => {
    fg.manualSeed(3)
    const conv = new fg.nn.Conv2d(4, 6, 3, { groups: 2 })
    expect(conv.weight.shape).toEqual([6, 2, 3, 3])
    expect(conv.bias!.shape).toEqual([6])
    expect(Object.keys(conv.stateDict())).toEqual(['weight', 'bias'])
    // kaiming_uniform_(a = sqrt(5)) and the bias: both within 1/sqrt(fan_in), fan_in = 2 * 3 * 3.
    const bound = 1 / Math.sqrt(18)
    for (const t of [conv.weight, conv.bias!]) {
      const v = Array.from(t.toFloat32Array())
      expect(Math.max(...v.map(Math.abs))).toBeLessThanOrEqual(bound)
      // Spread over the range, not stuck near 0.
      expect(Math.max(...v.map(Math.abs))).toBeGreaterThan(bound / 2)
    }
    expect(new fg.nn.Conv1d(3, 2, 4, { bias: false }).parameters().map((p) => p.shape)).toEqual([[2, 3, 4]])
  })

  test('a CNN trains: Conv-ReLU-MaxPool-Flatten-Linear learns to tell two patterns apart', () => {
    fg.manualSeed(0)
    // Vertical against horizontal bars, with noise.
    const n = 32
    const x = new Float32Array(n * 36)
    const y = new BigInt64Array(n)
    for (let i = 0; i < n; i++) {
      y[i] = BigInt(i % 2)
      for (let r = 0; r < 6; r++) {
        for (let c = 0; c < 6; c++) {
          const bar = i % 2 ? r === (i >> 1) % 6 : c === (i >> 1) % 6
          x[i * 36 + r * 6 + c] = (bar ? 1 : 0) + 0.1 * Math.sin(i * 7 + r * 3 + c)
        }
      }
    }
    const inputs = fg.tensor(x, { shape: [n, 1, 6, 6] })
    const labels = fg.tensor(y)
    const model = new fg.nn.Sequential(
      new fg.nn.Conv2d(1, 4, 3, { padding: 1 }),
      new fg.nn.ReLU(),
      new fg.nn.MaxPool2d(2),
      new fg.nn.Flatten(),
      new fg.nn.Linear(36, 2),
    )
    const opt = new fg.optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 })
    const lossFn = new fg.nn.CrossEntropyLoss()
    const first = lossFn.forward(model.forward(inputs), labels).item()
    for (let step = 0; step < 60; step++) {
      const loss = lossFn.forward(model.forward(inputs), labels)
      opt.zeroGrad()
      loss.backward()
      opt.step()
    }
    const last = lossFn.forward(model.forward(inputs), labels).item()
    expect(last).toBeLessThan(first / 10)
    const correct = fg.noGrad(() => model.forward(inputs).argmax(1).eq(labels).sum().item())
    expect(correct).toBe(n)
  })

  test('gradients pass fg.autograd.gradcheck in float64', () => {
    fg.manualSeed(1)
    const leaf = (shape: number[]) => fg.randn(shape, { dtype: 'float64' }).requiresGrad_()
    const [x, w, b] = [leaf([2, 4, 5, 5]), leaf([6, 2, 3, 3]), leaf([6])]
    const net = (x: fg.Tensor, w: fg.Tensor, b: fg.Tensor) => {
      const h = F.conv2d(x, w, b, { stride: [2, 1], padding: 1, groups: 2 }).tanh()
      return F.adaptiveAvgPool2d(F.avgPool2d(F.maxPool2d(h, 2, { stride: 1 }), 2, { padding: 1, countIncludePad: false }), [2, 1])
    }
    expect(fg.autograd.gradcheck(net, [x, w, b])).toBe(true)
    const [s, k] = [leaf([3, 9]), leaf([4, 3, 2])]
    expect(fg.autograd.gradcheck((s, k) => F.conv1d(s, k, null, { dilation: 3, padding: 2 }), [s, k])).toBe(true)
  })

  test('unbatched inputs keep their rank, mixed float dtypes meet in float64', () => {
    const conv = new fg.nn.Conv2d(3, 2, 3)
    expect(conv.forward(fg.zeros([3, 5, 5])).shape).toEqual([2, 3, 3])
    expect(new fg.nn.MaxPool2d(2).forward(fg.zeros([3, 5, 5])).shape).toEqual([3, 2, 2])
    expect(new fg.nn.AdaptiveAvgPool2d(1).forward(fg.zeros([2, 3, 5, 5])).shape).toEqual([2, 3, 1, 1])
    expect(conv.forward(fg.zeros([1, 3, 5, 5], { dtype: 'float64' })).dtype).toBe('float64')
  })
})
