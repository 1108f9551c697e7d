"""Per-episode metrics, each with a confidence interval, for every episode version and any cut.

Definitions (in the platforms' terms, with estimators and intervals) are in docs/metrics.md. In
short, over the views (started sessions) of one episode version:

- retention curve: share of starters still watching at each second (Kaplan–Meier, log-log CI; views
  whose end event was lost are left out of it, see `end_lost` in sessions.py);
- hook rate: the curve at 3 s; completion rate: the curve at the episode's end;
- average view duration: the area under the curve up to the episode's length (restricted mean
  survival time), and average percentage viewed: that over the length;
- rewatch rate (of completed views), next-episode rate, and likes, shares, follows and comments
  per 1,000 views: Wilson score intervals;
- paywall unlock conversion: of the viewers who opened the episode, the share who unlocked it
  (only for episodes someone unlocked, i.e. locked ones).

Every metric is computed per (series, episode, episode_version), optionally split further by one
dimension (`by`) and filtered by a `Cut`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dramaline.audience.sessions import Cut, Dimension, EpisodeKey, Sessions, group_column
from dramaline.audience.survival import (
    CurveSet,
    Estimate,
    FloatArray,
    KaplanMeier,
    fit_groups,
    wilson_arrays,
)

__all__ = ["HOOK_S", "EpisodeMetrics", "RetentionCurve", "episode_metrics", "metric_rows"]

HOOK_S = 3.0
"""The hook window: the share of starters still watching at this second is the hook rate."""

Group = str | int | None


@dataclass(frozen=True)
class RetentionCurve:
    """The retention graph: per second from 0 to the episode's end, the share still watching, with its CI."""

    seconds: FloatArray
    share: FloatArray
    low: FloatArray
    high: FloatArray


@dataclass(frozen=True)
class EpisodeMetrics:
    """Every metric of one episode version (and one group of the `by` dimension, if any)."""

    series: str
    episode: int
    episode_version: int
    group: Group  # the value of the `by` dimension; None when not grouped (or a viewer without a segment)
    duration_s: float
    views: int  # started sessions
    curve: KaplanMeier
    hook_rate: Estimate
    average_view_duration_s: Estimate
    average_percentage_viewed: Estimate
    completion_rate: Estimate
    rewatch_rate: Estimate
    next_episode_rate: Estimate
    likes_per_1000: Estimate
    shares_per_1000: Estimate
    follows_per_1000: Estimate
    comments_per_1000: Estimate
    unlock_conversion: Estimate | None  # None: nobody unlocked this episode (it is free)

    @property
    def key(self) -> EpisodeKey:
        return (self.series, self.episode, self.episode_version)

    def retention(self, step_s: float = 1.0, level: float = 0.95) -> RetentionCurve:
        """The curve sampled every `step_s` seconds from 0, ending exactly at the episode's end."""
        seconds = np.arange(0.0, self.duration_s, step_s)
        seconds = np.append(seconds, self.duration_s)
        low, high = self.curve.reached_interval(seconds, level)
        return RetentionCurve(seconds=seconds, share=self.curve.reached(seconds), low=low, high=high)

    def estimates(self) -> dict[str, Estimate]:
        """The metrics that have a value and interval, by name (unlock conversion only where it applies)."""
        found = {
            "hook_rate": self.hook_rate,
            "average_view_duration_s": self.average_view_duration_s,
            "average_percentage_viewed": self.average_percentage_viewed,
            "completion_rate": self.completion_rate,
            "rewatch_rate": self.rewatch_rate,
            "next_episode_rate": self.next_episode_rate,
            "likes_per_1000": self.likes_per_1000,
            "shares_per_1000": self.shares_per_1000,
            "follows_per_1000": self.follows_per_1000,
            "comments_per_1000": self.comments_per_1000,
        }
        if self.unlock_conversion is not None:
            found["unlock_conversion"] = self.unlock_conversion
        return found


