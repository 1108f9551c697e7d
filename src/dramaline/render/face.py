"""Faces: eyebrows, eyes and mouth shaped for each Emotion, and a mouth that opens to speak.

An expression is a handful of numbers (brow lift and tilt, eye opening, lid, mouth curve ...)
so every emotion reads differently at any size, from a wide shot's tiny face to a close-up.
"""

from __future__ import annotations

from dataclasses import dataclass

from dramaline.model import Emotion
from dramaline.render.color import RGB, darker, lighter, mix
from dramaline.render.look import Features
from dramaline.render.pen import Pen

INK: RGB = (30, 22, 26)
WHITE: RGB = (250, 248, 244)
TEAR: RGB = (150, 210, 250)
MOUTH: RGB = (110, 30, 40)


@dataclass(frozen=True)
class Expression:
    """The shape of a face, in head units and fractions."""

    brow_lift: float = 0.0
    brow_tilt: float = 0.0
    """How much lower the inner ends of the brows sit: + angry, - worried."""
    eye_open: float = 1.0
    lid: float = 0.1
    """How far the upper lids come down over the eyes (0 none, 0.5 half)."""
    pupil: float = 1.0
    smile: float = 0.0
    """Mouth curve: -1 deep frown .. 1 broad smile."""
    mouth_width: float = 1.0
    mouth_open: float = 0.0
    """How open the mouth is when silent (shock, laughter)."""
    smirk: float = 0.0
    teeth: bool = False
    tears: bool = False
    blush: bool = False
    sweat: bool = False
    happy_eyes: bool = False
    sparkle: bool = False
    shine: bool = True
    one_brow: bool = False


EXPRESSIONS: dict[Emotion, Expression] = {
    Emotion.NEUTRAL: Expression(smile=0.1),
    Emotion.ANGRY: Expression(-0.03, 0.07, 0.85, 0.28, 0.9, -0.7, 1.05, teeth=True),
    Emotion.SHOCKED: Expression(0.07, -0.015, 1.35, 0.0, 0.5, 0.0, 0.55, mouth_open=0.8),
    Emotion.CRYING: Expression(0.02, -0.07, 0.7, 0.25, 1.0, -0.8, 1.0, mouth_open=0.15, tears=True, blush=True),
    Emotion.SMUG: Expression(0.0, 0.02, 0.85, 0.42, 1.0, 0.45, 0.95, smirk=0.8, one_brow=True),
    Emotion.LOVING: Expression(0.025, -0.025, 1.0, 0.18, 1.15, 0.65, 0.9, blush=True, sparkle=True),
    Emotion.AFRAID: Expression(0.055, -0.06, 1.3, 0.0, 0.45, -0.55, 0.85, mouth_open=0.35, teeth=True, sweat=True),
    Emotion.DETERMINED: Expression(-0.035, 0.045, 0.95, 0.18, 1.0, -0.12, 0.85),
    Emotion.COLD: Expression(-0.01, 0.0, 0.8, 0.48, 0.75, -0.2, 0.7, shine=False),
    Emotion.PLEADING: Expression(0.06, -0.09, 1.15, 0.0, 1.2, -0.4, 0.8, mouth_open=0.2, sparkle=True),
    Emotion.JOYFUL: Expression(0.05, -0.01, 1.0, 0.0, 1.0, 1.0, 1.1, mouth_open=0.55, teeth=True, happy_eyes=True),
}
"""One expression per Emotion; every value of the enum has one."""

EYE_Y, EYE_X, BROW_Y, MOUTH_Y = 0.0, 0.165, -0.135, 0.27
FACE_BOX = (-0.3, -0.24, 0.3, 0.4)
"""The rectangle (x0, y0, x1, y1) in head units that holds everything an expression changes."""


