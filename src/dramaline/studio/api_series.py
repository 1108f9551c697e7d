"""REST API: the series, their bibles and characters, episodes with their numbers, videos, edits, diffs, imports."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import FileResponse

from dramaline.studio import catalog, editing, looks, uploads
from dramaline.studio.api_auth import studio_of
from dramaline.studio.auth import Principal, require
from dramaline.studio.catalog import EpisodeView, SeriesView, Video
from dramaline.studio.paths import NotFoundError
from dramaline.studio.users import Role

__all__ = ["episode_json", "router", "series_json", "video_url"]

router = APIRouter(prefix="/api/series", tags=["series"])
Viewer = Annotated[Principal, Depends(require(Role.VIEWER))]
Writer = Annotated[Principal, Depends(require(Role.WRITER))]
Producer = Annotated[Principal, Depends(require(Role.PRODUCER))]
_RAW_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}


def video_url(sid: str, number: int) -> str:
    return f"/api/series/{sid}/episodes/{number}/video"


def _video(sid: str, number: int, video: Video | None) -> dict[str, Any] | None:
    if video is None:
        return None
    return {"url": video_url(sid, number), "preset": video.preset, "version": video.version, "bytes": video.size_bytes}


def series_json(view: SeriesView) -> dict[str, Any]:
    s = view.series
    return {
        "id": view.series_id,
        "title": s.title,
        "logline": s.logline,
        "premise": s.premise,
        "archetype": s.archetype.value,
        "tone": s.tone,
        "status": view.status,
        "bible": s.bible.model_dump(mode="json"),
        "episodes": [
            {
                "number": e.number,
                "title": e.title,
                "version": e.version,
                "versions": e.versions,
                "video": _video(view.series_id, e.number, e.video),
                "metrics": e.stats.model_dump(include={"views", "hook_rate", "completion", "next_episode"})
                if e.stats
                else None,
            }
            for e in view.episodes
        ],
        "headline": view.summary.headline.model_dump(),
        "funnel": [row.model_dump() for row in view.summary.funnel],
        "metrics_fresh": view.fresh,
    }


def episode_json(view: EpisodeView) -> dict[str, Any]:
    return {
        "series": view.series_id,
        "episode": view.episode.model_dump(mode="json"),
        "versions": view.versions,
        "notes": {str(k): v for k, v in view.notes.items()},
        "stats": view.stats.model_dump() if view.stats else None,
        "metrics_fresh": view.summary_fresh,
        "video": _video(view.series_id, view.episode.number, view.video),
    }


@router.get("", summary="Every series with its status and headline metrics")
def list_series(request: Request, _: Viewer) -> list[dict[str, Any]]:
    return [
        {
            "id": row.series_id,
            "status": row.status,
            "headline": row.headline.model_dump() if row.headline else None,
            "metrics_fresh": row.fresh,
        }
        for row in catalog.series_rows(studio_of(request))
    ]


@router.get("/{sid}", summary="A series: bible, characters, episodes with status and metrics, funnel")
def get_series(sid: str, request: Request, _: Viewer) -> dict[str, Any]:
    return series_json(catalog.series_view(studio_of(request), sid))


@router.get("/{sid}/characters/{cid}/look.png", summary="A character's look, rendered", response_class=Response)
def character_look(sid: str, cid: str, request: Request, _: Viewer) -> Response:
    data = looks.portrait_png(studio_of(request), sid, cid)
    return Response(data, media_type="image/png", headers={"Cache-Control": "private, max-age=300"})


@router.get("/{sid}/characters/{cid}/voice.wav", summary="A sample of a character's voice", response_class=Response)
def character_voice(sid: str, cid: str, request: Request, _: Viewer) -> Response:
    data = looks.voice_wav(studio_of(request), sid, cid)
    return Response(data, media_type="audio/wav", headers={"Cache-Control": "private, max-age=300"})


@router.get("/{sid}/episodes/{number}", summary="An episode version: script, versions, metrics, curve, hotspots")
def get_episode(
    sid: str, number: int, request: Request, _: Viewer, version: Annotated[int | None, Query(ge=1)] = None
) -> dict[str, Any]:
    return episode_json(catalog.episode_view(studio_of(request), sid, number, version))


@router.get("/{sid}/episodes/{number}/video", summary="The built episode (MP4, with HTTP Range for seeking)")
def episode_video(sid: str, number: int, request: Request, _: Viewer) -> FileResponse:
    studio = studio_of(request)
    folder, series = catalog.open_series(studio, sid)
    if not 1 <= number <= len(series.episodes):
        raise NotFoundError(f"series {sid!r} has no episode {number}")
    video = catalog.built_video(studio, folder, number)
    if video is None:
        raise NotFoundError(f"episode {number} of {sid!r} is not built yet; render it from the episode page")
    return FileResponse(studio.folder.inside(video.path), media_type="video/mp4", filename=f"{sid}-ep{number:03d}.mp4",
                        content_disposition_type="inline")  # fmt: skip


@router.get("/{sid}/episodes/{number}/diff", summary="What changed between two versions, scene by scene")
def episode_diff(
    sid: str,
    number: int,
    request: Request,
    _: Viewer,
    old: Annotated[int | None, Query(ge=1)] = None,
    new: Annotated[int | None, Query(ge=1)] = None,
) -> dict[str, Any]:
    diff, rows = editing.diff_rows(studio_of(request), sid, number, old, new)
    return {
        "episode": diff.episode,
        "old_version": diff.old_version,
        "new_version": diff.new_version,
        "rewritten_scenes": list(diff.rewritten),
        "rows": [dataclasses.asdict(r) for r in rows],
    }


@router.put("/{sid}/episodes/{number}/script", summary="Save edited lines, emotions and scene order as a new version")
def save_script(sid: str, number: int, body: editing.ScriptEdit, request: Request, who: Writer) -> dict[str, Any]:
    studio = studio_of(request)
    saved = editing.save_edit(studio, sid, number, body, who.name)
    studio.audit.record(who.name, "script-edit", f"{sid}/ep{number}", f"saved v{saved.version}")
    return {"episode": saved.episode, "version": saved.version, "warnings": saved.warnings}


@router.post("/{sid}/import/fountain", summary="Import a Fountain screenplay (raw body; ?filename=)",
             openapi_extra=_RAW_BODY)  # fmt: skip
async def import_fountain(sid: str, request: Request, who: Writer, filename: str = "") -> dict[str, Any]:
    studio = studio_of(request)
    studio.folder.series_folder(sid)
    changed = await uploads.receive_fountain(
        studio, sid, filename, request.stream(), request.headers.get("content-length")
    )
    studio.audit.record(who.name, "import-fountain", sid, f"{filename}: {', '.join(changed) or 'no changes'}")
    return {"changed": changed}


@router.post("/{sid}/import/events", summary="Import an event log or retention table (raw body; ?filename=)",
             openapi_extra=_RAW_BODY)  # fmt: skip
async def import_events(sid: str, request: Request, who: Producer, filename: str = "") -> dict[str, Any]:
    studio = studio_of(request)
    studio.folder.series_folder(sid)
    result = await uploads.receive_events(
        studio, sid, filename, request.stream(), request.headers.get("content-length")
    )
    studio.audit.record(who.name, "import-events", sid, result.summary())
    return {
        "rows": result.rows,
        "accepted": result.accepted,
        "duplicates": result.duplicates,
        "rejected": result.rejected,
        "summary": result.summary(),
    }
