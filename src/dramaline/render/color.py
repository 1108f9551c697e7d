"""Colour helpers of the renderer: hex parsing, mixing, time-of-day and flashback grades, flashes.

A grade maps each colour on its own, so it is applied to the colours things are painted with
(rooms, figures) rather than to pixels: the same result as grading every frame, at no cost per frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from dramaline.model import TimeOfDay

RGB = tuple[int, int, int]
Pixels = NDArray[np.uint8]
"""An (h, w, 3) uint8 RGB image."""


def hex_rgb(value: str) -> RGB:
    """`#rrggbb` to an (r, g, b) tuple."""
    return int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16)


def mix(a: RGB, b: RGB, t: float) -> RGB:
    """The colour `t` of the way from `a` to `b`."""
    return (round(a[0] + (b[0] - a[0]) * t), round(a[1] + (b[1] - a[1]) * t), round(a[2] + (b[2] - a[2]) * t))


def darker(c: RGB, amount: float) -> RGB:
    """`c` moved `amount` (0..1) of the way to black."""
    return mix(c, (0, 0, 0), amount)


def lighter(c: RGB, amount: float) -> RGB:
    """`c` moved `amount` (0..1) of the way to white."""
    return mix(c, (255, 255, 255), amount)


def luma(c: RGB) -> float:
    """Perceived brightness of `c`, 0..255."""
    return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]


def palette_rgb(palette: tuple[str, ...], count: int) -> list[RGB]:
    """`count` colours from a 2-5 colour hex palette, inventing the missing ones by shading."""
    colours = [hex_rgb(h) for h in palette]
    while len(colours) < count:
        base = colours[len(colours) % len(palette)]
        colours.append(lighter(base, 0.45) if luma(base) < 128 else darker(base, 0.45))
    return colours


SKIES: dict[TimeOfDay, tuple[RGB, RGB]] = {
    TimeOfDay.DAWN: ((96, 104, 168), (250, 186, 170)),
    TimeOfDay.DAY: ((92, 160, 226), (208, 232, 247)),
    TimeOfDay.DUSK: ((58, 52, 110), (246, 140, 72)),
    TimeOfDay.NIGHT: ((8, 12, 34), (30, 40, 78)),
}
"""Top and horizon colours of the sky seen outdoors and through windows."""


@dataclass(frozen=True)
class Grade:
    """A colour function: per-channel gain and lift, then an optional sepia wash (for flashbacks)."""

    gain: tuple[float, float, float] = (1.0, 1.0, 1.0)
    lift: tuple[float, float, float] = (0.0, 0.0, 0.0)
    sepia: bool = False

    def colour(self, c: RGB) -> RGB:
        """`c` as it looks under this grade."""
        r, g, b = (min(255, max(0, round(v * k + a))) for v, k, a in zip(c, self.gain, self.lift, strict=True))
        if self.sepia:
            grey = (r * 77 + g * 150 + b * 29) >> 8
            t = _SEPIA_TABLE[grey]
            return int(t[0]), int(t[1]), int(t[2])
        return r, g, b


# Night is pushed far down and blue, so that lamps and lit windows drawn after the grade glow.
_TIME_GAIN: dict[TimeOfDay, tuple[tuple[float, float, float], tuple[float, float, float]]] = {
    TimeOfDay.DAWN: ((0.98, 0.86, 0.90), (22.0, 8.0, 18.0)),
    TimeOfDay.DAY: ((1.04, 1.04, 1.04), (6.0, 6.0, 6.0)),
    TimeOfDay.DUSK: ((1.02, 0.78, 0.60), (16.0, 2.0, 0.0)),
    TimeOfDay.NIGHT: ((0.42, 0.48, 0.70), (2.0, 6.0, 22.0)),
}


def time_grade(time_of_day: TimeOfDay, *, strength: float = 1.0, flashback: bool = False) -> Grade:
    """The light of `time_of_day`; `strength` < 1 for characters, who stand in a key light."""
    gain, lift = _TIME_GAIN[time_of_day]
    g = (
        1 + (gain[0] - 1) * strength,
        1 + (gain[1] - 1) * strength,
        1 + (gain[2] - 1) * strength,
    )
    b = (lift[0] * strength, lift[1] * strength, lift[2] * strength)
    return Grade(g, b, flashback)


def _sepia_table() -> NDArray[np.uint8]:
    x = np.arange(256, dtype=np.float32) * 0.82 + 30  # lifted blacks, softened whites
    return np.stack([x * 1.0, x * 0.95, x * 0.84], axis=1).clip(0, 255).astype(np.uint8)


_SEPIA_TABLE = _sepia_table()


def vignette(image: Image.Image, strength: float) -> Image.Image:
    """A copy of `image` darkened towards the corners by up to `strength` (0..1)."""
    # The falloff is computed small and stretched by Pillow: it is smooth, and full-size maths is slow.
    w, h = 64, max(2, round(64 * image.height / image.width))
    ys = np.linspace(-1.0, 1.0, h, dtype=np.float32)[:, None]
    xs = np.linspace(-1.0, 1.0, w, dtype=np.float32)[None, :]
    falloff = np.clip((xs * xs * 0.9 + ys * ys * 0.7) - 0.25, 0.0, 1.0)
    light = Image.fromarray(((1.0 - strength * falloff) * 255).astype(np.uint8)).resize(
        image.size, Image.Resampling.BILINEAR
    )
    return Image.composite(image, Image.new("RGB", image.size, (0, 0, 0)), light)


def push_lut(amount: float = 1.0) -> NDArray[np.uint8]:
    """A (3, 256) table for the cliffhanger freeze: harder contrast, crushed teal shadows, hot reds."""
    x = np.arange(256, dtype=np.float32) / 255.0
    s = x * x * (3 - 2 * x)  # smoothstep: an S-curve that deepens blacks and lifts highlights
    curve = x + (s - x) * 1.2 * amount
    r = curve * (1 + 0.22 * amount) + 0.02 * amount
    g = curve * (1 - 0.08 * amount)
    b = curve * (1 - 0.20 * amount) + 0.06 * amount * (1 - x)
    return (np.stack([r, g, b]).clip(0, 1) * 255).round().astype(np.uint8)


def apply_lut(pixels: Pixels, lut: NDArray[np.uint8]) -> Pixels:
    """A copy of `pixels` mapped through a (3, 256) table."""
    out = np.empty_like(pixels)
    for c in range(3):
        np.take(lut[c], pixels[..., c], out=out[..., c])
    return out


def toward_white(pixels: Pixels, amount: float) -> Pixels:
    """A copy of `pixels` blended `amount` (0..1) of the way to white: a camera flash."""
    # 255 - (255 - p) * (1 - amount), in integer steps: several times faster than a lookup table.
    keep = np.uint16(round((1.0 - amount) * 256))
    dark = np.subtract(255, pixels, dtype=np.uint16)
    dark *= keep
    dark >>= 8
    return np.subtract(255, dark, dtype=np.uint16).astype(np.uint8)
