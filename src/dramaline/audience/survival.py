"""Kaplan–Meier survival curves with Greenwood variance, and Wilson intervals for plain shares.

Watch time is survival data: a viewer who left at 41 s was "lost" at 41 s; a viewer whose session
is still open, or who finished the episode, is right-censored at the last position known. The
Kaplan–Meier estimator uses every viewer for as long as they were observed, so open sessions
neither count as drop-offs nor vanish from the denominator.

Conventions: `reached(t)` is P(T ≥ t), the share of starters who got to second t (1 at t = 0,
which is how retention graphs start); `survival_at(t)` is P(T > t), the usual right-continuous
curve. Beyond the largest observed time, when that observation is censored, the curve is not
identified and every value there is NaN rather than a guess.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from statistics import NormalDist
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]

__all__ = [
    "CurveSet",
    "Estimate",
    "KaplanMeier",
    "concat_curves",
    "fit_curves",
    "fit_groups",
    "kaplan_meier",
    "kaplan_meier_from_counts",
    "wilson",
    "wilson_arrays",
    "z_for",
]


@lru_cache(maxsize=16)
def z_for(level: float) -> float:
    """Two-sided normal quantile for a confidence level (1.96 for 0.95)."""
    if not 0 < level < 1:
        raise ValueError(f"confidence level must be between 0 and 1, got {level}")
    return NormalDist().inv_cdf(0.5 + level / 2)


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its confidence interval and the sample it rests on (n: the denominator)."""

    value: float
    low: float
    high: float
    n: int

    def scaled(self, factor: float) -> Estimate:
        return Estimate(self.value * factor, self.low * factor, self.high * factor, self.n)


NAN_ESTIMATE = Estimate(math.nan, math.nan, math.nan, 0)


def wilson(successes: float, n: int, level: float = 0.95) -> Estimate:
    """Share with a Wilson score interval: honest near 0 and 1 and for small n, unlike the Wald interval."""
    p, low, high = wilson_arrays([successes], [n], level)
    return Estimate(float(p[0]), float(low[0]), float(high[0]), max(int(n), 0)) if n > 0 else NAN_ESTIMATE


