"""Materialised metrics: each series' analytics computed once and kept until its data changes.

The audience report (`dramaline.audience.report.analyse`) reads every event of a series, which
takes seconds on a large store; a page must take milliseconds. So each series' numbers (per
episode version: headline metrics, the retention curve at 1 s steps, the scenes under it and
the hotspots; the funnel) are computed into a `SeriesSummary`, written to
STUDIO/.dramaline/summaries/, and reused while the series' *state key* stays the same. The key is
made from the modification stamps of what the numbers depend on (the event store's manifest, the
scripts, the built timelines), so it costs a few `stat` calls, not a read of the data.
"""

from __future__ import annotations

import logging
import math
import queue
import threading
from collections import OrderedDict
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel

from dramaline.series_folder import write_text_atomic

if TYPE_CHECKING:
    from dramaline.audience.hotspots import SpanLoss
    from dramaline.audience.report import SeriesReport
    from dramaline.audience.survival import Estimate

__all__ = ["Headline", "SeriesSummary", "Summaries", "VersionStats", "state_key"]

log = logging.getLogger(__name__)
SUMMARY_FORMAT = 1
"""Bump when the summary's fields change: older files are then recomputed, not misread."""
_WATCHED = (
    "series.yaml",
    "episodes",
    "episodes/history",
    "audience/store.json",
    "build/final",
    "build/final/versions",
    "build/draft",
    "build/draft/versions",
)
_DETAILS_IN_MEMORY = 16


def state_key(folder: Path) -> str:
    """A stamp that changes whenever the series' scripts, events or built timelines change."""
    parts = [str(SUMMARY_FORMAT)]
    for name in _WATCHED:
        try:
            st = (folder / name).stat()
        except OSError:
            parts.append("-")
            continue
        parts.append(f"{st.st_mtime_ns}:{st.st_size}")
    return "|".join(parts)


def _num(x: float) -> float | None:
    return None if math.isnan(x) else round(float(x), 5)


class Hotspot(BaseModel):
    scene: int
    line: int | None
    start_s: float
    end_s: float
    lost: float | None
    rate_ratio: float | None
    significant: bool
    text: str


class SceneMark(BaseModel):
    index: int
    scene_id: str
    beat: str
    start_s: float
    end_s: float
    hot: bool


class VersionStats(BaseModel):
    """One episode version's numbers, its curve and the scenes and hotspots drawn with it."""

    episode: int
    version: int
    title: str
    duration_s: float
    estimated_timeline: bool
    views: int = 0
    hook_rate: float | None = None
    completion: float | None = None
    completion_low: float | None = None
    completion_high: float | None = None
    average_view_s: float | None = None
    next_episode: float | None = None
    seconds: list[float] = []
    share: list[float] = []
    low: list[float] = []
    high: list[float] = []
    scenes: list[SceneMark] = []
    hotspots: list[Hotspot] = []


class FunnelRow(BaseModel):
    episode: int
    starters: int
    continuation: float | None
    naive: float | None
    reach: float


class Headline(BaseModel):
    """What the series list shows of one series."""

    series_id: str
    title: str
    archetype: str
    episodes: int
    events: int
    views: int
    completion: float | None
    hook_rate: float | None
    simulated_share: float
    sparkline: list[float | None]
    computed_at: str


class SeriesSummary(BaseModel):
    key: str
    headline: Headline
    versions: list[VersionStats]
    funnel: list[FunnelRow]
    funnel_window_days: int

    def version(self, episode: int, version: int) -> VersionStats | None:
        return next((v for v in self.versions if v.episode == episode and v.version == version), None)


def _estimate(e: Estimate | None) -> float | None:
    return None if e is None else _num(e.value)


def _hotspot(span: SpanLoss) -> Hotspot:
    return Hotspot(
        scene=span.scene,
        line=span.line,
        start_s=round(span.start_s, 3),
        end_s=round(span.end_s, 3),
        lost=_num(span.lost.value),
        rate_ratio=_num(span.rate_ratio),
        significant=span.significant,
        text=span.describe(),
    )


