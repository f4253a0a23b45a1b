"""A grid over the input plane and the network's predictions on it at recorded steps."""

from __future__ import annotations

import numpy as np

from engine.training.datasets import Dataset
from engine.training.records import Run

MARGIN = 0.1  # share of the data's extent added on each side of the grid
# Multiply-adds spent on boundary animations of one run: a frame costs
# grid points x weights, so large networks get fewer frames.
FRAME_WORK = 2e9


def grid_for(data: Dataset, resolution: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Grid axes xs, ys covering train and test inputs with a margin, and the points row by row.

    points[i * resolution + j] is (xs[j], ys[i]), so predictions reshape to (ys, xs) for a heatmap.
    """
    X = data.X
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = np.maximum((hi - lo) * MARGIN, 0.1)
    xs = np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution)
    ys = np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution)
    gx, gy = np.meshgrid(xs, ys)
    return xs, ys, np.column_stack([gx.ravel(), gy.ravel()])


def predictions_on_grid(run: Run, steps: list[int], resolution: int) -> np.ndarray:
    """Network outputs on the grid with the weights of each recorded step.

    Shape (len(steps), resolution, resolution) for one output, with a trailing class axis for
    several; rows follow ys and columns xs of grid_for.
    """
    _, _, points = grid_for(run.data, resolution)
    out = []
    for step in steps:
        y_hat = run.predict(points, step=step)
        grid = y_hat.reshape(resolution, resolution, y_hat.shape[1])
        out.append(grid[..., 0] if y_hat.shape[1] == 1 else grid)
    return np.stack(out)


def max_frames(run: Run, resolution: int, limit: int = 40) -> int:
    """How many boundary frames fit the compute budget for this run's network (at least 2)."""
    weights = sum(a * b for a, b in zip(run.sizes[:-1], run.sizes[1:], strict=True))
    return int(np.clip(FRAME_WORK // (weights * resolution * resolution), 2, limit))


def animation_steps(recorded: list[int], chosen: int, count: int) -> list[int]:
    """At most `count` evenly spaced recorded steps, always with the first, last and chosen."""
    if len(recorded) <= count:
        return list(recorded)
    count = max(count, 3)
    steps = [recorded[i] for i in np.linspace(0, len(recorded) - 1, count).round().astype(int)]
    if chosen in recorded and chosen not in steps:
        # Swap the chosen step in for the nearest inner pick, keeping first and last.
        inner = min(range(1, count - 1), key=lambda k: abs(steps[k] - chosen))
        steps[inner] = chosen
    return sorted(steps)