def draw_face(pen: Pen, f: Features, emotion: Emotion, mouth: int, gaze: int) -> None:
    """Paint brows, eyes, nose and mouth; `mouth` 0 closed .. 2 wide open, `gaze` -1 left .. 1 right."""
    e = EXPRESSIONS[emotion]
    skin = f.skin
    if e.blush:
        for s in (-1, 1):
            pen.glaze(s * 0.2, 0.13, 0.075, 0.04, (240, 110, 120), 90)
    for s in (-1, 1):
        _eye(pen, f, e, s, gaze)
        _brow(pen, f, e, s)
    nose = darker(skin, 0.28)
    if "crooked_nose" in f.marks:
        pen.line([(0.0, 0.04), (0.035, 0.1), (0.01, 0.15)], nose, 0.014)
    else:
        pen.line([(0.015, 0.05), (0.03, 0.13), (-0.005, 0.15)], nose, 0.012)
    _mouth(pen, f, e, mouth)
    if e.tears:
        for s in (-1, 1):
            x = s * (EYE_X + 0.04)
            pen.line([(x, EYE_Y + 0.04), (x + s * 0.01, 0.16), (x + s * 0.005, 0.3)], TEAR, 0.022, round_caps=True)
            pen.ellipse(x + s * 0.005, 0.33, 0.016, 0.022, TEAR)
    if e.sweat:
        pen.ellipse(0.3, -0.2, 0.025, 0.04, TEAR, lighter(TEAR, 0.4), 0.006)
    _face_marks(pen, f, e)


def _eye(pen: Pen, f: Features, e: Expression, s: int, gaze: int) -> None:
    cx, cy = s * EYE_X, EYE_Y
    if e.happy_eyes:
        pen.line([(cx - 0.07, cy + 0.02), (cx, cy - 0.035), (cx + 0.07, cy + 0.02)], INK, 0.022)
        return
    rx, ry = 0.08, 0.055 * e.eye_open
    pen.ellipse(cx, cy, rx, ry, WHITE)
    ir = 0.047 * min(1.0, 0.45 + 0.55 * e.eye_open)
    ix = cx + gaze * 0.022
    pen.ellipse(ix, cy + 0.004, ir, ir, f.iris)
    pen.ellipse(ix, cy + 0.004, ir * 0.5 * e.pupil, ir * 0.5 * e.pupil, INK)
    if e.shine:
        big = 0.018 if e.sparkle else 0.011
        pen.ellipse(ix + 0.015, cy - 0.012, big, big, WHITE)
        if e.sparkle:
            pen.ellipse(ix - 0.014, cy + 0.016, 0.007, 0.007, WHITE)
    # The upper lid: skin over the top of the eye, its edge a heavy lash line; angry lids slope inward.
    inner_drop = max(0.0, e.brow_tilt) * 0.6
    top = cy - ry
    edge_out = top + 2 * ry * e.lid
    edge_in = edge_out + inner_drop
    xo, xi = cx + s * rx * 1.15, cx - s * rx * 1.15
    pen.poly([(xo, top - 0.03), (xi, top - 0.03), (xi, edge_in), (xo, edge_out)], f.skin)
    lash = 0.024 if f.feminine else 0.018
    pen.line([(xi, edge_in + 0.006), (cx, min(edge_in, edge_out) - 0.004), (xo, edge_out + 0.006)], INK, lash)
    if f.feminine:
        pen.line([(xo - s * 0.01, edge_out + 0.004), (xo + s * 0.025, edge_out - 0.02)], INK, 0.012)
    pen.line([(cx - rx * 0.7, cy + ry + 0.006), (cx + rx * 0.7, cy + ry + 0.006)], darker(f.skin, 0.22), 0.008)


def _brow(pen: Pen, f: Features, e: Expression, s: int) -> None:
    lift = e.brow_lift + (0.045 if e.one_brow and s > 0 else 0.0)
    tilt = e.brow_tilt - (0.03 if e.one_brow and s > 0 else 0.0)
    inner = (s * 0.065, BROW_Y + tilt - lift)
    outer = (s * 0.255, BROW_Y - 0.015 - lift - tilt * 0.3)
    mid = (s * 0.16, BROW_Y - 0.035 - lift + tilt * 0.2)
    thick = 0.016 if "thin_brows" in f.marks else 0.03 if f.feminine else 0.042
    colour = darker(f.hair, 0.25) if f.hair_style != "bald" else darker(f.skin, 0.5)
    pen.poly(
        [inner, mid, outer, (outer[0], outer[1] + thick * 0.5), (mid[0], mid[1] + thick), (inner[0], inner[1] + thick)],
        colour,
    )
    if "scar_brow" in f.marks and s < 0:
        pen.line([(-0.19, BROW_Y - 0.06 - lift), (-0.15, BROW_Y + 0.04 - lift)], f.skin, 0.018)


