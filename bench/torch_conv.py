"""The PyTorch side of bench/conv.mjs: times the same work and prints JSON medians.

Usage: torch_conv.py THREADS CASES_JSON (run by conv.mjs).
"""
import json
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

from median import median_seconds


def work(c):
    if c["kind"] == "conv":
        x, w, b = (torch.randn(s, requires_grad=True) for s in (c["x"], c["w"], [c["w"][0]]))
        g = torch.randn(F.conv2d(x, w, b, padding=c["padding"]).shape)

        def run():
            for t in (x, w, b):
                t.grad = None
            F.conv2d(x, w, b, padding=c["padding"]).backward(g)

        return run
    if c["kind"] == "maxpool":
        x = torch.randn(c["x"], requires_grad=True)
        g = torch.randn(F.max_pool2d(x, 2).shape)

        def run():
            x.grad = None
            F.max_pool2d(x, 2).backward(g)

        return run
    if c["kind"] == "cnn":
        model = nn.Sequential(
            nn.Conv2d(1, 16, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(800, 120), nn.ReLU(), nn.Linear(120, 10),
        )
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        x, y = torch.randn(64, 1, 28, 28), torch.randint(0, 10, (64,))

        def run():
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()

        return run
    raise ValueError(c["kind"])


def main():
    torch.set_num_threads(int(sys.argv[1]))
    torch.manual_seed(0)
    cases = json.loads(sys.argv[2])
    times = {c["name"]: median_seconds(work(c), c["reps"]) for c in cases}
    print(json.dumps({"torch": torch.__version__.split("+")[0], "times": times}))


if __name__ == "__main__":
    main()
