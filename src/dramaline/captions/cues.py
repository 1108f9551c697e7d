"""Phrase-level captions for one spoken line: split, wrap and time them in frames; export SRT and WebVTT.

Sits between the timeline (a line's speech frames) and the caption painter. Time stays in integer
frames, end exclusive, until `to_srt`/`to_vtt` turn frames into timestamps.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Sequence

from dramaline.captions.script import is_cjk_language, join_separator, unwrap_lines
from dramaline.errors import InvalidInputError
from dramaline.model import Cue

LATIN_MAX_CHARS = 42
"""Characters per caption line for space-separated scripts (Latin, Cyrillic, Arabic, Hebrew, ...)."""
LATIN_MAX_WORDS = 7
"""Words per caption phrase in space-separated scripts; vertical drama shows 3–7 words at a time."""
CJK_MAX_CHARS = 16
"""Characters per caption line in Chinese and Japanese."""
MAX_LINES = 2
MIN_CUE_MS = 800
"""A caption stays on screen at least this long whenever the line is long enough to allow it."""

_SHORT_WORDS = 3
_SHORT_CJK_CHARS = 5

NO_LINE_START = frozenset(
    "，。！？、」』）…‥：；．,.!?;:)]}］｝〕〉》】〗〙〟’”｠»ー々ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ・"
)
"""Characters that may not begin a CJK line (kinsoku): closing punctuation and small kana."""
NO_LINE_END = frozenset("「『（([{［｛〔〈《【〖〘〝‘“｟«")
"""Characters that may not end a CJK line (kinsoku): opening brackets and quotes."""

_LATIN_BREAK_AFTER = frozenset(".!?…;:,—–،؛؟")
_CJK_BREAK_AFTER = frozenset("，。！？、；：…!?,;:—")
_CLOSERS = "\"')]}»”’」』）"
_CJK_TOKEN = re.compile(r"[A-Za-z0-9]+(?:['’.\-][A-Za-z0-9]+)*|\s+|.", re.DOTALL)

Measure = Callable[[str], float]


def cues_for_line(text: str, start_frame: int, end_frame: int, *, language: str, fps: int) -> tuple[Cue, ...]:
    """Split a spoken line into phrase captions timed within [start_frame, end_frame).

    Phrases break at punctuation first and then by length; each cue holds at most two lines,
    lasts in proportion to its characters, follows the previous one without a gap, and lasts at
    least 0.8 s unless the whole line is shorter (short phrases merge into a neighbour).
    """
    if fps < 1:
        raise InvalidInputError(f"fps must be at least 1, got {fps}.")
    if start_frame < 0 or end_frame <= start_frame:
        raise InvalidInputError(
            f"A line's frames must satisfy 0 <= start_frame < end_frame; got [{start_frame}, {end_frame})."
        )
    normalised = " ".join(text.split())
    if not normalised:
        raise InvalidInputError("Cannot caption an empty line; give the line some text.")

    pieces = _pack(_phrases(normalised, language), language)
    min_frames = -(-MIN_CUE_MS * fps // 1000)
    while len(pieces) > 1:
        bounds = _bounds(start_frame, end_frame, [_weight(p) for p in pieces])
        durations = [b - a for a, b in itertools.pairwise(bounds)]
        shortest = min(range(len(pieces)), key=durations.__getitem__)
        if durations[shortest] >= min_frames:
            break
        neighbour = _merge_partner(pieces, shortest, language)
        left = min(shortest, neighbour)
        pieces[left : left + 2] = [_stack(pieces[left], pieces[left + 1], language)]

    bounds = _bounds(start_frame, end_frame, [_weight(p) for p in pieces])
    return tuple(
        Cue(start_frame=a, end_frame=b, text=_caption_lines(p, language))
        for p, a, b in zip(pieces, bounds, bounds[1:], strict=False)
    )


def wrap(text: str, language: str, max_units: float, *, measure: Measure | None = None) -> list[str]:
    """Break `text` into lines no wider than `max_units`, in logical (reading) order.

    Units are characters unless `measure` gives a width (e.g. pixels from a font). Latin and RTL
    scripts break between words; Chinese and Japanese between any characters, except before
    closing punctuation or after opening punctuation (kinsoku). A word longer than a whole line
    is cut; where kinsoku leaves no legal break, the line runs over rather than breaking badly.
    """
    if max_units <= 0:
        raise InvalidInputError(f"max_units must be positive, got {max_units}.")
    width: Measure = measure if measure is not None else len
    normalised = " ".join(text.split())
    if not normalised:
        return []
    if is_cjk_language(language):
        return _wrap_cjk(normalised, max_units, width)
    return _wrap_words(normalised, max_units, width)


def to_srt(cues: Iterable[Cue], fps: int) -> str:
    """The cues as a SubRip (.srt) document; write it as UTF-8."""
    blocks = []
    for number, cue in enumerate(cues, start=1):
        start, end = _timestamp(cue.start_frame, fps, ","), _timestamp(cue.end_frame, fps, ",")
        blocks.append(f"{number}\n{start} --> {end}\n{_payload(cue.text)}\n")
    return "\n".join(blocks)


def to_vtt(cues: Iterable[Cue], fps: int) -> str:
    """The cues as a WebVTT (.vtt) document; write it as UTF-8."""
    blocks = []
    for cue in cues:
        start, end = _timestamp(cue.start_frame, fps, "."), _timestamp(cue.end_frame, fps, ".")
        escaped = _payload(cue.text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        blocks.append(f"{start} --> {end}\n{escaped}\n")
    return "WEBVTT\n\n" + "\n".join(blocks)


# ------------------------------------------------------------------------------------ phrases


def _phrases(text: str, language: str) -> list[str]:
    """Split at punctuation, then split phrases that are too long for one caption line."""
    parts = _cjk_clauses(text) if is_cjk_language(language) else _word_clauses(text)
    return [chunk for part in parts for chunk in _split_long(part, language)]


def _word_clauses(text: str) -> list[str]:
    clauses: list[str] = []
    current: list[str] = []
    for word in text.split(" "):
        current.append(word)
        if word.rstrip(_CLOSERS)[-1:] in _LATIN_BREAK_AFTER:
            clauses.append(" ".join(current))
            current = []
    if current:
        clauses.append(" ".join(current))
    return clauses


def _cjk_clauses(text: str) -> list[str]:
    clauses: list[str] = []
    current = ""
    i = 0
    while i < len(text):
        ch = text[i]
        i += 1
        if ch.isspace():
            if current:
                clauses.append(current)
            current = ""
            continue
        current += ch
        if ch in _CJK_BREAK_AFTER:
            while i < len(text) and (text[i] in _CJK_BREAK_AFTER or text[i] in NO_LINE_START):
                current += text[i]
                i += 1
            clauses.append(current)
            current = ""
    if current:
        clauses.append(current)
    return clauses


def _fits(text: str, language: str) -> bool:
    if is_cjk_language(language):
        return len(text) <= CJK_MAX_CHARS
    return len(text) <= LATIN_MAX_CHARS and len(text.split()) <= LATIN_MAX_WORDS


def _is_short(text: str, language: str) -> bool:
    if is_cjk_language(language):
        return len(text) < _SHORT_CJK_CHARS
    return len(text.split()) < _SHORT_WORDS


def _line_limit(language: str) -> int:
    return CJK_MAX_CHARS if is_cjk_language(language) else LATIN_MAX_CHARS


def _split_long(phrase: str, language: str) -> list[str]:
    """Cut a phrase into the fewest, most even pieces that each fit one caption line."""
    if _fits(phrase, language):
        return [phrase]
    limit = _line_limit(language)
    least = -(-len(phrase) // limit)
    if not is_cjk_language(language):
        least = max(least, -(-len(phrase.split()) // LATIN_MAX_WORDS))
    for count in range(least, len(phrase) + 1):
        for width in range(-(-len(phrase) // count), limit + 1):
            lines = wrap(phrase, language, width)
            if len(lines) <= count and all(_fits(line, language) for line in lines):
                return lines
    return wrap(phrase, language, limit)


def _pack(phrases: list[str], language: str) -> list[str]:
    """Join a very short phrase ("Mother,") to its neighbour when both fit one caption line."""
    packed: list[str] = []
    for phrase in phrases:
        if packed:
            joined = _join(packed[-1], phrase, language)
            if _fits(joined, language) and (_is_short(packed[-1], language) or _is_short(phrase, language)):
                packed[-1] = joined
                continue
        packed.append(phrase)
    return packed


def _join(left: str, right: str, language: str) -> str:
    return left + join_separator(left, right, language) + right


def _stack(upper: str, lower: str, language: str) -> str:
    """Merge two cues, keeping the break between them as the line break when each fits a line."""
    if "\n" not in upper + lower and _fits(upper, language) and _fits(lower, language):
        return f"{upper}\n{lower}"
    return _join(unwrap_lines(upper, language), unwrap_lines(lower, language), language)


def _caption_lines(piece: str, language: str) -> str:
    """The cue text: a piece's own lines if they fit, else the piece wrapped into even lines."""
    limit = _line_limit(language)
    lines = piece.split("\n")
    if len(lines) <= MAX_LINES and all(len(line) <= limit for line in lines):
        return piece
    return "\n".join(_balanced(unwrap_lines(piece, language), language, limit))


