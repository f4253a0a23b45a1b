"""Optimizer comparisons: the loss surface on a 2-D slice, paths projected onto it, and summaries.

Directions follow Li et al. 2018, "Visualizing the Loss Landscape of Neural Nets": either the
top principal directions of the optimizers' trajectories, or random directions whose norm
is matched to the weights unit by unit ("filter normalisation").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from engine.core.layers import reference_forward
from engine.core.losses import loss_value
from engine.core.network import Network
from engine.core.params import FlatDict
from engine.training.config import LIMITS, Config
from engine.training.records import Run

GRID = 31  # grid points per axis of the surface
MAX_POINTS = 256  # training samples the surface's loss is computed on
MIN_GRID, MIN_POINTS = 11, 64
# Multiply-adds one surface may cost (samples x parameters x grid points); larger networks
# get a coarser grid and fewer samples so the page stays responsive.
SURFACE_WORK = 2e9
CHUNK_BYTES = 32 * 2**20  # memory for one layer's activations over a chunk of grid points
MARGIN = 0.2  # the grid extends this fraction of the paths' span beyond them
# A comparison of several optimizers may cost this many single runs at the work budget.
COMPARISON_RUNS = 2


@dataclass
class SlicePath:
    """One optimizer's trajectory: recorded steps, their 2-D coordinates and losses."""

    name: str
    steps: np.ndarray  # (n,)
    coords: np.ndarray  # (n, 2), NaN where the parameters were not finite
    loss: np.ndarray  # (n,) loss on the surface's samples at the real (unprojected) params
    diverged: bool = False


@dataclass
class Surface:
    """The loss on a grid of centre + a*d1 + b*d2, and each optimizer's path on that slice."""

    method: str  # "pca" or "random"
    center_name: str  # the optimizer whose final parameters are the centre ("start": initial)
    alphas: np.ndarray  # (n_a,) coordinates along d1
    betas: np.ndarray  # (n_b,) coordinates along d2
    loss: np.ndarray  # (n_b, n_a): loss[j, i] at (alphas[i], betas[j]); NaN where not finite
    explained: np.ndarray  # (2,) share of the paths' squared offsets along d1, d2 (random: NaN)
    n_points: int  # training samples the loss is computed on
    paths: list[SlicePath] = field(default_factory=list)


def filter_normalized_directions(
    params: FlatDict, rng: np.random.Generator, count: int = 2
) -> list[np.ndarray]:
    """Random directions whose every weight column has the norm of that column of the weights.

    A column of W (fan_in, fan_out) holds one unit's incoming weights: the "filter" of an
    MLP. Biases and LayerNorm gains get no direction, as in Li et al.
    """
    out = []
    for _ in range(count):
        d = params.wrap(np.zeros_like(params.flat))
        for name, W in params.items():
            if name.endswith(".W"):
                r = rng.standard_normal(W.shape)
                norms = np.linalg.norm(r, axis=0)
                d[name] = r * (np.linalg.norm(W, axis=0) / np.where(norms > 0, norms, 1.0))
        out.append(d.flat)
    return out


