/**
 * Training a neural network on handwritten digits, step by step.
 *
 *   npm run mnist              (or: npx tsx examples/mnist.ts --seed 1)
 *
 * The story every course tells: choose an architecture, run the forward pass,
 * measure the loss, backpropagate, let the optimizer step, repeat.
 */
import { SingleBar } from 'cli-progress'
import * as fg from 'ferrograd'
import { loadMnist } from './mnist-data'

const seedArg = process.argv.indexOf('--seed')
const seed = seedArg > 0 ? Number(process.argv[seedArg + 1]) : 0
const epochs = 5
const batchSize = 64
const learningRate = 0.1

// Same seed, same initial weights, same shuffles, same losses.
fg.manualSeed(seed)

// 1. The architecture. A 28x28 image is 784 numbers in [0, 1]; one hidden layer of
//    128 units with ReLU; 10 outputs, one score ("logit") per digit.
class Net extends fg.nn.Module {
  fc1 = new fg.nn.Linear(784, 128)
  relu = new fg.nn.ReLU()
  fc2 = new fg.nn.Linear(128, 10)

  forward(x: fg.Tensor): fg.Tensor {
    // Weights and biases act on the input, an activation bends the result.
    return this.fc2.forward(this.relu.forward(this.fc1.forward(x)))
  }
}

const model = new Net()
console.log(model.toString())

// 2. The loss: cross-entropy compares the 10 scores with the true digit (it applies
//    softmax itself, so the network outputs raw scores).
const lossFn = new fg.nn.CrossEntropyLoss()

// 3. The optimizer: stochastic gradient descent nudges every weight against its
//    gradient, scaled by the learning rate.
const optimizer = new fg.optim.SGD(model.parameters(), { lr: learningRate })

const { train, test } = loadMnist()
console.log(`MNIST from the mnist package: ${train.count} training and ${test.count} test digits`)
const testX = fg.tensor(test.images, { shape: [test.count, 784] })
const testY = fg.tensor(test.labels)

/** A batch of rows `idx` of the training set as tensors. */
function batch(idx: BigInt64Array): [fg.Tensor, fg.Tensor] {
  const x = new Float32Array(idx.length * 784)
  const y = new BigInt64Array(idx.length)
  idx.forEach((row, r) => {
    const i = Number(row)
    x.set(train.images.subarray(i * 784, (i + 1) * 784), r * 784)
    y[r] = train.labels[i]
  })
  return [fg.tensor(x, { shape: [idx.length, 784] }), fg.tensor(y)]
}

const steps = Math.ceil(train.count / batchSize)
for (let epoch = 1; epoch <= epochs; epoch++) {
  const started = performance.now()
  const bar = new SingleBar({
    format: `epoch ${epoch}/${epochs} [{bar}] {value}/{total} batches | loss {loss}`,
    hideCursor: true,
    clearOnComplete: true,
  })
  bar.start(steps, 0, { loss: '-' })
  // A new random order each epoch, so batches differ from epoch to epoch.
  const order = fg.randperm(train.count).toTypedArray() as BigInt64Array
  let total = 0
  for (let s = 0; s < steps; s++) {
    const [x, y] = batch(order.subarray(s * batchSize, (s + 1) * batchSize))

    // Forward pass: the input flows through the layers to 10 scores per image.
    const logits = model.forward(x)
    // Loss: how wrong the scores are for the true labels (one number).
    const loss = lossFn.forward(logits, y)
    // Backpropagation: gradients of the loss for every weight and bias. They
    // accumulate, so the previous step's are cleared first.
    optimizer.zeroGrad()
    loss.backward()
    // The optimizer step: w -= lr * dloss/dw.
    optimizer.step()

    const value = loss.item()
    total += value
    bar.update(s + 1, { loss: value.toFixed(4) })
  }
  bar.stop()

  // Evaluation: no graph needed, so no gradients are recorded.
  const correct = fg.noGrad(() => model.forward(testX).argmax(1).eq(testY).sum().item())
  const seconds = (performance.now() - started) / 1000
  console.log(
    `epoch ${epoch}/${epochs}  loss ${(total / steps).toFixed(6)}  test accuracy ${(correct / test.count).toFixed(4)}  ${seconds.toFixed(2)}s`,
  )
}