def wilson_arrays(successes: ArrayLike, n: ArrayLike, level: float = 0.95) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Wilson score intervals for many shares at once: (share, low, high), NaN where n is 0."""
    x = np.asarray(successes, dtype=np.float64)
    m = np.asarray(n, dtype=np.float64)
    z2 = z_for(level) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(m > 0, x / m, np.nan)
        centre = (p + z2 / (2 * m)) / (1 + z2 / m)
        half = np.sqrt(z2 * (p * (1 - p) / m + z2 / (4 * m * m))) / (1 + z2 / m)
    # Clamp only rounding error: mathematically the interval always contains p and lies in [0, 1].
    return p, np.clip(np.minimum(p, centre - half), 0.0, 1.0), np.clip(np.maximum(p, centre + half), 0.0, 1.0)


def _loglog_interval(s: FloatArray, greenwood: FloatArray, z: float) -> tuple[FloatArray, FloatArray]:
    """Pointwise log(−log S) interval: stays inside [0, 1] and is better behaved in the tails than S ± z·se."""
    with np.errstate(divide="ignore", invalid="ignore"):
        log_s = np.log(s)
        se = np.sqrt(greenwood) / np.abs(log_s)
        low = np.power(s, np.exp(z * se))
        high = np.power(s, np.exp(-z * se))
    # No event yet (S = 1, variance 0) or everyone gone (S = 0): the interval collapses onto the value.
    flat = (s >= 1.0) | (s <= 0.0)
    low = np.where(flat, s, low)
    high = np.where(flat, s, high)
    return low, high


Side = Literal["left", "right"]


def _group_sum(x: FloatArray, offsets: NDArray[np.int64]) -> FloatArray:
    """Sum of x within each group (zero for an empty one)."""
    total = np.concatenate(([0.0], np.cumsum(x)))
    out: FloatArray = total[offsets[1:]] - total[offsets[:-1]]
    return out


def _group_cumsum(x: FloatArray, offsets: NDArray[np.int64]) -> FloatArray:
    """Running sum of x restarting at each group."""
    running = np.cumsum(x)
    before = np.concatenate(([0.0], running))[offsets[:-1]]
    out: FloatArray = running - np.repeat(before, np.diff(offsets))
    return out


@dataclass(frozen=True)
class CurveSet:
    """Many Kaplan–Meier curves in shared arrays; curve g owns rows offsets[g]:offsets[g + 1].

    A refresh fits and reads thousands of curves (every episode version, by every cut, at every
    scene and line); one numpy pass over all of them costs what a few cost one at a time. Every
    reading takes `curves` (which curve each query is about; default: one query per curve, in order).
    """

    offsets: NDArray[np.int64]
    times: FloatArray  # distinct observed times per curve, ascending (losses and censorings)
    at_risk: FloatArray  # n_i: observations of the curve with time ≥ times[i]
    events: FloatArray  # d_i: losses at times[i]
    survival: FloatArray  # S(times[i]) = Π_{j ≤ i} (1 − d_j / n_j) within the curve
    greenwood: FloatArray  # Σ_{j ≤ i} d_j / (n_j (n_j − d_j)) within the curve, so Var S = S² · greenwood

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @property
    def sizes(self) -> NDArray[np.int64]:
        return np.diff(self.offsets)

    @property
    def n(self) -> NDArray[np.int64]:
        """Observations (starters) per curve."""
        first = np.clip(self.offsets[:-1], 0, max(len(self.times) - 1, 0))
        at_first = self.at_risk[first] if len(self.times) else np.zeros(len(self))
        return np.where(self.sizes > 0, at_first, 0).astype(np.int64)

    def curve(self, g: int) -> KaplanMeier:
        """Curve g on its own (views into the shared arrays, no copies)."""
        a, b = int(self.offsets[g]), int(self.offsets[g + 1])
        return KaplanMeier(
            self.times[a:b], self.at_risk[a:b], self.events[a:b], self.survival[a:b], self.greenwood[a:b]
        )

    @cached_property
    def _span(self) -> float:
        return (float(self.times.max()) if len(self.times) else 0.0) + 1.0

    @cached_property
    def _axis(self) -> FloatArray:
        # (curve, time) pairs laid end to end on one axis, curve g shifted by g·span, so that one
        # searchsorted answers queries about every curve at once.
        axis: FloatArray = np.repeat(np.arange(len(self), dtype=np.float64), self.sizes) * self._span + self.times
        return axis

    @cached_property
    def _area_to_row(self) -> FloatArray:
        """∫₀^{tᵢ} S for every row, within its curve."""
        prev_t = np.concatenate(([0.0], self.times[:-1]))
        prev_s = np.concatenate(([1.0], self.survival[:-1]))
        firsts = self.offsets[:-1][self.sizes > 0]
        prev_t[firsts], prev_s[firsts] = 0.0, 1.0
        return _group_cumsum(prev_s * (self.times - prev_t), self.offsets)

    def _ids(self, curves: ArrayLike | None, t: FloatArray) -> NDArray[np.int64]:
        if curves is None:
            if t.shape != (len(self),):
                raise ValueError("without `curves`, give one time per curve")
            return np.arange(len(self), dtype=np.int64)
        return np.broadcast_to(np.asarray(curves, dtype=np.int64), t.shape)

    def _last_row(
        self, ids: NDArray[np.int64], t: FloatArray, side: Side
    ) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
        """Per query, the row of its curve's last time < t (side='left') or ≤ t ('right'), and whether there is one."""
        query = ids * self._span + np.clip(t, -0.5, self._span - 0.5)
        row = np.searchsorted(self._axis, query, side=side) - 1
        found: NDArray[np.bool_] = row >= self.offsets[ids]
        return np.where(found, row, 0), found

    def _unidentified(self, ids: NDArray[np.int64], t: FloatArray) -> NDArray[np.bool_]:
        """Past a curve's last time when that time is censored (or the curve is empty): nothing is known."""
        if not len(self.times):
            return np.ones(t.shape, dtype=bool)
        last = np.clip(self.offsets[ids + 1] - 1, 0, None)
        out: NDArray[np.bool_] = (self.sizes[ids] == 0) | ((t > self.times[last]) & (self.survival[last] > 0))
        return out

    def _value(self, ids: NDArray[np.int64], t: FloatArray, side: Side) -> tuple[FloatArray, FloatArray]:
        """S and its Greenwood sum just before t (side='left') or at t ('right'); NaN where unidentified."""
        row, found = self._last_row(ids, t, side)
        if len(self.times):
            s = np.where(found, self.survival[row], 1.0)
            g = np.where(found, self.greenwood[row], 0.0)
        else:
            s, g = np.ones(t.shape), np.zeros(t.shape)
        bad = self._unidentified(ids, t)
        return np.where(bad, np.nan, s), np.where(bad, np.nan, g)

    def reached(
        self, t: ArrayLike, curves: ArrayLike | None = None, *, level: float = 0.95
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """P(T ≥ t), the share who got to t, with its log-log interval."""
        at = np.asarray(t, dtype=np.float64)
        s, g = self._value(self._ids(curves, at), at, "left")
        return (s, *_loglog_interval(s, g, z_for(level)))

    def survival_at(
        self, t: ArrayLike, curves: ArrayLike | None = None, *, level: float = 0.95
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """P(T > t) with its log-log interval."""
        at = np.asarray(t, dtype=np.float64)
        s, g = self._value(self._ids(curves, at), at, "right")
        return (s, *_loglog_interval(s, g, z_for(level)))

    def conditional(
        self, a: ArrayLike, b: ArrayLike, curves: ArrayLike | None = None, *, level: float = 0.95
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """P(T ≥ b | T ≥ a) for a ≤ b, with a log-log interval: of those present at a, the share still there at b.

        It is itself a Kaplan–Meier estimate over the viewers at risk from a, so its Greenwood sum is
        the part of the sum between a and b.
        """
        start, end = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
        ids = self._ids(curves, start)
        sa, ga = self._value(ids, start, "left")
        sb, gb = self._value(ids, end, "left")
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(sa > 0, sb / sa, np.nan)
            # Once everyone has left the sum is infinite (inf − inf); the ratio is 0 then and its interval flat.
            between = np.maximum(gb - ga, 0.0)
        return (ratio, *_loglog_interval(ratio, between, z_for(level)))

    def _area_to(self, ids: NDArray[np.int64], t: FloatArray) -> FloatArray:
        row, found = self._last_row(ids, t, "right")
        if len(self.times):
            area = np.where(found, self._area_to_row[row] + self.survival[row] * (t - self.times[row]), t)
        else:
            area = t.copy()
        out: FloatArray = np.where(self._unidentified(ids, t), np.nan, area)
        return out

    def area(self, a: ArrayLike, b: ArrayLike, curves: ArrayLike | None = None) -> FloatArray:
        """∫ₐᵇ S(t) dt: seconds watched between a and b per starter (the exposure to losing them)."""
        start, end = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
        ids = self._ids(curves, start)
        return self._area_to(ids, end) - self._area_to(ids, start)

    def restricted_mean(self, horizon: ArrayLike, level: float = 0.95) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Per curve g, the restricted mean ∫₀^τ S(t) dt up to τ = horizon[g], with a normal interval.

        Var = Σ_{tᵢ < τ} Aᵢ² dᵢ / (nᵢ (nᵢ − dᵢ)), Aᵢ = ∫_{tᵢ}^τ S (Klein & Moeschberger §4.5); a step where
        everyone left has Aᵢ = 0 and adds nothing. The interval is clipped to [0, τ].
        """
        h = np.asarray(horizon, dtype=np.float64)
        ids = self._ids(None, h)
        area = self._area_to(ids, h)
        tail = np.repeat(area, self.sizes) - self._area_to_row
        n, d = self.at_risk, self.events
        use = (self.times < np.repeat(h, self.sizes)) & (d > 0) & (n > d)
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(use, tail**2 * d / (n * (n - d)), 0.0)
        se = np.sqrt(_group_sum(terms, self.offsets))
        z = z_for(level)
        return area, np.clip(area - z * se, 0.0, h), np.clip(area + z * se, 0.0, h)


@dataclass(frozen=True)
class KaplanMeier:
    """One fitted curve: the distinct observed times and, at each, who was at risk and who was lost."""

    times: FloatArray
    at_risk: FloatArray
    events: FloatArray
    survival: FloatArray
    greenwood: FloatArray

    @property
    def n(self) -> int:
        """Number of observations (starters)."""
        return int(self.at_risk[0]) if len(self.at_risk) else 0

    @cached_property
    def _one(self) -> CurveSet:
        bounds = np.array([0, len(self.times)], dtype=np.int64)
        return CurveSet(bounds, self.times, self.at_risk, self.events, self.survival, self.greenwood)

    def _at(self, t: ArrayLike) -> tuple[FloatArray, NDArray[np.int64]]:
        at = np.asarray(t, dtype=np.float64)
        return at, np.zeros(at.shape, dtype=np.int64)

    def reached(self, t: ArrayLike) -> FloatArray:
        """P(T ≥ t): the share of starters still watching when the playhead reached t."""
        return self._one.reached(*self._at(t))[0]

    def survival_at(self, t: ArrayLike) -> FloatArray:
        """P(T > t)."""
        return self._one.survival_at(*self._at(t))[0]

    def reached_interval(self, t: ArrayLike, level: float = 0.95) -> tuple[FloatArray, FloatArray]:
        """Pointwise log-log confidence interval for `reached(t)`."""
        _, low, high = self._one.reached(*self._at(t), level=level)
        return low, high

    def survival_interval(self, t: ArrayLike, level: float = 0.95) -> tuple[FloatArray, FloatArray]:
        """Pointwise log-log confidence interval for `survival_at(t)`."""
        _, low, high = self._one.survival_at(*self._at(t), level=level)
        return low, high

    def reached_estimate(self, t: float, level: float = 0.95) -> Estimate:
        value, low, high = self._one.reached(*self._at([t]), level=level)
        return Estimate(float(value[0]), float(low[0]), float(high[0]), self.n)

    def conditional(self, a: ArrayLike, b: ArrayLike, level: float = 0.95) -> tuple[FloatArray, FloatArray, FloatArray]:
        """P(T ≥ b | T ≥ a) with its log-log interval (see `CurveSet.conditional`)."""
        start, ids = self._at(a)
        return self._one.conditional(start, np.asarray(b, dtype=np.float64), ids, level=level)

    def area(self, a: ArrayLike, b: ArrayLike) -> FloatArray:
        """∫ₐᵇ S(t) dt (see `CurveSet.area`)."""
        start, ids = self._at(a)
        return self._one.area(start, np.asarray(b, dtype=np.float64), ids)

    def restricted_mean(self, horizon: float, level: float = 0.95) -> Estimate:
        """Restricted mean survival time ∫₀^τ S(t) dt with its normal interval (see `CurveSet.restricted_mean`)."""
        value, low, high = self._one.restricted_mean(np.array([float(horizon)]), level)
        return Estimate(float(value[0]), float(low[0]), float(high[0]), self.n)


def concat_curves(curves: Sequence[KaplanMeier]) -> CurveSet:
    """Put separately fitted curves side by side, to read them all in one pass."""
    sizes = [len(c.times) for c in curves]
    offsets = np.concatenate(([0], np.cumsum(sizes))).astype(np.int64)

    def join(name: str) -> FloatArray:
        parts = [getattr(c, name) for c in curves]
        return np.concatenate(parts) if parts else np.zeros(0)

    return CurveSet(offsets, *(join(n) for n in ("times", "at_risk", "events", "survival", "greenwood")))


def fit_curves(offsets: ArrayLike, times: ArrayLike, events: ArrayLike, totals: ArrayLike) -> CurveSet:
    """Fit many curves from tallies: curve g's distinct ascending times are rows offsets[g]:offsets[g + 1],
    with the losses there and all observations there (losses + censored)."""
    o = np.asarray(offsets, dtype=np.int64)
    t = np.asarray(times, dtype=np.float64)
    d = np.asarray(events, dtype=np.float64)
    m = np.asarray(totals, dtype=np.float64)
    if t.ndim != 1 or not (t.shape == d.shape == m.shape):
        raise ValueError("times, events and totals must be one-dimensional and of the same length")
    if len(o) < 1 or o[0] != 0 or o[-1] != len(t) or np.any(np.diff(o) < 0):
        raise ValueError("offsets must rise from 0 to the number of rows")
    sizes = np.diff(o)
    firsts = o[:-1][sizes > 0]
    step = np.diff(t, prepend=-np.inf)
    step[firsts] = np.inf
    if np.any(step <= 0):
        raise ValueError("times must be distinct and ascending within each curve")
    if np.any(d < 0) or np.any(d > m):
        raise ValueError("each time's events must be between 0 and its total")
    # Ties: a censoring at the same time as a loss still counts as at risk for it (the usual convention).
    after = np.concatenate((np.cumsum(m[::-1])[::-1], [0.0]))
    at_risk = after[:-1] - np.repeat(after[o[1:]], sizes)
    wipe = (d >= at_risk) & (d > 0)  # everyone left at this time: S drops to 0, its variance term is infinite
    with np.errstate(divide="ignore", invalid="ignore"):
        log_factor = np.where(wipe, 0.0, np.log1p(-d / at_risk))
        terms = np.where(wipe | (d == 0), 0.0, d / (at_risk * (at_risk - d)))
    wiped = _group_cumsum(wipe.astype(np.float64), o) > 0
    survival = np.where(wiped, 0.0, np.exp(_group_cumsum(log_factor, o)))
    greenwood = np.where(wiped, np.inf, _group_cumsum(terms, o))
    return CurveSet(o, t, at_risk, d, survival, greenwood)


def _sorted_by_group_and_time(
    g: NDArray[np.int64], t: FloatArray, e: NDArray[np.bool_]
) -> tuple[NDArray[np.int64], FloatArray, NDArray[np.bool_]]:
    """Rows ordered by (group, time). One argsort of group·span + time is several times faster than
    lexsort; where float rounding could blur two close times the order is checked, and lexsort redone."""
    if not len(g):
        return g, t, e
    span = float(t.max()) + 1.0
    order = np.argsort((g - g.min()).astype(np.float64) * span + t)
    gs, ts = g[order], t[order]
    if not np.all((gs[1:] > gs[:-1]) | ((gs[1:] == gs[:-1]) & (ts[1:] >= ts[:-1]))):
        order = np.lexsort((t, g))
        gs, ts = g[order], t[order]
    return gs, ts, e[order]


def fit_groups(groups: ArrayLike, times: ArrayLike, observed: ArrayLike) -> tuple[NDArray[np.int64], CurveSet]:
    """One curve per distinct integer in `groups`, from one row per observation (time, loss observed).

    Returns the distinct groups, ascending, and their curves in that order.
    """
    g = np.asarray(groups, dtype=np.int64)
    t = np.asarray(times, dtype=np.float64)
    e = np.asarray(observed, dtype=bool)
    if not (g.shape == t.shape == e.shape) or g.ndim != 1:
        raise ValueError("groups, times and observed must be one-dimensional and of the same length")
    if np.any(np.isnan(t)) or np.any(t < 0):
        raise ValueError("times must be non-negative numbers")
    g, t, e = _sorted_by_group_and_time(g, t, e)
    new = np.ones(len(t), dtype=bool)
    new[1:] = (g[1:] != g[:-1]) | (t[1:] != t[:-1])
    starts = np.flatnonzero(new)
    totals = np.diff(np.append(starts, len(t))).astype(np.float64)
    losses = np.add.reduceat(e.astype(np.float64), starts) if len(starts) else np.zeros(0)
    tally_groups = g[starts]
    first = np.ones(len(starts), dtype=bool)
    first[1:] = tally_groups[1:] != tally_groups[:-1]
    offsets = np.append(np.flatnonzero(first), len(starts))
    return tally_groups[first], fit_curves(offsets, t[starts], losses, totals)


def kaplan_meier_from_counts(times: ArrayLike, events: ArrayLike, totals: ArrayLike) -> KaplanMeier:
    """Fit from tallies: distinct ascending `times`, losses there and all observations there (losses + censored).

    This is the form a SQL `GROUP BY time` hands over, so a large audience never needs to be expanded.
    """
    t = np.asarray(times, dtype=np.float64)
    return fit_curves([0, len(t)], t, events, totals).curve(0)


def kaplan_meier(times: ArrayLike, observed: ArrayLike) -> KaplanMeier:
    """Fit from one row per observation: its time and whether the loss was observed (False: censored)."""
    t = np.asarray(times, dtype=np.float64)
    e = np.asarray(observed, dtype=bool)
    if t.shape != e.shape:
        raise ValueError("times and observed must have the same length")
    _, curves = fit_groups(np.zeros(len(t), dtype=np.int64), t, e)
    return curves.curve(0) if len(curves) else fit_curves([0, 0], [], [], []).curve(0)
