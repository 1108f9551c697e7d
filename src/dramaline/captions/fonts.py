"""Bold system fonts for burned-in text: DejaVu Sans Bold, and Noto Sans CJK Bold for Han, kana and Hangul.

Fonts are found under the system font folders (Debian packages fonts-dejavu-core and
fonts-noto-cjk); nothing is bundled or downloaded.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from PIL import ImageFont, features

from dramaline.captions.script import base_language, has_cjk, is_rtl_language
from dramaline.errors import ConfigError

FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))

_LATIN = (("DejaVuSans-Bold.ttf",), "fonts-dejavu-core")
_CJK = (("NotoSansCJK-Bold.ttc", "NotoSansCJK-Regular.ttc"), "fonts-noto-cjk")
_CJK_FACE = {"ja": "Noto Sans CJK JP", "ko": "Noto Sans CJK KR"}
_TRADITIONAL_TAGS = ("hant", "tw", "hk", "mo")


def has_raqm() -> bool:
    """Whether Pillow has libraqm, which shapes Arabic and orders right-to-left text."""
    return bool(features.check("raqm"))


def uses_cjk_font(language: str, text: str = "") -> bool:
    """Whether `text` in `language` is drawn with Noto Sans CJK rather than DejaVu Sans."""
    return base_language(language) in {"zh", "ja", "ko"} or has_cjk(text)


def font_for(language: str, text: str, size_px: int) -> ImageFont.FreeTypeFont:
    """The bold font that draws `text` in `language` at `size_px` pixels per em."""
    if uses_cjk_font(language, text):
        path = _find_font(*_CJK)
        return _load(path, _cjk_face_index(path, language), size_px)
    return _load(_find_font(*_LATIN), 0, size_px)


@dataclass(frozen=True)
class TextLayout:
    """Direction and language arguments for Pillow's text calls; both None without raqm."""

    direction: str | None = None
    language: str | None = None


def layout_options(language: str) -> TextLayout:
    """How Pillow should lay out text of `language`: right to left for RTL scripts, where raqm is present."""
    if not has_raqm():
        return TextLayout()
    return TextLayout(direction="rtl" if is_rtl_language(language) else None, language=language)


def visual_order(line: str, language: str) -> str:
    """The line as Pillow should draw it: as is with raqm; reversed for RTL without it.

    Without raqm, reversing gives Hebrew its right-to-left order, but Arabic letters stay in
    their isolated (unjoined) forms: install a Pillow build with libraqm for Arabic captions.
    """
    if is_rtl_language(language) and not has_raqm():
        return line[::-1]
    return line


@functools.cache
def _find_font(names: tuple[str, ...], package: str) -> Path:
    for name in names:
        for folder in FONT_DIRS:
            if folder.is_dir():
                found = sorted(folder.rglob(name))
                if found:
                    return found[0]
    folders = ", ".join(str(f) for f in FONT_DIRS)
    raise ConfigError(
        f"Font {names[0]} was not found under {folders}; burned-in captions and labels need it. "
        f"Install the Debian package: `apt-get install {package}`."
    )


@functools.cache
def _cjk_face_index(path: Path, language: str) -> int:
    """The index, in the Noto Sans CJK collection, of the face with this language's glyph forms."""
    tag = language.lower().replace("_", "-")
    face = _CJK_FACE.get(base_language(language), "Noto Sans CJK SC")
    if base_language(language) == "zh" and any(part in tag.split("-") for part in _TRADITIONAL_TAGS):
        face = "Noto Sans CJK HK" if "hk" in tag.split("-") else "Noto Sans CJK TC"
    for index in range(10):
        try:
            family, _style = ImageFont.truetype(str(path), 12, index=index).getname()
        except OSError:
            break
        if family == face:
            return index
    return 0


@functools.lru_cache(maxsize=64)
def _load(path: Path, index: int, size_px: int) -> ImageFont.FreeTypeFont:
    engine = ImageFont.Layout.RAQM if has_raqm() else ImageFont.Layout.BASIC
    return ImageFont.truetype(str(path), max(1, size_px), index=index, layout_engine=engine)
