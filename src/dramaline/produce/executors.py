"""Where segment jobs run: a local process pool by default, or a Ray cluster for a render farm.

Both take the same picklable jobs and the same top-level function, and yield (index, result)
as jobs finish, so the build code does not know which one it is using.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, Protocol, TypeVar

from dramaline.errors import ConfigError

J = TypeVar("J")
R = TypeVar("R")


class Executor(Protocol):
    """Runs `fn` on every job, yielding (job index, result) in completion order."""

    id: str

    def run(self, fn: Callable[[J], R], jobs: Sequence[J]) -> Iterator[tuple[int, R]]:
        """Run the jobs; results arrive as they finish."""
        ...


class LocalExecutor:
    """A pool of worker processes on this machine (one per core by default)."""

    id = "local"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or max(1, os.cpu_count() or 1)

    def run(self, fn: Callable[[J], R], jobs: Sequence[J]) -> Iterator[tuple[int, R]]:
        if not jobs:
            return
        if self.workers == 1 or len(jobs) == 1:
            for i, job in enumerate(jobs):
                yield i, fn(job)
            return
        with ProcessPoolExecutor(max_workers=min(self.workers, len(jobs))) as pool:
            pending: dict[Future[R], int] = {pool.submit(fn, job): i for i, job in enumerate(jobs)}
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    yield pending.pop(fut), fut.result()


class RayExecutor:
    """Jobs as Ray tasks: `ray` starts a local instance; `ray://HOST:PORT` joins a cluster."""

    id = "ray"

    def __init__(self, address: str | None = None) -> None:
        try:
            import ray
        except ImportError as exc:
            raise ConfigError("the Ray executor needs Ray: pip install 'dramaline[ray]'") from exc
        self._ray: Any = ray
        if not ray.is_initialized():
            ray.init(address=address, include_dashboard=False, log_to_driver=False, configure_logging=False)

    def run(self, fn: Callable[[J], R], jobs: Sequence[J]) -> Iterator[tuple[int, R]]:
        ray = self._ray
        remote = ray.remote(num_cpus=1)(fn)
        refs = {remote.remote(job): i for i, job in enumerate(jobs)}
        waiting = list(refs)
        while waiting:
            done, waiting = ray.wait(waiting, num_returns=1)
            for ref in done:
                yield refs[ref], ray.get(ref)


def make_executor(spec: str) -> Executor:
    """`local`, `ray` (a local Ray instance) or `ray://HOST:PORT` (a cluster)."""
    if spec == "local":
        return LocalExecutor()
    if spec == "ray":
        return RayExecutor()
    if spec.startswith("ray://"):
        return RayExecutor(spec)
    raise ConfigError(f"--executor {spec!r}: use local, ray, or ray://HOST:PORT")