def pca_directions(
    paths: list[np.ndarray], center: np.ndarray, rng: np.random.Generator | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Orthonormal top-2 principal directions of the paths' offsets from the centre.

    Returns d1, d2 and the share of the offsets' squared length each captures. Non-finite
    rows are ignored; when the paths span fewer than two directions, random orthonormal
    ones fill in (with share 0).
    """
    rows = [p[np.isfinite(p).all(axis=1)] for p in paths if len(p)]
    M = np.concatenate(rows) - center if rows else np.zeros((0, center.size))
    dirs: list[np.ndarray] = []
    shares = np.zeros(2)
    if len(M):
        # The right singular vectors of the offsets are the principal directions
        # (about the centre, not the mean: the surface is drawn around the centre).
        _, s, vt = np.linalg.svd(M, full_matrices=False)
        total = float(np.sum(s * s))
        for k in range(min(2, len(s))):
            if s[k] > 1e-12 * max(s[0], 1e-300):
                dirs.append(vt[k])
                shares[k] = s[k] ** 2 / total
    rng = rng if rng is not None else np.random.default_rng(0)
    while len(dirs) < 2:
        v = rng.standard_normal(center.size)
        for d in dirs:
            v -= (v @ d) * d
        dirs.append(v / np.linalg.norm(v))
    return dirs[0], dirs[1], shares


def project(path: np.ndarray, center: np.ndarray, d1: np.ndarray, d2: np.ndarray) -> np.ndarray:
    """Coordinates (a, b) with centre + a*d1 + b*d2 closest to each row; NaN for bad rows."""
    path = np.atleast_2d(path)
    D = np.stack([d1, d2], axis=1)
    out = np.full((len(path), 2), np.nan)
    ok = np.isfinite(path).all(axis=1)
    if ok.any():
        with np.errstate(over="ignore", invalid="ignore"):
            # Least squares through the 2x2 Gram matrix: exact for orthonormal directions
            # and correct for the (nearly orthogonal) random ones too.
            out[ok] = np.linalg.solve(D.T @ D, D.T @ (path[ok] - center).T).T
    out[~np.isfinite(out).all(axis=1)] = np.nan
    return out


def losses_at(
    net: Network, thetas: np.ndarray, X: np.ndarray, Y: np.ndarray, loss: str
) -> np.ndarray:
    """Loss on (X, Y) of the network at each row of `thetas` (flat parameter vectors).

    The forward pass runs for a chunk of parameter vectors at once, as a stacked matmul.
    Rows with non-finite parameters or loss give NaN.
    """
    thetas = np.atleast_2d(thetas)
    X = np.asarray(X, dtype=float)
    Y = net.targets(Y)
    where = {name: (a, b, shape) for name, a, b, shape in net.params.layout}
    width = max(net.sizes)
    chunk = max(1, CHUNK_BYTES // (8 * len(X) * width * 4))
    out = np.full(len(thetas), np.nan)
    no_dropout = [None] * net.depth
    for s in range(0, len(thetas), chunk):
        T = thetas[s : s + chunk]
        # Each parameter as a stack over the chunk: W (g, fan_in, fan_out), b (g, 1, fan_out).
        stacked = {
            name: T[:, a:b].reshape(len(T), *shape) if len(shape) == 2 else T[:, None, a:b]
            for name, (a, b, shape) in where.items()
        }
        with np.errstate(all="ignore"):
            logits, _, _ = reference_forward(net, stacked, X[None], no_dropout)
            for k in range(len(T)):
                out[s + k] = loss_value(loss, net.output, logits[k], Y)
    out[~np.isfinite(out)] = np.nan
    return out


def loss_surface(
    net: Network,
    center: np.ndarray,
    d1: np.ndarray,
    d2: np.ndarray,
    alphas: np.ndarray,
    betas: np.ndarray,
    X: np.ndarray,
    Y: np.ndarray,
    loss: str,
    on_row: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """Loss at centre + a*d1 + b*d2 for every (a, b) of the grid, as (len(betas), len(alphas)).

    Evaluated one row of the grid (fixed b) at a time; `on_row(done, total)` reports progress.
    """
    out = np.empty((len(betas), len(alphas)))
    for r, b in enumerate(betas):
        thetas = center + np.outer(alphas, d1) + b * d2
        out[r] = losses_at(net, thetas, X, Y, loss)
        if on_row is not None:
            on_row(r + 1, len(betas))
    return out


def plan_surface(n_params: int, n_train: int) -> tuple[int, int]:
    """Grid points per axis and samples for a surface within SURFACE_WORK multiply-adds."""
    points = min(n_train, MAX_POINTS)
    grid = GRID
    while points > MIN_POINTS and points * n_params * grid * grid > SURFACE_WORK:
        points = max(MIN_POINTS, points // 2)
    while grid > MIN_GRID and points * n_params * grid * grid > SURFACE_WORK:
        grid -= 2
    return grid, min(points, n_train)


def subset(n: int, m: int) -> np.ndarray:
    """m row indices spread evenly over n rows (all of them when m >= n)."""
    return np.unique(np.linspace(0, n - 1, min(m, n)).round().astype(int))


def trajectory(run: Run) -> tuple[np.ndarray, np.ndarray]:
    """Recorded steps and their parameter vectors (n, P), ending with the final parameters.

    Recorded parameters are those before each step's update; the final ones (after the last
    update, labelled `steps_run`) end the path. A diverged run ends at its last record.
    """
    steps = run.recorded_steps
    params = [run.records[s].params.flat for s in steps]
    if not run.diverged:
        steps = [*steps, run.steps_run]
        params.append(run.final_params.flat)
    return np.array(steps, dtype=int), np.array(params, dtype=float)


def _range(values: np.ndarray, floor: tuple[float, float] | None = None) -> tuple[float, float]:
    v = values[np.isfinite(values)]
    lo, hi = (min(0.0, v.min()), max(0.0, v.max())) if len(v) else (-1.0, 1.0)
    if floor is not None:
        lo, hi = min(lo, floor[0]), max(hi, floor[1])
    span = hi - lo if hi > lo else 1.0
    return lo - MARGIN * span, hi + MARGIN * span


def _final_loss(run: Run) -> float:
    finite = run.train_loss[np.isfinite(run.train_loss)]
    return float(finite[-1]) if len(finite) else np.inf


def surface_for(
    runs: dict[str, Run],
    center_name: str,
    method: str = "pca",
    seed: int = 0,
    on_row: Callable[[int, int], None] | None = None,
) -> Surface:
    """The loss surface around one run's solution, with every run's path projected onto it.

    `runs` share one architecture and initial parameters. The centre is the final parameters
    of `center_name`, or of the lowest-loss run that did not diverge; if all diverged, the
    shared initial parameters. PCA directions come from the runs that did not diverge.
    """
    first = next(iter(runs.values()))
    net = first.network()
    trajs = {name: trajectory(run) for name, run in runs.items()}
    healthy = [n for n, r in runs.items() if not r.diverged]
    if center_name not in healthy and healthy:
        center_name = min(healthy, key=lambda n: _final_loss(runs[n]))
    if healthy:
        center = runs[center_name].final_params.flat.copy()
    else:
        center_name = "start"
        center = first.records[first.recorded_steps[0]].params.flat.copy()
        method = "random"
    rng = np.random.default_rng(seed)
    if method == "pca":
        d1, d2, explained = pca_directions([trajs[n][1] for n in healthy], center, rng)
    else:
        d1, d2 = filter_normalized_directions(net.params.wrap(center.copy()), rng)
        explained = np.full(2, np.nan)

    data = first.data
    grid, points = plan_surface(center.size, len(data.X_train))
    idx = subset(len(data.X_train), points)
    X, Y = data.X_train[idx], data.y_train[idx]
    loss = first.config.loss

    paths = []
    for name, (steps, params) in trajs.items():
        coords = project(params, center, d1, d2)
        paths.append(
            SlicePath(name, steps, coords, losses_at(net, params, X, Y, loss), runs[name].diverged)
        )
    shown = [p.coords for p in paths if not p.diverged] or [p.coords for p in paths]
    coords = np.concatenate(shown)
    floor = (-1.0, 1.0) if method == "random" else None
    alphas = np.linspace(*_range(coords[:, 0], floor), grid)
    betas = np.linspace(*_range(coords[:, 1], floor), grid)
    surface = loss_surface(net, center, d1, d2, alphas, betas, X, Y, loss, on_row)
    return Surface(method, center_name, alphas, betas, surface, explained, len(idx), paths)


def optimizer_steps(cfg: Config, n_runs: int) -> int:
    """Steps per run for a comparison of n_runs, so it costs at most COMPARISON_RUNS full runs.

    Only networks whose steps the work budget already limits get fewer steps.
    """
    most = int(LIMITS["steps"].hi or 0)
    max_steps = cfg.replace(steps=most).steps  # what the work budget allows
    if max_steps >= most:
        return cfg.steps
    return min(cfg.steps, max(1, max_steps * COMPARISON_RUNS // n_runs))


def steps_to_target(loss: np.ndarray, target: float, steps: np.ndarray | None = None) -> int | None:
    """First step whose loss is at or below the target (None if never); steps label the losses."""
    loss = np.asarray(loss, dtype=float)
    hit = np.flatnonzero(np.isfinite(loss) & (loss <= target))
    if not len(hit):
        return None
    return int(hit[0] if steps is None else steps[hit[0]])


def median_update_ratio(run: Run) -> np.ndarray:
    """Median over the steps of ||update of W|| / ||W||, per layer (NaN if never finite)."""
    ratios = run.metric("update_ratio")
    ok = np.isfinite(ratios)
    return np.array(
        [
            np.median(ratios[ok[:, k], k]) if ok[:, k].any() else np.nan
            for k in range(ratios.shape[1])
        ]
    )


def weight_history(run: Run, layer: str, i: int, j: int) -> dict[str, np.ndarray]:
    """One weight W[i, j] of a layer over the recorded steps: its value, gradient and state.

    Keys: "step", "weight" (before the step's update), "grad", and one per optimizer state
    (after the update; NaN where it was not recorded: a diverged step, huge networks).
    """
    steps = run.recorded_steps
    recs = [run.records[s].layers[layer] for s in steps]
    out = {
        "step": np.array(steps, dtype=int),
        "weight": np.array([r.W[i, j] for r in recs], dtype=float),
        "grad": np.array([r.dW[i, j] for r in recs], dtype=float),
    }
    for name in run.state_names:
        out[name] = np.array(
            [r.state[name][i, j] if name in r.state else np.nan for r in recs], dtype=float
        )
    return out


def loss_rose(run: Run) -> bool:
    """Whether training diverged or ended with a higher training loss than it started with."""
    return run.diverged or _final_loss(run) > start_loss(run)


def start_loss(run: Run) -> float:
    """Loss on the whole training set at the initial parameters (shared by runs from one init)."""
    first = run.records[run.recorded_steps[0]].params
    net = run.network(first)
    return net.evaluate(run.data.X_train, run.data.y_train, run.config.loss)[0]


def comparison_frame(runs: dict[str, Run], target: float) -> pd.DataFrame:
    """Per run: the step the training loss first reached `target`, the final loss, divergence."""
    rows = []
    for name, run in runs.items():
        final = _final_loss(run)
        rows.append(
            {
                "optimizer": name,
                "steps to target": steps_to_target(run.train_loss, target, run.eval_steps),
                "final loss": final if np.isfinite(final) else np.nan,
                "diverged at": run.diverged_at,
            }
        )
    frame = pd.DataFrame(rows)
    # Nullable integers: "not reached" and "did not diverge" stay missing, not NaN floats.
    return frame.astype({"steps to target": "Int64", "diverged at": "Int64"})
