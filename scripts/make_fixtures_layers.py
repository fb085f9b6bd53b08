"""Writes the PyTorch parity fixtures of ferrograd's layers and losses to
fixtures/torch/layers/.

The companion of `make_fixtures.py` (whose inputs, runner and file layout it
reuses by import; run it the same way, from the repository root):

    /tmp/torchenv/bin/python scripts/make_fixtures_layers.py

Each case builds a `torch.nn` module (BatchNorm1d/2d, LayerNorm, Embedding and
every loss) with the options the case names, runs it on seeded inputs and saves
the inputs, the output and the gradient of every input that requires grad, in
the layout `make_fixtures.py` documents. `__test__/layers-parity.test.ts` builds
the same module through ferrograd's TypeScript API and
`crates/ferrograd/tests/layers_parity.rs` calls the core op behind it. Dropout
is not here: its mask comes from a different generator, so its statistics and
scaling are tested instead.

`op` is the class name (`BatchNorm2d`, `CrossEntropyLoss`) and `args` is JSON of
    args            the positional constructor arguments (`[3]` for BatchNorm1d(3))
    options         the options object as the TypeScript API spells it
                    (`{"labelSmoothing": 0.1, "reduction": "sum"}`)
    tensorOptions   options that are tensors, as the index of the input holding
                    each (`{"weight": 2}`); those inputs need no grad
    inputs          how many leading inputs go to `forward` (default 1)
    state           state-dict keys of the inputs after those (`["weight",
                    "bias", "running_mean", ...]`): the module's parameters and
                    buffers before the step; a gradient `grad.i` of a parameter
                    is the gradient of the module's parameter
    training        train (true, the default) or eval mode
and the extra tensors `after.<buffer>` hold the module's buffers after the
forward pass (BatchNorm's running statistics and batch count).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_fixtures as mf  # noqa: E402  (the shared runner, inputs and layout)
from make_fixtures import Case, Gen, In, T, const  # noqa: E402

OUT_DIR = mf.OUT_DIR / "layers"

Args = dict[str, Any]

# The buffers of the module of the case being run, after its forward pass.
AFTER: dict[str, torch.Tensor] = {}


def snake(name: str) -> str:
    """`labelSmoothing` -> `label_smoothing`: TypeScript option names as torch's."""
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def module_op(name: str) -> Callable[[list[torch.Tensor], Args], torch.Tensor]:
    """Runs `torch.nn.<name>` as the docstring's `args` describe."""

    def run(xs: list[torch.Tensor], a: Args) -> torch.Tensor:
        kwargs = {snake(k): v for k, v in a.get("options", {}).items()}
        kwargs.update({snake(k): xs[i] for k, i in a.get("tensorOptions", {}).items()})
        m = getattr(torch.nn, name)(*a.get("args", []), **kwargs)
        n = a.get("inputs", 1)
        # The state inputs become the module's own tensors, so the gradients land
        # on the leaves the runner reads, and buffer updates happen on copies the
        # runner has not saved (it saved the inputs before the step).
        for key, t in zip(a.get("state", []), xs[n:]):
            if key in m._parameters:
                delattr(m, key)
            setattr(m, key, t)
        m.train(a.get("training", True))
        out = m(*xs[:n])
        AFTER.clear()
        AFTER.update({f"after.{k}": b.detach().clone() for k, b in m.named_buffers()})
        return out

    return run


LAYERS = ["BatchNorm1d", "BatchNorm2d", "LayerNorm", "Embedding"]
LOSSES = [
    "L1Loss",
    "SmoothL1Loss",
    "HuberLoss",
    "BCELoss",
    "BCEWithLogitsLoss",
    "NLLLoss",
    "KLDivLoss",
    "CrossEntropyLoss",
]
mf.OPS.update({name: module_op(name) for name in LAYERS + LOSSES})

CASES: list[Case] = []


def case(name: str, op: str, make: Callable[[Gen], list[In]], **args: Any) -> None:
    if op in LOSSES:
        args.setdefault("inputs", 2)  # input and target
    CASES.append(Case(name, op, make(Gen(name)), args))


REDUCTIONS = ("mean", "sum", "none")

# ---- BatchNorm: train mode (batch statistics, running statistics updated) and
# eval mode (running statistics), with and without affine and tracking.


def bn_state(g: Gen, c: int, affine: bool = True, track: bool = True, batches: int = 0) -> list[In]:
    """weight, bias (learned), then running_mean, running_var, num_batches_tracked."""
    out: list[In] = []
    if affine:
        out += [In(g.uniform(0.5, 1.5, c)), In(g.randn(c, scale=0.5))]
    if track:
        out += [const(g.randn(c, scale=0.3)), const(g.uniform(0.5, 2.0, c)), const(torch.tensor(batches))]
    return out


