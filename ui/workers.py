"""Training jobs side by side in worker processes, shared by every session of the server.

Streamlit runs each session's script in a thread of one process, so Python's lock lets all
of their training use one core at a time. A page that trains several networks (the four
variants, the optimizers, the seeds, the three sequence models and their length sweep) hands
them to a pool of processes, one per core: on two cores their training takes 22% to 43%
less time (benchmarks/README.md), and the server serves more visitors.
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing
import os
import sys
import threading
import types
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from engine.training.jobs import JobsProgress, in_turn

T = TypeVar("T")

MAX_WORKERS = 4  # a bigger host still leaves cores to the server and other sessions
POLL_S = 0.1  # how often a waiting script passes on its jobs' progress
REPORT_EVERY = 0.02  # a worker reports a job's progress when it moved this much (or ended)
# After this many pools lost a worker, the process runs its jobs itself: workers that cannot
# start (or keep dying) would otherwise cost every page a new pool and its failure.
MAX_BROKEN = 3

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_queue: Any = None  # where the workers report progress, read by one thread of the server
_progress: dict[int, float] = {}  # job id -> fraction done, for jobs someone waits on
_ids = itertools.count()
_broken = 0  # pools that lost a worker so far
_context = multiprocessing.get_context("spawn")
# In a worker: its end of _queue.
_worker_queue: Any = None


def worker_count() -> int:
    """How many worker processes the pool has: one per core this process may use."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return min(cores or 1, MAX_WORKERS)


def start() -> None:
    """Start the workers now, so that the first page that needs them does not wait for them
    to start and import the engine."""
    _shared_pool()


def run_jobs(
    fn: Callable[..., T],
    jobs: Sequence[tuple[Any, ...]],
    on_progress: JobsProgress | None = None,
) -> list[T]:
    """Run `fn(*args, on_progress=...)` for each job in the worker processes; results in
    order. With one core, or one job, they run here, one after another."""
    pool = _shared_pool() if len(jobs) > 1 else None
    if pool is None:
        return in_turn(fn, jobs, on_progress)
    ids = [next(_ids) for _ in jobs]
    with _lock:
        _progress.update(dict.fromkeys(ids, 0.0))
    futures: list[Future] = []
    try:
        futures = [pool.submit(_run_job, i, fn, args) for i, args in zip(ids, jobs, strict=True)]
        _wait(futures, ids, on_progress)
        return [f.result() for f in futures]
    except BrokenProcessPool:
        # A worker died (killed, out of memory): start a new pool next time, run these here.
        _discard(pool)
        return in_turn(fn, jobs, on_progress)
    finally:
        for f in futures:
            f.cancel()  # the script stopped early: drop what has not started
        with _lock:
            for i in ids:
                _progress.pop(i, None)


def _wait(futures: list[Future], ids: list[int], on_progress: JobsProgress | None) -> None:
    pending = set(futures)
    while pending:
        _, pending = wait(pending, timeout=POLL_S, return_when=FIRST_COMPLETED)
        if on_progress is not None:
            with _lock:
                done = [_progress.get(i, 0.0) for i in ids]
            on_progress([1.0 if f.done() else d for f, d in zip(futures, done, strict=True)])


def _shared_pool() -> ProcessPoolExecutor | None:
    global _pool, _queue
    workers = worker_count()
    if workers < 2 or _broken >= MAX_BROKEN:
        return None
    with _lock:
        if _queue is None:
            _queue = _context.Queue()
            threading.Thread(target=_collect, args=(_queue,), daemon=True).start()
        if _pool is None:
            # Spawned, not forked: the server has threads, and a forked child would copy
            # their locks mid-use. Each worker computes on its own core only.
            os.environ["OPENBLAS_NUM_THREADS"] = "1"
            _pool = ProcessPoolExecutor(
                workers, mp_context=_context, initializer=_start_worker, initargs=(_queue,)
            )
            with _main_hidden():
                for _ in range(workers):
                    _pool.submit(_ready)  # the pool starts a process for each, at once
        return _pool


@contextlib.contextmanager
def _main_hidden() -> Iterator[None]:
    """A spawned process first runs the parent's `__main__` file again. In the server that is
    the app's script (Streamlit runs every script as `__main__`), which must not run in a
    worker: the processes start while `__main__` is an empty module."""
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


def _discard(pool: ProcessPoolExecutor) -> None:
    global _pool, _broken
    with _lock:
        if _pool is pool:
            _pool = None
            _broken += 1
    pool.shutdown(wait=False, cancel_futures=True)


def _collect(queue: Any) -> None:
    """In the server: keep the latest progress the workers report, for jobs still awaited."""
    while True:
        job, fraction = queue.get()
        with _lock:
            if job in _progress:
                _progress[job] = fraction


def _ready() -> None:
    """In a worker: nothing; the worker has started and imported the engine."""


def _start_worker(queue: Any) -> None:
    global _worker_queue
    _worker_queue = queue


def _run_job(job: int, fn: Callable[..., T], args: tuple[Any, ...]) -> T:
    """In a worker: one job, its progress sent to the server now and then."""
    sent = [0.0]

    def report(fraction: float) -> None:
        if fraction - sent[0] >= REPORT_EVERY or fraction >= 1.0:
            sent[0] = fraction
            _worker_queue.put((job, fraction))

    return fn(*args, on_progress=report)
