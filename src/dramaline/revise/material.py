"""New scenes for a revision, written from the story material the embedded writer uses.

A replacement scene (a sharper cliffhanger, a scene of a better-performing beat) comes from the
series' archetype recipes, assembled by the embedded writer's own `EpisodeBuilder`. The builder
needs the series' casting (which character plays which role, which place is which): it is drawn
again from the series' seed, as the embedded writer drew it, and checked against the bible; a
role or place the bible lacks (a series written by a language model, or edited by hand) falls
back to a bible character of the same role or a location of the same kind, and recipes that
need what the bible does not have are not used. Recipes already used in the series, and line
texts it already has, are avoided as the writer avoids them.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Iterator
from dataclasses import dataclass

from dramaline.errors import InvalidInputError
from dramaline.model import BeatType, Episode, Scene, Series
from dramaline.writers.embedded.casting import Casting, NameRef, cast_series, name_ref, series_rng
from dramaline.writers.embedded.episodes import EpisodeBuilder, EpisodePlan
from dramaline.writers.embedded.material import available_archetypes, default_names, load_archetype
from dramaline.writers.embedded.spec import BEAT_SCENES, ArchetypeSpec, CliffhangerSpec, SceneSpec
from dramaline.writers.embedded.writer import episode_stage


@dataclass(frozen=True)
class NewScene:
    """A scene written for a revision, and the question it leaves open when it closes an episode."""

    scene: Scene
    question: str


class SceneMaterial:
    """Writes replacement scenes for one series from its archetype's recipes."""

    def __init__(self, series: Series, *, salt: str = "") -> None:
        if series.archetype not in available_archetypes():
            raise InvalidInputError(
                f"the embedded rules have no story material for archetype {series.archetype.value!r}; "
                "revise with --writer llm"
            )
        self.series = series
        self.spec: ArchetypeSpec = load_archetype(series.archetype)
        self.casting, self.missing_roles, self.missing_places = _casting(self.spec, series)
        # The series' seed makes the choice of recipes and lines repeatable; the salt varies it per revision.
        self.rng = random.Random(f"{series.seed}|{series.archetype.value}|revise|{salt}")
        self.builder = EpisodeBuilder(self.spec, self.casting, self.rng)
        self._mark_used()

    def candidates(self, episode: Episode, beat: BeatType) -> Iterator[NewScene]:
        """Scenes of `beat` for `episode`, freshest recipe first; none repeats a line the episode has.

        A cliffhanger for the series' last episode comes from the finale recipes. Every scene
        yielded uses up its recipe, so the next one differs.
        """
        recipes = self._recipes(episode, beat)
        stage = episode_stage(episode.number, len(self.series.episodes))
        while recipes:
            recipe = self.builder.pick(recipes, stage, episode.number)
            if recipe is None:
                return
            recipes = [r for r in recipes if r is not recipe]
            used = {line.text for line in episode.lines}
            plan = EpisodePlan(number=episode.number, stage=stage, opening=recipe, required=(), ending=recipe)
            scene = self.builder.scene(plan, self._placeable(recipe), beat, used)
            if len(scene.lines) < 2:
                continue  # every variant of its lines is already spoken in this episode
            place = self.series.bible.location(scene.location).name
            question = recipe.question if isinstance(recipe, CliffhangerSpec) else recipe.purpose
            yield NewScene(scene=scene, question=_sentence(self._fill(question, place)))

    def _recipes(self, episode: Episode, beat: BeatType) -> list[SceneSpec]:
        scenes = self.spec.scenes
        if beat is BeatType.CLIFFHANGER:
            last = episode.number == len(self.series.episodes)
            recipes: list[SceneSpec] = list(scenes.finale if last else scenes.cliffhanger)
        elif beat in BEAT_SCENES:
            recipes = list(getattr(scenes, beat.value))
        else:
            raise InvalidInputError(f"the story material has no recipes for new {beat.value!r} scenes")
        usable = [r for r in recipes if self._usable(r)]
        if not usable:
            raise InvalidInputError(
                f"no {beat.value.replace('_', ' ')} recipe of the {self.series.archetype.value} material fits this "
                f"series' bible (it lacks the roles {sorted(self.missing_roles)} or the places "
                f"{sorted(self.missing_places)}); revise with --writer llm"
            )
        return usable

    def _usable(self, recipe: SceneSpec) -> bool:
        if self.missing_roles & (set(recipe.cast) | _roles_named(recipe, set(self.spec.roles))):
            return False
        return any(key not in self.missing_places for key in recipe.location)

    def _placeable(self, recipe: SceneSpec) -> SceneSpec:
        # The builder picks among the recipe's places; offer only those the bible has.
        places = [key for key in recipe.location if key not in self.missing_places]
        return recipe if len(places) == len(recipe.location) else recipe.model_copy(update={"location": places})

    def _fill(self, template: str, place: str) -> str:
        return template.format(**self.casting.context(), place=place)

    def _mark_used(self) -> None:
        """Count the recipes the series already plays, found by their purpose, as the writer counts its own."""
        said = {_normal(s.purpose): e.number for e in self.series.episodes for s in e.scenes}
        places = [loc.name for loc in self.casting.locations.values()]
        for _, recipe in self.spec.all_scenes():
            for place in places:
                episode = said.get(_normal(self._fill(recipe.purpose, place)))
                if episode is not None:
                    self.builder.usage.recipes[id(recipe)] += 1
                    self.builder.usage.last[id(recipe)] = max(self.builder.usage.last[id(recipe)], episode)
                    break
        self.builder.usage.lines.update(line.text for e in self.series.episodes for line in e.lines)


