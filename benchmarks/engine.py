"""Engine speed and memory: training steps against PyTorch, recording cost, Playground pace.

Run from the repository root:

    python benchmarks/engine.py [--json PATH] [--repeats N]

PyTorch is optional: without it the step table shows our engine only.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import engine.core.layers as layers_module  # noqa: E402
from engine import Config, Network, make_optimizer, train  # noqa: E402
from engine.core.allocator import keep_freed_memory  # noqa: E402
from engine.core.layers import reference_loss_and_grads  # noqa: E402
from engine.core.optimizers import Optimizer  # noqa: E402

try:
    import torch
except ImportError:
    torch = None

CORES = os.cpu_count() or 1
BLOCK_SECONDS = 0.1  # each timed block runs the function this long, roughly
PAUSE_SECONDS = 0.3  # idle time before each block (see compare)
RUN_SECONDS = 2.0  # least time spent timing train() for each config and recording setting
PLAYGROUND_EPOCHS_PER_S = 190  # TF Playground's JS engine, largest network, 2 cores (brief)
STEP_GOAL = 1.0  # torch / ours: no slower than PyTorch
RECORD_GOAL = 1.15  # recording on / off
PLAYGROUND_GOALS = {True: 200.0, False: 250.0}  # epochs/s with recording on, off
MEMORY_GOAL_MB = 100.0
# Wall time by default. --cpu-time switches to this process's CPU time, which other
# processes' load barely moves: for a shared machine, with OPENBLAS_NUM_THREADS=1 (with more
# threads it adds their times up).
CLOCK = time.perf_counter


@dataclass(frozen=True)
class NetSpec:
    """One network of the step benchmark: 2 inputs, `depth` x `width` tanh units, 1 output."""

    depth: int
    width: int
    batch: int
    residual: bool = False
    layer_norm: bool = False

    @property
    def label(self) -> str:
        """Short name for the table, e.g. 20x64 b256 res+LN."""
        extra = "+".join(n for n, on in (("res", self.residual), ("LN", self.layer_norm)) if on)
        return f"{self.depth}x{self.width} b{self.batch}" + (f" {extra}" if extra else "")


STEP_SPECS = (
    NetSpec(6, 8, 10),
    NetSpec(4, 16, 200),
    NetSpec(20, 64, 256, residual=True, layer_norm=True),
    NetSpec(50, 32, 128),
)

# TF Playground's largest network: 500 points, half for training, 6 x 8 tanh, batch 10, SGD.
PLAYGROUND = Config(
    dataset="circle",
    noise=0.1,
    samples=500,
    train_share=0.5,
    depth=6,
    width=8,
    activation="tanh",
    optimizer="sgd",
    lr=0.03,
    batch_size=10,
    loss="mse",
    output="sigmoid",
    steps=3000,
)
# Stricter: 500 *training* points, so an epoch is 50 steps instead of 25.
PLAYGROUND_500 = PLAYGROUND.replace(samples=1000)


# --- timing -------------------------------------------------------------------------------


def cpu_ticks() -> tuple[int, int] | None:
    """Busy clock ticks of the whole machine and of this process (all threads), or None."""
    try:
        machine = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        own = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, ValueError):
        return None
    # Busy = all minus idle and iowait; own = utime + stime.
    return sum(machine) - machine[3] - machine[4], int(own[11]) + int(own[12])


class Timer:
    """Times blocks of calls, repeating a block while other processes took CPU during it.

    Developers share this machine: a block that ran while someone else's tests used the
    cores measures them, not us. It is timed again (up to MAX_TRIES times) and counted.
    """

    MAX_TRIES = 3
    OTHERS_MAX = 0.1  # share of all cores that other processes may use during a block

    def __init__(self) -> None:
        self.blocks = 0
        self.retried = 0
        self.disturbed = 0  # still disturbed after MAX_TRIES

    def block(self, fn: Callable[[], object], calls: int, settle: bool = True) -> float:
        """Seconds per call of `calls` calls of fn, from a block without outside load.

        settle: pause first (see compare), then make one untimed call to wake the thread
        pools, as a training loop keeps them awake.
        """
        self.blocks += 1
        for attempt in range(self.MAX_TRIES):
            if settle:
                time.sleep(PAUSE_SECONDS)
                fn()
            before = cpu_ticks()
            t0 = CLOCK()
            for _ in range(calls):
                fn()
            seconds = CLOCK() - t0
            after = cpu_ticks()
            if before is None or after is None:
                return seconds / calls
            hz = os.sysconf("SC_CLK_TCK")
            others = (after[0] - before[0]) - (after[1] - before[1])  # ticks
            # Ticks are sampled, so allow a couple of ticks of jitter on top of the share.
            if others <= 2 + self.OTHERS_MAX * seconds * CORES * hz:
                return seconds / calls
            if attempt + 1 < self.MAX_TRIES:
                self.retried += 1
        self.disturbed += 1
        return seconds / calls


def calls_per_block(fn: Callable[[], object], warmup: int) -> int:
    """Warm fn up, then how many calls fill about BLOCK_SECONDS."""
    for _ in range(warmup):
        fn()
    t0 = CLOCK()
    fn()
    once = CLOCK() - t0
    return max(1, round(BLOCK_SECONDS / max(once, 1e-7)))


def compare(
    timer: Timer, fns: dict[str, Callable[[], object]], repeats: int, warmup: int
) -> dict[str, float]:
    """Median seconds per call of each fn, timed in alternating blocks so load hits all alike.

    Each block starts after a pause: OpenBLAS's and torch's idle worker threads keep spinning
    on the cores for a while after their last call, and would slow the other library's block.
    """
    counts = {}
    for name, fn in fns.items():
        time.sleep(PAUSE_SECONDS)
        counts[name] = calls_per_block(fn, warmup)
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            times[name].append(timer.block(fn, counts[name]))
    return {name: statistics.median(ts) for name, ts in times.items()}


# --- one training step: our engine against torch ---------------------------------------------


def batch_data(spec: NetSpec, dtype: type) -> tuple[np.ndarray, np.ndarray]:
    """A fixed random batch of inputs and regression targets."""
    rng = np.random.default_rng(1)
    X = rng.standard_normal((spec.batch, 2)).astype(dtype)
    Y = rng.standard_normal((spec.batch, 1)).astype(dtype)
    return X, Y


def our_step(spec: NetSpec, dtype: type) -> tuple[Network, Callable[[], float]]:
    """Our network and a function that runs one training step (forward, backward, Adam)."""
    net = Network(
        [2] + [spec.width] * spec.depth + [1],
        activation="tanh",
        output="identity",
        residual=spec.residual,
        layer_norm=spec.layer_norm,
        dtype=dtype,
    )
    opt = make_optimizer("adam", lr=1e-3)
    X, Y = batch_data(spec, dtype)

    def step() -> float:
        loss, grads = net.loss_and_grads(X, Y, "mse")
        opt.step(net.params, grads)
        return loss

    return net, step


def torch_step(spec: NetSpec, dtype: type, net: Network) -> Callable[[], object]:
    """The same network in torch, starting from `net`'s weights, and its training step."""
    tdtype = torch.float32 if dtype == np.float32 else torch.float64
    nn = torch.nn

    class MLP(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            sizes = [2] + [spec.width] * spec.depth
            pairs = list(zip(sizes[:-1], sizes[1:], strict=True))
            self.linears = nn.ModuleList(nn.Linear(a, b) for a, b in pairs)
            self.norms = nn.ModuleList(
                nn.LayerNorm(spec.width, eps=1e-5) if spec.layer_norm else nn.Identity()
                for _ in pairs
            )
            self.residual = [spec.residual and a == b for a, b in pairs]
            self.out = nn.Linear(spec.width, 1)

        def forward(self, h):
            for linear, norm, res in zip(self.linears, self.norms, self.residual, strict=True):
                a = torch.tanh(norm(linear(h)))
                h = h + a if res else a
            return self.out(h)

    model = MLP().to(tdtype)
    p = {name: torch.from_numpy(value.copy()) for name, value in net.params.items()}
    with torch.no_grad():
        for name, linear in zip(net.layer_names, [*model.linears, model.out], strict=True):
            linear.weight.copy_(p[f"{name}.W"].T)  # torch stores (fan_out, fan_in)
            linear.bias.copy_(p[f"{name}.b"])
        if spec.layer_norm:
            for name, norm in zip(net.layer_names, model.norms, strict=False):
                norm.weight.copy_(p[f"{name}.gamma"])
                norm.bias.copy_(p[f"{name}.beta"])
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    X, Y = (torch.from_numpy(a) for a in batch_data(spec, dtype))
    mse = nn.functional.mse_loss

    def step():
        opt.zero_grad(set_to_none=True)
        loss = mse(model(X), Y)
        loss.backward()
        opt.step()
        return loss

    return step


def step_rows(timer: Timer, repeats: int) -> list[dict]:
    """Microseconds per training step, ours and torch's, for every network and dtype."""
    rows = []
    for spec in STEP_SPECS:
        for dtype in (np.float32, np.float64):
            net, ours = our_step(spec, dtype)
            row = {"network": spec.label, "dtype": np.dtype(dtype).name}
            if torch is None:
                row["ours_us"] = compare(timer, {"ours": ours}, repeats, warmup=20)["ours"] * 1e6
                rows.append(row)
                continue
            theirs = torch_step(spec, dtype, net)
            # Same computation: the first losses agree (before either side is timed).
            pairs = [(ours(), theirs().item()) for _ in range(3)]
            row["loss_rel_diff"] = max(abs(a - b) / max(abs(b), 1e-30) for a, b in pairs)
            t = compare(timer, {"ours": ours, "torch": theirs}, repeats, warmup=20)
            row["ours_us"], row["torch_us"] = t["ours"] * 1e6, t["torch"] * 1e6
            row["ratio"] = t["torch"] / t["ours"]
            row["pass"] = row["ratio"] >= STEP_GOAL
            rows.append(row)
    return rows


# --- speed tricks: each measured against the plain code it would replace ----------------------
#
# The engine computes every layer with the reference layer functions (engine/core/layers.py).
# A trick earns its place only if it buys at least TRICK_GOAL on some network. Kept: sums
# as BLAS products (measured by swapping in NumPy's sums) and the allocator tweak (measured
# in child processes). Measured and left out: Adam with one scratch vector (InPlaceAdam).

TRICK_GOAL = 1.05  # plain / with trick

# The engine's sums as BLAS products (engine/core/layers.py), against NumPy's own sums.
PLAIN_SUMS = {
    "batch_sum": lambda x: x.sum(axis=-2),
    "unit_mean": lambda x: x.mean(axis=-1, keepdims=True),
}


class InPlaceAdam(Optimizer):
    """Adam whose step writes every intermediate into one scratch vector (no temporaries)."""

    def _step_flat(self, params, g: np.ndarray) -> None:
        p = params.flat
        if not self.flat_state:
            self._init_state(params)
            self.scratch = np.empty_like(p)
        self.t += 1
        b1, b2 = self.betas
        m, v, tmp = self.flat_state["m"], self.flat_state["v"], self.scratch
        m *= b1
        m += np.multiply(g, 1.0 - b1, out=tmp)
        v *= b2
        np.multiply(g, 1.0 - b2, out=tmp)
        tmp *= g
        v += tmp
        denom = np.sqrt(v, out=tmp)
        denom /= np.sqrt(1.0 - b2**self.t)
        denom += self.eps
        upd = (self.lr / (1.0 - b1**self.t)) * m
        upd /= denom
        p -= upd
        self.last_update = upd


def step_fn(net: Network, opt: Optimizer, spec: NetSpec, dtype: type, reference: bool = False):
    """One training step of `net` with `opt`; reference=True runs the layers.py pass."""
    X, Y = batch_data(spec, dtype)
    masks = [None] * net.depth

    def step() -> None:
        if reference:
            _, grads = reference_loss_and_grads(net, net.params, X, Y, "mse", masks)
        else:
            _, grads = net.loss_and_grads(X, Y, "mse")
        opt.step(net.params, grads)

    return step


def with_plain_sums(fn: Callable[[], None]) -> Callable[[], None]:
    """fn run with the layers' BLAS sums swapped for ndarray.sum and ndarray.mean."""
    blas = {name: getattr(layers_module, name) for name in PLAIN_SUMS}

    def run() -> None:
        for name, plain in PLAIN_SUMS.items():
            setattr(layers_module, name, plain)
        try:
            fn()
        finally:
            for name, original in blas.items():
                setattr(layers_module, name, original)

    return run


def trick_rows(timer: Timer, repeats: int) -> list[dict]:
    """Microseconds per step: the engine, and the engine with each candidate trick."""
    rows = []
    for spec in STEP_SPECS:
        for dtype in (np.float32, np.float64):
            net, _ = our_step(spec, dtype)
            fns = {
                "engine": step_fn(net, make_optimizer("adam", lr=1e-3), spec, dtype),
                "reference": step_fn(net, make_optimizer("adam", lr=1e-3), spec, dtype, True),
                "plain_sums": with_plain_sums(
                    step_fn(net, make_optimizer("adam", lr=1e-3), spec, dtype)
                ),
                "inplace_adam": step_fn(net, InPlaceAdam("adam", lr=1e-3), spec, dtype),
            }
            t = compare(timer, fns, repeats, warmup=20)
            row = {"network": spec.label, "dtype": np.dtype(dtype).name}
            row.update({f"{k}_us": v * 1e6 for k, v in t.items()})
            rows.append(row)
    return rows


def allocator_rows(repeats: int, rounds: int = 2) -> dict[str, dict[str, float]]:
    """Engine step time with glibc's allocator tweak on and off, in alternating child processes."""
    times: dict[str, dict[str, list[float]]] = {"on": {}, "off": {}}
    for _ in range(rounds):
        for mode in ("on", "off"):
            out = subprocess.run(
                [sys.executable, __file__, "--step-child", mode, "--repeats", str(repeats)]
                + (["--cpu-time"] if CLOCK is time.process_time else []),
                capture_output=True,
                text=True,
                check=True,
                cwd=ROOT,
            )
            for key, us in json.loads(out.stdout.strip().splitlines()[-1]).items():
                times[mode].setdefault(key, []).append(us)
    return {mode: {k: statistics.median(v) for k, v in d.items()} for mode, d in times.items()}


def step_child(mode: str, repeats: int) -> None:
    """Print the engine's step times as JSON, with the allocator tweak on or off."""
    if mode == "on":
        keep_freed_memory()
    timer = Timer()
    out = {}
    for spec in STEP_SPECS:
        for dtype in (np.float32, np.float64):
            _, ours = our_step(spec, dtype)
            us = compare(timer, {"ours": ours}, repeats, warmup=20)["ours"] * 1e6
            out[f"{spec.label} {np.dtype(dtype).name}"] = us
    print(json.dumps(out))


# --- whole training runs: recording cost and Playground pace ---------------------------------


def train_times(timer: Timer, config: Config, repeats: int) -> dict[bool, float]:
    """Median seconds of train(config) with recording on (True) and off (False)."""
    fns = {True: lambda: train(config, record=True), False: lambda: train(config, record=False)}
    t0 = time.perf_counter()
    for fn in fns.values():
        fn()  # warm-up: first-call costs (imports, caches) are not the steady state
    # Short runs get more repeats: at least about RUN_SECONDS of timing per setting.
    n = max(repeats, round(RUN_SECONDS / max((time.perf_counter() - t0) / 2, 1e-3)))
    times: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(n):
        for on, fn in fns.items():
            times[on].append(timer.block(fn, 1, settle=False))
    return {on: statistics.median(ts) for on, ts in times.items()}


def run_rows(timer: Timer, repeats: int) -> tuple[list[dict], list[dict]]:
    """Recording overhead rows and Playground epochs-per-second rows."""
    configs = {
        "default Config()": Config(),
        "Playground (250 train pts)": PLAYGROUND,
        "Playground, 500 train pts": PLAYGROUND_500,
    }
    timed = {name: train_times(timer, cfg, repeats) for name, cfg in configs.items()}
    overhead = []
    for name in ("default Config()", "Playground (250 train pts)"):
        t = timed[name]
        ratio = t[True] / t[False]
        overhead.append(
            {
                "config": name,
                "steps": configs[name].steps,
                "record_on_s": t[True],
                "record_off_s": t[False],
                "ratio": ratio,
                "pass": ratio <= RECORD_GOAL,
            }
        )
    pace = []
    for name in ("Playground (250 train pts)", "Playground, 500 train pts"):
        cfg = configs[name]
        per_epoch = cfg.n_train // cfg.effective_batch
        for on in (True, False):
            eps = cfg.steps / per_epoch / timed[name][on]
            strict = cfg is PLAYGROUND_500
            pace.append(
                {
                    "config": name,
                    "recording": "on" if on else "off",
                    "steps_per_epoch": per_epoch,
                    "epochs": cfg.steps / per_epoch,
                    "seconds": timed[name][on],
                    "epochs_per_s": eps,
                    "goal": None if strict else PLAYGROUND_GOALS[on],
                    "pass": None if strict else eps >= PLAYGROUND_GOALS[on],
                }
            )
    return overhead, pace


# --- memory -----------------------------------------------------------------------------------

MEMORY_SCRIPT = """
import json, resource, sys, time, tracemalloc
sys.path.insert(0, {root!r})
import engine
from engine import Config

def max_rss_mb():
    # VmHWM is this process's own peak. ru_maxrss is the same on a process started from a
    # shell, but under subprocess it starts at the parent's RSS (Linux keeps it across exec).
    try:
        with open("/proc/self/status") as status:
            kib = next(ln.split()[1] for ln in status if ln.startswith("VmHWM:"))
    except (OSError, StopIteration):
        kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return int(kib) / 1024

imports_mb = max_rss_mb()
if {trace}:
    tracemalloc.start()
t0 = time.perf_counter()
run = engine.train(Config())
seconds = time.perf_counter() - t0
peak_trace = tracemalloc.get_traced_memory()[1] / 2**20 if {trace} else None
print(json.dumps({{"imports_mb": imports_mb, "peak_mb": max_rss_mb(), "seconds": seconds,
                  "tracemalloc_peak_mb": peak_trace, "records_mb": run.records_nbytes() / 2**20}}))
"""


def memory_row() -> dict:
    """Peak RSS of the default run in a fresh process, and tracemalloc's peak in another."""
    results = []
    for trace in (False, True):
        code = MEMORY_SCRIPT.format(root=str(ROOT), trace=trace)
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
        )
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    rss, traced = results
    row = {
        "imports_rss_mb": rss["imports_mb"],
        "peak_rss_mb": rss["peak_mb"],
        "train_rss_mb": rss["peak_mb"] - rss["imports_mb"],
        "tracemalloc_peak_mb": traced["tracemalloc_peak_mb"],
        "records_mb": rss["records_mb"],
    }
    row["pass"] = row["peak_rss_mb"] < MEMORY_GOAL_MB
    return row


