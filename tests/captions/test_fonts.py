"""Font choice: Noto Sans CJK for Han, kana and Hangul (no tofu), DejaVu otherwise, clear errors when missing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import ImageFont

from dramaline.captions import fonts
from dramaline.captions.render import CaptionPainter
from dramaline.captions.text import BlockStyle, paint_block
from dramaline.errors import ConfigError
from dramaline.model import PRESETS


def _mask(font: ImageFont.FreeTypeFont, text: str) -> np.ndarray:
    return np.array(font.getmask(text), dtype=np.uint8)


@pytest.mark.parametrize(
    ("language", "family"),
    [("zh", "Noto Sans CJK SC"), ("zh-TW", "Noto Sans CJK TC"), ("ja", "Noto Sans CJK JP"), ("ko", "Noto Sans CJK KR")],
)
def test_cjk_languages_get_the_matching_noto_face(language, family):
    assert fonts.font_for(language, "", 40).getname() == (family, "Bold")


def test_latin_gets_dejavu_bold_and_cjk_text_gets_noto_in_any_language():
    assert fonts.font_for("en", "Hello", 40).getname() == ("DejaVu Sans", "Bold")
    assert str(fonts.font_for("en", "Hello 你好", 40).getname()[0]).startswith("Noto Sans CJK")


def test_cjk_glyphs_are_real_glyphs_not_tofu():
    cjk = fonts.font_for("zh", "你好", 60)
    dejavu = fonts.font_for("en", "", 60)
    # DejaVu has no Han glyphs: every character draws the same empty box (tofu).
    assert np.array_equal(_mask(dejavu, "你"), _mask(dejavu, "好"))
    assert not np.array_equal(_mask(cjk, "你"), _mask(cjk, "好"))
    assert _mask(cjk, "你").any()

    style = BlockStyle(stroke_px=4, pad_x_px=10, pad_y_px=5, radius_px=10)
    with_cjk = paint_block(["你好世界"], cjk, "zh", style)
    with_dejavu = paint_block(["你好世界"], dejavu, "zh", style)
    assert with_cjk.shape != with_dejavu.shape or not np.array_equal(with_cjk, with_dejavu)

    painted = CaptionPainter(PRESETS["final"], "zh").paint("你好世界")
    assert painted.rgba.shape[1] != with_dejavu.shape[1] or not np.array_equal(painted.rgba, with_dejavu)


@pytest.mark.parametrize(("language", "package"), [("en", "fonts-dejavu-core"), ("zh", "fonts-noto-cjk")])
def test_missing_fonts_name_the_debian_package(monkeypatch, tmp_path: Path, language, package):
    fonts._find_font.cache_clear()
    monkeypatch.setattr(fonts, "FONT_DIRS", (tmp_path,))
    try:
        with pytest.raises(ConfigError, match=package):
            fonts.font_for(language, "", 40)
    finally:
        fonts._find_font.cache_clear()
