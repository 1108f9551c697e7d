"""Character sprites: a figure painted once per (character, size, light), and face patches.

A Sprite is the whole figure (hair, body, outfit, head) with a neutral face; a Patch is the small
rectangle around the face repainted for one (emotion, mouth, gaze). Compositing pastes the
sprite, then the patch that the frame needs, so talking and emoting cost a few thousand pixels.
Patches are painted with the same strokes on the same pixel grid, so they fit their sprite exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from dramaline.model import Character, Emotion
from dramaline.render import hair
from dramaline.render.color import RGB, Grade, Pixels, darker, lighter
from dramaline.render.compose import Band, bands
from dramaline.render.face import FACE_BOX, draw_face
from dramaline.render.look import Features, features
from dramaline.render.pen import Pen

INK: RGB = (30, 22, 26)
HALF_WIDTH, HEADROOM = 1.35, 1.0
"""Sprite extent in head units: to each side of the head's centre, and above it."""
FEET = 7.0
"""Where a full figure's soles are, in head units below the head's centre."""
NECK_LIFT = 0.07


@dataclass(frozen=True)
class Sprite:
    """A painted figure: pixels, coverage, where the head centre is, and the face patch rectangle."""

    rgb: Pixels
    mask: NDArray[np.bool_]
    head: tuple[int, int]
    """(x, y) of the head's centre within the sprite, in pixels."""
    face: tuple[int, int, int, int]
    """(x0, y0, x1, y1) of the rectangle that patches replace, in sprite pixels."""
    cover: tuple[Band, ...]
    """The mask's covered bands (see compose.bands), for fast pasting."""


@dataclass(frozen=True)
class Patch:
    """The face rectangle of a sprite painted with one expression."""

    rgb: Pixels
    mask: NDArray[np.bool_]


@dataclass(frozen=True)
class FigureSize:
    """How big a figure is drawn: `unit` pixels per head height, down to `bottom` head units."""

    unit: int
    bottom: float
    full: bool
    """A standing full figure (wide shots) rather than a bust cut by the frame."""


@lru_cache(maxsize=48)
def sprite(character: Character, size: FigureSize, grade: Grade) -> Sprite:
    """The figure of `character` at `size` in `grade`'s light; cached, since it is reused every frame."""
    hx, hy = _head(size)
    w, h = math.ceil(2 * HALF_WIDTH * size.unit), math.ceil((size.bottom + HEADROOM) * size.unit)
    rgb, mask = _render(features(character), size, grade, Emotion.NEUTRAL, 0, 0, (0, 0, w, h))
    return Sprite(rgb, mask, (hx, hy), _face_box(size, w, h), bands(mask))


@lru_cache(maxsize=256)
def patch(character: Character, size: FigureSize, grade: Grade, emotion: Emotion, mouth: int, gaze: int) -> Patch:
    """The face of `character` with `emotion`, mouth state `mouth` (0-2) and `gaze` (-1, 0, 1)."""
    spr = sprite(character, size, grade)
    rgb, mask = _render(features(character), size, grade, emotion, mouth, gaze, spr.face)
    return Patch(rgb, mask)


def _head(size: FigureSize) -> tuple[int, int]:
    return round(HALF_WIDTH * size.unit), round(HEADROOM * size.unit)


def _face_box(size: FigureSize, w: int, h: int) -> tuple[int, int, int, int]:
    hx, hy = _head(size)
    u = size.unit
    return (
        max(0, hx + math.floor(FACE_BOX[0] * u)),
        max(0, hy + math.floor(FACE_BOX[1] * u)),
        min(w, hx + math.ceil(FACE_BOX[2] * u)),
        min(h, hy + math.ceil(FACE_BOX[3] * u)),
    )


def _render(
    f: Features,
    size: FigureSize,
    grade: Grade,
    emotion: Emotion,
    mouth: int,
    gaze: int,
    box: tuple[int, int, int, int],
) -> tuple[Pixels, NDArray[np.bool_]]:
    """Paint the figure into the pixel rectangle `box` of the sprite."""
    # Small figures are painted at twice the size and shrunk, which smooths their edges.
    ss = 2 if size.unit < 160 else 1
    x0, y0, x1, y1 = box
    hx, hy = _head(size)
    image = Image.new("RGB", ((x1 - x0) * ss, (y1 - y0) * ss), INK)
    cover = Image.new("L", image.size, 0)
    origin = ((hx - x0) * ss, (hy - y0) * ss)
    pen = Pen(image, cover, origin, size.unit * ss, grade.colour)
    hair.back(pen, f)
    # The body is drawn a little higher than its own coordinates say: a shorter neck reads better.
    lift = round(NECK_LIFT * size.unit) * ss
    _body(Pen(image, cover, (origin[0], origin[1] - lift), size.unit * ss, grade.colour), f, size)
    hair.ears(pen, f)
    _face_shape(pen, f)
    hair.front(pen, f)
    draw_face(pen, f, emotion, mouth, gaze)
    hair.worn(pen, f)
    if ss > 1:
        image, cover = image.reduce(ss), cover.reduce(ss)
    return np.ascontiguousarray(np.asarray(image)), np.asarray(cover) >= 128


