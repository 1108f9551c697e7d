"""The bandit under the portfolio: evidence corrected for late views, posteriors, and batched Thompson sampling.

Each series is an arm whose value is its completed views per episode, θ = r · p: r views per
episode's worth of exposure, p the share of views completed. Views keep arriving for weeks after
an episode comes out, so a series is credited only with the exposure that has had time to
arrive: an episode t days old counts as `arrived(t)` of an episode (the policy's arrival curve),
a promotion unit as `promotion_reach` episodes times its own curve. Evidence is discounted by age
(half-life `half_life_weeks`) because tastes drift. Over that evidence, r has a Gamma posterior
(Poisson views) and p a Beta posterior (binomial completions), each with a prior at its
archetype's pooled rate (series of one archetype resemble each other) and each widened by the
overdispersion the weekly counts show beyond Poisson and binomial noise (quasi-likelihood).

A budget of slots (episodes, or promotion in equal parts) is handed out by batched Thompson
sampling: every slot draws θ for every series and goes to the best draw among the series with
room left. Each series gets slots in proportion to its chance of being the best, and series
whose value is still uncertain keep getting tried.

`PlainThompson` (the textbook version: views per released episode so far, no delay correction,
no discount, no pooling, no quota) and `UniformAllocator` are the baselines of the benchmark.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from dramaline.decide.diversity import catalog_diversity
from dramaline.model import (
    Allocation,
    CredibleInterval,
    PeriodBudget,
    PortfolioAction,
    PortfolioPolicy,
    SeriesDecision,
    SeriesSnapshot,
    SeriesStatus,
)

__all__ = [
    "DAYS_PER_WEEK",
    "Allocator",
    "PlainThompson",
    "Posteriors",
    "SeriesEvidence",
    "UniformAllocator",
    "arrived",
    "budget_shares",
    "build_allocation",
    "dispersion",
    "episode_capacity",
    "p_top",
    "plain_decision",
    "posteriors",
    "promotion_slots",
    "series_evidence",
    "share_cap",
    "thompson_counts",
]

DAYS_PER_WEEK = 7.0
FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


class Allocator(Protocol):
    """Anything that turns the week's snapshots and budget into an allocation."""

    def allocate(self, snapshots: Sequence[SeriesSnapshot], budget: PeriodBudget, *, period: int) -> Allocation: ...


def arrived(age_days: FloatArray, cumulative_by_week: Sequence[float]) -> FloatArray:
    """Share of an episode's views arrived by each age: 0 at release, linear within each week, 1 after the curve."""
    xs = np.arange(len(cumulative_by_week) + 1, dtype=np.float64) * DAYS_PER_WEEK
    ys = np.concatenate([[0.0], np.asarray(cumulative_by_week, dtype=np.float64)])
    return np.asarray(np.interp(np.maximum(age_days, 0.0), xs, ys), dtype=np.float64)


@dataclass(frozen=True)
class SeriesEvidence:
    """A series' evidence: discounted totals for the posteriors, and the weekly rows they come from."""

    views: float  # discounted
    completions: float  # discounted
    exposure: float  # discounted, in episodes' worth of views
    matured: float  # undiscounted exposure so far, in episodes
    week_views: FloatArray  # index k: k weeks ago
    week_completions: FloatArray
    week_exposure: FloatArray


def series_evidence(snapshot: SeriesSnapshot, policy: PortfolioPolicy) -> SeriesEvidence:
    """Views, completions and matured exposure of `snapshot`, week by week and discounted."""
    ages = np.array([r.age_days for r in snapshot.releases], dtype=np.float64)
    promo_ages = np.array([p.age_days for p in snapshot.promotions], dtype=np.float64)
    units = np.array([p.units for p in snapshot.promotions], dtype=np.float64)
    oldest = max([0.0, *ages.tolist(), *promo_ages.tolist()])
    weeks = max(math.ceil(oldest / DAYS_PER_WEEK), 1 + max((w.weeks_ago for w in snapshot.weeks), default=0), 1)
    ends = np.arange(weeks, dtype=np.float64)[:, None] * DAYS_PER_WEEK  # window k covers ages a-7(k+1) .. a-7k
    exposure = np.zeros(weeks)
    if ages.size:
        curve = policy.arrival_by_week
        exposure += (arrived(ages - ends, curve) - arrived(ages - ends - DAYS_PER_WEEK, curve)).sum(axis=1)
    if promo_ages.size:
        curve = policy.promotion_arrival_by_week
        share = arrived(promo_ages - ends, curve) - arrived(promo_ages - ends - DAYS_PER_WEEK, curve)
        exposure += policy.promotion_reach * (share * units).sum(axis=1)
    views, completions = np.zeros(weeks), np.zeros(weeks)
    for w in snapshot.weeks:
        views[w.weeks_ago] = w.views
        completions[w.weeks_ago] = w.completions
    weight = 0.5 ** (np.arange(weeks) / policy.half_life_weeks)
    return SeriesEvidence(
        views=float(weight @ views),
        completions=float(weight @ completions),
        exposure=float(weight @ exposure),
        matured=float(exposure.sum()),
        week_views=views,
        week_completions=completions,
        week_exposure=exposure,
    )


