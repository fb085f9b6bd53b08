"""PyTorch's side of cliffs.mjs: the same cases, one thread, medians in µs as JSON."""
import json
import sys

import torch

from median import median_seconds

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
x = torch.randn(1_000_000)
m = torch.randn(1024, 1024)
a = torch.randn(500, 784)
col = torch.randn(500, 1)
s0 = torch.tensor(2.0)
narrowed = torch.randn(1024, 1024)[:, 1:1001]
p = torch.randn(512, 512)
q = torch.randn(512, 512)
CASES = {
    "sum() 1e6": lambda: x.sum(),
    "mean() 1e6": lambda: x.mean(),
    "max() 1e6": lambda: x.max(),
    "argmax() 1e6": lambda: x.argmax(),
    "max(1) 1024x1024": lambda: m.max(1),
    "sum(1) 1024x1024": lambda: m.sum(1),
    "sum(0) 1024x1024": lambda: m.sum(0),
    "[500,784] + [500,1]": lambda: a.add(col),
    "[500,784] + 0-d": lambda: a.add(s0),
    "pow(2) 1e6": lambda: x.pow(2),
    "tanh 1e6": lambda: x.tanh(),
    "gelu 1e6": lambda: torch.nn.functional.gelu(x),
    "exp of a narrowed 1024x1000": lambda: narrowed.exp(),
    "cat two 512x512 along dim 1": lambda: torch.cat([p, q], 1),
    "t().contiguous() 1024x1024": lambda: m.t().contiguous(),
}
print(json.dumps({k: median_seconds(f, 21) * 1e6 for k, f in CASES.items()}))
