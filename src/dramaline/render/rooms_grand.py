"""The genre's big rooms of power and display: mansion hall, wedding venue, ballroom, palace hall.

Same layering as the other rooms: architecture on `far`, hanging lights and furniture on `mid`,
bouquets and posts on `fg` at the bottom corners.
"""

from __future__ import annotations

import math

from dramaline.render.color import darker, lighter, mix
from dramaline.render.props import (
    INK,
    WHITE,
    Room,
    chandelier,
    curtain,
    floor,
    flowers,
    lantern,
    picture,
    table,
    tiles,
    window,
)


def mansion_hall(r: Room) -> None:
    wood, gold, marble = r.palette[0], r.palette[1], r.palette[2]
    f, m = r.far, r.mid
    f.rect(-0.3, -0.3, 1.3, 0.62, wood)
    f.rect(-0.3, 0.44, 1.3, 0.62, darker(wood, 0.25))  # wainscot
    for k in range(-3, 14):
        f.rect(k * 0.1 + 0.015, 0.47, k * 0.1 + 0.085, 0.59, darker(wood, 0.35), INK)
    for x in (-0.02, 0.8):
        window(r, f, x + 0.04, 0.06, x + 0.18, 0.36, gold, city=False)
    picture(f, 0.26, 0.08, 0.42, 0.28, gold, darker(marble, 0.4))  # ancestral portraits
    picture(f, 0.58, 0.08, 0.74, 0.28, gold, darker(wood, 0.2))
    # Grand staircase rising to a landing between the portraits.
    for k in range(9):
        y = 0.6 - k * 0.028
        w = 0.3 - k * 0.012
        f.rect(0.5 - w, y - 0.028, 0.5 + w, y, lighter(marble, 0.1) if k % 2 else marble, INK)
    f.rect(0.3, 0.3, 0.7, 0.35, lighter(marble, 0.2), INK)
    for side in (-1, 1):
        f.line([(0.5 + side * 0.3, 0.6), (0.5 + side * 0.19, 0.34)], gold, 0.008)
    tiles(f, 0.6, lighter(marble, 0.15), darker(marble, 0.25))
    chandelier(m, 0.5, 0.1, 0.26, gold)
    for x in (0.08, 0.92):  # pillars
        m.rect(x - 0.045, 0.0, x + 0.045, 0.66, lighter(marble, 0.1), INK)
        m.rect(x - 0.06, 0.64, x + 0.06, 0.68, marble, INK)
        m.rect(x - 0.06, -0.02, x + 0.06, 0.02, gold, INK)
    r.fg.poly([(0.84, 1.1), (0.96, 1.1), (0.99, 0.9), (0.81, 0.9)], mix(marble, (60, 80, 140), 0.5), INK)  # vase
    flowers(r.fg, 0.9, 0.85, 0.1, [WHITE, lighter(gold, 0.4), (220, 120, 140)], r.rng)


def wedding_venue(r: Room) -> None:
    ivory, red, gold = lighter(r.palette[0], 0.2), r.palette[1], r.palette[2]
    f, m = r.far, r.mid
    f.rect(-0.3, -0.3, 1.3, 0.6, ivory)
    for x in (-0.08, 0.18, 0.7, 0.96):
        window(r, f, x, 0.08, x + 0.14, 0.42, lighter(gold, 0.3), city=False)
        curtain(f, x - 0.03, x + 0.01, 0.05, 0.5, mix(ivory, (255, 210, 220), 0.5))
    f.rect(0.4, 0.4, 0.6, 0.55, lighter(ivory, 0.5), INK)  # altar
    floor(f, 0.58, darker(ivory, 0.25), shine=False)
    f.poly([(0.44, 0.56), (0.56, 0.56), (0.8, 1.3), (0.2, 1.3)], red)  # aisle runner
    # The flower arch: blooms along a semicircle over the altar.
    bloom = [WHITE, (246, 196, 206), lighter(red, 0.45), WHITE]
    for k in range(26):
        a = math.pi * k / 25
        x, y = 0.5 - math.cos(a) * 0.22, 0.58 - math.sin(a) * 0.36
        f.circle(x, y, 0.034, bloom[k % 4], INK)
        if k % 3 == 0:
            f.circle(x + 0.015, y + 0.02, 0.018, (96, 150, 96))
    for x in (0.2, 0.8):
        chandelier(m, x, 0.06, 0.16, gold)
    for row in range(3):  # guest chairs either side of the aisle
        y = 0.62 + row * 0.05
        for side in (-1, 1):
            for k in range(2):
                x = 0.5 + side * (0.2 + k * 0.1 + row * 0.04)
                m.rect(x - 0.035, y - 0.04, x + 0.035, y + 0.02, WHITE, INK)
                m.circle(x, y - 0.04, 0.012, lighter(red, 0.3))
    for x in (0.06, 0.94):  # flower stands
        r.fg.rect(x - 0.02, 0.86, x + 0.02, 1.1, gold, INK)
        flowers(r.fg, x, 0.82, 0.09, bloom, r.rng)