def dispersion(evidence: Sequence[SeriesEvidence]) -> tuple[float, float]:
    """Overdispersion of weekly views (beyond Poisson) and completions (beyond binomial), pooled; at least 1.

    Pearson's χ² over each series' weeks around its own rate, divided by the degrees of freedom:
    drift, an arrival curve that does not fit, or bursts all widen the posteriors by this factor.
    """
    chi_v = df_v = chi_c = df_c = 0.0
    for e in evidence:
        used = e.week_exposure > 0.01
        if used.sum() >= 2 and e.week_views[used].sum() > 0:
            expected = e.week_views[used].sum() / e.week_exposure[used].sum() * e.week_exposure[used]
            chi_v += float((((e.week_views[used] - expected) ** 2) / expected).sum())
            df_v += float(used.sum() - 1)
        seen = e.week_views > 0
        total = e.week_views[seen].sum()
        if seen.sum() >= 2 and 0 < e.week_completions[seen].sum() < total:
            p = e.week_completions[seen].sum() / total
            variance = e.week_views[seen] * p * (1 - p)
            chi_c += float((((e.week_completions[seen] - p * e.week_views[seen]) ** 2) / variance).sum())
            df_c += float(seen.sum() - 1)
    return (max(1.0, chi_v / df_v) if df_v else 1.0), (max(1.0, chi_c / df_c) if df_c else 1.0)


@dataclass(frozen=True)
class Posteriors:
    """Per series (in snapshot order): Gamma(shape, rate) for views per episode, Beta(alpha, beta) for completion."""

    shape: FloatArray
    rate: FloatArray
    alpha: FloatArray
    beta: FloatArray
    dispersion: tuple[float, float]

    def draw(self, rng: np.random.Generator, rows: int) -> FloatArray:
        """`rows` draws of completed views per episode for every series: an array (rows, series)."""
        size = (rows, self.shape.size)
        return rng.gamma(self.shape, 1.0 / self.rate, size=size) * rng.beta(self.alpha, self.beta, size=size)

    def completion(self, level: float = 0.9) -> list[CredibleInterval]:
        """Every series' completion rate: posterior mean and central credible interval."""
        from scipy.special import betaincinv  # the Beta quantile function, for every series at once

        a, b = self.alpha, self.beta
        low = betaincinv(a, b, (1 - level) / 2)
        high = betaincinv(a, b, (1 + level) / 2)
        mean = a / (a + b)
        return [
            CredibleInterval(value=float(m), low=float(lo), high=float(hi))
            for m, lo, hi in zip(mean, low, high, strict=True)
        ]

    def p_completion_below(self, floor: float) -> FloatArray:
        """Every series' posterior probability that its completion rate is below `floor`."""
        from scipy.special import betainc  # the Beta distribution function

        return np.asarray(betainc(self.alpha, self.beta, floor), dtype=np.float64)


