"""PyTorch's side of bench/ops.mjs (`npm run bench:ops`): a persistent child process.

ops.mjs starts it once (`$PYTHON ops_torch.py`, PYTHON defaulting to python3) and talks to it
in JSON lines, one request on stdin, one answer on stdout:

  {"cmd": "hello"}
      -> {"torch", "python", "ops": [...], "modules": [...]}: what this side can run
  {"cmd": "time", "key", "case", "threads", "budget", "min_block", "seed"}
      -> {"us", "calls", "samples"} or {"error"}: builds the case from its spec (see
         ops-cases.mjs) when `key` changes (fresh data each round, reused across thread
         counts), sets torch.set_num_threads(threads) and times the call the way ops.mjs
         times ferrograd's (`measure` below and in ops.mjs), as the median in
         microseconds. Results are freed by reference counting as each call returns.
  {"cmd": "quit"}

The spec is interpreted here by OPS (op name -> torch call, the name being the
ferrograd export's without its 'Tensor.' / 'fg.' / 'F.' prefix) and, for 'nn.X', by
torch.nn.X with the same positional arguments and the options object's keys in snake
case. Progress and errors go to stderr; stdout carries only the answers.
"""
import json
import math
import re
import sys
import time

import torch
import torch.nn.functional as F

torch.set_num_interop_threads(1)


def snake(name):
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def kw(options):
    """A ferrograd options object as PyTorch keyword arguments."""
    return {snake(k): v for k, v in (options or {}).items()}


def is_t(v):
    return isinstance(v, torch.Tensor)


def reduce(method):
    """sum / mean / argmax / argmin with ferrograd's (dim?, keepdim?) arguments."""

    def f(x, dim=None, keepdim=False):
        return getattr(x, method)() if dim is None else getattr(x, method)(dim, keepdim)

    return f


def spread(method):
    """var / std: (dim?, keepdim?, {correction}?)."""

    def f(x, dim=None, keepdim=False, options=None):
        if dim is None:
            return getattr(x, method)()
        return getattr(x, method)(dim, keepdim=keepdim, correction=(options or {}).get("correction", 1))

    return f


def extreme(method, elementwise):
    """max / min: the whole tensor, (values, indices) along a dim, or elementwise with a tensor."""

    def f(x, arg=None, keepdim=False):
        if arg is None:
            return getattr(x, method)()
        if is_t(arg):
            return elementwise(x, arg)
        return getattr(x, method)(arg, keepdim)

    return f


def bound(tensor_fn, clamp_name):
    """maximum / minimum with a plain number on either side: clamp_min / clamp_max."""

    def f(a, b):
        if is_t(a) and is_t(b):
            return tensor_fn(a, b)
        if is_t(a):
            return getattr(a, clamp_name)(b)
        return getattr(b, clamp_name)(a)

    return f


DTYPES = {"float32": torch.float32, "float64": torch.float64, "int32": torch.int32, "int64": torch.int64, "bool": torch.bool}

