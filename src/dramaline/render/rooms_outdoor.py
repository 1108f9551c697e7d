"""Outdoor places: street, rooftop, courtyard, forest and garden.

The sky is the far layer's top, so the hour reads at a glance; lamps and windows are lights
(see Canvas.lamp and Canvas.lit) and glow once the grade has darkened the scene.
"""

from __future__ import annotations

from dramaline.render.color import darker, lighter, mix
from dramaline.render.props import (
    INK,
    WARM_LIGHT,
    WHITE,
    Room,
    conifer,
    floor,
    flowers,
    lantern,
    plant,
    sky,
    skyline,
    street_lamp,
    tree,
)


def street(r: Room) -> None:
    night, brick, neon = r.palette[0], r.palette[1], r.palette[2]
    f, m = r.far, r.mid
    sky(r, f, -0.3, -0.3, 1.3, 0.5)
    skyline(r, f, 0.3, 0.7, 0.5, 0.2, darker(brick, 0.5))
    f.rect(-0.3, 0.5, 1.3, 1.3, darker(brick, 0.55))  # pavement under the facades
    for side in (-1, 1):  # facades converging on the vanishing point
        near, far_x = 0.5 + side * 0.8, 0.5 + side * 0.16
        f.poly([(near, -0.3), (far_x, 0.3), (far_x, 0.52), (near, 0.9)], brick if side < 0 else darker(brick, 0.2))
        for k in range(6):
            t = k / 6
            x = near + (far_x - near) * (t + 0.05)
            top = -0.2 + (0.32 + 0.2) * t
            for j in range(4):
                y = top + j * (0.16 - 0.1 * t)
                c = r.rng.choice([WARM_LIGHT, (255, 236, 190), WARM_LIGHT])
                f.lit(x - 0.012 * (1 - t), y, x + 0.014 * (1 - t), y + 0.05 * (1 - t) + 0.01, c, darker(brick, 0.45))
    for x, y, c in ((0.14, 0.3, neon), (0.82, 0.26, (255, 80, 160)), (0.74, 0.42, (80, 220, 255))):
        f.rect(x - 0.05, y, x + 0.05, y + 0.03, darker(c, 0.6), INK)
        f.lit(x - 0.04, y + 0.007, x + 0.04, y + 0.023, c, darker(c, 0.3))
    road = darker(night, 0.2) if sum(night) > 60 else (22, 24, 32)
    f.poly([(0.34, 0.52), (0.66, 0.52), (1.3, 1.3), (-0.3, 1.3)], road)
    f.poly([(-0.3, 0.9), (0.34, 0.52), (0.3, 0.52), (-0.3, 0.8)], lighter(road, 0.15))  # curb
    f.poly([(1.3, 0.9), (0.66, 0.52), (0.7, 0.52), (1.3, 0.8)], lighter(road, 0.15))
    for k in range(5):  # lane marks and wet reflections
        y = 0.56 + k * k * 0.03
        f.rect(0.497 - k * 0.004, y, 0.503 + k * 0.004, y + 0.012 + k * 0.01, (200, 200, 190))
    for x, c in ((0.2, WARM_LIGHT), (0.8, WARM_LIGHT), (0.14, neon), (0.78, (255, 80, 160))):
        f.lit(x - 0.012, 0.64, x + 0.012, 1.2, mix(c, road, 0.45), lighter(road, 0.06))
    for x in (0.2, 0.8):
        street_lamp(m, x, 0.62, 0.3, (50, 54, 60))
    m.rect(0.24, 0.55, 0.3, 0.62, (60, 70, 64), INK)  # trash bin
    street_lamp(r.fg, 1.0, 1.2, 0.58, (40, 44, 50))
    r.fg.ellipse(0.2, 1.02, 0.22, 0.04, mix(road, r.sky()[1], 0.4), INK)  # puddle