# --- machine ------------------------------------------------------------------------------------


def openblas_runtime() -> dict | None:
    """The OpenBLAS kernel and thread count numpy runs with (threadpoolctl if installed)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        threadpool_info = None
    if threadpool_info is not None:
        blas = [i for i in threadpool_info() if i.get("user_api") == "blas"]
        if blas:
            return {"core": blas[0].get("architecture"), "threads": blas[0].get("num_threads")}
        return None
    # Without threadpoolctl: ask the OpenBLAS library this process has loaded.
    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if "openblas" in line.lower()}
    for path in sorted(paths):
        lib = ctypes.CDLL(path)
        for prefix, suffix in (("scipy_", "64_"), ("", "64_"), ("", "")):
            core = getattr(lib, f"{prefix}openblas_get_corename{suffix}", None)
            threads = getattr(lib, f"{prefix}openblas_get_num_threads{suffix}", None)
            if core is not None and threads is not None:
                core.restype = ctypes.c_char_p
                return {"core": core().decode(), "threads": threads()}
    return None


def engine_version() -> str:
    """The commit measured, marked when engine/ has uncommitted changes ('' without git)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "engine"], capture_output=True, text=True, cwd=ROOT
        ).stdout.strip()
    except OSError:
        return ""
    return head + (" + uncommitted engine/ changes" if head and dirty else "")


