"""A Pillow drawing surface in room coordinates, used to paint the layers of a location.

Rooms are drawn in frame fractions (x 0..1 across the frame at rest, y 0..1 down it), so the same
drawing code paints the wide layers, the zoomed close-up backdrop and any preset size. Every colour
passes through the hour's grade as it is painted; lights (lamps, lit windows) are recorded and
painted last in their own undimmed colours, so they glow at night.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw

from dramaline.render.color import RGB, mix

Point = tuple[float, float]


def _same(c: RGB) -> RGB:
    return c


@dataclass
class Canvas:
    """One layer being painted: an RGB image, an optional coverage mask, and the room-to-pixel map."""

    image: Image.Image
    mask: Image.Image | None
    frame_w: int
    frame_h: int
    origin: Point
    """Pixel position of the frame's top-left corner at rest (the layer's margin)."""
    zoom: float = 1.0
    focus: Point = (0.5, 0.5)
    lights_on: bool = False
    enabled: bool = True
    tint: Callable[[RGB], RGB] = _same
    """The hour's grade, applied to every colour as it is painted (cheaper than grading pixels)."""
    light_tint: Callable[[RGB], RGB] = _same
    """The grade of lights, which the hour does not darken."""
    deferred: list[Callable[[], None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Opaque shapes go through a plain Draw: Pillow's blending Draw is several times slower.
        self._draw = ImageDraw.Draw(self.image)
        self._blend = ImageDraw.Draw(self.image, "RGBA")
        self._mdraw = ImageDraw.Draw(self.mask) if self.mask is not None else None

    # ----------------------------------------------------------------------------- mapping

    def px(self, x: float, y: float) -> Point:
        """Room coordinates to layer pixels."""
        fx, fy = self.focus
        return (
            self.origin[0] + (fx + (x - fx) * self.zoom) * self.frame_w,
            self.origin[1] + (fy + (y - fy) * self.zoom) * self.frame_h,
        )

    def size(self, d: float) -> float:
        """A length in frame widths to pixels."""
        return d * self.zoom * self.frame_w

    def _box(self, x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
        a, b = self.px(x0, y0)
        c, d = self.px(x1, y1)
        return (min(a, c), min(b, d), max(a, c), max(b, d))

    # ---------------------------------------------------------------------------- primitives

    def rect(self, x0: float, y0: float, x1: float, y1: float, fill: RGB, outline: RGB | None = None) -> None:
        if not self.enabled:
            return
        box = self._box(x0, y0, x1, y1)
        w = max(1, round(self.size(0.004))) if outline else 0
        self._draw.rectangle(box, fill=self.tint(fill), outline=self._ink(outline), width=w)
        if self._mdraw:
            self._mdraw.rectangle(box, fill=255)

    def poly(self, points: Sequence[Point], fill: RGB, outline: RGB | None = None) -> None:
        if not self.enabled:
            return
        pts = [self.px(x, y) for x, y in points]
        self._draw.polygon(pts, fill=self.tint(fill))
        if self._mdraw:
            self._mdraw.polygon(pts, fill=255)
        if outline:
            # A closed line, not polygon(width=...): Pillow builds a full-size mask image for the latter.
            ring, w = [*pts, pts[0], pts[1]], max(1, round(self.size(0.004)))
            self._draw.line(ring, fill=self.tint(outline), width=w, joint="curve")
            if self._mdraw:
                self._mdraw.line(ring, fill=255, width=w, joint="curve")

    def ellipse(self, cx: float, cy: float, rx: float, ry: float, fill: RGB | None, outline: RGB | None = None) -> None:
        """An ellipse with radii in frame widths (`rx`) and frame heights (`ry`)."""
        if not self.enabled:
            return
        box = self._box(cx - rx, cy - ry, cx + rx, cy + ry)
        if box[2] - box[0] < 1 or box[3] - box[1] < 1:
            return
        w = max(1, round(self.size(0.004))) if outline else 0
        self._draw.ellipse(box, fill=self._ink(fill), outline=self._ink(outline), width=w)
        if self._mdraw:
            self._mdraw.ellipse(box, fill=255 if fill else None, outline=255 if outline else None, width=w)

    def circle(self, cx: float, cy: float, r: float, fill: RGB | None, outline: RGB | None = None) -> None:
        """A circle of radius `r` frame widths."""
        self.ellipse(cx, cy, r, r * self.frame_w / self.frame_h, fill, outline)

    def line(self, points: Sequence[Point], fill: RGB, width: float) -> None:
        """A polyline `width` frame widths thick."""
        if not self.enabled:
            return
        pts = [self.px(x, y) for x, y in points]
        w = max(1, round(self.size(width)))
        self._draw.line(pts, fill=self.tint(fill), width=w)
        if self._mdraw:
            self._mdraw.line(pts, fill=255, width=w)

    def vgrad(self, x0: float, y0: float, x1: float, y1: float, top: RGB, bottom: RGB) -> None:
        """A rectangle shaded from `top` to `bottom`."""
        if not self.enabled:
            return
        a, b, c, d = (round(v) for v in self._box(x0, y0, x1, y1))
        a, b = max(a, 0), max(b, 0)
        c, d = min(c, self.image.width), min(d, self.image.height)
        if c <= a or d <= b:
            return
        t = np.linspace(0.0, 1.0, d - b, dtype=np.float32)[:, None]
        col = np.array(self.tint(top), np.float32) * (1 - t) + np.array(self.tint(bottom), np.float32) * t
        strip = np.broadcast_to(col.round().astype(np.uint8)[:, None, :], (d - b, c - a, 3))
        self.image.paste(Image.fromarray(np.ascontiguousarray(strip)), (a, b))
        if self._mdraw:
            self._mdraw.rectangle((a, b, c - 1, d - 1), fill=255)

    # -------------------------------------------------------------------------------- lights

    def lit(self, x0: float, y0: float, x1: float, y1: float, on: RGB, off: RGB) -> None:
        """A window or panel that shows `on` when the lights are on, else `off`."""
        self.rect(x0, y0, x1, y1, off)
        if self.lights_on and self.enabled:
            self.deferred.append(lambda: self.rect(x0, y0, x1, y1, on))

    def lamp(self, cx: float, cy: float, r: float, colour: RGB, *, halo: float = 3.0) -> None:
        """A light source: a bright core always, and a halo of `halo` radii when the lights are on."""
        self.circle(cx, cy, r, mix(colour, (255, 255, 255), 0.2))
        if self.lights_on and self.enabled:
            self.deferred.append(lambda: self._halo(cx, cy, r, colour, halo))

    def _halo(self, cx: float, cy: float, r: float, colour: RGB, halo: float) -> None:
        steps = 5
        for k in range(steps, 0, -1):
            rr = r * (1 + (halo - 1) * k / steps)
            if self.mask is None:
                # Translucent rings stack into a soft glow on the opaque back layer.
                x, y = self.px(cx, cy)
                s = self.size(rr)
                self._blend.ellipse((x - s, y - s, x + s, y + s), fill=(*self.tint(colour), 34))
            else:
                # Sparse layers have hard masks, so their glow is painted as flat comic rings.
                self.circle(cx, cy, rr, mix(colour, (255, 255, 255), 0.5 - 0.4 * k / steps))
        self.circle(cx, cy, r, (255, 250, 235))

    def flush_lights(self) -> None:
        """Paint the recorded lights on top of the layer, in the light's own grade."""
        tint, self.tint = self.tint, self.light_tint
        for op in self.deferred:
            op()
        self.deferred.clear()
        self.tint = tint

    def _ink(self, c: RGB | None) -> RGB | None:
        return None if c is None else self.tint(c)
