"""HTTP ingestion of audience events (FastAPI): `POST /v1/events`, and a loader into the event store.

The contract a client can rely on:

- **200 means durable.** Every event counted in `accepted` was fsynced into its series'
  inbox (`DIR/audience/inbox/`) before the response was sent, so a server killed at any moment
  loses nothing it acknowledged. A client that gets no response, or a 5xx, resends the batch.
- **Resending is safe.** Events are deduplicated by `event_id` when the inbox is loaded into the
  store, so a replayed batch never counts twice. The endpoint cannot always know a duplicate when
  it accepts one (the original may still be in the inbox), so `accepted` counts events durably
  received, not events new to the store.
- **Malformed events are refused one by one.** Each gets `{"index", "event_id", "reason"}` in
  `rejected` (index: its place in the request's batch) while the valid events of the same batch
  are kept; only a body that is not a batch at all is refused whole (400), as is one over the
  limits (413: `max_body_bytes`, counted as the body streams in, and `max_batch_events`).
- **Events land where their `series` says**: `root` is one series folder or a studio folder of
  series folders, and an event for a series the server does not hold is rejected with a reason
  naming the ones it does.

A background loader moves each series' inbox into its Parquet store every `load_interval_s`
(and once at start-up, which picks up what a killed server left behind), so an accepted event is
in the metrics within seconds. `ingest_router` is what a larger app mounts (its lifespan, which
runs the loader, is merged into the app's by `include_router`); `create_app` and `serve` wrap it
into a standalone server for `dramaline audience serve`.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import secrets
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from dramaline.audience.server_body import BodyError, inflate, parse_batch, read_body
from dramaline.audience.server_series import SeriesTarget, find_series_folders
from dramaline.audience.validate import validate_batch
from dramaline.errors import DramalineError, InvalidInputError
from dramaline.model.audience import Event

__all__ = [
    "DEFAULT_LOAD_INTERVAL_S",
    "DEFAULT_MAX_BATCH_EVENTS",
    "DEFAULT_MAX_BODY_BYTES",
    "IngestResponse",
    "IngestSettings",
    "Ingestion",
    "RejectedEvent",
    "create_app",
    "find_series_folders",
    "ingest_router",
    "serve",
]

log = logging.getLogger(__name__)

DEFAULT_MAX_BATCH_EVENTS = 10_000
DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024
DEFAULT_LOAD_INTERVAL_S = 2.0
VISIBILITY_TARGET_S = 60.0
"""An accepted event should be in the store (and the metrics) this soon; /v1/health says degraded past it."""
RESCAN_INTERVAL_S = 1.0
"""At most this often an event for an unknown series makes the server look for new series folders."""


@dataclass(frozen=True)
class IngestSettings:
    max_batch_events: int = DEFAULT_MAX_BATCH_EVENTS
    """A batch with more events is refused whole (413)."""
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    """A body larger than this, as sent or once un-gzipped, is refused whole (413)."""
    load_interval_s: float = DEFAULT_LOAD_INTERVAL_S
    """Pause between two loads of the inboxes into the stores."""
    token: str | None = None
    """When set, /v1/events and /v1/stats need `Authorization: Bearer <token>`; /v1/health never does."""


class RejectedEvent(BaseModel):
    index: int
    event_id: str | None
    reason: str


class IngestResponse(BaseModel):
    accepted: int
    rejected: list[RejectedEvent]
    received_at: datetime


class Ingestion:
    """The state behind the endpoints: the series under `root`, their stores and the loader."""

    def __init__(self, root: Path, settings: IngestSettings | None = None) -> None:
        self.root = root.resolve()
        if not self.root.is_dir():
            raise InvalidInputError(f"{root} is not a folder; give a series folder or a studio folder of series")
        self.settings = settings or IngestSettings()
        self._lock = threading.Lock()
        self._series: dict[str, SeriesTarget] = {}
        self._scanned_at = float("-inf")
        self.loader_running = False
        self.last_load_at: datetime | None = None
        self.last_load_error: str | None = None
        self._rescan(strict=True)

    # -- series ------------------------------------------------------------------------------------

    def _rescan(self, *, strict: bool = False) -> None:
        """Add the series folders not yet known; at start-up (`strict`) a store that cannot be used is an error."""
        found = find_series_folders(self.root)
        with self._lock:
            known = set(self._series)
        added: dict[str, SeriesTarget] = {}
        for sid, folder in found.items():
            if sid in known:
                continue
            try:
                added[sid] = SeriesTarget(folder)
            except DramalineError as exc:  # a store from a newer dramaline, a damaged manifest
                if strict:
                    raise
                log.warning("not receiving events for %s: %s", folder, exc)
        with self._lock:
            for sid, target in added.items():
                self._series.setdefault(sid, target)
            self._scanned_at = time.monotonic()

    def series(self) -> dict[str, SeriesTarget]:
        with self._lock:
            return dict(self._series)

    def _lookup(self, sid: str) -> SeriesTarget | None:
        with self._lock:
            found = self._series.get(sid)
            stale = time.monotonic() - self._scanned_at > RESCAN_INTERVAL_S
        if found is None and stale:
            # A series made after start-up (`dramaline new` in the studio) is picked up here.
            self._rescan()
            with self._lock:
                found = self._series.get(sid)
        return found

    # -- ingestion ---------------------------------------------------------------------------------

    def ingest(
        self, body: bytes, content_type: str | None, content_encoding: str | None, received_at: datetime
    ) -> IngestResponse:
        """Validate a request's body and make its valid events durable. Blocking: run it in a thread."""
        limits = self.settings
        batch = parse_batch(
            inflate(body, content_encoding, limits.max_body_bytes), content_type, limits.max_batch_events
        )
        # The arrival time is the server's to say, whatever the client put there; stamped before
        # validation so that a client clock far ahead is refused event by event.
        raw = batch.items
        valid, rejections = validate_batch(raw, received_at=received_at)
        rejected = [RejectedEvent(index=p, event_id=None, reason=reason) for p, reason in batch.unparsed]
        rejected += [
            RejectedEvent(index=batch.positions[r.index], event_id=r.event_id, reason=r.reason) for r in rejections
        ]
        position_of: dict[str, int] | None = None  # only needed, and so only built, for an unknown series
        groups: dict[str, tuple[SeriesTarget, list[Event]]] = {}
        targets: dict[str, SeriesTarget | None] = {}
        for event in valid:
            if event.series not in targets:
                targets[event.series] = self._lookup(event.series)
            target = targets[event.series]
            if target is None:
                if position_of is None:
                    position_of = _positions_by_id(raw, batch.positions, {r.index for r in rejections})
                known = ", ".join(sorted(self.series())) or "none"
                reason = f"unknown series {event.series!r}; this server stores: {known}"
                rejected.append(
                    RejectedEvent(index=position_of.get(event.event_id, -1), event_id=event.event_id, reason=reason)
                )
                continue
            groups.setdefault(event.series, (target, []))[1].append(event)
        accepted = 0
        for target, events in groups.values():
            # write_inbox returns once the file is fsynced: this is the line the 200 stands on.
            target.store.write_inbox(events, received_at=received_at)
            accepted += len(events)
        rejected.sort(key=lambda r: r.index)
        return IngestResponse(accepted=accepted, rejected=rejected, received_at=received_at)

    # -- loading -----------------------------------------------------------------------------------

    def load_all(self) -> None:
        """Move every series' inbox into its store. Blocking: run it in a thread."""
        errors: list[str] = []
        for sid, target in self.series().items():
            with target.lock:
                try:
                    # Checked first because load_inbox sets up a writer (lock, DuckDB, tidying) even
                    # for an empty inbox, which costs far more than a directory listing each interval.
                    if target.inbox_backlog()[0]:
                        target.store.load_inbox()
                except Exception as exc:
                    # One series' bad inbox file must not stop the others loading; it stays in the
                    # inbox, is retried next round and shows in /v1/health until it is fixed.
                    log.exception("loading the inbox of series %s failed", sid)
                    errors.append(f"{sid}: {exc}")
        self.last_load_at = datetime.now(UTC)
        self.last_load_error = "; ".join(errors) or None

    async def _load_forever(self) -> None:
        while True:
            await run_in_threadpool(self.load_all)
            await asyncio.sleep(self.settings.load_interval_s)

    @asynccontextmanager
    async def running(self, _app: Any = None) -> AsyncIterator[None]:
        """Lifespan: the loader runs while the app does, and the inbox is loaded once more at shutdown."""
        task = asyncio.create_task(self._load_forever())
        self.loader_running = True
        try:
            yield
        finally:
            self.loader_running = False
            task.cancel()
            # A load in progress finishes first: the thread is not interrupted, only waited for.
            with suppress(asyncio.CancelledError):
                await task
            await run_in_threadpool(self.load_all)

    # -- reporting ---------------------------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        files, unreadable, oldest = 0, 0, None
        for target in self.series().values():
            count, age = target.inbox_backlog()
            files += count
            unreadable += target.unreadable()
            if age is not None:
                oldest = age if oldest is None else max(oldest, age)
        lagging = oldest is not None and oldest > VISIBILITY_TARGET_S
        degraded = self.last_load_error or lagging or not self.loader_running
        return {
            "status": "degraded" if degraded else "ok",
            "loader_running": self.loader_running,
            "inbox_files": files,
            "oldest_inbox_age_s": oldest,
            "inbox_unreadable_files": unreadable,
            "last_load_at": self.last_load_at,
            "last_load_error": self.last_load_error,
        }

    def stats(self) -> dict[str, Any]:
        series: dict[str, Any] = {}
        for sid, target in sorted(self.series().items()):
            stored = target.store.count()  # from the manifest, which is replaced whole: no lock needed
            files, _ = target.inbox_backlog()
            series[sid] = {"events": stored, "inbox_files": files}
        return {"series": series, "last_load_at": self.last_load_at}


