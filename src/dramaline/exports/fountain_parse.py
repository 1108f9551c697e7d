"""Fountain syntax (https://fountain.io): escaping, lexing a file into elements, reading names.

fountain.py maps the elements onto episodes and back. Beyond the spec, a backslash escapes any
character, a line break included, so exported text survives verbatim (an app shows it as typed).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import groupby

from dramaline.errors import ImportFormatError
from dramaline.model import NARRATOR, Bible, Emotion, Location

TITLE_KEYS = frozenset(
    {"title", "credit", "author", "authors", "source", "draft date", "date", "contact", "notes"}
    | {"copyright", "revision", "format"}
)
_TITLE_KEY = re.compile(r"^([A-Za-z][A-Za-z ]*):(.*)$", re.DOTALL)
_HEADING = re.compile(r"^(?:int\.?/ext|ext\.?/int|int|ext|est|i/e|e/i)[.\s]", re.IGNORECASE)
_HEADING_PREFIX = re.compile(r"^(?:int\.?/ext|ext\.?/int|int|ext|est|i/e|e/i)\.?\s*", re.IGNORECASE)
_SCENE_NUMBER = re.compile(r"\s*#[^#\s]+#\s*$")
_LAST_PART = re.compile(r"^(.*)\s+[-–—]+\s+(.*)$", re.DOTALL)
_PAGE_BREAK = re.compile(r"^={3,}$")
_PAREN = re.compile(r"(\w+)(?:\s*[;,:]|\s+|$)(.*)", re.DOTALL)
_MARKUP = re.compile(r"[\\*_]")
_SCAN = re.compile(r"\\.|/\*|\[\[|\n", re.DOTALL)
_NOTE_BODY = re.compile(r"(?:\\.|[^\\])*?\]\]", re.DOTALL)
_EMOTIONS = frozenset(Emotion)
_CUE = re.compile(r"^(.*?)((?:\s*\([^()]*\))*)$", re.DOTALL)
_STRUCTURAL = frozenset({"heading", "section", "synopsis", "page_break"})
_MARKED = frozenset({"forced_action", "lyric", "centered"})
_END_PUNCTUATION = re.compile(r"[.!:<>]")
_END_MARKS = frozenset({"the end", "end", "end of episode", "fade out", "fade to black", "cut to black"})

TIME_WORDS: dict[str, str] = {
    **dict.fromkeys(("dawn", "sunrise", "early morning", "daybreak"), "dawn"),
    **dict.fromkeys(("day", "morning", "afternoon", "noon", "midday", "daytime", "late morning"), "day"),
    **dict.fromkeys(("dusk", "sunset", "evening", "twilight"), "dusk"),
    **dict.fromkeys(("night", "midnight", "late night", "nighttime"), "night"),
    **dict.fromkeys(("continuous", "later", "moments later", "same", "same time", "cont'd"), ""),
}
"""Heading time words → TimeOfDay value; "" means the time of the scene before."""


@dataclass(frozen=True)
class Part:
    """One line inside a dialogue block: a parenthetical or (joined) dialogue text."""

    line: int
    is_paren: bool
    text: str


@dataclass(frozen=True)
class Element:
    """A screenplay element: heading, section, synopsis, action, dialogue, transition, page_break, note.

    `text` is plain text (escapes resolved, emphasis removed), except for notes, which keep
    their raw text for read_note(). Dialogue keeps the cue's name in `text`.
    """

    kind: str
    line: int
    text: str = ""
    level: int = 0
    extensions: str = ""
    parts: tuple[Part, ...] = ()


@dataclass(frozen=True)
class Script:
    """A lexed Fountain file: its title page (key → line, value) and its elements in order."""

    title_page: dict[str, tuple[int, str]] = field(default_factory=dict)
    elements: tuple[Element, ...] = ()


def escape(text: str) -> str:
    """Fountain source for `text`: emphasis markers, backslashes, note openers and line breaks escaped."""
    return re.sub(r"[\\*_\n]|\[(?=\[)", lambda m: "\\" + m[0], text)


def escape_note(text: str) -> str:
    """Source for a value inside a `[[key: value; ...]]` note."""
    return re.sub(r"[\\;\]\n]", lambda m: "\\" + m[0], text)


def plain(raw: str) -> str:
    """The text of a Fountain fragment: escapes resolved, paired `*`/`_` emphasis markers removed."""
    if not _MARKUP.search(raw):
        return raw
    tokens = re.findall(r"\\(.)|(.)", raw, re.DOTALL)
    chars = [escaped or c for escaped, c in tokens]
    marks = [not escaped and c in "*_" for escaped, c in tokens]
    dropped = _emphasis(chars, marks)
    return "".join(c for k, c in enumerate(chars) if k not in dropped)


def _emphasis(chars: list[str], marks: list[bool]) -> set[int]:
    # Runs of one marker character pair with a later run of the same length; as in Fountain,
    # an opener is not followed by a space and a closer is not preceded by one. Unpaired stay.
    runs: list[tuple[int, int]] = []
    k = 0
    for (is_mark, _), group in groupby(zip(marks, chars, strict=True)):
        size = len(list(group))
        runs += [(k, size)] if is_mark else []
        k += size
    dropped: set[int] = set()
    used: set[int] = set()
    for a, (start, size) in enumerate(runs):
        if a in used or start + size >= len(chars) or chars[start + size].isspace():
            continue
        for b in range(a + 1, len(runs)):
            end, end_size = runs[b]
            if b in used or end_size != size or chars[end] != chars[start] or chars[end - 1].isspace():
                continue
            if end > start + size:
                used.update((a, b))
                dropped.update(range(start, start + size), range(end, end + size))
                break
    return dropped


def read_note(raw: str) -> list[tuple[str, str]] | None:
    """A note's `key: value; ...` fields (keys lower case), or None when it is free text."""
    parts: list[str] = []
    current: list[str] = []
    # An unescaped break is an app wrapping the note, not part of a value.
    for escaped, wrap, semicolon, c in re.findall(r"\\(.)|(\s*\n\s*)|(;)|(.)", raw, re.DOTALL):
        if semicolon:
            parts.append("".join(current))
            current = []
        else:
            current.append(escaped or (" " if wrap else c))
    fields: list[tuple[str, str]] = []
    for part in [*parts, "".join(current)]:
        key, colon, value = part.partition(":")
        if not colon or not re.fullmatch(r"\s*[A-Za-z][A-Za-z _-]*\s*", key):
            return None
        fields.append((key.strip().lower(), value.strip()))
    return fields


