"""What a language tag and a text say about writing direction, line breaking and fonts.

Shared by caption timing (cues), caption painting (render) and the AI labels.
"""

from __future__ import annotations

import re

CJK_LANGUAGES = frozenset({"zh", "ja"})
"""Languages written without spaces, where a line may break between any two characters."""

RTL_LANGUAGES = frozenset({"ar", "he", "fa", "ur", "yi"})
"""Languages written right to left."""

_CJK_CHAR = re.compile(
    r"[\u2e80-\u2fdf\u3000-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]"
)


def base_language(language: str) -> str:
    """The primary subtag of a BCP 47 tag, lower case: "zh-Hant" → "zh"."""
    return language.replace("_", "-").split("-", 1)[0].lower()


def is_cjk_language(language: str) -> bool:
    """Whether lines of this language break between characters (Chinese, Japanese)."""
    return base_language(language) in CJK_LANGUAGES


def is_rtl_language(language: str) -> bool:
    """Whether this language is written right to left (Arabic, Hebrew, ...)."""
    return base_language(language) in RTL_LANGUAGES


def has_cjk(text: str) -> bool:
    """Whether `text` holds any Han, kana, Hangul or full-width character."""
    return _CJK_CHAR.search(text) is not None


def join_separator(left: str, right: str, language: str) -> str:
    """The text to put between two pieces of one caption: a space, or nothing inside CJK text."""
    if not is_cjk_language(language):
        return " "
    if left and right and _is_ascii_word_char(left[-1]) and _is_ascii_word_char(right[0]):
        return " "
    return ""


def _is_ascii_word_char(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def unwrap_lines(text: str, language: str) -> str:
    """The lines of a caption joined back into one: with spaces, or without them inside CJK text."""
    parts = [part.strip() for part in text.splitlines() if part.strip()]
    joined = parts[0] if parts else ""
    for part in parts[1:]:
        joined += join_separator(joined, part, language) + part
    return joined