def rooftop(r: Room) -> None:
    deep, steel, pale = r.palette[0], r.palette[1], r.palette[2]
    f, m = r.far, r.mid
    sky(r, f, -0.3, -0.3, 1.3, 0.62)
    skyline(r, f, -0.3, 1.3, 0.62, 0.22, mix(deep, r.sky()[0], 0.3))
    f.rect(0.56, 0.24, 0.6, 0.5, darker(deep, 0.3))  # the tower with its beacon
    f.line([(0.58, 0.1), (0.58, 0.24)], darker(deep, 0.3), 0.004)
    f.lamp(0.58, 0.1, 0.006, (255, 60, 60), halo=4.0)
    floor(f, 0.62, darker(steel, 0.45), shine=False)
    m.rect(-0.2, 0.6, 1.2, 0.66, darker(steel, 0.25), INK)  # parapet
    m.rect(-0.2, 0.52, 1.2, 0.53, pale)  # railing
    for k in range(-4, 28):
        m.rect(k * 0.05, 0.52, k * 0.05 + 0.006, 0.6, pale)
    m.rect(0.74, 0.38, 0.92, 0.52, darker(steel, 0.35), INK)  # water tank
    m.poly([(0.73, 0.38), (0.93, 0.38), (0.83, 0.33)], darker(steel, 0.5), INK)
    for k in range(9):  # string lights
        x = 0.05 + k * 0.11
        m.lamp(x, 0.44 + 0.02 * ((k % 2) - 0.5), 0.006, WARM_LIGHT, halo=3.0)
    r.fg.rect(-0.2, 0.88, 0.22, 1.2, darker(steel, 0.4), INK)  # vent box
    r.fg.rect(-0.2, 0.88, 0.22, 0.91, lighter(steel, 0.2))


def courtyard(r: Room) -> None:
    moss, clay, stone = r.palette[0], r.palette[1], r.palette[2]
    f, m = r.far, r.mid
    sky(r, f, -0.3, -0.3, 1.3, 0.3)
    f.rect(-0.3, 0.16, 1.3, 0.6, mix(stone, clay, 0.25))  # walls
    f.poly([(-0.3, 0.2), (1.3, 0.2), (1.2, 0.12), (-0.2, 0.12)], darker(clay, 0.35), INK)  # tiled eave
    for k in range(-6, 30):
        f.line([(k * 0.05, 0.12), (k * 0.05 - 0.01, 0.2)], darker(clay, 0.55), 0.003)
    f.rect(0.4, 0.3, 0.6, 0.6, darker(clay, 0.45), INK)  # the gate
    f.line([(0.5, 0.3), (0.5, 0.6)], INK, 0.004)
    for x in (0.12, 0.76):
        f.rect(x, 0.3, x + 0.12, 0.44, darker(moss, 0.2), INK)
        f.lit(x + 0.01, 0.31, x + 0.11, 0.43, WARM_LIGHT, darker(stone, 0.45))
    floor(f, 0.6, darker(stone, 0.25), shine=False)
    for k in range(-2, 12):  # paving joints
        f.line([(0.5 + (k - 5) * 0.03, 0.6), (0.5 + (k - 5) * 0.2, 1.3)], darker(stone, 0.4), 0.002)
    for x in (0.3, 0.7):
        lantern(m, x, 0.26, 0.03, (210, 60, 50))
    m.ellipse(0.5, 0.66, 0.2, 0.03, darker(stone, 0.1), INK)  # fountain
    m.rect(0.3, 0.66, 0.7, 0.71, darker(stone, 0.2), INK)
    m.rect(0.48, 0.56, 0.52, 0.66, stone, INK)
    m.ellipse(0.5, 0.56, 0.06, 0.012, lighter(stone, 0.2), INK)
    for x in (0.06, 0.94):
        tree(m, x, 0.66, 0.3, darker(clay, 0.4), moss)
    r.fg.rect(-0.1, 0.9, 0.26, 0.94, lighter(stone, 0.1), INK)  # stone bench
    r.fg.rect(0.0, 0.94, 0.04, 1.1, darker(stone, 0.2))
    r.fg.rect(0.2, 0.94, 0.24, 1.1, darker(stone, 0.2))
    plant(r.fg, 0.92, 1.05, 0.2, darker(clay, 0.2), moss)


