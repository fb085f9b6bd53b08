"""The NumPy peer of the benchmark suite (run by run.mjs, which compares the peers).

    python numpy_mlp.py --threads N [--tasks a,b,c] [--repeats R] [--data path] [--quick]

A hand-written NumPy MLP (forward, softmax cross-entropy, backward, SGD) in float32, the
inference and the matmul / 1x1-add tasks. No CNN: NumPy has no convolution, and a
hand-written im2col network would measure the author rather than the library.
The thread count goes into OPENBLAS_NUM_THREADS / OMP_NUM_THREADS / MKL_NUM_THREADS before
NumPy is imported. Progress goes to stderr; the last line of stdout is the JSON result.
"""
import json
import os

TASKS = ["mlp_train", "mlp_infer_b1", "mlp_infer_b256", "matmul_256", "matmul_512",
         "matmul_1024", "add_1x1"]
NOT_DONE = ["cnn_train", "cnn_infer_b1", "cnn_infer_b256"]

from peer import add_1x1_us, log, parse_args, require_data, run_task, run_tasks, training_runs  # noqa: E402

ARGS = parse_args(__doc__.split("\n")[0], TASKS)
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(ARGS.threads)

import numpy as np  # noqa: E402  (after the thread variables)
from safetensors.numpy import load_file  # noqa: E402

from median import median_block_seconds  # noqa: E402

EPOCHS = 1 if ARGS.quick else 5
REPEATS = 1 if ARGS.quick else ARGS.repeats
BLOCKS = 3 if ARGS.quick else 31
BATCH = 64
LR = np.float32(0.1)
F32 = np.float32


def load_data(path):
    require_data(path, "numpy_mlp.py")
    d = load_file(path)  # the metadata's mean/std are for the CNN, which this peer does not run
    assert d["train_x"].dtype == F32 and d["train_y"].dtype == np.int64
    return d


class MLP:
    """784-128(ReLU)-10 with PyTorch's default Linear init: weights and biases
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)). Weights are stored [in, out] so x @ W needs no transpose."""

    def __init__(self, rng):
        self.params = []
        for fan_in, fan_out in ((784, 128), (128, 10)):
            bound = 1 / np.sqrt(fan_in)
            self.params.append(rng.uniform(-bound, bound, (fan_in, fan_out)).astype(F32))
            self.params.append(rng.uniform(-bound, bound, fan_out).astype(F32))

    def forward(self, x):
        w1, b1, w2, b2 = self.params
        h = x @ w1
        h += b1
        np.maximum(h, 0, out=h)
        out = h @ w2
        out += b2
        return h, out

    def predict(self, x):
        return self.forward(x)[1]

    def train_step(self, x, y):
        """One SGD step on a batch; returns the mean cross-entropy as a Python float."""
        w1, b1, w2, b2 = self.params
        n = x.shape[0]
        h, z = self.forward(x)
        # softmax cross-entropy: z <- z - max, loss = mean(logsumexp - z[y]), grad = softmax - onehot
        z -= z.max(axis=1, keepdims=True)
        rows = np.arange(n)
        picked = z[rows, y]
        np.exp(z, out=z)
        s = z.sum(axis=1, keepdims=True)
        loss = float(np.mean(np.log(s[:, 0]) - picked))
        z /= s
        z[rows, y] -= 1
        z /= n  # dL/dlogits
        # backward
        dw2 = h.T @ z
        db2 = z.sum(axis=0)
        dh = z @ w2.T
        dh *= h > 0  # ReLU (h is already max(., 0))
        dw1 = x.T @ dh
        db1 = dh.sum(axis=0)
        # SGD
        for p, g in zip(self.params, (dw1, db1, dw2, db2)):
            g *= LR
            p -= g
        return loss


