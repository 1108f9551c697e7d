"""Drawing wrapped, outlined text on a translucent rounded box: the one text painter behind captions and labels.

Works in pixels: sizes fonts by the ink height of reference glyphs, wraps by measured width,
and returns straight-alpha RGBA arrays ready to composite onto frames.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont

from dramaline.captions.cues import wrap
from dramaline.captions.fonts import TextLayout, font_for, layout_options, uses_cjk_font, visual_order

RGBA = tuple[int, int, int, int]

_PROBE_SIZE_PX = 200
_EXTENT_REFERENCE = "Hgjy"
_CJK_EXTENT_REFERENCE = "国"


@dataclass(frozen=True)
class BlockStyle:
    """How a text block looks: colours, outline and box padding, in pixels."""

    stroke_px: int
    pad_x_px: int
    pad_y_px: int
    radius_px: int
    fill: RGBA = (255, 255, 255, 255)
    stroke_fill: RGBA = (0, 0, 0, 255)
    box_fill: RGBA = (0, 0, 0, 150)


def ink_height(font: ImageFont.FreeTypeFont, text: str, language: str) -> int:
    """Height in pixels of the ink of `text` (its visible glyph pixels), without outline."""
    layout = layout_options(language)
    box = font.getmask(visual_order(text, language), direction=layout.direction, language=layout.language).getbbox()
    return 0 if box is None else box[3] - box[1]


def font_size_for(language: str, text: str, reference: str, target_px: float) -> int:
    """The font size at which the glyphs of `reference` are `target_px` pixels tall in ink."""
    probe = font_for(language, text, _PROBE_SIZE_PX)
    measured = ink_height(probe, reference, language) or _PROBE_SIZE_PX * 0.7
    return max(1, round(_PROBE_SIZE_PX * target_px / measured))


def text_width(font: ImageFont.FreeTypeFont, line: str, language: str, stroke_px: int) -> float:
    """Drawn width of one line, outline included."""
    layout = layout_options(language)
    width = font.getlength(visual_order(line, language), direction=layout.direction, language=layout.language)
    return float(width) + 2 * stroke_px


def wrap_balanced(
    text: str, language: str, font: ImageFont.FreeTypeFont, max_width_px: int, stroke_px: int
) -> list[str]:
    """Wrap to the fewest lines that fit `max_width_px`, making them as even as possible."""

    widths: dict[str, float] = {}

    def measure(line: str) -> float:
        # The search below measures the same candidate lines many times over.
        if line not in widths:
            widths[line] = text_width(font, line, language, stroke_px)
        return widths[line]

    lines = wrap(text, language, max_width_px, measure=measure)
    if len(lines) <= 1:
        return lines
    low, high = 1, max_width_px
    best = lines
    while low <= high:
        middle = (low + high) // 2
        candidate = wrap(text, language, middle, measure=measure)
        if len(candidate) <= len(lines):
            best, high = candidate, middle - 1
        else:
            low = middle + 1
    return best


def block_size(lines: Sequence[str], font: ImageFont.FreeTypeFont, language: str, style: BlockStyle) -> tuple[int, int]:
    """(width, height) in pixels of the box that `paint_block` would draw."""
    layout = _Layout.of(lines, font, language, style)
    return layout.width, layout.height


def paint_block(
    lines: Sequence[str], font: ImageFont.FreeTypeFont, language: str, style: BlockStyle
) -> npt.NDArray[np.uint8]:
    """Lines of outlined text, centred, on a rounded box; an (h, w, 4) straight-alpha RGBA array."""
    layout = _Layout.of(lines, font, language, style)
    box = Image.new("RGBA", (layout.width, layout.height), (0, 0, 0, 0))
    radius = min(style.radius_px, layout.height // 2, layout.width // 2)
    ImageDraw.Draw(box).rounded_rectangle(
        (0, 0, layout.width - 1, layout.height - 1), radius=radius, fill=style.box_fill
    )
    # Text goes on its own layer so anti-aliased outline edges blend over the box, not replace it.
    ink = Image.new("RGBA", box.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(ink)
    options = layout_options(language)
    for index, (drawn, bbox) in enumerate(zip(layout.drawn, layout.bboxes, strict=True)):
        x = (layout.width - (bbox[2] - bbox[0])) // 2 - bbox[0]
        baseline = style.pad_y_px + layout.above + index * layout.pitch
        draw.text(
            (x, baseline),
            drawn,
            font=font,
            anchor="ls",
            fill=style.fill,
            stroke_width=style.stroke_px,
            stroke_fill=style.stroke_fill,
            direction=options.direction,
            language=options.language,
        )
    return np.array(Image.alpha_composite(box, ink), dtype=np.uint8)


@dataclass(frozen=True)
class _Layout:
    drawn: tuple[str, ...]
    bboxes: tuple[tuple[int, int, int, int], ...]
    above: int
    pitch: int
    width: int
    height: int

    @classmethod
    def of(cls, lines: Sequence[str], font: ImageFont.FreeTypeFont, language: str, style: BlockStyle) -> _Layout:
        options = layout_options(language)
        drawn = tuple(visual_order(line, language) for line in lines)
        bboxes = tuple(_ink_box(font, line, style.stroke_px, options) for line in drawn)
        # Every line gets the same pitch, measured on reference glyphs, so baselines do not jump
        # between captions with and without ascenders or descenders.
        reference = _EXTENT_REFERENCE + (_CJK_EXTENT_REFERENCE if uses_cjk_font(language, "".join(lines)) else "")
        ref_box = _int_box(font.getbbox(reference, anchor="ls", stroke_width=style.stroke_px))
        above = max([-ref_box[1]] + [-b[1] for b in bboxes])
        below = max([ref_box[3]] + [b[3] for b in bboxes])
        pitch = above + below
        width = max((b[2] - b[0] for b in bboxes), default=0) + 2 * style.pad_x_px
        height = pitch * len(lines) + 2 * style.pad_y_px
        return cls(drawn, bboxes, above, pitch, width, height)


def _ink_box(
    font: ImageFont.FreeTypeFont, drawn: str, stroke_px: int, options: TextLayout
) -> tuple[int, int, int, int]:
    """Ink extent of a line drawn at the origin with anchor "ls"; centring by ink, not by advance,
    keeps lines that end in full-width punctuation ("吗？") visually centred."""
    mask, (x, y) = font.getmask2(
        drawn, anchor="ls", stroke_width=stroke_px, direction=options.direction, language=options.language
    )
    ink = mask.getbbox()
    if ink is None:
        box = font.getbbox(
            drawn, anchor="ls", stroke_width=stroke_px, direction=options.direction, language=options.language
        )
        return _int_box(box)
    return x + ink[0], y + ink[1], x + ink[2], y + ink[3]


def _int_box(box: tuple[float, float, float, float]) -> tuple[int, int, int, int]:
    left, top, right, bottom = box
    return int(np.floor(left)), int(np.floor(top)), int(np.ceil(right)), int(np.ceil(bottom))
