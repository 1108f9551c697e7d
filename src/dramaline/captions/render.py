"""Burned-in captions: paint a cue's text as an RGBA overlay inside the safe zone, and blend it onto frames.

The safe zone is Meta Reels' rule, the tightest of the vertical platforms: keep the top 14 %,
the bottom 35 % and 6 % at each side free of text. Captions sit at the bottom of that zone.
Right-to-left text is shaped and ordered by libraqm when Pillow has it (`has_raqm()`); without
it, Hebrew is reversed into visual order and Arabic shows unjoined letters, still in the zone.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from dramaline.captions.cues import MAX_LINES
from dramaline.captions.fonts import font_for, uses_cjk_font
from dramaline.captions.script import unwrap_lines
from dramaline.captions.text import BlockStyle, block_size, font_size_for, paint_block, text_width, wrap_balanced
from dramaline.errors import InvalidInputError
from dramaline.model import Preset

SAFE_TOP_PCT = 14
SAFE_BOTTOM_PCT = 35
SAFE_SIDE_PCT = 6

CAPTION_GLYPH_PCT = 5.0
"""Caption glyph height (cap height, or a Han character's height) as a percentage of frame width."""
_MIN_SHRINK = 0.6
_SHRINK_STEP = 0.92
_CACHE_SIZE = 64


@dataclass(frozen=True)
class Box:
    """A pixel rectangle of the frame; `right` and `bottom` are exclusive."""

    left: int
    top: int
    right: int
    bottom: int

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top

    def contains(self, other: Box) -> bool:
        """Whether `other` lies wholly inside this box."""
        return (
            self.left <= other.left
            and self.top <= other.top
            and other.right <= self.right
            and other.bottom <= self.bottom
        )


@dataclass(frozen=True, eq=False)
class Overlay:
    """A painted straight-alpha RGBA image (h, w, 4) and the frame position of its top-left pixel."""

    rgba: npt.NDArray[np.uint8]
    x: int
    y: int

    @property
    def width(self) -> int:
        return int(self.rgba.shape[1])

    @property
    def height(self) -> int:
        return int(self.rgba.shape[0])

    @property
    def box(self) -> Box:
        """Where the overlay lies in the frame."""
        return Box(self.x, self.y, self.x + self.width, self.y + self.height)

    @functools.cached_property
    def blend_terms(self) -> tuple[npt.NDArray[np.uint16], npt.NDArray[np.uint16]]:
        """(colour × alpha + 128, 255 − alpha) as uint16, computed once: the per-frame part of a blend."""
        alpha = self.rgba[..., 3:4].astype(np.uint16)
        premultiplied = self.rgba[..., :3].astype(np.uint16) * alpha + 128
        inverse = 255 - alpha
        premultiplied.setflags(write=False)
        inverse.setflags(write=False)
        return premultiplied, inverse

    def ink_box(self) -> Box | None:
        """The frame rectangle of its non-transparent pixels, or None when it is fully transparent."""
        rows = np.flatnonzero(self.rgba[..., 3].any(axis=1))
        cols = np.flatnonzero(self.rgba[..., 3].any(axis=0))
        if rows.size == 0:
            return None
        return Box(self.x + int(cols[0]), self.y + int(rows[0]), self.x + int(cols[-1]) + 1, self.y + int(rows[-1]) + 1)


def safe_zone(preset: Preset) -> Box:
    """The part of the frame where captions and labels may go (Meta Reels: top 14 %, bottom 35 %, sides 6 %)."""
    side = -(-preset.width_px * SAFE_SIDE_PCT // 100)
    top = -(-preset.height_px * SAFE_TOP_PCT // 100)
    bottom = -(-preset.height_px * SAFE_BOTTOM_PCT // 100)
    return Box(left=side, top=top, right=preset.width_px - side, bottom=preset.height_px - bottom)


class CaptionPainter:
    """Paints captions for one frame size and language; each text is painted once and then reused."""

    def __init__(self, preset: Preset, language: str) -> None:
        if not language.strip():
            raise InvalidInputError("CaptionPainter needs a language tag such as 'en' or 'zh-Hans'.")
        self.preset = preset
        self.language = language
        self.zone = safe_zone(preset)
        self._cached: Callable[[str], Overlay] = functools.lru_cache(maxsize=_CACHE_SIZE)(self._render)

    def paint(self, text: str) -> Overlay:
        """The caption for `text`, placed in the frame; its own line breaks are kept while the lines fit."""
        if not text.strip():
            raise InvalidInputError("Cannot paint an empty caption; give the cue some text.")
        return self._cached(text)

    def _render(self, text: str) -> Overlay:
        given = [line.strip() for line in text.splitlines() if line.strip()]
        flat = unwrap_lines(text, self.language)
        reference = "国" if uses_cjk_font(self.language, flat) else "H"
        nominal = font_size_for(self.language, flat, reference, self.preset.width_px * CAPTION_GLYPH_PCT / 100)
        gap = round(self.preset.height_px / 100)
        size = nominal
        while True:
            font = font_for(self.language, flat, size)
            style = _caption_style(size)
            max_width = self.zone.width - 2 * style.pad_x_px
            lines = given
            if len(given) > MAX_LINES or any(
                text_width(font, line, self.language, style.stroke_px) > max_width for line in given
            ):
                lines = wrap_balanced(flat, self.language, font, max_width, style.stroke_px)
            width, height = block_size(lines, font, self.language, style)
            fits_zone = (
                width <= self.zone.width
                and height <= self.zone.height - gap
                and all(text_width(font, line, self.language, style.stroke_px) <= max_width for line in lines)
            )
            if size <= 1 or (fits_zone and (len(lines) <= MAX_LINES or size <= nominal * _MIN_SHRINK)):
                break
            size = max(1, int(size * _SHRINK_STEP))
        rgba = paint_block(lines, font, self.language, style)
        rgba.setflags(write=False)
        x = self.zone.left + (self.zone.width - width) // 2
        y = self.zone.bottom - gap - height
        return Overlay(rgba=rgba, x=x, y=y)


def composite(frame: npt.NDArray[np.uint8], overlay: Overlay) -> None:
    """Alpha-blend `overlay` onto an (H, W, 3 or 4) uint8 frame, in place, touching only its region."""
    if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] not in (3, 4):
        raise InvalidInputError(f"composite needs an (H, W, 3|4) uint8 frame, got {frame.shape} {frame.dtype}.")
    height, width = frame.shape[:2]
    left, top = max(overlay.x, 0), max(overlay.y, 0)
    right, bottom = min(overlay.x + overlay.width, width), min(overlay.y + overlay.height, height)
    if left >= right or top >= bottom:
        return
    rows = slice(top - overlay.y, bottom - overlay.y)
    cols = slice(left - overlay.x, right - overlay.x)
    source, inverse = overlay.blend_terms
    target = frame[top:bottom, left:right]
    # dst * (255 - a) + src * a + 128 <= 65153 fits uint16; (t + (t >> 8)) >> 8 is t // 255 rounded,
    # exactly, for every t in range, and is several times faster than an integer division.
    colour = target[..., :3].astype(np.uint16)
    colour *= inverse[rows, cols]
    colour += source[rows, cols]
    colour += colour >> 8
    colour >>= 8
    target[..., :3] = colour
    if frame.shape[2] == 4:
        alpha = overlay.rgba[rows, cols, 3].astype(np.uint16)
        covered = alpha * 255 + target[..., 3].astype(np.uint16) * (255 - alpha) + 128
        target[..., 3] = (covered + (covered >> 8)) >> 8


def _caption_style(size_px: int) -> BlockStyle:
    return BlockStyle(
        stroke_px=max(2, round(size_px * 0.08)),
        pad_x_px=round(size_px * 0.4),
        pad_y_px=round(size_px * 0.18),
        radius_px=round(size_px * 0.3),
        box_fill=(0, 0, 0, 140),
    )
