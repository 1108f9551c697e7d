"""Small hand-built timelines and voices for the sound tests."""

from __future__ import annotations

from collections.abc import Sequence

from dramaline.model import BeatType, Emotion, Gender, TimedLine, TimedScene, Timeline, TimeOfDay, Voice

FPS = 30
CLAIRE = Voice(gender=Gender.FEMALE, age_years=28, pitch=62, rate_wpm=160, timbre="bright")
VIVIAN = Voice(gender=Gender.FEMALE, age_years=31, pitch=48, rate_wpm=160, timbre="icy")
ETHAN = Voice(gender=Gender.MALE, age_years=35, pitch=30, rate_wpm=150, timbre="gravelly")


def make_timeline(
    beats: Sequence[BeatType], *, scene_s: float = 4.0, lines_per_scene: int = 2, tail_s: float = 1.0
) -> Timeline:
    """Scenes of `scene_s` seconds, one per beat, each with evenly spaced lines; then a `tail_s` freeze."""
    scene_frames = round(scene_s * FPS)
    line_frames = scene_frames // lines_per_scene
    scenes = []
    for i, beat in enumerate(beats):
        start = i * scene_frames
        lines = tuple(
            TimedLine(
                index=k,
                speaker="claire",
                text="You will regret this.",
                emotion=Emotion.ANGRY,
                start_frame=start + k * line_frames + 6,
                end_frame=start + k * line_frames + 6 + line_frames // 2,
            )
            for k in range(lines_per_scene)
        )
        scenes.append(
            TimedScene(
                scene_id=f"s{i + 1}",
                beat=beat,
                location="hall",
                time_of_day=TimeOfDay.DAY,
                characters=("claire",),
                start_frame=start,
                end_frame=start + scene_frames,
                lines=lines,
            )
        )
    return Timeline(
        series_title="The Heir",
        episode=1,
        episode_title="The Wedding",
        language="en",
        fps=FPS,
        width_px=1080,
        height_px=1920,
        duration_frames=len(beats) * scene_frames + round(tail_s * FPS),
        scenes=tuple(scenes),
    )
