"""The visible AI-content label and the registration-number credit, painted as frame overlays.

GB 45438-2025 §5.4 asks for a prominent label on the opening frames for at least 2 s, its text at
least 5 % of the frame's shortest side tall; the label sits at the top-left of the safe zone on a
semi-opaque dark pill, so it reads on any background. The composer draws it for LABEL_SECONDS.
"""

from __future__ import annotations

import functools
import math
import unicodedata

from dramaline.captions.fonts import font_for, uses_cjk_font
from dramaline.captions.render import Overlay, safe_zone
from dramaline.captions.script import base_language, has_cjk
from dramaline.captions.text import BlockStyle, block_size, font_size_for, ink_height, paint_block, wrap_balanced
from dramaline.model import Preset

LABEL_SECONDS = 3
"""How long the label stays on screen from the first frame; the rule asks for at least 2 s."""

LABEL_GLYPH_PCT = 5.5
"""Target glyph height of the label as a percentage of the short side: 5 % is the legal floor."""
MIN_LABEL_GLYPH_PCT = 5.0
CREDIT_GLYPH_PCT = 3.5
"""Glyph height of the registration-number credit as a percentage of frame width."""

LABEL_TEXTS: dict[str, str] = {
    "en": "AI-generated",
    "zh": "AI生成",
    "ja": "AI生成",
    "ko": "AI 생성",
    "es": "Generado con IA",
    "pt": "Gerado por IA",
    "fr": "Généré par IA",
    "it": "Generato con IA",
    "de": "KI-generiert",
    "nl": "AI-gegenereerd",
    "id": "Dibuat dengan AI",
    "vi": "Tạo bởi AI",
    "tr": "YZ ile üretildi",
    "ru": "Создано ИИ",
    "ar": "منشأ بالذكاء الاصطناعي",
    "he": "נוצר בבינה מלאכותית",
}
"""The label's wording per base language; any other language gets the English text."""


def label_text(language: str) -> str:
    """The words of the AI label in `language`, or in English when the table lacks it."""
    return LABEL_TEXTS.get(base_language(language), LABEL_TEXTS["en"])


def label_overlay(preset: Preset, language: str) -> Overlay:
    """The visible "AI-generated" label at the top-left of the safe zone, glyphs ≥ 5 % of the short side."""
    return _label_overlay(preset, language)


def credits_overlay(preset: Preset, registration_number: str, language: str) -> Overlay | None:
    """The permit or registration number, verbatim, centred under the AI label; None when there is none."""
    text = " ".join(registration_number.split())
    if not text:
        return None
    return _credits_overlay(preset, text, language)


def reference_glyphs(text: str, language: str) -> str:
    """The glyphs whose ink height counts as the text's height: capitals, else Han/kana, else the tallest letter."""
    capitals = "".join(ch for ch in text if ch.isupper())
    if capitals:
        return capitals
    cjk = "".join(ch for ch in text if has_cjk(ch))
    if cjk:
        return cjk
    letters = [ch for ch in text if ch.isalpha() and not unicodedata.combining(ch)]
    if not letters:
        return text
    probe = font_for(language, text, 100)
    return max(letters, key=lambda ch: ink_height(probe, ch, language))


@functools.lru_cache(maxsize=32)
def _label_overlay(preset: Preset, language: str) -> Overlay:
    text = label_text(language)
    zone = safe_zone(preset)
    short_side = min(preset.width_px, preset.height_px)
    floor_px = math.ceil(short_side * MIN_LABEL_GLYPH_PCT / 100)
    reference = reference_glyphs(text, language)
    size = font_size_for(language, text, reference, short_side * LABEL_GLYPH_PCT / 100)
    font = font_for(language, text, size)
    # Font metrics only approximate the drawn ink, so check the pixels and grow until the floor holds.
    while ink_height(font, reference, language) < floor_px:
        size += 1
        font = font_for(language, text, size)
    style = _label_style(size)
    lines = wrap_balanced(text, language, font, zone.width - 2 * style.pad_x_px, style.stroke_px)
    rgba = paint_block(lines, font, language, style)
    rgba.setflags(write=False)
    margin = round(short_side / 100)
    return Overlay(rgba=rgba, x=zone.left + margin, y=zone.top + margin)


@functools.lru_cache(maxsize=32)
def _credits_overlay(preset: Preset, text: str, language: str) -> Overlay:
    zone = safe_zone(preset)
    reference = "国" if uses_cjk_font(language, text) else "H"
    size = font_size_for(language, text, reference, preset.width_px * CREDIT_GLYPH_PCT / 100)
    label = _label_overlay(preset, language)
    top = label.y + label.height + round(preset.height_px / 100)
    while True:
        font = font_for(language, text, size)
        style = _credit_style(size)
        lines = wrap_balanced(text, language, font, zone.width - 2 * style.pad_x_px, style.stroke_px)
        width, height = block_size(lines, font, language, style)
        if size <= 1 or (width <= zone.width and top + height <= zone.bottom):
            break
        size = max(1, int(size * 0.92))
    rgba = paint_block(lines, font, language, style)
    rgba.setflags(write=False)
    return Overlay(rgba=rgba, x=zone.left + (zone.width - width) // 2, y=top)


def _label_style(size_px: int) -> BlockStyle:
    return BlockStyle(
        stroke_px=max(1, round(size_px * 0.04)),
        pad_x_px=round(size_px * 0.45),
        pad_y_px=round(size_px * 0.15),
        radius_px=size_px,
        box_fill=(0, 0, 0, 170),
    )


def _credit_style(size_px: int) -> BlockStyle:
    return BlockStyle(
        stroke_px=max(1, round(size_px * 0.05)),
        pad_x_px=round(size_px * 0.4),
        pad_y_px=round(size_px * 0.15),
        radius_px=round(size_px * 0.3),
        box_fill=(0, 0, 0, 150),
    )