def _positions_by_id(raw: Sequence[Any], positions: Sequence[int], rejected: set[int]) -> dict[str, int]:
    """event_id → the batch position of its first valid occurrence (validation returns events, not places)."""
    found: dict[str, int] = {}
    for k, item in enumerate(raw):
        if k not in rejected and isinstance(item, dict) and isinstance(item.get("event_id"), str):
            found.setdefault(item["event_id"].strip(), positions[k])
    return found


def _bearer(token: str | None) -> Callable[[Request], Awaitable[None]]:
    async def check(request: Request) -> None:
        if token is None:
            return
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not secrets.compare_digest(given.strip().encode(), token.encode()):
            raise HTTPException(
                401, "a bearer token is required: Authorization: Bearer <token>", {"WWW-Authenticate": "Bearer"}
            )

    return check


def ingest_router(ingestion: Ingestion) -> APIRouter:
    """The endpoints, for mounting (`app.include_router(ingest_router(i), prefix="/api")`).

    The router's lifespan runs the loader; FastAPI merges it into the including app's lifespan
    (with `include_router`: an app added with `app.mount` has its lifespan ignored by Starlette,
    and /v1/health would then say `loader_running: false`).
    """
    authorized = [Depends(_bearer(ingestion.settings.token))]
    router = APIRouter(lifespan=ingestion.running)

    # Dependencies run before the endpoint reads anything, so an unauthorized client cannot make the
    # server read its body; and the body is read here, not declared, so its size can be capped.
    @router.post("/v1/events", dependencies=authorized)
    async def post_events(request: Request) -> IngestResponse:
        headers = request.headers
        try:
            body = await read_body(request.stream(), headers.get("content-length"), ingestion.settings.max_body_bytes)
            received_at = datetime.now(UTC)
            return await run_in_threadpool(
                ingestion.ingest, body, headers.get("content-type"), headers.get("content-encoding"), received_at
            )
        except BodyError as exc:
            raise HTTPException(exc.status, exc.message) from None
        except OSError as exc:
            log.exception("writing a batch to the inbox failed")
            # Some series of the batch may be stored already; a resend is deduplicated, so ask for one.
            raise HTTPException(503, f"the batch could not be stored ({exc.strerror or exc}); resend it") from None

    @router.get("/v1/health")
    async def health() -> dict[str, Any]:
        return await run_in_threadpool(ingestion.health)

    @router.get("/v1/stats", dependencies=authorized)
    async def stats() -> dict[str, Any]:
        return await run_in_threadpool(ingestion.stats)

    return router


