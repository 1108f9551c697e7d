"""Working and private interiors: office, hospital room, bedroom, restaurant, courtroom, prison, car.

Each drawer paints the back wall on `far`, furniture on `mid` (behind the characters) and props
on `fg` (in front of them, kept to the bottom corners so they never cover a face).
"""

from __future__ import annotations

from dramaline.render.color import darker, lighter, mix
from dramaline.render.props import (
    INK,
    WARM_LIGHT,
    WHITE,
    Room,
    chair_back,
    curtain,
    floor,
    pendant,
    picture,
    plant,
    sky,
    skyline,
    table,
    window,
)

CAR_SCROLL_PERIOD = 0.5
"""Width (in frame widths) after which the view through the car windows repeats."""


def office(r: Room) -> None:
    wall, desk, trim = r.palette[0], r.palette[1], r.palette[2]
    f, m = r.far, r.mid
    f.rect(-0.3, -0.3, 1.3, 0.64, wall)
    window(r, f, 0.04, 0.07, 0.96, 0.56, darker(wall, 0.45), city=True)
    for k in range(8):  # blinds half drawn
        y = 0.07 + k * 0.02
        f.rect(0.04, y, 0.96, y + 0.013, lighter(trim, 0.35))
    f.rect(-0.3, 0.56, 1.3, 0.6, darker(wall, 0.2))
    floor(f, 0.6, darker(wall, 0.35), shine=True)
    m.poly([(0.4, 0.6), (0.6, 0.6), (0.58, 0.42), (0.42, 0.42)], darker(desk, 0.6), INK)  # executive chair
    m.rect(0.1, 0.6, 0.9, 0.635, darker(desk, 0.45), INK)
    m.rect(0.13, 0.635, 0.87, 0.75, darker(desk, 0.62), INK)
    m.rect(0.62, 0.5, 0.8, 0.6, INK)
    m.lit(0.63, 0.508, 0.79, 0.592, (150, 205, 255), (70, 90, 110))
    m.rect(0.2, 0.575, 0.3, 0.6, WHITE, INK)  # papers
    plant(r.fg, 0.06, 1.02, 0.24, darker(trim, 0.3), (64, 120, 72))
    r.fg.poly([(0.78, 1.1), (1.2, 0.9), (1.2, 1.1)], mix(trim, (180, 220, 240), 0.6), INK)  # glass table corner


def hospital_room(r: Room) -> None:
    wall, blanket, trim = lighter(r.palette[0], 0.1), r.palette[1], r.palette[2]
    f, m = r.far, r.mid
    f.rect(-0.3, -0.3, 1.3, 0.62, wall)
    f.rect(-0.3, 0.5, 1.3, 0.62, darker(wall, 0.08))
    window(r, f, 0.6, 0.12, 0.95, 0.42, WHITE, city=False)
    curtain(f, 0.53, 0.62, 0.08, 0.5, mix(trim, WHITE, 0.6))
    f.rect(0.1, 0.16, 0.36, 0.3, INK)  # wall monitor with a heartbeat trace
    f.lit(0.115, 0.172, 0.345, 0.288, (20, 60, 40), (20, 40, 36))
    f.line([(0.12, 0.24), (0.18, 0.24), (0.2, 0.19), (0.22, 0.28), (0.24, 0.24), (0.34, 0.24)], (90, 255, 140), 0.004)
    f.circle(0.45, 0.14, 0.035, WHITE, INK)  # clock
    floor(f, 0.62, lighter(trim, 0.55), shine=True)
    m.rect(0.08, 0.4, 0.12, 0.66, (170, 175, 182), INK)  # headboard post
    m.rect(0.06, 0.55, 0.62, 0.6, WHITE, INK)  # mattress
    m.poly([(0.18, 0.56), (0.64, 0.56), (0.66, 0.66), (0.16, 0.66)], blanket, INK)
    m.ellipse(0.14, 0.55, 0.07, 0.022, WHITE, INK)  # pillow
    m.rect(0.07, 0.66, 0.63, 0.675, (160, 165, 172), INK)  # rail
    m.line([(0.76, 0.3), (0.76, 0.72)], (170, 175, 182), 0.008)  # IV stand
    m.rect(0.72, 0.3, 0.8, 0.31, (170, 175, 182))
    m.ellipse(0.745, 0.355, 0.024, 0.035, (215, 235, 245), INK)
    m.line([(0.745, 0.39), (0.62, 0.58)], (200, 220, 230), 0.002)
    m.rect(0.82, 0.46, 0.96, 0.56, (60, 64, 70), INK)  # bedside monitor
    m.lit(0.83, 0.47, 0.95, 0.55, (40, 140, 90), (30, 60, 50))
    m.line([(0.83, 0.51), (0.87, 0.51), (0.89, 0.48), (0.91, 0.53), (0.95, 0.51)], (140, 255, 170), 0.003)
    curtain(r.fg, -0.1, 0.08, -0.1, 1.1, mix(trim, WHITE, 0.45))
    r.fg.rect(0.8, 0.9, 1.1, 1.1, lighter(trim, 0.3), INK)  # bedside table
    r.fg.ellipse(0.9, 0.88, 0.035, 0.025, (230, 150, 170), INK)


