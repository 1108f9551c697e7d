"""The format of an archetype file: the story material the embedded writer assembles episodes from.

Each `archetypes/<archetype>.yaml` is validated against `ArchetypeSpec` when loaded, so a
mistake in the material names the file and field instead of producing a broken script.
"""

from __future__ import annotations

import re
import string
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from dramaline.model import (
    NARRATOR,
    Archetype,
    BeatType,
    ContentRating,
    Emotion,
    Gender,
    LocationKind,
    Role,
    TimeOfDay,
)

Stage = Literal["setup", "rising", "crisis", "finale"]
NonEmpty = Annotated[str, StringConstraints(min_length=1)]
Variants = Annotated[list[NonEmpty], Field(min_length=1)]


class _Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LineSpec(_Spec):
    """One line of a recipe; `text` holds interchangeable variants, one is chosen per use."""

    speaker: str
    emotion: Emotion = Emotion.NEUTRAL
    text: Variants
    delivery: str = ""
    action: str = ""


class SceneSpec(_Spec):
    """A scene recipe: who is in it, where, and the lines it plays."""

    cast: Annotated[list[str], Field(min_length=1)]
    beat: BeatType | None = None
    location: Variants
    time: list[TimeOfDay] = Field(default_factory=list)
    stage: list[Stage] = Field(default_factory=list)
    purpose: NonEmpty
    titles: list[NonEmpty] = Field(default_factory=list)
    lines: Annotated[list[LineSpec], Field(min_length=2)]


class CliffhangerSpec(SceneSpec):
    """A cliffhanger recipe; `next_hook` opens the following episode, answering or twisting it."""

    question: NonEmpty
    next_hook: SceneSpec


class ThreadSpec(_Spec):
    """A secret planted in one scene and paid off in a later one."""

    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$")]
    owner: str
    description: NonEmpty
    plant: SceneSpec
    payoff: SceneSpec


class LookSpec(_Spec):
    hair: Variants
    build: Variants
    outfit: Variants
    mark: Variants


class VoiceSpec(_Spec):
    pitch: tuple[int, int]
    rate: tuple[int, int]
    timbre: Variants


class RoleSpec(_Spec):
    """A role slot of the archetype's cast; the writer draws one character for it per series."""

    role: Role
    gender: Annotated[list[Gender], Field(min_length=1)]
    age: tuple[int, int]
    occupation: Variants
    personality: Annotated[list[NonEmpty], Field(min_length=3)]
    want: Variants
    secret: Variants
    look: LookSpec
    voice: VoiceSpec


class RelationshipSpec(_Spec):
    source: str
    to: str
    kind: NonEmpty


class LocationSpec(_Spec):
    kind: LocationKind
    names: Variants
    description: Variants
    time: list[TimeOfDay] = Field(default_factory=list)


class NamePool(_Spec):
    surname_first: bool = False
    female: Annotated[list[NonEmpty], Field(min_length=4)]
    male: Annotated[list[NonEmpty], Field(min_length=4)]
    surnames: Annotated[list[NonEmpty], Field(min_length=4)]


BEAT_SCENES: tuple[BeatType, ...] = (
    BeatType.HUMILIATION,
    BeatType.CONFRONTATION,
    BeatType.SCHEME,
    BeatType.ROMANCE,
    BeatType.RESCUE,
    BeatType.SACRIFICE,
    BeatType.FLASHBACK,
    BeatType.BETRAYAL,
    BeatType.FACE_SLAP,
    BeatType.REVEAL,
)
"""Beats with their own recipe lists under `scenes:`; hook and cliffhanger are handled apart."""


class ScenesSpec(_Spec):
    hook: Annotated[list[SceneSpec], Field(min_length=1)]
    humiliation: Annotated[list[SceneSpec], Field(min_length=2)]
    confrontation: Annotated[list[SceneSpec], Field(min_length=2)]
    scheme: Annotated[list[SceneSpec], Field(min_length=2)]
    romance: Annotated[list[SceneSpec], Field(min_length=2)]
    rescue: Annotated[list[SceneSpec], Field(min_length=1)]
    sacrifice: Annotated[list[SceneSpec], Field(min_length=1)]
    flashback: Annotated[list[SceneSpec], Field(min_length=1)]
    betrayal: Annotated[list[SceneSpec], Field(min_length=2)]
    face_slap: Annotated[list[SceneSpec], Field(min_length=3)]
    reveal: Annotated[list[SceneSpec], Field(min_length=2)]
    cliffhanger: Annotated[list[CliffhangerSpec], Field(min_length=4)]
    climax: Annotated[list[SceneSpec], Field(min_length=1)]
    finale: Annotated[list[SceneSpec], Field(min_length=1)]


_FIELD = re.compile(r"^(?P<name>[a-z_]+)(\.(?P<attr>[A-Za-z]+))?$")
NAME_ATTRS = frozenset({"full", "last", "he", "him", "his", "He", "His", "title"})


