"""Paints a location once per (place, hour, look, frame size) into the layers frames are cut from.

The wide set has three depth layers (far wall, mid furniture, foreground props) drawn with margins
so the camera can pan, shake and push in; the close-up set is the same room magnified and hazed
behind faces. Layers are graded for the hour before lights are painted, so lamps glow at night.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Protocol

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from dramaline.model import Location, LocationKind, TimeOfDay
from dramaline.render import rooms_grand, rooms_indoor, rooms_outdoor
from dramaline.render.canvas import Canvas
from dramaline.render.color import RGB, Grade, Pixels, mix, palette_rgb, time_grade, vignette
from dramaline.render.compose import Band, bands
from dramaline.render.props import Room

DRAWERS: dict[LocationKind, Callable[[Room], None]] = {
    LocationKind.OFFICE: rooms_indoor.office,
    LocationKind.MANSION_HALL: rooms_grand.mansion_hall,
    LocationKind.WEDDING_VENUE: rooms_grand.wedding_venue,
    LocationKind.HOSPITAL_ROOM: rooms_indoor.hospital_room,
    LocationKind.STREET: rooms_outdoor.street,
    LocationKind.ROOFTOP: rooms_outdoor.rooftop,
    LocationKind.RESTAURANT: rooms_indoor.restaurant,
    LocationKind.BEDROOM: rooms_indoor.bedroom,
    LocationKind.CAR_INTERIOR: rooms_indoor.car_interior,
    LocationKind.COURTYARD: rooms_outdoor.courtyard,
    LocationKind.PALACE_HALL: rooms_grand.palace_hall,
    LocationKind.FOREST: rooms_outdoor.forest,
    LocationKind.BALLROOM: rooms_grand.ballroom,
    LocationKind.COURTROOM: rooms_indoor.courtroom,
    LocationKind.PRISON: rooms_indoor.prison,
    LocationKind.GARDEN: rooms_outdoor.garden,
}
"""How each kind of place is painted; every LocationKind has one."""

SCROLLING: dict[LocationKind, float] = {LocationKind.CAR_INTERIOR: rooms_indoor.CAR_SCROLL_PERIOD}
"""Places whose far view slides past on its own (the city outside a car), with its repeat width."""

PARALLAX_FAR, PARALLAX_MID, PARALLAX_FG, PARALLAX_CLOSE = 0.3, 0.65, 1.35, 0.35
"""How far each layer moves per pixel of camera travel; characters move 1.0."""

CLOSE_ZOOM, CLOSE_FOCUS = 1.8, (0.5, 0.4)
"""The close-up set shows the room magnified about the wall behind the characters' heads."""

HAZE, HAZE_AMOUNT = (170, 176, 190), 0.22
"""The close-up set is pulled this far towards a pale haze, so faces stand out against it."""


@dataclass(frozen=True)
class Layer:
    """A painted layer: pixels, an optional coverage mask, and where its top-left sits at rest."""

    rgb: Pixels
    mask: NDArray[np.bool_] | None
    y: int
    x: int
    parallax: float
    period_px: int = 0
    """Horizontal repeat width when the layer slides on its own; 0 when it does not."""
    cover: tuple[Band, ...] | None = None
    """The mask's covered bands (see compose.bands), for fast pasting."""


@dataclass(frozen=True)
class WideSet:
    """The room as wide shots see it: the far wall, the mid furniture and the foreground props."""

    far: Layer
    mid: Layer | None
    fg: Layer | None


@dataclass(frozen=True)
class CloseSet:
    """The room magnified and hazed behind faces; its furniture is a layer of its own only when the far view slides."""

    far: Layer
    mid: Layer | None


class Backdrop:
    """All layers of one location at one hour and frame size: the wide set and the close-up set.

    Each set is painted when first asked for, so a worker that draws only one kind of shot (a
    rebuild's edited line, often) paints only its set.
    """

    def __init__(self, location: Location, time_of_day: TimeOfDay, flashback: bool, width: int, height: int) -> None:
        self._location, self._flashback, self._width, self._height = location, flashback, width, height
        self._margin = margins(width, height)
        self._period = SCROLLING.get(location.kind, 0.0)
        self._grade = time_grade(time_of_day, flashback=flashback)
        self._time_of_day = time_of_day

    @cached_property
    def wide(self) -> WideSet:
        (mx, my), period, width = self._margin, self._period, self._width
        look = _Look(self._grade, Grade(sepia=self._flashback), self._time_of_day)
        far, mid, fg = _paint(self._location, look, width, self._height, (mx, my), zoom=1.0, period=period)
        wide_far = Layer(_pixels(far, self._flashback), None, -my, -mx, PARALLAX_FAR, round(period * width))
        return WideSet(wide_far, _sparse(mid, (mx, my), PARALLAX_MID), _sparse(fg, (mx, my), PARALLAX_FG))

    @cached_property
    def close(self) -> CloseSet:
        (mx, my), period, width, grade = self._margin, self._period, self._width, self._grade
        separate = period > 0
        hazy = _Look(_Hazed(grade, grade.colour(HAZE)), Grade(sepia=self._flashback), self._time_of_day)
        cfar, cmid, _ = _paint(
            self._location,
            hazy,
            width,
            self._height,
            (mx, my),
            zoom=CLOSE_ZOOM,
            period=period * CLOSE_ZOOM,
            merge=not separate,
        )
        close = Layer(
            _pixels(cfar, self._flashback), None, -my, -mx, PARALLAX_CLOSE, round(period * CLOSE_ZOOM * width)
        )
        return CloseSet(close, _sparse(cmid, (mx, my), PARALLAX_CLOSE) if separate else None)


