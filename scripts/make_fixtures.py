"""Writes the PyTorch parity fixtures of ferrograd to fixtures/torch/.

Every differentiable op of the TypeScript API (and a few forward-only ones and
small composed networks) is run through PyTorch on seeded inputs; the inputs,
the output and the gradient of every input that requires grad are saved, one
safetensors file per case. `__test__/parity.test.ts` (vitest) and
`crates/ferrograd/tests/parity.rs` (cargo) replay each case through ferrograd and
compare, so those tests need no Python. Rerun this script only when a case is
added or changed, and commit the files it writes.

Run it from the repository root, in a virtual environment outside the repository
(torch comes from PyPI; its Linux wheel pulls the CUDA libraries, a few GB):

    python3 -m venv /tmp/torchenv
    /tmp/torchenv/bin/pip install -r scripts/requirements-fixtures.txt
    /tmp/torchenv/bin/python scripts/make_fixtures.py

It deletes the old `fixtures/torch/*.safetensors` and writes the new ones; the
same pinned versions give byte-identical files.

File layout (tensor names; float32, int64 for indices and labels, BOOL for masks):
    input.0, input.1, ...   the op's tensor arguments, in order, in their logical
                            shape and packed row-major
    output                  the op's result (the values, for max/min along a dim)
    indices                 max/min along a dim only: the indices (int64)
    upstream                the gradient fed to `output.backward(upstream)`: random,
                            so every output element matters (absent for ops whose
                            output is not float32)
    grad.i                  d(output . upstream)/d(input.i), for every input that
                            requires grad
`__metadata__` (strings only):
    op                      the ferrograd name of the call (`add`, `logSoftmax`,
                            `crossEntropy`, ...), or a network's name (`mlpReluCe`)
    args                    JSON of the non-tensor arguments as the TypeScript API
                            names them, e.g. {"dim": [0, 2], "keepdim": true};
                            binary ops with a number give it as {"a": v} (number
                            first: `fg.sub(v, x)`) or {"b": v} (`x.sub(v)`)
    transposed              JSON list of input indices to pass as a non-contiguous
                            view: the test builds the input from its transpose
                            (last two dims swapped, packed) and transposes it back,
                            so the leaf that receives the gradient is the packed
                            tensor; grad.i is given in the logical shape
    torch                   the torch version that wrote the file
"""

from __future__ import annotations

import json
import math
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

OUT_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "torch"

Args = dict[str, Any]


# ---- the ops, interpreted from the same (op, args) that the tests dispatch on -----

def scalar_side(args: Args) -> tuple[str | None, float | None]:
    """Which operand of a binary op is a plain number: ('a', v), ('b', v) or (None, None)."""
    for side in ("a", "b"):
        if side in args:
            return side, args[side]
    return None, None


def binary(op: str) -> Callable[[list[torch.Tensor], Args], torch.Tensor]:
    tensor_fn = {
        "add": torch.add,
        "sub": torch.sub,
        "mul": torch.mul,
        "div": torch.div,
        "pow": torch.pow,
        "maximum": torch.maximum,
        "minimum": torch.minimum,
    }[op]

    def run(xs: list[torch.Tensor], args: Args) -> torch.Tensor:
        side, v = scalar_side(args)
        if side is None:
            return tensor_fn(xs[0], xs[1])
        x = xs[0]
        if op in ("maximum", "minimum"):
            # torch.maximum takes no Python number; a 0-d tensor keeps its rule of
            # splitting the gradient on ties (clamp would give it all to x).
            return tensor_fn(x, torch.tensor(v))
        # A number operand, written as a PyTorch user writes it (Python scalars take
        # PyTorch's scalar paths, e.g. x ** 2).
        pyop = {
            "add": lambda p, q: p + q,
            "sub": lambda p, q: p - q,
            "mul": lambda p, q: p * q,
            "div": lambda p, q: p / q,
            "pow": lambda p, q: p**q,
        }[op]
        return pyop(v, x) if side == "a" else pyop(x, v)

    return run


def compare(op: str) -> Callable[[list[torch.Tensor], Args], torch.Tensor]:
    fn = getattr(torch, op)
    return lambda xs, a: fn(xs[0], a["b"] if "b" in a else xs[1])


def correction(a: Args) -> float:
    if "unbiased" in a:
        return 1 if a["unbiased"] else 0
    return a.get("correction", 1)


def reduce_fn(name: str) -> Callable[[list[torch.Tensor], Args], torch.Tensor]:
    def run(xs: list[torch.Tensor], a: Args) -> torch.Tensor:
        x, keepdim = xs[0], a.get("keepdim", False)
        dim = a.get("dim")
        if name in ("var", "std"):
            return getattr(torch, name)(x, dim=dim, correction=correction(a), keepdim=keepdim)
        if dim is None:
            return getattr(torch, name)(x)
        return getattr(torch, name)(x, dim=dim, keepdim=keepdim)

    return run


