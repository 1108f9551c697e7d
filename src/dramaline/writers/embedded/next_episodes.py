"""The embedded writer writing on from an existing series: the next episodes, guided by its audience.

The series' people, places and fillers are read back from its bible and text (so hand edits to
names carry on), what its episodes already used is replayed into a fresh builder (so recipes,
lines and titles stay fresh), the threads move over the new length (`writers.continuation`), and
episodes from `from_episode` on are written with the same planning as `EmbeddedWriter.write`.
"""

from __future__ import annotations

import random
from collections import Counter

from dramaline.errors import InvalidInputError
from dramaline.model import Episode, Series, WriterKind
from dramaline.model.guidance import AudienceGuidance, GuidedRun, NextEpisodes
from dramaline.providers import ProgressFn
from dramaline.writers.continuation import continued_series, moved_threads, new_total
from dramaline.writers.embedded.casting import Casting, cast_series, name_ref, series_rng
from dramaline.writers.embedded.episodes import EpisodeBuilder
from dramaline.writers.embedded.guided import GuidedChooser
from dramaline.writers.embedded.material import default_names, load_archetype
from dramaline.writers.embedded.spec import ArchetypeSpec, CliffhangerSpec, SceneSpec, ThreadSpec
from dramaline.writers.embedded.writer import plan_episode


def write_next(
    series: Series,
    *,
    from_episode: int,
    add: int = 0,
    guidance: AudienceGuidance | None = None,
    seed: int = 0,
    progress: ProgressFn | None = None,
) -> NextEpisodes:
    """Keep episodes 1..from_episode-1 of `series` as they are and write the rest, plus `add` more."""
    if series.language != "en":
        raise InvalidInputError(
            f"the embedded writer writes English only, and this series is in {series.language!r}; "
            "write on with --writer llm"
        )
    total = new_total(series, from_episode, add)
    spec = load_archetype(series.archetype)
    casting = recover_casting(spec, series)
    threads = moved_threads(series, from_episode=from_episode, total=total)
    material = {t.id: t for t in spec.threads}
    schedule: list[tuple[ThreadSpec, int, int]] = []
    for t in threads:
        if max(t.planted_in, t.paid_off_in) < from_episode:
            continue  # planted and paid off in the episodes kept
        if t.id not in material:
            raise InvalidInputError(
                f"thread {t.id!r} has a scene in episode {max(t.planted_in, t.paid_off_in)}, but the "
                f"{series.archetype.value} material has no thread of that id to write it from; pay it off "
                f"before episode {from_episode} in series.yaml, or write on with --writer llm"
            )
        schedule.append((material[t.id], t.planted_in, t.paid_off_in))
    rng = random.Random(f"{seed}|{series.archetype.value}|{series.premise}|next|{from_episode}|{total}")
    chooser = GuidedChooser(guidance, rng) if guidance is not None else None
    builder = EpisodeBuilder(spec, casting, rng, chooser)
    previous_cliff = _replay(builder, spec, series.episodes[: from_episode - 1])
    written: list[Episode] = []
    for number in range(from_episode, total + 1):
        plan = plan_episode(spec, builder, schedule, number, total, previous_cliff, series.premise)
        written.append(builder.build(plan))
        previous_cliff = plan.ending if isinstance(plan.ending, CliffhangerSpec) else None
        if progress:
            progress("episodes", number - from_episode + 1, total - from_episode + 1)
    run = GuidedRun(
        from_episode=from_episode,
        episodes=tuple(range(from_episode, total + 1)),
        writer=WriterKind.EMBEDDED,
        seed=seed,
        guidance=guidance,
        choices=tuple(chooser.choices) if chooser is not None else (),
    )
    return NextEpisodes(series=continued_series(series, threads, written), run=run)


def recover_casting(spec: ArchetypeSpec, series: Series) -> Casting:
    """The casting that wrote `series`, read from its bible (names as edited) and text (filler values)."""
    roles = list(spec.roles.items())
    people = series.bible.characters
    if [r.role for _, r in roles] != [c.role for c in people]:
        raise InvalidInputError(
            f"the bible's characters ({', '.join(f'{c.id} ({c.role.value})' for c in people)}) do not match the "
            f"{series.archetype.value} material's roles ({', '.join(r.role.value for _, r in roles)}); the "
            "embedded writer writes on only from its own cast, in its order: write on with --writer llm"
        )
    places = list(spec.locations.items())
    if [loc.kind for _, loc in places] != [loc.kind for loc in series.bible.locations]:
        raise InvalidInputError(
            f"the bible's locations ({', '.join(loc.id for loc in series.bible.locations)}) do not match the "
            f"{series.archetype.value} material's places; the embedded writer writes on only from its own "
            "places, in their order: write on with --writer llm"
        )
    surname_first = (spec.names or default_names()).surname_first
    names = {key: name_ref(person, surname_first) for (key, _), person in zip(roles, people, strict=True)}
    # The fillers (company, city, amount …) are not stored: the values the text uses are the ones drawn.
    drawn = cast_series(spec, series.premise, series_rng(series.seed, series.archetype, series.premise)).fillers
    text = "\n".join(
        [
            series.title,
            series.logline,
            *(f"{c.occupation} {c.want} {c.secret}" for c in people),
            *(f"{loc.name} {loc.description}" for loc in series.bible.locations),
            *(f"{e.title} {e.summary} {e.cliffhanger}" for e in series.episodes),
            *(line.text for e in series.episodes for line in e.lines),
        ]
    )
    fillers: dict[str, str] = {}
    for key, values in sorted(spec.fillers.items()):
        seen = Counter({v: text.count(v) for v in values if v in text})
        fillers[key] = max(seen, key=lambda v: (seen[v], v == drawn[key])) if seen else drawn[key]
    return Casting(
        characters={key: person for (key, _), person in zip(roles, people, strict=True)},
        names=names,
        locations={key: loc for (key, _), loc in zip(places, series.bible.locations, strict=True)},
        fillers=fillers,
    )


def _replay(builder: EpisodeBuilder, spec: ArchetypeSpec, kept: tuple[Episode, ...]) -> CliffhangerSpec | None:
    """Count what the kept episodes used as used; the cliffhanger recipe the last one ends on, if recognised."""
    by_purpose: dict[str, SceneSpec] = {}
    for _, recipe in spec.all_scenes():
        for key in recipe.location:
            by_purpose.setdefault(builder.purpose_text(recipe, key), recipe)
    usage = builder.usage
    ending: SceneSpec | None = None
    for episode in kept:
        for scene in episode.scenes:
            found = by_purpose.get(scene.purpose)
            if found is not None:
                usage.recipes[id(found)] += 1
                usage.last[id(found)] = episode.number
        usage.lines.update(line.text for line in episode.lines)
        usage.titles.add(episode.title)
        ending = by_purpose.get(episode.scenes[-1].purpose)
    if kept:
        builder.last_scene = kept[-1].scenes[-1]
    return ending if isinstance(ending, CliffhangerSpec) else None
