"""The NumPy side of bench/numpy-ops.mjs: times the same work and prints JSON medians.

Run by numpy-ops.mjs with OPENBLAS_NUM_THREADS / OMP_NUM_THREADS set for the thread count.
"""
import json
import sys

import numpy as np

from median import median_seconds


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def main():
    cases = json.loads(sys.argv[1])
    rng = np.random.default_rng(0)
    out = {}
    for case in cases:
        kind, reps = case["kind"], case["reps"]
        if kind == "matmul":
            a = rng.standard_normal(case["a"], dtype=np.float32)
            b = rng.standard_normal(case["b"], dtype=np.float32)
            if case.get("ta"):
                a = a.T
            if case.get("tb"):
                b = b.T
            fn = lambda: a @ b
        elif kind in ("add", "mul", "exp"):
            x = rng.standard_normal(case["n"], dtype=np.float32)
            y = rng.standard_normal(case["n"], dtype=np.float32)
            fn = {"add": lambda: x + y, "mul": lambda: x * y, "exp": lambda: np.exp(x)}[kind]
        elif kind in ("sum_rows", "softmax_rows"):
            x = rng.standard_normal(case["shape"], dtype=np.float32)
            fn = (lambda: x.sum(axis=-1)) if kind == "sum_rows" else (lambda: softmax(x))
        elif kind == "scalar_add":
            x = np.ones(1, dtype=np.float32)
            y = np.ones(1, dtype=np.float32)
            n = case["calls"]

            def fn():
                for _ in range(n):
                    x + y

        else:
            raise ValueError(kind)
        out[case["name"]] = median_seconds(fn, reps)
    print(json.dumps({"numpy": np.__version__, "times": out}))


if __name__ == "__main__":
    main()
