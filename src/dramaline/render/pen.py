"""A Pillow pen in head units, used to paint figures: (0, 0) is the head's centre, 1 is its height.

Figures are drawn at any size from the same coordinates; every colour passes through the scene's
grade as it is painted, and solid shapes also mark the sprite's coverage mask.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PIL import Image, ImageDraw

from dramaline.render.color import RGB

Point = tuple[float, float]


class Pen:
    """Paints on an RGB image and its coverage mask, scaled by `unit` pixels per head height."""

    def __init__(
        self, image: Image.Image, mask: Image.Image, origin: Point, unit: float, tint: Callable[[RGB], RGB]
    ) -> None:
        self.origin = origin
        self.unit = unit
        self.tint = tint
        self._draw = ImageDraw.Draw(image)
        self._blend = ImageDraw.Draw(image, "RGBA")
        self._mask = ImageDraw.Draw(mask)

    def p(self, x: float, y: float) -> Point:
        """Head units to pixels."""
        # Snapped to whole pixels: Pillow truncates coordinates, which only commutes with moving the
        # origin (as face patches do) when they are already integers.
        return self.origin[0] + round(x * self.unit), self.origin[1] + round(y * self.unit)

    def w(self, width: float) -> int:
        """A stroke width in head units to whole pixels (at least one)."""
        return max(1, round(width * self.unit))

    def poly(self, pts: Sequence[Point], fill: RGB, outline: RGB | None = None, width: float = 0.012) -> None:
        """A filled polygon; it adds to the figure's silhouette."""
        px = [self.p(x, y) for x, y in pts]
        self._draw.polygon(px, fill=self.tint(fill))
        self._mask.polygon(px, fill=255)
        if outline:
            # A closed line, not polygon(width=...): Pillow builds a full-size mask image for the latter.
            ring, w = [*px, px[0], px[1]], self.w(width)
            self._draw.line(ring, fill=self.tint(outline), width=w, joint="curve")
            self._mask.line(ring, fill=255, width=w, joint="curve")

    def ellipse(
        self,
        cx: float,
        cy: float,
        rx: float,
        ry: float,
        fill: RGB | None,
        outline: RGB | None = None,
        width: float = 0.012,
    ) -> None:
        """A filled or outlined ellipse; it adds to the silhouette."""
        box = (*self.p(cx - rx, cy - ry), *self.p(cx + rx, cy + ry))
        if box[2] - box[0] < 0.5 or box[3] - box[1] < 0.5:
            return
        line = self.w(width) if outline else 0
        self._draw.ellipse(box, fill=self._ink(fill), outline=self._ink(outline), width=line)
        self._mask.ellipse(box, fill=255 if fill else None, outline=255 if outline else None, width=line)

    def line(self, pts: Sequence[Point], fill: RGB, width: float, *, round_caps: bool = False) -> None:
        """A stroke `width` head units thick; it adds to the silhouette."""
        px = [self.p(x, y) for x, y in pts]
        w = self.w(width)
        self._draw.line(px, fill=self.tint(fill), width=w, joint="curve")
        self._mask.line(px, fill=255, width=w)
        if round_caps and w > 2:
            for x, y in (px[0], px[-1]):
                r = w / 2
                self._draw.ellipse((x - r, y - r, x + r, y + r), fill=self.tint(fill))

    def glaze(self, cx: float, cy: float, rx: float, ry: float, colour: RGB, alpha: int) -> None:
        """A translucent ellipse (blush, shadow) over what is already painted; no silhouette change."""
        box = (*self.p(cx - rx, cy - ry), *self.p(cx + rx, cy + ry))
        self._blend.ellipse(box, fill=(*self.tint(colour), alpha))

    def _ink(self, c: RGB | None) -> RGB | None:
        return None if c is None else self.tint(c)