def posteriors(evidence: Sequence[SeriesEvidence], archetypes: Sequence[str], policy: PortfolioPolicy) -> Posteriors:
    """The posteriors of every series, each with a prior at its archetype's pooled rates (itself left out).

    The views prior is a Gamma with the archetype's rate as its mean and `prior_spread` as its
    coefficient of variation: it says how far one series may be from its archetype, which the
    weekly noise (the dispersion that widens the evidence) does not.
    """
    views = np.array([e.views for e in evidence])
    done = np.array([e.completions for e in evidence])
    exposure = np.array([e.exposure for e in evidence])
    disp_v, disp_c = dispersion(evidence)
    rate_global = views.sum() / exposure.sum() if exposure.sum() > 0 and views.sum() > 0 else 1.0
    p_global = (done.sum() + 1.0) / (views.sum() + 2.0)
    shape0, n0 = 1.0 / policy.prior_spread**2, policy.prior_views
    kind = np.array(list(archetypes))
    shape, rate, alpha, beta = (np.zeros(len(evidence)) for _ in range(4))
    for i in range(len(evidence)):
        peers = (kind == kind[i]) & (np.arange(len(evidence)) != i)
        # The archetype's pooled rate, shrunk toward the whole catalog's by one episode's worth of exposure.
        rate_a = (views[peers].sum() + rate_global) / (exposure[peers].sum() + 1.0)
        p_a = (done[peers].sum() + n0 * p_global) / (views[peers].sum() + n0)
        shape[i] = shape0 + views[i] / disp_v
        rate[i] = shape0 / rate_a + exposure[i] / disp_v
        alpha[i] = n0 * p_a + done[i] / disp_c
        beta[i] = n0 * (1 - p_a) + max(views[i] - done[i], 0.0) / disp_c
    return Posteriors(shape=shape, rate=rate, alpha=alpha, beta=beta, dispersion=(disp_v, disp_c))


def thompson_counts(draws: FloatArray, capacity: IntArray, allowed: NDArray[np.bool_] | None = None) -> IntArray:
    """Hand out one slot per row of `draws` to the best draw among series with capacity left (and allowed)."""
    room = capacity.astype(np.int64).copy()
    counts = np.zeros(room.size, dtype=np.int64)
    ok = np.ones(room.size, dtype=bool) if allowed is None else allowed
    for row in draws:
        scores = np.where((room > 0) & ok, row, -np.inf)
        if not np.isfinite(scores).any():
            break
        best = int(np.argmax(scores))
        counts[best] += 1
        room[best] -= 1
    return counts


def share_cap(max_share: float, slots: int) -> int:
    """Slots one series may take under `max_share`: at least one, so a small budget can still be spent."""
    return max(1, math.floor(max_share * slots + 1e-9))


def episode_capacity(snapshot: SeriesSnapshot, policy: PortfolioPolicy, budget: PeriodBudget) -> int:
    """Episodes `snapshot` may be greenlit this period: production limit, budget share, episodes left to plan."""
    if snapshot.status is not SeriesStatus.ACTIVE:
        return 0
    left = snapshot.episodes_planned - snapshot.released - snapshot.greenlit_pending
    return max(0, min(policy.max_episodes_per_series, share_cap(policy.max_share, budget.episodes), left))


def promotion_slots(budget: PeriodBudget) -> tuple[int, float]:
    """The promotion budget in equal slots: (how many, units each); whole units up to 200 slots."""
    if budget.promotion <= 0:
        return 0, 0.0
    slots = min(200, max(1, round(budget.promotion)))
    return slots, budget.promotion / slots


def budget_shares(
    snapshots: Sequence[SeriesSnapshot], episodes: Sequence[int], promotion: Sequence[float], budget: PeriodBudget
) -> dict[str, float]:
    """Each series' share of the period's budget: the mean of its shares of the episodes and of the promotion."""
    parts: list[list[float]] = []
    if budget.episodes > 0:
        parts.append([e / budget.episodes for e in episodes])
    if budget.promotion > 0:
        parts.append([u / budget.promotion for u in promotion])
    if not parts:
        return {s.series_id: 0.0 for s in snapshots}
    return {s.series_id: sum(p[i] for p in parts) / len(parts) for i, s in enumerate(snapshots)}


def build_allocation(
    period: int,
    budget: PeriodBudget,
    policy: PortfolioPolicy,
    snapshots: Sequence[SeriesSnapshot],
    decisions: Sequence[SeriesDecision],
    notes: Sequence[str] = (),
) -> Allocation:
    """An Allocation of `decisions`, with the diversity of the catalog left active and of the budget's shares."""
    shares = {d.series_id: d.budget_share for d in decisions if d.action is not PortfolioAction.SUNSET}
    catalog = [s for s in snapshots if s.series_id in shares]
    diversity = catalog_diversity(catalog, shares, floor=policy.diversity_floor)
    return Allocation(period=period, budget=budget, decisions=tuple(decisions), diversity=diversity, notes=tuple(notes))