def machine_info() -> dict:
    """What the numbers were measured on."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    cpu = ""
    if Path("/proc/cpuinfo").exists():
        names = [ln for ln in Path("/proc/cpuinfo").read_text().splitlines() if "model name" in ln]
        cpu = names[0].split(":", 1)[1].strip() if names else ""
    info = {
        "date": datetime.now().strftime("%Y-%m-%d %H:%M"),
        "engine": engine_version(),
        "cores": CORES,
        "cpu": cpu or platform.processor(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": f"{blas.get('name')} {blas.get('version')}",
        "blas_runtime": openblas_runtime(),
        "openblas_env": {k: v for k, v in os.environ.items() if k.startswith("OPENBLAS_")},
        "torch": torch.__version__ if torch is not None else None,
        "load_before": os.getloadavg()[0],
    }
    if torch is not None:
        info["torch_threads"] = torch.get_num_threads()
    return info


# --- output -------------------------------------------------------------------------------------


def table(headers: list[str], rows: list[list[str]]) -> str:
    """Plain text columns: the first left-aligned, the rest right-aligned."""
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]

    def line(cells: list[str]) -> str:
        first = str(cells[0]).ljust(widths[0])
        rest = [str(c).rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest]).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])


def verdict(ok: bool | None) -> str:
    """PASS, FAIL or '-' for a row without a goal."""
    return "-" if ok is None else ("PASS" if ok else "FAIL")


def report_header(info: dict) -> str:
    """Date, commit, machine, libraries and load of the run."""
    runtime = info["blas_runtime"]
    kernel = ""
    if runtime:
        kernel = f", running kernel {runtime['core']} with {runtime['threads']} threads"
    env = ", ".join(f"{k}={v}" for k, v in info["openblas_env"].items()) or "none set"
    torch_line = (
        f"torch {info['torch']} (CPU), torch.set_num_threads({info['torch_threads']})"
        if info["torch"]
        else "torch not installed: our engine only (pip install torch for the comparison)"
    )
    return "\n".join(
        [
            f"Backprop Lab engine benchmark, {info['date']}, engine at {info['engine'] or '?'}",
            f"machine: {info['cores']} cores ({info['cpu']}), Python {info['python']}",
            f"numpy {info['numpy']}, BLAS {info['blas']}{kernel}",
            f"OPENBLAS_* environment: {env}",
            torch_line,
            f"clock: {info.get('clock', 'wall time')}",
            f"load average (1 min): {info['load_before']:.2f} before, "
            f"{info['load_after']:.2f} after; "
            f"{info['timed_blocks']} timed blocks, {info['blocks_retried']} retimed because other "
            f"processes used the CPU, {info['blocks_disturbed']} still disturbed"
            + ("  <- times are not reliable" if info["blocks_disturbed"] else ""),
        ]
    )


def report(info: dict, steps: list[dict], overhead: list[dict], pace: list[dict], mem: dict) -> str:
    """The whole benchmark as plain text."""
    out = [
        report_header(info),
        "",
        "1. One training step (forward, backward, Adam); median us per step. "
        "ratio = torch / ours (>1: ours is faster); goal >= 1",
    ]
    if info["torch"]:
        rows = [
            [
                r["network"],
                r["dtype"],
                f"{r['ours_us']:.0f}",
                f"{r['torch_us']:.0f}",
                f"{r['ratio']:.2f}",
                f"{r['loss_rel_diff']:.0e}",
                verdict(r["pass"]),
            ]
            for r in steps
        ]
        headers = ["network", "dtype", "ours us", "torch us", "ratio", "loss diff", "goal"]
        out.append(table(headers, rows))
    else:
        rows = [[r["network"], r["dtype"], f"{r['ours_us']:.0f}"] for r in steps]
        out.append(table(["network", "dtype", "ours us"], rows))
    out += [
        "",
        "2. Recording overhead: train(config) with record=True / record=False; goal <= 1.15",
        table(
            ["config", "steps", "record on s", "record off s", "ratio", "goal"],
            [
                [
                    r["config"],
                    str(r["steps"]),
                    f"{r['record_on_s']:.3f}",
                    f"{r['record_off_s']:.3f}",
                    f"{r['ratio']:.3f}",
                    verdict(r["pass"]),
                ]
                for r in overhead
            ],
        ),
        "",
        f"3. TF Playground pace (its JS engine: ~{PLAYGROUND_EPOCHS_PER_S} epochs/s on 2 cores); "
        "goals >= 200 epochs/s recording on, >= 250 off",
        table(
            ["config", "recording", "steps/epoch", "epochs", "s", "epochs/s", "goal"],
            [
                [
                    r["config"],
                    r["recording"],
                    str(r["steps_per_epoch"]),
                    f"{r['epochs']:.0f}",
                    f"{r['seconds']:.3f}",
                    f"{r['epochs_per_s']:.0f}",
                    verdict(r["pass"]) if r["goal"] else "(stricter, no goal)",
                ]
                for r in pace
            ],
        ),
        "",
        "4. Memory of the default run, train(Config()), each in a fresh process; "
        f"goal: peak RSS < {MEMORY_GOAL_MB:.0f} MB",
        table(
            ["measure", "MB"],
            [
                ["RSS after imports", f"{mem['imports_rss_mb']:.1f}"],
                ["peak RSS (imports + train)", f"{mem['peak_rss_mb']:.1f}"],
                ["peak RSS - imports", f"{mem['train_rss_mb']:.1f}"],
                ["tracemalloc peak of train()", f"{mem['tracemalloc_peak_mb']:.1f}"],
                ["recorded tensors (Run.records)", f"{mem['records_mb']:.1f}"],
            ],
        ),
        f"goal: {verdict(mem['pass'])}",
    ]
    return "\n".join(out)


def trick_report(tricks: list[dict], alloc: dict[str, dict[str, float]]) -> str:
    """Table 5: what each candidate trick buys over the engine's plain code."""
    rows = []
    for r in tricks:
        key = f"{r['network']} {r['dtype']}"
        on, off = alloc.get("on", {}).get(key), alloc.get("off", {}).get(key)
        rows.append(
            [
                r["network"],
                r["dtype"],
                f"{r['engine_us']:.0f}",
                f"{r['reference_us'] / r['engine_us']:.2f}",
                f"{r['plain_sums_us'] / r['engine_us']:.2f}",
                f"{r['engine_us'] / r['inplace_adam_us']:.2f}",
                "-" if on is None or off is None else f"{off / on:.2f}",
            ]
        )
    headers = ["network", "dtype", "engine us", "reference", "BLAS sums", "in-place Adam"]
    # Each column: time without the trick / time with it (>1: the trick is faster).
    return "\n".join(
        [
            "5. Speed tricks: gain of each over the engine's plain step (>1: the trick is faster); "
            f"a trick is kept only at >= {TRICK_GOAL} somewhere",
            "   reference = layers.py pass / engine; BLAS sums = with ndarray.sum / engine; "
            "in-place Adam = engine / with a scratch-vector Adam;",
            "   allocator = glibc's malloc defaults / keep_freed_memory() (child processes, "
            "alternating)",
            table([*headers, "allocator"], rows),
        ]
    )


