"""Writes the PyTorch parity fixtures of convolution and pooling to fixtures/torch/conv/.

The same file format as `make_fixtures.py` (see its docstring), whose helpers this
script imports: conv1d and conv2d forward and backward (input, weight and bias
gradients) over stride, padding, dilation, groups, no bias, non-square kernels,
unbatched and transposed inputs; max, average and adaptive-average pooling
(padding, stride != kernel, ties, sizes that do not divide); and a tiny CNN
(Conv-ReLU-MaxPool-Flatten-Linear + cross entropy, its parameters' gradients).
`__test__/conv-parity.test.ts` and `crates/ferrograd/tests/conv_parity.rs` replay
them. Run it from the repository root, in the environment `make_fixtures.py`
describes:

    /tmp/torchenv/bin/python scripts/make_fixtures_conv.py

It deletes the old `fixtures/torch/conv/*.safetensors` and writes the new ones.
The `args` of each file use the TypeScript API's names: `stride`, `padding`,
`dilation`, `groups` (a conv's bias is present when there is an `input.2`),
`kernelSize`, `countIncludePad`, `outputSize` (a pair may hold null).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_fixtures as mf  # noqa: E402  (the shared helpers, after the path is set)
from make_fixtures import Args, Case, Gen, In, T, const  # noqa: E402

OUT_DIR = mf.OUT_DIR / "conv"


def conv(dims: int) -> Callable[[list[torch.Tensor], Args], torch.Tensor]:
    fn = F.conv1d if dims == 1 else F.conv2d

    def run(xs: list[torch.Tensor], a: Args) -> torch.Tensor:
        bias = xs[2] if len(xs) > 2 else None
        return fn(xs[0], xs[1], bias, a.get("stride", 1), a.get("padding", 0), a.get("dilation", 1), a.get("groups", 1))

    return run


def tiny_cnn(xs: list[torch.Tensor], a: Args) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """Conv-ReLU-MaxPool-Flatten-Linear + cross entropy, as nn.Sequential with a
    loaded state dict."""
    x, target, params = xs[0], xs[1], xs[2:]
    conv_w, fc_w = params[0], params[2]
    model = torch.nn.Sequential(
        torch.nn.Conv2d(conv_w.shape[1], conv_w.shape[0], conv_w.shape[2], padding=a["padding"]),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(a["pool"]),
        torch.nn.Flatten(),
        torch.nn.Linear(fc_w.shape[1], fc_w.shape[0]),
    )
    model.load_state_dict(dict(zip(a["params"], (p.detach() for p in params))))
    loss = F.cross_entropy(model(x), target)
    return loss, [x, target, *model.parameters()]


OPS: dict[str, Callable[[list[torch.Tensor], Args], Any]] = {
    "conv1d": conv(1),
    "conv2d": conv(2),
    "maxPool2d": lambda xs, a: F.max_pool2d(xs[0], a["kernelSize"], a.get("stride"), a.get("padding", 0)),
    "avgPool2d": lambda xs, a: F.avg_pool2d(
        xs[0], a["kernelSize"], a.get("stride"), a.get("padding", 0), count_include_pad=a.get("countIncludePad", True)
    ),
    "adaptiveAvgPool2d": lambda xs, a: F.adaptive_avg_pool2d(xs[0], a["outputSize"]),
    "tinyCnn": tiny_cnn,
}
# `mf.run_case` looks its ops up in `mf.OPS`.
mf.OPS.update(OPS)

CASES: list[Case] = []


def case(name: str, op: str, make: Callable[[Gen], list[In]], **args: Any) -> None:
    CASES.append(Case(name, op, make(Gen("conv/" + name)), args))


def conv_case(name: str, op: str, x: tuple[int, ...], w: tuple[int, ...], bias: bool = True, **args: Any) -> None:
    """A convolution of random input `x` and weight `w` (scaled as PyTorch's init
    would, so outputs stay near 1), with a bias unless told otherwise."""
    fan_in = 1
    for d in w[1:]:
        fan_in *= d

    def make(g: Gen) -> list[In]:
        ins = [In(g.randn(*x)), In(g.randn(*w, scale=fan_in**-0.5))]
        return ins + [In(g.randn(w[0], scale=0.5))] if bias else ins

    case(name, op, make, **args)


def pool_case(name: str, op: str, x: tuple[int, ...], **args: Any) -> None:
    """A pooling of one random input of shape `x`."""
    case(name, op, lambda g: [In(g.randn(*x))], **args)


# ---- convolution -----------------------------------------------------------------------

conv_case("conv2d_plain", "conv2d", (2, 3, 7, 7), (4, 3, 3, 3))
conv_case("conv2d_stride_padding", "conv2d", (2, 2, 8, 7), (3, 2, 3, 3), stride=2, padding=1)
conv_case("conv2d_stride_padding_pairs", "conv2d", (2, 2, 9, 8), (3, 2, 3, 3), stride=[2, 1], padding=[1, 2])
conv_case("conv2d_dilation", "conv2d", (2, 2, 9, 9), (3, 2, 3, 3), dilation=2, padding=2)
conv_case("conv2d_dilation_pair", "conv2d", (1, 2, 8, 9), (2, 2, 2, 3), dilation=[3, 2], stride=[1, 2])
conv_case("conv2d_groups", "conv2d", (2, 4, 6, 6), (6, 2, 3, 3), groups=2, padding=1)
conv_case("conv2d_depthwise", "conv2d", (2, 3, 6, 5), (3, 1, 3, 3), groups=3, stride=2)
conv_case("conv2d_no_bias", "conv2d", (2, 3, 6, 6), (4, 3, 3, 3), bias=False, padding=1)
conv_case("conv2d_nonsquare_kernel", "conv2d", (2, 3, 7, 9), (4, 3, 2, 5), padding=[1, 2], stride=[1, 2])
conv_case("conv2d_1x1", "conv2d", (2, 5, 4, 4), (3, 5, 1, 1))
conv_case("conv2d_kernel_fills_padded_input", "conv2d", (1, 2, 3, 3), (2, 2, 5, 5), padding=1)
conv_case("conv2d_unbatched", "conv2d", (3, 6, 6), (4, 3, 3, 3), padding=1)
case(
    "conv2d_transposed_input",
    "conv2d",
    lambda g: [T(g.randn(2, 3, 5, 7)), In(g.randn(4, 3, 3, 3, scale=27**-0.5)), In(g.randn(4, scale=0.5))],
    padding=1,
)
# No case is large enough for kernels/conv.rs to cut its batch into runs: that takes
# reductions of hundreds of terms, whose float32 rounding (in any engine, PyTorch's
# included) exceeds the tolerance of 1e-6 + 1e-5 |x|. The unit test
# `a_batch_cut_into_runs_matches_sample_by_sample` checks runs in float64 instead.

conv_case("conv1d_plain", "conv1d", (2, 3, 10), (4, 3, 3))
conv_case("conv1d_stride_padding_dilation", "conv1d", (2, 3, 13), (4, 3, 3), stride=2, padding=2, dilation=2)
conv_case("conv1d_groups_no_bias", "conv1d", (2, 4, 9), (6, 2, 4), bias=False, groups=2, padding=1)
conv_case("conv1d_unbatched", "conv1d", (3, 8), (2, 3, 5), padding=[1], stride=[2])

# ---- pooling ---------------------------------------------------------------------------

pool_case("maxPool2d_k2", "maxPool2d", (2, 3, 6, 6), kernelSize=2)
pool_case("maxPool2d_stride_padding", "maxPool2d", (2, 2, 7, 6), kernelSize=3, stride=2, padding=1)
pool_case("maxPool2d_nonsquare", "maxPool2d", (2, 2, 5, 8), kernelSize=[2, 3], stride=[1, 2], padding=[1, 1])
pool_case("maxPool2d_overlapping", "maxPool2d", (1, 2, 6, 6), kernelSize=3, stride=1)
# Multiples of 0.5: windows tie, and the gradient must go to the first maximum.
case("maxPool2d_ties", "maxPool2d", lambda g: [In(g.halves(2, 2, 5, 5))], kernelSize=2, stride=1)
pool_case("maxPool2d_unbatched", "maxPool2d", (3, 6, 7), kernelSize=2)
# Pooling a transposed view: strided input, gradient to the packed leaf.
case("maxPool2d_transposed_input", "maxPool2d", lambda g: [T(g.randn(2, 2, 6, 5))], kernelSize=[3, 2], stride=[2, 1])

pool_case("avgPool2d_k2", "avgPool2d", (2, 3, 6, 6), kernelSize=2)
pool_case("avgPool2d_padding", "avgPool2d", (2, 2, 7, 6), kernelSize=3, stride=2, padding=1)
pool_case("avgPool2d_exclude_pad", "avgPool2d", (2, 2, 7, 6), kernelSize=3, stride=2, padding=1, countIncludePad=False)
pool_case("avgPool2d_nonsquare", "avgPool2d", (2, 2, 7, 8), kernelSize=[3, 2], stride=[2, 1], padding=[1, 0])
pool_case("avgPool2d_unbatched", "avgPool2d", (2, 5, 5), kernelSize=2, stride=1)

pool_case("adaptiveAvgPool2d_divides", "adaptiveAvgPool2d", (2, 3, 8, 8), outputSize=4)
pool_case("adaptiveAvgPool2d_not_dividing", "adaptiveAvgPool2d", (2, 3, 7, 5), outputSize=[3, 2])
pool_case("adaptiveAvgPool2d_larger", "adaptiveAvgPool2d", (1, 2, 3, 4), outputSize=[5, 6])
pool_case("adaptiveAvgPool2d_global", "adaptiveAvgPool2d", (2, 4, 5, 6), outputSize=1)
pool_case("adaptiveAvgPool2d_keep_axis", "adaptiveAvgPool2d", (3, 7, 5), outputSize=[None, 3])

# ---- a tiny CNN ------------------------------------------------------------------------

case(
    "net_tiny_cnn",
    "tinyCnn",
    lambda g: [
        In(g.randn(4, 1, 8, 8)),
        const(g.ints(3, 4)),
        In(g.randn(4, 1, 3, 3, scale=1 / 3)),
        In(g.randn(4, scale=0.3)),
        In(g.randn(3, 64, scale=0.125)),
        In(g.randn(3, scale=0.1)),
    ],
    padding=1,
    pool=2,
    params=["0.weight", "0.bias", "4.weight", "4.bias"],
)


def main() -> None:
    mf.write_fixtures(CASES, OUT_DIR)


if __name__ == "__main__":
    torch.set_num_threads(1)
    main()