def extreme(name: str) -> Callable[[list[torch.Tensor], Args], Any]:
    def run(xs: list[torch.Tensor], a: Args) -> Any:
        if "dim" not in a:
            return getattr(xs[0], name)()
        values, indices = getattr(xs[0], name)(a["dim"], keepdim=a.get("keepdim", False))
        return values, indices

    return run


def arg_extreme(name: str) -> Callable[[list[torch.Tensor], Args], torch.Tensor]:
    return lambda xs, a: getattr(torch, name)(xs[0], dim=a.get("dim"), keepdim=a.get("keepdim", False))


def where(xs: list[torch.Tensor], a: Args) -> torch.Tensor:
    cond, rest = xs[0], list(xs[1:])
    x = torch.tensor(a["a"]) if "a" in a else rest.pop(0)
    y = torch.tensor(a["b"]) if "b" in a else rest.pop(0)
    return torch.where(cond, x, y)


def mlp_relu_ce(xs: list[torch.Tensor], a: Args) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """Linear-ReLU-Linear + cross entropy, as nn.Sequential with a loaded state dict."""
    x, target, params = xs[0], xs[1], xs[2:]
    w1, w2 = params[0], params[2]
    model = torch.nn.Sequential(
        torch.nn.Linear(w1.shape[1], w1.shape[0]),
        torch.nn.ReLU(),
        torch.nn.Linear(w2.shape[1], w2.shape[0]),
    )
    model.load_state_dict(dict(zip(a["params"], (p.detach() for p in params))))
    loss = F.cross_entropy(model(x), target)
    # The gradients that matter are those of the module's own parameters.
    return loss, [x, target, *model.parameters()]


def mlp_tanh_mse(xs: list[torch.Tensor], a: Args) -> torch.Tensor:
    """Linear-Tanh-Linear-Sigmoid + summed MSE, through nn.functional."""
    x, target, w1, b1, w2, b2 = xs
    y = torch.sigmoid(F.linear(torch.tanh(F.linear(x, w1, b1)), w2, b2))
    return F.mse_loss(y, target, reduction="sum")


def attention(xs: list[torch.Tensor], a: Args) -> torch.Tensor:
    """One self-attention head and a normalisation, reduced to a scalar."""
    x, wq, wk, wv = xs
    q, k, v = F.linear(x, wq), F.linear(x, wk), F.linear(x, wv)
    scores = q.matmul(k.transpose(-2, -1)) / math.sqrt(wq.shape[0])
    h = torch.softmax(scores, -1).matmul(v)
    z = (h - h.mean(-1, keepdim=True)) / h.std(-1, keepdim=True, correction=0).add(1e-5)
    return F.gelu(z).pow(2).mean()


OPS: dict[str, Callable[[list[torch.Tensor], Args], Any]] = {
    **{op: binary(op) for op in ("add", "sub", "mul", "div", "pow", "maximum", "minimum")},
    **{op: compare(op) for op in ("eq", "ne", "lt", "le", "gt", "ge")},
    "neg": lambda xs, a: torch.neg(xs[0]),
    "relu": lambda xs, a: torch.relu(xs[0]),
    "sigmoid": lambda xs, a: torch.sigmoid(xs[0]),
    "tanh": lambda xs, a: torch.tanh(xs[0]),
    "exp": lambda xs, a: torch.exp(xs[0]),
    "log": lambda xs, a: torch.log(xs[0]),
    "sqrt": lambda xs, a: torch.sqrt(xs[0]),
    "abs": lambda xs, a: torch.abs(xs[0]),
    "gelu": lambda xs, a: F.gelu(xs[0]),
    "silu": lambda xs, a: F.silu(xs[0]),
    "softplus": lambda xs, a: F.softplus(xs[0]),
    "leakyRelu": lambda xs, a: F.leaky_relu(xs[0], a.get("negativeSlope", 0.01)),
    "clamp": lambda xs, a: torch.clamp(xs[0], min=a.get("min"), max=a.get("max")),
    **{name: reduce_fn(name) for name in ("sum", "mean", "var", "std")},
    "max": extreme("max"),
    "min": extreme("min"),
    "argmax": arg_extreme("argmax"),
    "argmin": arg_extreme("argmin"),
    "softmax": lambda xs, a: torch.softmax(xs[0], a["dim"]),
    "logSoftmax": lambda xs, a: torch.log_softmax(xs[0], a["dim"]),
    "matmul": lambda xs, a: torch.matmul(xs[0], xs[1]),
    "reshape": lambda xs, a: xs[0].reshape(a["shape"]),
    "view": lambda xs, a: xs[0].view(a["shape"]),
    "transpose": lambda xs, a: xs[0].transpose(a["dim0"], a["dim1"]),
    "permute": lambda xs, a: xs[0].permute(a["dims"]),
    "t": lambda xs, a: xs[0].t(),
    "narrow": lambda xs, a: xs[0].narrow(a["dim"], a["start"], a["length"]),
    "expand": lambda xs, a: xs[0].expand(a["shape"]),
    "squeeze": lambda xs, a: xs[0].squeeze(a["dim"]) if "dim" in a else xs[0].squeeze(),
    "unsqueeze": lambda xs, a: xs[0].unsqueeze(a["dim"]),
    "flatten": lambda xs, a: xs[0].flatten(a.get("startDim", 0), a.get("endDim", -1)),
    "contiguous": lambda xs, a: xs[0].contiguous(),
    "clone": lambda xs, a: xs[0].clone(),
    "cat": lambda xs, a: torch.cat(xs, a["dim"]),
    "stack": lambda xs, a: torch.stack(xs, a["dim"]),
    "indexSelect": lambda xs, a: torch.index_select(xs[0], a["dim"], xs[1]),
    "gather": lambda xs, a: torch.gather(xs[0], a["dim"], xs[1]),
    "where": where,
    "maskedFill": lambda xs, a: xs[0].masked_fill(xs[1], a["value"]),
    "linear": lambda xs, a: F.linear(*xs),
    "mseLoss": lambda xs, a: F.mse_loss(xs[0], xs[1], reduction=a.get("reduction", "mean")),
    "crossEntropy": lambda xs, a: F.cross_entropy(xs[0], xs[1], reduction=a.get("reduction", "mean")),
    "mlpReluCe": mlp_relu_ce,
    "mlpTanhMse": mlp_tanh_mse,
    "attention": attention,
}