class ArchetypeSpec(_Spec):
    """The whole material of one archetype."""

    archetype: Archetype
    label: NonEmpty
    keywords: Annotated[list[NonEmpty], Field(min_length=5)]
    tones: Variants
    content_rating: ContentRating = ContentRating.TV_14
    titles: Annotated[list[NonEmpty], Field(min_length=3)]
    loglines: Annotated[list[NonEmpty], Field(min_length=2)]
    names: NamePool | None = None
    fillers: dict[str, Variants] = Field(default_factory=dict)
    roles: dict[str, RoleSpec]
    relationships: list[RelationshipSpec] = Field(default_factory=list)
    locations: dict[str, LocationSpec]
    threads: Annotated[list[ThreadSpec], Field(min_length=3)]
    scenes: ScenesSpec

    @model_validator(mode="after")
    def _references(self) -> ArchetypeSpec:
        roles = set(self.roles)
        if "lead" not in roles:
            raise ValueError("roles must include 'lead'")
        for rel in self.relationships:
            for end in (rel.source, rel.to):
                if end not in roles:
                    raise ValueError(f"relationship names unknown role {end!r}")
        for thread in self.threads:
            if thread.owner not in roles:
                raise ValueError(f"thread {thread.id!r} owner {thread.owner!r} is not a role")
        for where, scene in self.all_scenes():
            self._check_scene(where, scene)
        for where, text in self.all_templates():
            self._check_template(where, text)
        return self

    def all_scenes(self) -> list[tuple[str, SceneSpec]]:
        """Every scene recipe in the file with a readable path to it."""
        found: list[tuple[str, SceneSpec]] = []
        for beat in ScenesSpec.model_fields:
            for i, scene in enumerate(getattr(self.scenes, beat)):
                found.append((f"scenes.{beat}[{i}]", scene))
                if isinstance(scene, CliffhangerSpec):
                    found.append((f"scenes.{beat}[{i}].next_hook", scene.next_hook))
        for thread in self.threads:
            found.append((f"threads.{thread.id}.plant", thread.plant))
            found.append((f"threads.{thread.id}.payoff", thread.payoff))
        return found

    def all_templates(self) -> list[tuple[str, str]]:
        """Every text that may contain {placeholders}, with a readable path to it."""
        found: list[tuple[str, str]] = [(f"titles[{i}]", t) for i, t in enumerate(self.titles)]
        found += [(f"loglines[{i}]", t) for i, t in enumerate(self.loglines)]
        for name, role in self.roles.items():
            for field in ("want", "secret", "occupation"):
                found += [(f"roles.{name}.{field}", t) for t in getattr(role, field)]
        for name, loc in self.locations.items():
            found += [(f"locations.{name}.description", t) for t in loc.description]
        for thread in self.threads:
            found.append((f"threads.{thread.id}.description", thread.description))
        for where, scene in self.all_scenes():
            found.append((f"{where}.purpose", scene.purpose))
            found += [(f"{where}.titles", t) for t in scene.titles]
            if isinstance(scene, CliffhangerSpec):
                found.append((f"{where}.question", scene.question))
            for j, line in enumerate(scene.lines):
                found += [(f"{where}.lines[{j}].text", t) for t in line.text]
                found += [(f"{where}.lines[{j}].{f}", getattr(line, f)) for f in ("delivery", "action")]
        return found

    def _check_scene(self, where: str, scene: SceneSpec) -> None:
        for role in scene.cast:
            if role not in self.roles:
                raise ValueError(f"{where}: cast names unknown role {role!r}")
        for loc in scene.location:
            if loc not in self.locations:
                raise ValueError(f"{where}: unknown location {loc!r}")
        for j, line in enumerate(scene.lines):
            if line.speaker != NARRATOR and line.speaker not in scene.cast:
                raise ValueError(f"{where}.lines[{j}]: speaker {line.speaker!r} is not in the scene's cast")
        texts = [t for line in scene.lines for t in line.text]
        if len(set(texts)) != len(texts):
            raise ValueError(f"{where}: the same line text appears twice in one recipe")

    def _check_template(self, where: str, text: str) -> None:
        allowed = set(self.roles) | set(self.fillers) | {"place"}
        for _, field, _, _ in string.Formatter().parse(text):
            if field is None:
                continue
            m = _FIELD.match(field)
            if not m or m["name"] not in allowed or (m["attr"] and m["attr"] not in NAME_ATTRS):
                raise ValueError(
                    f"{where}: unknown placeholder {{{field}}}; use a role name ({', '.join(sorted(self.roles))}),"
                    f" a filler ({', '.join(sorted(self.fillers)) or 'none'}), or {{place}};"
                    f" a role may take .full .last .he .him .his .He .His .title"
                )
            if m["attr"] and m["name"] not in self.roles:
                raise ValueError(f"{where}: {{{field}}}: only roles take attributes")
