"""Cached optimizer comparisons: every optimizer trained from the same weights, and the surface."""

from __future__ import annotations

from functools import partial

from engine import Config, Dataset, Run
from engine.analysis.landscape import Surface, optimizer_steps, surface_for
from engine.training.jobs import train_job
from engine.training.loop import dataset_for
from ui import workers
from ui.cache import immutable_cache
from ui.progress import Progress, jobs_bar
from ui.settings import CACHE_TTL

# The optimizers compared; the sidebar's optimizer joins them when it is not one of these.
COMPARED = ("sgd", "momentum", "rmsprop", "adam", "adamw")
# Recording budget per optimizer: enough for the paths, small enough to cache many configs.
RUN_BUDGET = 4 * 2**20
CACHE_ENTRIES = 16

# Counts real (uncached) computations in this process; tests read it to prove caching.
CALLS = {"train": 0, "surface": 0}


def optimizer_names(cfg: Config) -> tuple[str, ...]:
    """The optimizers this config's comparison trains, in legend order."""
    return COMPARED if cfg.optimizer in COMPARED else (*COMPARED, cfg.optimizer)


@immutable_cache(max_entries=CACHE_ENTRIES, ttl=CACHE_TTL)
def train_all(cfg: Config, data: Dataset | None = None) -> dict[str, Run]:
    """Every compared optimizer trained on the same data from the same initial weights."""
    CALLS["train"] += 1
    names = optimizer_names(cfg)
    steps = optimizer_steps(cfg, len(names))
    data = data if data is not None else dataset_for(cfg)
    # One seed, so the same initial weights for every optimizer.
    jobs = [(cfg.replace(optimizer=name, steps=steps), data) for name in names]
    # Shown on a miss only: immutable_cache draws nothing on a hit.
    bar = Progress("Training the optimizers…")
    runs = workers.run_jobs(
        partial(train_job, budget=RUN_BUDGET), jobs, jobs_bar(bar, f"the {len(names)} optimizers")
    )
    bar.done()
    return dict(zip(names, runs, strict=True))


@immutable_cache(max_entries=CACHE_ENTRIES, ttl=CACHE_TTL)
def surface(cfg: Config, data: Dataset | None = None, method: str = "pca") -> Surface:
    """The loss surface around the sidebar optimizer's solution, with every path on it."""
    CALLS["surface"] += 1
    runs = train_all(cfg, data)
    bar = Progress("Computing the loss surface…")

    def report(done: int, total: int) -> None:
        bar.update(done / total, f"Computing the loss surface: row {done} of {total}")

    result = surface_for(runs, cfg.optimizer, method=method, seed=cfg.seed, on_row=report)
    bar.done()
    return result
