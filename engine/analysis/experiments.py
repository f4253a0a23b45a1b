"""Gradient experiments: per-layer gradient profiles, four architecture variants, depth sweeps."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine.core.activations import ACTIVATIONS
from engine.core.network import Trace
from engine.training.config import MAX_WORK, Config, parameter_count
from engine.training.datasets import Dataset
from engine.training.jobs import JobsProgress, Runner, in_turn, train_job
from engine.training.loop import RECORD_ROWS, BatchOrder, dataset_for
from engine.training.records import Run, StepRecord

# The same network four ways: (residual, layer_norm).
VARIANTS: dict[str, tuple[bool, bool]] = {
    "plain": (False, False),
    "residual": (True, False),
    "layernorm": (False, True),
    "both": (True, True),
}
VARIANT_LABELS = {
    "plain": "plain",
    "residual": "+ residual",
    "layernorm": "+ LayerNorm",
    "both": "+ residual + LayerNorm",
}
SWEEP_DEPTHS = (1, 2, 4, 8, 16, 32, 48, 64)
# Two ways to say how much gradient reaches a layer.
MEASURES = {
    "delta": "||dL/dz||",  # the error signal at the layer's pre-activations
    "dW": "||dL/dW||",  # the layer's weight gradient: its input times that error
}
PERCENTILES = (5, 25, 50, 75, 95)
# A recording budget so small that only the first and the last step keep tensors.
FIRST_AND_LAST = 1
# The comparison trains four networks. To take about as long as one run, each trains for at
# most this many layer-steps (steps x weight layers; the cost of a deep, narrow network is
# per layer) and a quarter of one run's compute budget.
COMPARE_LAYER_STEPS = 12_000


def variant_configs(config: Config) -> dict[str, Config]:
    """The config with and without residual connections and LayerNorm."""
    # dataclasses.replace, not Config.replace: the budget clamps could shrink the width
    # or the steps of the LayerNorm variants, and the four must differ in nothing else.
    return {
        name: dataclasses.replace(config, residual=res, layer_norm=ln)
        for name, (res, ln) in VARIANTS.items()
    }


def variant_steps(config: Config) -> int:
    """Training steps of each network in the four-way comparison: the config's, capped."""
    by_layers = COMPARE_LAYER_STEPS // (config.depth + 1)
    n_out = 3 if config.task == "multiclass" else 1
    params = parameter_count(config.depth, config.width, n_out, layer_norm=True)
    by_work = int(MAX_WORK / len(VARIANTS) // (config.effective_batch * params))
    return max(1, min(config.steps, by_layers, by_work))


def first_batch(config: Config, data: Dataset) -> tuple[np.ndarray, np.ndarray]:
    """The inputs and targets of training step 0, drawn as train() draws them."""
    n = len(data.X_train)
    idx = BatchOrder(n, min(config.batch_size, n), config.seed).next()
    return data.X_train[idx], data.y_train[idx]


def init_pass(config: Config, data: Dataset | None = None, depth: int | None = None) -> Trace:
    """One forward and backward pass of the freshly initialised network on step 0's batch."""
    data = data if data is not None else dataset_for(config)
    cfg = config if depth is None else dataclasses.replace(config, depth=depth)
    net = cfg.network(data.n_outputs)
    X, y = first_batch(cfg, data)
    return net.train_step_trace(X, net.targets(y), cfg.loss)


def trace_profile(trace: Trace, measure: str) -> np.ndarray:
    """Per-layer gradient norm of a traced pass (hidden layers, then the output)."""
    if measure == "delta":
        # The same rows a recorded step keeps, so init passes and records agree.
        deltas = [c.delta for c in trace.layers] + [trace.delta_out]
        return np.array([np.linalg.norm(d[:RECORD_ROWS]) for d in deltas])
    if measure == "dW":
        names = [f"h{i}" for i in range(1, len(trace.layers) + 1)] + ["out"]
        return np.array([np.linalg.norm(trace.grads[f"{n}.W"]) for n in names])
    raise ValueError(f"unknown measure {measure!r}; choose one of {list(MEASURES)}")


def grad_norms_at_init(
    config: Config, depth: int | None = None, data: Dataset | None = None
) -> dict[str, np.ndarray]:
    """Per-layer ||dL/dz|| and ||dL/dW|| of the untrained network on step 0's batch."""
    trace = init_pass(config, data, depth)
    return {m: trace_profile(trace, m) for m in MEASURES}


def layer_gradient_profile(run: Run, step: int, measure: str = "delta") -> np.ndarray:
    """Per-layer gradient norm at a recorded step (the nearest one at or before `step`)."""
    rec = run.record_at(step)
    if measure == "delta":
        return np.array([np.linalg.norm(rec.layers[n].delta) for n in run.layer_names])
    if measure == "dW":
        return np.array([np.linalg.norm(rec.layers[n].dW) for n in run.layer_names])
    raise ValueError(f"unknown measure {measure!r}; choose one of {list(MEASURES)}")


def first_last_ratio(profile: np.ndarray) -> float:
    """First hidden layer's gradient norm over the last hidden layer's (profile ends with out)."""
    last = profile[-2] if len(profile) > 1 else profile[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(profile[0] / last)


def per_layer_factor(profile: np.ndarray) -> float:
    """Geometric-mean factor by which the gradient changes per hidden layer, going back."""
    hidden = len(profile) - 1
    if hidden < 2:
        return 1.0
    ratio = first_last_ratio(profile)
    if not np.isfinite(ratio) or ratio <= 0:
        return float("nan")
    return float(ratio ** (1.0 / (hidden - 1)))


def mean_slopes(record: StepRecord, activation: str) -> np.ndarray:
    """Mean |f'(z)| of each hidden layer at a recorded step (the chain rule's f' factors)."""
    df = ACTIVATIONS[activation].df
    hidden = [rec for name, rec in record.layers.items() if name != "out"]
    return np.array([np.mean(np.abs(df(r.zn if r.zn is not None else r.z, r.a))) for r in hidden])


@dataclass(frozen=True)
class VariantResult:
    """What the comparison shows of one trained variant."""

    name: str
    config: Config
    layer_names: tuple[str, ...]
    last_step: int  # the last recorded step (the divergence step if it diverged)
    start: dict[str, np.ndarray]  # measure -> per-layer norm at step 0
    end: dict[str, np.ndarray]  # measure -> per-layer norm at last_step
    slopes: np.ndarray  # mean |f'(z)| per hidden layer at step 0
    eval_steps: np.ndarray
    train_loss: np.ndarray  # full training set, at eval_steps
    diverged_at: int | None

    def ratio(self, measure: str, at_start: bool = True) -> float:
        """First hidden layer's gradient over the last hidden layer's."""
        return first_last_ratio((self.start if at_start else self.end)[measure])


def summarise(name: str, run: Run) -> VariantResult:
    """The profiles, slopes and loss curve of one variant's run."""
    first, last = run.recorded_steps[0], run.recorded_steps[-1]
    return VariantResult(
        name=name,
        config=run.config,
        layer_names=tuple(run.layer_names),
        last_step=last,
        start={m: layer_gradient_profile(run, first, m) for m in MEASURES},
        end={m: layer_gradient_profile(run, last, m) for m in MEASURES},
        slopes=mean_slopes(run.records[first], run.config.activation),
        eval_steps=run.eval_steps,
        train_loss=run.train_loss,
        diverged_at=run.diverged_at,
    )


def variant_result(
    name: str,
    config: Config,
    data: Dataset,
    on_progress: Callable[[float], None] | None = None,
) -> VariantResult:
    """Train one variant (tensors of its first and last step only) and summarise it."""
    return summarise(name, train_job(config, data, on_progress, budget=FIRST_AND_LAST))


def compare_variants(
    config: Config,
    data: Dataset | None = None,
    on_progress: JobsProgress | None = None,
    run_jobs: Runner = in_turn,
) -> dict[str, VariantResult]:
    """Train plain, + residual, + LayerNorm and + both on the same data, seed and depth.

    Each trains for variant_steps(config) steps; `run_jobs` runs the four trainings and
    reports the fraction done of each, in VARIANTS order.
    """
    data = data if data is not None else dataset_for(config)
    capped = dataclasses.replace(config, steps=variant_steps(config))
    configs = variant_configs(capped)
    jobs = [(name, cfg, data) for name, cfg in configs.items()]
    return dict(zip(configs, run_jobs(variant_result, jobs, on_progress), strict=True))


@dataclass(frozen=True)
class DepthSweep:
    """The first hidden layer's gradient norm at initialisation, per depth and variant."""

    depths: np.ndarray
    widths: np.ndarray  # units per layer used at each depth
    first_layer: dict[str, dict[str, np.ndarray]]  # measure -> variant -> norm per depth


def depth_sweep(
    config: Config, depths: tuple[int, ...] = SWEEP_DEPTHS, data: Dataset | None = None
) -> DepthSweep:
    """One forward/backward pass per depth and variant of the untrained network; no training.

    A depth whose layers would exceed the app's weight budget at this width uses the
    widest layers the sidebar would allow there, the same for all four variants.
    """
    data = data if data is not None else dataset_for(config)
    widths = np.array([sweep_width(config, d) for d in depths])
    out = {m: {v: np.empty(len(depths)) for v in VARIANTS} for m in MEASURES}
    for name, cfg in variant_configs(config).items():
        for j, (depth, width) in enumerate(zip(depths, widths, strict=True)):
            trace = init_pass(dataclasses.replace(cfg, width=int(width)), data, depth)
            for m in MEASURES:
                out[m][name][j] = trace_profile(trace, m)[0]
    return DepthSweep(np.array(depths), widths, out)


def sweep_width(config: Config, depth: int) -> int:
    """The width the sidebar allows for this config at another depth (the weight budget)."""
    plain = dataclasses.replace(config, residual=False, layer_norm=False)
    return plain.replace(depth=depth).width


def gradient_flow(record: StepRecord) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Layer names, mean |dL/dW| and max |dL/dW| per layer at a recorded step."""
    names = list(record.layers)
    grads = [np.abs(record.layers[n].dW) for n in names]
    return names, np.array([g.mean() for g in grads]), np.array([g.max() for g in grads])


def percentile_bands(run: Run, layer: str, tensor: str) -> tuple[np.ndarray, np.ndarray]:
    """Recorded steps and the 5/25/50/75/95th percentiles of |W| or |dW| of one layer."""
    if tensor not in ("W", "dW"):
        raise ValueError(f"tensor must be 'W' or 'dW', got {tensor!r}")
    steps = run.recorded_steps
    values = np.stack(
        [np.abs(getattr(run.records[s].layers[layer], tensor)).ravel() for s in steps]
    )
    return np.array(steps), np.percentile(values, PERCENTILES, axis=1).T
