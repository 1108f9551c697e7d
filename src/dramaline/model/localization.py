"""Localization: an edition of a series in another language (and market), its glossary and its QA findings.

An Edition is the same production in another language: same scenes, same characters, translated
lines and titles. Its Glossary pins how names, places, titles and forms of address are rendered;
its Adaptation says which cultural details are localised. QAFindings are the lines that failed
an automatic check.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field, model_validator

from dramaline.model.audience import Market
from dramaline.model.base import Frozen, LanguageTag, ShortText, Slug, Text


class TermKind(StrEnum):
    """What a glossary term is; names and places are never translated word by word."""

    NAME = "name"
    PLACE = "place"
    TITLE = "title"
    ADDRESS = "address"  # a form of address or honorific: "Young Master", "Mrs."
    CURRENCY = "currency"
    TERM = "term"


class GlossaryEntry(Frozen):
    """One source term and the one way it is written in the edition's language."""

    source: ShortText
    target: ShortText
    kind: TermKind = TermKind.TERM
    note: str = Field(default="", max_length=200)


class Glossary(Frozen):
    """The terms an edition must render exactly as given; matched whole-word, case-insensitively."""

    entries: tuple[GlossaryEntry, ...] = ()

    @model_validator(mode="after")
    def _unique_sources(self) -> Glossary:
        seen: set[str] = set()
        for e in self.entries:
            folded = e.source.casefold()
            if folded in seen:
                raise ValueError(f"glossary term {e.source!r} appears twice; keep one entry per source term")
            seen.add(folded)
        return self


class AdaptationChoice(StrEnum):
    KEEP = "keep"
    LOCALIZE = "localize"


class Adaptation(Frozen):
    """Cultural adaptation: which details follow the target culture rather than the source's."""

    names: AdaptationChoice = Field(default=AdaptationChoice.KEEP, description="characters' names: kept, or localised")
    currency: AdaptationChoice = Field(
        default=AdaptationChoice.LOCALIZE, description="money: the market's currency, or the source's"
    )
    honorifics: AdaptationChoice = Field(
        default=AdaptationChoice.LOCALIZE,
        description="forms of address: the target language's, or kept as in the source",
    )


class TranslationBackend(StrEnum):
    APERTIUM = "apertium"
    LLM = "llm"


class Edition(Frozen):
    """A localised edition of a series: its language, market and how it was made."""

    schema_version: Literal[1] = 1
    language: LanguageTag
    market: Market | None = Field(default=None, description="ISO 3166-1 country the edition is released in")
    source_language: LanguageTag
    backend: TranslationBackend = TranslationBackend.APERTIUM
    subtitles_only: bool = Field(default=False, description="original audio and video, translated captions only")
    adaptation: Adaptation = Adaptation()

    @property
    def id(self) -> str:
        """The edition's folder name: the language tag, with the market when the tag does not name it ("es-MX")."""
        if self.market and not self.language.upper().endswith(f"-{self.market}"):
            return f"{self.language}-{self.market}"
        return self.language


class QACheck(StrEnum):
    """The automatic checks of a localised episode."""

    LEFTOVER = "leftover"  # source-language text left untranslated
    GLOSSARY = "glossary"  # a glossary term not rendered as the glossary says
    READING_SPEED = "reading_speed"  # a caption faster to read than the platform limit
    LOUDNESS = "loudness"  # integrated loudness or true peak off the delivery target
    SYNC = "sync"  # captions, speech and picture out of step


class QAFinding(Frozen):
    """One failed check: where (episode, scene, line), what the line says, and what is wrong."""

    check: QACheck
    episode: int = Field(ge=1)
    scene_id: Slug | None = None
    line: int | None = Field(default=None, ge=0, description="the line's index in its scene")
    text: str = Field(default="", max_length=2000)
    detail: Text


class QAReport(Frozen):
    """The checks of an edition's episodes: how much was checked, and every finding."""

    edition: ShortText
    episodes: tuple[int, ...]
    lines_checked: int = Field(ge=0)
    cues_checked: int = Field(ge=0)
    findings: tuple[QAFinding, ...] = ()

    def count(self, check: QACheck) -> int:
        return sum(1 for f in self.findings if f.check is check)

    @property
    def passed(self) -> bool:
        return not self.findings
