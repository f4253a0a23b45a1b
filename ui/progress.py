"""A progress bar for work that may be quick: it appears only if the work takes a while."""

from __future__ import annotations

import time
from collections.abc import Callable

import streamlit as st

# Work done before this shows no bar at all: most retrains of a small network finish in
# under a tenth of a second, and every bar update is a message the browser must draw.
SHOW_AFTER_S = 0.25
# Then the bar moves at most this often: enough to see it move.
EVERY_S = 0.1


class Progress:
    """A bar in a placeholder, drawn once the work has run SHOW_AFTER_S, updated at most
    every EVERY_S, and removed by done().

    `on_show` is called once, just before the bar first appears: for what is worth drawing
    only while slow work runs (the page's data, while its network trains).
    """

    def __init__(
        self,
        text: str,
        clock: Callable[[], float] = time.perf_counter,
        on_show: Callable[[], None] | None = None,
    ) -> None:
        self._slot = st.empty()
        self._text = text
        self._clock = clock
        self._start = clock()
        self._shown_at: float | None = None
        self._on_show = on_show

    def update(self, fraction: float, text: str | None = None) -> None:
        """Move the bar to `fraction` (0 to 1), with `text` if given, when it is time to."""
        now = self._clock()
        if now - self._start < SHOW_AFTER_S:
            return
        if self._shown_at is not None and now - self._shown_at < EVERY_S:
            return
        if self._shown_at is None and self._on_show is not None:
            self._on_show()
        self._shown_at = now
        self._text = text or self._text
        self._slot.progress(min(max(fraction, 0.0), 1.0), text=self._text)

    def done(self) -> None:
        """Remove the bar."""
        self._slot.empty()


def jobs_bar(bar: Progress, what: str) -> Callable[[list[float]], None]:
    """A runner's progress (the fraction done of each job) on `bar`, as "what: k of n done"."""

    def report(done: list[float]) -> None:
        finished = sum(f >= 1.0 for f in done)
        bar.update(sum(done) / len(done), f"Training {what}: {finished} of {len(done)} done…")

    return report
