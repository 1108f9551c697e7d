"""Assembles one episode from scene recipes: hook, middle beats, cliffhanger, fitted to 60–120 s.

The plan (which threads are planted or paid off where, which stage of the arc an episode is
in) comes from writer.py; this module turns recipes into Scenes and Lines.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import TypeVar

import yaml

from dramaline.model import BeatType, Episode, Line, Scene, TimeOfDay, count_words
from dramaline.model.guidance import CliffhangerStyle, cliffhanger_style
from dramaline.shape import word_range
from dramaline.writers.embedded.casting import Casting
from dramaline.writers.embedded.guided import GuidedChooser
from dramaline.writers.embedded.spec import ArchetypeSpec, CliffhangerSpec, SceneSpec, Stage

R = TypeVar("R", bound=SceneSpec)

STAGE_WEIGHTS: dict[Stage, dict[BeatType, int]] = {
    "setup": {
        BeatType.HUMILIATION: 5,
        BeatType.CONFRONTATION: 2,
        BeatType.SCHEME: 2,
        BeatType.ROMANCE: 1,
        BeatType.FLASHBACK: 2,
        BeatType.FACE_SLAP: 3,
        BeatType.REVEAL: 1,
        BeatType.BETRAYAL: 1,
        BeatType.RESCUE: 1,
        BeatType.SACRIFICE: 0,
    },
    "rising": {
        BeatType.HUMILIATION: 2,
        BeatType.CONFRONTATION: 3,
        BeatType.SCHEME: 3,
        BeatType.ROMANCE: 3,
        BeatType.FLASHBACK: 1,
        BeatType.FACE_SLAP: 4,
        BeatType.REVEAL: 2,
        BeatType.BETRAYAL: 2,
        BeatType.RESCUE: 2,
        BeatType.SACRIFICE: 1,
    },
    "crisis": {
        BeatType.HUMILIATION: 1,
        BeatType.CONFRONTATION: 3,
        BeatType.SCHEME: 3,
        BeatType.ROMANCE: 2,
        BeatType.FLASHBACK: 1,
        BeatType.FACE_SLAP: 3,
        BeatType.REVEAL: 3,
        BeatType.BETRAYAL: 3,
        BeatType.RESCUE: 2,
        BeatType.SACRIFICE: 2,
    },
    "finale": {
        BeatType.CONFRONTATION: 3,
        BeatType.REVEAL: 2,
        BeatType.ROMANCE: 2,
        BeatType.RESCUE: 1,
        BeatType.SACRIFICE: 1,
    },
}
_NEIGHBOURS: dict[Stage, set[Stage]] = {
    "setup": {"rising"},
    "rising": {"setup", "crisis"},
    "crisis": {"rising"},
    "finale": {"crisis"},
}
_TARGET_WORDS = 225  # the middle of the 150–300 word (60–120 s) band


@dataclass
class Usage:
    """What the series has used so far, so later episodes prefer fresh recipes, lines and titles."""

    recipes: Counter[int] = field(default_factory=Counter)
    last: defaultdict[int, int] = field(default_factory=lambda: defaultdict(lambda: -1000))
    lines: Counter[str] = field(default_factory=Counter)
    titles: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class EpisodePlan:
    number: int
    stage: Stage
    opening: SceneSpec
    required: tuple[tuple[SceneSpec, BeatType], ...]
    ending: SceneSpec
    ending_beat: BeatType = BeatType.CLIFFHANGER
    climax: SceneSpec | None = None


class EpisodeBuilder:
    """Builds episodes of one series; holds the casting, the material and what has been used.

    With a `chooser`, its choices follow the audience's guidance (or explore); without one they
    are the writer's own, draw for draw.
    """

    def __init__(
        self, spec: ArchetypeSpec, casting: Casting, rng: random.Random, chooser: GuidedChooser | None = None
    ) -> None:
        self.spec = spec
        self.casting = casting
        self.rng = rng
        self.chooser = chooser
        self.usage = Usage()
        self.context = casting.context()
        self.last_scene: Scene | None = None

    def build(self, plan: EpisodePlan) -> Episode:
        """Write the episode `plan` describes, between 150 and 300 spoken words."""
        used: set[str] = set()
        self._settle(keep=True)  # the plan's choices (its cliffhanger, its climax) are in the episode
        opening = self._scene(plan, plan.opening, BeatType.HOOK, used, previous=self.last_scene)
        middle = [(self._scene(plan, r, b, used, previous=None), r) for r, b in plan.required]
        closing = [(plan.climax, BeatType.FACE_SLAP)] if plan.climax is not None else []
        closing.append((plan.ending, plan.ending_beat))
        tail = [(self._scene(plan, r, b, used, previous=None), r) for r, b in closing]

        def words() -> int:
            return sum(s.word_count for s, _ in [(opening, plan.opening), *middle, *tail])

        beats = {s.beat for s, _ in [(opening, plan.opening), *middle, *tail]}
        need_reversal = not any(b.is_reversal for b in beats)
        _, high = word_range()
        for _ in range(12):
            if not need_reversal and words() >= _TARGET_WORDS - 40:
                break
            beat = self._pick_beat(plan.stage, beats, reversal_only=need_reversal, episode=plan.number)
            beats.add(beat)
            recipe = self._pick_recipe(beat, plan.stage, plan.number)
            if recipe is None:
                self._settle(keep=False)
                continue
            candidate = self._tightened(self._scene(plan, recipe, beat, used, previous=None))
            if words() + candidate.word_count > high and not need_reversal:
                self._settle(keep=False)
                break
            middle.append((candidate, recipe))
            self._settle(keep=True)
            need_reversal = False
        pairs = [(opening, plan.opening), *middle, *tail]
        fitted = _fit([s for s, _ in pairs], high)
        scenes = [s.model_copy(update={"id": f"ep{plan.number:03d}-s{i + 1:02d}"}) for i, s in enumerate(fitted)]
        self.last_scene = scenes[-1]
        ending = plan.ending
        question = ending.question if isinstance(ending, CliffhangerSpec) else ending.purpose
        return Episode(
            number=plan.number,
            title=self._title([(s, r) for s, (_, r) in zip(scenes, pairs, strict=True)]),
            summary=" ".join(s.purpose for s in scenes),
            cliffhanger=_sentence(self._fill(question, self._place(scenes[-1]))),
            scenes=tuple(scenes),
        )

    def _settle(self, *, keep: bool) -> None:
        """Keep (or forget) the guided choices made since the last call, as their scene is used (or not)."""
        if self.chooser is not None:
            if keep:
                self.chooser.commit()
            else:
                self.chooser.discard()

    def _tightened(self, scene: Scene) -> Scene:
        """A middle scene cut toward the guidance's scene length: inner lines dropped, longest first, 3 kept."""
        target = self.chooser.scene_words() if self.chooser is not None else None
        while target is not None and scene.word_count > target and len(scene.lines) > 3:
            inner = range(1, len(scene.lines) - 1)
            drop = max(inner, key=lambda k: scene.lines[k].word_count)
            scene = scene.model_copy(update={"lines": scene.lines[:drop] + scene.lines[drop + 1 :]})
        return scene

    # ------------------------------------------------------------------------------ choosing

    def _pick_beat(self, stage: Stage, taken: set[BeatType], *, reversal_only: bool, episode: int) -> BeatType:
        weights = {b: w for b, w in STAGE_WEIGHTS[stage].items() if w > 0 and b not in taken}
        if reversal_only:
            weights = {b: w for b, w in weights.items() if b.is_reversal} or {BeatType.FACE_SLAP: 1}
        if not weights:
            weights = {BeatType.CONFRONTATION: 1}
        if self.chooser is not None:
            # A beat is as welcome as the best-liked cast its fresh recipes could bring on.
            casts = {b: self._casts(getattr(self.spec.scenes, b.value), stage, episode) for b in weights}
            return self.chooser.beat(episode, {b: float(w) for b, w in weights.items()}, casts)
        beats = list(weights)
        return self.rng.choices(beats, weights=[weights[b] for b in beats])[0]

    def _casts(self, recipes: list[SceneSpec], stage: Stage, episode: int) -> list[tuple[str, ...]]:
        """The casts (character ids) of the recipes `pick` would choose among."""
        return [
            tuple(self.casting.characters[role].id for role in r.cast)
            for r in self._candidates(recipes, stage, episode)
        ]

    def _pick_recipe(self, beat: BeatType, stage: Stage, episode: int) -> SceneSpec | None:
        return self.pick(getattr(self.spec.scenes, beat.value), stage, episode)

    def pick(self, recipes: list[R], stage: Stage, episode: int) -> R | None:
        """The freshest recipe for `stage`: least used, then longest unused; ties by the seeded generator.

        When every recipe of the stage has been used, unused ones of a neighbouring stage come in,
        and a recipe used in this or the previous episode is taken only when nothing else is left.
        """
        candidates = self._candidates(recipes, stage, episode)
        return self._take(candidates, episode) if candidates else None

    def pick_cliffhanger(self, recipes: list[CliffhangerSpec], stage: Stage, episode: int) -> CliffhangerSpec:
        """The episode's cliffhanger: as `pick`, but under guidance its style is chosen first, then the recipe."""
        candidates = self._candidates(recipes, stage, episode)
        if self.chooser is None:
            return self._take(candidates, episode)
        style, mode = self.chooser.style(episode, sorted({self.style_of(r) for r in candidates}))
        if style is None:
            choice = self._take(candidates, episode)
            self.chooser.took_style(episode, self.style_of(choice), mode)
            return choice
        return self._take([r for r in candidates if self.style_of(r) is style], episode)

    def style_of(self, recipe: CliffhangerSpec) -> CliffhangerStyle:
        """The style of the cliffhanger `recipe` writes, read off its question and purpose as the script will say them.

        Read from the filled text, exactly as `episode_cliffhanger_style` reads the written episode.
        """
        return cliffhanger_style(
            f"{_sentence(self._fill(recipe.question, ''))} {_sentence(self._fill(recipe.purpose, ''))}"
        )

    def _candidates(self, recipes: list[R], stage: Stage, episode: int) -> list[R]:
        fitting = [r for r in recipes if not r.stage or stage in r.stage]
        if fitting and min(self.usage.recipes[id(r)] for r in fitting) > 0:
            near = _NEIGHBOURS[stage]
            fitting += [r for r in recipes if r.stage and near & set(r.stage) and not self.usage.recipes[id(r)]]
        fitting = fitting or recipes
        return [r for r in fitting if self.usage.last[id(r)] < episode - 1] or fitting

    def _take(self, candidates: list[R], episode: int) -> R:
        key = {id(r): (self.usage.recipes[id(r)], self.usage.last[id(r)]) for r in candidates}
        best = min(key.values())
        freshest = [r for r in candidates if key[id(r)] == best]
        if self.chooser is None:
            choice = self.rng.choice(freshest)
        else:
            # Under guidance a recipe used once more than the freshest may carry a preferred cast.
            near = [r for r in candidates if key[id(r)][0] <= best[0] + 1]
            casts = [tuple(self.casting.characters[role].id for role in r.cast) for r in near]
            extra = [key[id(r)][0] - best[0] for r in near]
            choice = self.chooser.cast(episode, freshest, near, casts, extra)
        self.usage.recipes[id(choice)] += 1
        self.usage.last[id(choice)] = episode
        return choice

    # ------------------------------------------------------------------------------ building

    def purpose_text(self, recipe: SceneSpec, location_key: str) -> str:
        """The purpose a scene written from `recipe` at that location carries, as it appears in the script."""
        return _sentence(self._fill(recipe.purpose, self.casting.locations[location_key].name))

    def scene(self, plan: EpisodePlan, recipe: SceneSpec, beat: BeatType, used: set[str]) -> Scene:
        """One scene of `plan`'s episode from `recipe`, with no line text in `used` (which it extends)."""
        return self._scene(plan, recipe, beat, used, previous=None)

    def _scene(
        self, plan: EpisodePlan, recipe: SceneSpec, beat: BeatType, used: set[str], previous: Scene | None
    ) -> Scene:
        loc_key = self._location(recipe, previous)
        location = self.casting.locations[loc_key]
        place = location.name
        lines: list[Line] = []
        for line in recipe.lines:
            options = [self._fill(t, place) for t in line.text]
            fresh = [t for t in options if t not in used]
            if not fresh:
                continue
            fewest = min(self.usage.lines[t] for t in fresh)
            tied = [t for t in fresh if self.usage.lines[t] == fewest]
            if self.chooser is None:
                text = self.rng.choice(tied)
            else:
                text = self.chooser.wording(tied, [count_words(t) for t in tied])
            used.add(text)
            self.usage.lines[text] += 1
            speaker = "narrator" if line.speaker == "narrator" else self.casting.characters[line.speaker].id
            lines.append(
                Line(
                    speaker=speaker,
                    text=text,
                    emotion=line.emotion,
                    delivery=self._fill(line.delivery, place),
                    action=self._fill(line.action, place),
                )
            )
        return Scene(
            id=f"ep{plan.number:03d}-draft",
            location=location.id,
            time_of_day=self._time(recipe, loc_key),
            characters=tuple(self.casting.characters[r].id for r in recipe.cast),
            beat=recipe.beat or beat,
            purpose=_sentence(self._fill(recipe.purpose, place)),
            lines=tuple(lines),
        )

    def _location(self, recipe: SceneSpec, previous: Scene | None) -> str:
        # A hook that continues a cliffhanger stays where the cliffhanger left us when it can.
        if previous is not None:
            for key in recipe.location:
                if self.casting.locations[key].id == previous.location:
                    return key
        return self.rng.choice(recipe.location)

    def _time(self, recipe: SceneSpec, loc_key: str) -> TimeOfDay:
        loc_times = self.spec.locations[loc_key].time
        both = [t for t in recipe.time if t in loc_times]
        return self.rng.choice(both or recipe.time or loc_times or [TimeOfDay.DAY, TimeOfDay.NIGHT])

    def _fill(self, template: str, place: str) -> str:
        return template.format(**self.context, place=place) if template else ""

    def _title(self, scenes: list[tuple[Scene, SceneSpec]]) -> str:
        # The centre of the episode names it: its reversal if it has one, else another middle beat.
        middle = scenes[1:-1] or scenes
        for scene, recipe in sorted(middle, key=lambda p: not p[0].beat.is_reversal):
            fresh = [
                t for t in (self._fill(t, self._place(scene)) for t in recipe.titles) if t not in self.usage.titles
            ]
            if fresh:
                title = self.rng.choice(fresh)
                self.usage.titles.add(title)
                return title
        return self._fallback_title([s for s, _ in scenes])

    def _place(self, scene: Scene) -> str:
        return next(loc.name for loc in self.casting.locations.values() if loc.id == scene.location)

    def _fallback_title(self, scenes: list[Scene]) -> str:
        # Patterns per beat, filled with the names in the scene; the scene's beat first, then any.
        patterns = fallback_titles()
        lead = self.casting.names["lead"]
        for scene in sorted(scenes[1:-1] or scenes, key=lambda s: not s.beat.is_reversal) + scenes:
            others = [c for c in scene.characters if c != self.casting.characters["lead"].id]
            other = self._name_of(others[0]) if others else lead.first
            for pattern in patterns.get(scene.beat.value, []):
                title = pattern.format(lead=lead.first, other=other)
                if title not in self.usage.titles:
                    self.usage.titles.add(title)
                    return title
        # A hundred-episode series can exhaust even these: number the part, as serials do.
        base = f"{lead.first}'s {'Revenge' if scenes[1].beat.is_reversal else 'Ordeal'}"
        part = 2
        while f"{base}, Part {part}" in self.usage.titles:
            part += 1
        self.usage.titles.add(f"{base}, Part {part}")
        return f"{base}, Part {part}"

    def _name_of(self, character_id: str) -> str:
        return next(self.casting.names[k].first for k, c in self.casting.characters.items() if c.id == character_id)


@cache
def fallback_titles() -> dict[str, list[str]]:
    """Title patterns per beat type, from titles.yaml beside this module."""
    text = resources.files("dramaline.writers.embedded").joinpath("titles.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    return {str(k): [str(t) for t in v] for k, v in data.items()}


def _fit(scenes: list[Scene], high: int) -> list[Scene]:
    """Trim the longest middle scenes line by line until the episode fits `high` words."""
    scenes = list(scenes)
    while sum(s.word_count for s in scenes) > high:
        middle = [i for i in range(1, len(scenes) - 1) if len(scenes[i].lines) > 3]
        if not middle:
            middle = [i for i in range(len(scenes)) if len(scenes[i].lines) > 3]
        if not middle:
            break
        i = max(middle, key=lambda k: scenes[k].word_count)
        scene = scenes[i]
        # Drop the longest line that is not the scene's first or last (they carry its turn).
        inner = range(1, len(scene.lines) - 1)
        drop = max(inner, key=lambda k: scene.lines[k].word_count)
        scenes[i] = scene.model_copy(update={"lines": scene.lines[:drop] + scene.lines[drop + 1 :]})
    return scenes


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?…\"'”" else text + "."
