"""Fit translated speech into the original's timing: same scenes, same shots, same frames wherever it fits.

Each translated line starts where the original line started. A line too long for its place
(up to the next line's start, less a breath; the last line: the original line's length) is
first spoken faster, by at most MAX_SPEEDUP; what still does not fit pushes the next lines
later, and the scene holds its last shot for as many frames as it ran over. Only those scenes
change length; every other scene keeps the original's frames, shots and cut points.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dramaline.captions import cues_for_line
from dramaline.model import Episode, Series, TimedLine, TimedScene, Timeline

MAX_SPEEDUP = 1.2
"""Fastest delivery, relative to the voice's pace, before the shot is held instead."""
MIN_SPEEDUP = 1.03
"""A line this close to fitting is left as it is: a held frame or two is less noticeable than a faster voice."""
BREATH_S = 0.12
"""The least pause between two lines once a long line pushes the next one back."""


@dataclass(frozen=True)
class SceneFit:
    """How one scene's timing changed: frames its last shot is held for, and each sped-up line's factor."""

    scene_id: str
    held_frames: int


def speedups(source: Timeline, lengths: Sequence[Sequence[int]]) -> dict[tuple[str, int], float]:
    """(scene id, line index) → how much faster a translated line must be said to fit its place (capped)."""
    factors: dict[tuple[str, int], float] = {}
    breath = round(BREATH_S * source.fps)
    for scene, frames in zip(source.scenes, lengths, strict=True):
        for i, (line, length) in enumerate(zip(scene.lines, frames, strict=True)):
            room = (scene.lines[i + 1].start_frame - breath if i + 1 < len(scene.lines) else line.end_frame) - (
                line.start_frame
            )
            ratio = length / max(1, room)
            if ratio >= MIN_SPEEDUP:
                factors[(scene.scene_id, line.index)] = min(MAX_SPEEDUP, ratio)
    return factors


def retime(
    source: Timeline, edition: Series, episode: Episode, lengths: Sequence[Sequence[int]]
) -> tuple[Timeline, list[SceneFit]]:
    """The edition's timeline: `source` with the translated lines of `lengths` frames placed in it."""
    fps = source.fps
    breath = round(BREATH_S * fps)
    shift = 0
    scenes: list[TimedScene] = []
    fits: list[SceneFit] = []
    for original, scene, frames in zip(source.scenes, episode.scenes, lengths, strict=True):
        if original.scene_id != scene.id or len(original.lines) != len(scene.lines):
            raise ValueError(f"scene {scene.id}: the edition's scenes must match the original's one for one")
        start = original.start_frame + shift
        placed: list[TimedLine] = []
        previous_end = -breath
        for src, line, length in zip(original.lines, scene.lines, frames, strict=True):
            begin = max(src.start_frame + shift, previous_end + breath)
            end = begin + max(1, length)
            cues = cues_for_line(line.text, begin, end, language=edition.language, fps=fps)
            placed.append(
                src.model_copy(update={"text": line.text, "start_frame": begin, "end_frame": end, "cues": cues})
            )
            previous_end = end
        tail = original.end_frame - original.lines[-1].end_frame
        end_frame = max(original.end_frame + shift, previous_end + tail)
        held = end_frame - (original.end_frame + shift)
        shots = tuple(
            s.model_copy(update={"start_frame": s.start_frame + shift, "end_frame": s.end_frame + shift})
            for s in original.shots
        )
        if shots and held:
            shots = (*shots[:-1], shots[-1].model_copy(update={"end_frame": shots[-1].end_frame + held}))
        scenes.append(
            original.model_copy(
                update={"start_frame": start, "end_frame": end_frame, "lines": tuple(placed), "shots": shots}
            )
        )
        fits.append(SceneFit(scene.id, held))
        shift += held
    timeline = source.model_copy(
        update={
            "series_title": edition.title,
            "episode_title": episode.title,
            "language": edition.language,
            "duration_frames": source.duration_frames + shift,
            "scenes": tuple(scenes),
        }
    )
    return Timeline.model_validate(timeline.model_dump()), fits