def metric_rows(metrics: list[EpisodeMetrics]) -> list[dict[str, str | int | float | None]]:
    """A flat table: one dict per episode version and group, each metric as value, `_low` and `_high` columns."""
    rows: list[dict[str, str | int | float | None]] = []
    for m in metrics:
        row: dict[str, str | int | float | None] = {
            "series": m.series,
            "episode": m.episode,
            "episode_version": m.episode_version,
            "group": m.group,
            "duration_s": m.duration_s,
            "views": m.views,
        }
        for name, est in m.estimates().items():
            row[name], row[f"{name}_low"], row[f"{name}_high"] = est.value, est.low, est.high
        rows.append(row)
    return rows


def _scope(sessions: Sessions, series: str | None, cut: Cut) -> tuple[str, list[object]]:
    where, params = cut.where()
    if series is not None:
        where += " AND series = ?"
        params = [*params, series]
    return where, params


def group_codes(
    sessions: Sessions, by: Dimension | None, where: str, params: list[object], *, versions_apart: bool = True
) -> tuple[str, list[object], list[Group]]:
    """A SQL expression numbering the `by` dimension's values (0, 1, …), its parameters, and the value of each number.

    Numbers rather than strings: the per-session arrays reach numpy as plain integers, where grouping
    half a million sessions is one sort. `versions_apart`: the caller keeps episode versions apart
    already, so grouping by version needs no number of its own.
    """
    if by is None or (by == "episode_version" and versions_apart):
        return "0", [], [None]
    column = group_column(by)
    found = sessions.conn.execute(
        f"SELECT DISTINCT {column} FROM {sessions.table} WHERE {where} ORDER BY 1 NULLS FIRST", params
    ).fetchall()
    values: list[Group] = [None] + [row[0] for row in found if row[0] is not None]
    return f"coalesce(list_position(?, {column}), 0)", [values[1:]], values


def _estimates(share: FloatArray, low: FloatArray, high: FloatArray, n: NDArray[np.int64]) -> list[Estimate]:
    # tolist() turns whole arrays into Python numbers at C speed; thousands of rows per refresh.
    return [Estimate(*row) for row in zip(share.tolist(), low.tolist(), high.tolist(), n.tolist(), strict=True)]