def summarise(report: SeriesReport, key: str) -> SeriesSummary:
    """The summary of one analysed series."""
    from dramaline.audience.hotspots import top_hotspots  # scipy: loaded when first needed, not at start-up

    metrics = {(m.episode, m.episode_version): m for m in report.metrics if m.group is None}
    losses = {(x.episode, x.episode_version): x for x in report.losses if x.group is None}
    versions: list[VersionStats] = []
    for (number, version), entry in sorted(report.timelines.items()):
        timeline, m = entry.timeline, metrics.get((number, version))
        found = losses.get((number, version))
        hot = top_hotspots([found], n=5) if found else []
        hot_lines = top_hotspots([found], n=5, lines=True) if found else []
        hot_scenes = {h.scene for h in hot if h.significant}
        stats = VersionStats(
            episode=number,
            version=version,
            title=timeline.episode_title,
            duration_s=round(entry.duration_s, 3),
            estimated_timeline=entry.estimated,
            scenes=[
                SceneMark(
                    index=k,
                    scene_id=s.scene_id,
                    beat=s.beat.value,
                    start_s=round(timeline.seconds(s.start_frame), 3),
                    end_s=round(timeline.seconds(s.end_frame), 3),
                    hot=k in hot_scenes,
                )
                for k, s in enumerate(timeline.scenes, 1)
            ],
            hotspots=[_hotspot(h) for h in sorted(hot + hot_lines, key=lambda h: h.start_s)],
        )
        if m is not None and m.views:
            curve = m.retention()
            stats = stats.model_copy(
                update={
                    "views": m.views,
                    "hook_rate": _estimate(m.hook_rate),
                    "completion": _estimate(m.completion_rate),
                    "completion_low": _num(m.completion_rate.low),
                    "completion_high": _num(m.completion_rate.high),
                    "average_view_s": _estimate(m.average_view_duration_s),
                    "next_episode": _estimate(m.next_episode_rate),
                    "seconds": [round(float(x), 3) for x in curve.seconds],
                    "share": [round(float(x), 5) for x in curve.share],
                    "low": [round(float(x), 5) for x in curve.low],
                    "high": [round(float(x), 5) for x in curve.high],
                }
            )
        versions.append(stats)
    current = {e.number: e.version for e in report.series.episodes}
    latest = [v for v in versions if current.get(v.episode) == v.version]
    watched = [v for v in latest if v.views and v.completion is not None]
    views = sum(v.views for v in watched)

    def weighted(name: str) -> float | None:
        pairs = [(getattr(v, name), v.views) for v in watched if getattr(v, name) is not None]
        total = sum(n for _, n in pairs)
        return round(sum(x * n for x, n in pairs) / total, 5) if total else None

    headline = Headline(
        series_id=report.series_id,
        title=report.series.title,
        archetype=report.series.archetype.value,
        episodes=len(report.series.episodes),
        events=report.events,
        views=views,
        completion=weighted("completion"),
        hook_rate=weighted("hook_rate"),
        simulated_share=round(report.simulated_share, 4),
        sparkline=[v.completion for v in latest],
        computed_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    funnel = [
        FunnelRow(
            episode=s.episode,
            starters=s.starters,
            continuation=_num(s.continuation.value),
            naive=_num(s.naive_rate.value),
            reach=round(s.reach, 5) if not math.isnan(s.reach) else 0.0,
        )
        for s in report.funnel.steps
        if s.group is None
    ]
    return SeriesSummary(
        key=key, headline=headline, versions=versions, funnel=funnel, funnel_window_days=report.funnel.window.days
    )


class Summaries:
    """The summaries of a studio's series: in memory, on disk, and recomputed when stale."""

    def __init__(self, cache_dir: Path) -> None:
        self.cache_dir = cache_dir
        self._headlines: dict[str, Headline] = {}
        self._headline_keys: dict[str, str] = {}
        self._details: OrderedDict[str, SeriesSummary] = OrderedDict()
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self._pending: queue.Queue[tuple[str, Path]] = queue.Queue()
        self._queued: set[str] = set()
        self._thread: threading.Thread | None = None

    def _lock(self, sid: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(sid, threading.Lock())

    def _path(self, sid: str, kind: str) -> Path:
        return self.cache_dir / f"{sid}.{kind}.json"

    # -- reading -----------------------------------------------------------------------------------

    def summary(self, sid: str, folder: Path) -> SeriesSummary:
        """The series' summary; computed now if there is none, or if it is stale."""
        key = state_key(folder)
        found = self._cached(sid, key)
        if found is not None:
            return found
        with self._lock(sid):
            found = self._cached(sid, key)  # another request may have just computed it
            return found if found is not None else self._compute(sid, folder, key)

    def cached_summary(self, sid: str, folder: Path) -> tuple[SeriesSummary | None, bool]:
        """The last summary made (None if never) and whether it is fresh; a stale one is queued for refresh."""
        key = state_key(folder)
        found = self._cached(sid, key)
        if found is not None:
            return found, True
        old = self._details.get(sid) or self._load(sid)
        self.queue_refresh(sid, folder)
        return old, False

    def headline(self, sid: str, folder: Path) -> tuple[Headline | None, bool]:
        """The series list's line for `sid` and whether it is fresh; a missing or stale one is queued."""
        key = state_key(folder)
        if sid not in self._headlines:
            try:
                stored = Headline.model_validate_json(self._path(sid, "headline").read_text(encoding="utf-8"))
                stored_key = self._path(sid, "key").read_text(encoding="utf-8")
            except (OSError, ValueError):
                stored, stored_key = None, ""
            if stored is not None:
                self._headlines[sid], self._headline_keys[sid] = stored, stored_key
        fresh = self._headline_keys.get(sid) == key
        if not fresh:
            self.queue_refresh(sid, folder)
        return self._headlines.get(sid), fresh

    def _cached(self, sid: str, key: str) -> SeriesSummary | None:
        found = self._details.get(sid)
        if found is None or found.key != key:
            found = self._load(sid)
        if found is None or found.key != key:
            return None
        self._remember(sid, found)
        return found

    def _load(self, sid: str) -> SeriesSummary | None:
        try:
            return SeriesSummary.model_validate_json(self._path(sid, "summary").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None  # missing, half-written by an older version, or unreadable: recomputed

    def _remember(self, sid: str, summary: SeriesSummary) -> None:
        with self._guard:
            self._details[sid] = summary
            self._details.move_to_end(sid)
            while len(self._details) > _DETAILS_IN_MEMORY:
                self._details.popitem(last=False)
            self._headlines[sid], self._headline_keys[sid] = summary.headline, summary.key

    # -- computing ---------------------------------------------------------------------------------

    def refresh(self, sid: str, folder: Path) -> SeriesSummary:
        """Compute the series' summary now (whatever is cached) and keep it."""
        with self._lock(sid):
            return self._compute(sid, folder, state_key(folder))

    def _compute(self, sid: str, folder: Path, key: str) -> SeriesSummary:
        from dramaline.audience.report import analyse

        # The key is taken before reading: data that changes during the analysis makes it stale at once.
        summary = summarise(analyse(folder), key)
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        write_text_atomic(self._path(sid, "summary"), summary.model_dump_json())
        write_text_atomic(self._path(sid, "headline"), summary.headline.model_dump_json())
        write_text_atomic(self._path(sid, "key"), key)
        self._remember(sid, summary)
        return summary

    def queue_refresh(self, sid: str, folder: Path) -> None:
        """Recompute the series' summary in the background (once, however often it is asked for)."""
        with self._guard:
            if sid in self._queued:
                return
            self._queued.add(sid)
            self._pending.put((sid, folder))  # under the guard: the worker cannot decide to stop in between
            if self._thread is None or not self._thread.is_alive():
                # Not a daemon: a refresh is DuckDB work that must not be cut off at exit; it stops when idle.
                self._thread = threading.Thread(target=self._refresh_queued, name="studio-metrics")
                self._thread.start()

    def _refresh_queued(self) -> None:
        while True:
            try:
                sid, folder = self._pending.get(timeout=0.2)
            except queue.Empty:
                with self._guard:
                    if self._pending.empty():
                        self._thread = None
                        return
                continue
            try:
                with self._lock(sid):
                    key = state_key(folder)
                    if self._cached(sid, key) is None:
                        self._compute(sid, folder, key)
            except Exception:
                log.exception("refreshing the metrics of series %s failed", sid)
            finally:
                with self._guard:
                    self._queued.discard(sid)
