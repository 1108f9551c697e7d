"""Audience simulator: a documented synthetic audience for demos, tests and developing the loop.

Simulated viewers arrive over a window of days, are shown episode 1, and watch episode after
episode; within an episode they leave at a rate that depends on what is on screen (see
`simulate_taste`: beats, planted hotspots, pacing, the hook, staleness, segments' tastes, a
random frailty). They go on after cliffhangers, come back days later, pay at a paywall, seek,
like, share, comment and follow, and their apps sometimes die without a last event. Everything
comes out as `Event`s flagged `simulated=True`, through the same store as real data
(`simulate_into`). The hidden preferences are the `AudienceModel`'s parameters, and
`true_retention` gives the curve they imply, so tests can check the analytics find what was
planted. Given `variants` of an episode (its versions' timelines) and a chooser, the audience
splits across them as an experiment's assignment says, each viewer meeting the hazard of the
version they are shown. It is a synthetic audience for development, never a forecast of a real
one; wherever its data is shown, say so (`SIMULATED_LABEL`). docs/simulator.md describes the model.
"""

from __future__ import annotations

import gc
import hashlib
import itertools
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Protocol, TypeVar

import numpy as np

from dramaline.audience.simulate_plan import AnyTimeline, Variants, VersionChooser, plan_series
from dramaline.audience.simulate_run import DAY_S, Run
from dramaline.audience.simulate_taste import (
    DEFAULT_BEAT_MULTIPLIERS,
    DEFAULT_SEGMENTS,
    AudienceModel,
    EpisodeHazards,
    Segment,
    episode_hazards,
    true_retention,
)
from dramaline.errors import InvalidInputError
from dramaline.model import Event, Series

__all__ = [
    "DEFAULT_BEAT_MULTIPLIERS",
    "DEFAULT_SEGMENTS",
    "SIMULATED_LABEL",
    "AudienceModel",
    "EpisodeHazards",
    "EventSink",
    "Segment",
    "Variants",
    "VersionChooser",
    "episode_hazards",
    "series_slug",
    "simulate",
    "simulate_into",
    "true_retention",
]

SIMULATED_LABEL = "Simulated audience: synthetic data for development and tests, not a forecast"
"""What to show beside any number or chart made from simulated events."""

DEFAULT_BATCH = 50_000

R_co = TypeVar("R_co", covariant=True)


class EventSink(Protocol[R_co]):
    """Where simulated events go: `dramaline.audience.store.EventStore` or anything with its append."""

    def append_events(self, events: Sequence[Event], /) -> R_co: ...


def series_slug(series: Series) -> str:
    """The series id events carry by default: the title as `dramaline new` names the series folder."""
    return re.sub(r"[^a-z0-9]+", "-", series.title.lower()).strip("-")[:60] or "series"


def simulate(
    series: Series,
    timelines: Mapping[int, AnyTimeline],
    model: AudienceModel,
    viewers: int,
    seed: int,
    start: datetime,
    days: float,
    *,
    series_id: str | None = None,
    viewer_prefix: str = "sim",
    variants: Variants | None = None,
    chooser: VersionChooser | None = None,
) -> Iterator[Event]:
    """Simulated events of `viewers` viewers arriving over `days` days from `start`, cut off at start + days.

    `timelines` must cover episodes 1..K of the series (K ≤ its length; a partial release
    simulates the first K) and match their scripts. The same arguments and `seed` give the same
    events. They come session by session, wave by wave (every first session, then every second
    one …), not in time order. Viewer ids are `{viewer_prefix}-000001` …; use another prefix to
    simulate a second, distinct audience into the same store.

    `variants` (episode → version → timeline, e.g. from `load_timeline_versions`) with `chooser`
    ((viewer id, episode) → version, e.g. `dramaline.decide.assignment.version_chooser`) split the
    audience across an episode's versions: each viewer is shown the version the chooser names, and
    leaves it at that version's hazard. Every event carries the `episode_version` watched.
    """
    if start.tzinfo is None or start.utcoffset() is None:
        raise InvalidInputError("start needs a time zone (for example datetime(2025, 1, 1, tzinfo=UTC))")
    if viewers < 0 or seed < 0 or not days > 0:
        raise InvalidInputError(f"need viewers >= 0, seed >= 0 and days > 0; got {viewers}, {seed}, {days}")
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._@-]*", viewer_prefix):
        raise InvalidInputError(f"viewer_prefix {viewer_prefix!r} must be letters, digits, '.', '_', '@' or '-'")
    plan = plan_series(series, timelines, model, variants, chooser)
    sid = series_id or series_slug(series)
    tag = hashlib.sha256(f"{sid}/{seed}".encode()).hexdigest()[:8]
    run = Run(series, plan, model, sid, tag, viewer_prefix, np.random.default_rng(seed), start, days * DAY_S)
    return run.events(viewers)


def simulate_into(
    store: EventSink[R_co],
    series: Series,
    timelines: Mapping[int, AnyTimeline],
    model: AudienceModel,
    viewers: int,
    seed: int,
    start: datetime,
    days: float,
    *,
    batch: int = DEFAULT_BATCH,
    series_id: str | None = None,
    viewer_prefix: str = "sim",
    variants: Variants | None = None,
    chooser: VersionChooser | None = None,
) -> list[R_co]:
    """Simulate and append the events to `store` in batches, as real data arrives; one result per batch.

    The store's ingestion sets `received_ts` and may refuse events from the future, so keep
    start + days at or before now. Rerunning with the same seed appends nothing new: event ids
    repeat, and a resent event is ignored.
    """
    if batch < 1:
        raise InvalidInputError(f"batch must be at least 1; got {batch}")
    events = simulate(
        series,
        timelines,
        model,
        viewers,
        seed,
        start,
        days,
        series_id=series_id,
        viewer_prefix=viewer_prefix,
        variants=variants,
        chooser=chooser,
    )
    results: list[R_co] = []
    while True:
        chunk = _take(events, batch)
        if not chunk:
            return results
        results.append(store.append_events(chunk))


def _take(events: Iterator[Event], count: int) -> list[Event]:
    """The next `count` events, built with the cyclic garbage collector paused.

    A batch is tens of thousands of live objects, and the collector would rescan them again and
    again while it grows, tripling the run; events hold no reference cycles, so pausing loses
    nothing. The collector runs as usual while the store appends.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return list(itertools.islice(events, count))
    finally:
        if was_enabled:
            gc.enable()