# ---- inputs ----------------------------------------------------------------------

@dataclass
class In:
    """One tensor argument: its value, whether it requires grad, whether it is
    passed as a transposed (non-contiguous) view."""

    value: torch.Tensor
    grad: bool = True
    transposed: bool = False


@dataclass
class Case:
    name: str
    op: str
    inputs: list[In]
    args: Args = field(default_factory=dict)


class Gen:
    """Seeded inputs; each case gets its own generator, seeded from its name, so
    adding a case leaves the others' files unchanged."""

    def __init__(self, name: str) -> None:
        self.g = torch.Generator().manual_seed(zlib.crc32(name.encode()))

    def randn(self, *shape: int, scale: float = 1.0) -> torch.Tensor:
        return torch.randn(shape, generator=self.g) * scale

    def uniform(self, lo: float, hi: float, *shape: int) -> torch.Tensor:
        return torch.rand(shape, generator=self.g) * (hi - lo) + lo

    def away(self, *shape: int, point: float = 0.0, gap: float = 0.05, spread: float = 2.0) -> torch.Tensor:
        """Values at least `gap` from `point` (where a derivative jumps)."""
        sign = torch.where(torch.rand(shape, generator=self.g) < 0.5, -1.0, 1.0)
        return point + sign * self.uniform(gap, spread, *shape)

    def off_bounds(self, *shape: int) -> torch.Tensor:
        """Values in [-1.5, 1.5] at least 0.02 from the clamp cases' bounds +-0.5."""
        x = self.uniform(-1.5, 1.5, *shape)
        near = (x.abs() - 0.5).abs() < 0.02
        return torch.where(near, x * 1.1, x)

    def ints(self, high: int, *shape: int) -> torch.Tensor:
        return torch.randint(0, high, shape, generator=self.g, dtype=torch.int64)

    def mask(self, *shape: int) -> torch.Tensor:
        return torch.rand(shape, generator=self.g) < 0.5

    def halves(self, *shape: int) -> torch.Tensor:
        """Multiples of 0.5 in [-1, 1], so comparisons meet equal elements."""
        return torch.randint(-2, 3, shape, generator=self.g).float() / 2

    def no_ties(self, *shapes: tuple[int, ...]) -> list[torch.Tensor]:
        """Operands of maximum/minimum whose broadcast elements never (nearly) tie."""
        while True:
            ts = [self.randn(*s) for s in shapes]
            if (ts[0] - ts[1]).abs().min() > 1e-2:
                return ts


CASES: list[Case] = []


def case(name: str, op: str, make: Callable[[Gen], list[In]], **args: Any) -> None:
    CASES.append(Case(name, op, make(Gen(name)), args))


def T(v: torch.Tensor) -> In:
    """An input passed as a transposed view."""
    return In(v, transposed=True)


def const(v: torch.Tensor) -> In:
    """An input that does not require grad (targets, indices, masks)."""
    return In(v, grad=False)


# ---- the cases ----------------------------------------------------------------------