OPS = {
    # arithmetic (a number may stand on either side) and comparisons
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a**b,
    "maximum": bound(torch.maximum, "clamp_min"),
    "minimum": bound(torch.minimum, "clamp_max"),
    "eq": torch.eq,
    "ne": torch.ne,
    "lt": torch.lt,
    "le": torch.le,
    "gt": torch.gt,
    "ge": torch.ge,
    # unary and activations
    "neg": torch.neg,
    "exp": torch.exp,
    "log": torch.log,
    "sqrt": torch.sqrt,
    "abs": torch.abs,
    "clamp": lambda x, lo=None, hi=None: torch.clamp(x, lo, hi),
    "relu": torch.relu,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "gelu": F.gelu,
    "silu": F.silu,
    "softplus": F.softplus,
    "leakyRelu": lambda x, slope=0.01: F.leaky_relu(x, slope),
    "hardtanh": lambda x, lo=-1.0, hi=1.0: F.hardtanh(x, lo, hi),
    "softmax": lambda x, dim: torch.softmax(x, dim),
    "logSoftmax": lambda x, dim: torch.log_softmax(x, dim),
    # reductions
    "sum": reduce("sum"),
    "mean": reduce("mean"),
    "argmax": reduce("argmax"),
    "argmin": reduce("argmin"),
    "max": extreme("max", torch.maximum),
    "min": extreme("min", torch.minimum),
    "var": spread("var"),
    "std": spread("std"),
    "matmul": torch.matmul,
    # views and copies
    "reshape": lambda x, *shape: x.reshape(*shape),
    "view": lambda x, *shape: x.view(*shape),
    "flatten": lambda x, start=0, end=-1: x.flatten(start, end),
    "squeeze": lambda x, dim=None: x.squeeze() if dim is None else x.squeeze(dim),
    "unsqueeze": lambda x, dim: x.unsqueeze(dim),
    "transpose": lambda x, d0, d1: x.transpose(d0, d1),
    "t": lambda x: x.t(),
    "T": lambda x: x.T,
    "permute": lambda x, *dims: x.permute(*dims),
    "expand": lambda x, *shape: x.expand(*shape),
    "narrow": lambda x, dim, start, length: x.narrow(dim, start, length),
    "contiguous": lambda x: x.contiguous(),
    "clone": lambda x: x.clone(),
    "detach": lambda x: x.detach(),
    "cat": lambda ts, dim=0: torch.cat(ts, dim),
    "stack": lambda ts, dim=0: torch.stack(ts, dim),
    "to": lambda x, dtype: x.to(DTYPES[dtype]),
    "float": lambda x: x.float(),
    "double": lambda x: x.double(),
    "long": lambda x: x.long(),
    "int": lambda x: x.int(),
    "bool": lambda x: x.bool(),
    # indexing
    "indexSelect": lambda x, dim, idx: torch.index_select(x, dim, idx),
    "gather": lambda x, dim, idx: torch.gather(x, dim, idx),
    "where": torch.where,
    "maskedFill": lambda x, mask, value: x.masked_fill(mask, value),
    # factories
    "zeros": lambda shape: torch.zeros(shape),
    "ones": lambda shape: torch.ones(shape),
    "full": lambda shape, value: torch.full(shape, value),
    "rand": lambda shape: torch.rand(shape),
    "randn": lambda shape: torch.randn(shape),
    "randint": lambda low, high, shape: torch.randint(low, high, shape),
    "randperm": lambda n: torch.randperm(n),
    "arange": lambda *a: torch.arange(*a),
    "linspace": lambda a, b, n: torch.linspace(a, b, n),
    "eye": lambda n, m=None: torch.eye(n) if m is None else torch.eye(n, m),
    "zerosLike": torch.zeros_like,
    "onesLike": torch.ones_like,
    # nn.functional
    "linear": lambda x, w, b=None: F.linear(x, w, b),
    "conv1d": lambda x, w, b=None, o=None: F.conv1d(x, w, b, **kw(o)),
    "conv2d": lambda x, w, b=None, o=None: F.conv2d(x, w, b, **kw(o)),
    "maxPool2d": lambda x, k, o=None: F.max_pool2d(x, k, **kw(o)),
    "avgPool2d": lambda x, k, o=None: F.avg_pool2d(x, k, **kw(o)),
    "adaptiveAvgPool2d": F.adaptive_avg_pool2d,
    "dropout": lambda x, o=None: F.dropout(x, (o or {}).get("p", 0.5), (o or {}).get("training", True)),
    "layerNorm": lambda x, shape, o=None: F.layer_norm(x, shape, **kw(o)),
    "batchNorm": lambda x, rm, rv, o=None: F.batch_norm(x, rm, rv, **kw(o)),
    "embedding": lambda idx, w, o=None: F.embedding(idx, w, **kw(o)),
    "mseLoss": lambda a, b, o=None: F.mse_loss(a, b, **kw(o)),
    "l1Loss": lambda a, b, o=None: F.l1_loss(a, b, **kw(o)),
    "smoothL1Loss": lambda a, b, o=None: F.smooth_l1_loss(a, b, **kw(o)),
    "huberLoss": lambda a, b, o=None: F.huber_loss(a, b, **kw(o)),
    "binaryCrossEntropy": lambda a, b, o=None: F.binary_cross_entropy(a, b, **kw(o)),
    "binaryCrossEntropyWithLogits": lambda a, b, o=None: F.binary_cross_entropy_with_logits(a, b, **kw(o)),
    "crossEntropy": lambda a, b, o=None: F.cross_entropy(a, b, **kw(o)),
    "nllLoss": lambda a, b, o=None: F.nll_loss(a, b, **kw(o)),
    "klDiv": lambda a, b, o=None: F.kl_div(a, b, **kw(o)),
}

# ferrograd names of nn layers that differ from torch.nn's (none so far).
MODULE_NAMES = {}


def module_class(name):
    return getattr(torch.nn, MODULE_NAMES.get(name, name), None)


def build_module(name, ctor):
    """torch.nn.<name>(*positional, **options): nested {nn, ctor} specs become modules."""
    args = []
    options = {}
    for a in ctor or []:
        if isinstance(a, dict) and "nn" in a:
            args.append(build_module(a["nn"], a.get("ctor")))
        elif isinstance(a, dict):
            options = kw(a)
        else:
            args.append(a)
    return module_class(name)(*args, **options)


