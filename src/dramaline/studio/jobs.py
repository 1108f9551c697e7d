"""Background jobs (renders, audience simulations): queued in the studio database, run one at a time.

A job's state (queued → running → done | failed), progress, message, error and result live in
the database, so a page reload shows them and a restarted studio still lists them; a job that was
running when the studio stopped is marked failed ("interrupted") and can be retried, which queues
the same parameters again. Handlers are plain functions `(params, progress) -> result`.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from dramaline.errors import DramalineError, InvalidInputError
from dramaline.studio.db import Database, transaction

__all__ = ["Handler", "Job", "JobQueue", "JobState", "Progress"]

log = logging.getLogger(__name__)

INTERRUPTED = "interrupted: the studio stopped while this job ran; retry it to run it again"
PROGRESS_EVERY_S = 0.25
"""Progress is written at most this often: a render reports every frame batch."""


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Job:
    id: int
    kind: str
    params: dict[str, Any]
    state: JobState
    progress: float
    message: str
    error: str | None
    result: dict[str, Any] | None
    created_by: str
    created_at: str
    started_at: str | None
    finished_at: str | None
    updated_at: float
    retry_of: int | None

    @property
    def finished(self) -> bool:
        return self.state in (JobState.DONE, JobState.FAILED, JobState.CANCELLED)

    def public(self) -> dict[str, Any]:
        """The job as the API shows it."""
        return {
            "id": self.id,
            "kind": self.kind,
            "params": self.params,
            "state": self.state.value,
            "progress": round(self.progress, 4),
            "message": self.message,
            "error": self.error,
            "result": self.result,
            "created_by": self.created_by,
            "created_at": self.created_at,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "retry_of": self.retry_of,
        }


def _job(row: Any) -> Job:
    r = dict(row)
    return Job(
        id=r["id"],
        kind=r["kind"],
        params=json.loads(r["params"]),
        state=JobState(r["state"]),
        progress=float(r["progress"]),
        message=r["message"],
        error=r["error"],
        result=json.loads(r["result"]) if r["result"] else None,
        created_by=r["created_by"],
        created_at=r["created_at"],
        started_at=r["started_at"],
        finished_at=r["finished_at"],
        updated_at=float(r["updated_at"]),
        retry_of=r["retry_of"],
    )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Progress:
    """What a handler calls to report how far it is (0-1) and what it is doing."""

    def __init__(self, queue: JobQueue, job_id: int) -> None:
        self._queue = queue
        self._job_id = job_id
        self._last = 0.0

    def __call__(self, fraction: float, message: str, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < PROGRESS_EVERY_S:
            return
        self._last = now
        self._queue._set(self._job_id, progress=max(0.0, min(1.0, fraction)), message=message[:500])


Handler = Callable[[dict[str, Any], Progress], dict[str, Any]]


class JobQueue:
    """The queue in the database and the worker thread that runs it, one job at a time."""

    def __init__(self, db: Database, handlers: Mapping[str, Handler]) -> None:
        self.db = db
        self.handlers = dict(handlers)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._mark_interrupted()

    # -- queue -------------------------------------------------------------------------------------

    def submit(self, kind: str, params: dict[str, Any], created_by: str, *, retry_of: int | None = None) -> Job:
        if kind not in self.handlers:
            raise InvalidInputError(f"unknown job kind {kind!r}; the studio runs {', '.join(sorted(self.handlers))}")
        conn = self.db.connect()
        with transaction(conn):
            cur = conn.execute(
                "INSERT INTO jobs (kind, params, state, created_by, created_at, updated_at, retry_of) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [kind, json.dumps(params, sort_keys=True), JobState.QUEUED.value, created_by, _now(), time.time(),
                 retry_of],
            )  # fmt: skip
            job_id = int(cur.lastrowid or 0)
        self._wake.set()
        return self.get(job_id)

    def retry(self, job_id: int, created_by: str) -> Job:
        """Queue a failed or cancelled job's parameters again, as a new job."""
        old = self.get(job_id)
        if old.state not in (JobState.FAILED, JobState.CANCELLED):
            raise InvalidInputError(f"job {job_id} is {old.state.value}; only a failed or cancelled job can be retried")
        return self.submit(old.kind, old.params, created_by, retry_of=job_id)

    def cancel(self, job_id: int) -> Job:
        """Cancel a queued job (a running one finishes: a render cannot be stopped half-way safely)."""
        conn = self.db.connect()
        with transaction(conn):
            cur = conn.execute(
                "UPDATE jobs SET state = ?, finished_at = ?, updated_at = ? WHERE id = ? AND state = ?",
                [JobState.CANCELLED.value, _now(), time.time(), job_id, JobState.QUEUED.value],
            )
        if cur.rowcount == 0:
            job = self.get(job_id)
            raise InvalidInputError(f"job {job_id} is {job.state.value}; only a queued job can be cancelled")
        return self.get(job_id)

    def get(self, job_id: int) -> Job:
        row = self.db.connect().execute("SELECT * FROM jobs WHERE id = ?", [job_id]).fetchone()
        if row is None:
            raise KeyError(job_id)
        return _job(row)

    def recent(self, *, limit: int = 100, series: str | None = None) -> list[Job]:
        """The latest jobs, newest first (only one series' when `series` is given)."""
        jobs = [_job(r) for r in self.db.connect().execute("SELECT * FROM jobs ORDER BY id DESC LIMIT ?", [limit])]
        return [j for j in jobs if series is None or j.params.get("series") == series]

    def changed_since(self, stamp: float) -> list[Job]:
        rows = self.db.connect().execute("SELECT * FROM jobs WHERE updated_at > ? ORDER BY updated_at", [stamp])
        return [_job(r) for r in rows]

    def _set(self, job_id: int, **fields: Any) -> None:
        fields["updated_at"] = time.time()
        names = ", ".join(f"{k} = ?" for k in fields)
        conn = self.db.connect()
        with transaction(conn):
            conn.execute(f"UPDATE jobs SET {names} WHERE id = ?", [*fields.values(), job_id])

    def _mark_interrupted(self) -> None:
        conn = self.db.connect()
        with transaction(conn):
            conn.execute(
                "UPDATE jobs SET state = ?, error = ?, finished_at = ?, updated_at = ? WHERE state = ?",
                [JobState.FAILED.value, INTERRUPTED, _now(), time.time(), JobState.RUNNING.value],
            )

    # -- worker ------------------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._work, name="studio-jobs", daemon=True)
            self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def _claim(self) -> Job | None:
        conn = self.db.connect()
        with transaction(conn):
            row = conn.execute("SELECT id FROM jobs WHERE state = ? ORDER BY id LIMIT 1", [JobState.QUEUED.value])
            found = row.fetchone()
            if found is None:
                return None
            conn.execute(
                "UPDATE jobs SET state = ?, started_at = ?, updated_at = ?, message = ? WHERE id = ?",
                [JobState.RUNNING.value, _now(), time.time(), "starting", found["id"]],
            )
        return self.get(int(found["id"]))

    def _work(self) -> None:
        while not self._stop.is_set():
            job = self._claim()
            if job is None:
                self._wake.wait(1.0)
                self._wake.clear()
                continue
            self.run(job)

    def run_next(self) -> Job | None:
        """Claim the oldest queued job and run it here, now (for scripts and tests without the worker)."""
        job = self._claim()
        if job is None:
            return None
        self.run(job)
        return self.get(job.id)

    def run(self, job: Job) -> None:
        """Run one claimed job to its end and record the outcome (never raises)."""
        try:
            result = self.handlers[job.kind](job.params, Progress(self, job.id))
        except DramalineError as exc:
            self._set(job.id, state=JobState.FAILED.value, error=str(exc), finished_at=_now())
        except Exception as exc:
            log.exception("studio job %s (%s) failed", job.id, job.kind)
            # The page shows the kind of failure and its message; the traceback stays in the server log.
            self._set(job.id, state=JobState.FAILED.value, error=f"{type(exc).__name__}: {exc}", finished_at=_now())
        else:
            self._set(
                job.id,
                state=JobState.DONE.value,
                progress=1.0,
                message="done",
                result=json.dumps(result, sort_keys=True, default=str),
                finished_at=_now(),
            )
