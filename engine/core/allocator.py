"""Keep freed memory for reuse: the engine allocates many short-lived mid-sized arrays."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys

# glibc serves allocations above 128 KB with a fresh mmap and unmaps them on free, so a
# 256 x 64 float64 activation (exactly 128 KB) costs a page fault per 4 KB page every
# step: about half the time of a training step of a 20-layer network. PyTorch avoids the
# same cost with its caching allocator; here, raising the thresholds lets malloc reuse
# freed blocks. Arrays above 32 MB still come from mmap, and at most 64 MB of free
# memory is kept before it is returned to the system.
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 * 2**20
TRIM_THRESHOLD = 64 * 2**20


# Once per process: the thresholds hold for its life, and finding libc runs `ldconfig -p`
# in a child process, 1.5-4 ms that the app's script (which calls this) paid on every rerun.
@functools.cache
def keep_freed_memory() -> bool:
    """Raise glibc's mmap and trim thresholds; False where malloc is not glibc's."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )
