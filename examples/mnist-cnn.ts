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
import * as fg from 'ferrograd'
import { epochWithProgress } from './progress'

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

// The 10,000 digits of the mnist package: 800 of each digit train, the rest test.
const { train, test } = fg.data.mnist()
console.log(`MNIST from the mnist package: ${train[1].shape[0]} training and ${test[1].shape[0]} test digits`)

// Inputs centred and scaled by the training images' mean and standard deviation:
// gradient descent converges faster on inputs around 0 with unit spread.
const pixels = train[0].double()
const mean = pixels.mean().item()
const std = pixels.std(undefined, false, { correction: 0 }).item()
const [trainX, testX] = [fg.data.normalize(train[0], mean, std), fg.data.normalize(test[0], mean, std)]
const loader = new fg.data.DataLoader(new fg.data.TensorDataset(trainX, train[1]), { batchSize, shuffle: true })

/** The share of test digits classified right, 500 at a time, without a graph. */
function testAccuracy(): number {
  let correct = 0
  const n = testX.shape[0]
  for (let start = 0; start < n; start += 500) {
    const size = Math.min(500, n - start)
    const [x, y] = [testX.narrow(0, start, size), test[1].narrow(0, start, size)]
    correct += fg.noGrad(() => model.forward(x).argmax(1).eq(y).sum().item())
  }
  return correct / n
}

const stepsPerEpoch = loader.length
for (let epoch = 1; epoch <= epochs; epoch++) {
  const started = performance.now()
  // A new random order each epoch; each batch is gathered in the core.
  const meanLoss = epochWithProgress(epoch, epochs, loader, (x, y, s) => {
    const done = ((epoch - 1) * stepsPerEpoch + s) / (epochs * stepsPerEpoch)
    optimizer.paramGroups[0].lr = baseLr * 0.5 * (1 + Math.cos(Math.PI * done))
    const loss = lossFn.forward(model.forward(x), y) // forward pass and loss
    optimizer.zeroGrad()
    loss.backward() // gradients of the loss for every filter, weight and bias
    optimizer.step() // and a step against them
    return loss.item()
  })
  const trained = (performance.now() - started) / 1000
  const accuracy = testAccuracy()
  const seconds = (performance.now() - started) / 1000
  console.log(
    `epoch ${epoch}/${epochs}  loss ${meanLoss.toFixed(6)}  test accuracy ${accuracy.toFixed(4)}  ` +
      `${seconds.toFixed(2)}s (training ${trained.toFixed(2)}s)`,
  )
}