def _mouth(pen: Pen, f: Features, e: Expression, mouth: int) -> None:
    opening = min(1.0, e.mouth_open + mouth * (0.3 if e.mouth_open < 0.5 else 0.12))
    half = 0.095 * e.mouth_width
    corner_y = MOUTH_Y - e.smile * 0.035
    left = (-half, corner_y + e.smirk * 0.012)
    right = (half, corner_y - e.smirk * 0.03)
    dip = MOUTH_Y + e.smile * 0.02
    lips = (190, 50, 60) if "lipstick" in f.marks else darker(mix(f.skin, (200, 90, 100), 0.45), 0.1)
    if opening < 0.08:
        pen.line([left, (0.0, dip), right], darker(lips, 0.45), 0.018)
        pen.line([(-half * 0.45, dip + 0.03), (half * 0.45, dip + 0.03)], lighter(lips, 0.15), 0.012)
        if "dimples" in f.marks and e.smile > 0.3:
            for s in (-1, 1):
                pen.line(
                    [(s * (half + 0.02), corner_y - 0.015), (s * (half + 0.025), corner_y + 0.015)],
                    darker(f.skin, 0.3),
                    0.008,
                )
        return
    depth = 0.03 + 0.11 * opening
    top_mid = (0.0, dip - 0.012 - 0.012 * opening)
    bottom_mid = (0.0, dip + depth)
    pts = [
        left,
        (-half * 0.5, top_mid[1]),
        top_mid,
        (half * 0.5, top_mid[1]),
        right,
        (half * 0.55, bottom_mid[1] - depth * 0.15),
        bottom_mid,
        (-half * 0.55, bottom_mid[1] - depth * 0.15),
    ]
    pen.poly(pts, MOUTH, darker(lips, 0.4), 0.012)
    if e.teeth or opening > 0.45:
        pen.poly(
            [
                (-half * 0.7, top_mid[1] + 0.004),
                (half * 0.7, top_mid[1] + 0.004),
                (half * 0.6, top_mid[1] + depth * 0.3),
                (-half * 0.6, top_mid[1] + depth * 0.3),
            ],
            WHITE,
        )
    if opening > 0.35:
        pen.ellipse(0.0, bottom_mid[1] - depth * 0.22, half * 0.45, depth * 0.2, (210, 100, 110))


def _face_marks(pen: Pen, f: Features, e: Expression) -> None:
    m = f.marks
    scar = mix(darker(f.skin, 0.2), (200, 110, 120), 0.4)
    if "mole_eye" in m:
        pen.ellipse(0.2, 0.1, 0.011, 0.011, darker(f.skin, 0.6))
    if "mole_lip" in m:
        pen.ellipse(0.1, 0.2, 0.01, 0.01, darker(f.skin, 0.6))
    if "scar_cheek" in m:
        pen.line([(0.15, 0.05), (0.27, 0.2)], scar, 0.014)
    if "claw_scars" in m:
        for k in range(3):
            pen.line([(-0.27 + k * 0.035, 0.02), (-0.18 + k * 0.035, 0.22)], scar, 0.012)
    if "freckles" in m:
        for x, y in ((-0.2, 0.09), (-0.15, 0.11), (-0.24, 0.12), (0.2, 0.09), (0.15, 0.11), (0.24, 0.12), (0.0, 0.08)):
            pen.ellipse(x, y, 0.007, 0.007, darker(f.skin, 0.3))
    if "brow_dot" in m:
        pen.ellipse(0.0, -0.2, 0.014, 0.018, (200, 30, 40))
