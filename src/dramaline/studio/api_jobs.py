"""REST API: the job queue (renders, simulations), retries, and live progress as server-sent events."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import suppress
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from dramaline.errors import InvalidInputError
from dramaline.studio.api_auth import studio_of
from dramaline.studio.auth import Forbidden, Principal, require
from dramaline.studio.catalog import open_series
from dramaline.studio.paths import NotFoundError
from dramaline.studio.users import Role

__all__ = ["ROLE_FOR_KIND", "router"]

router = APIRouter(prefix="/api/jobs", tags=["jobs"])
Viewer = Annotated[Principal, Depends(require(Role.VIEWER))]
Writer = Annotated[Principal, Depends(require(Role.WRITER))]
Producer = Annotated[Principal, Depends(require(Role.PRODUCER))]
ROLE_FOR_KIND = {"render": Role.WRITER, "simulate": Role.PRODUCER}
"""Who may start (and retry) each kind of job."""
POLL_S = 0.3
HEARTBEAT_S = 15.0


class RenderRequest(BaseModel):
    series: str
    episodes: list[int] = Field(default=[], description="episode numbers; empty: every episode")
    preset: str = "draft"


class SimulateRequest(BaseModel):
    series: str
    viewers: int = Field(default=2000, ge=1)
    seed: int = Field(default=0, ge=0)
    days: float = Field(default=14.0, gt=0, le=365)
    punish: dict[str, float] = Field(default={}, description="scene id → hazard factor: plants a hotspot")


def _job_or_404(request: Request, job_id: int) -> Any:
    try:
        return studio_of(request).jobs.get(job_id)
    except KeyError:
        raise NotFoundError(f"no job {job_id}") from None


@router.get("", summary="The latest jobs, newest first")
def list_jobs(request: Request, _: Viewer, series: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    return [j.public() for j in studio_of(request).jobs.recent(limit=max(1, min(limit, 500)), series=series)]


@router.get("/events", summary="Live job updates (text/event-stream); each event is a job as JSON")
async def job_events(request: Request, _: Viewer, since: float | None = None) -> StreamingResponse:
    """`since`: a time stamp (seconds) from which changes are sent; a page passes the moment it was made."""
    studio = studio_of(request)
    last_id = request.headers.get("last-event-id", "")
    start = since if since is not None else time.time() - 1.0
    if last_id:
        # A reconnecting browser's Last-Event-ID wins: it says exactly which change it saw last.
        with suppress(ValueError):
            start = float(last_id)

    async def stream() -> AsyncIterator[str]:
        seen = start
        yield "retry: 2000\n\n"
        quiet = time.monotonic()
        while not await request.is_disconnected():
            changed = await run_in_threadpool(studio.jobs.changed_since, seen)
            for job in changed:
                seen = max(seen, job.updated_at)
                # The id is the change stamp: a reconnecting browser sends it back and misses nothing.
                yield f"id: {job.updated_at!r}\nevent: job\ndata: {json.dumps(job.public())}\n\n"
                quiet = time.monotonic()
            if time.monotonic() - quiet > HEARTBEAT_S:
                yield ": still here\n\n"
                quiet = time.monotonic()
            await asyncio.sleep(POLL_S)

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)


@router.get("/{job_id}", summary="One job: state, progress, error, result")
def get_job(job_id: int, request: Request, _: Viewer) -> dict[str, Any]:
    job: Any = _job_or_404(request, job_id)
    return dict(job.public())


@router.post("/render", status_code=202, summary="Queue an incremental render (writers)")
def render(body: RenderRequest, request: Request, who: Writer) -> dict[str, Any]:
    studio = studio_of(request)
    _, series = open_series(studio, body.series)
    if body.preset not in studio.config.presets:
        raise InvalidInputError(f"preset {body.preset!r}: choose one of {', '.join(studio.config.presets)}")
    bad = [n for n in body.episodes if not 1 <= n <= len(series.episodes)]
    if bad:
        raise InvalidInputError(f"episode {bad[0]}: the series has episodes 1-{len(series.episodes)}")
    params = {"series": body.series, "episodes": sorted(set(body.episodes)), "preset": body.preset}
    job = studio.jobs.submit("render", params, who.name)
    what = ", ".join(map(str, params["episodes"])) or "all"
    studio.audit.record(who.name, "render", body.series, f"job {job.id}: episodes {what} ({body.preset})")
    return job.public()


@router.post("/simulate", status_code=202, summary="Queue a simulated audience (producers)")
def simulate(body: SimulateRequest, request: Request, who: Producer) -> dict[str, Any]:
    studio = studio_of(request)
    open_series(studio, body.series)
    if body.viewers > studio.config.simulate_max_viewers:
        raise InvalidInputError(f"simulate at most {studio.config.simulate_max_viewers:,} viewers at a time")
    job = studio.jobs.submit("simulate", body.model_dump(), who.name)
    studio.audit.record(who.name, "simulate", body.series, f"job {job.id}: {body.viewers} viewers")
    return job.public()


@router.post("/{job_id}/retry", status_code=202, summary="Queue a failed job's parameters again")
def retry(job_id: int, request: Request, who: Writer) -> dict[str, Any]:
    studio = studio_of(request)
    old: Any = _job_or_404(request, job_id)
    needed = ROLE_FOR_KIND.get(old.kind, Role.ADMIN)
    if not who.can(needed):
        raise Forbidden(f"retrying a {old.kind} job needs the {needed.value} role")
    job = studio.jobs.retry(job_id, who.name)
    studio.audit.record(who.name, "job-retry", f"job:{job_id}", f"as job {job.id}")
    return job.public()


@router.post("/{job_id}/cancel", summary="Cancel a queued job")
def cancel(job_id: int, request: Request, who: Writer) -> dict[str, Any]:
    studio = studio_of(request)
    old: Any = _job_or_404(request, job_id)
    needed = ROLE_FOR_KIND.get(old.kind, Role.ADMIN)
    if not who.can(needed) and old.created_by != who.name:
        raise Forbidden(f"cancelling a {old.kind} job needs the {needed.value} role")
    job = studio.jobs.cancel(job_id)
    studio.audit.record(who.name, "job-cancel", f"job:{job_id}")
    return job.public()
