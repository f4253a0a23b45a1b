"""Cached gradient experiments for the Vanishing gradients page: the four variants, the sweep."""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from engine import Config, Dataset
from engine.analysis.experiments import (
    SWEEP_DEPTHS,
    VARIANTS,
    DepthSweep,
    VariantResult,
    compare_variants,
    depth_sweep,
)
from ui import workers
from ui.cache import immutable_cache
from ui.progress import Progress, jobs_bar
from ui.settings import CACHE_TTL

CACHE_ENTRIES = 16

# Counts real (uncached) computations in this process; tests read it to prove caching.
CALLS = {"comparison": 0, "sweep": 0}


@immutable_cache(max_entries=CACHE_ENTRIES, ttl=CACHE_TTL)
def comparison(config: Config, data: Dataset | None = None) -> dict[str, VariantResult]:
    """The config trained four ways (plain, + residual, + LayerNorm, + both), with progress."""
    CALLS["comparison"] += 1
    # Shown on a miss only: immutable_cache draws nothing on a hit.
    bar = Progress("Training the four networks…")
    results = compare_variants(config, data, jobs_bar(bar, "the four networks"), workers.run_jobs)
    bar.done()
    return results


def sweep(config: Config, data: Dataset | None = None) -> DepthSweep:
    """The first hidden layer's gradient at initialisation for depths 1 to 64, with progress.

    The sweep tries every depth itself, so it is computed once for all of the sidebar's
    depths: changing Hidden layers retrains the four networks, not the sweep.
    """
    return sweep_at_init(dataclasses.replace(config, depth=1), data)


@immutable_cache(max_entries=CACHE_ENTRIES, ttl=CACHE_TTL)
def sweep_at_init(config: Config, data: Dataset | None = None) -> DepthSweep:
    """The sweep of `config` (whose depth it does not use), cached.

    One depth at a time, so the bar can move: the deep networks take most of the time.
    """
    CALLS["sweep"] += 1
    bar = Progress("Measuring the gradient at every depth…")
    # Each depth costs about its number of layers: weigh the bar by that.
    total = float(sum(SWEEP_DEPTHS))
    parts = []
    for depth in SWEEP_DEPTHS:
        done = sum(d for d in SWEEP_DEPTHS if d < depth) / total
        bar.update(done, f"Measuring the gradient at {depth} hidden layers…")
        parts.append(depth_sweep(config, depths=(depth,), data=data))
    bar.done()
    return DepthSweep(
        np.concatenate([p.depths for p in parts]),
        np.concatenate([p.widths for p in parts]),
        {
            m: {v: np.concatenate([p.first_layer[m][v] for p in parts]) for v in VARIANTS}
            for m in parts[0].first_layer
        },
    )


def sci(x: float, digits: int = 2) -> str:
    """A number for the page's text: 0.25, 12 or 3.2e-7."""
    if not math.isfinite(x):
        return "n/a"
    if x == 0 or 1e-3 <= abs(x) < 1e4:
        return f"{float(f'{x:.{digits}g}'):g}"  # round to `digits` significant, print plainly
    mantissa, exponent = f"{x:.{digits - 1}e}".split("e")
    return f"{mantissa.removesuffix('.0')}e{int(exponent)}"


def span(values: np.ndarray) -> str:
    """The range of some values for the page's text: "0.2 to 0.25", or one value if they agree."""
    lo, hi = sci(float(min(values))), sci(float(max(values)))
    return lo if lo == hi else f"{lo} to {hi}"
