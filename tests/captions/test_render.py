"""Caption painting: inside the safe zone at every size, glyph height, CJK glyphs, caching, compositing."""

from __future__ import annotations

import numpy as np
import pytest

from dramaline.captions.fonts import has_raqm
from dramaline.captions.render import Box, CaptionPainter, Overlay, composite, safe_zone
from dramaline.errors import InvalidInputError
from dramaline.model import PRESETS

FINAL, DRAFT = PRESETS["final"], PRESETS["draft"]

CAPTIONS = [
    ("en", "No."),
    ("en", "Why is everyone staring at me like that?"),
    ("en", "Get out of my house.\nTake your things with you."),
    (
        "en",
        "You think I am still the same little girl you pushed around three years ago in this very house, "
        "in front of everyone we ever knew, and that I will simply smile and forgive you all?",
    ),
    ("en", "Pneumonoultramicroscopicsilicovolcanoconiosis"),
    ("es", "¿De verdad creías que nunca volvería?"),
    ("de", "Ärger über Überraschungen"),
    ("zh", "你以为我还是三年前那个任人欺负的小丫头吗？"),
    ("zh-Hant", "你以為我還是三年前那個任人欺負的小丫頭嗎？"),
    ("ja", "「待って」と彼女は言った。"),
    ("ko", "나는 절대 당신을 용서하지 않을 거야"),
    ("ar", "لقد عدت أخيرا إلى هذا البيت، ولن أرحل مرة أخرى"),
    ("he", "חזרתי הביתה, ואני לא הולכת לשום מקום"),
]


def _white_rows_cols(rgba: np.ndarray) -> np.ndarray:
    """Mask of the text fill: near-white, near-opaque pixels."""
    mask: np.ndarray = (rgba[..., :3].min(axis=2) > 200) & (rgba[..., 3] > 200)
    return mask


def test_safe_zone_is_the_reels_rule():
    assert safe_zone(FINAL) == Box(left=65, top=269, right=1015, bottom=1248)
    assert safe_zone(DRAFT) == Box(left=44, top=180, right=676, bottom=832)


@pytest.mark.parametrize("preset", [FINAL, DRAFT], ids=["1080x1920", "720x1280"])
@pytest.mark.parametrize(("language", "text"), CAPTIONS)
def test_captions_lie_inside_the_safe_zone(preset, language, text):
    overlay = CaptionPainter(preset, language).paint(text)
    zone = safe_zone(preset)
    assert overlay.rgba.dtype == np.uint8
    assert overlay.rgba.shape == (overlay.height, overlay.width, 4)
    assert zone.contains(overlay.box)
    ink = overlay.ink_box()
    assert ink is not None
    assert zone.contains(ink)
    assert overlay.box.bottom <= preset.height_px * 65 // 100
    assert abs((overlay.box.left - zone.left) - (zone.right - overlay.box.right)) <= 1
    assert overlay.box.bottom >= zone.bottom - preset.height_px // 20, "captions sit low in the safe zone"
    assert _white_rows_cols(overlay.rgba).any(), "white text is drawn"
    assert overlay.height <= zone.height


@pytest.mark.parametrize("preset", [FINAL, DRAFT], ids=["1080x1920", "720x1280"])
@pytest.mark.parametrize(("language", "text"), [("en", "HHH"), ("zh", "国国国")])
def test_caption_glyphs_are_about_five_percent_of_the_width(preset, language, text):
    overlay = CaptionPainter(preset, language).paint(text)
    rows = np.flatnonzero(_white_rows_cols(overlay.rgba).any(axis=1))
    glyph_height = rows[-1] - rows[0] + 1
    assert 0.045 * preset.width_px <= glyph_height <= 0.055 * preset.width_px


def test_short_captions_keep_one_line_and_long_ones_shrink_to_fit():
    painter = CaptionPainter(FINAL, "en")
    short = painter.paint("No.")
    long = painter.paint(CAPTIONS[3][1])
    assert short.height < long.height
    assert long.width <= safe_zone(FINAL).width


