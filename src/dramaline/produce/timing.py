"""Lays an episode out in frames from the lengths of its voiced lines: the Timeline.

The timeline is what the renderer draws, what captions are timed by, and what the analytics
stage maps audience drop-offs onto, so it is written beside every episode as JSON.
"""

from __future__ import annotations

from collections.abc import Sequence

from dramaline.captions import cues_for_line
from dramaline.model import BeatType, Episode, Preset, Series, TimedLine, TimedScene, Timeline
from dramaline.render import plan_shots

VERSION = 1

LEAD_IN_S = 0.8  # the establishing beat before the first line of a scene
GAP_S = 0.25  # a breath between lines of the same speaker
TURN_S = 0.35  # a beat longer when the speaker changes
TAIL_S = 0.5  # a moment after the last line before the cut
CLIFF_TAIL_S = 1.8  # the freeze-frame and sting that close an episode

VERSIONS_DIR = "versions"
"""Under a build folder: the timeline of every episode version built, epNNN.vK.timeline.json."""


def lay_out(series: Series, episode: Episode, line_frames: Sequence[Sequence[int]], preset: Preset) -> Timeline:
    """The episode's timeline, given the frames each line's speech lasts (per scene, per line)."""
    fps = preset.fps

    def frames(seconds: float) -> int:
        return round(seconds * fps)

    scenes: list[TimedScene] = []
    cursor = 0
    last = len(episode.scenes) - 1
    for s_index, (scene, lengths) in enumerate(zip(episode.scenes, line_frames, strict=True)):
        if len(lengths) != len(scene.lines):
            raise ValueError(f"scene {scene.id}: {len(lengths)} take lengths for {len(scene.lines)} lines")
        start = cursor
        cursor += frames(LEAD_IN_S)
        timed: list[TimedLine] = []
        previous = None
        for index, (line, length) in enumerate(zip(scene.lines, lengths, strict=True)):
            if previous is not None:
                cursor += frames(TURN_S if line.speaker != previous else GAP_S)
            length = max(length, 1)
            cues = cues_for_line(line.text, cursor, cursor + length, language=series.language, fps=fps)
            timed.append(
                TimedLine(
                    index=index,
                    speaker=line.speaker,
                    text=line.text,
                    emotion=line.emotion,
                    start_frame=cursor,
                    end_frame=cursor + length,
                    cues=cues,
                )
            )
            cursor += length
            previous = line.speaker
        is_end = s_index == last and scene.beat is BeatType.CLIFFHANGER
        cursor += frames(CLIFF_TAIL_S if is_end else TAIL_S)
        placed = TimedScene(
            scene_id=scene.id,
            beat=scene.beat,
            location=scene.location,
            time_of_day=scene.time_of_day,
            characters=scene.characters,
            start_frame=start,
            end_frame=cursor,
            lines=tuple(timed),
            wardrobe=scene.wardrobe,
        )
        scenes.append(placed.model_copy(update={"shots": plan_shots(placed, series.bible)}))
    return Timeline(
        series_title=series.title,
        episode=episode.number,
        episode_version=episode.version,
        episode_title=episode.title,
        language=series.language,
        fps=fps,
        width_px=preset.width_px,
        height_px=preset.height_px,
        duration_frames=cursor,
        scenes=tuple(scenes),
    )
