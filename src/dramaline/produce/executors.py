"""Where segment jobs run: a local process pool by default, or a Ray cluster for a render farm.

Both take the same picklable jobs and the same top-level function, and yield (index, result)
as jobs finish, so the build code does not know which one it is using.
"""

from __future__ import annotations

import gc
import multiprocessing
import multiprocessing.context
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, Protocol, TypeVar

from dramaline.errors import ConfigError, ProviderError

J = TypeVar("J")
R = TypeVar("R")


class Executor(Protocol):
    """Runs `fn` on every job, yielding (job index, result) in completion order."""

    id: str

    def run(self, fn: Callable[[J], R], jobs: Sequence[J]) -> Iterator[tuple[int, R]]:
        """Run the jobs; results arrive as they finish."""
        ...


class LocalExecutor:
    """A pool of worker processes on this machine (one per core by default).

    The workers are forked from this process, which is quickest, unless `fork_server`: then a fork
    server, a clean single-threaded process that has loaded the renderer once, forks them. Forking
    copies a process with its other threads' locks held as they were, so a child can hang or crash
    on one a thread held at that moment (Python 3.14 stops forking by default on Linux for this
    reason); a long-running process that builds from one of several threads wants the fork server.
    """

    id = "local"

    def __init__(self, workers: int | None = None, *, fork_server: bool = False) -> None:
        self.workers = workers or max(1, os.cpu_count() or 1)
        self.fork_server = fork_server

    def run(self, fn: Callable[[J], R], jobs: Sequence[J]) -> Iterator[tuple[int, R]]:
        """Start the jobs now (the worker processes exist when this returns) and yield their results.

        Starting at the call, not at the first `next`, lets a caller start a thread of its own
        once this returns: forking worker processes while another thread runs is unsafe.
        """
        if not jobs:
            return iter(())
        if self.workers == 1 or len(jobs) == 1:
            return ((i, fn(job)) for i, job in enumerate(jobs))
        pool = ProcessPoolExecutor(
            max_workers=min(self.workers, len(jobs)),
            mp_context=worker_context(self.fork_server),
            initializer=_yield_to_the_build,
        )
        # Forked workers start with this process's objects. Frozen while they fork, those stay out of
        # the workers' garbage collections, which would otherwise walk every one (and copy each page
        # it touches on write): the collector's work in a rebuild's workers, as Python's gc docs advise.
        gc.freeze()
        try:
            pending: dict[Future[R], int] = {pool.submit(fn, job): i for i, job in enumerate(jobs)}
        except BaseException:
            pool.shutdown(cancel_futures=True)
            raise
        finally:
            gc.unfreeze()
        return _as_completed(pool, pending)


WORKER_NICENESS = 5
"""How much lower the workers run than the build process (Unix `nice`).

The build mixes the sound in a thread of its own while the workers draw, and joins only once both
are done. Most work here fits in a core each, so at equal priority a rebuild that re-draws a shot or
two ended with the sound alone on one core, the other idle. A little lower, the workers leave the
sound its core and take both cores once it is done.
"""


def worker_context(fork_server: bool) -> multiprocessing.context.BaseContext | None:
    """The fork server's context (loading the renderer first) where asked for and the platform has one; else None."""
    if not fork_server or "forkserver" not in multiprocessing.get_all_start_methods():
        return None
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["dramaline.produce.segments", "av"])
    return context


def _yield_to_the_build() -> None:
    if hasattr(os, "nice"):
        os.nice(WORKER_NICENESS)


def _as_completed(pool: ProcessPoolExecutor, pending: dict[Future[R], int]) -> Iterator[tuple[int, R]]:
    """(job index, result) as the pool's jobs finish; the pool is shut down when done, failed or abandoned."""
    try:
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                yield pending.pop(fut), fut.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


