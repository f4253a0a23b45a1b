"""Independent training jobs: one after another here, or side by side by a runner the caller
passes in (the app runs them in worker processes, ui/workers.py).

A job is `fn(*args, on_progress=report)`, where `report(fraction)` says how much of it is
done (0 to 1). A runner takes `fn`, the jobs' args and an optional `on_progress`, which it
calls with the fraction done of every job, and returns the jobs' results in order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from engine.training.config import Config
from engine.training.datasets import Dataset
from engine.training.loop import DEFAULT_BUDGET, train
from engine.training.records import Run

T = TypeVar("T")

JobsProgress = Callable[[list[float]], None]


class Runner(Protocol):
    """Runs `fn(*args, on_progress=...)` for each args in `jobs`; the results in order."""

    def __call__(
        self,
        fn: Callable[..., T],
        jobs: Sequence[tuple[Any, ...]],
        on_progress: JobsProgress | None = None,
    ) -> list[T]: ...


def in_turn(
    fn: Callable[..., T],
    jobs: Sequence[tuple[Any, ...]],
    on_progress: JobsProgress | None = None,
) -> list[T]:
    """Run the jobs one after another in this process."""
    done = [0.0] * len(jobs)
    results = []
    for k, args in enumerate(jobs):

        def report(fraction: float, k: int = k) -> None:
            done[k] = fraction
            if on_progress is not None:
                on_progress(list(done))

        results.append(fn(*args, on_progress=report))
        report(1.0)
    return results


def train_job(
    config: Config,
    data: Dataset,
    on_progress: Callable[[float], None] | None = None,
    *,
    record: bool = True,
    budget: int = DEFAULT_BUDGET,
) -> Run:
    """train() as a job: its progress is the fraction of the steps done."""

    def report(step: int, total: int, loss: float) -> None:
        if on_progress is not None:
            on_progress(step / total)

    return train(
        config, on_progress=report if on_progress else None, data=data, record=record, budget=budget
    )
