"""The same network and data trained from several random starts: do the runs end alike?

Each run keeps the config's data set and changes only the seed of the starting weights
(and of the batch order). Runs are trained without recording tensors, on a step budget
that shrinks with the network's size so a comparison stays a few seconds long.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial

import numpy as np

from engine.analysis.grid import grid_for
from engine.training.config import Config
from engine.training.datasets import Dataset
from engine.training.jobs import JobsProgress, Runner, in_turn, train_job
from engine.training.loop import dataset_for
from engine.training.records import Run

SEED_COUNTS = (8, 12, 16)
# Steps of the default network (2x8, batch 32) the comparison may spend across all runs:
# 8 runs of 300 steps took ~4.5 s on one loaded core (2 ms a step, mostly fixed overhead).
STEP_BUDGET = 2500
# A step's cost beyond that overhead grows with weights x samples seen (batch + evaluation):
# measured ~1 ms more per million.
COST_SCALE = 1_000_000
MIN_STEPS = 20  # fewer steps than this say nothing about where a run ends
# The runs ended in the same place when best and worst final loss differ by less than
# SAME_SHARE of the median final loss, or by less than SAME_FLOOR (losses near zero).
SAME_SHARE = 0.5
SAME_FLOOR = 0.05
# A run is still improving when its loss fell by more than this share over its last quarter.
STILL_FALLING = 0.05


def step_cost(config: Config, data: Dataset) -> float:
    """Relative cost of one training step of `config` (about 1 for small networks)."""
    sizes = config.sizes(data.n_outputs)
    weights = sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True))
    batch = min(config.batch_size, len(data.X_train))
    # Each step trains on a batch and evaluates the whole data set.
    return 1.0 + weights * (batch + len(data.X)) / COST_SCALE


def steps_per_run(config: Config, data: Dataset, runs: int) -> int:
    """Steps each run gets within the budget: the config's steps when they fit (0: too large)."""
    steps = int(STEP_BUDGET / (runs * step_cost(config, data)))
    if steps < MIN_STEPS:
        return 0
    return min(config.steps, steps)


@dataclass(frozen=True)
class SeedRuns:
    """Final losses, loss curves and the runs themselves, one per seed."""

    seeds: tuple[int, ...]
    steps: int
    eval_steps: np.ndarray  # steps at which the curves were measured
    curves: np.ndarray  # (runs, evals) loss on the whole training set; NaN after divergence
    final: np.ndarray  # (runs,) last training-set loss; inf for a diverged run
    runs: tuple[Run, ...]

    @property
    def best(self) -> int:
        """Index of the run with the lowest final loss."""
        return int(np.argmin(self.final))

    @property
    def worst(self) -> int:
        """Index of the run with the highest final loss."""
        return int(np.argmax(self.final))


def train_seeds(
    config: Config,
    count: int,
    data: Dataset | None = None,
    on_progress: JobsProgress | None = None,
    run_jobs: Runner = in_turn,
) -> SeedRuns:
    """Train `config` from `count` seeds (config.seed, +1, …) on the same data, within budget.

    `run_jobs` runs the trainings and reports the fraction done of each, in seed order.
    """
    data = data if data is not None else dataset_for(config)
    steps = steps_per_run(config, data, count)
    if steps == 0:
        raise ValueError("this network is too large to train several times within the budget")
    seeds = tuple(config.seed + k for k in range(count))
    jobs = [(config.replace(seed=seed, steps=steps), data) for seed in seeds]
    runs = run_jobs(partial(train_job, record=False), jobs, on_progress)
    eval_steps = runs[0].eval_steps
    for run in runs:
        if len(run.eval_steps) > len(eval_steps):
            eval_steps = run.eval_steps
    curves = np.full((count, len(eval_steps)), np.nan)
    final = np.full(count, np.inf)
    for k, run in enumerate(runs):
        curves[k, : len(run.train_loss)] = run.train_loss
        if run.diverged_at is None and len(run.train_loss) and math.isfinite(run.train_loss[-1]):
            final[k] = run.train_loss[-1]
    return SeedRuns(seeds, steps, eval_steps, curves, final, tuple(runs))


@dataclass(frozen=True)
class Verdict:
    """Whether the runs ended in the same place, and the numbers that decide it."""

    same: bool
    best: float
    worst: float
    median: float
    spread: float  # (worst - best) / median
    diverged: int  # runs whose loss became NaN or infinite
    worst_still_falling: bool  # the worst run's loss was still dropping at its end
    worst_drop: float  # share by which the worst run's loss fell over its last quarter


def verdict(final: np.ndarray, worst_curve: np.ndarray) -> Verdict:
    """Apply the same-place rule to final losses; `worst_curve` is the worst run's curve."""
    finite = final[np.isfinite(final)]
    diverged = int(len(final) - len(finite))
    if len(finite) == 0:
        return Verdict(False, math.inf, math.inf, math.inf, math.inf, diverged, False, 0.0)
    best, worst = float(finite.min()), float(np.max(final))
    median = float(np.median(finite))
    gap = worst - best
    spread = gap / median if median > 0 else (0.0 if gap == 0 else math.inf)
    same = diverged == 0 and (gap < SAME_SHARE * median or gap < SAME_FLOOR)
    curve = worst_curve[np.isfinite(worst_curve)]
    drop = 0.0
    if len(curve) >= 4:
        start = float(curve[-max(2, len(curve) // 4)])
        drop = (start - float(curve[-1])) / start if start > 0 else 0.0
    return Verdict(same, best, worst, median, spread, diverged, drop > STILL_FALLING, drop)


def final_grid(run: Run, resolution: int) -> np.ndarray:
    """A run's outputs after training on grid_for's grid: (ys, xs), or (ys, xs, classes)."""
    _, _, points = grid_for(run.data, resolution)
    y_hat = run.predict(points)
    grid = y_hat.reshape(resolution, resolution, y_hat.shape[1])
    return grid[..., 0] if y_hat.shape[1] == 1 else grid