# Binary ops: both operands broadcast ([2,1,4] with [3,1] gives [2,3,4]), a transposed
# operand against a size-1 row, and a plain number on either side.
for op in ("add", "sub", "mul", "div", "pow", "maximum", "minimum"):
    if op == "div":
        lhs, rhs = (lambda g, *s: g.randn(*s)), (lambda g, *s: g.away(*s, gap=0.5))
    elif op == "pow":
        lhs, rhs = (lambda g, *s: g.uniform(0.5, 2.0, *s)), (lambda g, *s: g.uniform(-2.0, 2.0, *s))
    else:
        lhs = rhs = lambda g, *s: g.randn(*s)
    if op in ("maximum", "minimum"):
        case(f"{op}_broadcast", op, lambda g: [In(v) for v in g.no_ties((2, 1, 4), (3, 1))])
        case(f"{op}_transposed", op, lambda g: [T(v) if i == 0 else In(v) for i, v in enumerate(g.no_ties((4, 3), (1, 3)))])
        case(f"{op}_number", op, lambda g: [In(g.away(3, 1, 2, point=0.2, gap=0.01))], b=0.2)
        case(f"{op}_number_first", op, lambda g: [In(g.away(3, 1, 2, point=-0.3, gap=0.01))], a=-0.3)
        continue
    case(f"{op}_broadcast", op, lambda g, lhs=lhs, rhs=rhs: [In(lhs(g, 2, 1, 4)), In(rhs(g, 3, 1))])
    case(f"{op}_transposed", op, lambda g, lhs=lhs, rhs=rhs: [T(lhs(g, 4, 3)), In(rhs(g, 1, 3))])
    if op != "pow":
        case(f"{op}_number", op, lambda g, lhs=lhs: [In(lhs(g, 3, 1, 2))], b=1.5)
        case(f"{op}_number_first", op, lambda g, rhs=rhs: [In(rhs(g, 3, 1, 2))], a=1.5)

case("pow_number_int", "pow", lambda g: [In(g.randn(3, 1, 2))], b=3)
case("pow_number_frac", "pow", lambda g: [T(g.uniform(0.2, 2.0, 4, 3))], b=2.5)
case("pow_number_neg", "pow", lambda g: [In(g.uniform(0.5, 2.0, 5))], b=-0.5)
case("pow_number_first", "pow", lambda g: [In(g.randn(3, 1, 2))], a=2.0)

# Unary ops on a shape with a size-1 dim and on a transposed view, away from kinks
# and outside the domains' edges.
UNARY = {
    "neg": lambda g, *s: g.randn(*s),
    "sigmoid": lambda g, *s: g.randn(*s, scale=2.0),
    "tanh": lambda g, *s: g.randn(*s, scale=2.0),
    "exp": lambda g, *s: g.randn(*s),
    "gelu": lambda g, *s: g.randn(*s, scale=2.0),
    "silu": lambda g, *s: g.randn(*s, scale=2.0),
    "softplus": lambda g, *s: g.randn(*s, scale=3.0),
    "relu": lambda g, *s: g.away(*s),
    "abs": lambda g, *s: g.away(*s),
    "leakyRelu": lambda g, *s: g.away(*s),
    "log": lambda g, *s: g.uniform(0.1, 3.0, *s),
    "sqrt": lambda g, *s: g.uniform(0.1, 3.0, *s),
}
for op, draw in UNARY.items():
    case(f"{op}_size1", op, lambda g, draw=draw: [In(draw(g, 3, 1, 4))])
    case(f"{op}_transposed", op, lambda g, draw=draw: [T(draw(g, 4, 3))])
case("leakyRelu_slope", "leakyRelu", lambda g: [In(g.away(2, 5))], negativeSlope=0.2)
# Both sides of softplus's switch to the identity above 20.
case("softplus_large", "softplus", lambda g: [In(torch.tensor([-30.0, -19.5, 19.5, 20.5, 25.0, 40.0]))])
for name, bounds in (("clamp_both", {"min": -0.5, "max": 0.5}), ("clamp_min", {"min": -0.5}), ("clamp_max", {"max": 0.5})):
    case(name, "clamp", lambda g: [In(g.off_bounds(3, 1, 4))], **bounds)
    case(f"{name}_transposed", "clamp", lambda g: [T(g.off_bounds(4, 3))], **bounds)

# Reductions over every spelling of dims, with and without keepdim.
REDUCE_DIMS: list[tuple[str, Args]] = [
    ("all", {}),
    ("dim1", {"dim": 1}),
    ("dimneg_keep", {"dim": -1, "keepdim": True}),
    ("dims02", {"dim": [0, 2]}),
    ("dims02_keep", {"dim": [0, 2], "keepdim": True}),
]
for op in ("sum", "mean", "var", "std"):
    for suffix, args in REDUCE_DIMS:
        case(f"{op}_{suffix}", op, lambda g: [In(g.randn(2, 3, 4))], **args)
    case(f"{op}_transposed_dim0", op, lambda g: [T(g.randn(4, 3))], dim=0)
    case(f"{op}_transposed_all", op, lambda g: [T(g.randn(4, 3))])
