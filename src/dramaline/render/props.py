"""Reusable set pieces for the rooms: skies, windows, skylines, lamps, plants, tables, floors.

Each takes the Canvas of the layer it belongs on and room coordinates; colours come from the
location's palette via the Room, so the same chandelier is gold in a ballroom and brass elsewhere.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from dramaline.model import TimeOfDay
from dramaline.render.canvas import Canvas
from dramaline.render.color import RGB, SKIES, darker, lighter, mix

WARM_LIGHT: RGB = (255, 214, 140)
GOLD: RGB = (212, 170, 72)
WHITE: RGB = (246, 244, 238)
INK: RGB = (28, 24, 30)


@dataclass
class Room:
    """Everything a room drawer needs: its three layers, palette, light and a seeded dice."""

    far: Canvas
    mid: Canvas
    fg: Canvas
    palette: list[RGB]
    time_of_day: TimeOfDay
    rng: random.Random

    @property
    def night(self) -> bool:
        return self.time_of_day is TimeOfDay.NIGHT

    @property
    def dark(self) -> bool:
        """Dusk or night: lamps are lit."""
        return self.time_of_day in (TimeOfDay.DUSK, TimeOfDay.NIGHT)

    def sky(self) -> tuple[RGB, RGB]:
        return SKIES[self.time_of_day]


def sky(room: Room, c: Canvas, x0: float, y0: float, x1: float, y1: float) -> None:
    """Sky with sun, moon or stars as the hour asks."""
    top, low = room.sky()
    c.vgrad(x0, y0, x1, y1, top, low)
    rng = random.Random(7)
    if room.night:
        for _ in range(int(60 * (x1 - x0) * (y1 - y0)) + 3):
            c.circle(rng.uniform(x0, x1), rng.uniform(y0, y0 + (y1 - y0) * 0.7), 0.0025, (230, 230, 255))
        c.circle(x0 + (x1 - x0) * 0.72, y0 + (y1 - y0) * 0.18, 0.045, (240, 236, 210))
    elif room.time_of_day is TimeOfDay.DAY:
        c.circle(x0 + (x1 - x0) * 0.8, y0 + (y1 - y0) * 0.15, 0.05, (255, 250, 220))
    else:
        c.circle(x0 + (x1 - x0) * 0.3, y0 + (y1 - y0) * 0.82, 0.09, mix(low, (255, 236, 180), 0.7))


def skyline(room: Room, c: Canvas, x0: float, x1: float, base: float, height: float, colour: RGB) -> None:
    """A row of towers with windows, lit at dusk and night."""
    rng = random.Random(int(base * 1000) + int(x0 * 100))
    x = x0
    while x < x1:
        w = rng.uniform(0.06, 0.13)
        h = height * rng.uniform(0.35, 1.0)
        shade = mix(colour, room.sky()[1], rng.uniform(0.0, 0.35))
        c.rect(x, base - h, x + w, base, shade)
        if rng.random() < 0.3:
            c.rect(x + w * 0.45, base - h - height * 0.12, x + w * 0.52, base - h, shade)
        cols, rows = max(1, int(w / 0.022)), max(1, int(h / 0.022))
        for i in range(cols):
            for j in range(rows):
                if rng.random() < 0.45:
                    wx, wy = x + (i + 0.3) * w / cols, base - h + (j + 0.3) * h / rows
                    c.lit(wx, wy, wx + 0.008, wy + 0.008, WARM_LIGHT, darker(shade, 0.25))
        x += w + rng.uniform(0.0, 0.02)


def window(room: Room, c: Canvas, x0: float, y0: float, x1: float, y1: float, frame: RGB, *, city: bool) -> None:
    """A window onto the sky (and the city when `city`), with mullions."""
    sky(room, c, x0, y0, x1, y1)
    if city:
        skyline(room, c, x0, x1, y1, (y1 - y0) * 0.55, darker(room.sky()[0], 0.35))
    bar = (x1 - x0) * 0.04
    c.rect(x0 - bar, y0 - bar, x1 + bar, y0, frame)
    c.rect(x0 - bar, y1, x1 + bar, y1 + bar, frame)
    c.rect(x0 - bar, y0, x0, y1, frame)
    c.rect(x1, y0, x1 + bar, y1, frame)
    mx = (x0 + x1) / 2
    c.rect(mx - bar / 2, y0, mx + bar / 2, y1, frame)


def curtain(c: Canvas, x0: float, x1: float, y0: float, y1: float, colour: RGB) -> None:
    """A drape with folds."""
    folds = 4
    w = (x1 - x0) / folds
    for i in range(folds):
        c.rect(x0 + i * w, y0, x0 + (i + 1) * w, y1, colour if i % 2 == 0 else darker(colour, 0.18))
    c.rect(x0, y0, x1, y0 + 0.012, darker(colour, 0.35))


def picture(c: Canvas, x0: float, y0: float, x1: float, y1: float, frame: RGB, art: RGB) -> None:
    """A framed painting: a landscape in `art` tones."""
    c.rect(x0, y0, x1, y1, frame, INK)
    b = (x1 - x0) * 0.1
    c.rect(x0 + b, y0 + b, x1 - b, y1 - b, lighter(art, 0.5))
    c.poly([(x0 + b, y1 - b), (x0 + (x1 - x0) * 0.45, y0 + (y1 - y0) * 0.45), (x1 - b, y1 - b)], art)


def chandelier(c: Canvas, cx: float, cy: float, w: float, metal: RGB = GOLD) -> None:
    """A tiered chandelier hanging from the ceiling, candles lit."""
    c.line([(cx, -0.1), (cx, cy)], darker(metal, 0.3), 0.004)
    for tier, (dy, ww) in enumerate(((0.0, w), (0.035, w * 0.7))):
        y = cy + dy
        c.ellipse(cx, y + 0.012, ww / 2, 0.008, darker(metal, 0.2), INK)
        for k in range(5 - tier):
            x = cx - ww / 2 + ww * (k + 0.5) / (5 - tier)
            c.rect(x - 0.003, y - 0.012, x + 0.003, y + 0.006, WHITE)
            c.lamp(x, y - 0.016, 0.005, WARM_LIGHT, halo=4.0)
            c.poly([(x - 0.004, y + 0.02), (x + 0.004, y + 0.02), (x, y + 0.04)], (220, 235, 255))
    c.circle(cx, cy + 0.06, 0.012, metal, INK)


def pendant(c: Canvas, cx: float, y: float, r: float, shade: RGB) -> None:
    """A pendant lamp on a cord."""
    c.line([(cx, -0.1), (cx, y)], INK, 0.003)
    c.poly([(cx - r, y + r * 0.9), (cx + r, y + r * 0.9), (cx + r * 0.45, y), (cx - r * 0.45, y)], shade, INK)
    c.lamp(cx, y + r * 0.95, r * 0.3, WARM_LIGHT, halo=5.0)


def street_lamp(c: Canvas, x: float, base: float, top: float, metal: RGB) -> None:
    """A lamp post with its lantern."""
    c.rect(x - 0.008, top, x + 0.008, base, metal, INK)
    c.rect(x - 0.018, base - 0.01, x + 0.018, base, metal)
    c.poly([(x - 0.025, top), (x + 0.025, top), (x + 0.015, top - 0.04), (x - 0.015, top - 0.04)], metal, INK)
    c.lamp(x, top - 0.02, 0.012, WARM_LIGHT, halo=5.0)


def plant(c: Canvas, cx: float, base: float, size: float, pot: RGB, leaf: RGB) -> None:
    """A potted plant: a pot and a fan of leaves."""
    c.poly(
        [
            (cx - size * 0.35, base - size * 0.5),
            (cx + size * 0.35, base - size * 0.5),
            (cx + size * 0.25, base),
            (cx - size * 0.25, base),
        ],
        pot,
        INK,
    )
    for k in range(7):
        a = math.pi * (0.15 + 0.7 * k / 6)
        lx, ly = cx - math.cos(a) * size * 0.55, base - size * 0.55 - math.sin(a) * size * 0.9
        c.ellipse(lx, ly, size * 0.16, size * 0.3 * c.frame_w / c.frame_h, leaf if k % 2 else darker(leaf, 0.2), INK)


def table(c: Canvas, cx: float, y: float, w: float, cloth: RGB, *, candle: bool) -> None:
    """A round table seen from the side: cloth to the floor, a candle or a vase on top."""
    c.poly([(cx - w / 2, y), (cx + w / 2, y), (cx + w * 0.56, y + 0.07), (cx - w * 0.56, y + 0.07)], cloth, INK)
    c.ellipse(cx, y, w / 2, 0.008, lighter(cloth, 0.25), INK)
    if candle:
        c.rect(cx - 0.004, y - 0.03, cx + 0.004, y, WHITE)
        c.lamp(cx, y - 0.034, 0.004, WARM_LIGHT, halo=4.0)


def chair_back(c: Canvas, cx: float, y: float, w: float, colour: RGB) -> None:
    """The back of a chair, as seen over a table."""
    c.poly([(cx - w / 2, y), (cx + w / 2, y), (cx + w * 0.45, y - w * 0.9), (cx - w * 0.45, y - w * 0.9)], colour, INK)
    c.rect(cx - w / 2, y, cx - w * 0.4, y + w * 0.8, darker(colour, 0.3))
    c.rect(cx + w * 0.4, y, cx + w / 2, y + w * 0.8, darker(colour, 0.3))


def tree(c: Canvas, cx: float, base: float, h: float, trunk: RGB, leaf: RGB) -> None:
    """A round-crowned tree."""
    c.rect(cx - h * 0.05, base - h * 0.55, cx + h * 0.05, base, trunk, INK)
    for dx, dy, r in ((0.0, 0.78, 0.3), (-0.18, 0.62, 0.22), (0.18, 0.62, 0.22), (0.0, 0.55, 0.2)):
        c.circle(cx + dx * h, base - dy * h, r * h, leaf if dx else darker(leaf, 0.1), INK)


def conifer(c: Canvas, cx: float, base: float, h: float, leaf: RGB) -> None:
    """A pine: stacked triangles."""
    for k in range(3):
        y = base - h * (0.1 + 0.3 * k)
        w = h * (0.32 - 0.08 * k)
        c.poly([(cx - w, y), (cx + w, y), (cx, y - h * 0.45)], darker(leaf, 0.12 * k))


def flowers(c: Canvas, cx: float, cy: float, r: float, colours: list[RGB], rng: random.Random, n: int = 9) -> None:
    """A bush dotted with blooms."""
    c.circle(cx, cy, r, (58, 104, 60), INK)
    for _ in range(n):
        a, d = rng.uniform(0, 2 * math.pi), rng.uniform(0, r * 0.8)
        c.circle(cx + math.cos(a) * d, cy + math.sin(a) * d * 0.6, r * 0.22, rng.choice(colours), INK)


def floor(c: Canvas, y0: float, colour: RGB, *, shine: bool) -> None:
    """The floor from `y0` down, darker towards the camera, with a polished band if `shine`."""
    c.vgrad(-0.3, y0, 1.3, 1.3, lighter(colour, 0.08), darker(colour, 0.35))
    if shine:
        c.poly([(0.3, y0), (0.7, y0), (0.85, 1.3), (0.15, 1.3)], lighter(colour, 0.14))


def tiles(c: Canvas, y0: float, a: RGB, b: RGB) -> None:
    """A checkered floor in perspective from the horizon `y0`."""
    c.vgrad(-0.3, y0, 1.3, 1.3, a, darker(a, 0.2))
    rows = [y0 + (1.2 - y0) * (k / 7) ** 1.6 for k in range(8)]
    for r in range(7):
        for k in range(-6, 7):
            if (k + r) % 2:
                continue
            t0, t1 = (rows[r] - y0) / (1.2 - y0), (rows[r + 1] - y0) / (1.2 - y0)
            xs = [0.5 + (k + d) * 0.08 * (1 + 2.5 * t) for t in (t0, t1) for d in (0, 1)]
            c.poly([(xs[0], rows[r]), (xs[1], rows[r]), (xs[3], rows[r + 1]), (xs[2], rows[r + 1])], b)


def lantern(c: Canvas, cx: float, cy: float, size: float, colour: RGB) -> None:
    """A hanging paper lantern."""
    c.line([(cx, cy - size * 2), (cx, cy - size)], INK, 0.003)
    c.ellipse(cx, cy, size, size * 1.2 * c.frame_w / c.frame_h, colour, INK)
    c.rect(cx - size * 0.5, cy - size * 1.3 * c.frame_w / c.frame_h, cx + size * 0.5, cy - size, GOLD)
    c.lamp(cx, cy, size * 0.35, mix(colour, WARM_LIGHT, 0.5), halo=3.5)
