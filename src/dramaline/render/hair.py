"""Hair and head-worn things: the parts of a figure drawn behind and in front of the face.

Styles come from look.Features.hair_style; `back` is painted before the body (long hair falls
behind the shoulders), `front` after the face shape and before the features.
"""

from __future__ import annotations

import math

from dramaline.render.color import RGB, darker, lighter
from dramaline.render.look import Features
from dramaline.render.pen import Pen

INK: RGB = (30, 22, 26)
GOLD: RGB = (222, 180, 70)

_FRAMED = {"long", "waves"}
"""Styles whose locks hang beside the face."""


def _arc(cx: float, cy: float, rx: float, ry: float, a0: float, a1: float, n: int = 16) -> list[tuple[float, float]]:
    return [
        (cx + rx * math.cos(a0 + (a1 - a0) * k / n), cy + ry * math.sin(a0 + (a1 - a0) * k / n)) for k in range(n + 1)
    ]


def back(pen: Pen, f: Features) -> None:
    """Hair that sits behind the head and shoulders."""
    c, edge = f.hair, darker(f.hair, 0.45)
    style = f.hair_style
    if style in ("long", "waves"):
        pts = [*_arc(0, -0.05, 0.47, 0.5, math.pi, 2 * math.pi), (0.52, 0.6), (0.5, 1.45), (-0.5, 1.45), (-0.52, 0.6)]
        pen.poly(pts, c, edge)
        if style == "waves":
            for k in range(8):
                y = 0.1 + k * 0.18
                for s in (-1, 1):
                    pen.ellipse(s * 0.5, y, 0.08, 0.1, c, edge)
    elif style == "curly":
        for k in range(14):
            a = math.pi * (0.9 + 1.2 * k / 13)
            pen.ellipse(math.cos(a) * 0.44, -0.05 + math.sin(a) * 0.5, 0.12, 0.12, c, edge)
    elif style == "bob":
        pts = [*_arc(0, -0.05, 0.48, 0.5, math.pi, 2 * math.pi), (0.5, 0.45), (-0.5, 0.45)]
        pen.poly(pts, c, edge)
    elif style == "ponytail":
        pen.poly([(0.2, -0.42), (0.5, -0.2), (0.62, 0.4), (0.55, 1.2), (0.42, 0.5), (0.3, -0.1)], c, edge)
    elif style == "braid":
        for k in range(9):
            pen.ellipse(-0.38 - k * 0.012, 0.3 + k * 0.15, 0.09 - k * 0.004, 0.1, c if k % 2 else darker(c, 0.12), edge)
    elif style in ("bun", "updo"):
        ry = 0.17 if style == "bun" else 0.26
        pen.ellipse(0.0, -0.52 - ry * 0.5, 0.2 if style == "bun" else 0.3, ry, c, edge)
    elif style == "twin_buns":
        for s in (-1, 1):
            pen.ellipse(s * 0.3, -0.44, 0.15, 0.15, c, edge)


def front(pen: Pen, f: Features) -> None:
    """The hair over the top of the head and the forehead, and anything worn in it."""
    c, edge = f.hair, darker(f.hair, 0.45)
    style = f.hair_style
    if style == "bald":
        pen.ellipse(-0.12, -0.36, 0.08, 0.04, lighter(f.skin, 0.35))
        return
    top = _arc(0, -0.04, 0.405, 0.5, math.pi * 1.02, math.pi * 1.98)
    high = style == "cropped"
    if f.bangs or style in ("bob",):
        line = [
            (0.37, -0.05),
            (0.28, -0.14),
            (0.18, -0.2),
            (0.08, -0.15),
            (-0.04, -0.21),
            (-0.16, -0.15),
            (-0.28, -0.19),
            (-0.37, -0.05),
        ]
    elif style == "slicked":
        line = [(0.36, -0.12), (0.24, -0.3), (0.0, -0.36), (-0.24, -0.3), (-0.36, -0.12)]
    elif high:
        line = [(0.37, -0.1), (0.26, -0.34), (0.0, -0.4), (-0.26, -0.34), (-0.37, -0.1)]
    else:
        # A side parting that sweeps across the forehead.
        line = [(0.38, -0.02), (0.3, -0.2), (0.12, -0.27), (-0.05, -0.25), (-0.2, -0.31), (-0.3, -0.22), (-0.38, -0.02)]
    pen.poly([*top, *line], c, edge)
    if style in _FRAMED:
        for s in (-1, 1):  # locks framing the face
            pen.poly([(s * 0.36, -0.1), (s * 0.42, -0.05), (s * 0.44, 0.5), (s * 0.33, 0.42), (s * 0.3, 0.05)], c, edge)
    if style == "curly":
        for k in range(9):
            a = math.pi * (1.08 + 0.84 * k / 8)
            pen.ellipse(math.cos(a) * 0.36, -0.06 + math.sin(a) * 0.44, 0.09, 0.08, c, edge)
    # A comic sheen along the crown.
    shine = lighter(c, 0.3)
    pen.line([(-0.26, -0.36), (-0.12, -0.44), (0.04, -0.46)], shine, 0.025 if style == "slicked" else 0.018)
    if f.streak:
        pen.poly([(-0.1, -0.5), (-0.02, -0.5), (-0.12, -0.22), (-0.2, -0.24)], (236, 236, 236))
    if f.beard or f.moustache:
        _beard(pen, f)
    if f.ornament is not None:
        for k in range(3):
            pen.ellipse(0.3 + 0.05 * k, -0.36 + 0.03 * k, 0.035, 0.035, f.ornament, INK, 0.008)
    if "crown" in f.marks:
        pen.poly(
            [(-0.18, -0.5), (0.18, -0.5), (0.22, -0.7), (0.1, -0.6), (0.0, -0.74), (-0.1, -0.6), (-0.22, -0.7)],
            GOLD,
            INK,
        )


