"""The pages for browsing and writing: the series list, a series, an episode with its player, the editor, diffs.

Each page reads through the same service modules as the API (`catalog`, `editing`), and its
forms send their changes to the API with the page's CSRF token (`static/studio.js`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from dramaline.model import Emotion
from dramaline.studio import catalog, editing
from dramaline.studio.api_auth import studio_of
from dramaline.studio.api_series import video_url
from dramaline.studio.auth import Principal, require
from dramaline.studio.templating import page
from dramaline.studio.users import Role

__all__ = ["error_page", "router"]

router = APIRouter(include_in_schema=False)
Viewer = Annotated[Principal, Depends(require(Role.VIEWER))]


def error_page(request: Request, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """A page that says what went wrong, in words, with the way back."""
    response = page(request, "error.html", {"status": status, "message": message}, status_code=status)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _jobs(request: Request, sid: str | None = None, limit: int = 10) -> list[dict[str, Any]]:
    return [j.public() for j in studio_of(request).jobs.recent(limit=limit, series=sid)]


@router.get("/", response_class=HTMLResponse)
def series_list(request: Request, _: Viewer) -> Response:
    rows = catalog.series_rows(studio_of(request))
    return page(request, "series_list.html", {"rows": rows, "stale": any(not r.fresh for r in rows)})


@router.get("/fragments/series-table", response_class=HTMLResponse)
def series_table(request: Request, _: Viewer) -> Response:
    rows = catalog.series_rows(studio_of(request))
    return page(request, "series_table.html", {"rows": rows, "stale": any(not r.fresh for r in rows)})


@router.get("/series/{sid}", response_class=HTMLResponse)
def series_page(sid: str, request: Request, _: Viewer) -> Response:
    studio = studio_of(request)
    view = catalog.series_view(studio, sid)
    return page(
        request,
        "series.html",
        {"view": view, "jobs": _jobs(request, sid), "presets": list(studio.config.presets)},
    )


@router.get("/series/{sid}/episodes/{number}", response_class=HTMLResponse)
def episode_page(
    sid: str, number: int, request: Request, _: Viewer, version: Annotated[int | None, Query(ge=1)] = None
) -> Response:
    studio = studio_of(request)
    view = catalog.episode_view(studio, sid, number, version)
    chart: dict[str, Any] | None = None
    if view.stats is not None:
        chart = {
            "seconds": view.stats.seconds,
            "share": view.stats.share,
            "low": view.stats.low,
            "high": view.stats.high,
            "duration": view.stats.duration_s,
            "scenes": [s.model_dump() for s in view.stats.scenes],
        }
    context = {
        "view": view,
        "chart": chart,
        "video_url": video_url(sid, number) if view.video else None,
        "jobs": _jobs(request, sid),
        "presets": list(studio.config.presets),
        "current": view.series.episode(number).version,
    }
    return page(request, "episode.html", context)


@router.get("/series/{sid}/episodes/{number}/edit", response_class=HTMLResponse)
def editor_page(sid: str, number: int, request: Request, _: Viewer) -> Response:
    studio = studio_of(request)
    view = catalog.episode_view(studio, sid, number)
    context = {
        "view": view,
        "emotions": [e.value for e in Emotion],
        "presets": list(studio.config.presets),
        "jobs": _jobs(request, sid),
    }
    return page(request, "editor.html", context)


@router.get("/series/{sid}/episodes/{number}/diff", response_class=HTMLResponse)
def diff_page(
    sid: str,
    number: int,
    request: Request,
    _: Viewer,
    old: Annotated[int | None, Query(ge=1)] = None,
    new: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    studio = studio_of(request)
    view = catalog.episode_view(studio, sid, number)
    diff, rows = editing.diff_rows(studio, sid, number, old, new)
    return page(request, "diff.html", {"view": view, "diff": diff, "rows": rows})
