"""Camera moves: where the virtual camera is at each frame of a shot.

A view is a displacement (the camera's travel, which layers follow by their parallax factor)
and a zoom about an anchor point on screen. Push-ins ease in and out, pans drift across,
shakes jitter for a few frames, and a face-slap reaction adds a zoom punch on the impact.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dramaline.model import CameraMove, Shot, ShotKind

PUSH_ZOOM = {ShotKind.ESTABLISHING: 0.12, ShotKind.TWO_SHOT: 0.08, ShotKind.CLOSE_UP: 0.1, ShotKind.REACTION: 0.1}
"""How much closer a push-in ends than it starts, by shot kind."""
PAN_TRAVEL = {ShotKind.ESTABLISHING: 0.14, ShotKind.TWO_SHOT: 0.03, ShotKind.CLOSE_UP: 0.03, ShotKind.REACTION: 0.03}
"""How far a pan travels across its shot, in frame widths."""
PUNCH_ZOOM = 0.16
"""The extra zoom of a face-slap impact, decaying over its first frames."""
MOVE_STRIDE = 2
"""Frames between steps of a pan, push-in or pull-out (at 20 fps and above)."""

# A fixed jitter sequence: shakes look random but every render is identical.
_JITTER = ((0.9, -0.6), (-1.0, 0.8), (0.7, 1.0), (-0.5, -0.9), (1.0, 0.3), (-0.8, -0.4), (0.4, 0.9), (-0.3, -0.7))


@dataclass(frozen=True)
class View:
    """Where the camera looks in one frame."""

    dx: float
    dy: float
    """Camera travel in pixels; a layer with parallax p shifts by -p * travel."""
    zoom: float
    anchor: tuple[float, float]
    """The screen point (pixels) that stays put while zooming."""


def view(shot: Shot, frame: int, width: int, height: int, anchor: tuple[float, float], *, fps: int, flip: bool) -> View:
    """The camera for `frame` of `shot`; `flip` reverses the pan direction (alternated per shot)."""
    n = shot.end_frame - shot.start_frame
    k = frame - shot.start_frame
    # Slow moves step on every other frame: each step recomposes (or resamples) the whole frame,
    # and a drift this slow looks the same at 15 steps a second (at low frame rates, every frame).
    even = k - k % MOVE_STRIDE if fps >= 20 else k
    t = _ease(even / (n - 1) if n > 1 else 1.0)
    dx = dy = 0.0
    zoom = 1.0
    push = PUSH_ZOOM[shot.kind]
    if shot.kind is ShotKind.REACTION or shot.move is CameraMove.PUSH_IN:
        zoom = 1.0 + push * t
    elif shot.move is CameraMove.PULL_OUT:
        zoom = 1.0 + push * (1.0 - t)
    elif shot.move is CameraMove.PAN:
        travel = PAN_TRAVEL[shot.kind] * width
        dx = (t - 0.5) * travel * (-1 if flip else 1)
    if shot.move is CameraMove.SHAKE:
        shake_frames = max(3, round(0.3 * fps))
        if k < shake_frames:
            decay = 1.0 - k / shake_frames
            jx, jy = _JITTER[k % len(_JITTER)]
            amp = 0.018 * width * decay
            dx += jx * amp
            dy += jy * amp
        if shot.kind is ShotKind.REACTION:
            zoom += PUNCH_ZOOM * math.exp(-(k if k < 4 else even) / max(1.0, 0.12 * fps))
    return View(dx, dy, zoom, anchor)


def _ease(t: float) -> float:
    """Smoothstep: moves start and settle gently."""
    t = min(1.0, max(0.0, t))
    return t * t * (3 - 2 * t)