case("sum_size1_dim", "sum", lambda g: [In(g.randn(3, 1, 4))], dim=1)
case("mean_size1_keep", "mean", lambda g: [In(g.randn(3, 1, 4))], dim=[1, 2], keepdim=True)
for op in ("var", "std"):
    case(f"{op}_correction0", op, lambda g: [In(g.randn(2, 3, 4))], dim=1, correction=0)
    case(f"{op}_unbiased_false", op, lambda g: [T(g.randn(4, 3))], unbiased=False)
    case(f"{op}_correction2_keep", op, lambda g: [In(g.randn(3, 5))], dim=-1, keepdim=True, correction=2)
for op in ("max", "min"):
    case(f"{op}_all", op, lambda g: [In(g.randn(2, 3, 4))])
    case(f"{op}_transposed_all", op, lambda g: [T(g.randn(4, 3))])
    case(f"{op}_dim1", op, lambda g: [In(g.randn(2, 3, 4))], dim=1)
    case(f"{op}_dimneg_keep", op, lambda g: [In(g.randn(2, 3, 4))], dim=-1, keepdim=True)
    case(f"{op}_transposed_dim0", op, lambda g: [T(g.randn(4, 3))], dim=0)
    case(f"{op}_size1_dim", op, lambda g: [In(g.randn(3, 1, 4))], dim=1)
for op in ("argmax", "argmin"):
    case(f"{op}_all", op, lambda g: [const(g.randn(2, 3, 4))])
    case(f"{op}_dim1", op, lambda g: [const(g.randn(2, 3, 4))], dim=1)
    case(f"{op}_dimneg_keep", op, lambda g: [const(g.randn(2, 3, 4))], dim=-1, keepdim=True)
    case(f"{op}_transposed_dim0", op, lambda g: [In(g.randn(4, 3), grad=False, transposed=True)], dim=0)

for op in ("softmax", "logSoftmax"):
    for dim in (0, 1, -1):
        case(f"{op}_dim{dim}".replace("-", "neg"), op, lambda g: [In(g.randn(2, 3, 4, scale=2.0))], dim=dim)
    case(f"{op}_transposed", op, lambda g: [T(g.randn(4, 3, scale=2.0))], dim=1)
    case(f"{op}_size1", op, lambda g: [In(g.randn(3, 1, 4))], dim=1)

# matmul: every rank combination torch.matmul accepts, transposed operands, broadcast batches.
MATMUL = [
    ("dot", (5,), (5,), False, False),
    ("vec_mat", (3,), (3, 4), False, False),
    ("mat_vec", (3, 4), (4,), False, False),
    ("mm", (3, 4), (4, 2), False, False),
    ("mm_transposed", (3, 4), (4, 2), True, True),
    ("mm_size1", (1, 4), (4, 1), False, False),
    ("bmm", (2, 3, 4), (2, 4, 5), False, False),
    ("bmm_transposed_rhs", (2, 3, 4), (2, 4, 5), False, True),
    ("batch_mat", (2, 3, 4), (4, 5), False, False),
    ("mat_batch", (3, 4), (2, 4, 5), True, False),
    ("broadcast_4d", (2, 1, 3, 4), (3, 4, 2), False, False),
    ("vec_batch", (4,), (2, 4, 3), False, False),
    ("batch_vec", (2, 3, 4), (4,), False, False),
]
for name, sa, sb, ta, tb in MATMUL:
    case(f"matmul_{name}", "matmul", lambda g, sa=sa, sb=sb, ta=ta, tb=tb: [In(g.randn(*sa), transposed=ta), In(g.randn(*sb), transposed=tb)])

# Views and copies.
case("reshape_infer", "reshape", lambda g: [In(g.randn(2, 3, 4))], shape=[4, -1])
case("reshape_transposed", "reshape", lambda g: [T(g.randn(4, 3))], shape=[12])
case("reshape_size1", "reshape", lambda g: [In(g.randn(3, 1, 4))], shape=[2, 1, 6])
case("view", "view", lambda g: [In(g.randn(2, 3, 4))], shape=[6, -1])
case("transpose", "transpose", lambda g: [In(g.randn(2, 3, 4))], dim0=0, dim1=2)
case("transpose_transposed", "transpose", lambda g: [T(g.randn(2, 4, 3))], dim0=-1, dim1=0)
case("permute", "permute", lambda g: [In(g.randn(2, 3, 4))], dims=[2, 0, 1])
case("permute_transposed", "permute", lambda g: [T(g.randn(2, 4, 3))], dims=[1, 2, 0])
case("t", "t", lambda g: [In(g.randn(3, 4))])
case("t_transposed", "t", lambda g: [T(g.randn(4, 3))])
case("narrow", "narrow", lambda g: [In(g.randn(2, 3, 4))], dim=1, start=1, length=2)
case("narrow_transposed", "narrow", lambda g: [T(g.randn(4, 3))], dim=-1, start=1, length=1)
case("expand", "expand", lambda g: [In(g.randn(3, 1))], shape=[2, 3, 4])
case("expand_keep", "expand", lambda g: [In(g.randn(3, 1))], shape=[-1, 5])
case("expand_transposed", "expand", lambda g: [T(g.randn(3, 2))], shape=[4, 3, 2])
case("squeeze_all", "squeeze", lambda g: [In(g.randn(3, 1, 4, 1))])
case("squeeze_dim", "squeeze", lambda g: [In(g.randn(3, 1, 4, 1))], dim=1)
case("unsqueeze_neg", "unsqueeze", lambda g: [In(g.randn(3, 4))], dim=-1)
case("unsqueeze_transposed", "unsqueeze", lambda g: [T(g.randn(4, 3))], dim=1)
case("flatten", "flatten", lambda g: [In(g.randn(2, 3, 4))])
case("flatten_range", "flatten", lambda g: [In(g.randn(2, 3, 4, 1))], startDim=1, endDim=2)
case("flatten_transposed", "flatten", lambda g: [T(g.randn(2, 4, 3))], startDim=1)
case("contiguous_transposed", "contiguous", lambda g: [T(g.randn(4, 3))])
case("clone_transposed", "clone", lambda g: [T(g.randn(4, 3))])

