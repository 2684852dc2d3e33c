"""A long-lived watch and glibc's allocator: fewer arenas, and free pages handed back.

Over thousands of runs the memory malloc has in use stays flat while what it holds grows
(bench/watch_bench.py prints both from mallinfo2): freed chunks scattered through its
arenas keep their pages resident. Two remedies, both no-ops where the C library is not
glibc (macOS, musl):

- `limit_arenas`: at most two arenas (as MALLOC_ARENA_MAX=2 does), so the probe threads
  do not each grow an arena of their own (up to 8 a core by default);
- `release_free_memory`: after each run, `malloc_trim(0)` returns the free pages of every
  arena to the kernel (madvise), so RSS follows what is in use.
"""

from __future__ import annotations

import ctypes
import os
from typing import Any

#: glibc's mallopt parameter for the number of malloc arenas (malloc.h)
M_ARENA_MAX = -8
ARENAS = 2


def _libc() -> Any:
    try:
        return ctypes.CDLL(None)
    except OSError:
        return None


def limit_arenas(arenas: int = ARENAS) -> bool:
    """Cap glibc's malloc arenas for this process, unless the environment sets
    MALLOC_ARENA_MAX itself; whether the cap was set."""
    if os.environ.get("MALLOC_ARENA_MAX"):
        return False
    mallopt = getattr(_libc(), "mallopt", None)
    if mallopt is None:
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_ARENA_MAX, arenas))


def release_free_memory() -> bool:
    """Hand malloc's free pages back to the kernel; whether any were (glibc only). Takes
    a few milliseconds: once a run, never on a request's path."""
    trim = getattr(_libc(), "malloc_trim", None)
    if trim is None:
        return False
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return bool(trim(0))