def margins(width: int, height: int) -> tuple[int, int]:
    """Extra pixels painted beyond each side of the frame, (x, y), for camera travel."""
    return max(2, round(width * 0.1)), max(2, round(height * 0.06))


@lru_cache(maxsize=4)
def backdrop(location: Location, time_of_day: TimeOfDay, flashback: bool, width: int, height: int) -> Backdrop:
    """The layers of `location` at `time_of_day`, graded for a flashback when asked; cached, painted on demand."""
    return Backdrop(location, time_of_day, flashback, width, height)


class _Tint(Protocol):
    def colour(self, c: RGB) -> RGB: ...


@dataclass(frozen=True)
class _Look:
    paint: _Tint
    lights: _Tint
    time_of_day: TimeOfDay


@dataclass(frozen=True)
class _Hazed:
    """A grade followed by a pull towards the haze: the close-up set recedes behind the faces."""

    grade: Grade
    haze: RGB

    def colour(self, c: RGB) -> RGB:
        return mix(self.grade.colour(c), self.haze, HAZE_AMOUNT)


def _paint(
    location: Location,
    look: _Look,
    width: int,
    height: int,
    margin: tuple[float, float],
    *,
    zoom: float,
    period: float,
    merge: bool = False,
) -> tuple[Canvas, Canvas, Canvas]:
    """Run the location's drawer onto fresh far/mid/fg canvases (mid painted onto far when `merge`)."""
    mx, my = margin
    size = (round(width + 2 * mx + period * width), round(height + 2 * my))
    lights = look.time_of_day in (TimeOfDay.DUSK, TimeOfDay.NIGHT)
    focus = CLOSE_FOCUS if zoom != 1.0 else (0.5, 0.5)

    def canvas(image: Image.Image, mask: Image.Image | None, enabled: bool = True) -> Canvas:
        return Canvas(
            image, mask, width, height, (mx, my), zoom, focus, lights, enabled, look.paint.colour, look.lights.colour
        )

    far = canvas(Image.new("RGB", size, (0, 0, 0)), None)
    mid = far if merge else canvas(Image.new("RGB", size, (0, 0, 0)), Image.new("L", size, 0))
    if zoom == 1.0:
        fg = canvas(Image.new("RGB", size, (0, 0, 0)), Image.new("L", size, 0))
    else:  # foreground props would loom over a close-up's face; the close set leaves them out
        fg = canvas(Image.new("RGB", (1, 1)), None, enabled=False)
    palette = palette_rgb(location.palette, 5)
    rng = random.Random(zlib.crc32(location.id.encode()))
    DRAWERS[location.kind](Room(far, mid, fg, palette, look.time_of_day, rng))
    for c in {id(far): far, id(mid): mid, id(fg): fg}.values():
        c.flush_lights()
    return far, mid, fg


def _pixels(c: Canvas, flashback: bool) -> Pixels:
    """The painted layer as pixels, vignetted in a flashback."""
    image = vignette(c.image, 0.55) if flashback else c.image
    return np.ascontiguousarray(np.asarray(image, dtype=np.uint8))


def _sparse(c: Canvas, margin: tuple[int, int], parallax: float) -> Layer | None:
    """A masked layer cropped to what was painted on it, or None when nothing was."""
    assert c.mask is not None
    box = c.mask.getbbox()
    if box is None:
        return None
    mask = np.ascontiguousarray(np.asarray(c.mask.crop(box)) >= 128)
    px = np.ascontiguousarray(np.asarray(c.image.crop(box), dtype=np.uint8))
    mx, my = margin
    return Layer(px, mask, box[1] - my, box[0] - mx, parallax, cover=bands(mask))
