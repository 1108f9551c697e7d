"""A scene's shots -> encoded video segments: rendered frames, captions and labels burned in.

A scene is drawn as one segment per shot (`split`), each keyed by only what its own frames show,
so an edit re-draws just the shots it touches: shots after an edited line only move in time, and
moving does not change a segment. A long shot is drawn in pieces of at most four seconds, so the
executor's workers share even a rebuild that re-draws a single shot.

A segment job is self-contained and picklable, so any executor (a local process pool, or Ray
workers on other machines) can run it and hand back the segment's bytes. Its pictures come from
the embedded renderer, or, when the build has an image backend, from the generated stills the job
carries (as bytes: a worker on another machine has no access to this machine's cache).
"""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, SerializationInfo, SerializerFunctionWrapHandler, model_serializer

from dramaline import render
from dramaline.captions.render import CaptionPainter, Overlay, composite
from dramaline.labels.visible import LABEL_SECONDS, credits_overlay, label_overlay
from dramaline.model import NARRATOR, Continuity, Emotion, Preset, Series, TimedLine, TimedScene
from dramaline.produce.encode import encode_frames
from dramaline.render import stills
from dramaline.render.compose import Buffers
from dramaline.render.scene import held_frames

VERSION = 3  # 2: encoded in-process by PyAV, BT.709 matrix; 3: a segment per shot
PIECE_SECONDS = 4.0
"""The longest segment: a longer shot is drawn in pieces, each starting on a key frame (`pieces`).

A rebuild after a one-line edit often re-draws one long shot and a short one (189 and 30 frames in
the rebuild benchmark): whole, one worker draws 189 frames while the other finishes early; in
pieces, neither draws more than 125. Each piece costs a key frame and a fresh renderer and encoder:
on the two longest shots of a 1080x1920 scene (255 and 188 frames), pieces of at most 2 s made
their segments 9.9% larger, pieces of at most 4 s 2.7%.
"""


class Still(BaseModel):
    """A generated picture: its bytes travel with the job, only its digest goes into the job's key."""

    model_config = ConfigDict(frozen=True)

    digest: str
    png: bytes = Field(exclude=True, repr=False)


class SegmentJob(BaseModel):
    """Everything needed to make one scene's segment; its digest is the segment's cache key."""

    model_config = ConfigDict(frozen=True)

    scene: TimedScene  # timed from its own start, so a scene's pixels do not depend on its place
    series: Series  # only the parts the scene shows go into the key (see build._segment_job)
    preset: Preset
    label_frames: int  # this segment's first frames that carry the AI label (0: none here)
    show_credits: bool
    continuity: Continuity = Continuity()
    """What a shot drawn on its own carries in from the rest of its scene (`split`)."""
    encoder_threads: int = 2
    """x264's slice threads: a shot left alone at the end of a build still uses two cores (`pieces` use one)."""
    stills: tuple[Still, ...] = ()
    """The scene's distinct generated pictures; none: the embedded renderer draws the scene."""
    shot_stills: tuple[int, ...] = ()
    """For each of `scene.shots`, the index of its picture in `stills`."""
    window: tuple[int, int] | None = None
    """Only frames a..b-1 of the scene, counted from its start: a piece of a long shot (`pieces`)."""

    @model_serializer(mode="wrap")
    def _without_empty_stills(self, handler: SerializerFunctionWrapHandler, info: SerializationInfo) -> Any:
        # A job without stills or window dumps (and so digests) as it did before they existed:
        # caches built with the embedded renderer stay valid.
        data = handler(self)
        if isinstance(data, dict):
            if not self.stills:
                data.pop("stills", None)
                data.pop("shot_stills", None)
            if self.window is None:
                data.pop("window", None)
        return data

    @property
    def frame_count(self) -> int:
        """How many frames the job's segment holds."""
        a, b = self.window or (0, self.scene.duration_frames)
        return b - a


