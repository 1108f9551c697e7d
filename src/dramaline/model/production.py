"""Production: render presets, and an episode laid out in frames (the Timeline) with its shots and cues."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field

from dramaline.model.base import MAX_EPISODES, Frozen, LanguageTag, ShortText, Slug, Text
from dramaline.model.story import BeatType, Costume, Emotion, TimeOfDay


class Preset(Frozen):
    """How episodes are rendered and encoded: frame size, rate and x264 settings."""

    name: Slug
    width_px: int = Field(ge=16, le=4096, multiple_of=2)
    height_px: int = Field(ge=16, le=4096, multiple_of=2)
    fps: int = Field(ge=1, le=120)
    crf: int = Field(ge=0, le=51)
    x264_preset: Literal["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow"]


PRESETS: dict[str, Preset] = {
    "final": Preset(name="final", width_px=1080, height_px=1920, fps=30, crf=20, x264_preset="veryfast"),
    "draft": Preset(name="draft", width_px=720, height_px=1280, fps=30, crf=26, x264_preset="ultrafast"),
}
"""The delivery master, and the draft a studio previews and iterates on (a season re-renders dozens a week).

The draft's encoder is x264's quickest: on draft shots it took 32% less CPU than "superfast", for
files 1.7x larger, which a preview can afford.
"""


class ShotKind(StrEnum):
    """The shot grammar of the renderer."""

    ESTABLISHING = "establishing"
    TWO_SHOT = "two_shot"
    CLOSE_UP = "close_up"
    REACTION = "reaction"


class CameraMove(StrEnum):
    STATIC = "static"
    PUSH_IN = "push_in"
    PULL_OUT = "pull_out"
    PAN = "pan"
    SHAKE = "shake"


class Cue(Frozen):
    """One caption on screen: text and its frames within the episode (end exclusive)."""

    start_frame: int = Field(ge=0)
    end_frame: int = Field(ge=1)
    text: Text


class TimedLine(Frozen):
    """A line placed in time: when its speech starts and ends in the episode, and its captions."""

    index: int = Field(ge=0, description="position of the line in its scene")
    speaker: Slug
    text: Text
    emotion: Emotion
    start_frame: int = Field(ge=0)
    end_frame: int = Field(ge=1)
    cues: tuple[Cue, ...] = ()


class Shot(Frozen):
    """A stretch of a scene seen one way: who is framed, how, and how the camera moves."""

    kind: ShotKind
    start_frame: int = Field(ge=0)
    end_frame: int = Field(ge=1)
    subject: Slug | None = Field(default=None, description="the character framed, or none for wide shots")
    move: CameraMove = CameraMove.STATIC


class TimedScene(Frozen):
    """A scene placed in time, with its lines and shots; frames count from the episode's start."""

    scene_id: Slug
    beat: BeatType
    location: Slug
    time_of_day: TimeOfDay
    characters: tuple[Slug, ...]
    start_frame: int = Field(ge=0)
    end_frame: int = Field(ge=1)
    lines: tuple[TimedLine, ...]
    shots: tuple[Shot, ...] = ()
    wardrobe: tuple[Costume, ...] = ()

    @property
    def duration_frames(self) -> int:
        return self.end_frame - self.start_frame


class Continuity(Frozen):
    """What a stretch of a scene, drawn on its own, carries in from the rest of the scene.

    A scene is drawn shot by shot so that an edit re-draws only the shots it touches; these are
    the few things a shot's pixels take from outside it. The defaults are a whole scene's.
    """

    opening: bool = Field(default=True, description="starts the scene: the cut lands with the whip flash")
    odd_first_shot: bool = Field(default=False, description="its first shot is an odd-numbered shot of the scene")
    carried: tuple[tuple[Slug, Emotion], ...] = Field(
        default=(), description="each character's emotion from their last line before this stretch"
    )
    held_frames: int | None = Field(
        default=None, ge=0, description="a cliffhanger's last frames held still; None: as this scene's length gives"
    )


class Timeline(Frozen):
    """An episode laid out in frames: what the renderer draws and the analytics map drop-offs onto."""

    series_title: ShortText
    episode: int = Field(ge=1, le=MAX_EPISODES)
    episode_version: int = Field(default=1, ge=1, le=2_147_483_647)
    episode_title: ShortText
    language: LanguageTag
    fps: int = Field(ge=1, le=120)
    width_px: int
    height_px: int
    duration_frames: int = Field(ge=1)
    scenes: tuple[TimedScene, ...]

    def seconds(self, frame: int) -> float:
        """Frame number to seconds; the only place frames become seconds."""
        return frame / self.fps