# Joining and indexing.
case("cat_dim1", "cat", lambda g: [In(g.randn(2, 3)), T(g.randn(2, 2)), In(g.randn(2, 1))], dim=1)
case("cat_dim0", "cat", lambda g: [In(g.randn(1, 3)), In(g.randn(2, 3))], dim=0)
case("cat_dimneg", "cat", lambda g: [In(g.randn(2, 2, 1)), T(g.randn(2, 2, 3))], dim=-1)
case("stack_dim0", "stack", lambda g: [In(g.randn(2, 3)), In(g.randn(2, 3)), In(g.randn(2, 3))], dim=0)
case("stack_dimneg", "stack", lambda g: [In(g.randn(2, 3)), T(g.randn(2, 3))], dim=-1)
case("stack_dim1", "stack", lambda g: [In(g.randn(3)), In(g.randn(3))], dim=1)
case("indexSelect_dim0", "indexSelect", lambda g: [In(g.randn(4, 3)), const(torch.tensor([3, 0, 3, 1]))], dim=0)
case("indexSelect_transposed", "indexSelect", lambda g: [T(g.randn(3, 4)), const(torch.tensor([2, 2, 0]))], dim=1)
case("gather_dim1", "gather", lambda g: [In(g.randn(3, 4)), const(g.ints(4, 3, 2))], dim=1)
case("gather_dim0", "gather", lambda g: [In(g.randn(3, 4)), const(g.ints(3, 2, 4))], dim=0)
case("gather_transposed", "gather", lambda g: [T(g.randn(4, 3)), const(g.ints(3, 4, 5))], dim=-1)
case("where", "where", lambda g: [const(g.mask(3, 4)), In(g.randn(2, 3, 4)), In(g.randn(4))])
case("where_transposed", "where", lambda g: [const(g.mask(4, 1)), T(g.randn(4, 3)), In(g.randn(4, 3))])
case("where_number_a", "where", lambda g: [const(g.mask(3, 4)), In(g.randn(3, 4))], a=0.5)
case("where_number_b", "where", lambda g: [const(g.mask(3, 4)), In(g.randn(1, 4))], b=-2.0)
case("maskedFill", "maskedFill", lambda g: [In(g.randn(2, 3, 4)), const(g.mask(3, 1))], value=-1.5)
case("maskedFill_transposed", "maskedFill", lambda g: [T(g.randn(4, 3)), const(g.mask(4, 3))], value=2.0)

# Comparisons (forward only): inputs on a grid of halves so equal elements occur.
for op in ("eq", "ne", "lt", "le", "gt", "ge"):
    case(f"{op}_broadcast", op, lambda g: [const(g.halves(3, 4)), const(g.halves(4))])
    case(f"{op}_transposed", op, lambda g: [In(g.halves(4, 3), grad=False, transposed=True), const(g.halves(4, 3))])
    case(f"{op}_number", op, lambda g: [const(g.halves(3, 4))], b=0.5)

# nn.functional.
case("linear", "linear", lambda g: [In(g.randn(4, 3)), In(g.randn(5, 3)), In(g.randn(5))])
case("linear_nobias", "linear", lambda g: [In(g.randn(4, 3)), In(g.randn(5, 3))])
case("linear_3d", "linear", lambda g: [In(g.randn(2, 4, 3)), In(g.randn(5, 3)), In(g.randn(5))])
case("linear_transposed", "linear", lambda g: [T(g.randn(4, 3)), T(g.randn(5, 3)), In(g.randn(5))])
for reduction in ("mean", "sum", "none"):
    case(f"mseLoss_{reduction}", "mseLoss", lambda g: [In(g.randn(3, 4)), In(g.randn(3, 4))], reduction=reduction)
    case(f"crossEntropy_{reduction}", "crossEntropy", lambda g: [In(g.randn(5, 4, scale=2.0)), const(g.ints(4, 5))], reduction=reduction)
