"""Cached optimizer comparisons: every optimizer trained from the same weights, and the surface."""

from __future__ import annotations

from engine import Config, Dataset, Run, train
from engine.analysis.landscape import Surface, optimizer_steps, surface_for
from ui.cache import immutable_cache
from ui.progress import Progress
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
    # Shown on a miss only: immutable_cache draws nothing on a hit.
    bar = Progress("Training the optimizers…")
    runs: dict[str, Run] = {}
    for k, name in enumerate(names):

        def report(step: int, total: int, loss: float, k: int = k, name: str = name) -> None:
            bar.update(
                (k + step / total) / len(names),
                f"Training {name} ({k + 1} of {len(names)}): step {step} of {total}",
            )

        first = next(iter(runs.values()), None)
        runs[name] = train(
            cfg.replace(optimizer=name, steps=steps),
            on_progress=report,
            data=first.data if first else data,
            budget=RUN_BUDGET,
            initial_params=first.records[0].params if first else None,
        )
    bar.done()
    return runs


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