def make_input(d, bwd):
    """The tensor of an input spec: distribution, dtype, layout as ops-cases.mjs says."""
    shape = list(d["shape"])
    nd = len(shape)
    layout = d.get("layout", "c")
    storage = shape
    if layout == "t":
        storage = shape[:-2] + [shape[-1], shape[-2]]
    elif layout == "n":
        storage = shape[:-1] + [shape[-1] + 16]
    elif layout == "e":
        storage = [1] + shape[1:]
    dist = d.get("dist", "randn")
    if dist == "randn":
        x = torch.randn(storage)
    elif dist == "pos":
        x = torch.rand(storage) + 0.5
    elif dist == "unit":
        x = torch.rand(storage) * 0.98 + 0.01
    elif dist == "int":
        x = torch.randint(0, d["high"], storage)
    elif dist == "bool":
        x = torch.rand(storage) < 0.5
    elif dist == "zeros":
        x = torch.zeros(storage)
    elif dist == "ones":
        x = torch.ones(storage)
    else:
        raise ValueError(f"unknown dist {dist}")
    if d.get("dtype") == "float64":
        x = x.double()
    if layout == "t":
        x = x.transpose(nd - 2, nd - 1)
    elif layout == "n":
        x = x.narrow(nd - 1, 1, shape[-1])
    elif layout == "e":
        x = x.expand(shape)
    if bwd and x.is_floating_point() and d.get("grad", True):
        x = x.detach().requires_grad_()
    return x


REF = re.compile(r"^\$(\d+)$")


def resolve(v, inputs):
    if isinstance(v, str):
        m = REF.match(v)
        return inputs[int(m.group(1))] if m else v
    if isinstance(v, list):
        return [resolve(x, inputs) for x in v]
    if isinstance(v, dict):
        return {k: resolve(x, inputs) for k, x in v.items()}
    return v


def primary(r):
    """The tensor backward starts from: the output, the values of (values, indices), the first of a tuple."""
    return r if is_t(r) else primary(r[0])


def build(case):
    """(function timed, what to keep alive) for a case spec."""
    bwd = case["bwd"]
    inputs = [make_input(d, bwd) for d in case["inputs"]]
    args = resolve(case["args"], inputs)
    space, name = case["op"].split(".", 1)
    module = None
    if space == "nn":
        module = build_module(name, case.get("ctor"))
        if case.get("train") is False:
            module.eval()
        call = module
    else:
        call = OPS[name]
    leaves = [x for x in inputs if x.requires_grad]

    def run():
        return call(*args)

    if not bwd:
        f = run
    else:
        out = primary(run())
        g = torch.randn(out.shape) if out.dim() else None
        del out

        def f():
            primary(run()).backward(g)
            for x in leaves:
                x.grad = None
            if module is not None:
                module.zero_grad(set_to_none=True)

    f()  # a first call: errors surface here, and the grads are reset
    return f, (inputs, module)


def measure(fn, budget, min_block, max_samples=200):
    """The median per-call time in seconds over samples of k calls each, k making a sample
    last at least `min_block`, as many samples as fit in `budget` (3 to max_samples),
    after one or two warm-up calls. The same procedure as `measure` in ops.mjs."""
    t = time.perf_counter()
    fn()
    e = time.perf_counter() - t
    if e < budget / 4:
        t = time.perf_counter()
        fn()
        e = min(e, time.perf_counter() - t)
    e = max(e, 5e-8)
    k = max(1, math.ceil(min_block / e))
    n = min(max_samples, max(3, math.floor(budget / (k * e))))
    times = []
    for _ in range(n):
        t = time.perf_counter()
        for _ in range(k):
            fn()
        times.append((time.perf_counter() - t) / k)
    times.sort()
    m = len(times) // 2
    return (times[m] if len(times) % 2 else (times[m - 1] + times[m]) / 2), k, n


def main():
    current = {"key": None, "fn": None, "error": None, "keep": None}
    threads = None
    out = sys.stdout
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        req = json.loads(line)
        cmd = req.get("cmd")
        try:
            if cmd == "hello":
                modules = [n for n in dir(torch.nn) if isinstance(getattr(torch.nn, n), type) and issubclass(getattr(torch.nn, n), torch.nn.Module)]
                answer = {"torch": torch.__version__, "python": sys.version.split()[0], "ops": sorted(OPS), "modules": sorted(modules)}
            elif cmd == "time":
                if req["key"] != current["key"]:
                    current.update(key=req["key"], fn=None, error=None, keep=None)
                    torch.manual_seed(req.get("seed", 0))
                    try:
                        current["fn"], current["keep"] = build(req["case"])
                    except Exception as e:  # noqa: BLE001 - reported to ops.mjs as the case's error
                        current["error"] = f"{type(e).__name__}: {e}"
                if current["error"]:
                    answer = {"error": current["error"]}
                else:
                    if req["threads"] != threads:
                        threads = req["threads"]
                        torch.set_num_threads(threads)
                    s, k, n = measure(current["fn"], req["budget"], req["min_block"])
                    answer = {"us": s * 1e6, "calls": k, "samples": n}
            elif cmd == "drop":
                current.update(key=None, fn=None, error=None, keep=None)
                answer = {"ok": True}
            elif cmd == "quit":
                break
            else:
                answer = {"error": f"unknown command {cmd}"}
        except Exception as e:  # noqa: BLE001
            answer = {"error": f"{type(e).__name__}: {e}"}
        out.write(json.dumps(answer) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
