"""The embedded writer: premise -> Series with no model weights, from hand-written archetype material.

It chooses the archetype from the premise's words, casts the series, schedules its secrets
(planted early, paid off later, the first one in the finale) and writes each episode in the
genre's shape. Same request, same seed -> the same series, byte for byte.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

from dramaline.errors import InvalidInputError
from dramaline.model import (
    Archetype,
    BeatType,
    Bible,
    Episode,
    Series,
    Thread,
    WriteRequest,
    WriterKind,
)
from dramaline.model.guidance import AudienceGuidance, NextEpisodes
from dramaline.providers import ProgressFn
from dramaline.writers.embedded.casting import Casting, cast_series, series_rng
from dramaline.writers.embedded.episodes import EpisodeBuilder, EpisodePlan, R
from dramaline.writers.embedded.material import available_archetypes, load_archetype
from dramaline.writers.embedded.spec import ArchetypeSpec, CliffhangerSpec, SceneSpec, Stage, ThreadSpec

T = TypeVar("T")


class EmbeddedWriter:
    """Writes series offline from the archetype material that ships with dramaline."""

    id = "embedded"

    def write(self, request: WriteRequest, *, progress: ProgressFn | None = None) -> Series:
        """Return the series written for `request`; deterministic for a given seed."""
        if request.language != "en":
            raise InvalidInputError(
                f"the embedded writer writes English only, not {request.language!r}; "
                "use --writer llm for other languages, or write in English and localise later"
            )
        archetype = request.archetype or choose_archetype(request.premise)
        spec = load_archetype(archetype)
        rng = series_rng(request.seed, archetype, request.premise)
        casting = cast_series(spec, request.premise, rng)
        context = casting.context()
        n = request.episodes
        schedule = schedule_threads(spec.threads, n)
        builder = EpisodeBuilder(spec, casting, rng)
        episodes: list[Episode] = []
        previous_cliff: CliffhangerSpec | None = None
        for number in range(1, n + 1):
            plan = plan_episode(spec, builder, schedule, number, n, previous_cliff, request.premise)
            episodes.append(builder.build(plan))
            previous_cliff = plan.ending if isinstance(plan.ending, CliffhangerSpec) else None
            if progress:
                progress("episodes", number, n)
        threads = tuple(
            Thread(
                id=t.id,
                owner=casting.characters[t.owner].id,
                description=t.description.format(**context, place=""),
                planted_in=plant,
                paid_off_in=payoff,
            )
            for t, plant, payoff in schedule
        )
        return Series(
            title=rng.choice(spec.titles).format(**context, place=""),
            logline=rng.choice(_closest(spec.loglines, request.premise, str)).format(**context, place=""),
            premise=request.premise,
            archetype=archetype,
            tone=rng.choice(spec.tones),
            language=request.language,
            content_rating=spec.content_rating,
            seed=request.seed,
            writer=WriterKind.EMBEDDED,
            bible=_bible(casting, threads),
            episodes=tuple(episodes),
        )

    def write_next(
        self,
        series: Series,
        *,
        from_episode: int,
        add: int = 0,
        guidance: AudienceGuidance | None = None,
        seed: int = 0,
        progress: ProgressFn | None = None,
    ) -> NextEpisodes:
        """Keep episodes before `from_episode`, rewrite it and every later one, and add `add` more.

        With `guidance`, middle beats, cliffhanger styles, casts and pace follow the audience's
        weights, except for the `guidance.exploration` share of choices, which explore; the
        returned run records each choice. Deterministic for a given series, arguments and seed.
        """
        from dramaline.writers.embedded.next_episodes import write_next  # it imports this module: load late

        return write_next(series, from_episode=from_episode, add=add, guidance=guidance, seed=seed, progress=progress)


def plan_episode(
    spec: ArchetypeSpec,
    builder: EpisodeBuilder,
    schedule: list[tuple[ThreadSpec, int, int]],
    number: int,
    total: int,
    previous_cliff: CliffhangerSpec | None,
    premise: str,
) -> EpisodePlan:
    """What episode `number` of `total` opens and ends on, and which thread scenes it must carry."""
    stage = episode_stage(number, total)
    if previous_cliff is not None:
        opening: SceneSpec = previous_cliff.next_hook
    else:
        # The premise chooses how the series opens: the hook that shares the most of its words.
        hooks = _closest(spec.scenes.hook, premise, lambda r: " ".join([r.purpose, *r.lines[0].text]))
        opening = _one(builder, hooks, stage, number)
    required: list[tuple[SceneSpec, BeatType]] = []
    for thread, plant, payoff in schedule:
        if plant == number:
            required.append((thread.plant, BeatType.FLASHBACK))
        if payoff == number:
            required.append((thread.payoff, BeatType.REVEAL))
    if stage == "finale":
        return EpisodePlan(
            number=number,
            stage=stage,
            opening=opening,
            required=tuple(required),
            climax=_one(builder, spec.scenes.climax, stage, number),
            ending=_one(builder, spec.scenes.finale, stage, number),
        )
    return EpisodePlan(
        number=number,
        stage=stage,
        opening=opening,
        required=tuple(required),
        ending=builder.pick_cliffhanger(spec.scenes.cliffhanger, stage, number),
    )


def choose_archetype(premise: str) -> Archetype:
    """The archetype whose keywords the premise matches best; hidden heir when none match."""
    text = " " + re.sub(r"[^a-z0-9]+", " ", premise.lower()) + " "
    best: tuple[int, Archetype] = (0, Archetype.HIDDEN_HEIR)
    for archetype in available_archetypes():
        spec = load_archetype(archetype)
        score = 0
        for keyword in spec.keywords:
            phrase = " " + re.sub(r"[^a-z0-9]+", " ", keyword.lower()).strip() + " "
            if phrase.strip() and phrase in text:
                score += len(phrase.split())  # multi-word phrases are stronger evidence
        if score > best[0]:
            best = (score, archetype)
    return best[1]


def _closest(options: list[T], premise: str, text_of: Callable[[T], str]) -> list[T]:
    """The options whose text shares the most content words with the premise (all of them on a tie)."""
    said = {w for w in re.findall(r"[a-z]+", premise.lower()) if len(w) > 3}

    def overlap(option: T) -> int:
        return len(said & set(re.findall(r"[a-z]+", text_of(option).lower())))

    best = max(overlap(o) for o in options)
    return [o for o in options if overlap(o) == best]


def episode_stage(number: int, total: int) -> Stage:
    """Where episode `number` of `total` sits in the series arc."""
    if number == total:
        return "finale"
    fraction = (number - 1) / max(total - 1, 1)
    return "setup" if fraction < 0.25 else "rising" if fraction < 0.6 else "crisis"


def schedule_threads(threads: list[ThreadSpec], total: int) -> list[tuple[ThreadSpec, int, int]]:
    """Plant and pay-off episodes per thread: plants early, payoffs later, the first paid off last.

    Every non-final episode carries at most one thread scene, so episodes keep their length.
    """
    count = min(len(threads), total // 2)
    if count == 0:
        return []
    slots_needed = 2 * count - 1
    slots = [1 + (j * (total - 1)) // slots_needed for j in range(slots_needed)]
    schedule = [(threads[0], slots[0], total)]
    schedule += [(threads[k], slots[k], slots[count - 1 + k]) for k in range(1, count)]
    return schedule


def _one(builder: EpisodeBuilder, recipes: list[R], stage: Stage, episode: int) -> R:
    choice = builder.pick(recipes, stage, episode)
    assert choice is not None  # the spec guarantees at least one recipe per list
    return choice


def _bible(casting: Casting, threads: tuple[Thread, ...]) -> Bible:
    return Bible(
        characters=tuple(casting.characters.values()),
        locations=tuple(casting.locations.values()),
        threads=threads,
    )


def supported_archetypes() -> list[Archetype]:
    """Archetypes the embedded writer can write."""
    return available_archetypes()
