"""The embedded renderer: draws timed scenes as a stylised motion comic with Pillow and numpy.

No model weights and no network: rooms, figures and faces are painted from the series bible,
then cut into shots (plan_shots) and animated frame by frame (render_scene, render_still).
When a build has an image backend, `stills.py` draws the frames instead, moving each shot's
camera over the generated still.
"""

from dramaline.render.scene import render_scene, render_still
from dramaline.render.shots import plan_shots

VERSION: int = 2  # 2: the view from a car window scrolls from each cut
"""Bumped whenever the same inputs would draw differently; part of every render cache key."""

__all__ = ["VERSION", "plan_shots", "render_scene", "render_still"]
