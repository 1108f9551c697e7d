"""The local executor: jobs start when `run` is called, every result arrives once, and no worker outlives it."""

from __future__ import annotations

import multiprocessing
import threading
import time
from pathlib import Path

import pytest

from dramaline.produce.executors import LocalExecutor, worker_context


def _touch(path: str) -> str:
    Path(path).write_text("ran")
    return path


def _fail_on_b(path: str) -> str:
    if path.endswith("b"):
        raise ValueError(f"job {path} cannot run")
    return path


def test_jobs_start_before_the_results_are_read(tmp_path: Path) -> None:
    paths = [str(tmp_path / name) for name in "abcd"]
    results = LocalExecutor(workers=2).run(_touch, paths)
    deadline = time.time() + 60
    while time.time() < deadline and not all(Path(p).exists() for p in paths):
        time.sleep(0.05)
    assert all(Path(p).exists() for p in paths)  # ran without anyone reading the results yet
    assert sorted(results) == sorted(enumerate(paths))
    assert multiprocessing.active_children() == []


def test_a_failed_job_raises_and_leaves_no_worker(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot run"):
        list(LocalExecutor(workers=2).run(_fail_on_b, [str(tmp_path / n) for n in "abc"]))
    assert multiprocessing.active_children() == []


def test_a_fork_server_starts_the_workers_of_a_process_running_other_threads(tmp_path: Path) -> None:
    assert worker_context(False) is None  # forked: quickest
    context = worker_context(True)
    assert context is not None and context.get_start_method() == "forkserver"
    stop = threading.Event()
    busy = threading.Thread(target=stop.wait, name="serving-pages")  # as the studio's web server is
    busy.start()
    try:
        paths = [str(tmp_path / name) for name in "abc"]
        assert sorted(LocalExecutor(workers=2, fork_server=True).run(_touch, paths)) == sorted(enumerate(paths))
        assert all(Path(p).read_text() == "ran" for p in paths)
    finally:
        stop.set()
        busy.join()
    assert multiprocessing.active_children() == []
