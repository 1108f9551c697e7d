"""An edition's episodes: re-voiced and re-captioned in the original's timing, or translated subtitle sidecars.

A voiced edition is built by `produce.build.make` from the edition's series, with the original
folder's cache and a layout that fits the translated takes into the original's timeline
(`retime.py`). What is rebuilt: the takes (new language), every scene segment (captions and the
AI label are burned into the frames, so a segment is re-encoded when its language changes; with
an image backend its stills come from the cache, as the shots are the original's), the mix and
the episode. The original's takes are read from the cache to recover its timing.

A subtitle-only edition leaves the original video and audio untouched and writes SRT and WebVTT
files timed to the original's lines.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from dramaline.captions.cues import cues_for_line, to_srt, to_vtt
from dramaline.errors import InvalidInputError
from dramaline.localize.retime import retime, speedups
from dramaline.localize.voices import faster
from dramaline.model import NARRATOR, Edition, Episode, Series, Timeline, Voice
from dramaline.produce import timing
from dramaline.produce.build import BuildSummary, Production, Progress, Takes, make, voice_lines
from dramaline.produce.cache import Cache
from dramaline.series_folder import write_text_atomic
from dramaline.sound.audio import read_wav


def edition_build_dir(folder: Path, preset: str, edition: Edition) -> Path:
    """Where an edition's episodes go: beside the original's, in a folder named after the edition."""
    return folder / "build" / preset / edition.id


def build_edition(
    folder: Path,
    source: Series,
    localized: Series,
    edition: Edition,
    production: Production,
    *,
    episodes: Sequence[int] | None = None,
    progress: Progress | None = None,
) -> BuildSummary:
    """Build the edition's episodes with the series folder's cache; returns what was built and reused."""
    fps = production.preset.fps

    def layout(
        series: Series, episode: Episode, takes: Takes, cache: Cache, summary: BuildSummary
    ) -> tuple[Takes, Timeline]:
        original = source.episode(episode.number)
        seen = BuildSummary()
        source_takes = voice_lines(source, original, production.speech, cache, seen)
        summary.built["original line"] += seen.built["line"]
        plan = timing.lay_out(source, original, _lengths(original, source_takes, fps), production.preset)
        lengths = _lengths(episode, takes, fps)
        factors = speedups(plan, lengths)
        if factors:
            voices = {where: faster(_voice(series, episode, where), f) for where, f in factors.items()}
            extra = BuildSummary()
            quicker = voice_lines(series, episode, production.speech, cache, extra, voices=voices)
            summary.built["line"] += extra.built["line"]
            summary.built["sped-up line"] += len(factors)
            takes = {**takes, **{where: quicker[where] for where in factors}}
            lengths = _lengths(episode, takes, fps)
        timeline, fits = retime(plan, series, episode, lengths)
        held = sum(1 for f in fits if f.held_frames)
        summary.built["held scene"] += held
        summary.reused["scene timing"] += len(fits) - held
        return takes, timeline

    return make(
        folder,
        production,
        episodes=episodes,
        progress=progress,
        series=localized,
        out_dir=edition_build_dir(folder, production.preset.name, edition),
        layout=layout,
    )


def write_subtitles(
    folder: Path, localized: Series, edition: Edition, preset: str, episodes: Sequence[int]
) -> list[Timeline]:
    """Translated SRT and WebVTT beside the original episodes' timing; the video and audio are not touched.

    Each translated line is captioned within the original line's speech frames, read from the
    original build's timeline; returns the edition's timelines (the original's, translated).
    """
    source_dir = folder / "build" / preset
    out_dir = edition_build_dir(folder, preset, edition)
    timelines = []
    for n in episodes:
        path = source_dir / f"ep{n:03d}.timeline.json"
        if not path.is_file():
            raise InvalidInputError(
                f"{path} does not exist: a subtitle edition is timed to the original episodes; "
                f"build them first with `dramaline make {folder} --episodes {n} --preset {preset}`"
            )
        original = Timeline.model_validate_json(path.read_text(encoding="utf-8"))
        episode = localized.episode(n)
        if original.episode_version != episode.version:
            raise InvalidInputError(
                f"{path} is of version {original.episode_version} of episode {n}, the script is version "
                f"{episode.version}; rebuild it with `dramaline make {folder} --episodes {n} --preset {preset}`"
            )
        scenes = []
        for timed, scene in zip(original.scenes, episode.scenes, strict=True):
            lines = tuple(
                t.model_copy(
                    update={
                        "text": line.text,
                        "cues": cues_for_line(
                            line.text, t.start_frame, t.end_frame, language=localized.language, fps=original.fps
                        ),
                    }
                )
                for t, line in zip(timed.lines, scene.lines, strict=True)
            )
            scenes.append(timed.model_copy(update={"lines": lines}))
        translated = original.model_copy(
            update={
                "series_title": localized.title,
                "episode_title": episode.title,
                "language": localized.language,
                "scenes": tuple(scenes),
            }
        )
        cues = [c for s in translated.scenes for line in s.lines for c in line.cues]
        stem = out_dir / f"ep{n:03d}"
        write_text_atomic(stem.with_suffix(".srt"), to_srt(cues, original.fps))
        write_text_atomic(stem.with_suffix(".vtt"), to_vtt(cues, original.fps))
        write_text_atomic(stem.with_suffix(".timeline.json"), json.dumps(translated.model_dump(mode="json"), indent=1))
        timelines.append(translated)
    return timelines


def _lengths(episode: Episode, takes: Takes, fps: int) -> list[list[int]]:
    return [[read_wav(takes[(s.id, i)]).frames(fps) for i in range(len(s.lines))] for s in episode.scenes]


def _voice(series: Series, episode: Episode, where: tuple[str, int]) -> Voice:
    scene = next(s for s in episode.scenes if s.id == where[0])
    speaker = scene.lines[where[1]].speaker
    return series.narrator if speaker == NARRATOR else series.bible.character(speaker).voice
