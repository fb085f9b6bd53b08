"""The PyTorch peer of the benchmark suite (run by run.mjs, which compares the peers).

    python pytorch_bench.py --threads N [--tasks a,b,c] [--repeats R] [--data path] [--quick]

CPU eager PyTorch written the way a PyTorch user writes it: nn.Sequential models,
nn.CrossEntropyLoss, torch.optim.SGD / Adam, model.eval() + torch.inference_mode() and
.numpy() for inference. Progress goes to stderr; the last line of stdout is the JSON result.
"""
import json
import re

TASKS = ["mlp_train", "cnn_train", "mlp_infer_b1", "mlp_infer_b256", "cnn_infer_b1",
         "cnn_infer_b256", "matmul_256", "matmul_512", "matmul_1024", "add_1x1"]

from peer import add_1x1_us, log, parse_args, require_data, run_task, run_tasks, training_runs  # noqa: E402

ARGS = parse_args(__doc__.split("\n")[0], TASKS)

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
from safetensors import safe_open  # noqa: E402
from safetensors.numpy import load_file  # noqa: E402

from median import median_block_seconds  # noqa: E402

torch.set_num_interop_threads(1)
torch.set_num_threads(ARGS.threads)

EPOCHS = 1 if ARGS.quick else 5
REPEATS = 1 if ARGS.quick else ARGS.repeats
BLOCKS = 3 if ARGS.quick else 31
BATCH = 64


def load_data(path):
    require_data(path, "pytorch_bench.py")
    t = load_file(path)
    with safe_open(path, "np") as f:
        meta = f.metadata()
    mean, std = np.float32(meta["mean"]), np.float32(meta["std"])
    d = {k: torch.from_numpy(v) for k, v in t.items()}
    for split in ("train", "test"):
        d[split + "_img"] = torch.from_numpy(((t[split + "_x"] - mean) / std).reshape(-1, 1, 28, 28))
    return d


def mlp():
    return nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))


def cnn():
    return nn.Sequential(
        nn.Conv2d(1, 16, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(800, 120), nn.ReLU(), nn.Linear(120, 10),
    )


def accuracy(model, x, y):
    model.eval()
    with torch.inference_mode():
        return (model(x).argmax(1) == y).float().mean().item()


def train(kind, data):
    """R runs of 5 epochs from fresh init; returns the task's result fields."""
    x, y = data["train_x" if kind == "mlp" else "train_img"], data["train_y"]
    tx, ty = data["test_x" if kind == "mlp" else "test_img"], data["test_y"]
    n = x.shape[0]

    def run(r):
        torch.manual_seed(r)
        model = mlp() if kind == "mlp" else cnn()
        if kind == "mlp":
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
        else:
            opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
        loss_fn = nn.CrossEntropyLoss()
        model.train()

        def step(idx):
            xb, yb = x[idx], y[idx]
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            return loss.item()

        return lambda: torch.randperm(n), step, lambda: accuracy(model, tx, ty)

    return training_runs(kind, REPEATS, EPOCHS, n, BATCH, run)


def infer(kind, batch, data):
    torch.manual_seed(0)
    model = mlp() if kind == "mlp" else cnn()
    model.eval()
    x = (data["test_x"] if kind == "mlp" else data["test_img"])[:batch].clone()

    def predict():
        with torch.inference_mode():
            return model(x).numpy()

    out = predict()
    assert out.shape == (batch, 10) and out.dtype == np.float32
    calls = 5 if ARGS.quick else (200 if batch == 1 else 5)
    s = median_block_seconds(predict, calls, BLOCKS)
    return {"latency_us": s * 1e6} if batch == 1 else {"samples_per_s": batch / s}


def matmul(n):
    torch.manual_seed(0)
    a, b = torch.randn(n, n), torch.randn(n, n)
    calls = 1 if ARGS.quick else {256: 20, 512: 4}.get(n, 1)
    s = median_block_seconds(lambda: a @ b, calls, BLOCKS)
    return {"gflops": 2 * n ** 3 / s / 1e9}


def add_1x1():
    a, b = torch.ones(1, 1), torch.ones(1, 1)
    return {"us_per_op": add_1x1_us(a, b, ARGS.quick, BLOCKS)}


def notes():
    cfg = torch.__config__.show()
    onednn = re.search(r"MKL-DNN (v[\d.]+)", cfg)
    return [
        f"torch {torch.__version__} (CPU eager; the PyPI Linux wheel is the CUDA build, run on CPU), "
        f"numpy {np.__version__}",
        f"intra-op threads {torch.get_num_threads()}, inter-op threads {torch.get_num_interop_threads()}, "
        f"parallel backend {'OpenMP' if torch.backends.openmp.is_available() else 'native'}",
        f"MKL {'yes' if torch.backends.mkl.is_available() else 'no'}, oneDNN "
        f"{(onednn.group(1) if onednn else 'yes') if torch.backends.mkldnn.is_available() else 'no'}, "
        f"CPU capability {torch.backends.cpu.get_cpu_capability()}",
        "training batches index the in-memory tensors with a torch.randperm per epoch (no DataLoader); "
        "loss.item() every step",
        "inference: model.eval(), torch.inference_mode() entered per call, out.numpy() (zero-copy view)",
        "matmul: blocks of 20/4/1 calls for N=256/512/1024, median block / calls",
    ] + (["--quick: 1 epoch, 1 run, 3 blocks"] if ARGS.quick else [])


def main():
    data = load_data(ARGS.data)

    def run(task):
        return run_task(task, lambda kind: train(kind, data), lambda kind, batch: infer(kind, batch, data), matmul, add_1x1)

    results, unknown = run_tasks("pytorch", ARGS, TASKS, run)
    n = notes() + ([f"unknown tasks skipped: {', '.join(unknown)}"] if unknown else [])
    print(json.dumps({"peer": "pytorch", "version": torch.__version__.split("+")[0],
                      "threads": ARGS.threads, "notes": n, "results": results}))


if __name__ == "__main__":
    main()
