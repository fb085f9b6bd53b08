/**
 * A small HTTP service that trains a digit classifier in the background and
 * answers predictions while it trains.
 *
 *   npm run service            (then: curl localhost:3000/status)
 *
 *   GET  /status    training progress: { epoch, batch, loss, testAccuracy, done }
 *   POST /predict   { "images": [[784 numbers in 0..1], ...] } -> { "digits": [...] }
 *
 * `model.fit` trains on a native thread (it replays the recorded forward pass
 * there), so the event loop stays free for requests; `model.predict` runs on a
 * thread of its own too. A prediction made while a training step updates the
 * weights may read some layers from before that step and some from after it,
 * as reads during a PyTorch training thread would; each tensor is read whole.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import * as fg from 'ferrograd'

/** What GET /status reports. */
export interface Status {
  epoch: number
  batch: number
  loss: number | null
  testAccuracy: number | null
  done: boolean
  error: string | null
}

/** A running service. */
export interface Service {
  /** The port it listens on. */
  port: number
  /** Resolves when training ends (done or aborted). */
  training: Promise<void>
  /** Stops training and closes the server. */
  close(): Promise<void>
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  for await (const c of req) chunks.push(c as Buffer)
  return JSON.parse(Buffer.concat(chunks).toString('utf8'))
}

/** Starts the service on `port` (0: any free port), training for `epochs`. */
export async function startService(port = 3000, epochs = 5): Promise<Service> {
  fg.manualSeed(0)
  const { train, test } = fg.data.mnist()
  const [x, y] = [train[0].flatten(1), train[1]]
  const [xt, yt] = [test[0].flatten(1), test[1]]
  const model = new fg.nn.Sequential(new fg.nn.Linear(784, 128), new fg.nn.ReLU(), new fg.nn.Linear(128, 10))
  const status: Status = { epoch: 0, batch: 0, loss: null, testAccuracy: null, done: false, error: null }
  const stop = new AbortController()

  const training = model
    .fit(x, y, {
      optimizer: new fg.optim.SGD(model.parameters(), { lr: 0.1 }),
      loss: new fg.nn.CrossEntropyLoss(),
      epochs,
      batchSize: 64,
      seed: 0,
      signal: stop.signal,
      onBatchEnd: ({ epoch, batch, loss }) => Object.assign(status, { epoch, batch, loss }),
      onEpochEnd: () => {
        const predicted = fg.noGrad(() => model.forward(xt).argmax(1))
        status.testAccuracy = predicted.eq(yt).float().mean().item()
      },
    })
    .then(
      () => void (status.done = true),
      (e: unknown) => void (status.error = e instanceof Error ? e.message : String(e)),
    )

  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/status') return send(res, 200, status)
    if (req.method === 'POST' && req.url === '/predict') {
      readJson(req)
        .then(async (body) => {
          const images = (body as { images?: unknown }).images
          if (!Array.isArray(images) || images.length === 0) return send(res, 400, { error: 'expected { "images": [[784 numbers], ...] }' })
          const batch = fg.tensor(images as number[][])
          if (batch.ndim !== 2 || batch.shape[1] !== 784) return send(res, 400, { error: `each image needs 784 numbers, got shape [${batch.shape}]` })
          const digits = (await model.predict(batch)).argmax(1).tolist()
          send(res, 200, { digits })
        })
        .catch((e: unknown) => send(res, 400, { error: e instanceof Error ? e.message : String(e) }))
      return
    }
    send(res, 404, { error: 'GET /status or POST /predict' })
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    training,
    close: async () => {
      stop.abort()
      await training
      await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())))
    },
  }
}

if (require.main === module) {
  startService(Number(process.env.PORT ?? 3000)).then((s) => console.log(`listening on http://127.0.0.1:${s.port} (GET /status, POST /predict)`))
}