case("mseLoss_transposed", "mseLoss", lambda g: [T(g.randn(4, 3)), const(g.randn(4, 3))])
case("mseLoss_default", "mseLoss", lambda g: [In(g.randn(2, 1, 3)), In(g.randn(2, 1, 3))])
case("crossEntropy_default", "crossEntropy", lambda g: [In(g.randn(6, 3, scale=2.0)), const(g.ints(3, 6))])
case("crossEntropy_single", "crossEntropy", lambda g: [In(g.randn(4, scale=2.0)), const(torch.tensor(2))], reduction="sum")

# Long reductions: float32 accumulation error grows with the length, so these show
# whether ferrograd's summation order keeps within the tolerance (the offset makes
# var/std subtract nearly equal numbers).
for op in ("sum", "mean", "var", "std"):
    case(f"{op}_long", op, lambda g: [In(g.randn(1024).add(3.0))], dim=0)
case("matmul_dot_long", "matmul", lambda g: [In(g.randn(512)), In(g.randn(512))])
case("softmax_long", "softmax", lambda g: [In(g.randn(512, scale=3.0))], dim=0)
case("logSoftmax_long", "logSoftmax", lambda g: [In(g.randn(512, scale=3.0))], dim=0)

# Numerical stability: logits far from 0, where exp overflows or underflows.
case("softmax_large", "softmax", lambda g: [In(g.randn(3, 4, scale=40.0))], dim=1)
case("logSoftmax_large", "logSoftmax", lambda g: [In(g.randn(3, 4, scale=40.0) + 100.0)], dim=-1)
case("crossEntropy_large", "crossEntropy", lambda g: [In(g.randn(4, 5, scale=40.0) - 100.0), const(g.ints(5, 4))])

# Edge spellings: 0-d operands, 1-D linear, inputs that need no grad, integer sums.
case("mul_0d", "mul", lambda g: [In(g.randn()), In(g.randn(2, 3))])
case("add_0d_both", "add", lambda g: [In(g.randn()), In(g.randn())])
case("linear_1d", "linear", lambda g: [In(g.randn(3)), In(g.randn(4, 3)), In(g.randn(4))])
case("cat_mixed_grad", "cat", lambda g: [In(g.randn(2, 3)), const(g.randn(1, 3)), In(g.randn(2, 3))], dim=0)
case("narrow_negative_start", "narrow", lambda g: [In(g.randn(3, 5))], dim=1, start=-3, length=2)
case("squeeze_not_size1", "squeeze", lambda g: [In(g.randn(3, 1, 4))], dim=0)
case("sum_int64", "sum", lambda g: [const(g.ints(10, 3, 4))], dim=1)
case("sum_bool", "sum", lambda g: [const(g.mask(3, 4))])

# PyTorch's conventions where the derivative is undefined: ties and kinks. The cases
# above avoid these points; here they are on purpose, because ferrograd follows
# PyTorch's choices (maximum/minimum and full max/min split the gradient between
# ties, max/min along a dim and argmax pick the first index, relu'(0) = 0,
# abs'(0) = 0, clamp passes the gradient at its bounds).
case("maximum_ties", "maximum", lambda g: [In(g.halves(3, 4)), In(g.halves(4))])
case("minimum_ties", "minimum", lambda g: [In(g.halves(3, 4)), In(g.halves(4))])
case("maximum_number_ties", "maximum", lambda g: [In(g.halves(3, 4))], b=0.5)
case("minimum_number_ties", "minimum", lambda g: [In(g.halves(3, 4))], b=0.5)
for op in ("max", "min"):
    case(f"{op}_all_ties", op, lambda g: [In(torch.tensor([[1.0, 3.0, 3.0], [-2.0, 0.5, -2.0]]))])
    case(f"{op}_dim_ties", op, lambda g: [In(g.halves(4, 5))], dim=1)
for op in ("argmax", "argmin"):
    case(f"{op}_ties", op, lambda g: [const(g.halves(4, 5))], dim=0)
    case(f"{op}_all_ties", op, lambda g: [const(torch.tensor([[1.0, -2.0, 3.0], [3.0, -2.0, 0.0]]))])
case("relu_kink", "relu", lambda g: [In(torch.tensor([-1.0, 0.0, 2.0, -0.0]))])
case("abs_kink", "abs", lambda g: [In(torch.tensor([-1.0, 0.0, 2.0, -0.0]))])
case("leakyRelu_kink", "leakyRelu", lambda g: [In(torch.tensor([-1.0, 0.0, 2.0]))], negativeSlope=0.1)
case("clamp_at_bounds", "clamp", lambda g: [In(torch.tensor([-1.0, -0.5, 0.0, 0.5, 1.0]))], min=-0.5, max=0.5)