def bedroom(r: Room) -> None:
    wall, bed, accent = r.palette[0], r.palette[1], r.palette[2]
    f, m = r.far, r.mid
    f.rect(-0.3, -0.3, 1.3, 0.6, wall)
    for k in range(-6, 28):  # wallpaper stripes
        x = k * 0.06
        f.rect(x, -0.3, x + 0.02, 0.6, darker(wall, 0.1))
    window(r, f, 0.66, 0.1, 0.92, 0.4, WHITE, city=r.dark)
    curtain(f, 0.6, 0.68, 0.06, 0.52, accent)
    curtain(f, 0.9, 0.98, 0.06, 0.52, accent)
    picture(f, 0.18, 0.16, 0.4, 0.3, darker(bed, 0.3), accent)
    floor(f, 0.6, darker(bed, 0.5), shine=False)
    m.rect(0.12, 0.38, 0.58, 0.58, darker(bed, 0.35), INK)  # headboard
    m.rect(0.08, 0.54, 0.62, 0.7, lighter(bed, 0.55), INK)  # sheets
    m.poly([(0.08, 0.6), (0.62, 0.6), (0.64, 0.72), (0.06, 0.72)], bed, INK)  # duvet
    m.ellipse(0.22, 0.535, 0.08, 0.025, WHITE, INK)
    m.ellipse(0.46, 0.535, 0.08, 0.025, WHITE, INK)
    m.rect(0.66, 0.54, 0.78, 0.66, darker(bed, 0.45), INK)  # nightstand
    m.poly([(0.68, 0.5), (0.76, 0.5), (0.745, 0.47), (0.695, 0.47)], lighter(accent, 0.4), INK)
    m.lamp(0.72, 0.505, 0.01, WARM_LIGHT, halo=4.0)
    r.fg.rect(-0.1, 0.86, 0.3, 1.1, darker(accent, 0.2), INK)  # armchair corner
    r.fg.ellipse(0.12, 0.86, 0.2, 0.03, lighter(accent, 0.15), INK)


