"""The Translator protocol: one required method, `translate`, over scenes of lines.

Lines are the unit of translation (and of the cache), scenes the unit of context: a translator
is handed whole scenes, with the lines it must translate marked, so a model that can use
context keeps dialogue natural, and a rule-based one translates the marked lines in one batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from dramaline.model import Glossary


@dataclass(frozen=True)
class UnitText:
    """One line (or a title) of a scene: who says it and what they say."""

    id: str
    speaker: str
    text: str
    wanted: bool = True
    """Whether it is to be translated; the others are there as context."""


@dataclass(frozen=True)
class SceneText:
    """A scene's lines in order, some marked for translation."""

    scene_id: str
    units: tuple[UnitText, ...]
    setting: str = ""
    """Where and between whom the scene plays, in a sentence; context for translators that use it."""

    @property
    def wanted(self) -> tuple[UnitText, ...]:
        return tuple(u for u in self.units if u.wanted)


@dataclass(frozen=True)
class TranslationJob:
    """What to translate from which language into which, with the glossary and what the series is about."""

    source_language: str
    target_language: str
    scenes: tuple[SceneText, ...]
    glossary: Glossary = field(default_factory=Glossary)
    bible: str = ""
    """Who the characters are and how they relate, in a few lines; context for translators that use it."""


@dataclass(frozen=True)
class Translation:
    """One unit's translation, and the source words the translator could not translate (left as they were)."""

    text: str
    unknown: tuple[str, ...] = ()


class Translator(Protocol):
    """Translates the wanted units of every scene of a job; `fingerprint` names the engine and its options."""

    fingerprint: str

    def translate(self, job: TranslationJob) -> dict[str, Translation]:
        """Unit id → translation, for every wanted unit of every scene in `job`."""
        ...
