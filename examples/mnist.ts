/**
 * Training a neural network on handwritten digits, step by step.
 *
 *   npm run mnist              (or: npx tsx examples/mnist.ts --seed 1)
 *
 * The story every course tells: choose an architecture, run the forward pass,
 * measure the loss, backpropagate, let the optimizer step, repeat.
 */
import * as fg from 'ferrograd'
import { epochWithProgress } from './progress'

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

// The 10,000 digits of the mnist package: 800 of each digit train, the rest test.
const { train, test } = fg.data.mnist()
const [testX, testY] = [test[0].flatten(1), test[1]]
console.log(`MNIST from the mnist package: ${train[1].shape[0]} training and ${testY.shape[0]} test digits`)
// Batches of 64 in a new random order each epoch (drawn from the seeded generator);
// each batch is gathered in the core.
const loader = new fg.data.DataLoader(new fg.data.TensorDataset(train[0].flatten(1), train[1]), { batchSize, shuffle: true })

for (let epoch = 1; epoch <= epochs; epoch++) {
  const started = performance.now()
  const meanLoss = epochWithProgress(epoch, epochs, loader, (x, y) => {
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
    return loss.item()
  })

  // Evaluation: no graph needed, so no gradients are recorded.
  const correct = fg.noGrad(() => model.forward(testX).argmax(1).eq(testY).sum().item())
  const seconds = (performance.now() - started) / 1000
  console.log(
    `epoch ${epoch}/${epochs}  loss ${meanLoss.toFixed(6)}  test accuracy ${(correct / testY.shape[0]).toFixed(4)}  ${seconds.toFixed(2)}s`,
  )
}