def split_heading(text: str) -> tuple[str, str]:
    """(place, time words) of a plain scene heading; time is "" when the heading names none."""
    place = _HEADING_PREFIX.sub("", _SCENE_NUMBER.sub("", text).strip(), count=1).strip()
    continuous = False
    while (match := _LAST_PART.match(place)) and (when := time_word(match[2])) is not None:
        place = match[1]
        if when:
            return place, match[2]
        continuous = True
    return place, "CONTINUOUS" if continuous else ""


def time_word(words: str) -> str | None:
    """The TimeOfDay value of heading time words, "" for a continuation, None when unknown."""
    key = " ".join(re.sub(r"\([^)]*\)|[.!,]", " ", words).casefold().split())
    return TIME_WORDS.get(key)


def split_cue(cue: str) -> tuple[str, str]:
    """(name, extensions) of a plain character cue without `@` and `^`: ("AVA", "(V.O.)")."""
    match = _CUE.match(cue.strip())
    assert match is not None  # the pattern matches every string
    return match[1].strip().removesuffix(":").rstrip(), " ".join(match[2].split())


def read_cue(line: str) -> tuple[str, str]:
    """(name, extensions) of a character cue source line: `@AVA COLE (V.O.) ^` → ("AVA COLE", "(V.O.)")."""
    return split_cue(plain(line.strip().removeprefix("@").rstrip().removesuffix("^").rstrip()))