def test_a_cues_own_line_break_is_kept_when_the_lines_fit():
    painter = CaptionPainter(FINAL, "en")
    two = painter.paint("I know.\nGo.")
    one = painter.paint("I know. Go.")
    assert two.height > one.height


def test_painted_captions_are_cached_and_read_only():
    painter = CaptionPainter(FINAL, "en")
    first = painter.paint("Take your things with you.")
    assert painter.paint("Take your things with you.") is first
    assert not first.rgba.flags.writeable


def test_empty_captions_are_rejected():
    with pytest.raises(InvalidInputError):
        CaptionPainter(FINAL, "en").paint(" \n ")
    with pytest.raises(InvalidInputError):
        CaptionPainter(FINAL, "")


@pytest.mark.skipif(not has_raqm(), reason="Pillow without libraqm cannot shape Arabic")
def test_arabic_is_shaped_when_raqm_is_present():
    from PIL import ImageFont

    from dramaline.captions.fonts import font_for

    font = font_for("ar", "سلام", 60)
    basic = ImageFont.truetype(font.path, 60, layout_engine=ImageFont.Layout.BASIC)
    # joined (shaped) letters are narrower than the isolated forms the basic layout draws
    assert font.getlength("سلام", direction="rtl") < basic.getlength("سلام")


def test_without_raqm_hebrew_is_reversed_into_visual_order(monkeypatch):
    from dramaline.captions import fonts

    monkeypatch.setattr(fonts, "has_raqm", lambda: False)
    assert fonts.visual_order("שלום", "he") == "םולש"
    assert fonts.visual_order("hello", "en") == "hello"
    assert fonts.layout_options("he") == fonts.TextLayout()


# ------------------------------------------------------------------------------------ composite


def test_composite_blends_straight_alpha_on_the_overlay_region():
    frame = np.full((3, 3, 3), 100, dtype=np.uint8)
    rgba = np.array(
        [
            [[200, 0, 0, 255], [0, 255, 0, 0]],
            [[255, 255, 255, 128], [0, 0, 0, 51]],
        ],
        dtype=np.uint8,
    )
    composite(frame, Overlay(rgba=rgba, x=1, y=1))
    expected = np.full((3, 3, 3), 100, dtype=np.uint8)
    expected[1, 1] = (200, 0, 0)
    expected[2, 1] = 178  # (255 * 128 + 100 * 127 + 127) // 255
    expected[2, 2] = 80  # (100 * 204 + 127) // 255
    np.testing.assert_array_equal(frame, expected)


def test_composite_clips_an_overlay_that_leaves_the_frame():
    frame = np.zeros((2, 2, 3), dtype=np.uint8)
    rgba = np.full((2, 2, 4), 255, dtype=np.uint8)
    composite(frame, Overlay(rgba=rgba, x=-1, y=1))
    np.testing.assert_array_equal(frame[:, :, 0], [[0, 0], [255, 0]])
    composite(frame, Overlay(rgba=rgba, x=5, y=5))
    np.testing.assert_array_equal(frame[:, :, 0], [[0, 0], [255, 0]])


def test_composite_blends_alpha_of_rgba_frames():
    frame = np.zeros((1, 1, 4), dtype=np.uint8)
    composite(frame, Overlay(rgba=np.array([[[255, 255, 255, 128]]], dtype=np.uint8), x=0, y=0))
    np.testing.assert_array_equal(frame[0, 0], [128, 128, 128, 128])


def test_composite_rejects_frames_that_are_not_uint8_images():
    overlay = Overlay(rgba=np.zeros((1, 1, 4), dtype=np.uint8), x=0, y=0)
    with pytest.raises(InvalidInputError):
        composite(np.zeros((2, 2, 3), dtype=np.float32), overlay)
    with pytest.raises(InvalidInputError):
        composite(np.zeros((2, 2), dtype=np.uint8), overlay)
