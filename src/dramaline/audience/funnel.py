"""The series funnel: of the viewers who started episode k, how many go on to start episode k+1.

A naive funnel divides the viewers who have started k+1 by those who started k. While a cohort is
still arriving that reads far too low: a viewer who started episode k an hour before the data
ends has had no time to continue. So each step is also estimated as survival data: the time from
a viewer's first start of k to their first start of k+1 is an observed "event"; a viewer who has
not continued is censored at the data cutoff. The Kaplan–Meier estimate of continuing within
`window` (7 days by default) uses each viewer for exactly as long as they have been observed.

Cuts apply to the episode a step starts from (its version, platform, market, segment); starting
the next episode counts in any version and on any platform.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from numpy.typing import NDArray

from dramaline.audience.metrics import Group, group_codes
from dramaline.audience.sessions import EPOCH, Cut, Dimension, Sessions
from dramaline.audience.survival import Estimate, fit_groups, wilson

__all__ = ["DEFAULT_WINDOW", "Funnel", "FunnelStep", "series_funnel"]

DEFAULT_WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class FunnelStep:
    """From one episode to the next, for one group of the `by` dimension (None when not grouped)."""

    series: str
    episode: int  # the step goes from this episode to episode + 1
    group: Group
    starters: int  # viewers who started the episode
    continued: int  # of them, viewers who started the next one by the data cutoff
    followed_up: int  # of them, viewers observed for at least the whole window
    naive_rate: Estimate  # continued / starters, with a Wilson interval: biased low while viewers arrive
    continuation: Estimate  # Kaplan–Meier share who start the next episode within the window, log-log CI
    reach: float  # share of episode 1's starters expected to start episode + 1: the product of continuations

    @property
    def lost(self) -> float:
        """Share of this episode's starters who do not go on within the window."""
        return 1.0 - self.continuation.value


@dataclass(frozen=True)
class Funnel:
    series: str
    window: timedelta
    cutoff: datetime | None
    steps: tuple[FunnelStep, ...]

    def biggest_losses(self, n: int = 5) -> list[FunnelStep]:
        """Where the audience is lost: the steps with the lowest continuation, worst first (unknowns last)."""
        known = [s for s in self.steps if not math.isnan(s.continuation.value)]
        return sorted(known, key=lambda s: s.continuation.value)[:n]


def series_funnel(
    sessions: Sessions,
    series: str,
    *,
    window: timedelta = DEFAULT_WINDOW,
    episodes: int | None = None,
    cut: Cut | None = None,
    by: Dimension | None = None,
    level: float = 0.95,
) -> Funnel:
    """The funnel of `series` from episode 1 to `episodes` (default: the last episode anyone started)."""
    if window <= timedelta(0):
        raise ValueError("the continuation window must be positive")
    if sessions.cutoff is None:
        return Funnel(series=series, window=window, cutoff=None, steps=())
    if episodes is None:
        row = sessions.conn.execute(
            f"SELECT max(episode) FROM {sessions.table} WHERE started AND series = ?", [series]
        ).fetchone()
        episodes = int(row[0]) if row and row[0] is not None else 0
    where, where_params = (cut or Cut()).where()
    code, code_params, values = group_codes(
        sessions, by, f"series = ? AND {where}", [series, *where_params], versions_apart=False
    )
    cutoff_us = (sessions.cutoff - EPOCH) // timedelta(microseconds=1)
    # One row per viewer who started an episode: when, and when (if ever) they first started the next one.
    # Parameters are positional, in the order they appear in the text.
    data = sessions.conn.execute(
        f"""
        WITH first_start AS (
            SELECT episode, viewer_key, min(start_us) AS t
            FROM {sessions.table} WHERE started AND series = ?
            GROUP BY episode, viewer_key
        ),
        starters AS (
            SELECT episode, {code} AS g, viewer_key, min(start_us) AS t0
            FROM {sessions.table}
            WHERE started AND series = ? AND episode < ? AND {where}
            GROUP BY ALL
        )
        SELECT s.episode * {len(values)} + s.g AS step, n.t IS NOT NULL AS continued,
               greatest(coalesce(n.t, ?) - s.t0, 0) / 86400e6 AS days, ? - s.t0 >= ? AS full_window
        FROM starters s LEFT JOIN first_start n ON n.episode = s.episode + 1 AND n.viewer_key = s.viewer_key
        """,
        [
            series,
            *code_params,
            series,
            episodes,
            *where_params,
            cutoff_us,
            cutoff_us,
            window // timedelta(microseconds=1),
        ],
    ).fetchnumpy()
    step = np.asarray(data["step"], dtype=np.int64)
    continued = np.asarray(data["continued"], dtype=bool)
    groups, curves = fit_groups(step, data["days"], continued)
    size = int(groups.max()) + 1 if len(groups) else 0

    def count(flags: NDArray[np.bool_] | None) -> list[int]:
        weights = None if flags is None else flags.astype(np.float64)
        counts: list[int] = np.rint(np.bincount(step, weights=weights, minlength=size)[groups]).astype(int).tolist()
        return counts

    starters, moved, full = count(None), count(continued), count(np.asarray(data["full_window"], dtype=bool))
    window_days = window / timedelta(days=1)
    stay, stay_low, stay_high = curves.survival_at(np.full(len(groups), window_days), level=level)
    steps: list[FunnelStep] = []
    reach: dict[Group, tuple[int, float]] = {}  # group → (last episode chained, reach after it)
    for i, number in enumerate(groups.tolist()):
        episode, group = divmod(number, len(values))
        label = values[group]
        continuation = Estimate(1.0 - stay[i], 1.0 - stay_high[i], 1.0 - stay_low[i], starters[i])
        # Reach chains the steps of one group; a gap in the episodes (no starters) breaks the chain.
        last, previous = reach.get(label, (0, 1.0))
        reach[label] = (episode, (previous if last == episode - 1 else math.nan) * continuation.value)
        steps.append(
            FunnelStep(
                series=series,
                episode=episode,
                group=label,
                starters=starters[i],
                continued=moved[i],
                followed_up=full[i],
                naive_rate=wilson(moved[i], starters[i], level),
                continuation=continuation,
                reach=reach[label][1],
            )
        )
    return Funnel(series=series, window=window, cutoff=sessions.cutoff, steps=tuple(steps))
