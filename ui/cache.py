"""A bounded cache of immutable results, served without a copy and without replaying elements."""

from __future__ import annotations

import functools
import gc
import threading
from collections.abc import Callable
from typing import Any, Generic, ParamSpec, TypeVar

import streamlit as st

P = ParamSpec("P")
R = TypeVar("R")


class CachedFunction(Generic[P, R]):
    """A function whose results are cached: call it, ask whether a call is cached, clear all."""

    def __init__(self, func: Callable[P, R], slot: Any) -> None:
        functools.update_wrapper(self, func)
        self._func, self._slot = func, slot

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        entry = self._slot(*args, **kwargs)
        with entry.lock:  # two sessions asking at once: one computes, one waits
            if not entry.filled:
                entry.value = self._func(*args, **kwargs)
                entry.filled = True
        return entry.value

    def ready(self, *args: P.args, **kwargs: P.kwargs) -> bool:
        """Whether the result for these arguments is in the cache (a call returns at once)."""
        return bool(self._slot(*args, **kwargs).filled)

    def clear(self) -> None:
        """Forget every cached result."""
        self._slot.clear()


class _Slot:
    """One cache entry: filled once, under its lock, by the first caller that needs it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.filled = False
        self.value: Any = None


def immutable_cache(
    max_entries: int, ttl: float
) -> Callable[[Callable[P, R]], CachedFunction[P, R]]:
    """Cache `func`'s results by argument, bounded like st.cache_resource, and share them.

    `st.cache_data` unpickles a copy of a run on every hit (up to 80 ms for a large run) and
    both Streamlit caches replay the elements the function drew (a progress bar shown and
    emptied on every hit). Here st.cache_resource keeps, per argument tuple, a slot that the
    first caller fills by calling `func` outside the cached call: its progress bar shows on a
    miss only, and every hit returns the very same object. Callers must not modify it.
    """

    def wrap(func: Callable[P, R]) -> CachedFunction[P, R]:
        def slot(*args: Any, **kwargs: Any) -> _Slot:
            return _Slot()

        # Streamlit keys a cache by the function's module, qualified name and source: name
        # each slot after its function, or every wrapped function would share one cache.
        slot.__module__, slot.__qualname__ = func.__module__, f"{func.__qualname__}.slot"
        slot = st.cache_resource(max_entries=max_entries, ttl=ttl, show_spinner=False)(slot)

        return CachedFunction(func, slot)

    return wrap


_FROZEN = {"done": False}


def freeze_imports() -> None:
    """Move every object alive now out of the garbage collector's reach, once per process.

    Called at the app's start, when what is alive (numpy, plotly, streamlit, the app's
    modules) lives as long as the server: later full collections then skip it all.
    """
    if not _FROZEN["done"]:
        gc.freeze()
        _FROZEN["done"] = True