def classify(line: str, next_is_text: bool) -> str:
    """The element kind a stripped source line starts; `next_is_text` says a non-blank line follows."""
    if line.startswith("!"):
        return "forced_action"
    if line.startswith("@"):
        return "character" if next_is_text and len(line) > 1 else "action"
    if line.startswith("~"):
        return "lyric"
    if _PAGE_BREAK.match(line):
        return "page_break"
    if line.startswith("#"):
        return "section"
    if line.startswith("="):
        return "synopsis"
    if (line.startswith(".") and line[1:2].isalnum()) or _HEADING.match(line):
        return "heading"
    if (
        not next_is_text
        and len(line) < 24
        and " ".join(_END_PUNCTUATION.sub(" ", plain(line)).casefold().split()) in _END_MARKS
    ):
        return "transition"
    if line.startswith(">"):
        return "centered" if line.endswith("<") and len(line) > 1 else "transition"
    if _is_upper(line) and (line.endswith("TO:") or (line.endswith(":") and not next_is_text)):
        return "transition"
    if next_is_text and _is_upper(read_cue(line)[0]):
        return "character"
    return "action"


def _is_upper(text: str) -> bool:
    return any(c.isupper() for c in text) and not any(c.islower() for c in text)


def lex(text: str, source: str) -> Script:
    """Lex a Fountain file into its title page and elements; ImportFormatError on broken syntax."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    lines, notes = _scan(text, source)
    if not any(raw.strip() for _, raw in lines) and not notes:
        raise ImportFormatError(
            f"{source}:1: the file is empty; start from 'dramaline export <series folder> --format fountain', or "
            "write at least a '# Episode N: Title' section, a scene heading such as 'INT. OFFICE - DAY' and a line"
        )
    title_page, start = _title_page(lines)
    elements = _elements(lines[start:])
    elements += [Element("note", line, raw) for line, raw in notes]
    elements.sort(key=lambda e: (e.line, e.kind == "note"))
    return Script(title_page, tuple(elements))


def _scan(text: str, source: str) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    # Splits into logical lines (an escaped break continues a line), cuts out /* boneyard */
    # and pulls out [[notes]]; a line left empty by a cut disappears, so blocks stay joined.
    lines: list[tuple[int, str]] = []
    notes: list[tuple[int, str]] = []
    buf: list[str] = []
    start = lineno = 1
    pos = 0
    cut = False
    while match := _SCAN.search(text, pos):
        buf.append(text[pos : match.start()])
        token, pos = match[0], match.end()
        if token[0] == "\\":
            buf.append(token)
            lineno += token == "\\\n"
        elif token != "\n":
            is_note = token == "[["
            note = _NOTE_BODY.match(text, pos)
            end = (note.end() - 2 if note else -1) if is_note else text.find("*/", pos)
            if end < 0:
                what, close = ("note '[['", "']]'") if is_note else ("boneyard '/*'", "'*/'")
                raise ImportFormatError(f"{source}:{lineno}: {what} is never closed; add {close} where it ends")
            if is_note:
                notes.append((lineno, text[pos:end]))
            lineno += text.count("\n", pos, end)
            pos, cut = end + 2, True
        else:
            if not (cut and not "".join(buf).strip()):
                lines.append((start, "".join(buf)))
            buf, cut = [], False
            lineno += 1
            start = lineno
    buf.append(text[pos:])
    if not (cut and not "".join(buf).strip()):
        lines.append((start, "".join(buf)))
    return lines, notes


def _title_page(lines: list[tuple[int, str]]) -> tuple[dict[str, tuple[int, str]], int]:
    i = 0
    while i < len(lines) and not lines[i][1].strip():
        i += 1
    first = _TITLE_KEY.match(lines[i][1]) if i < len(lines) else None
    if first is None or first[1].strip().lower() not in TITLE_KEYS:
        return {}, 0
    page: dict[str, tuple[int, list[str]]] = {}
    key = ""
    while i < len(lines) and lines[i][1].strip():
        line, raw = lines[i]
        match = _TITLE_KEY.match(raw)
        if match and not raw[:1].isspace():
            key = match[1].strip().lower()
            page[key] = (line, [match[2].strip()] if match[2].strip() else [])
        elif key:
            page[key][1].append(raw.strip())
        i += 1
    return {k: (line, "\n".join(values)) for k, (line, values) in page.items()}, i


def _elements(lines: list[tuple[int, str]]) -> list[Element]:
    out: list[Element] = []
    i = 0
    while i < len(lines):
        line, raw = lines[i]
        text = raw.strip()
        if not text:
            i += 1
            continue
        kind = classify(text, i + 1 < len(lines) and bool(lines[i + 1][1].strip()))
        if kind == "character":
            element, i = _dialogue(lines, i)
            out.append(element)
            continue
        i += 1
        if kind == "section":
            level = len(text) - len(text.lstrip("#"))
            out.append(Element(kind, line, plain(text[level:]).strip(), level=level))
        elif kind in ("synopsis", "heading"):
            out.append(Element(kind, line, plain(text[1:] if text[0] in "=." else text).strip()))
        elif kind in ("transition", "page_break"):
            out.append(Element(kind, line, plain(text).strip()))
        else:
            body = [_action_line(text, kind)]
            while i < len(lines) and lines[i][1].strip():
                following = lines[i][1].strip()
                more = classify(following, i + 1 < len(lines) and bool(lines[i + 1][1].strip()))
                if more in _STRUCTURAL:
                    break
                body.append(_action_line(following, more) if more in _MARKED else lines[i][1].rstrip())
                i += 1
            out.append(Element("action", line, plain("\n".join(body)).strip()))
    return out


def _action_line(text: str, kind: str) -> str:
    if kind in ("forced_action", "lyric"):
        return text[1:]
    if kind == "centered":
        return text[1:-1].strip()
    return text


def _dialogue(lines: list[tuple[int, str]], i: int) -> tuple[Element, int]:
    line, raw = lines[i]
    name, extensions = read_cue(raw)
    parts: list[Part] = []
    j = i + 1
    while j < len(lines):
        at, text = lines[j][0], lines[j][1].strip()
        if not text:
            # Two spaces on a line keep a dialogue block going across an intended blank line.
            if lines[j][1].startswith("  ") and j + 1 < len(lines) and lines[j + 1][1].strip():
                j += 1
                continue
            break
        if text.startswith("(") and text.endswith(")"):
            parts.append(Part(at, True, plain(text[1:-1]).strip()))
        else:
            parts.append(Part(at, False, plain(text.removeprefix("~")).strip()))
        j += 1
    return Element("dialogue", line, name, extensions=extensions, parts=tuple(parts)), j


def read_paren(text: str) -> tuple[Emotion, str]:
    """(emotion, delivery) of a parenthetical: its first word when that is an Emotion, then the rest."""
    match = _PAREN.match(text)
    if match and match[1].casefold() in _EMOTIONS:
        return Emotion(match[1].casefold()), match[2].strip()
    return Emotion.NEUTRAL, text.strip()


def match_speaker(bible: Bible, name: str, extensions: str = "") -> tuple[str, ...]:
    """Speaker ids a cue could mean: one when it resolves, several when ambiguous, none when unknown."""
    is_narrator = _norm(name) == NARRATOR
    if is_narrator and "VO" in re.sub(r"[^A-Z]", "", extensions.upper()):
        return (NARRATOR,)
    for key in dict.fromkeys((f"{name} {extensions}".strip(), name)):
        found = _match_name(bible, _norm(key))
        if found:
            return found
    return (NARRATOR,) if is_narrator else ()


def _match_name(bible: Bible, key: str) -> tuple[str, ...]:
    full = tuple(c.id for c in bible.characters if _norm(c.name) == key)
    if len(full) == 1:
        return full
    by_id = tuple(c.id for c in bible.characters if _norm(c.id) == key)
    return by_id or full or tuple(c.id for c in bible.characters if _norm(c.first_name) == key)


def _norm(text: str) -> str:
    return " ".join(text.upper().casefold().split())


def match_place(bible: Bible, place: str) -> tuple[Location, ...]:
    """Locations a heading's place could mean: by name, else by id or kind, else by part of a name."""
    key = _norm(place)
    tests: tuple[Callable[[Location], bool], ...] = (
        lambda loc: _norm(loc.name) == key,
        lambda loc: names_place(loc, place),
        lambda loc: bool(key) and (_norm(loc.name) in key or key in _norm(loc.name)),
    )
    for test in tests:
        if found := tuple(loc for loc in bible.locations if test(loc)):
            return found
    return ()


def names_place(location: Location, place: str) -> bool:
    """True when a heading's place names this location by name, id or kind."""
    kind = location.kind.value
    return _norm(place) in {_norm(location.name), _norm(location.id), _norm(kind), _norm(kind.replace("_", " "))}
