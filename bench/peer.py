"""What the Python peers (pytorch_bench.py, numpy_mlp.py) share: their command line, logging,
the data-file check and the 1x1-add timing. Standard library only, so that numpy_mlp.py can
parse its arguments (and set the BLAS thread variables) before NumPy is imported."""
import argparse
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, ".data", "mnist-split.safetensors")


def parse_args(description, tasks):
    """`--threads N [--tasks a,b] [--repeats R] [--data path] [--quick]` (bench/README.md)."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--tasks", default=",".join(tasks))
    p.add_argument("--repeats", type=int, default=5, help="training runs per task")
    p.add_argument("--data", default=DATA)
    p.add_argument("--quick", action="store_true", help="tiny epochs/repeats for a smoke test")
    return p.parse_args()


def log(*a):
    """Progress, on stderr (stdout's last line is the peer's JSON)."""
    print(*a, file=sys.stderr, flush=True)


def require_data(path, script):
    """Exits with a message telling how to make the data file when it is missing."""
    if not os.path.exists(path):
        sys.exit(f"{script}: no data file at {path}\n"
                 f"run `node prepare-data.mjs` in {HERE} first (it writes .data/mnist-split.safetensors)")


def run_tasks(peer, args, known, run):
    """Runs `run(task)` for each task of `args.tasks` this peer knows, logging each with its
    time. Returns the results by task and the requested tasks it does not know."""
    tasks = [t for t in args.tasks.split(",") if t]
    unknown = [t for t in tasks if t not in known]
    results = {}
    for task in tasks:
        if task in unknown:
            continue
        log(f"{peer}: {task} ({args.threads} thread(s))")
        t = time.perf_counter()
        results[task] = run(task)
        log(f"  {task}: {results[task]}  ({time.perf_counter() - t:.1f} s)")
    return results, unknown


def run_task(task, train, infer, matmul, add_1x1):
    """Runs one task by its name: `<model>_train` as train(model), `<model>_infer_b<N>` as
    infer(model, N), `matmul_<N>` as matmul(N), and add_1x1 as add_1x1()."""
    if task.endswith("_train"):
        return train(task.split("_")[0])
    if "_infer_b" in task:
        model, batch = task.split("_infer_b")
        return infer(model, int(batch))
    if task.startswith("matmul_"):
        return matmul(int(task.split("_")[1]))
    return add_1x1()


def training_runs(label, repeats, epochs, n, batch, run):
    """The training task's timing, shared by the peers: `run(r)` sets up training run r from a
    fresh init and returns `(shuffle, step, accuracy)`; each of `epochs` epochs takes the row
    order `shuffle()` gives and calls `step(rows)` on each batch of `batch` rows of it, which
    returns the batch's loss; only the epochs are timed; `accuracy()` is then the test
    accuracy. Logs each epoch and run; returns the task's result fields (medians over runs)."""
    runs, accs = [], []
    for r in range(repeats):
        shuffle, step, accuracy = run(r)
        t0 = time.perf_counter()
        for epoch in range(epochs):
            perm = shuffle()
            total = 0.0
            for i in range(0, n, batch):
                total += step(perm[i:i + batch])
            log(f"  {label} run {r} epoch {epoch}: mean loss {total / -(-n // batch):.4f}")
        seconds = time.perf_counter() - t0
        runs.append(epochs * n / seconds)
        accs.append(accuracy())
        log(f"  {label} run {r}: {runs[-1]:.0f} samples/s, test accuracy {accs[-1]:.4f}")
    return {"samples_per_s": statistics.median(runs), "accuracy": statistics.median(accs),
            "epochs": epochs, "runs": runs, "accuracies": accs}


def add_1x1_us(a, b, quick, blocks):
    """Per-op cost of `a + b` in microseconds: the median over `blocks` blocks (after a warm-up
    block) of 10,000 adds each. The add is written inline, not through a lambda as in
    median_block_seconds, because a Python call would cost as much as NumPy's add itself."""
    calls = 1000 if quick else 10_000
    times = []
    for block in range(blocks + 1):
        t = time.perf_counter()
        for _ in range(calls):
            a + b
        if block:
            times.append((time.perf_counter() - t) / calls)
    times.sort()
    return times[len(times) // 2] * 1e6
