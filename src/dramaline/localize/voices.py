"""Target-language voices that keep each character's identity: gender, age, pitch and its ordering, timbre.

A Voice is backend-neutral, and the speech backends speak it in the series' language (espeak-ng
switches its language and keeps the variant chosen from gender, timbre and pitch; a speech
server is told the language). What changes between languages is the pace: languages are spoken
at different syllable rates (Pellegrino, Coupé and Marsico 2011: Spanish and Japanese faster
than English, Mandarin about the same in information per second), so words per minute are scaled
by the target's rate. One factor per language keeps every character's speed relative to the others.
"""

from __future__ import annotations

from dramaline.captions.script import base_language
from dramaline.model import Series, Voice

PACE: dict[str, float] = {"es": 1.10, "it": 1.08, "ja": 1.10, "fr": 1.06, "pt": 1.05, "ca": 1.05, "de": 1.0, "zh": 1.0}
"""Words per minute relative to English, per target language (1.0 when not listed)."""
MIN_WPM, MAX_WPM = 80, 260


def edition_voice(voice: Voice, language: str) -> Voice:
    """`voice` as it speaks `language`: the same person, at the language's pace."""
    pace = PACE.get(base_language(language), 1.0)
    return voice.model_copy(update={"rate_wpm": max(MIN_WPM, min(MAX_WPM, round(voice.rate_wpm * pace)))})


def faster(voice: Voice, factor: float) -> Voice:
    """`voice` speaking `factor` times as fast (within what a Voice allows)."""
    return voice.model_copy(update={"rate_wpm": max(MIN_WPM, min(MAX_WPM, round(voice.rate_wpm * factor)))})


def with_edition_voices(series: Series, language: str) -> Series:
    """`series` with every character's voice, and the narrator's, speaking `language`."""
    characters = tuple(
        c.model_copy(update={"voice": edition_voice(c.voice, language)}) for c in series.bible.characters
    )
    return series.model_copy(
        update={
            "narrator": edition_voice(series.narrator, language),
            "bible": series.bible.model_copy(update={"characters": characters}),
        }
    )


def identity_problems(source: Series, edition: Series) -> list[str]:
    """Where an edition's voices stop being the original cast: gender, age, timbre, or pitch order changed."""
    problems: list[str] = []
    before = {c.id: c.voice for c in source.bible.characters} | {"narrator": source.narrator}
    after = {c.id: c.voice for c in edition.bible.characters} | {"narrator": edition.narrator}
    for cid, v in before.items():
        w = after.get(cid)
        if w is None:
            problems.append(f"{cid} has no voice in the edition")
            continue
        if (v.gender, v.age_years, v.timbre) != (w.gender, w.age_years, w.timbre):
            problems.append(f"{cid}'s voice changed gender, age or timbre")
    order = sorted(before, key=lambda c: (before[c].pitch, c))
    if order != sorted(after, key=lambda c: (after[c].pitch, c)):
        problems.append("the cast's voices are no longer in the same order from lowest to highest pitch")
    return problems
