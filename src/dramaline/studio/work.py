"""The studio's long work, run by the job queue: incremental renders and audience simulations.

Each handler takes the job's parameters (checked again here: a job may be retried long after it
was queued, when a series may be gone) and a progress callback, and returns what the jobs view
shows when it is done; a render's result has the built and reused counts per stage, which is how
the studio shows that an edit rebuilt only its scene.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from dramaline.errors import InvalidInputError
from dramaline.studio.context import Studio
from dramaline.studio.jobs import Handler, Progress

__all__ = ["handlers"]

_EPISODE = re.compile(r"episode (\d+)")


def handlers(studio: Studio) -> dict[str, Handler]:
    """The job kinds the studio runs, bound to `studio`."""

    def render(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
        return _render(studio, params, progress)

    def simulate(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
        return _simulate(studio, params, progress)

    return {"render": render, "simulate": simulate}


def _render(studio: Studio, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    from dramaline.produce.build import make

    sid = str(params["series"])
    folder = studio.folder.series_folder(sid)
    name = str(params.get("preset", "draft"))
    if name not in studio.config.presets:
        raise InvalidInputError(f"preset {name!r}: this studio renders {', '.join(studio.config.presets)}")
    numbers = [int(n) for n in params.get("episodes") or []]
    production = studio.config.production(folder, studio.config.presets[name])
    progress(0.0, "checking the cache", force=True)

    def report(what: str, done: int, total: int) -> None:
        found = _EPISODE.search(what)
        index = numbers.index(int(found[1])) if found and numbers and int(found[1]) in numbers else 0
        share = (index + (done / total if total else 1.0)) / max(1, len(numbers) or 1)
        progress(min(share, 0.99), f"{what}: {done}/{total}")

    summary = make(folder, production, episodes=numbers or None, progress=report)
    studio.summaries.queue_refresh(sid, folder)  # built timelines replace estimated ones in the metrics
    return {
        "series": sid,
        "preset": name,
        "built": dict(summary.built),
        "reused": dict(summary.reused),
        "seconds": round(summary.seconds, 2),
        "episodes": [p.name for p in summary.episodes],
    }


def _simulate(studio: Studio, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    from dramaline.audience.simulate import AudienceModel, simulate_into
    from dramaline.audience.store import EventStore
    from dramaline.audience.timelines import load_timelines
    from dramaline.series_folder import load_series

    sid = str(params["series"])
    folder = studio.folder.series_folder(sid)
    viewers, seed, days = int(params["viewers"]), int(params.get("seed", 0)), float(params.get("days", 14.0))
    punish = {str(k): float(v) for k, v in (params.get("punish") or {}).items()}
    series = load_series(folder)
    unknown = sorted(set(punish) - {s.id for e in series.episodes for s in e.scenes})
    if unknown:
        raise InvalidInputError(f"punish names scenes this series does not have: {', '.join(unknown)}")
    progress(0.05, f"simulating {viewers:,} viewers", force=True)
    timelines = load_timelines(folder, series)
    start = datetime.now(UTC) - timedelta(days=days)
    store = EventStore(folder)
    batches = simulate_into(
        store, series, timelines, AudienceModel(punish=punish), viewers, seed, start, days, series_id=sid
    )
    studio.summaries.queue_refresh(sid, folder)
    return {
        "series": sid,
        "viewers": viewers,
        "accepted": sum(b.accepted for b in batches),
        "duplicates": sum(b.duplicates for b in batches),
        "estimated_timelines": [n for n, t in timelines.items() if t.estimated],
    }
