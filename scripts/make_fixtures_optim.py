"""Writes the PyTorch parity fixtures of ferrograd's optimizers and learning-rate
schedulers to fixtures/torch/optim/.

Optimizers: a small fixed model, Linear(4, 3) - Tanh - Linear(3, 2) with a mean
MSE loss on fixed data, trained for 20 steps by every optimizer variant (SGD,
Adam, AdamW, RMSprop, Adagrad; with and without momentum, weight decay,
AMSGrad, Nesterov, centering, parameter groups, maximize, and with a OneCycleLR
schedule changing lr and momentum between steps). One safetensors file per
variant; `__test__/optim-parity.test.ts` replays them through the TypeScript API
and `crates/ferrograd/tests/optim_parity.rs` through the core's Rust API.

Schedulers: every scheduler's learning rates over 30 steps (and OneCycleLR's
momentum), on an SGD or Adam optimizer with two parameter groups, in one JSON
file, `schedulers.json`, replayed by `__test__/optim-parity.test.ts`.

Run it from the repository root, in the virtual environment of
`scripts/make_fixtures.py` (see its docstring):

    /tmp/torchenv/bin/python scripts/make_fixtures_optim.py

It deletes the old files of fixtures/torch/optim/ and writes new ones; the same
pinned versions give byte-identical files. Rerun it only when a case is added
or changed, and commit what it writes.

Optimizer file layout (float32):
    x, y                    the data: [8, 4] inputs and [8, 2] targets
    param.i                 the initial parameters, in model.parameters() order
                            (0.weight [3, 4], 0.bias [3], 2.weight [2, 3], 2.bias [2])
    loss                    [20]: the loss before each step
    step.k.param.i          parameter i after step k (k = 1..20)
    state.i.NAME            the optimizer's state tensor NAME of parameter i after
                            the last step (PyTorch's names: exp_avg, sum, ...)
`__metadata__` (strings; JSON where noted):
    optimizer               the class name (`Adam`)
    groups                  JSON: the parameter groups, each
                            {"params": [indices], options...}, options as the
                            TypeScript API names them ({"weightDecay": 0.1})
    options                 JSON: the constructor's default options, same spelling
    steps                   the number of steps
    schedule                JSON, only where a scheduler ran: per step, per group,
                            the hyperparameters the step used ({"lr", "momentum"
                            or "betas"}), and `scheduler`: JSON of the scheduler
                            ({"name", "args", "options"})
    state_steps             JSON: parameter index -> its state's step count
                            (absent for SGD, which keeps none)
    torch                   the torch version that wrote the file
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import save_file

from make_fixtures import Gen, sort_metadata

OUT_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "torch" / "optim"
STEPS = 20
SCHED_STEPS = 30


def snake(name: str) -> str:
    """The PyTorch spelling of a TypeScript option name (`weightDecay` -> `weight_decay`)."""
    return re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), name)


def torch_options(options: dict[str, Any]) -> dict[str, Any]:
    return {snake(k): tuple(v) if isinstance(v, list) else v for k, v in options.items()}


OPTIMIZERS = {
    "SGD": torch.optim.SGD,
    "Adam": torch.optim.Adam,
    "AdamW": torch.optim.AdamW,
    "RMSprop": torch.optim.RMSprop,
    "Adagrad": torch.optim.Adagrad,
}

SCHEDULERS = {
    "StepLR": torch.optim.lr_scheduler.StepLR,
    "MultiStepLR": torch.optim.lr_scheduler.MultiStepLR,
    "ExponentialLR": torch.optim.lr_scheduler.ExponentialLR,
    "CosineAnnealingLR": torch.optim.lr_scheduler.CosineAnnealingLR,
    "LinearLR": torch.optim.lr_scheduler.LinearLR,
    "OneCycleLR": torch.optim.lr_scheduler.OneCycleLR,
    "ReduceLROnPlateau": torch.optim.lr_scheduler.ReduceLROnPlateau,
}


def make_optimizer(name: str, params: list[torch.Tensor], groups: list[dict] | None, options: dict) -> torch.optim.Optimizer:
    if groups is None:
        return OPTIMIZERS[name](params, **torch_options(options))
    torch_groups = [{**torch_options({k: v for k, v in g.items() if k != "params"}), "params": [params[i] for i in g["params"]]} for g in groups]
    return OPTIMIZERS[name](torch_groups, **torch_options(options))


def make_scheduler(opt: torch.optim.Optimizer, spec: dict) -> Any:
    return SCHEDULERS[spec["name"]](opt, *spec.get("args", []), **torch_options(spec.get("options", {})))


def momentum_of(group: dict) -> dict[str, Any]:
    """The hyperparameters a scheduler may change, as the TypeScript API names them."""
    out: dict[str, Any] = {"lr": group["lr"]}
    if "betas" in group:
        out["betas"] = list(group["betas"])
    elif "momentum" in group:
        out["momentum"] = group["momentum"]
    return out


# ---- optimizers ----------------------------------------------------------------------

# (file name, optimizer, default options, parameter groups or None, scheduler or None)
OPT_CASES: list[tuple[str, str, dict, list[dict] | None, dict | None]] = [
    ("sgd", "SGD", {"lr": 0.1}, None, None),
    ("sgd_momentum", "SGD", {"lr": 0.05, "momentum": 0.9}, None, None),
    ("sgd_dampening_wd", "SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3, "weightDecay": 0.05}, None, None),
    ("sgd_nesterov_wd", "SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weightDecay": 0.01}, None, None),
    ("sgd_maximize", "SGD", {"lr": 0.02, "momentum": 0.5, "maximize": True}, None, None),
    (
        "sgd_groups",
        "SGD",
        {"lr": 0.05, "momentum": 0.9},
        [{"params": [0, 1], "lr": 0.1, "weightDecay": 0.01}, {"params": [2, 3], "momentum": 0.5, "nesterov": True}],
        None,
    ),
    (
        "sgd_onecycle",
        "SGD",
        {"lr": 0.05, "momentum": 0.9},
        None,
        {"name": "OneCycleLR", "args": [0.2], "options": {"totalSteps": STEPS}},
    ),
    ("adam", "Adam", {"lr": 0.01}, None, None),
    ("adam_wd", "Adam", {"lr": 0.01, "weightDecay": 0.1}, None, None),
    ("adam_amsgrad", "Adam", {"lr": 0.02, "amsgrad": True}, None, None),
    ("adam_amsgrad_wd", "Adam", {"lr": 0.02, "amsgrad": True, "weightDecay": 0.05}, None, None),
    ("adam_betas_eps", "Adam", {"lr": 0.01, "betas": [0.8, 0.95], "eps": 1e-4}, None, None),
    ("adam_maximize", "Adam", {"lr": 0.01, "maximize": True}, None, None),
    (
        "adam_groups",
        "Adam",
        {"lr": 0.01},
        [{"params": [0, 1], "lr": 0.03, "amsgrad": True}, {"params": [2, 3], "weightDecay": 0.1, "betas": [0.5, 0.9]}],
        None,
    ),
    (
        "adam_onecycle",
        "Adam",
        {"lr": 0.01},
        None,
        {"name": "OneCycleLR", "args": [0.05], "options": {"totalSteps": STEPS, "annealStrategy": "linear", "threePhase": True}},
    ),
    ("adamw", "AdamW", {"lr": 0.01}, None, None),
    ("adamw_wd_amsgrad", "AdamW", {"lr": 0.02, "weightDecay": 0.2, "amsgrad": True}, None, None),
    ("rmsprop", "RMSprop", {"lr": 0.01}, None, None),
    ("rmsprop_alpha_wd", "RMSprop", {"lr": 0.005, "alpha": 0.9, "weightDecay": 0.05, "eps": 1e-6}, None, None),
    ("rmsprop_momentum", "RMSprop", {"lr": 0.005, "momentum": 0.9}, None, None),
    ("rmsprop_centered", "RMSprop", {"lr": 0.005, "centered": True}, None, None),
    ("rmsprop_centered_momentum", "RMSprop", {"lr": 0.002, "centered": True, "momentum": 0.8, "weightDecay": 0.01}, None, None),
    ("adagrad", "Adagrad", {"lr": 0.1}, None, None),
    (
        "adagrad_decay_wd_init",
        "Adagrad",
        {"lr": 0.1, "lrDecay": 0.05, "weightDecay": 0.05, "initialAccumulatorValue": 0.1, "eps": 1e-6},
        None,
        None,
    ),
]


def model_and_data() -> tuple[torch.nn.Module, torch.Tensor, torch.Tensor]:
    """The fixed model and data: every case starts from the same parameters."""
    g = Gen("optim/model")
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Tanh(), torch.nn.Linear(3, 2))
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(g.uniform(-0.8, 0.8, *p.shape))
    x = g.randn(8, 4)
    y = g.uniform(-1.0, 1.0, 8, 2)
    return model, x, y


def run_optimizer(name: str, opt_name: str, options: dict, groups: list[dict] | None, sched: dict | None) -> None:
    model, x, y = model_and_data()
    params = list(model.parameters())
    tensors: dict[str, torch.Tensor] = {"x": x, "y": y}
    for i, p in enumerate(params):
        tensors[f"param.{i}"] = p.detach().clone()
    opt = make_optimizer(opt_name, params, groups, options)
    scheduler = make_scheduler(opt, sched) if sched else None
    losses, schedule = [], []
    for k in range(1, STEPS + 1):
        loss = torch.nn.functional.mse_loss(model(x), y)
        losses.append(loss.item())
        opt.zero_grad()
        loss.backward()
        schedule.append([momentum_of(g) for g in opt.param_groups])
        opt.step()
        if scheduler is not None:
            scheduler.step()
        for i, p in enumerate(params):
            tensors[f"step.{k}.param.{i}"] = p.detach().clone()
    tensors["loss"] = torch.tensor(losses, dtype=torch.float32)
    state_steps = {}
    for i, p in enumerate(params):
        for key, value in opt.state[p].items():
            if key == "step":
                state_steps[str(i)] = int(value.item())
            elif value is not None:
                tensors[f"state.{i}.{key}"] = value.detach().clone()
    metadata = {
        "optimizer": opt_name,
        "options": json.dumps(options, sort_keys=True),
        "groups": json.dumps(groups if groups is not None else [{"params": list(range(len(params)))}], sort_keys=True),
        "steps": str(STEPS),
        "torch": torch.__version__.split("+")[0],
    }
    if state_steps:
        metadata["state_steps"] = json.dumps(state_steps, sort_keys=True)
    if sched:
        metadata["scheduler"] = json.dumps(sched, sort_keys=True)
        metadata["schedule"] = json.dumps(schedule, sort_keys=True)
    path = OUT_DIR / f"{name}.safetensors"
    save_file({k: v.contiguous() for k, v in tensors.items()}, str(path), metadata=metadata)
    sort_metadata(path)


# ---- schedulers ------------------------------------------------------------------------

# Two groups with different rates, so per-group arithmetic shows.
SGD_GROUPS = {"optimizer": "SGD", "options": {"lr": 0.1, "momentum": 0.9}, "groups": [{"lr": 0.1}, {"lr": 0.01}]}
ADAM_GROUPS = {"optimizer": "Adam", "options": {"lr": 0.01}, "groups": [{"lr": 0.01}, {"lr": 0.001, "betas": [0.8, 0.99]}]}

# Each case: name, optimizer spec, schedulers (several step the same optimizer in
# turn, as PyTorch's chainable form allows), and optionally `epochs` (step(epoch),
# the closed form), `metrics` (ReduceLROnPlateau) or `initialLr` (set on the
# groups before a scheduler resumes with lastEpoch).
SCHED_CASES: list[dict[str, Any]] = [
    {"name": "step", **SGD_GROUPS, "schedulers": [{"name": "StepLR", "args": [7], "options": {"gamma": 0.5}}]},
    {"name": "step_default_gamma", **SGD_GROUPS, "schedulers": [{"name": "StepLR", "args": [4]}]},
    {"name": "multistep", **SGD_GROUPS, "schedulers": [{"name": "MultiStepLR", "args": [[20, 5, 12, 12]], "options": {"gamma": 0.3}}]},
    {"name": "exponential", **SGD_GROUPS, "schedulers": [{"name": "ExponentialLR", "args": [0.9]}]},
    {"name": "cosine", **SGD_GROUPS, "schedulers": [{"name": "CosineAnnealingLR", "args": [10], "options": {"etaMin": 0.001}}]},
    {"name": "cosine_zero_min", **ADAM_GROUPS, "schedulers": [{"name": "CosineAnnealingLR", "args": [7]}]},
    {"name": "linear_warmup", **SGD_GROUPS, "schedulers": [{"name": "LinearLR", "options": {"startFactor": 0.25, "totalIters": 8}}]},
    {"name": "linear_default", **SGD_GROUPS, "schedulers": [{"name": "LinearLR"}]},
    {"name": "linear_decay", **SGD_GROUPS, "schedulers": [{"name": "LinearLR", "options": {"startFactor": 1.0, "endFactor": 0.1, "totalIters": 10}}]},
    {"name": "onecycle_sgd", **SGD_GROUPS, "schedulers": [{"name": "OneCycleLR", "args": [[1.0, 0.1]], "options": {"totalSteps": SCHED_STEPS}}]},
    {
        "name": "onecycle_adam_three_phase",
        **ADAM_GROUPS,
        "schedulers": [
            {
                "name": "OneCycleLR",
                "args": [0.05],
                "options": {"epochs": 5, "stepsPerEpoch": 6, "annealStrategy": "linear", "threePhase": True, "pctStart": 0.25,
                            "baseMomentum": [0.8, 0.7], "maxMomentum": 0.9, "divFactor": 10.0, "finalDivFactor": 100.0},
            }
        ],
    },
    {"name": "onecycle_no_momentum", **SGD_GROUPS, "schedulers": [{"name": "OneCycleLR", "args": [0.5], "options": {"totalSteps": 40, "cycleMomentum": False}}]},
    {
        "name": "plateau_min",
        **SGD_GROUPS,
        "schedulers": [{"name": "ReduceLROnPlateau", "options": {"factor": 0.5, "patience": 2, "threshold": 0.01, "cooldown": 1, "minLr": [0.01, 0.001]}}],
        "metrics": [1.0, 0.9, 0.85, 0.849, 0.85, 0.86, 0.7, 0.71, 0.7, 0.7, 0.7, 0.69, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5,
                    0.49, 0.4, 0.4, 0.41, 0.42, 0.43, 0.44, 0.45, 0.3, 0.3, 0.3, 0.3],
    },
    {
        "name": "plateau_max_abs",
        **ADAM_GROUPS,
        "schedulers": [{"name": "ReduceLROnPlateau", "options": {"mode": "max", "thresholdMode": "abs", "threshold": 0.05, "patience": 1, "factor": 0.2}}],
        "metrics": [0.1, 0.2, 0.22, 0.24, 0.5, 0.5, 0.52, 0.6, 0.61, 0.62, 0.63, 0.7, 0.71, 0.72, 0.73, 0.74, 0.8, 0.8, 0.8, 0.8,
                    0.9, 0.91, 0.92, 0.93, 0.94, 0.95, 0.96, 0.97, 0.98, 0.99],
    },
    {
        "name": "chained_step_exponential",
        **SGD_GROUPS,
        "schedulers": [{"name": "StepLR", "args": [5], "options": {"gamma": 0.5}}, {"name": "ExponentialLR", "args": [0.95]}],
    },
    {
        "name": "chained_warmup_cosine",
        **SGD_GROUPS,
        "schedulers": [{"name": "LinearLR", "options": {"startFactor": 0.1, "totalIters": 5}}, {"name": "CosineAnnealingLR", "args": [30]}],
    },
    {"name": "step_epochs", **SGD_GROUPS, "schedulers": [{"name": "StepLR", "args": [3], "options": {"gamma": 0.5}}], "epochs": [1, 2, 5, 9, 9, 3, 12, 30]},
    {"name": "multistep_epochs", **SGD_GROUPS, "schedulers": [{"name": "MultiStepLR", "args": [[2, 6, 6]]}], "epochs": [1, 6, 3, 10]},
    {"name": "exponential_epochs", **SGD_GROUPS, "schedulers": [{"name": "ExponentialLR", "args": [0.5]}], "epochs": [3, 1, 7]},
    {"name": "cosine_epochs", **SGD_GROUPS, "schedulers": [{"name": "CosineAnnealingLR", "args": [8], "options": {"etaMin": 0.002}}], "epochs": [4, 8, 13, 2, 20]},
    {"name": "linear_epochs", **SGD_GROUPS, "schedulers": [{"name": "LinearLR", "options": {"totalIters": 6}}], "epochs": [2, 9, 4]},
    {
        "name": "cosine_resume",
        **SGD_GROUPS,
        "initialLr": [0.2, 0.02],
        "schedulers": [{"name": "CosineAnnealingLR", "args": [10], "options": {"lastEpoch": 4}}],
    },
    {
        "name": "linear_resume",
        **SGD_GROUPS,
        "initialLr": [0.2, 0.02],
        "schedulers": [{"name": "LinearLR", "options": {"startFactor": 0.5, "totalIters": 10, "lastEpoch": 3}}],
    },
    {
        "name": "exponential_resume",
        **SGD_GROUPS,
        "initialLr": [0.2, 0.02],
        "schedulers": [{"name": "ExponentialLR", "args": [0.8], "options": {"lastEpoch": 2}}],
    },
]


def run_scheduler_case(case: dict[str, Any]) -> dict[str, Any]:
    params = [torch.zeros(2, requires_grad=True) for _ in case["groups"]]
    groups = [{**g, "params": [i]} for i, g in enumerate(case["groups"])]
    opt = make_optimizer(case["optimizer"], params, groups, case["options"])
    if "initialLr" in case:
        for g, lr in zip(opt.param_groups, case["initialLr"]):
            g["initial_lr"] = lr
    scheds = [make_scheduler(opt, s) for s in case["schedulers"]]
    record = lambda: [momentum_of(g) for g in opt.param_groups]  # noqa: E731
    values = [record()]
    last_lrs = [[s.get_last_lr() for s in scheds]]
    steps = case.get("epochs") or range(SCHED_STEPS)
    for k, epoch in enumerate(steps):
        opt.step()
        for s in scheds:
            if "metrics" in case:
                s.step(case["metrics"][k])
            elif "epochs" in case:
                s.step(epoch)
            else:
                s.step()
        values.append(record())
        last_lrs.append([s.get_last_lr() for s in scheds])
    return {**case, "values": values, "lastLrs": last_lrs}


def main() -> None:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for old in list(OUT_DIR.glob("*.safetensors")) + list(OUT_DIR.glob("*.json")):
        old.unlink()
    names = [c[0] for c in OPT_CASES]
    assert len(names) == len(set(names)), "duplicate case names"
    for case in OPT_CASES:
        run_optimizer(*case)
    with warnings.catch_warnings():
        # step(epoch) is deprecated in PyTorch; these cases use it on purpose.
        warnings.simplefilter("ignore", UserWarning)
        sched = [run_scheduler_case(c) for c in SCHED_CASES]
    payload = {"torch": torch.__version__.split("+")[0], "steps": SCHED_STEPS, "cases": sched}
    (OUT_DIR / "schedulers.json").write_text(json.dumps(payload, indent=1, sort_keys=True) + "\n")
    print(f"wrote {len(OPT_CASES)} optimizer fixtures and {len(sched)} scheduler cases to {OUT_DIR}")


if __name__ == "__main__":
    torch.set_num_threads(1)
    main()
