"""PyTorch <-> ferrograd interop fixtures (fixtures/interop/), through safetensors.

PyTorch to ferrograd: trains a tiny MLP and a tiny CNN in PyTorch, saves their
state dicts with `safetensors.torch.save_file` (mlp.safetensors, cnn.safetensors)
and their outputs on fixed inputs (mlp_io.safetensors, cnn_io.safetensors); `__test__/io.test.ts` loads both into ferrograd and must
reproduce the outputs. dtypes.safetensors holds one tensor of each dtype PyTorch
writes (F16, BF16, U8, I8, I16, ...) with known values.

ferrograd to PyTorch: reads fixtures/interop/ferrograd_written.safetensors (written
by `node scripts/write-interop.mjs`) with `safetensors.torch.load_file` and records
what Python saw in ferrograd_written.json, which the test compares with what
ferrograd meant to write.

Run from the repository root (torch and safetensors from PyPI, in a venv outside
the repository, as scripts/make_fixtures.py says):

    npm run build && node scripts/write-interop.mjs
    /tmp/torchenv/bin/python scripts/make_interop.py
"""

import json
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

OUT = Path(__file__).resolve().parent.parent / "fixtures" / "interop"


def mlp() -> None:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    x, y = torch.randn(32, 4), torch.randint(0, 3, (32,))
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for _ in range(50):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, OUT / "mlp.safetensors", metadata={"format": "pt"})
    probe = torch.randn(5, 4)
    with torch.no_grad():
        save_file({"input": probe, "output": model(probe)}, OUT / "mlp_io.safetensors")


def cnn() -> None:
    """A tiny CNN in PyTorch's layout (Conv2d weight [out, in, kh, kw])."""
    torch.manual_seed(1)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(4, 6, 3),
        torch.nn.ReLU(),
        torch.nn.Flatten(),
        torch.nn.Linear(6 * 2 * 2, 3),
    )
    x, y = torch.randn(16, 1, 8, 8), torch.randint(0, 3, (16,))
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(30):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, OUT / "cnn.safetensors", metadata={"format": "pt"})
    probe = torch.randn(4, 1, 8, 8)
    with torch.no_grad():
        save_file({"input": probe, "output": model(probe)}, OUT / "cnn_io.safetensors")


def dtypes() -> None:
    base = torch.tensor([0.0, 1.5, -2.25, 1000.0])
    save_file(
        {
            "f16": base.half(),
            "bf16": base.bfloat16(),
            "f64": base.double(),
            "u8": torch.tensor([0, 7, 255], dtype=torch.uint8),
            "i8": torch.tensor([-128, 0, 127], dtype=torch.int8),
            "i16": torch.tensor([-32768, 5, 32767], dtype=torch.int16),
            "i32": torch.tensor([-(2**31), 2**31 - 1], dtype=torch.int32),
            "i64": torch.tensor([-(2**62), 2**62], dtype=torch.int64),
            "bool": torch.tensor([True, False, True]),
        },
        OUT / "dtypes.safetensors",
    )


def read_ferrograd_file() -> None:
    src = OUT / "ferrograd_written.safetensors"
    tensors = load_file(src)
    with open(src, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        metadata = json.loads(f.read(n)).get("__metadata__", {})
    seen = {
        name: {"dtype": str(t.dtype).removeprefix("torch."), "shape": list(t.shape), "values": t.flatten().tolist()}
        for name, t in sorted(tensors.items())
    }
    record = {"torch": torch.__version__, "metadata": metadata, "tensors": seen}
    (OUT / "ferrograd_written.json").write_text(json.dumps(record, indent=1) + "\n")


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    mlp()
    cnn()
    dtypes()
    read_ferrograd_file()
    print(f"wrote {OUT}")