class RayExecutor:
    """Jobs as Ray tasks, one CPU each.

    With no address this starts a private local Ray instance with `num_cpus` CPUs (default: one per
    core, like the local pool) unless RAY_ADDRESS names a cluster, which is how `ray job submit`
    tells a driver where it runs. `ray://HOST:PORT` joins a cluster through Ray Client; every node
    of it needs dramaline and ffmpeg installed. If this process is already connected to Ray, that
    connection is used as it is and left open.
    """

    id = "ray"

    def __init__(self, address: str | None = None, *, num_cpus: int | None = None) -> None:
        try:
            import ray
        except ImportError as exc:
            raise ConfigError("the Ray executor needs Ray: pip install 'dramaline[ray]'") from exc
        self._ray: Any = ray
        self._owned = False  # whether close() should disconnect (and stop an instance we started)
        if ray.is_initialized():
            return
        where = address or os.environ.get("RAY_ADDRESS") or None
        if where is not None and num_cpus is not None:
            raise ConfigError(f"num_cpus sizes a local Ray instance; the cluster at {where} has its own CPUs")
        options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False, "configure_logging": False}
        if where is None:
            # "local", not None: None would also join a cluster left running by `ray start`, which
            # cannot take num_cpus and is not the private instance asked for.
            _start_local(ray, num_cpus=num_cpus or max(1, os.cpu_count() or 1), options=options)
        else:
            try:
                ray.init(address=address, **options)
            except Exception as exc:  # ray.init raises ConnectionError, ValueError or bare Exception
                raise ConfigError(f"could not connect to the Ray cluster at {where}: {exc}") from exc
        self._owned = True

    def run(self, fn: Callable[[J], R], jobs: Sequence[J]) -> Iterator[tuple[int, R]]:
        if not jobs:
            return
        ray = self._ray
        remote = ray.remote(num_cpus=1)(fn)
        pending: dict[Any, int] = {}
        try:
            for i, job in enumerate(jobs):
                pending[remote.remote(job)] = i
            while pending:
                done, _ = ray.wait(list(pending), num_returns=1)
                for ref in done:
                    i = pending.pop(ref)
                    yield i, _result(ray, ref)
        finally:
            # A failed job or a caller that stops early leaves the rest unwanted; free their CPUs.
            for ref in pending:
                ray.cancel(ref)

    def close(self) -> None:
        """Disconnect from Ray, stopping the local instance if this executor started it."""
        if self._owned and self._ray.is_initialized():
            self._ray.shutdown()
        self._owned = False

    def __enter__(self) -> RayExecutor:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _start_local(ray: Any, *, num_cpus: int, options: dict[str, Any]) -> None:
    """Start a private Ray instance on this machine, trying twice.

    Ray's raylet gives its dashboard agent a fixed 15 s to come up and aborts the whole start when a
    busy or slow machine misses that (ray-project/ray#65983); another try often makes it. What the
    failed try left running (its GCS, monitor and log monitor) cannot be reached through Ray's API
    and stays until this process exits, when Ray's reaper stops it.
    """
    attempts = 3
    for attempt in range(1, attempts + 1):
        try:
            ray.init(address="local", num_cpus=num_cpus, **options)
            return
        except Exception as exc:  # a start that timed out raises a bare Exception
            ray.shutdown()  # reset the driver's half-made Ray state before the next try
            if attempt == attempts:
                raise ProviderError(
                    f"a local Ray instance did not start in {attempts} tries: {exc} "
                    "(the raylet's log says why: /tmp/ray/session_latest/logs/raylet.err)",
                    provider_id="ray",
                    retryable=True,
                ) from exc


def _result(ray: Any, ref: Any) -> Any:
    """A finished task's result; a job that raised re-raises its own exception here."""
    try:
        return ray.get(ref)
    except ray.exceptions.RayTaskError as exc:
        cause = exc.cause
        if not isinstance(cause, Exception) or isinstance(cause, ray.exceptions.RayError):
            raise
        # Ray's wrapper is already an instance of the job's exception class, but its message is
        # the worker's coloured traceback; the job's own exception reads (and prints in the CLI) as
        # it would from the local pool. The wrapper stays chained below it, with that traceback.
        raise cause from exc


def make_executor(spec: str) -> Executor:
    """`local`, `ray` (a local Ray instance) or `ray://HOST:PORT` (a cluster)."""
    if spec == "local":
        return LocalExecutor()
    if spec == "ray":
        return RayExecutor()
    if spec.startswith("ray://"):
        return RayExecutor(spec)
    raise ConfigError(f"--executor {spec!r}: use local, ray, or ray://HOST:PORT")