def main() -> None:
    """Run every measurement, print the tables, optionally save JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    parser.add_argument("--repeats", type=int, default=7, help="timed blocks per measurement")
    parser.add_argument("--tricks-only", action="store_true", help="only table 5, the speed tricks")
    parser.add_argument(
        "--cpu-time", action="store_true", help="time by process CPU time (shared machines)"
    )
    parser.add_argument("--step-child", choices=("on", "off"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    global CLOCK
    if args.cpu_time:
        CLOCK = time.process_time
    if args.step_child:
        step_child(args.step_child, args.repeats)
        return
    # The app turns the allocator tweak on at start-up (app.py); measure the engine as it runs.
    keep_freed_memory()

    if torch is not None:
        # As many threads as numpy's OpenBLAS: every core by default, or OPENBLAS_NUM_THREADS
        # (app.py sets 1, the server's setting; on a shared machine it is also the fair one).
        torch.set_num_threads(int(os.environ.get("OPENBLAS_NUM_THREADS") or CORES))
    info = machine_info()
    info["clock"] = "process CPU time" if args.cpu_time else "wall time"
    timer = Timer()
    results: dict = {"machine": info}
    sections = []
    if not args.tricks_only:
        steps = step_rows(timer, args.repeats)
        overhead, pace = run_rows(timer, args.repeats)
        mem = memory_row()
        results.update(train_step=steps, recording=overhead, playground=pace, memory=mem)
    tricks = trick_rows(timer, args.repeats)
    alloc = allocator_rows(args.repeats)
    results.update(tricks=tricks, allocator=alloc)
    info["load_after"] = os.getloadavg()[0]
    info["timed_blocks"] = timer.blocks
    info["blocks_retried"] = timer.retried
    info["blocks_disturbed"] = timer.disturbed
    if not args.tricks_only:
        sections.append(report(info, steps, overhead, pace, mem))
    else:
        sections.append(report_header(info))
    sections.append(trick_report(tricks, alloc))
    print("\n\n".join(sections))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
        print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