def bn_keys(affine: bool = True, track: bool = True) -> list[str]:
    return (["weight", "bias"] if affine else []) + (["running_mean", "running_var", "num_batches_tracked"] if track else [])


def bn_case(name: str, module: str, shape: tuple[int, ...], *, training: bool = True, affine: bool = True, track: bool = True,
            batches: int = 0, transposed: bool = False, **options: Any) -> None:
    c = shape[1]
    opts = dict(options)
    if not affine:
        opts["affine"] = False
    if not track:
        opts["trackRunningStats"] = False

    def make(g: Gen) -> list[In]:
        # Channels with different offsets and scales, so each one's statistics matter.
        x = g.randn(*shape) * g.uniform(0.5, 3.0, c).view(1, c, *[1] * (len(shape) - 2)) + g.randn(c).view(1, c, *[1] * (len(shape) - 2))
        first = T(x) if transposed else In(x)
        return [first, *bn_state(g, c, affine, track, batches)]

    case(name, module, make, args=[c], options=opts, state=bn_keys(affine, track), training=training)


bn_case("bn1d_train_2d", "BatchNorm1d", (6, 3))
bn_case("bn1d_train_3d", "BatchNorm1d", (4, 3, 5))
bn_case("bn1d_train_momentum_eps", "BatchNorm1d", (5, 4), momentum=0.3, eps=1e-3)
bn_case("bn1d_train_cumulative", "BatchNorm1d", (5, 3), momentum=None, batches=3)
bn_case("bn1d_train_noaffine", "BatchNorm1d", (6, 3, 2), affine=False)
bn_case("bn1d_train_notrack", "BatchNorm1d", (6, 3), track=False)
bn_case("bn1d_eval_2d", "BatchNorm1d", (6, 3), training=False)
bn_case("bn1d_eval_3d", "BatchNorm1d", (4, 3, 5), training=False, batches=7)
bn_case("bn1d_eval_notrack", "BatchNorm1d", (6, 3), training=False, track=False)
bn_case("bn2d_train", "BatchNorm2d", (2, 3, 4, 5))
bn_case("bn2d_train_transposed", "BatchNorm2d", (2, 3, 5, 4), transposed=True)
bn_case("bn2d_train_noaffine_cumulative", "BatchNorm2d", (3, 2, 3, 3), affine=False, momentum=None, batches=1)
bn_case("bn2d_eval", "BatchNorm2d", (2, 3, 4, 5), training=False, batches=2)
bn_case("bn2d_eval_noaffine", "BatchNorm2d", (2, 3, 4, 4), training=False, affine=False)
# A long channel: float32 statistics over 4096 values with an offset.
bn_case("bn1d_train_long", "BatchNorm1d", (64, 2, 64))

# ---- LayerNorm over the last one or two dims.
LN = [
    ("ln_last", (2, 3, 4), [4], {}),
    ("ln_last2", (2, 3, 4), [3, 4], {}),
    ("ln_eps", (5, 6), [6], {"eps": 1e-3}),
    ("ln_noaffine", (2, 3, 4), [4], {"elementwiseAffine": False}),
    ("ln_nobias", (4, 5), [5], {"bias": False}),
    ("ln_long", (3, 512), [512], {}),
]
for name, shape, normalized, opts in LN:
    affine = opts.get("elementwiseAffine", True)
    keys = (["weight"] if affine else []) + (["bias"] if affine and opts.get("bias", True) else [])

    def make_ln(g: Gen, shape: tuple[int, ...] = shape, normalized: list[int] = normalized, keys: list[str] = keys) -> list[In]:
        x = g.randn(*shape, scale=2.0) + 1.5
        params = [In(g.uniform(0.5, 1.5, *normalized) if k == "weight" else g.randn(*normalized, scale=0.5)) for k in keys]
        return [In(x), *params]

    case(name, "LayerNorm", make_ln, args=[normalized], options=opts, state=keys)
case("ln_transposed", "LayerNorm", lambda g: [T(g.randn(4, 3, scale=2.0)), In(g.uniform(0.5, 1.5, 3)), In(g.randn(3))],
     args=[[3]], state=["weight", "bias"])

# ---- Embedding: repeated indices accumulate; the padding row gets no gradient.
case("emb_2d", "Embedding", lambda g: [const(torch.tensor([[1, 4, 1, 0], [9, 4, 4, 2]])), In(g.randn(10, 3))],
     args=[10, 3], state=["weight"])
