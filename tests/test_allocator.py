"""The allocator setting: made once per process, not on every run of the app's script."""

from __future__ import annotations

import ctypes.util
import sys

from engine.core.allocator import keep_freed_memory


def test_libc_is_looked_up_once_per_process(monkeypatch):
    # Finding libc runs `ldconfig -p` in a child process; app.py calls this on every rerun.
    keep_freed_memory.cache_clear()
    looked_up = []
    find = ctypes.util.find_library
    monkeypatch.setattr(
        ctypes.util, "find_library", lambda name: looked_up.append(name) or find(name)
    )
    results = {keep_freed_memory() for _ in range(3)}
    assert len(results) == 1
    assert looked_up == (["c"] if sys.platform.startswith("linux") else [])
