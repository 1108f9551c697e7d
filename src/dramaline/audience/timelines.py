"""Each episode's timeline for the analytics: the built one when it still matches the script, else an estimate.

The analytics map a viewer's position (seconds) onto scenes and lines, so they need every episode
laid out in time, including episodes that were never built or whose script changed after the
build. A built timeline (`build/<preset>/epNNN.timeline.json`) is used only while its scenes and
lines are still the script's; otherwise the episode is laid out from its word counts at a
reading speed, and marked as estimated so a report can say its times are approximate.

Timelines are keyed by (episode, version): viewers keep watching older versions after a revision,
so every version kept in the series' history gets one (`build/<preset>/versions/` keeps each
built version's timeline).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from dramaline.model import PRESETS, Episode, Preset, Series, Timeline, frames_for_words
from dramaline.produce import timing
from dramaline.produce.timing import VERSIONS_DIR
from dramaline.series_folder import episode_versions, load_episode_version

BUILD_PRESETS = ("final", "draft")
"""Build folders searched for a timeline, best first."""

DEFAULT_WPM = 150
"""Reading speed of the estimate; the same default as `DRAMALINE_WORDS_PER_MINUTE`."""

TimelineKey = tuple[int, int]
"""(episode number, episode version)."""


@dataclass(frozen=True)
class EpisodeTimeline:
    """One episode version's timeline, and whether its times come from a build or an estimate."""

    timeline: Timeline
    estimated: bool
    version: int = 1
    source: Path | None = None  # the timeline file read; None when estimated
    note: str = ""  # why it is estimated, for a report's footnote

    @property
    def episode(self) -> int:
        return self.timeline.episode

    @property
    def key(self) -> TimelineKey:
        return (self.timeline.episode, self.version)

    @property
    def duration_s(self) -> float:
        return self.timeline.seconds(self.timeline.duration_frames)


def load_timelines(
    folder: Path, series: Series, *, wpm: int = DEFAULT_WPM, preset: Preset = PRESETS["final"]
) -> dict[int, EpisodeTimeline]:
    """Episode number → timeline of its current version, built where possible, estimated otherwise.

    `folder` is the series folder; `wpm` and `preset` shape the estimates (the final preset's
    frame rate by default, as the episodes will be built).
    """
    return {e.number: _timeline(folder, series, e, wpm, preset) for e in series.episodes}


def load_timeline_versions(
    folder: Path, series: Series, *, wpm: int = DEFAULT_WPM, preset: Preset = PRESETS["final"]
) -> dict[TimelineKey, EpisodeTimeline]:
    """(episode, version) → timeline for every version kept in the series folder's history."""
    found: dict[TimelineKey, EpisodeTimeline] = {}
    for current in series.episodes:
        versions = episode_versions(folder, current.number, series=series) if folder.is_dir() else [current.version]
        for version in versions:
            episode = load_episode_version(folder, current.number, version, series=series)
            item = _timeline(folder, series, episode, wpm, preset)
            found[item.key] = item
    return found


def _timeline(folder: Path, series: Series, episode: Episode, wpm: int, preset: Preset) -> EpisodeTimeline:
    return _built(folder, episode) or _estimated(series, episode, wpm, preset, folder)


def estimate_timeline(
    series: Series, episode: Episode, *, wpm: int = DEFAULT_WPM, preset: Preset = PRESETS["final"]
) -> Timeline:
    """Lay `episode` out as if every line were spoken at `wpm` words per minute (nothing voiced)."""
    lengths = [
        [max(1, frames_for_words(line.word_count, wpm=wpm, fps=preset.fps)) for line in scene.lines]
        for scene in episode.scenes
    ]
    return timing.lay_out(series, episode, lengths, preset)


def matches_script(timeline: Timeline, episode: Episode) -> bool:
    """True while `timeline` lays out exactly this episode's scenes and lines (ids, beats, speakers, texts)."""
    if timeline.episode != episode.number or len(timeline.scenes) != len(episode.scenes):
        return False
    if timeline.episode_version != episode.version:
        return False
    for placed, scene in zip(timeline.scenes, episode.scenes, strict=True):
        if placed.scene_id != scene.id or placed.beat is not scene.beat or len(placed.lines) != len(scene.lines):
            return False
        for timed, line in zip(placed.lines, scene.lines, strict=True):
            if timed.speaker != line.speaker or timed.text != line.text:
                return False
    return True


def _built(folder: Path, episode: Episode) -> EpisodeTimeline | None:
    stem = f"ep{episode.number:03d}"
    for preset in BUILD_PRESETS:
        out = folder / "build" / preset
        for path in (out / f"{stem}.timeline.json", out / VERSIONS_DIR / f"{stem}.v{episode.version}.timeline.json"):
            timeline = _read(path)
            if timeline is not None and matches_script(timeline, episode):
                return EpisodeTimeline(timeline=timeline, estimated=False, version=episode.version, source=path)
    return None


def _read(path: Path) -> Timeline | None:
    # A missing, half-written or old-format file is no worse than no build: the estimate stands in.
    try:
        return Timeline.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, ValidationError):
        return None


def _estimated(series: Series, episode: Episode, wpm: int, preset: Preset, folder: Path) -> EpisodeTimeline:
    stem = f"ep{episode.number:03d}.timeline.json"
    built = [folder / "build" / p / stem for p in BUILD_PRESETS if (folder / "build" / p / stem).is_file()]
    if built:
        note = f"{built[0].relative_to(folder)} no longer matches the script; times estimated at {wpm} wpm"
    else:
        note = f"not built yet; times estimated at {wpm} wpm"
    timeline = estimate_timeline(series, episode, wpm=wpm, preset=preset)
    return EpisodeTimeline(timeline=timeline, estimated=True, version=episode.version, note=note)