case("emb_1d", "Embedding", lambda g: [const(torch.tensor([3, 3, 3, 0, 5])), In(g.randn(6, 4))], args=[6, 4], state=["weight"])
case("emb_padding", "Embedding", lambda g: [const(torch.tensor([[2, 0, 2], [1, 2, 3]])), In(g.randn(5, 3))],
     args=[5, 3], options={"paddingIdx": 2}, state=["weight"])
case("emb_padding_negative", "Embedding", lambda g: [const(torch.tensor([4, 1, 4, 4])), In(g.randn(5, 2))],
     args=[5, 2], options={"paddingIdx": -1}, state=["weight"])

# ---- Elementwise losses: every reduction, each option, a target that needs grad.


def pair(draw_x: Callable[[Gen], torch.Tensor], draw_t: Callable[[Gen], torch.Tensor], target_grad: bool = True) -> Callable[[Gen], list[In]]:
    return lambda g: [In(draw_x(g)), In(draw_t(g), grad=target_grad)]


def spread(g: Gen) -> torch.Tensor:
    """Differences up to +-3: both sides of the smooth L1 and Huber thresholds."""
    return g.randn(4, 5, scale=1.5)


for r in REDUCTIONS:
    case(f"l1_{r}", "L1Loss", pair(spread, spread), options={"reduction": r})
    case(f"smoothL1_{r}", "SmoothL1Loss", pair(spread, spread), options={"reduction": r})
    case(f"huber_{r}", "HuberLoss", pair(spread, spread), options={"reduction": r})
case("smoothL1_beta", "SmoothL1Loss", pair(spread, spread), options={"beta": 0.5})
case("smoothL1_beta_large_sum", "SmoothL1Loss", pair(spread, spread), options={"beta": 2.5, "reduction": "sum"})
case("smoothL1_beta0", "SmoothL1Loss", pair(spread, spread), options={"beta": 0.0})
case("huber_delta", "HuberLoss", pair(spread, spread), options={"delta": 0.5})
case("huber_delta_large_none", "HuberLoss", pair(spread, spread), options={"delta": 2.0, "reduction": "none"})
case("l1_transposed", "L1Loss", lambda g: [T(g.randn(4, 3)), In(g.randn(4, 3))])
case("l1_ties", "L1Loss", lambda g: [In(torch.tensor([1.0, -2.0, 0.5])), In(torch.tensor([1.0, 0.0, 0.5]))], options={"reduction": "sum"})


def probs(g: Gen, *shape: int) -> torch.Tensor:
    return g.uniform(0.02, 0.98, *shape)


for r in REDUCTIONS:
    case(f"bce_{r}", "BCELoss", lambda g: [In(probs(g, 4, 3)), In(probs(g, 4, 3))], options={"reduction": r})
    case(f"bceLogits_{r}", "BCEWithLogitsLoss", lambda g: [In(g.randn(4, 3, scale=3.0)), In(probs(g, 4, 3))], options={"reduction": r})
case("bce_hard_targets", "BCELoss", lambda g: [In(probs(g, 6)), const(g.mask(6).float())])
case("bce_weight_row", "BCELoss", lambda g: [In(probs(g, 4, 3)), const(g.mask(4, 3).float()), const(g.uniform(0.5, 2.0, 3))],
     tensorOptions={"weight": 2}, inputs=2)
case("bce_weight_full_sum", "BCELoss", lambda g: [In(probs(g, 4, 3)), In(probs(g, 4, 3)), const(g.uniform(0.5, 2.0, 4, 3))],
     options={"reduction": "sum"}, tensorOptions={"weight": 2}, inputs=2)
# Probabilities at 0 and 1: the logs clamp at -100 as PyTorch's do.
case("bce_clamped", "BCELoss", lambda g: [In(torch.tensor([0.0, 1.0, 0.0, 1.0])), const(torch.tensor([1.0, 0.0, 0.0, 1.0]))],
     options={"reduction": "none"})
case("bceLogits_weight", "BCEWithLogitsLoss", lambda g: [In(g.randn(4, 3, scale=3.0)), const(g.mask(4, 3).float()), const(g.uniform(0.5, 2.0, 3))],
     tensorOptions={"weight": 2}, inputs=2)
case("bceLogits_posWeight", "BCEWithLogitsLoss", lambda g: [In(g.randn(4, 3, scale=3.0)), In(probs(g, 4, 3)), const(g.uniform(0.5, 3.0, 3))],
     tensorOptions={"posWeight": 2}, inputs=2)