def plain_decision(
    s: SeriesSnapshot, episodes: int, promotion: float, share: float, p_top: float, reason: str
) -> SeriesDecision:
    """A baseline's decision, with the naive numbers (so far, per released episode) and no interval."""
    views, done = s.total_views, s.total_completions
    p = done / views if views else 0.0
    per_episode = done / s.released if s.released else 0.0
    action = (
        PortfolioAction.GREENLIGHT if episodes else PortfolioAction.PROMOTE if promotion > 0 else PortfolioAction.HOLD
    )
    return SeriesDecision(
        series_id=s.series_id,
        title=s.title,
        archetype=s.archetype,
        action=action,
        episodes=episodes,
        promotion=promotion,
        budget_share=min(1.0, share),
        p_top=p_top,
        completion=CredibleInterval(value=p, low=p, high=p),
        completed_per_episode=CredibleInterval(value=per_episode, low=per_episode, high=per_episode),
        p_below_floor=0.0,
        released=s.released,
        matured_episodes=float(s.released),
        views=views,
        reasons=(reason,),
    )


class PlainThompson:
    """Textbook Thompson sampling: completed views per released episode so far, all history weighed alike.

    The same caps as the portfolio's (production limit, max share), nothing else: no correction for
    views still to come, no discount, no pooling by archetype, no quota, no sunset.
    """

    def __init__(self, policy: PortfolioPolicy, seed: int = 0) -> None:
        self.policy = policy
        self.seed = seed

    def allocate(self, snapshots: Sequence[SeriesSnapshot], budget: PeriodBudget, *, period: int) -> Allocation:
        rng = np.random.default_rng([self.seed, period])
        active = [s for s in snapshots if s.status is SeriesStatus.ACTIVE]
        views = np.array([s.total_views for s in active], dtype=np.float64)
        done = np.array([s.total_completions for s in active], dtype=np.float64)
        released = np.array([max(s.released, 1) for s in active], dtype=np.float64)

        def draw(rows: int) -> FloatArray:
            shape = (rows, len(active))
            return rng.gamma(1.0 + views, 1.0 / released, size=shape) * rng.beta(1.0 + done, 1.0 + views - done, shape)

        capacity = np.array([episode_capacity(s, self.policy, budget) for s in active], dtype=np.int64)
        episodes = thompson_counts(draw(budget.episodes), capacity) if budget.episodes else np.zeros(len(active), int)
        slots, unit = promotion_slots(budget)
        promo_cap = np.array([share_cap(self.policy.max_share, slots) if s.released else 0 for s in active])
        promotion = thompson_counts(draw(slots), promo_cap) * unit if slots else np.zeros(len(active))
        top = p_top(draw(200), self.policy.top_k)
        shares = budget_shares(active, episodes.tolist(), promotion.tolist(), budget)
        decisions = [
            plain_decision(s, int(episodes[i]), float(promotion[i]), shares[s.series_id], float(top[i]), "plain TS")
            for i, s in enumerate(active)
        ]
        return build_allocation(period, budget, self.policy, active, decisions)


class UniformAllocator:
    """The same budget spread evenly: episodes round-robin (starting further along each period), promotion equally."""

    def __init__(self, policy: PortfolioPolicy) -> None:
        self.policy = policy

    def allocate(self, snapshots: Sequence[SeriesSnapshot], budget: PeriodBudget, *, period: int) -> Allocation:
        active = [s for s in snapshots if s.status is SeriesStatus.ACTIVE]
        n = len(active)
        capacity = [episode_capacity(s, self.policy, budget) for s in active]
        episodes = [0] * n
        left, turn = budget.episodes, period * budget.episodes
        while left > 0 and any(c > e for c, e in zip(capacity, episodes, strict=True)):
            i = turn % n
            if episodes[i] < capacity[i]:
                episodes[i] += 1
                left -= 1
            turn += 1
        promotable = [i for i, s in enumerate(active) if s.released]
        promotion = [budget.promotion / len(promotable) if i in promotable else 0.0 for i in range(n)]
        shares = budget_shares(active, episodes, promotion, budget)
        decisions = [
            plain_decision(s, episodes[i], promotion[i], shares[s.series_id], 0.0, "uniform")
            for i, s in enumerate(active)
        ]
        return build_allocation(period, budget, self.policy, active, decisions)


def p_top(draws: FloatArray, k: int) -> FloatArray:
    """Per series (column), the chance to be among the `k` best, from posterior draws (rows)."""
    if draws.shape[1] == 0:
        return np.zeros(0)
    k = min(k, draws.shape[1])
    threshold = -np.partition(-draws, k - 1, axis=1)[:, k - 1 : k]
    return np.asarray((draws >= threshold).mean(axis=0), dtype=np.float64)