def pictures(job: SegmentJob) -> Iterator[np.ndarray]:
    """The scene's frames before captions and labels: from its stills, or drawn by the embedded renderer."""
    if job.stills:
        return stills.render_frames(
            job.scene,
            [s.png for s in job.stills],
            job.shot_stills,
            job.preset,
            odd_first_shot=job.continuity.odd_first_shot,
            window=job.window,
        )
    return render.render_scene(job.scene, job.series, job.preset, job.continuity, job.window)


def renderer_id(job: SegmentJob) -> str:
    """What drew the job's pictures, at which version: part of the segment's cache key."""
    return f"stills:{stills.VERSION}" if job.stills else f"embedded:{render.VERSION}"


def shifted(scene: TimedScene) -> TimedScene:
    """The scene with every frame number relative to its own start."""
    return _moved(scene, scene.start_frame)


def _moved(
    scene: TimedScene, d: int, lines: tuple[TimedLine, ...] | None = None, shots: slice = slice(None)
) -> TimedScene:
    """`scene` (with only `lines` and the `shots` slice, if given) with every frame number `d` earlier."""
    lines = scene.lines if lines is None else lines
    kept = scene.shots[shots]
    start, end = (kept[0].start_frame, kept[-1].end_frame) if kept else (scene.start_frame, scene.end_frame)
    return scene.model_copy(
        update={
            "start_frame": start - d,
            "end_frame": end - d,
            "lines": tuple(
                line.model_copy(
                    update={
                        "start_frame": line.start_frame - d,
                        "end_frame": line.end_frame - d,
                        "cues": tuple(
                            c.model_copy(update={"start_frame": c.start_frame - d, "end_frame": c.end_frame - d})
                            for c in line.cues
                            if c.end_frame > start and c.start_frame < end
                        ),
                    }
                )
                for line in lines
            ),
            "shots": tuple(
                s.model_copy(update={"start_frame": s.start_frame - d, "end_frame": s.end_frame - d}) for s in kept
            ),
        }
    )


def split(job: SegmentJob) -> list[SegmentJob]:
    """The scene's job as one job per shot, which together draw exactly the frames the whole job would.

    Each shot's job holds only what its frames show: its shot, the lines spoken during it (timed
    from the shot, or from the start of a line already under way), the emotion each character
    carries in, whether it opens the scene, the parity of its place (pans alternate) and its part
    of the opening label. A cliffhanger's held frame is drawn with the shot it freezes, so the
    shots from that one to the end stay together.
    """
    scene = job.scene
    shots = scene.shots
    if len(shots) <= 1:
        return [job]
    hold = held_frames(scene, job.preset.fps)
    tail = len(shots) - 1  # the first shot of the last group: the one whose frame the freeze holds
    if hold:
        frozen = scene.end_frame - hold - 1
        tail = next(i for i, s in enumerate(shots) if s.start_frame <= frozen < s.end_frame)
    groups = [(i, i + 1) for i in range(tail)] + [(tail, len(shots))]
    parts: list[SegmentJob] = []
    for a, b in groups:
        t0, t1 = shots[a].start_frame, shots[b - 1].end_frame
        lines = tuple(x for x in scene.lines if x.end_frame > t0 and x.start_frame < t1)
        d = min([t0, *(x.start_frame for x in lines)])
        used = sorted(set(job.shot_stills[a:b]))
        parts.append(
            job.model_copy(
                update={
                    "scene": _moved(scene, d, lines, slice(a, b)),
                    "label_frames": max(0, job.label_frames - t0),
                    "show_credits": job.show_credits and job.label_frames > t0,
                    "continuity": Continuity(
                        opening=a == 0,
                        odd_first_shot=a % 2 == 1,
                        carried=_carried(scene, t0),
                        held_frames=hold if b == len(shots) else 0,
                    ),
                    "stills": tuple(job.stills[k] for k in used),
                    "shot_stills": tuple(used.index(k) for k in job.shot_stills[a:b]),
                }
            )
        )
    return parts


