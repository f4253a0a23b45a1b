"""Cached runs are shared, never copied: the same object on every hit, never modified, bounded."""

from __future__ import annotations

import hashlib

import numpy as np

from engine import Config
from tests.apptest_utils import run_page
from ui import optimizer_runs, runs, vanishing_runs
from ui.cache import immutable_cache

PAGES = (
    "app_pages/overview.py",
    "app_pages/forward.py",
    "app_pages/error.py",
    "app_pages/backward.py",
    "app_pages/gradient_norms.py",
    "app_pages/optimizers.py",
    "app_pages/vanishing.py",
)


def fingerprint(obj, digest=None, seen=None) -> str:
    """A hash of every array and scalar reachable from `obj`: any in-place change alters it."""
    top = digest is None
    digest = digest or hashlib.sha256()
    seen = seen if seen is not None else set()
    if id(obj) in seen:
        return ""
    seen.add(id(obj))
    if isinstance(obj, np.ndarray):
        digest.update(str((obj.dtype, obj.shape)).encode())
        digest.update(np.ascontiguousarray(obj).tobytes())
    elif isinstance(obj, dict):
        for key in sorted(obj, key=str):
            digest.update(str(key).encode())
            fingerprint(obj[key], digest, seen)
    elif isinstance(obj, list | tuple):
        for item in obj:
            fingerprint(item, digest, seen)
    elif hasattr(obj, "__dict__"):
        fingerprint(vars(obj), digest, seen)
    else:
        digest.update(repr(obj).encode())
    return digest.hexdigest() if top else ""


def test_a_cache_hit_is_the_same_object_and_trains_nothing():
    cfg = Config(steps=5, seed=11)
    first = runs.run_for(cfg)
    calls = runs.TRAIN_CALLS["count"]
    assert runs.run_for(cfg) is first
    assert runs.TRAIN_CALLS["count"] == calls


def test_every_page_leaves_the_cached_runs_unchanged():
    for page in PAGES:  # fill the caches the pages read
        run_page(page)
    cfg = Config()
    shared = [runs.run_for(cfg), optimizer_runs.train_all(cfg), vanishing_runs.comparison(cfg)]
    before = [fingerprint(x) for x in shared]
    calls = dict(runs.TRAIN_CALLS)
    for page in PAGES:
        at = run_page(page)
        assert not at.exception, page
    assert dict(runs.TRAIN_CALLS) == calls  # the pages were served from the cache...
    assert [fingerprint(x) for x in shared] == before  # ...and changed nothing in it
    assert runs.run_for(cfg) is shared[0]


def test_fingerprint_sees_an_in_place_change():
    run = runs.run_for(Config(steps=5, seed=12))
    before = fingerprint(run)
    step = run.recorded_steps[-1]
    layer = run.records[step].layers[run.layer_names[0]]
    old = layer.W[0, 0]
    layer.W[0, 0] += 1.0
    try:
        assert fingerprint(run) != before
    finally:
        layer.W[0, 0] = old
    assert fingerprint(run) == before


def test_the_cache_is_bounded_and_evicts_the_oldest():
    calls = {"n": 0}

    @immutable_cache(max_entries=3, ttl=60)
    def square(x: int) -> list[int]:
        calls["n"] += 1
        return [x * x]

    values = [square(k) for k in range(3)]
    assert [square(k) for k in range(3)] == values and calls["n"] == 3
    assert all(square(k) is values[k] for k in range(3))
    square(3)  # a fourth entry pushes one out
    for k in range(4):
        square(k)
    assert calls["n"] > 4
    square.clear()


def test_two_cached_functions_do_not_share_entries():
    @immutable_cache(max_entries=2, ttl=60)
    def double(x: int) -> int:
        return 2 * x

    @immutable_cache(max_entries=2, ttl=60)
    def triple(x: int) -> int:
        return 3 * x

    assert (double(5), triple(5)) == (10, 15)


def test_is_cached_says_whether_a_call_would_train():
    cfg = Config(steps=4, seed=13)
    assert not runs.is_cached(cfg)
    calls = runs.TRAIN_CALLS["count"]
    assert not runs.is_cached(cfg)  # asking does not train
    assert runs.TRAIN_CALLS["count"] == calls
    runs.run_for(cfg)
    assert runs.is_cached(cfg)