def restaurant(r: Room) -> None:
    wall, warm, cloth = r.palette[0], r.palette[1], lighter(r.palette[2], 0.75)
    f, m = r.far, r.mid
    f.rect(-0.3, -0.3, 1.3, 0.6, wall)
    window(r, f, 0.08, 0.08, 0.92, 0.4, darker(wall, 0.5), city=True)
    f.rect(-0.3, 0.4, 1.3, 0.6, darker(wall, 0.35))  # wood panelling
    for k in range(-4, 20):
        f.rect(k * 0.08, 0.42, k * 0.08 + 0.005, 0.6, darker(wall, 0.55))
    floor(f, 0.6, darker(warm, 0.55), shine=True)
    for x in (0.2, 0.5, 0.8):
        pendant(m, x, 0.12, 0.04, warm)
    for x, w in ((0.16, 0.2), (0.84, 0.2)):
        chair_back(m, x - w * 0.55, 0.6, 0.07, darker(warm, 0.5))
        table(m, x, 0.58, w, cloth, candle=True)
    table(r.fg, 0.5, 0.95, 1.2, cloth, candle=False)
    for x in (0.12, 0.88):  # wine glasses
        r.fg.poly([(x - 0.03, 0.8), (x + 0.03, 0.8), (x + 0.02, 0.87), (x - 0.02, 0.87)], (150, 20, 40), INK)
        r.fg.line([(x, 0.87), (x, 0.94)], (220, 230, 240), 0.004)


def courtroom(r: Room) -> None:
    wood, brass, cream = r.palette[0], r.palette[1], r.palette[2]
    f, m = r.far, r.mid
    f.rect(-0.3, -0.3, 1.3, 0.62, lighter(wood, 0.12))
    for k in range(-4, 16):  # panelling
        x = k * 0.1
        f.rect(x + 0.01, 0.06, x + 0.09, 0.36, darker(wood, 0.15), INK)
    f.circle(0.5, 0.13, 0.08, brass, INK)  # seal
    f.circle(0.5, 0.13, 0.055, cream, INK)
    f.poly([(0.47, 0.16), (0.53, 0.16), (0.5, 0.09)], brass)
    for x in (0.12, 0.88):  # flags
        f.line([(x, 0.05), (x, 0.5)], brass, 0.005)
        f.poly(
            [(x, 0.06), (x + (0.1 if x < 0.5 else -0.1), 0.09), (x, 0.14)], (40, 60, 140) if x < 0.5 else (150, 30, 40)
        )
    f.rect(0.22, 0.3, 0.78, 0.52, darker(wood, 0.35), INK)  # judge's bench
    f.rect(0.2, 0.28, 0.8, 0.31, darker(wood, 0.15), INK)
    f.rect(0.46, 0.26, 0.54, 0.28, brass)
    floor(f, 0.6, darker(wood, 0.25), shine=False)
    m.rect(-0.2, 0.6, 1.2, 0.62, darker(wood, 0.2), INK)  # the bar
    for k in range(-4, 30):
        m.rect(k * 0.045, 0.62, k * 0.045 + 0.014, 0.71, darker(wood, 0.1), INK)
    m.rect(-0.2, 0.71, 1.2, 0.725, darker(wood, 0.2), INK)
    m.rect(0.78, 0.48, 1.0, 0.6, darker(wood, 0.3), INK)  # witness box
    r.fg.rect(-0.2, 0.9, 1.2, 0.95, darker(wood, 0.3), INK)  # gallery bench
    r.fg.rect(-0.2, 0.95, 1.2, 1.2, darker(wood, 0.45), INK)