def forest(r: Room) -> None:
    deep, leaf, light = r.palette[0], r.palette[1], r.palette[2]
    f, m = r.far, r.mid
    sky(r, f, -0.3, -0.3, 1.3, 0.6)
    for row, (base, h, shade) in enumerate(((0.5, 0.3, 0.35), (0.58, 0.36, 0.2), (0.64, 0.42, 0.05))):
        col = mix(darker(leaf, shade), r.sky()[1], 0.35 - row * 0.15)
        for k in range(-3, 12):
            conifer(f, k * 0.12 + row * 0.05, base, h * (0.8 + 0.2 * ((k * 7 + row) % 3) / 2), col)
    if not r.dark:  # shafts of light between the trunks
        for x in (0.3, 0.55):
            f.poly([(x, -0.1), (x + 0.06, -0.1), (x + 0.2, 0.7), (x + 0.1, 0.7)], mix(light, WHITE, 0.5))
    f.vgrad(-0.3, 0.62, 1.3, 1.3, darker(deep, 0.0) if sum(deep) > 90 else (40, 56, 36), (20, 30, 20))
    f.poly([(0.46, 0.62), (0.54, 0.62), (0.75, 1.3), (0.25, 1.3)], (120, 100, 70))  # path
    for x, w in ((0.04, 0.05), (0.22, 0.03), (0.78, 0.035), (0.95, 0.06)):
        m.rect(x - w, -0.2, x + w, 0.7, (70, 50, 36), INK)
        m.circle(x, 0.08, w * 3, darker(leaf, 0.1), INK)
    for x in (0.3, 0.7):
        m.ellipse(x, 0.68, 0.08, 0.03, leaf, INK)
    for x, side in ((-0.02, 1), (1.02, -1)):  # ferns
        for k in range(5):
            y = 0.84 + k * 0.05
            r.fg.ellipse(x + side * 0.1, y, 0.14, 0.018, darker(leaf, 0.1 * (k % 2)), INK)


def garden(r: Room) -> None:
    hedge, pale, bloom = r.palette[0], r.palette[1], r.palette[2]
    f, m = r.far, r.mid
    sky(r, f, -0.3, -0.3, 1.3, 0.5)
    tree(f, 0.1, 0.46, 0.3, (90, 70, 50), mix(hedge, r.sky()[1], 0.2))
    tree(f, 0.9, 0.46, 0.34, (90, 70, 50), mix(hedge, r.sky()[1], 0.2))
    f.rect(0.38, 0.3, 0.62, 0.46, WHITE, INK)  # gazebo
    f.poly([(0.34, 0.3), (0.66, 0.3), (0.5, 0.2)], lighter(bloom, 0.3), INK)
    for x in (0.41, 0.5, 0.59):
        f.rect(x - 0.006, 0.3, x + 0.006, 0.46, (220, 220, 214))
    f.rect(-0.3, 0.44, 1.3, 0.56, hedge, INK)  # hedge wall
    f.vgrad(-0.3, 0.56, 1.3, 1.3, mix(hedge, pale, 0.3), darker(hedge, 0.4))
    f.poly([(0.45, 0.56), (0.55, 0.56), (0.8, 1.3), (0.2, 1.3)], lighter(pale, 0.2))  # gravel path
    colours = [bloom, lighter(bloom, 0.4), WHITE, mix(bloom, (230, 80, 90), 0.5)]
    for x in (0.12, 0.32, 0.68, 0.88):
        flowers(m, x, 0.58, 0.07, colours, r.rng)
    for x in (0.22, 0.78):
        street_lamp(m, x, 0.62, 0.38, (60, 64, 58))
    m.rect(0.62, 0.62, 0.86, 0.64, WHITE, INK)  # bench
    m.rect(0.64, 0.64, 0.66, 0.68, WHITE)
    m.rect(0.82, 0.64, 0.84, 0.68, WHITE)
    flowers(r.fg, 0.02, 0.94, 0.14, colours, r.rng, n=12)
    flowers(r.fg, 0.98, 0.96, 0.13, colours, r.rng, n=12)
    for k in range(6):  # wisteria over the top corner
        r.fg.ellipse(0.02 + k * 0.035, -0.02 + (k % 3) * 0.03, 0.018, 0.05, (180, 150, 220), INK)