# Small composed networks: loss and the gradient of every parameter (and the input).
case(
    "net_mlp_relu_ce",
    "mlpReluCe",
    lambda g: [In(g.randn(6, 5)), const(g.ints(3, 6)), In(g.randn(8, 5, scale=0.5)), In(g.randn(8, scale=0.5)), In(g.randn(3, 8, scale=0.5)), In(g.randn(3, scale=0.5))],
    params=["0.weight", "0.bias", "2.weight", "2.bias"],
)
case(
    "net_mlp_tanh_mse",
    "mlpTanhMse",
    lambda g: [In(g.randn(4, 3)), const(g.uniform(0.0, 1.0, 4, 2)), In(g.randn(6, 3, scale=0.5)), In(g.randn(6, scale=0.5)), In(g.randn(2, 6, scale=0.5)), In(g.randn(2, scale=0.5))],
)
case(
    "net_attention",
    "attention",
    lambda g: [In(g.randn(2, 3, 4)), In(g.randn(4, 4, scale=0.5)), In(g.randn(4, 4, scale=0.5)), In(g.randn(4, 4, scale=0.5))],
)


# ---- writing ----------------------------------------------------------------------------

def run_case(c: Case) -> dict[str, torch.Tensor]:
    tensors: dict[str, torch.Tensor] = {}
    leaves: list[torch.Tensor] = []
    xs: list[torch.Tensor] = []
    for i, inp in enumerate(c.inputs):
        v = inp.value.contiguous()
        tensors[f"input.{i}"] = v
        # A transposed input: the leaf is the packed transpose, the op sees a view of it.
        leaf = v.transpose(-2, -1).contiguous() if inp.transposed else v.clone()
        if inp.grad:
            leaf.requires_grad_(True)
        leaves.append(leaf)
        xs.append(leaf.transpose(-2, -1) if inp.transposed else leaf)
        assert not inp.transposed or not xs[-1].is_contiguous(), f"{c.name}: input {i} is not a strided view"

    result = OPS[c.op](xs, c.args)
    grad_sources: list[torch.Tensor] = leaves
    if isinstance(result, tuple) and isinstance(result[1], list):
        result, grad_sources = result  # a network whose parameters live in modules
    elif isinstance(result, tuple):
        result, tensors["indices"] = result[0], result[1].contiguous()
    tensors["output"] = result.detach().contiguous()

    if result.requires_grad:
        g = Gen(c.name + "/upstream")
        upstream = g.uniform(-1.0, 1.0, *result.shape)
        tensors["upstream"] = upstream
        result.backward(gradient=upstream)
        for i, (inp, src) in enumerate(zip(c.inputs, grad_sources)):
            if inp.grad:
                assert src.grad is not None, f"{c.name}: input {i} got no gradient"
                grad = src.grad.transpose(-2, -1) if inp.transposed else src.grad
                tensors[f"grad.{i}"] = grad.contiguous()
    return tensors


def check_ties(c: Case) -> None:
    """Max/min with ties has no unique gradient: refuse such inputs, except in the
    cases that test PyTorch's tie conventions on purpose."""
    if c.op in ("max", "min") and not c.name.endswith("_ties"):
        v = c.inputs[0].value
        assert torch.unique(v).numel() == v.numel(), f"{c.name}: tied values"


def sort_metadata(path: Path) -> None:
    """Rewrites the header with `__metadata__`'s keys sorted: safetensors writes them
    in hash-map order, which differs from run to run, and fixture files should only
    change when their content does. Same characters, so the same length and offsets."""
    raw = path.read_bytes()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8 : 8 + n])
    header["__metadata__"] = dict(sorted(header["__metadata__"].items()))
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode()
    text = text.ljust(n, b" ")  # safetensors pads the header with spaces
    assert len(text) == n, path
    path.write_bytes(raw[:8] + text + raw[8 + n :])


def write_fixtures(cases: list[Case], out_dir: Path, run: Callable[[Case], dict[str, torch.Tensor]] = run_case) -> None:
    """Replaces the `*.safetensors` of `out_dir` with one file per case, each
    holding what `run` returns for it."""
    names = [c.name for c in cases]
    assert len(names) == len(set(names)), "duplicate case names"
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("*.safetensors"):
        old.unlink()
    total = 0
    for c in cases:
        check_ties(c)
        tensors = run(c)
        metadata = {
            "op": c.op,
            "args": json.dumps(c.args, sort_keys=True),
            "transposed": json.dumps([i for i, inp in enumerate(c.inputs) if inp.transposed]),
            "torch": torch.__version__.split("+")[0],
        }
        path = out_dir / f"{c.name}.safetensors"
        # Own copies: a gradient may be the upstream tensor itself (add), and
        # safetensors refuses tensors that share memory.
        save_file({k: v.detach().clone() for k, v in tensors.items()}, str(path), metadata=metadata)
        sort_metadata(path)
        total += path.stat().st_size
    print(f"wrote {len(cases)} fixtures ({total} bytes) to {out_dir}")


def main() -> None:
    write_fixtures(CASES, OUT_DIR)


if __name__ == "__main__":
    torch.set_num_threads(1)
    main()