def prison(r: Room) -> None:
    concrete, metal, shadow = r.palette[0], r.palette[1], r.palette[2]
    f, m = r.far, r.mid
    f.rect(-0.3, -0.3, 1.3, 0.62, lighter(concrete, 0.15))
    for k in range(-3, 12):  # block joints
        f.line([(-0.3, k * 0.06), (1.3, k * 0.06)], darker(concrete, 0.05), 0.002)
    window(r, f, 0.58, 0.08, 0.8, 0.2, metal, city=False)
    for k in range(1, 5):
        x = 0.58 + k * 0.044
        f.rect(x - 0.004, 0.08, x + 0.004, 0.2, darker(metal, 0.4))
    f.poly([(0.58, 0.2), (0.8, 0.2), (0.66, 0.62), (0.32, 0.62)], lighter(concrete, 0.3))  # light shaft
    for k in range(6):  # tally marks
        f.line([(0.2 + k * 0.018, 0.26), (0.2 + k * 0.018, 0.32)], darker(shadow, 0.4), 0.003)
    f.line([(0.19, 0.31), (0.3, 0.27)], darker(shadow, 0.4), 0.003)
    floor(f, 0.62, darker(concrete, 0.2), shine=False)
    m.rect(0.05, 0.5, 0.42, 0.56, (120, 112, 100), INK)  # bunk
    m.rect(0.05, 0.46, 0.42, 0.5, (170, 165, 150), INK)
    m.rect(0.06, 0.56, 0.08, 0.66, darker(metal, 0.3))
    m.rect(0.39, 0.56, 0.41, 0.66, darker(metal, 0.3))
    for side in (-1, 1):  # cell bars at the frame edges
        for k in range(5):
            x = 0.5 + side * (0.36 + k * 0.055)
            r.fg.rect(x - 0.01, -0.2, x + 0.01, 1.2, darker(metal, 0.2), INK)
    r.fg.rect(-0.2, 0.14, 0.16, 0.165, darker(metal, 0.3), INK)
    r.fg.rect(0.84, 0.14, 1.2, 0.165, darker(metal, 0.3), INK)


def car_interior(r: Room) -> None:
    leather, trim, glow = r.palette[0], r.palette[1], r.palette[2]
    f, m = r.far, r.mid
    # The view outside repeats every CAR_SCROLL_PERIOD so the renderer can slide it forever.
    sky(r, f, -0.3, -0.3, 1.3 + CAR_SCROLL_PERIOD * 2, 0.7)
    f.rect(-0.3, 0.45, 1.3 + CAR_SCROLL_PERIOD * 2, 0.7, darker(r.sky()[0], 0.5))
    p = CAR_SCROLL_PERIOD
    for n in range(-1, int((1.6 + 2 * p) / p) + 1):
        x0 = n * p
        skyline(r, f, x0, x0 + p - 0.02, 0.46, 0.22, darker(r.sky()[0], 0.3))
        for k in range(5):
            x = x0 + k * p / 5
            f.rect(
                x, 0.47 + 0.01 * (k % 3), x + p / 7, 0.476 + 0.01 * (k % 3), WARM_LIGHT if r.dark else (210, 214, 220)
            )
    m.rect(-0.2, -0.2, 1.2, 0.12, darker(leather, 0.2))  # roof lining
    m.poly([(-0.2, 0.12), (0.1, 0.12), (0.02, 0.5), (-0.2, 0.5)], darker(leather, 0.3), INK)  # pillars
    m.poly([(1.2, 0.12), (0.9, 0.12), (0.98, 0.5), (1.2, 0.5)], darker(leather, 0.3), INK)
    m.rect(0.45, 0.12, 0.55, 0.2, (40, 40, 44), INK)  # mirror
    m.rect(-0.2, 0.48, 1.2, 1.2, leather, INK)  # rear seat
    for x in (0.28, 0.72):
        m.rect(x - 0.18, 0.5, x + 0.18, 0.9, lighter(leather, 0.08), INK)
    m.rect(-0.2, 0.48, 1.2, 0.5, trim)
    fg = r.fg
    for x0, x1 in ((-0.2, 0.3), (0.7, 1.2)):  # the front seats' backs hide the passengers' legs
        fg.poly([(x0, 1.2), (x0 + 0.02, 0.74), (x1 - 0.02, 0.72), (x1, 1.2)], darker(leather, 0.25), INK)
        fg.rect((x0 + x1) / 2 - 0.1, 0.62, (x0 + x1) / 2 + 0.1, 0.72, darker(leather, 0.15), INK)  # headrest
    fg.rect(0.3, 0.84, 0.7, 1.2, darker(leather, 0.45), INK)  # centre console
    for x in (0.4, 0.5, 0.6):
        fg.circle(x, 0.9, 0.03, (20, 20, 24), trim)
        fg.lamp(x, 0.9, 0.008, glow, halo=2.0)
