/**
 * A convolutional network (LeNet-style) on handwritten digits.
 *
 *   npm run mnist:cnn          (or: npx tsx examples/mnist-cnn.ts --seed 1 --epochs 3)
 *
 * The same story as `mnist.ts` — architecture, forward pass, loss,
 * backpropagation, optimizer step — on the same split of the same digits, with
 * layers that see images as images: a convolution slides small learned filters
 * over the picture, so a stroke is recognised wherever it is, and pooling keeps
 * the strongest response of each neighbourhood.
 */
import { SingleBar } from 'cli-progress'
import * as fg from 'ferrograd'
import { loadMnist, type Split } from './mnist-data'

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : fallback
}
const seed = arg('seed', 0)
const epochs = arg('epochs', 5)
const batchSize = 64

// Same seed, same initial weights, same shuffles, same losses.
fg.manualSeed(seed)

// 1. The architecture, LeNet-5's shape with more filters: two rounds of
//    convolution, ReLU and 2x2 max pooling turn a 28x28 image into 32 maps of 5x5
//    features; two fully connected layers turn those into 10 scores, one per digit.
class ConvNet extends fg.nn.Module {
  conv1 = new fg.nn.Conv2d(1, 16, 5, { padding: 2 }) // [N, 1, 28, 28] -> [N, 16, 28, 28]
  conv2 = new fg.nn.Conv2d(16, 32, 5) //                [N, 16, 14, 14] -> [N, 32, 10, 10]
  pool = new fg.nn.MaxPool2d(2) //                      halves height and width
  relu = new fg.nn.ReLU()
  flatten = new fg.nn.Flatten() //                      [N, 32, 5, 5] -> [N, 800]
  fc1 = new fg.nn.Linear(32 * 5 * 5, 120)
  fc2 = new fg.nn.Linear(120, 10)

  forward(x: fg.Tensor): fg.Tensor {
    x = this.pool.forward(this.relu.forward(this.conv1.forward(x)))
    x = this.pool.forward(this.relu.forward(this.conv2.forward(x)))
    return this.fc2.forward(this.relu.forward(this.fc1.forward(this.flatten.forward(x))))
  }
}

const model = new ConvNet()
console.log(model.toString())

// 2. The loss: cross-entropy of the 10 raw scores against the true digit.
const lossFn = new fg.nn.CrossEntropyLoss()

// 3. The optimizer. Adam keeps running averages of each weight's gradient and of
//    its square, and so adapts the step size per weight.
const optimizer = new fg.optim.Adam(model.parameters(), { lr: 2e-3 })

// 4. The learning rate anneals from the optimizer's along a half cosine to 0
//    (PyTorch's CosineAnnealingLR, stepped every batch): large steps while the
//    weights are far off, small ones at the end so that they settle.
const baseLr = optimizer.paramGroups[0].lr

const { train, test } = loadMnist()
console.log(`MNIST from the mnist package: ${train.count} training and ${test.count} test digits`)

// Inputs centred and scaled by the training images' mean and standard deviation:
// gradient descent converges faster on inputs around 0 with unit spread.
const mean = train.images.reduce((a, v) => a + v, 0) / train.images.length
const std = Math.sqrt(train.images.reduce((a, v) => a + (v - mean) ** 2, 0) / train.images.length)

/** Images `idx` of `split`, normalised, as a `[n, 1, 28, 28]` batch, and their labels. */
function batch(split: Split, idx: ArrayLike<number | bigint>): [fg.Tensor, fg.Tensor] {
  const x = new Float32Array(idx.length * 784)
  const y = new BigInt64Array(idx.length)
  for (let r = 0; r < idx.length; r++) {
    const i = Number(idx[r])
    for (let p = 0; p < 784; p++) x[r * 784 + p] = (split.images[i * 784 + p] - mean) / std
    y[r] = split.labels[i]
  }
  return [fg.tensor(x, { shape: [idx.length, 1, 28, 28] }), fg.tensor(y)]
}

/** The share of test digits classified right, 500 at a time, without a graph. */
function testAccuracy(): number {
  let correct = 0
  for (let start = 0; start < test.count; start += 500) {
    const idx = Array.from({ length: Math.min(500, test.count - start) }, (_, k) => start + k)
    const [x, y] = batch(test, idx)
    correct += fg.noGrad(() => model.forward(x).argmax(1).eq(y).sum().item())
  }
  return correct / test.count
}

const stepsPerEpoch = Math.ceil(train.count / batchSize)
for (let epoch = 1; epoch <= epochs; epoch++) {
  const started = performance.now()
  const bar = new SingleBar({
    format: `epoch ${epoch}/${epochs} [{bar}] {value}/{total} batches | loss {loss}`,
    hideCursor: true,
    clearOnComplete: true,
  })
  bar.start(stepsPerEpoch, 0, { loss: '-' })
  // A new random order each epoch.
  const order = fg.randperm(train.count).toTypedArray() as BigInt64Array
  let total = 0
  for (let s = 0; s < stepsPerEpoch; s++) {
    const [x, y] = batch(train, order.subarray(s * batchSize, (s + 1) * batchSize))
    const done = ((epoch - 1) * stepsPerEpoch + s) / (epochs * stepsPerEpoch)
    optimizer.paramGroups[0].lr = baseLr * 0.5 * (1 + Math.cos(Math.PI * done))
    const loss = lossFn.forward(model.forward(x), y) // forward pass and loss
    optimizer.zeroGrad()
    loss.backward() // gradients of the loss for every filter, weight and bias
    optimizer.step() // and a step against them
    const value = loss.item()
    total += value
    bar.update(s + 1, { loss: value.toFixed(4) })
  }
  bar.stop()
  const trained = (performance.now() - started) / 1000
  const accuracy = testAccuracy()
  const seconds = (performance.now() - started) / 1000
  console.log(
    `epoch ${epoch}/${epochs}  loss ${(total / stepsPerEpoch).toFixed(6)}  test accuracy ${accuracy.toFixed(4)}  ` +
      `${seconds.toFixed(2)}s (training ${trained.toFixed(2)}s)`,
  )
}