def _beard(pen: Pen, f: Features) -> None:
    c = f.hair
    if f.beard:
        pen.poly(
            [
                (-0.36, 0.05),
                (-0.3, 0.32),
                (-0.14, 0.48),
                (0.0, 0.56),
                (0.14, 0.48),
                (0.3, 0.32),
                (0.36, 0.05),
                (0.3, 0.2),
                (0.16, 0.33),
                (0.0, 0.36),
                (-0.16, 0.33),
                (-0.3, 0.2),
            ],
            c,
        )
    pen.poly([(-0.15, 0.245), (-0.05, 0.205), (0.0, 0.215), (0.05, 0.205), (0.15, 0.245), (0.0, 0.235)], c)


def worn(pen: Pen, f: Features) -> None:
    """Glasses, masks and other things on the face, painted after the features."""
    m = f.marks
    if "glasses" in m or "glasses_round" in m:
        for s in (-1, 1):
            if "glasses_round" in m:
                pen.ellipse(s * 0.165, 0.0, 0.11, 0.095, None, INK, 0.016)
            else:
                pts = [(s * 0.06, -0.07), (s * 0.28, -0.07), (s * 0.27, 0.08), (s * 0.07, 0.08), (s * 0.06, -0.07)]
                pen.line(pts, INK, 0.022)
        pen.line([(-0.06, -0.02), (0.06, -0.02)], INK, 0.016)
    if "glasses_head" in m:
        for s in (-1, 1):
            pen.ellipse(s * 0.15, -0.38, 0.1, 0.06, (40, 40, 50), INK, 0.012)
    if "half_mask" in m:
        pen.poly([(-0.39, -0.28), (0.03, -0.3), (0.05, 0.12), (-0.2, 0.2), (-0.39, 0.1)], (200, 204, 214), INK)
        pen.ellipse(-0.165, 0.0, 0.07, 0.04, INK)
    if "pen_ear" in m:
        pen.line([(0.3, -0.18), (0.48, 0.1)], (230, 200, 60), 0.03)
    if "scar_jaw" in m:
        pen.line([(0.16, 0.42), (0.32, 0.28)], darker(f.skin, 0.25), 0.014)


def ears(pen: Pen, f: Features) -> None:
    """Ears, with earrings or an earpiece."""
    shade = darker(f.skin, 0.12)
    for s in (-1, 1):
        pen.ellipse(s * 0.37, 0.03, 0.055, 0.1, shade, darker(f.skin, 0.35), 0.01)
    if "earring" in f.marks or (f.feminine and "earpiece" not in f.marks and f.ornament is not None):
        for s in (-1, 1):
            pen.ellipse(s * 0.38, 0.15, 0.022, 0.022, (235, 235, 245), INK, 0.006)
    if "earpiece" in f.marks:
        pen.ellipse(0.38, 0.04, 0.03, 0.04, (30, 30, 34))
        pen.line([(0.38, 0.08), (0.34, 0.4), (0.3, 0.75)], (60, 60, 70), 0.012)
