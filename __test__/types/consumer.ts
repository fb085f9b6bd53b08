/**
 * A consumer of the published types, compiled under `strict` by `npm run
 * typecheck` (it is part of tsconfig.json): the README's example must compile, and
 * each `@ts-expect-error` line must be a type error, or tsc fails.
 */
import * as fg from 'ferrograd'

// The README's training example.
class Net extends fg.nn.Module {
  fc1 = new fg.nn.Linear(784, 128)
  fc2 = new fg.nn.Linear(128, 10)
  forward(x: fg.Tensor): fg.Tensor {
    return this.fc2.forward(this.fc1.forward(x).relu())
  }
}

export async function readmeExample(): Promise<number> {
  fg.manualSeed(0)
  const model = new Net()
  const optimizer = new fg.optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 })
  const lossFn = new fg.nn.CrossEntropyLoss()
  const x = fg.randn([64, 784])
  const y = fg.tensor(Array.from({ length: 64 }, (_, i) => i % 10), { dtype: 'int64' })
  optimizer.zeroGrad()
  const loss: fg.Tensor = lossFn.forward(model.forward(x), y)
  loss.backward()
  optimizer.step()
  const history: fg.nn.FitHistory = await model.fit(x, y, { optimizer, loss: lossFn, epochs: 1, offThread: 'require' })
  const offThread: boolean = history.offThread
  const shape: number[] = (await model.predict(x)).shape
  const saved: Record<string, fg.Tensor> = fg.load('model.safetensors')
  model.loadStateDict(saved)
  return history.loss[0] + shape[0] + loss.item() + Number(offThread)
}

export function wrongArgumentsAreTypeErrors(): void {
  const t = fg.zeros([2, 3])
  // @ts-expect-error: a shape is numbers
  fg.zeros(['2', 3])
  // @ts-expect-error: dtype names are a closed set
  fg.ones([2], { dtype: 'float16' })
  // @ts-expect-error: add takes a tensor or a number
  t.add('1')
  // @ts-expect-error: reshape takes numbers
  t.reshape([2, '3'])
  // @ts-expect-error: the optimizer needs parameters
  new fg.optim.SGD({ lr: 0.1 })
  // @ts-expect-error: lr is a number
  new fg.optim.SGD([t], { lr: '0.1' })
  // @ts-expect-error: unknown option keys are rejected at compile time too
  new fg.nn.Linear(2, 3, { biass: false })
  // @ts-expect-error: item() is a number, not a tensor
  const n: fg.Tensor = t.sum().item()
  void n
  // @ts-expect-error: fit needs an optimizer and a loss
  void new Net().fit(t, t, { epochs: 1 })
  // @ts-expect-error: offThread is 'auto', 'require' or 'never'
  void new Net().fit(t, t, { optimizer: new fg.optim.SGD([t]), loss: fg.nn.functional.mseLoss, offThread: true })
  // @ts-expect-error: backward options are an object
  t.sum().backward(null, true)
  // @ts-expect-error: save takes named tensors
  fg.save([t], 'x.safetensors')
}