def ballroom(r: Room) -> None:
    velvet, gold, glow = r.palette[0], r.palette[1], r.palette[2]
    f, m = r.far, r.mid
    f.rect(-0.3, -0.3, 1.3, 0.6, velvet)
    for k in range(-3, 13):  # gilded pilasters and arched mirrors
        x = k * 0.13
        f.rect(x - 0.012, -0.3, x + 0.012, 0.6, gold)
        f.rect(x + 0.025, 0.12, x + 0.105, 0.42, mix(velvet, (200, 200, 230), 0.35), gold)
        f.ellipse(x + 0.065, 0.12, 0.04, 0.025, mix(velvet, (200, 200, 230), 0.35))
    f.rect(0.25, 0.28, 0.75, 0.52, darker(velvet, 0.5), INK)  # auction stage
    curtain(f, 0.25, 0.36, 0.26, 0.52, lighter(velvet, 0.2))
    curtain(f, 0.64, 0.75, 0.26, 0.52, lighter(velvet, 0.2))
    f.rect(0.22, 0.52, 0.78, 0.56, gold, INK)
    floor(f, 0.56, darker(gold, 0.45), shine=True)
    for x, y, w in ((0.18, 0.05, 0.18), (0.5, 0.02, 0.24), (0.82, 0.05, 0.18)):
        chandelier(m, x, y, w, gold)
    for x in (0.14, 0.86):
        table(m, x, 0.6, 0.22, WHITE, candle=False)
        for k in range(3):  # champagne tower
            w = 0.05 - k * 0.015
            m.poly([(x - w, 0.6 - k * 0.025), (x + w, 0.6 - k * 0.025), (x, 0.575 - k * 0.025)], lighter(glow, 0.4))
    for x in (0.05, 0.95):  # velvet rope posts
        r.fg.rect(x - 0.012, 0.82, x + 0.012, 1.1, gold, INK)
        r.fg.circle(x, 0.82, 0.02, gold, INK)
    r.fg.line([(0.05, 0.85), (0.14, 0.9), (0.2, 0.92)], (150, 20, 40), 0.012)
    r.fg.line([(0.95, 0.85), (0.86, 0.9), (0.8, 0.92)], (150, 20, 40), 0.012)


def palace_hall(r: Room) -> None:
    red, gold, dark = r.palette[0], r.palette[1], r.palette[2]
    f, m = r.far, r.mid
    f.rect(-0.3, -0.3, 1.3, 0.6, darker(red, 0.35))
    for k in range(-3, 12):  # lattice windows
        x = k * 0.12
        f.rect(x + 0.02, 0.08, x + 0.1, 0.3, mix(gold, (255, 240, 200), 0.4), darker(gold, 0.4))
        for j in range(4):
            f.line([(x + 0.02, 0.08 + j * 0.055), (x + 0.1, 0.08 + j * 0.055)], darker(red, 0.4), 0.003)
        f.line([(x + 0.06, 0.08), (x + 0.06, 0.3)], darker(red, 0.4), 0.003)
    f.rect(0.3, 0.14, 0.7, 0.4, gold, INK)  # golden screen behind the throne
    for k in range(4):
        f.rect(0.3 + k * 0.1 + 0.01, 0.16, 0.3 + k * 0.1 + 0.09, 0.38, lighter(gold, 0.25), darker(gold, 0.3))
    for k in range(4):  # the dais
        f.rect(0.28 - k * 0.03, 0.5 + k * 0.02, 0.72 + k * 0.03, 0.52 + k * 0.02, darker(gold, 0.1 * k), INK)
    f.rect(0.42, 0.36, 0.58, 0.5, red, gold)  # throne
    f.rect(0.4, 0.32, 0.6, 0.38, gold, INK)
    floor(f, 0.58, darker(dark, 0.1) if sum(dark) > 60 else (40, 30, 30), shine=True)
    f.poly([(0.42, 0.58), (0.58, 0.58), (0.76, 1.3), (0.24, 1.3)], red)
    for x in (0.1, 0.9):  # pillars with gold bands
        m.rect(x - 0.05, -0.2, x + 0.05, 0.66, red, INK)
        for y in (0.1, 0.4):
            m.rect(x - 0.055, y, x + 0.055, y + 0.03, gold, INK)
        m.rect(x - 0.07, 0.64, x + 0.07, 0.68, dark if sum(dark) > 60 else (50, 40, 40), INK)
    for x in (0.28, 0.72):
        lantern(m, x, 0.12, 0.035, (200, 40, 40))
        m.rect(x - 0.04, 0.56, x + 0.04, 0.62, darker(gold, 0.3), INK)  # incense burners
        m.ellipse(x, 0.56, 0.05, 0.012, gold, INK)
    r.fg.rect(-0.2, -0.2, 0.06, 1.2, darker(red, 0.2), INK)
    r.fg.rect(0.9, 0.74, 0.98, 1.2, darker(gold, 0.4), INK)  # tall lantern stand
    lantern(r.fg, 0.94, 0.72, 0.05, (220, 60, 40))