def _merge_partner(pieces: Sequence[str], index: int, language: str) -> int:
    """The neighbour to merge a too-short cue into: one that keeps two lines, else the shorter."""
    candidates = [j for j in (index - 1, index + 1) if 0 <= j < len(pieces)]
    limit = _line_limit(language)

    def cost(j: int) -> tuple[bool, int]:
        left, right = sorted((index, j))
        merged = _join(pieces[left], pieces[right], language)
        return (len(wrap(merged, language, limit)) > MAX_LINES, _weight(pieces[j]))

    return min(candidates, key=cost)


def _balanced(text: str, language: str, limit: int) -> list[str]:
    """Wrap to the fewest lines of at most `limit` units, with line lengths as even as possible."""
    lines = wrap(text, language, limit)
    if len(lines) <= 1:
        return lines
    for width in range(-(-len(text) // len(lines)), limit):
        candidate = wrap(text, language, width)
        if len(candidate) <= len(lines):
            return candidate
    return lines


# ------------------------------------------------------------------------------------ timing


def _weight(text: str) -> int:
    return max(1, sum(1 for ch in text if not ch.isspace()))


def _bounds(start_frame: int, end_frame: int, weights: Sequence[int]) -> list[int]:
    """Cue boundaries splitting [start, end) in proportion to `weights`; first is start, last is end."""
    total_frames, total_weight = end_frame - start_frame, sum(weights)
    bounds = [start_frame]
    running = 0
    for weight in weights:
        running += weight
        bounds.append(start_frame + total_frames * running // total_weight)
    return bounds


def _timestamp(frame: int, fps: int, separator: str) -> str:
    if fps < 1:
        raise InvalidInputError(f"fps must be at least 1, got {fps}.")
    ms = (frame * 2000 + fps) // (2 * fps)
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{separator}{millis:03d}"


def _payload(text: str) -> str:
    """Cue text without blank lines, which would end the cue early in SRT and WebVTT."""
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


# ------------------------------------------------------------------------------------ wrapping


def _cut_overlong(token: str, max_units: float, width: Measure) -> list[str]:
    if width(token) <= max_units:
        return [token]
    pieces: list[str] = []
    current = ""
    for ch in token:
        if current and width(current + ch) > max_units:
            pieces.append(current)
            current = ""
        current += ch
    pieces.append(current)
    return pieces


def _wrap_words(text: str, max_units: float, width: Measure) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        for piece in _cut_overlong(word, max_units, width):
            candidate = f"{current} {piece}" if current else piece
            if not current or width(candidate) <= max_units:
                current = candidate
            else:
                lines.append(current)
                current = piece
    if current:
        lines.append(current)
    return lines


def _wrap_cjk(text: str, max_units: float, width: Measure) -> list[str]:
    lines: list[str] = []
    current: list[str] = []
    for token in _CJK_TOKEN.findall(text):
        if token.isspace():
            if current:
                current.append(" ")
            continue
        for piece in _cut_overlong(token, max_units, width):
            if not current or width("".join(current) + piece) <= max_units:
                current.append(piece)
                continue
            cut = len(current)
            while cut > 0 and not _may_break(current[:cut], [*current[cut:], piece]):
                cut -= 1
            if cut == 0:
                current.append(piece)
            else:
                lines.append("".join(current[:cut]).strip())
                current = [*current[cut:], piece]
                while current and current[0].isspace():
                    current.pop(0)
    if current:
        lines.append("".join(current).strip())
    return [line for line in lines if line]


def _may_break(before: list[str], after: list[str]) -> bool:
    """Whether a CJK line may end after `before` and the next begin with `after` (kinsoku)."""
    last = next((t for t in reversed(before) if not t.isspace()), None)
    first = next((t for t in after if not t.isspace()), None)
    if last is None or first is None:
        return False
    return first[0] not in NO_LINE_START and last[-1] not in NO_LINE_END
