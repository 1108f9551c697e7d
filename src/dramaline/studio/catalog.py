"""Reading the studio for the pages and the API: the series list, a series, an episode and its built video.

Scripts are read from the series folders (kept in memory while their files are unchanged) and
numbers from the materialised summaries (`summaries.py`), so a page reads no event data.
"""

from __future__ import annotations

import json
import threading
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from dramaline.decide.portfolio_io import STATE_FILE, load_state
from dramaline.errors import DramalineError
from dramaline.model import Episode, PortfolioState, Series
from dramaline.series_folder import episode_versions, load_episode_version, load_series, version_log
from dramaline.studio.context import Studio
from dramaline.studio.paths import NotFoundError
from dramaline.studio.summaries import Headline, SeriesSummary, VersionStats

__all__ = [
    "EpisodeRow",
    "EpisodeView",
    "SeriesRow",
    "SeriesView",
    "Video",
    "episode_view",
    "open_series",
    "portfolio_state",
    "series_rows",
    "series_view",
    "summary",
]

_lock = threading.Lock()
_series_cache: dict[Path, tuple[str, Series]] = {}
_state_cache: dict[Path, tuple[str, PortfolioState]] = {}


def _stamp(*paths: Path) -> str:
    out = []
    for p in paths:
        try:
            st = p.stat()
            out.append(f"{st.st_mtime_ns}:{st.st_size}")
        except OSError:
            out.append("-")
    return "|".join(out)


def open_series(studio: Studio, sid: str) -> tuple[Path, Series]:
    """The folder and the series `sid`, loaded once while its files stay the same."""
    folder = studio.folder.series_folder(sid)
    # Every episode file is replaced by a rename, which changes the episodes folder's stamp too.
    stamp = _stamp(folder / "series.yaml", folder / "episodes")
    with _lock:
        found = _series_cache.get(folder)
    if found is not None and found[0] == stamp:
        return folder, found[1]
    series = load_series(folder)
    with _lock:
        _series_cache[folder] = (stamp, series)
    return folder, series


def portfolio_state(studio: Studio) -> PortfolioState:
    """The studio's portfolio state (STUDIO/portfolio.yaml), or the default one."""
    path = studio.folder.root / STATE_FILE
    stamp = _stamp(path)
    with _lock:
        found = _state_cache.get(path)
    if found is not None and found[0] == stamp:
        return found[1]
    state = load_state(studio.folder.root)
    with _lock:
        _state_cache[path] = (stamp, state)
    return state


@dataclass(frozen=True)
class SeriesRow:
    """One line of the series list."""

    series_id: str
    status: str
    headline: Headline | None
    fresh: bool


def series_rows(studio: Studio) -> list[SeriesRow]:
    """Every series with its status and last computed headline (missing or stale ones are refreshed behind)."""
    try:
        state = portfolio_state(studio)
    except DramalineError:
        state = PortfolioState()  # a broken portfolio.yaml is reported on the portfolio page, not here
    rows = []
    for sid, folder in studio.folder.series_folders().items():
        headline, fresh = studio.summaries.headline(sid, folder)
        rows.append(SeriesRow(sid, state.status(sid).value, headline, fresh))
    return rows


def summary(studio: Studio, sid: str) -> SeriesSummary:
    """The series' numbers: computed now when missing, else the last ones (refreshed behind when stale)."""
    folder = studio.folder.series_folder(sid)
    found, _fresh = studio.summaries.cached_summary(sid, folder)
    return found if found is not None else studio.summaries.summary(sid, folder)


@dataclass(frozen=True)
class Video:
    """A built episode: which preset, and which version of the script it was built from."""

    preset: str
    path: Path
    version: int | None
    size_bytes: int


def built_video(studio: Studio, folder: Path, number: int) -> Video | None:
    """The most recently built MP4 of episode `number` among the studio's presets, if any."""
    stem = f"ep{number:03d}"
    best: tuple[float, Video] | None = None
    for name in studio.config.presets:
        path = folder / "build" / name / f"{stem}.mp4"
        try:
            st = path.stat()
        except OSError:
            continue
        version: int | None = None
        with suppress(OSError, ValueError, KeyError, TypeError):  # no timeline beside it: version unknown
            version = int(json.loads((path.parent / f"{stem}.timeline.json").read_text())["episode_version"])
        if best is None or st.st_mtime > best[0]:
            best = (st.st_mtime, Video(name, path, version, st.st_size))
    return best[1] if best else None


@dataclass(frozen=True)
class EpisodeView:
    """Everything the episode page shows."""

    series_id: str
    series: Series
    episode: Episode
    versions: list[int]
    notes: dict[int, str]
    stats: VersionStats | None
    summary_fresh: bool
    video: Video | None
    watched: list[int]  # versions of this episode that have viewers, for a link when this one has none


def episode_view(studio: Studio, sid: str, number: int, version: int | None = None) -> EpisodeView:
    """The episode (its current version, or `version`), its versions and notes, its numbers and its video."""
    folder, series = open_series(studio, sid)
    if not 1 <= number <= len(series.episodes):
        raise NotFoundError(f"series {sid!r} has no episode {number}; it has episodes 1-{len(series.episodes)}")
    versions = episode_versions(folder, number, series=series)
    chosen = version if version is not None else series.episode(number).version
    if chosen not in versions:
        raise NotFoundError(f"episode {number} has no version {chosen}; it has {', '.join(f'v{v}' for v in versions)}")
    episode = load_episode_version(folder, number, chosen, series=series)
    found, fresh = studio.summaries.cached_summary(sid, folder)
    if found is None:
        found, fresh = studio.summaries.summary(sid, folder), True
    return EpisodeView(
        series_id=sid,
        series=series,
        episode=episode,
        versions=versions,
        notes=version_log(folder, number),
        stats=found.version(number, chosen),
        summary_fresh=fresh,
        video=built_video(studio, folder, number),
        watched=[v.version for v in found.versions if v.episode == number and v.views],
    )


@dataclass(frozen=True)
class EpisodeRow:
    number: int
    title: str
    version: int
    versions: int
    video: Video | None
    stats: VersionStats | None


@dataclass(frozen=True)
class SeriesView:
    """Everything the series page shows."""

    series_id: str
    series: Series
    status: str
    summary: SeriesSummary
    fresh: bool
    episodes: list[EpisodeRow]


def series_view(studio: Studio, sid: str) -> SeriesView:
    """The series, its status, its episodes with their builds and numbers, and its funnel."""
    folder, series = open_series(studio, sid)
    found, fresh = studio.summaries.cached_summary(sid, folder)
    if found is None:
        found, fresh = studio.summaries.summary(sid, folder), True
    try:
        status = portfolio_state(studio).status(sid).value
    except DramalineError:
        status = "active"
    history = folder / "episodes" / "history"
    older = [p.name for p in history.glob("ep*.v*.yaml")] if history.is_dir() else []
    rows = [
        EpisodeRow(
            number=e.number,
            title=e.title,
            version=e.version,
            versions=1 + sum(1 for name in older if name.startswith(f"ep{e.number:03d}.v")),
            video=built_video(studio, folder, e.number),
            stats=found.version(e.number, e.version),
        )
        for e in series.episodes
    ]
    return SeriesView(sid, series, status, found, fresh, rows)
