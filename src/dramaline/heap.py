"""How the process's memory allocator treats the sound stage's large arrays (glibc only; elsewhere nothing).

Mixing and mastering an episode allocates and frees dozens of arrays of 15-70 MB (90 s of 48 kHz
float64 is 35 MB). Left to its defaults, glibc maps each one afresh, and numpy asks for it in
transparent huge pages, so the kernel zeroes every page again on first touch: in a rebuild of a
90 s episode that was 1.0 s of system time in the sound thread, more than mastering's arithmetic.
With freed blocks kept in the heap and reused, and numpy's huge-page advice off, it is 0.25 s, and a
full build of that episode took 27.2-27.6 s instead of 29.1 s (its workers inherit the setting).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import platform
import sys

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8
KEEP_BYTES = 1 << 28
"""Blocks up to this size come from the heap, and up to this much freed memory stays in it.

At 1 GB a full build's peak memory rose from 1.28 to 1.61 GB; at 256 MB it stays at 1.29 GB.
"""


@functools.cache
def _glibc() -> ctypes.CDLL | None:
    if sys.platform != "linux" or platform.libc_ver()[0] != "glibc":
        return None
    name = ctypes.util.find_library("c")
    return ctypes.CDLL(name) if name else None


def keep_freed_memory() -> None:
    """Reuse freed large blocks instead of handing them back to the kernel; call once, before the work starts.

    Also stops numpy advising huge pages for its arrays, if numpy is not imported yet (numpy reads
    its NUMPY_MADVISE_HUGEPAGE setting once, on import; a value already set is left alone). One
    arena for all threads: the sound thread's arrays are larger than a thread arena may hold.
    """
    if "numpy" not in sys.modules:
        os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")
    libc = _glibc()
    if libc is None:
        return
    libc.mallopt(_M_ARENA_MAX, 1)
    libc.mallopt(_M_MMAP_THRESHOLD, KEEP_BYTES)
    libc.mallopt(_M_TRIM_THRESHOLD, KEEP_BYTES)


def give_back_freed_memory() -> None:
    """Return the heap's free memory to the kernel: after the sound stage, in a process that lives on."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)
