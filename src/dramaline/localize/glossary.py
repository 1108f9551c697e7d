"""The per-edition glossary: finding its terms in a line, protecting them through a translator, checking them.

Terms match whole words, case-insensitively, longest first (so "Young Master Cole" wins over
"Cole"). A translator that cannot be told about terms (Apertium) gets each one replaced by a
placeholder word it leaves alone, and the glossary's rendering is put back afterwards.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from dramaline.errors import InvalidInputError
from dramaline.model import Glossary, GlossaryEntry
from dramaline.series_folder import write_text_atomic

GLOSSARY_FILE = "glossary.yaml"
_HEADER = (
    "# dramaline glossary: how this edition writes names, places, titles, forms of address and currency.\n"
    "# Each entry: source (as in the original), target (exactly as the edition must write it), kind, note.\n"
    "# Edit freely; `dramaline localize` re-translates only the lines whose terms changed.\n"
)
# Letters only: Apertium splits words at digits and punctuation, and keeps unknown words as they are.
_PLACEHOLDER_LETTERS = "bcdfghjklm"
_PLACEHOLDER = re.compile(r"\*?Zqx([bcdfghjklm]+)\b")


def _pattern(term: str) -> re.Pattern[str]:
    # \b fails next to a final "." ("Mrs."), so the edges are "not a word character" instead.
    return re.compile(rf"(?<!\w){re.escape(term)}(?!\w)", re.IGNORECASE)


def ordered(glossary: Glossary) -> list[GlossaryEntry]:
    """Entries longest source first, so the longest matching term wins."""
    return sorted(glossary.entries, key=lambda e: (-len(e.source), e.source.casefold()))


def terms_in(text: str, glossary: Glossary) -> list[GlossaryEntry]:
    """The glossary entries whose source term occurs in `text` (a longer term hides the shorter inside it)."""
    found: list[GlossaryEntry] = []
    taken: list[tuple[int, int]] = []
    for entry in ordered(glossary):
        for m in _pattern(entry.source).finditer(text):
            if not any(a < m.end() and m.start() < b for a, b in taken):
                taken.append(m.span())
                if entry not in found:
                    found.append(entry)
    return found


def missing_terms(source: str, target: str, glossary: Glossary) -> list[GlossaryEntry]:
    """Terms of `source` whose glossary rendering does not appear in `target`."""
    folded = target.casefold()
    return [e for e in terms_in(source, glossary) if e.target.casefold() not in folded]


@dataclass(frozen=True)
class Protected:
    """A line with its glossary terms replaced by placeholders, and what each placeholder stands for."""

    text: str
    targets: dict[str, str]

    def restore(self, translated: str) -> str:
        """The translation with every placeholder replaced by its term's rendering (an unknown-word mark dropped)."""

        def put_back(m: re.Match[str]) -> str:
            return self.targets.get(m.group(1), m.group(0))

        return _PLACEHOLDER.sub(put_back, translated)


def protect(text: str, glossary: Glossary) -> Protected:
    """Replace every glossary term in `text` by a placeholder word a rule-based translator passes through."""
    targets: dict[str, str] = {}
    out = text
    for i, entry in enumerate(ordered(glossary)):
        code = _code(i)
        replaced, n = _pattern(entry.source).subn(f"Zqx{code}", out)
        if n:
            out = replaced
            targets[code] = entry.target
    return Protected(out, targets)


def _code(i: int) -> str:
    digits = str(i)
    return "".join(_PLACEHOLDER_LETTERS[int(d)] for d in digits)


def load_glossary(path: Path) -> Glossary:
    """The glossary in `path` (empty when the file does not exist); errors name the entry and the fix."""
    if not path.is_file():
        return Glossary()
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InvalidInputError(f"{path}: cannot be read as YAML ({exc}); fix the file or delete it") from exc
    entries = (data or {}).get("entries", []) if isinstance(data, dict) else data
    try:
        return Glossary.model_validate({"entries": entries or []})
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise InvalidInputError(
            f"{path}: {where}: {str(err['msg']).removeprefix('Value error, ')}; "
            "each entry needs source and target (kind: name, place, title, address, currency or term)"
        ) from exc


def save_glossary(glossary: Glossary, path: Path) -> None:
    data = {"entries": [e.model_dump(mode="json", exclude_defaults=True) for e in glossary.entries]}
    write_text_atomic(path, _HEADER + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100))


def merged(base: Glossary, edited: Glossary) -> Glossary:
    """`base` with every entry of `edited` taking precedence (a hand edit is never overwritten)."""
    by_term = {e.source.casefold(): e for e in base.entries}
    by_term.update({e.source.casefold(): e for e in edited.entries})
    return Glossary(entries=tuple(by_term.values()))