case("bceLogits_both_sum", "BCEWithLogitsLoss",
     lambda g: [In(g.randn(5, 2, scale=3.0)), In(probs(g, 5, 2)), const(g.uniform(0.5, 2.0, 5, 1)), const(g.uniform(0.5, 3.0, 2))],
     options={"reduction": "sum"}, tensorOptions={"weight": 2, "posWeight": 3}, inputs=2)
# Logits far beyond where exp overflows float32: stable as PyTorch's.
case("bceLogits_extreme", "BCEWithLogitsLoss",
     lambda g: [In(torch.tensor([-120.0, -40.0, -15.0, 15.0, 40.0, 120.0])), const(torch.tensor([1.0, 0.0, 1.0, 0.0, 1.0, 0.0]))],
     options={"reduction": "none"})
case("bceLogits_extreme_posWeight", "BCEWithLogitsLoss",
     lambda g: [In(torch.tensor([[-90.0, 35.0], [60.0, -20.0]])), const(torch.tensor([[1.0, 0.0], [0.0, 1.0]])), const(torch.tensor([2.0, 0.5]))],
     tensorOptions={"posWeight": 2}, inputs=2)

# ---- KL divergence of log-probabilities from probabilities (or log-probabilities).


def log_probs(g: Gen, *shape: int) -> torch.Tensor:
    return torch.log_softmax(g.randn(*shape, scale=1.5), dim=-1)


def target_probs(g: Gen, *shape: int) -> torch.Tensor:
    return torch.softmax(g.randn(*shape), dim=-1)


for r in (*REDUCTIONS, "batchmean"):
    case(f"kl_{r}", "KLDivLoss", lambda g: [In(log_probs(g, 4, 5)), In(target_probs(g, 4, 5))], options={"reduction": r})
    case(f"kl_logTarget_{r}", "KLDivLoss", lambda g: [In(log_probs(g, 3, 4)), In(torch.log(target_probs(g, 3, 4)))],
         options={"reduction": r, "logTarget": True})
case("kl_batchmean_3d", "KLDivLoss", lambda g: [In(log_probs(g, 2, 3, 4)), const(target_probs(g, 2, 3, 4))], options={"reduction": "batchmean"})
# A zero target contributes nothing (0 log 0 = 0); its gradient would be NaN, so it needs none.
case("kl_zero_target", "KLDivLoss", lambda g: [In(log_probs(g, 2, 3)), const(torch.tensor([[0.0, 0.25, 0.75], [0.5, 0.0, 0.5]]))],
     options={"reduction": "sum"})

# ---- NLL and cross-entropy: class indices (weights, ignoreIndex, label smoothing)
# and probabilities; [N, C], [C] and [N, C, d...] inputs.


def classes(g: Gen, c: int, *shape: int, ignore: int | None = None) -> torch.Tensor:
    t = g.ints(c, *shape)
    if ignore is not None:
        # About a third of the targets ignored, never all.
        t = torch.where(g.uniform(0.0, 1.0, *shape) < 0.35, torch.tensor(ignore), t)
        t.view(-1)[0] = (ignore + 1) % c if 0 <= ignore < c else 0
    return t


def weight(g: Gen, c: int) -> In:
    return const(g.uniform(0.3, 2.0, c))


for r in REDUCTIONS:
    case(f"nll_{r}", "NLLLoss", lambda g: [In(log_probs(g, 6, 4)), const(classes(g, 4, 6))], options={"reduction": r}, inputs=2)
    case(f"nll_weight_{r}", "NLLLoss", lambda g: [In(log_probs(g, 6, 4)), const(classes(g, 4, 6)), weight(g, 4)],
         options={"reduction": r}, tensorOptions={"weight": 2}, inputs=2)
    case(f"nll_ignore_{r}", "NLLLoss", lambda g: [In(log_probs(g, 8, 3)), const(classes(g, 3, 8, ignore=1))],
         options={"reduction": r, "ignoreIndex": 1}, inputs=2)
    case(f"nll_weight_ignore_{r}", "NLLLoss",
         lambda g: [In(log_probs(g, 8, 4)), const(classes(g, 4, 8, ignore=-100)), weight(g, 4)],
         options={"reduction": r}, tensorOptions={"weight": 2}, inputs=2)
case("nll_kdim", "NLLLoss", lambda g: [In(torch.log_softmax(g.randn(2, 3, 4), 1)), const(classes(g, 3, 2, 4)), weight(g, 3)],
     tensorOptions={"weight": 2}, inputs=2)