def episode_metrics(
    sessions: Sessions,
    *,
    series: str | None = None,
    cut: Cut | None = None,
    by: Dimension | None = None,
    hook_s: float = HOOK_S,
    level: float = 0.95,
) -> list[EpisodeMetrics]:
    """Every metric for every episode version in `sessions` (one series, or all), sorted by episode.

    `cut` keeps only some sessions; `by` splits each episode version by platform, market or
    segment (or labels rows with their version, which they are always split by).
    """
    where, params = _scope(sessions, series, cut or Cut())
    code, code_params, values = group_codes(sessions, by, where, params)
    data = sessions.conn.execute(
        f"""
        SELECT episode_key * {len(values)} + {code} AS g, time_s, dropped, end_lost, completed, rewatched,
               next_episode, liked, shared, followed, commented
        FROM {sessions.table}
        WHERE started AND {where}
        """,
        [*code_params, *params],
    ).fetchnumpy()
    g = np.asarray(data["g"], dtype=np.int64)
    groups, curves = _fit_known_ends(g, data["time_s"], data["dropped"], data["end_lost"])
    size = int(groups.max()) + 1 if len(groups) else 0

    def count(column: str) -> NDArray[np.int64]:
        weights = np.asarray(data[column], dtype=np.float64) if column else None
        return np.rint(np.bincount(g, weights=weights, minlength=size)[groups]).astype(np.int64)

    views, completions, rewatches = count(""), count("completed"), count("rewatched")
    keys = [sessions.episodes[k] for k in (groups // len(values)).tolist()]
    labels = [values[v] for v in (groups % len(values)).tolist()]
    duration = np.array([sessions.durations[k] for k in keys], dtype=np.float64)
    hook = _estimates(*curves.reached(np.minimum(hook_s, duration), level=level), views)
    completion = _estimates(*curves.reached(duration, level=level), views)
    avd_value, avd_low, avd_high = curves.restricted_mean(duration, level)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_length = np.where(duration > 0, 1.0 / duration, np.nan)
    avd = _estimates(avd_value, avd_low, avd_high, views)
    apv = _estimates(avd_value * per_length, avd_low * per_length, avd_high * per_length, views)
    rewatch = _estimates(*wilson_arrays(rewatches, completions, level), completions)
    continued = _estimates(*wilson_arrays(count("next_episode"), views, level), views)
    per_1000: dict[str, list[Estimate]] = {}
    for name in ("liked", "shared", "followed", "commented"):
        share, low, high = wilson_arrays(count(name), views, level)
        per_1000[name] = _estimates(1000 * share, 1000 * low, 1000 * high, views)
    unlocks = _unlock_counts(sessions, where, params, code, code_params, len(values))
    found = [unlocks.get(number, (0, 0)) for number in groups.tolist()]
    reached, paid = (np.array([f[k] for f in found], dtype=np.int64) for k in (0, 1))
    locked = [number in unlocks for number in groups.tolist()]
    conversion = _estimates(*wilson_arrays(paid, reached, level), reached)
    results: list[EpisodeMetrics] = []
    for i, (key, label) in enumerate(zip(keys, labels, strict=True)):
        results.append(
            EpisodeMetrics(
                series=key[0],
                episode=key[1],
                episode_version=key[2],
                group=key[2] if by == "episode_version" else label,
                duration_s=float(duration[i]),
                views=int(views[i]),
                curve=curves.curve(i),
                hook_rate=hook[i],
                average_view_duration_s=avd[i],
                average_percentage_viewed=apv[i],
                completion_rate=completion[i],
                rewatch_rate=rewatch[i],
                next_episode_rate=continued[i],
                likes_per_1000=per_1000["liked"][i],
                shares_per_1000=per_1000["shared"][i],
                follows_per_1000=per_1000["followed"][i],
                comments_per_1000=per_1000["commented"][i],
                unlock_conversion=conversion[i] if locked[i] else None,
            )
        )
    return results


def _fit_known_ends(
    g: NDArray[np.int64], times: ArrayLike, dropped: ArrayLike, end_lost: ArrayLike
) -> tuple[NDArray[np.int64], CurveSet]:
    """One curve per group over the views whose end is known (see `end_lost` in sessions.py).

    A group whose every view lost its end keeps an empty curve (NaN everywhere), so every group
    that has views has a row.
    """
    keep = ~np.asarray(end_lost, dtype=bool)
    groups = np.unique(g)
    fitted, curves = fit_groups(g[keep], np.asarray(times)[keep], np.asarray(dropped)[keep])
    if len(fitted) == len(groups):
        return groups, curves
    sizes = np.zeros(len(groups), dtype=np.int64)
    sizes[np.searchsorted(groups, fitted)] = curves.sizes
    offsets = np.concatenate(([0], np.cumsum(sizes))).astype(np.int64)
    return groups, replace(curves, offsets=offsets)


def _unlock_counts(
    sessions: Sessions, where: str, params: list[object], code: str, code_params: list[object], width: int
) -> dict[int, tuple[int, int]]:
    """Group number → (viewers who opened the episode, viewers who unlocked it), for locked episodes only.

    The paywall is shown when a viewer opens a locked episode, and the client opens a session for it
    (an impression, at least), so every session of the episode, started or not, is a viewer who met
    the paywall. Episodes nobody ever unlocked are taken to be free and left out. Viewers are
    counted once per group by a GROUP BY rather than count(DISTINCT …), which DuckDB does far slower,
    and by their hashed key rather than their id.
    """
    rows = sessions.conn.execute(
        f"""
        SELECT g, count(*), count(*) FILTER (WHERE unlocked) FROM (
            SELECT episode_key * {width} + {code} AS g, viewer_key, bool_or(unlocked) AS unlocked
            FROM {sessions.table}
            WHERE locked AND {where}
            GROUP BY ALL
        ) GROUP BY g
        """,
        [*code_params, *params],
    ).fetchall()
    return {int(g): (int(n), int(u)) for g, n, u in rows}
