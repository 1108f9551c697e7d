"""A series translated line by line through a Translator, each line cached by exactly what it depends on.

A line's key is its source text, the language pair, the translator's fingerprint, the
glossary's digest and the adaptation options: after an edit only the edited lines go to the
translator (with their scenes as context); every other line comes from the cache.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from dramaline.localize.protocol import SceneText, Translation, TranslationJob, Translator, UnitText
from dramaline.model import NARRATOR, Adaptation, Episode, Glossary, Series
from dramaline.produce.cache import Cache, digest, key

VERSION = 1
TITLES = "titles"
"""The pseudo-scene that holds the series' title and logline and the episodes' titles."""

_MONEY = re.compile(r"\$\s?(\d[\d,.]*)(\s+(?:thousand|million|billion))?", re.IGNORECASE)


@dataclass
class TranslationStats:
    """How many units (lines and titles) were translated, how many came from the cache, and in how many requests."""

    translated: int = 0
    reused: int = 0
    requests: int = 0
    unknown: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Unit id → the words the translator left untranslated."""


def unit_id(episode: int, scene_id: str, index: int) -> str:
    return f"ep{episode:03d}/{scene_id}/{index}"


def prepared(text: str) -> str:
    """The text as a translator gets it: "$5 million" written out as "5 million dollars" for the glossary to place."""
    return _MONEY.sub(lambda m: f"{m.group(1)}{m.group(2) or ''} dollars", text)


def bible_summary(series: Series) -> str:
    """The cast in a few lines: who each character is and how they relate to the others."""
    names = {c.id: c.name for c in series.bible.characters}
    lines = []
    for c in series.bible.characters:
        ties = "; ".join(f"{r.kind} {names[r.to]}" for r in c.relationships)
        line = f"- {c.name}: {c.gender.value}, {c.age}, {c.role.value}, {c.occupation}"
        lines.append(line + (f"; {ties}" if ties else ""))
    return f"{series.title}: {series.logline}\n" + "\n".join(lines)


def translate_series(
    series: Series,
    *,
    target_language: str,
    glossary: Glossary,
    adaptation: Adaptation,
    translator: Translator,
    cache: Cache,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[Series, TranslationStats]:
    """`series` in `target_language`: same scenes and cast, translated lines and titles; and what it took.

    Every episode is translated (episodes are numbered 1..N in any series); unchanged lines cost a
    cache lookup each.
    """
    chosen = series.episodes
    scenes = _scenes(series, chosen)
    keys = {
        u.id: key(
            "translation",
            VERSION,
            [digest(u.text), series.language, target_language, digest(glossary), digest(adaptation)],
            {"translator": translator.fingerprint},
        )
        for s in scenes
        for u in s.units
    }
    stats = TranslationStats()
    done: dict[str, Translation] = {}
    for uid, k in keys.items():
        hit = cache.get(k)
        if hit is not None:
            data = json.loads(hit.read_text(encoding="utf-8"))
            done[uid] = Translation(text=data["text"], unknown=tuple(data["unknown"]))
            stats.reused += 1
    todo = [
        SceneText(s.scene_id, tuple(_mark(u, u.id not in done) for u in s.units), s.setting)
        for s in scenes
        if any(u.id not in done for u in s.units)
    ]
    # A rule-based engine pays its start-up per request and uses no context: it gets everything at once.
    # A model gets one scene per request: small requests, and a failure keeps the scenes already done.
    groups = ([tuple(todo)] if todo else []) if getattr(translator, "batches", False) else [(s,) for s in todo]
    summary = bible_summary(series)
    for i, group in enumerate(groups):
        job = TranslationJob(series.language, target_language, group, glossary, summary)
        found = translator.translate(job)
        stats.requests += 1
        for scene in group:
            _store(found, scene, keys, cache, done, stats)
        if progress:
            progress(i + 1, len(groups))
    stats.unknown = {uid: t.unknown for uid, t in done.items() if t.unknown}
    return _translated(series, chosen, done, target_language), stats


def _store(
    found: dict[str, Translation],
    scene: SceneText,
    keys: dict[str, str],
    cache: Cache,
    done: dict[str, Translation],
    stats: TranslationStats,
) -> None:
    for u in scene.wanted:
        t = found[u.id]
        scratch = cache.scratch(".json")
        scratch.write_text(json.dumps({"text": t.text, "unknown": list(t.unknown)}, ensure_ascii=False), "utf-8")
        cache.put(keys[u.id], "translation", scratch)
        done[u.id] = t
        stats.translated += 1


def _mark(unit: UnitText, wanted: bool) -> UnitText:
    return UnitText(unit.id, unit.speaker, unit.text, wanted)


def _scenes(series: Series, episodes: Sequence[Episode]) -> list[SceneText]:
    titles = [UnitText("series/title", "title", series.title), UnitText("series/logline", "logline", series.logline)]
    titles += [UnitText(f"ep{e.number:03d}/title", "episode title", e.title) for e in episodes]
    out = [SceneText(TITLES, tuple(titles), "titles of the series and its episodes")]
    for e in episodes:
        for s in e.scenes:
            units = tuple(
                UnitText(unit_id(e.number, s.id, i), series.speaker_name(line.speaker), prepared(line.text))
                for i, line in enumerate(s.lines)
            )
            who = ", ".join(series.speaker_name(c) for c in s.characters if c != NARRATOR)
            place = series.bible.location(s.location).name
            out.append(SceneText(f"ep{e.number:03d}/{s.id}", units, f"{place}, {s.time_of_day.value}; {who}"))
    return out


def _translated(series: Series, episodes: Sequence[Episode], done: dict[str, Translation], language: str) -> Series:
    def text(uid: str, limit: int = 2000) -> str:
        return done[uid].text[:limit]

    new_episodes = []
    for e in series.episodes:
        scenes = tuple(
            s.model_copy(
                update={
                    "lines": tuple(
                        line.model_copy(update={"text": text(unit_id(e.number, s.id, i))})
                        for i, line in enumerate(s.lines)
                    )
                }
            )
            for s in e.scenes
        )
        new_episodes.append(e.model_copy(update={"title": text(f"ep{e.number:03d}/title", 200), "scenes": scenes}))
    data = series.model_dump()
    data.update(
        title=text("series/title", 200),
        logline=text("series/logline"),
        language=language,
        episodes=[e.model_dump() for e in new_episodes],
    )
    return Series.model_validate(data)