case("nll_kdim_none", "NLLLoss", lambda g: [In(torch.log_softmax(g.randn(2, 3, 2, 2), 1)), const(classes(g, 3, 2, 2, 2, ignore=0))],
     options={"reduction": "none", "ignoreIndex": 0}, inputs=2)
case("nll_single", "NLLLoss", lambda g: [In(log_probs(g, 5)), const(torch.tensor(3))], inputs=2)

CE_CLASS_OPTIONS: list[tuple[str, Args, bool, int | None]] = [
    # name, options, weighted, ignored class
    ("plain", {}, False, None),
    ("weight", {}, True, None),
    ("ignore", {"ignoreIndex": 2}, False, 2),
    ("smoothing", {"labelSmoothing": 0.1}, False, None),
    ("all", {"ignoreIndex": -100, "labelSmoothing": 0.25}, True, -100),
]
for r in REDUCTIONS:
    for suffix, opts, weighted, ignore in CE_CLASS_OPTIONS:

        def make_ce(g: Gen, weighted: bool = weighted, ignore: int | None = ignore) -> list[In]:
            ins = [In(g.randn(7, 5, scale=2.0)), const(classes(g, 5, 7, ignore=ignore))]
            return ins + ([weight(g, 5)] if weighted else [])

        case(f"ce_{suffix}_{r}", "CrossEntropyLoss", make_ce, options={**opts, "reduction": r},
             tensorOptions={"weight": 2} if weighted else {}, inputs=2)
    case(f"ce_probs_{r}", "CrossEntropyLoss", lambda g: [In(g.randn(4, 5, scale=2.0)), In(target_probs(g, 4, 5))],
         options={"reduction": r}, inputs=2)
    case(f"ce_probs_weight_smoothing_{r}", "CrossEntropyLoss",
         lambda g: [In(g.randn(4, 5, scale=2.0)), In(target_probs(g, 4, 5)), weight(g, 5)],
         options={"reduction": r, "labelSmoothing": 0.2}, tensorOptions={"weight": 2}, inputs=2)
case("ce_probs_weight", "CrossEntropyLoss", lambda g: [In(g.randn(6, 3, scale=2.0)), const(target_probs(g, 6, 3)), weight(g, 3)],
     tensorOptions={"weight": 2}, inputs=2)
case("ce_kdim", "CrossEntropyLoss", lambda g: [In(g.randn(2, 4, 3, 2, scale=2.0)), const(classes(g, 4, 2, 3, 2, ignore=1)), weight(g, 4)],
     options={"ignoreIndex": 1, "labelSmoothing": 0.1}, tensorOptions={"weight": 2}, inputs=2)
case("ce_kdim_none", "CrossEntropyLoss", lambda g: [In(g.randn(3, 4, 5, scale=2.0)), const(classes(g, 4, 3, 5))],
     options={"reduction": "none"}, inputs=2)
case("ce_kdim_probs", "CrossEntropyLoss", lambda g: [In(g.randn(2, 3, 4, scale=2.0)), In(torch.softmax(g.randn(2, 3, 4), 1))],
     options={"labelSmoothing": 0.1}, inputs=2)
case("ce_single", "CrossEntropyLoss", lambda g: [In(g.randn(5, scale=2.0)), const(torch.tensor(1)), weight(g, 5)],
     options={"labelSmoothing": 0.3}, tensorOptions={"weight": 2}, inputs=2)
case("ce_single_probs_none", "CrossEntropyLoss", lambda g: [In(g.randn(5, scale=2.0)), In(target_probs(g, 5))],
     options={"reduction": "none"}, inputs=2)
case("ce_transposed", "CrossEntropyLoss", lambda g: [T(g.randn(6, 4, scale=2.0)), const(classes(g, 4, 6))], inputs=2)
case("ce_extreme", "CrossEntropyLoss", lambda g: [In(g.randn(4, 5, scale=40.0) - 100.0), const(classes(g, 5, 4)), weight(g, 5)],
     options={"labelSmoothing": 0.1}, tensorOptions={"weight": 2}, inputs=2)


def run_with_buffers(c: Case) -> dict[str, torch.Tensor]:
    """The runner's tensors and the module's buffers after the forward pass."""
    AFTER.clear()
    tensors = mf.run_case(c)
    tensors.update(AFTER)
    return tensors


def main() -> None:
    mf.write_fixtures(CASES, OUT_DIR, run_with_buffers)


if __name__ == "__main__":
    torch.set_num_threads(1)
    main()
