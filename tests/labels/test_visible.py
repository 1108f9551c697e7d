"""The visible AI label and the registration credit: wording, size of the ink, place in the safe zone."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dramaline.captions.render import safe_zone
from dramaline.labels.visible import LABEL_SECONDS, credits_overlay, label_overlay, label_text
from dramaline.model import PRESETS

FINAL, DRAFT = PRESETS["final"], PRESETS["draft"]
LANGUAGES = ["en", "zh", "zh-Hant", "ja", "ko", "es", "fr", "de", "ru", "ar", "he", "xx"]


def _glyph_heights(rgba: np.ndarray) -> list[int]:
    """Ink height of each run of columns holding white text fill, left to right (≈ one glyph each)."""
    fill = (rgba[..., :3].min(axis=2) > 200) & (rgba[..., 3] > 200)
    columns = fill.any(axis=0)
    heights, start = [], None
    for x, inked in enumerate([*columns, False]):
        if inked and start is None:
            start = x
        elif not inked and start is not None:
            rows = np.flatnonzero(fill[:, start:x].any(axis=1))
            heights.append(int(rows[-1] - rows[0] + 1))
            start = None
    return heights


def test_label_wording():
    assert label_text("en") == "AI-generated"
    assert label_text("zh") == "AI生成"
    assert label_text("zh-Hans") == "AI生成"
    assert label_text("es-MX") == "Generado con IA"
    assert label_text("xx") == "AI-generated"


def test_label_stays_on_screen_at_least_two_seconds():
    assert LABEL_SECONDS >= 2


@pytest.mark.parametrize("preset", [FINAL, DRAFT], ids=["1080x1920", "720x1280"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_label_sits_at_the_top_of_the_safe_zone(preset, language):
    overlay = label_overlay(preset, language)
    zone = safe_zone(preset)
    assert zone.contains(overlay.box)
    ink = overlay.ink_box()
    assert ink is not None
    assert zone.contains(ink)
    assert overlay.y - zone.top <= preset.height_px // 50
    assert overlay.x - zone.left <= preset.width_px // 50


@pytest.mark.parametrize("preset", [FINAL, DRAFT], ids=["1080x1920", "720x1280"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_label_ink_is_at_least_five_percent_of_the_short_side(preset, language):
    floor = math.ceil(0.05 * min(preset.width_px, preset.height_px))
    heights = _glyph_heights(label_overlay(preset, language).rgba)
    assert heights
    if language in {"ar", "he"}:
        assert max(heights) >= floor
    else:
        # the first glyph is a capital ("A" of AI, "G" of Generado, "K" of KI, "С" of Создано)
        assert heights[0] >= floor


def test_label_is_on_a_semi_opaque_dark_pill():
    rgba = label_overlay(FINAL, "en").rgba
    pill = (rgba[..., 3] == 170) & (rgba[..., :3].max(axis=2) == 0)
    assert pill.mean() > 0.3
    assert rgba[0, 0, 3] == 0, "the pill's ends are round"


def test_label_overlays_are_cached():
    assert label_overlay(FINAL, "en") is label_overlay(FINAL, "en")
    assert not label_overlay(FINAL, "en").rgba.flags.writeable


def test_credits_are_absent_without_a_registration_number():
    assert credits_overlay(FINAL, "", "zh") is None
    assert credits_overlay(FINAL, "   ", "zh") is None


@pytest.mark.parametrize("preset", [FINAL, DRAFT], ids=["1080x1920", "720x1280"])
@pytest.mark.parametrize(
    ("number", "language"),
    [
        ("（沪）网微剧审字（2025）第001号", "zh"),
        ("Registration No. 2025-000123", "en"),
        ("国家广播电视总局网络微短剧备案号 " * 4, "zh"),
    ],
)
def test_credits_sit_in_the_safe_zone_below_the_label(preset, number, language):
    overlay = credits_overlay(preset, number, language)
    assert overlay is not None
    zone = safe_zone(preset)
    assert zone.contains(overlay.box)
    ink = overlay.ink_box()
    assert ink is not None and zone.contains(ink)
    label = label_overlay(preset, language)
    assert overlay.y >= label.y + label.height
    assert max(_glyph_heights(overlay.rgba)) > 0.025 * preset.width_px