def pieces(job: SegmentJob) -> list[SegmentJob]:
    """`job` cut into windows of at most `PIECE_SECONDS`, nearly equal, that the executor runs side by side.

    Without them a rebuild that re-draws one long shot keeps one worker busy while the others wait.
    The cut depends only on the job's own length, so an unchanged shot keeps the keys of its pieces.
    """
    n = job.frame_count
    most = max(1, round(PIECE_SECONDS * job.preset.fps))
    if job.window is not None or n <= most:
        return [job]
    count = -(-n // most)
    bounds = [n * k // count for k in range(count + 1)]
    # Pieces run side by side, a worker each, so each encodes on one thread: with two slice threads
    # apiece, the rebuild benchmark's two pieces took 0.28 s longer (median of 5, same machine).
    return [job.model_copy(update={"window": (a, b), "encoder_threads": 1}) for a, b in itertools.pairwise(bounds)]


def _carried(scene: TimedScene, frame: int) -> tuple[tuple[str, Emotion], ...]:
    """Each on-screen character's emotion from the last line they started before `frame`."""
    carried: dict[str, Emotion] = {}
    for line in sorted(scene.lines, key=lambda x: x.start_frame):
        if line.start_frame < frame and line.speaker != NARRATOR:
            carried[line.speaker] = line.emotion
    return tuple(sorted(carried.items()))


def label_frames_for(preset: Preset) -> int:
    """How many opening frames of an episode carry the visible AI label."""
    return round(LABEL_SECONDS * preset.fps)


def frames(job: SegmentJob) -> Iterator[np.ndarray]:
    """The segment's finished frames: the renderer's picture with captions and labels on top.

    Frames are read-only. A picture the renderer repeats (the same array) under the same caption
    and label comes out as the same array again, so the encoder converts it once; the copies that
    carry captions are drawn into recycled memory, since a fresh 6 MB array per frame costs page
    faults that, at 1080x1920, took as long as drawing the frame.
    """
    painter = CaptionPainter(job.preset, job.series.language)
    cue_at: dict[int, str] = {}
    for line in job.scene.lines:
        for cue in line.cues:
            for f in range(cue.start_frame, cue.end_frame):
                cue_at[f] = cue.text
    label: Overlay | None = label_overlay(job.preset, job.series.language) if job.label_frames else None
    credits = (
        credits_overlay(job.preset, job.series.registration_number, job.series.language) if job.show_credits else None
    )
    buffers = Buffers(job.preset.width_px * job.preset.height_px * 3)
    last: tuple[np.ndarray, tuple[str | None, bool], np.ndarray] | None = None
    first = job.window[0] if job.window else 0
    for k, picture in enumerate(pictures(job), start=first):
        text = cue_at.get(job.scene.start_frame + k)
        labelled = label is not None and k < job.label_frames
        if text is None and not labelled:
            yield picture
            continue
        look = (text, labelled)
        if last is not None and last[0] is picture and last[1] == look:
            yield last[2]
            continue
        frame = buffers.take(picture.shape)  # the renderer's picture may be shared; never draw on it
        frame[...] = picture
        if text is not None:
            composite(frame, painter.paint(text))
        if label is not None and labelled:
            composite(frame, label)
            if credits is not None:
                composite(frame, credits)
        frame.flags.writeable = False
        last = (picture, look, frame)
        yield frame


def render_segment(job: SegmentJob) -> bytes:
    """Render and encode one scene; returns the MP4 segment's bytes (executors ship bytes, not paths)."""
    with tempfile.TemporaryDirectory(prefix="dramaline-seg-") as tmp:
        out = Path(tmp) / "segment.mp4"
        written = encode_frames(frames(job), job.preset, out, threads=job.encoder_threads)
        expected = job.frame_count
        if written != expected:
            raise RuntimeError(f"scene {job.scene.scene_id}: renderer gave {written} frames, expected {expected}")
        return out.read_bytes()
