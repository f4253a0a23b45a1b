"""Cached seed comparisons: the sidebar's network trained from several seeds on the same data."""

from __future__ import annotations

from engine import Config, Dataset
from engine.analysis.seeds import SeedRuns, train_seeds
from ui import workers
from ui.cache import immutable_cache
from ui.progress import Progress, jobs_bar
from ui.settings import CACHE_TTL

CACHE_ENTRIES = 16

# Counts real (uncached) comparisons in this process; tests read it to prove caching.
CALLS = {"count": 0}


@immutable_cache(max_entries=CACHE_ENTRIES, ttl=CACHE_TTL)
def seed_runs(cfg: Config, count: int, data: Dataset | None = None) -> SeedRuns:
    """`cfg` trained from `count` seeds, with a progress bar while it runs."""
    CALLS["count"] += 1
    # Shown on a miss only: immutable_cache draws nothing on a hit.
    bar = Progress(f"Training {count} runs…")
    result = train_seeds(cfg, count, data, jobs_bar(bar, f"{count} runs"), workers.run_jobs)
    bar.done()
    return result
