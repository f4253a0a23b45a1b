"""The session's experiment: its Config, its (uploaded) data, and cached training runs."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from contextvars import ContextVar

import streamlit as st

from engine import Config, Dataset, Run, train
from engine.training.loop import dataset_for
from ui.cache import immutable_cache
from ui.progress import Progress
from ui.settings import CACHE_TTL

CONFIG_KEY = "_config"
UPLOAD_KEY = "_upload_dataset"

# Counts real (uncached) training runs in this process; tests read it to prove caching.
TRAIN_CALLS = {"count": 0}

# A shared demo keeps at most this many runs, each for at most an hour; a run of the
# largest config holds at most the 32 MB recording budget plus its scalars.
CACHE_ENTRIES = 24


def config() -> Config:
    """The validated Config the sidebar built for this rerun."""
    return st.session_state.get(CONFIG_KEY) or Config()


def uploaded_dataset() -> Dataset | None:
    """The user's uploaded data set, when one is in use."""
    cfg = config()
    return st.session_state.get(UPLOAD_KEY) if cfg.dataset.startswith("upload_") else None


# What the page draws if training turns out slow (run's `while_slow`): not an argument of
# the cached call, which would key the cache by it.
_WHILE_SLOW: ContextVar[Callable[[], None] | None] = ContextVar("while_slow", default=None)


@immutable_cache(max_entries=CACHE_ENTRIES, ttl=CACHE_TTL)
def _train_cached(cfg: Config, data: Dataset | None) -> Run:
    TRAIN_CALLS["count"] += 1
    # Shown on a miss only: immutable_cache draws nothing on a hit.
    bar = Progress("Training…", on_show=_WHILE_SLOW.get())

    def report(step: int, total: int, loss: float) -> None:
        bar.update(step / total, f"Training: step {step} of {total}, loss {loss:.4g}")

    run = train(cfg, on_progress=report, data=data)
    bar.done()
    return run


def data_key() -> str | None:
    """A fingerprint of the uploaded data in use (None for a built-in data set)."""
    data = uploaded_dataset()
    if data is None:
        return None
    digest = hashlib.sha256()
    for arr in (data.X_train, data.y_train, data.X_test, data.y_test):
        digest.update(arr.tobytes())
    return digest.hexdigest()


def run_for(cfg: Config, data: Dataset | None = None) -> Run:
    """The training run of `cfg` (on `data` if given), from the cache when possible."""
    return _train_cached(cfg, data)


def run(while_slow: Callable[[], None] | None = None) -> Run:
    """The training run of this session's experiment.

    `while_slow` is called once if training takes long enough to show its progress bar.
    """
    token = _WHILE_SLOW.set(while_slow)
    try:
        return run_for(config(), uploaded_dataset())
    finally:
        _WHILE_SLOW.reset(token)


def is_cached(cfg: Config, data: Dataset | None = None) -> bool:
    """Whether the run of `cfg` is ready in the cache (no training, no progress bar)."""
    return _train_cached.ready(cfg, data)


def data_for(cfg: Config, data: Dataset | None = None) -> Dataset:
    """The data the run of `cfg` trains on: the upload if given, else the built-in set."""
    return data if data is not None else dataset_for(cfg)
