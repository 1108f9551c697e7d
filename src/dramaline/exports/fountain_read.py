"""Reads parsed Fountain elements into episodes: the second half of `from_fountain`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, NoReturn, TypeVar

from pydantic import BaseModel, ValidationError

from dramaline.errors import ImportFormatError
from dramaline.exports.fountain_parse import (
    Element,
    Part,
    match_place,
    match_speaker,
    names_place,
    read_note,
    read_paren,
    split_heading,
    time_word,
)
from dramaline.model import (
    MAX_EPISODES,
    NARRATOR,
    BeatType,
    Episode,
    Line,
    Location,
    Scene,
    Series,
    TimeOfDay,
)

NOTE_KEYS = ("scene", "beat", "location", "characters", "purpose", "wardrobe", "cliffhanger")
_EPISODE = re.compile(r"episode\s+(\d+)\s*(?:[:.\-–—]\s*(.*))?", re.IGNORECASE | re.DOTALL)
_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_UNKNOWN_CHARACTER = "is not a character of this series; add them to the bible in series.yaml or use one of"
_TIMES = '" - DAY", " - NIGHT", " - DAWN" or " - DUSK"'
_BEATS = frozenset(BeatType)
_M = TypeVar("_M", bound=BaseModel)


def describe_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(p) for p in error["loc"])
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


@dataclass
class _LineDraft:
    line: int
    values: dict[str, Any]
    actions: list[str] = field(default_factory=list)


@dataclass
class _SceneDraft:
    line: int
    heading: str
    meta: dict[str, tuple[int, str]] = field(default_factory=dict)
    synopsis: list[str] = field(default_factory=list)
    lines: list[_LineDraft] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    wardrobe: list[tuple[int, str, str]] = field(default_factory=list)  # (line, character id, outfit)


@dataclass
class _EpisodeDraft:
    line: int
    number: int
    title: str
    summary: list[str] = field(default_factory=list)
    cliffhanger: str = ""
    scenes: list[_SceneDraft] = field(default_factory=list)


class Reader:
    """Folds lexed elements into episode drafts, then builds validated episodes from them."""

    def __init__(self, series: Series, source: str) -> None:
        self.series, self.bible, self.source = series, series.bible, source
        self.episodes: list[_EpisodeDraft] = []
        self.scene: _SceneDraft | None = None
        self.speakers: dict[tuple[str, str], tuple[str, ...]] = {}

    def fail(self, line: int, message: str) -> NoReturn:
        raise ImportFormatError(f"{self.source}:{line}: {message}")

    def feed(self, element: Element) -> None:
        match element.kind:
            case "section" if element.level == 1:
                self._section(element)
            case "synopsis" if self.scene or self.episodes:
                (self.scene.synopsis if self.scene else self.episodes[-1].summary).append(element.text)
            case "heading":
                self.scene = _SceneDraft(element.line, element.text)
                self._episode(element, f'scene heading "{element.text}"').scenes.append(self.scene)
            case "action" if element.text:
                self._scene(element, "action").pending.append(element.text)
            case "dialogue":
                self._dialogue(element)
            case "note":
                self._note(element)

    def _episode(self, element: Element, what: str) -> _EpisodeDraft:
        if not self.episodes:
            self.fail(element.line, f'{what} comes before any episode section; add "# Episode 1: Title" above it')
        return self.episodes[-1]

    def _scene(self, element: Element, what: str) -> _SceneDraft:
        if self.scene is None:
            place = self.bible.locations[0].name.upper()
            section = "" if self.episodes else '"# Episode 1: Title" and '
            self.fail(
                element.line,
                f'{what} is outside a scene; add {section}a scene heading such as "INT. {place} - DAY" above it',
            )
        return self.scene

    def _section(self, element: Element) -> None:
        match = _EPISODE.fullmatch(element.text)
        if match is None:
            if element.text.casefold().startswith("episode"):
                self.fail(element.line, f'"# {element.text}" is no episode section; write "# Episode 2: Title"')
            return
        number = int(match[1])
        if not 1 <= number <= MAX_EPISODES:
            self.fail(element.line, f"episode {number} is out of range; number episodes 1 to {MAX_EPISODES}")
        for other in self.episodes:
            if other.number == number:
                self.fail(
                    element.line,
                    f"episode {number} appears twice (also at line {other.line}); renumber or delete one",
                )
        self.episodes.append(_EpisodeDraft(element.line, number, (match[2] or "").strip()))
        self.scene = None

    def _dialogue(self, element: Element) -> None:
        scene = self._scene(element, f'dialogue of "{element.text}"')
        cue = (element.text, element.extensions)
        if cue not in self.speakers:
            self.speakers[cue] = match_speaker(self.bible, *cue)
        found = self.speakers[cue]
        if len(found) != 1:
            names = [self.bible.character(cid).name for cid in found] or [c.name for c in self.bible.characters]
            if not found:
                self.fail(element.line, f'"{element.text}" {_UNKNOWN_CHARACTER}: {", ".join(names)}')
            cues = [n.upper() for n in names] if len(set(names)) == len(names) else [c.upper() for c in found]
            self.fail(element.line, f'"{element.text}" could be {" or ".join(names)}; write one of: {", ".join(cues)}')
        segments: list[tuple[list[Part], list[Part]]] = []
        for part in element.parts:
            if not segments or (part.is_paren and segments[-1][1]):
                segments.append(([], []))
            segments[-1][0 if part.is_paren else 1].append(part)
        for parens, texts in segments:
            text, paren = " ".join(t.text for t in texts if t.text), "; ".join(p.text for p in parens)
            if not text:
                self.fail((parens or texts)[0].line, f'"({paren})" has no dialogue after it; put the line under it')
            emotion, delivery = read_paren(paren)
            values = {"speaker": found[0], "text": text, "emotion": emotion, "delivery": delivery}
            scene.lines.append(_LineDraft(texts[0].line, values))
        scene.lines[-len(segments)].actions, scene.pending = scene.pending, []

    def _note(self, element: Element) -> None:
        fields = read_note(element.text)
        if not fields or fields[0][0] not in NOTE_KEYS:
            return
        for key, value in fields:
            if key not in NOTE_KEYS or not value:
                problem = "has no value" if key in NOTE_KEYS else "is unknown"
                self.fail(
                    element.line, f'note key "{key}" {problem}; write "key: value" with a key of {", ".join(NOTE_KEYS)}'
                )
            if key == "cliffhanger":
                self._episode(element, "the cliffhanger note").cliffhanger = value
                continue
            if self.scene is None:
                self.fail(element.line, f'the "{key}" note is above every scene; move it below its scene heading')
            self._check(element.line, key, value)
            if key == "wardrobe":
                who, _, outfit = value.partition("=")
                self.scene.wardrobe.append((element.line, who.strip(), outfit.strip()))
                continue
            self.scene.meta[key] = (element.line, value)

    def _check(self, line: int, key: str, value: str) -> None:
        if key == "scene" and not _SLUG.fullmatch(value):
            self.fail(line, f'scene id "{value}" is no id; use lower-case letters, digits, - and _ as in e01s02')
        if key == "beat" and value not in _BEATS:
            self.fail(line, f'beat "{value}" is unknown; use one of: {", ".join(BeatType)}')
        if key == "location" and value not in {loc.id for loc in self.bible.locations}:
            known = ", ".join(loc.id for loc in self.bible.locations)
            self.fail(line, f'location "{value}" is not in the bible; add it to series.yaml or use one of: {known}')
        ids = [c.id for c in self.bible.characters]
        for cid in (c.strip() for c in value.split(",")) if key == "characters" else ():
            if cid not in ids:
                self.fail(line, f'character id "{cid}" {_UNKNOWN_CHARACTER}: {", ".join(ids)}')
        if key == "wardrobe":
            who, equals, outfit = value.partition("=")
            if not equals or not outfit.strip():
                self.fail(line, f'wardrobe note "{value}" needs "character-id = outfit", as in "lin = red gown"')
            if who.strip() not in ids:
                self.fail(line, f'character id "{who.strip()}" {_UNKNOWN_CHARACTER}: {", ".join(ids)}')

    def finish(self) -> list[tuple[int, Episode]]:
        """Every episode draft as a validated Episode, with the line of its section."""
        return [(draft.line, self._build_episode(draft)) for draft in self.episodes]

    def _build_episode(self, draft: _EpisodeDraft) -> Episode:
        n = draft.number
        old = self.series.episodes[n - 1] if n <= len(self.series.episodes) else None
        title = draft.title or (old.title if old else "")
        summary = " ".join(draft.summary) or (old.summary if old else "")
        cliffhanger = draft.cliffhanger or (old.cliffhanger if old else "")
        for value, what, fix in (
            (title, "title", f'write its section as "# Episode {n}: Title"'),
            (summary, "summary", 'add a synopsis line "= what happens" below its section'),
            (cliffhanger, "cliffhanger", 'add a note "[[cliffhanger: the open question]]" at its end'),
            (draft.scenes, "scenes", 'add a scene heading such as "INT. OFFICE - DAY" and dialogue'),
        ):
            if not value:
                self.fail(draft.line, f"episode {n} has no {what}; {fix}")
        ids = self._scene_ids(draft)
        scenes: list[Scene] = []
        for k, scene in enumerate(draft.scenes):
            scenes.append(self._build_scene(draft, k, scene, ids[k], scenes[-1].time_of_day if scenes else None))
        return self._validated(
            draft.line, Episode, number=n, title=title, summary=summary, cliffhanger=cliffhanger, scenes=scenes
        )

    def _scene_ids(self, draft: _EpisodeDraft) -> list[str]:
        seen: dict[str, int] = {}
        for scene in draft.scenes:
            if "scene" in scene.meta:
                line, sid = scene.meta["scene"]
                if sid in seen:
                    self.fail(line, f'scene id "{sid}" is also used at line {seen[sid]}; give the copy a new id')
                seen[sid] = line
        ids: list[str] = []
        for k, scene in enumerate(draft.scenes):
            sid = base = scene.meta["scene"][1] if "scene" in scene.meta else f"e{draft.number:02d}s{k + 1:02d}"
            suffix = 2
            while "scene" not in scene.meta and sid in seen:
                sid, suffix = f"{base}-{suffix}", suffix + 1
            seen[sid] = scene.line
            ids.append(sid)
        return ids

    def _build_scene(
        self, episode: _EpisodeDraft, k: int, draft: _SceneDraft, sid: str, previous: TimeOfDay | None
    ) -> Scene:
        location = self._location(draft)
        when = time_word(split_heading(draft.heading)[1])
        if when is None or (when == "" and previous is None):
            self.fail(draft.line, f'scene heading "{draft.heading}" has no time of day; end it with {_TIMES}')
        meta = {key: value for key, (_, value) in draft.meta.items()}
        default = BeatType.HOOK if k == 0 else BeatType.CLIFFHANGER if k == len(episode.scenes) - 1 else None
        beat = BeatType(meta.get("beat", default or BeatType.CONFRONTATION))
        if not draft.lines:
            self.fail(draft.line, "the scene has no dialogue; add a line (or a NARRATOR (V.O.) line), or delete it")
        if draft.pending:
            draft.lines[-1].actions += draft.pending
        listed = [c.strip() for c in meta["characters"].split(",")] if "characters" in meta else []
        speakers = [d.values["speaker"] for d in draft.lines if d.values["speaker"] != NARRATOR]
        dressed = [who for _, who, _ in draft.wardrobe]
        characters = tuple(dict.fromkeys([*listed, *speakers, *dressed]))
        if not characters:
            self.fail(draft.line, 'only the narrator speaks here; name who is present with a note "[[characters: id]]"')
        lines = [self._validated(d.line, Line, **d.values, action="\n\n".join(d.actions)) for d in draft.lines]
        purpose = meta.get("purpose") or " ".join(draft.synopsis)
        return self._validated(
            draft.line,
            Scene,
            id=sid,
            location=location.id,
            time_of_day=previous if when == "" else TimeOfDay(when),
            characters=characters,
            beat=beat,
            purpose=purpose or f"{beat.value.replace('_', ' ').capitalize()} at {location.name}.",
            lines=lines,
            wardrobe=[{"character": who, "outfit": outfit} for _, who, outfit in draft.wardrobe],
        )

    def _location(self, draft: _SceneDraft) -> Location:
        place = split_heading(draft.heading)[0]
        if "location" in draft.meta and names_place(noted := self.bible.location(draft.meta["location"][1]), place):
            return noted
        found = match_place(self.bible, place)
        if len(found) == 1:
            return found[0]
        names = [loc.name for loc in found or self.bible.locations]
        if found:
            self.fail(draft.line, f'scene heading "{draft.heading}" could be {" or ".join(names)}; write one')
        self.fail(
            draft.line,
            f'scene heading "{draft.heading}" names no location of this series; add it to the bible in '
            f"series.yaml or use one of: {', '.join(names)}",
        )

    def _validated(self, line: int, model: type[_M], **values: Any) -> _M:
        try:
            return model(**values)
        except ValidationError as exc:
            self.fail(line, f"{describe_error(exc)}; fix it in the script")
