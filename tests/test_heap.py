"""The allocator settings of a build process: freed large arrays are reused, not faulted in afresh."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

# A child process each: the settings are process-wide, and numpy reads its own once, on import.
PROGRAM = """
import os, resource, sys
from dramaline.heap import keep_freed_memory
os.environ["NUMPY_MADVISE_HUGEPAGE"] = "0"  # faults counted in 4 KiB pages either way
if sys.argv[1] == "keep":
    keep_freed_memory()
import numpy as np
def touch():
    a = np.ones(5_000_000)  # 40 MB, like a 90 s mix in float64
    return float(a[-1])
touch()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
touch()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _faults(mode: str) -> int:
    done = subprocess.run([sys.executable, "-c", PROGRAM, mode], capture_output=True, text=True, check=True)
    return int(done.stdout)


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="the settings are glibc's")
def test_a_freed_large_array_is_reused_without_page_faults() -> None:
    pages = 5_000_000 * 8 // 4096
    assert _faults("default") > pages // 2  # mapped afresh: every page faulted in again
    assert _faults("keep") < pages // 20


def test_numpy_is_told_not_to_advise_huge_pages_unless_already_told() -> None:
    code = (
        "from dramaline.heap import keep_freed_memory; keep_freed_memory(); "
        "import os; print(os.environ['NUMPY_MADVISE_HUGEPAGE'])"
    )
    assert (
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "0"
    )
    env_set = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"NUMPY_MADVISE_HUGEPAGE": "1", "PATH": ""},
    )
    assert env_set.stdout.strip() == "1"