def _face_shape(pen: Pen, f: Features) -> None:
    chin = 0.085 if f.feminine else 0.13
    pts = [(0.37 * math.cos(a), 0.5 * math.sin(a)) for a in np.linspace(math.pi, 2 * math.pi, 13)]
    for k in range(1, 9):
        t = k / 8
        pts.append((0.37 * (1 - t**2.2 * (1 - chin / 0.37)), 0.5 * t))
    pts += [(-x, y) for x, y in reversed(pts[13:])]
    pen.poly(pts, darker(f.skin, 0.13), INK, 0.014)
    # Cel shading: the lit face is the same shape nudged towards the key light, leaving a shaded rim.
    lit = [(x * 0.94 - 0.035, y * 0.96 - 0.012) for x, y in pts]
    pen.poly(lit, f.skin)
    if f.older:
        line = darker(f.skin, 0.22)
        for s in (-1, 1):
            pen.line([(s * 0.13, 0.15), (s * 0.16, 0.25)], line, 0.01)
            pen.line([(s * 0.27, -0.02), (s * 0.31, 0.02)], line, 0.008)


def _body(pen: Pen, f: Features, size: FigureSize) -> None:
    s = 0.84 * f.width
    bottom = size.bottom if not size.full else 3.3
    shade = darker(f.skin, 0.18)
    neck = 0.12 if f.feminine else 0.14
    pen.poly([(-neck, 0.3), (neck, 0.3), (neck * 1.1, 0.86), (-neck * 1.1, 0.86)], shade)
    if size.full:
        _legs(pen, f, s)
    main, edge = f.main, darker(f.main, 0.5)
    waist = s * (0.72 if f.width < 1.15 else 0.9)
    if size.full:
        side = [(s * 0.6, 0.78), (s * 0.93, 0.9), (s, 1.15), (waist, 2.6), (waist * 1.05, bottom)]
    else:
        side = [(s * 0.6, 0.78), (s * 0.93, 0.9), (s, 1.15), (s * 1.03, bottom + 0.1)]
    torso = [(-0.2, 0.74), (0.2, 0.74), *side, *[(-x, y) for x, y in reversed(side)]]
    pen.poly(torso, main, edge, 0.014)
    shaded = [(x, y) for x, y in torso if x > 0]
    pen.poly([(0.2, 0.76), *shaded[1:], (s * 0.55, bottom + 0.1), (s * 0.5, 1.2)], darker(main, 0.14))
    if size.full:
        _arms(pen, f, s)
    else:
        for k in (-1, 1):  # the arm's inner edge gives the bust some shape
            pen.line([(k * s * 0.8, 1.2), (k * s * 0.78, bottom + 0.1)], darker(main, 0.3), 0.014)
    _outfit(pen, f, s, bottom)
    pen.ellipse(0.0, 0.56, 0.12, 0.045, darker(shade, 0.1))  # the chin's shadow on the neck


def _legs(pen: Pen, f: Features, s: float) -> None:
    shoe = (34, 30, 32)
    if f.outfit in ("dress", "robe"):
        hem = 1.1 if f.outfit == "robe" else 0.95
        pen.poly([(-s * 0.66, 2.55), (s * 0.66, 2.55), (hem, FEET - 0.25), (-hem, FEET - 0.25)], f.main, INK, 0.014)
        for k in (-1, 1):
            pen.ellipse(k * 0.2, FEET - 0.15, 0.16, 0.09, shoe)
        return
    trousers = darker(f.main, 0.15)
    for k in (-1, 1):
        pen.poly(
            [(k * 0.04, 3.1), (k * s * 0.66, 3.1), (k * s * 0.5, FEET - 0.2), (k * 0.08, FEET - 0.2)], trousers, INK
        )
        pen.ellipse(k * s * 0.3, FEET - 0.12, 0.2, 0.09, shoe)


def _arms(pen: Pen, f: Features, s: float) -> None:
    sleeve = darker(f.main, 0.08)
    wide = 0.32 if f.outfit == "robe" else 0.0
    for k in (-1, 1):
        top_out, top_in = k * (s * 1.0), k * (s * 0.74)
        pen.poly([(top_in, 1.0), (top_out, 1.0), (k * (s + 0.08 + wide), 3.15), (k * (s - 0.2), 3.15)], sleeve, INK)
        pen.ellipse(k * (s - 0.04), 3.3, 0.11, 0.14, f.skin, INK, 0.01)


