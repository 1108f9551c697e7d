"""Frames from generated stills: each shot's picture fills the frame while the camera moves over it.

The moves are the embedded renderer's (`camera.view`: push-ins, pans, shakes, the face-slap
punch), applied to one picture per shot as a Ken Burns move: the picture is scaled to cover the
frame with a margin to travel in, and every frame is a window cut from it and resampled.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence

import numpy as np
from PIL import Image

from dramaline.model import Preset, Shot, TimedScene
from dramaline.render import camera
from dramaline.render.shots import check_tiling

VERSION: int = 1
"""Bumped whenever the same stills would give different frames; part of the segment cache key."""

MARGIN = 0.2
"""Picture beyond the frame's edges at rest, as a fraction of the frame: room for pans and shakes."""
MAX_ZOOM = 1 + max(camera.PUSH_ZOOM.values()) + camera.PUNCH_ZOOM


class StillCamera:
    """One picture, prepared once, from which any view of a shot is cut."""

    def __init__(self, png: bytes, width: int, height: int) -> None:
        with Image.open(io.BytesIO(png)) as opened:
            picture = opened.convert("RGB")
        self.width, self.height = width, height
        iw, ih = picture.size
        cover = max(width * (1 + MARGIN) / iw, height * (1 + MARGIN) / ih)
        # Shrink a large picture once, to about the most it is ever zoomed to, so that each frame
        # is a near 1:1 resample (fast, and free of the aliasing of a big bilinear downscale).
        shrink = min(1.0, cover * MAX_ZOOM)
        if shrink < 1.0:
            picture = picture.resize((max(1, round(iw * shrink)), max(1, round(ih * shrink))), Image.Resampling.LANCZOS)
        self.picture = picture
        self.scale = cover / shrink
        """Frame pixels per picture pixel at rest."""

    def frame(self, view: camera.View) -> np.ndarray:
        """The frame this view sees: a window of the picture, travelled and zoomed, resampled to the frame size."""
        iw, ih = self.picture.size
        s = self.scale * view.zoom
        w, h = self.width / s, self.height / s
        # The camera travels by (dx, dy) frame pixels; the window follows at the picture's scale.
        x0 = min(max(iw / 2 + view.dx / self.scale - w / 2, 0.0), iw - w)
        y0 = min(max(ih / 2 + view.dy / self.scale - h / 2, 0.0), ih - h)
        box = (x0, y0, x0 + w, y0 + h)
        out = np.asarray(self.picture.resize((self.width, self.height), Image.Resampling.BILINEAR, box=box))
        out.setflags(write=False)
        return out


def render_frames(
    scene: TimedScene,
    pictures: Sequence[bytes],
    shot_stills: Sequence[int],
    preset: Preset,
    *,
    odd_first_shot: bool = False,
    window: tuple[int, int] | None = None,
) -> Iterator[np.ndarray]:
    """Every frame of `scene` (one per frame, exactly), each shot showing its picture (read-only arrays).

    `odd_first_shot`: the scene is a stretch of a longer one that starts on an odd shot of it.
    `window` (a, b): only frames a..b-1, counted from the scene's start.
    """
    shots = _checked(scene, pictures, shot_stills)
    a, b = window or (0, scene.duration_frames)
    first, end = scene.start_frame + a, scene.start_frame + b
    cameras: dict[int, StillCamera] = {}
    w, h = preset.width_px, preset.height_px
    for i, shot in enumerate(shots):
        if shot.end_frame <= first or shot.start_frame >= end:
            continue
        index = shot_stills[i]
        if index not in cameras:
            cameras[index] = StillCamera(pictures[index], w, h)
        cam = cameras[index]
        last: tuple[tuple[float, float, float], np.ndarray] | None = None
        for f in range(max(shot.start_frame, first), min(shot.end_frame, end)):
            view = _view(shot, i + odd_first_shot, f, preset)
            at = (view.dx, view.dy, view.zoom)
            if last is None or last[0] != at:
                last = (at, cam.frame(view))
            yield last[1]


def render_still_frame(
    scene: TimedScene, pictures: Sequence[bytes], shot_stills: Sequence[int], preset: Preset, frame: int
) -> np.ndarray:
    """One frame of `scene` (for covers), exactly as `render_frames` would draw it."""
    shots = _checked(scene, pictures, shot_stills)
    i = next((k for k, s in enumerate(shots) if s.start_frame <= frame < s.end_frame), len(shots) - 1)
    shot = shots[i]
    frame = min(max(frame, shot.start_frame), shot.end_frame - 1)
    cam = StillCamera(pictures[shot_stills[i]], preset.width_px, preset.height_px)
    return cam.frame(_view(shot, i, frame, preset))


def _view(shot: Shot, index: int, frame: int, preset: Preset) -> camera.View:
    w, h = preset.width_px, preset.height_px
    # Pans alternate direction from shot to shot, as in the embedded renderer.
    return camera.view(shot, frame, w, h, (w / 2, h / 2), fps=preset.fps, flip=index % 2 == 1)


def _checked(scene: TimedScene, pictures: Sequence[bytes], shot_stills: Sequence[int]) -> tuple[Shot, ...]:
    """The scene's shots, once it is certain they tile it and each has a picture."""
    shots = scene.shots
    if not shots:
        raise ValueError(f"scene {scene.scene_id!r} has no shots; plan them (render.plan_shots) before its stills")
    if len(shot_stills) != len(shots) or any(not 0 <= k < len(pictures) for k in shot_stills):
        raise ValueError(
            f"scene {scene.scene_id!r} has {len(shots)} shots but its stills map {list(shot_stills)} "
            f"onto {len(pictures)} pictures; give every shot the index of one picture"
        )
    check_tiling(scene, shots)
    return shots