def train(data):
    x, y, tx, ty = data["train_x"], data["train_y"], data["test_x"], data["test_y"]
    n = x.shape[0]

    def run(r):
        rng = np.random.default_rng(r)
        model = MLP(rng)

        def accuracy():
            assert all(p.dtype == F32 for p in model.params), "a parameter was upcast"
            return float(np.mean(model.predict(tx).argmax(axis=1) == ty))

        return lambda: rng.permutation(n), lambda idx: model.train_step(x[idx], y[idx]), accuracy

    return training_runs("mlp", REPEATS, EPOCHS, n, BATCH, run)


def infer(batch, data):
    model = MLP(np.random.default_rng(0))
    x = data["test_x"][:batch].copy()
    out = model.predict(x)
    assert out.shape == (batch, 10) and out.dtype == F32
    calls = 5 if ARGS.quick else (200 if batch == 1 else 5)
    s = median_block_seconds(lambda: model.predict(x), calls, BLOCKS)
    return {"latency_us": s * 1e6} if batch == 1 else {"samples_per_s": batch / s}


def matmul(n):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=F32)
    b = rng.standard_normal((n, n), dtype=F32)
    assert (a @ b).dtype == F32
    calls = 1 if ARGS.quick else {256: 20, 512: 4}.get(n, 1)
    s = median_block_seconds(lambda: a @ b, calls, BLOCKS)
    return {"gflops": 2 * n ** 3 / s / 1e9}


def add_1x1():
    a, b = np.ones((1, 1), F32), np.ones((1, 1), F32)
    return {"us_per_op": add_1x1_us(a, b, ARGS.quick, BLOCKS)}


def blas_notes():
    """The BLAS NumPy was built with and, for OpenBLAS, the threads it actually runs with."""
    notes = []
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        notes.append(f"BLAS: {blas.get('name')} {blas.get('version')}"
                     + (f" ({blas['openblas configuration']})" if "openblas configuration" in blas else ""))
    except Exception as e:  # noqa: BLE001
        notes.append(f"BLAS: unknown ({e})")
    try:  # ask the loaded OpenBLAS itself (threadpoolctl does the same; not a dependency here)
        import ctypes
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "openblas" in line.lower() and ".so" in line}
        for path in libs:
            lib = ctypes.CDLL(path)
            for prefix, suffix in (("scipy_openblas", "64_"), ("scipy_openblas", ""), ("openblas", "64_"),
                                   ("openblas", "")):
                fn = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
                if fn is None:
                    continue
                core = getattr(lib, f"{prefix}_get_corename{suffix}", None)
                if core is not None:
                    core.restype = ctypes.c_char_p
                notes.append(f"OpenBLAS runs {fn()} thread(s)"
                             + (f", kernel {core().decode()}" if core is not None else ""))
                break
    except Exception as e:  # noqa: BLE001
        notes.append(f"could not query the BLAS threads ({e})")
    return notes


def main():
    data = load_data(ARGS.data)

    def run(task):
        # Every model task is the MLP's: the CNN tasks are not in TASKS.
        return run_task(task, lambda _mlp: train(data), lambda _mlp, batch: infer(batch, data), matmul, add_1x1)

    results, skipped = run_tasks("numpy", ARGS, TASKS, run)
    notes = [f"numpy {np.__version__}, float32 throughout"] + blas_notes() + [
        "no CNN tasks (cnn_train, cnn_infer_b1, cnn_infer_b256): NumPy has no 2-D convolution or pooling",
        "MLP hand-written: forward, softmax cross-entropy, backward and SGD in float32 NumPy, "
        "PyTorch-style init U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases",
        "matmul: blocks of 20/4/1 calls for N=256/512/1024, median block / calls",
    ]
    if ARGS.quick:
        notes.append("--quick: 1 epoch, 1 run, 3 blocks")
    other = [t for t in skipped if t not in NOT_DONE]
    if other:
        notes.append(f"unknown tasks skipped: {', '.join(other)}")
    print(json.dumps({"peer": "numpy", "version": np.__version__, "threads": ARGS.threads,
                      "notes": notes, "results": results}))


if __name__ == "__main__":
    main()
