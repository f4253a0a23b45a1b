"""Training jobs one after another (engine) and side by side in worker processes (ui)."""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import sys
import time
import types

import numpy as np
import pytest

from engine import Config
from engine.analysis.experiments import compare_variants
from engine.sequence import SequenceConfig, compare_kinds, length_sweep
from engine.training.jobs import in_turn
from tests.apptest_utils import assert_ok, run_page
from ui import workers
from ui.progress import jobs_bar


@pytest.fixture
def two_workers(monkeypatch):
    """A pool of two workers, also on a one-core machine."""
    monkeypatch.setattr(workers, "worker_count", lambda: 2)


@pytest.fixture
def fresh_pool(two_workers, monkeypatch):
    """The next jobs start a new pool, shut down after the test."""
    monkeypatch.setattr(workers, "_pool", None)
    monkeypatch.setattr(workers, "_broken", 0)
    yield
    if workers._pool is not None:
        workers._pool.shutdown(cancel_futures=True)


def _pid(tag: str, on_progress=None) -> tuple[str, int]:
    return tag, os.getpid()


def _steps(tag: str, on_progress=None) -> str:
    for k in range(1, 6):
        time.sleep(0.06)
        on_progress(k / 5)
    return tag


def _fails(tag: str, on_progress=None) -> str:
    raise ValueError(f"bad job {tag}")


def _dies_in_a_worker(tag: str, on_progress=None) -> tuple[str, int]:
    if multiprocessing.parent_process() is not None:
        os._exit(1)
    return tag, os.getpid()


def test_in_turn_runs_each_job_here_in_order_with_its_progress():
    seen: list[list[float]] = []
    assert in_turn(_steps, [("a",), ("b",)], seen.append) == ["a", "b"]
    assert seen[0] == [0.2, 0.0]
    assert [0.6, 0.0] in seen and [1.0, 0.4] in seen
    assert seen[-1] == [1.0, 1.0]
    assert in_turn(_pid, [("a",)]) == [("a", os.getpid())]


def test_jobs_run_in_other_processes_and_keep_their_order(two_workers):
    results = workers.run_jobs(_pid, [(tag,) for tag in "abcde"])
    assert [tag for tag, _ in results] == list("abcde")
    assert os.getpid() not in {pid for _, pid in results}


def test_one_job_or_one_core_runs_here(monkeypatch):
    assert workers.run_jobs(_pid, [("a",)]) == [("a", os.getpid())]
    monkeypatch.setattr(workers, "worker_count", lambda: 1)
    assert workers.run_jobs(_pid, [("a",), ("b",)]) == [("a", os.getpid()), ("b", os.getpid())]


def test_the_workers_progress_reaches_the_waiting_script(two_workers):
    seen: list[list[float]] = []
    assert workers.run_jobs(_steps, [("a",), ("b",)], seen.append) == ["a", "b"]
    assert seen[-1] == [1.0, 1.0]
    # The fractions the workers sent along the way, not only each job's end.
    assert any(0.0 < f < 1.0 for done in seen for f in done)
    for k in range(2):
        assert [done[k] for done in seen] == sorted(done[k] for done in seen)
    assert not workers._progress  # nothing kept once the jobs are done


def test_a_job_error_reaches_the_caller(two_workers):
    with pytest.raises(ValueError, match="bad job b"):
        workers.run_jobs(_fails, [("b",), ("c",)])


def test_a_dead_worker_costs_a_rerun_here_not_the_page(two_workers, monkeypatch):
    monkeypatch.setattr(workers, "_broken", 0)
    results = workers.run_jobs(_dies_in_a_worker, [("a",), ("b",)])
    assert results == [("a", os.getpid()), ("b", os.getpid())]
    # The broken pool was dropped: the next jobs get a new one.
    assert os.getpid() not in {pid for _, pid in workers.run_jobs(_pid, [("c",), ("d",)])}


def test_workers_do_not_run_the_app_script(fresh_pool, monkeypatch, tmp_path):
    # Streamlit runs the app's script as __main__, and a spawned process runs the parent's
    # __main__ file first: here, one that marks it ran and dies.
    marker = tmp_path / "ran"
    script = tmp_path / "app.py"
    script.write_text(f"open({str(marker)!r}, 'w').close()\nraise SystemExit(3)\n")
    app = types.ModuleType("__main__")
    app.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", app)
    results = workers.run_jobs(_pid, [("a",), ("b",)])
    assert os.getpid() not in {pid for _, pid in results}
    assert not marker.exists()
    assert sys.modules["__main__"] is app


def test_the_app_trains_a_pages_networks_in_the_workers(fresh_pool):
    at = run_page("app_pages/vanishing.py", {"seed": "77"})
    assert_ok(at)
    assert workers._pool is not None and workers._broken == 0
    # The app started the workers before the page needed them, and none of them died.
    assert all(p.is_alive() for p in workers._pool._processes.values())
    assert len(workers._pool._processes) == 2


def _assert_same(a, b) -> None:
    """Equal dataclasses, arrays compared bit for bit (NaN equal to NaN)."""
    for f in dataclasses.fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, dict):
            assert x.keys() == y.keys()
            for k in x:
                np.testing.assert_array_equal(x[k], y[k])
        elif isinstance(x, np.ndarray) or x is None:
            np.testing.assert_array_equal(x, y)
        else:
            assert x == y or (x != x and y != y), f.name


def test_the_pool_trains_the_numbers_of_one_process(two_workers):
    cfg = Config(depth=4, width=6, steps=30, activation="sigmoid")
    here = compare_variants(cfg)
    there = compare_variants(cfg, run_jobs=workers.run_jobs)
    assert list(there) == list(here)
    for name in here:
        _assert_same(here[name], there[name])
    seq = SequenceConfig(task="adding", length=6, hidden=5, steps=15, batch=8)
    here_seq = compare_kinds(seq)
    there_seq = compare_kinds(seq, run_jobs=workers.run_jobs)
    for kind in here_seq:
        _assert_same(here_seq[kind], there_seq[kind])
    here_sweep = length_sweep("copy_first", 0.02, lengths=(3, 5))
    there_sweep = length_sweep("copy_first", 0.02, lengths=(3, 5), run_jobs=workers.run_jobs)
    _assert_same(here_sweep, there_sweep)


def test_jobs_bar_says_how_many_jobs_are_done():
    shown: list[tuple[float, str | None]] = []

    class Bar:
        def update(self, fraction: float, text: str | None = None) -> None:
            shown.append((fraction, text))

    report = jobs_bar(Bar(), "the four networks")  # type: ignore[arg-type]
    report([1.0, 0.5, 0.0, 0.5])
    assert shown == [(0.5, "Training the four networks: 1 of 4 done…")]


def test_workers_that_keep_dying_are_not_started_again(two_workers, monkeypatch):
    monkeypatch.setattr(workers, "_broken", workers.MAX_BROKEN)
    assert workers.run_jobs(_pid, [("a",), ("b",)]) == [("a", os.getpid()), ("b", os.getpid())]