def create_app(
    root: Path,
    *,
    max_batch_events: int = DEFAULT_MAX_BATCH_EVENTS,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    load_interval_s: float = DEFAULT_LOAD_INTERVAL_S,
    token: str | None = None,
) -> FastAPI:
    """A standalone ingestion server for the series in `root` (one series folder or a studio folder)."""
    settings = IngestSettings(max_batch_events, max_body_bytes, load_interval_s, token)
    app = FastAPI(title="dramaline audience ingestion", version="1")
    app.include_router(ingest_router(Ingestion(root, settings)))
    return app


def serve(
    root: Path,
    host: str = "127.0.0.1",
    port: int = 8787,
    *,
    max_batch_events: int = DEFAULT_MAX_BATCH_EVENTS,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    load_interval_s: float = DEFAULT_LOAD_INTERVAL_S,
    token: str | None = None,
    access_log: bool = True,
) -> None:
    """Run the ingestion server with uvicorn until interrupted (SIGINT/SIGTERM load the inbox once more)."""
    app = create_app(
        root,
        max_batch_events=max_batch_events,
        max_body_bytes=max_body_bytes,
        load_interval_s=load_interval_s,
        token=token,
    )
    uvicorn.run(app, host=host, port=port, access_log=access_log, timeout_graceful_shutdown=30)


def main(argv: Sequence[str] | None = None) -> None:
    """`python -m dramaline.audience.server DIR --port N`: the server without the CLI (tests, benchmarks)."""
    parser = argparse.ArgumentParser(description="dramaline audience ingestion server")
    parser.add_argument("root", type=Path)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8787)
    parser.add_argument("--load-interval", type=float, default=DEFAULT_LOAD_INTERVAL_S)
    parser.add_argument("--max-batch-events", type=int, default=DEFAULT_MAX_BATCH_EVENTS)
    parser.add_argument("--max-body-bytes", type=int, default=DEFAULT_MAX_BODY_BYTES)
    parser.add_argument("--no-access-log", action="store_true")
    args = parser.parse_args(argv)
    serve(
        args.root,
        args.host,
        args.port,
        max_batch_events=args.max_batch_events,
        max_body_bytes=args.max_body_bytes,
        load_interval_s=args.load_interval,
        access_log=not args.no_access_log,
    )


if __name__ == "__main__":
    main()
