"""The simulator's plan: what each episode version offers the audience, worked out once before any viewer arrives.

Episodes 1..K each have one plan (their timeline's hazards, scene ends, chance of going on). An
episode under experiment has one plan per version instead, and a chooser says which version
each viewer is shown (`VersionChooser`, e.g. built from an experiment's assignment), so a
simulated audience splits across the variants with the hazard of the version each viewer sees.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from dramaline.audience.simulate_taste import AudienceModel, EpisodeHazards, episode_hazards
from dramaline.audience.timelines import EpisodeTimeline, matches_script
from dramaline.errors import InvalidInputError
from dramaline.model import BeatType, Series, Timeline

AnyTimeline = Timeline | EpisodeTimeline
VersionChooser = Callable[[str, int], int]
"""(viewer id, episode number) → the episode version that viewer is shown."""
Variants = Mapping[int, Mapping[int, AnyTimeline]]
"""Episode number → version → that version's timeline."""


@dataclass(frozen=True)
class EpisodePlan:
    """What one episode version offers the audience: its hazards, where its scenes end, whether it leads on."""

    number: int
    version: int
    duration_s: float
    hazards: EpisodeHazards
    scene_ends: tuple[float, ...]
    scene_reversal: tuple[bool, ...]
    next_probability: float  # 0 for the last episode simulated


@dataclass(frozen=True)
class SeriesPlan:
    """Every plan: one per episode (`base[n - 1]`), and per episode under experiment one per version."""

    base: tuple[EpisodePlan, ...]
    variants: Mapping[int, Mapping[int, EpisodePlan]]  # episode → version → plan
    chooser: VersionChooser | None


def _unwrap(item: AnyTimeline) -> tuple[Timeline, int]:
    if isinstance(item, EpisodeTimeline):
        return item.timeline, item.version
    return item, item.episode_version


def _plan(series: Series, model: AudienceModel, timeline: Timeline, version: int, last: int) -> EpisodePlan:
    n = timeline.episode
    cliff = timeline.scenes[-1].beat is BeatType.CLIFFHANGER
    return EpisodePlan(
        number=n,
        version=version,
        duration_s=timeline.seconds(timeline.duration_frames),
        hazards=episode_hazards(model, timeline, series=series),
        scene_ends=tuple(timeline.seconds(s.end_frame) for s in timeline.scenes),
        scene_reversal=tuple(s.beat.is_reversal for s in timeline.scenes),
        next_probability=model.next_probability(n, cliff) if n < last else 0.0,
    )


def plan_episodes(series: Series, timelines: Mapping[int, AnyTimeline], model: AudienceModel) -> list[EpisodePlan]:
    """Plan episodes 1..K, the prefix `timelines` covers; a gap, a stray episode or a stale timeline is refused."""
    count = 0
    while count + 1 in timelines and count < len(series.episodes):
        count += 1
    if count == 0:
        raise InvalidInputError("no timeline for episode 1; pass load_timelines(folder, series)")
    extra = sorted(n for n in timelines if n > count)
    if extra:
        raise InvalidInputError(f"timelines for episodes {extra} follow a gap or lie beyond the series; drop them")
    plans: list[EpisodePlan] = []
    for n in range(1, count + 1):
        timeline, version = _unwrap(timelines[n])
        if not matches_script(timeline, series.episode(n)):
            raise InvalidInputError(f"the timeline of episode {n} does not match its script; reload the timelines")
        plans.append(_plan(series, model, timeline, version, count))
    return plans


def plan_series(
    series: Series,
    timelines: Mapping[int, AnyTimeline],
    model: AudienceModel,
    variants: Variants | None = None,
    chooser: VersionChooser | None = None,
) -> SeriesPlan:
    """Plan episodes 1..K and, for each episode in `variants`, every version given there.

    A variant's timeline is that version's script laid out (`load_timeline_versions`); it is
    checked to be the episode and version it is filed under, not against the current script,
    which is one version among them. `chooser` is required with `variants`.
    """
    base = plan_episodes(series, timelines, model)
    if not variants:
        if chooser is not None:
            raise InvalidInputError("a version chooser needs variants to choose from; pass variants=")
        return SeriesPlan(base=tuple(base), variants={}, chooser=None)
    if chooser is None:
        raise InvalidInputError("variants need a chooser: (viewer_id, episode) -> version, e.g. version_chooser(...)")
    planned: dict[int, dict[int, EpisodePlan]] = {}
    for episode, versions in sorted(variants.items()):
        if not 1 <= episode <= len(base):
            raise InvalidInputError(
                f"variants for episode {episode}, but episodes 1..{len(base)} are simulated; drop them"
            )
        if not versions:
            raise InvalidInputError(f"variants for episode {episode} list no version")
        planned[episode] = {}
        for version, item in sorted(versions.items()):
            timeline, own = _unwrap(item)
            if timeline.episode != episode or own != version:
                raise InvalidInputError(
                    f"variants[{episode}][{version}] holds the timeline of episode {timeline.episode} version "
                    f"{own}; file each timeline under its own episode and version"
                )
            planned[episode][version] = _plan(series, model, timeline, version, len(base))
    return SeriesPlan(base=tuple(base), variants=planned, chooser=chooser)