def _casting(spec: ArchetypeSpec, series: Series) -> tuple[Casting, set[str], set[str]]:
    """The series' casting from its bible, and the role and place keys of the material it has no match for."""
    bible = series.bible
    drawn = None
    if series.seed is not None:
        # The embedded writer's first draws from its generator are the casting; the same seed draws it again.
        drawn = cast_series(spec, series.premise, series_rng(series.seed, series.archetype, series.premise))
    known = {c.id for c in bible.characters}
    characters, names, missing_roles = {}, {}, set()
    taken: set[str] = set()
    for key, role in spec.roles.items():
        if drawn is not None and drawn.characters[key].id in known:
            character = bible.character(drawn.characters[key].id)
            name = drawn.names[key]
        else:
            same = [c for c in bible.characters if c.role is role.role and c.id not in taken]
            if not same:
                missing_roles.add(key)
                name = drawn.names[key] if drawn is not None else NameRef(key.title(), key.title(), role.gender[0])
                names[key] = name
                continue
            character = same[0]
            name = name_ref(character, (spec.names or default_names()).surname_first)
        taken.add(character.id)
        characters[key] = character
        names[key] = name
    locations, missing_places = {}, set()
    for key, spot in spec.locations.items():
        wanted = drawn.locations[key].id if drawn is not None else None
        match = next((loc for loc in bible.locations if loc.id == wanted), None)
        match = match or next((loc for loc in bible.locations if loc.kind is spot.kind), None)
        if match is None:
            missing_places.add(key)
        else:
            locations[key] = match
    fillers = drawn.fillers if drawn is not None else {k: v[0] for k, v in sorted(spec.fillers.items())}
    return (
        Casting(characters=characters, names=names, locations=locations, fillers=fillers),
        missing_roles,
        missing_places,
    )


def _roles_named(recipe: SceneSpec, roles: set[str]) -> set[str]:
    """The roles a recipe's texts mention by placeholder ({elder}, {lead.his} …)."""
    texts = [recipe.purpose, *recipe.titles]
    if isinstance(recipe, CliffhangerSpec):
        texts.append(recipe.question)
    for line in recipe.lines:
        texts += [*line.text, line.delivery, line.action]
    named = {
        field.split(".")[0] for text in texts for _, field, _, _ in string.Formatter().parse(text) if field is not None
    }
    return named & roles


def _normal(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?…\"'”" else text + "."