def _outfit(pen: Pen, f: Features, s: float, bottom: float) -> None:
    main, accent, detail, skin = f.main, f.accent, f.detail, f.skin
    m, lo = f.marks, min(bottom, 2.6)
    if f.outfit == "suit":
        pen.poly([(-0.22, 0.74), (0.22, 0.74), (0.0, 1.9)], lighter(detail, 0.5))
        if "tie" in m or not f.feminine:
            pen.poly([(-0.05, 0.8), (0.05, 0.8), (0.07, 1.65), (0.0, 1.78), (-0.07, 1.65)], accent, INK, 0.008)
        for k in (-1, 1):
            pen.poly([(k * 0.21, 0.74), (k * 0.4, 0.8), (k * 0.27, 1.25), (k * 0.02, 1.95)], darker(main, 0.22), INK)
        for y in (2.1, 2.45):
            pen.ellipse(0.06, y, 0.035, 0.035, darker(accent, 0.2))
    elif f.outfit == "dress":
        pen.poly([(-0.3, 0.76), (0.3, 0.76), (0.16, 1.08), (0.0, 1.16), (-0.16, 1.08)], skin)
        pen.line([(-0.32, 0.78), (-0.16, 1.1), (0.0, 1.18), (0.16, 1.1), (0.32, 0.78)], accent, 0.03)
        pen.poly([(-s * 0.72, 2.45), (s * 0.72, 2.45), (s * 0.72, 2.6), (-s * 0.72, 2.6)], accent)
    elif f.outfit == "uniform":
        for k in (-1, 1):
            pen.poly([(k * 0.02, 0.86), (k * 0.22, 0.72), (k * 0.34, 0.98)], lighter(detail, 0.4), INK, 0.008)
        pen.line([(0.0, 0.88), (0.0, lo)], darker(main, 0.3), 0.018)
        for k in range(4):
            pen.ellipse(0.05, 1.1 + k * 0.4, 0.03, 0.03, lighter(main, 0.4))
        pen.poly([(-0.55, 1.2), (-0.32, 1.2), (-0.32, 1.34), (-0.55, 1.34)], accent, INK, 0.006)
    elif f.outfit == "robe":
        pen.poly([(-0.2, 0.72), (-0.06, 0.72), (0.34, 1.75), (0.2, 1.8)], lighter(detail, 0.3), INK, 0.008)
        pen.poly([(0.2, 0.72), (0.06, 0.72), (-0.36, 1.95), (-0.22, 2.0)], accent, INK, 0.008)
        pen.poly([(-s * 0.75, 2.4), (s * 0.75, 2.4), (s * 0.75, 2.7), (-s * 0.75, 2.7)], detail, INK, 0.008)
    else:
        pen.ellipse(0.0, 0.77, 0.23, 0.07, None, lighter(detail, 0.2), 0.04)
        pen.poly([(-0.2, 0.84), (0.2, 0.84), (0.16, lo), (-0.16, lo)], darker(main, 0.12))
    _accessories(pen, f, s)


def _accessories(pen: Pen, f: Features, s: float) -> None:
    m = f.marks
    if "fur" in m:
        for k in range(9):
            x = -s * 0.95 + k * s * 0.2375
            pen.ellipse(x, 0.85 + 0.08 * abs(x), 0.14, 0.09, (236, 228, 214), (190, 180, 168), 0.008)
    if "scarf" in m:
        pen.poly([(-0.24, 0.62), (0.24, 0.62), (0.26, 0.86), (-0.26, 0.86)], f.accent, INK, 0.01)
        pen.poly([(0.06, 0.8), (0.2, 0.8), (0.24, 1.5), (0.1, 1.5)], f.accent, INK, 0.01)
    if "necklace" in m:
        for k in range(11):
            a = math.pi * k / 10
            pen.ellipse(-math.cos(a) * 0.24, 0.8 + math.sin(a) * 0.22, 0.025, 0.025, (246, 242, 230), INK, 0.004)
    if "stethoscope" in m:
        pen.line([(-0.18, 0.74), (-0.2, 1.3), (-0.1, 1.6)], (90, 96, 104), 0.025)
        pen.line([(0.18, 0.74), (0.2, 1.2)], (90, 96, 104), 0.025)
        pen.ellipse(-0.08, 1.64, 0.06, 0.06, (170, 176, 186), INK, 0.008)
    if "lapel_pin" in m:
        pen.ellipse(-0.36, 1.1, 0.04, 0.04, (222, 180, 70), INK, 0.006)
    if "badge" in m and f.outfit != "uniform":
        pen.poly([(0.34, 1.2), (0.56, 1.2), (0.56, 1.36), (0.34, 1.36)], (240, 240, 240), INK, 0.006)
    if "tattoo_neck" in m:
        pen.line([(0.06, 0.45), (0.1, 0.6), (0.04, 0.72)], (40, 50, 70), 0.02)
