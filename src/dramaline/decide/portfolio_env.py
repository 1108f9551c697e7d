"""A simulated market of many series, for the allocator's benchmark and tests; never a forecast of a real one.

K series, each of one archetype, have a hidden appeal (views per episode, on the log scale: the
archetype's share plus the series' own) and a hidden completion rate (on the logit scale: partly
the same appeal, partly the series' own). Both drift week by week as random walks, per archetype
and per series, so last month's best series need not be this month's. An episode's views arrive
over several weeks after its release, each series' audience a little faster or slower than the
curve, and promotion units bring views too (each series converting them a little better or
worse). Views are Poisson, completions binomial.

A run: every series launches with a few episodes; from week 1 on, at the start of each week the
allocator sees the snapshots and decides; greenlit episodes come out the next week, promotion
starts at once, sunset series make nothing more (their released episodes are still watched).
After the last decision, a tail of weeks lets the last releases be watched. The hidden paths
depend only on the seed, not on the allocator, so strategies are compared on the same market.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from dramaline.decide.allocators import (
    DAYS_PER_WEEK,
    Allocator,
    arrived,
    budget_shares,
    build_allocation,
    episode_capacity,
    plain_decision,
    promotion_slots,
    share_cap,
    thompson_counts,
)
from dramaline.errors import InvalidInputError
from dramaline.model import (
    Allocation,
    Archetype,
    BeatType,
    EpisodeRelease,
    PeriodBudget,
    PortfolioAction,
    PortfolioPolicy,
    PromotionSpend,
    SeriesSnapshot,
    SeriesStatus,
    WeekCounts,
)

__all__ = ["Market", "MarketConfig", "MarketRun", "Oracle", "run_market"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class MarketConfig:
    """The market's shape; the defaults are the benchmark's (docs/portfolio.md)."""

    series: int = 24
    archetypes: tuple[Archetype, ...] = tuple(Archetype)
    weeks: int = 26  # weeks with a decision (1..weeks); week 0 is the launch
    tail_weeks: int = 8
    launch_episodes: int = 5
    planned_episodes: int = 60
    production_weeks: int = 1  # a greenlit episode comes out this many weeks later
    views_per_episode: float = 2000.0  # median lifetime views of an episode
    archetype_sd: float = 0.4  # log-scale spread of the archetypes' appeal
    series_sd: float = 0.5  # log-scale spread of series within an archetype
    completion: float = 0.3  # median completion rate
    completion_link: float = 0.5  # how much of the appeal (log) shows in completion (logit)
    completion_sd: float = 0.35  # the series' own logit spread of completion
    drift_sd: float = 0.08  # weekly random walk of each series' log appeal (and half of it for completion)
    archetype_drift_sd: float = 0.05  # weekly random walk of each archetype's log appeal
    weekly_shock_sd: float = 0.3  # a series' views in one week, up or down by chance (a feed's push, a quiet week)
    arrival_by_week: tuple[float, ...] = (0.30, 0.55, 0.72, 0.84, 0.92, 0.97, 1.0)
    arrival_speed_sd: float = 0.25  # each series' audience arrives up to this much faster or slower (log scale)
    promotion_views: float = 1.0  # views of a promotion unit, in episodes' worth of the series' views
    promotion_sd: float = 0.3
    promotion_arrival_by_week: tuple[float, ...] = (0.6, 0.85, 0.95, 1.0)
    scenes: int = 300  # scenes per series for its beat histogram

    def __post_init__(self) -> None:
        if self.series < 1 or self.weeks < 1 or self.launch_episodes < 1 or not self.archetypes:
            raise InvalidInputError("a market needs at least one series, one archetype, one week and one episode")


@dataclass(frozen=True)
class MarketRun:
    """What one allocator achieved on one market."""

    completed_views: float  # over the launch, the decision weeks and the tail
    weekly_completed: tuple[float, ...]
    slate_evenness: tuple[float, ...]  # per decision week: archetype evenness of the budget
    catalog_evenness: tuple[float, ...]  # per decision week: archetype evenness of the active catalog
    greenlit: int
    sunset: int


@dataclass
class _Series:
    releases: list[int] = field(default_factory=list)  # week each released episode came out
    pending: list[int] = field(default_factory=list)  # weeks greenlit episodes will come out
    promotions: list[tuple[int, float]] = field(default_factory=list)  # (week, units)
    views: list[int] = field(default_factory=list)  # per simulated week
    completions: list[int] = field(default_factory=list)
    status: SeriesStatus = SeriesStatus.ACTIVE


class Market:
    """The hidden truth and the observed history of one simulated market."""

    def __init__(self, config: MarketConfig, seed: int) -> None:
        self.config = c = config
        self.week = 0
        hidden = np.random.default_rng([seed, 1])  # the market's paths: the same whatever the allocator does
        self._noise = np.random.default_rng([seed, 2])
        k, n, horizon = len(c.archetypes), c.series, c.weeks + c.tail_weeks + 1
        self.archetype_index = np.arange(n) % k
        hidden.shuffle(self.archetype_index)
        a_path = hidden.normal(0, c.archetype_sd, k)[None, :] + np.vstack(
            [np.zeros(k), np.cumsum(hidden.normal(0, c.archetype_drift_sd, (horizon - 1, k)), axis=0)]
        )
        s_path = hidden.normal(0, c.series_sd, n)[None, :] + np.vstack(
            [np.zeros(n), np.cumsum(hidden.normal(0, c.drift_sd, (horizon - 1, n)), axis=0)]
        )
        own = hidden.normal(0, c.completion_sd, n)[None, :] + np.vstack(
            [np.zeros(n), np.cumsum(hidden.normal(0, c.drift_sd / 2, (horizon - 1, n)), axis=0)]
        )
        appeal = a_path[:, self.archetype_index] + s_path  # (week, series), log scale
        self.reach: FloatArray = c.views_per_episode * np.exp(appeal)
        logit = math.log(c.completion / (1 - c.completion)) + c.completion_link * appeal + own
        self.completion: FloatArray = 1.0 / (1.0 + np.exp(-logit))
        # Drawn for every series and week up front, so the shocks too are the same whatever the allocator does.
        self.shock = np.exp(hidden.normal(-(c.weekly_shock_sd**2) / 2, c.weekly_shock_sd, (horizon, n)))
        self.speed = np.exp(hidden.normal(0, c.arrival_speed_sd, n))
        self.promotion = c.promotion_views * np.exp(hidden.normal(-(c.promotion_sd**2) / 2, c.promotion_sd, n))
        self.beats = [self._beats(hidden, int(a)) for a in self.archetype_index]
        self.series = [_Series(releases=[0] * c.launch_episodes) for _ in range(n)]

    def _beats(self, rng: np.random.Generator, archetype: int) -> dict[BeatType, int]:
        # Each archetype leans on its own beats; each series varies around its archetype's mix.
        lean = np.random.default_rng(archetype).dirichlet(np.ones(len(BeatType)) * 2.0)
        counts = rng.multinomial(self.config.scenes, rng.dirichlet(lean * 50.0))
        return {beat: int(m) for beat, m in zip(BeatType, counts, strict=True) if m}

    def value(self, week: int) -> FloatArray:
        """The true completed views per episode of every series in `week`."""
        return np.asarray(self.reach[week] * self.completion[week], dtype=np.float64)

    def ids(self) -> list[str]:
        return [f"s{i:02d}" for i in range(self.config.series)]

    def snapshots(self) -> list[SeriesSnapshot]:
        """What an allocator may see at the start of the current week."""
        t, c = self.week, self.config
        out = []
        # The parts are built without validation (model_construct): the market makes them valid by construction,
        # and validating thousands of them each week would take most of a benchmark's time.
        for i, (sid, s) in enumerate(zip(self.ids(), self.series, strict=True)):
            releases = [
                EpisodeRelease.model_construct(episode=e + 1, age_days=DAYS_PER_WEEK * (t - r))
                for e, r in enumerate(s.releases)
            ]
            spends = [
                PromotionSpend.model_construct(age_days=DAYS_PER_WEEK * (t - w), units=u) for w, u in s.promotions
            ]
            weeks = [
                WeekCounts.model_construct(weeks_ago=t - 1 - w, views=v, completions=d)
                for w, (v, d) in enumerate(zip(s.views, s.completions, strict=True))
            ]
            out.append(
                SeriesSnapshot(
                    series_id=sid,
                    title=f"Series {i + 1}",
                    archetype=c.archetypes[int(self.archetype_index[i])],
                    beats=self.beats[i],
                    status=s.status,
                    episodes_written=len(s.releases) + len(s.pending),
                    episodes_planned=c.planned_episodes,
                    greenlit_pending=len(s.pending),
                    releases=tuple(releases),
                    promotions=tuple(spends),
                    weeks=tuple(weeks),
                )
            )
        return out

    def apply(self, decisions: dict[str, tuple[PortfolioAction, int, float]]) -> int:
        """Carry out the week's decisions (series id → action, episodes, promotion units); returns episodes greenlit."""
        greenlit = 0
        for sid, s in zip(self.ids(), self.series, strict=True):
            if sid not in decisions or s.status is SeriesStatus.SUNSET:
                continue
            action, episodes, units = decisions[sid]
            if action is PortfolioAction.SUNSET:
                s.status, s.pending = SeriesStatus.SUNSET, []
                continue
            room = self.config.planned_episodes - len(s.releases) - len(s.pending)
            made = max(0, min(episodes, room))
            s.pending += [self.week + self.config.production_weeks] * made
            greenlit += made
            if units > 0 and s.releases:
                s.promotions.append((self.week, units))
        return greenlit

    def advance(self) -> float:
        """Release what is due, simulate the current week's viewing, move to the next week; returns its completions."""
        t, c = self.week, self.config
        week_end, week_start = DAYS_PER_WEEK * (t + 1), DAYS_PER_WEEK * t
        total = 0.0
        for i, s in enumerate(self.series):
            s.releases += [w for w in s.pending if w <= t]
            s.pending = [w for w in s.pending if w > t]
            released = np.array(s.releases, dtype=np.float64) * DAYS_PER_WEEK
            exposure = float(
                (
                    arrived((week_end - released) * self.speed[i], c.arrival_by_week)
                    - arrived((week_start - released) * self.speed[i], c.arrival_by_week)
                ).sum()
            )
            if s.promotions:
                starts = np.array([w for w, _ in s.promotions], dtype=np.float64) * DAYS_PER_WEEK
                units = np.array([u for _, u in s.promotions])
                curve = c.promotion_arrival_by_week
                share = arrived(week_end - starts, curve) - arrived(week_start - starts, curve)
                exposure += self.promotion[i] * float(units @ share)
            views = int(self._noise.poisson(self.reach[t, i] * self.shock[t, i] * exposure))
            done = int(self._noise.binomial(views, self.completion[t, i]))
            s.views.append(views)
            s.completions.append(done)
            total += done
        self.week += 1
        return total


class Oracle:
    """The ceiling: knows every series' true completed views per episode this week and funds the best, within limits.

    It reads the hidden values of its own copy of the market (the paths depend on the seed alone).
    """

    def __init__(self, config: MarketConfig, seed: int, policy: PortfolioPolicy) -> None:
        self.market = Market(config, seed)
        self.policy = policy

    def allocate(self, snapshots: Sequence[SeriesSnapshot], budget: PeriodBudget, *, period: int) -> Allocation:
        active = [s for s in snapshots if s.status is SeriesStatus.ACTIVE]
        index = {sid: i for i, sid in enumerate(self.market.ids())}
        truth = self.market.value(period)[[index[s.series_id] for s in active]]
        order = np.tile(truth, (max(budget.episodes, 1), 1))
        cap = np.array([episode_capacity(s, self.policy, budget) for s in active], dtype=np.int64)
        episodes = thompson_counts(order[: budget.episodes], cap)
        slots, unit = promotion_slots(budget)
        cap_p = np.array([share_cap(self.policy.max_share, slots) if s.released else 0 for s in active])
        promotion = thompson_counts(np.tile(truth, (slots, 1)), cap_p) * unit
        shares = budget_shares(active, episodes.tolist(), promotion.tolist(), budget)
        decisions = [
            plain_decision(s, int(episodes[i]), float(promotion[i]), shares[s.series_id], 0.0, "oracle")
            for i, s in enumerate(active)
        ]
        return build_allocation(period, budget, self.policy, active, decisions)


def run_market(allocator: Allocator, config: MarketConfig, budget: PeriodBudget, seed: int) -> MarketRun:
    """Run `allocator` on the market of `seed` with `budget` every week; see the module's docstring."""
    market = Market(config, seed)
    weekly = [market.advance()]  # week 0: the launch
    slate: list[float] = []
    catalog: list[float] = []
    greenlit = 0
    for week in range(1, config.weeks + 1):
        allocation = allocator.allocate(market.snapshots(), budget, period=week)
        slate.append(allocation.diversity.slate_archetype_evenness)
        catalog.append(allocation.diversity.archetype_evenness)
        greenlit += market.apply({d.series_id: (d.action, d.episodes, d.promotion) for d in allocation.decisions})
        weekly.append(market.advance())
    for _ in range(config.tail_weeks):
        weekly.append(market.advance())
    return MarketRun(
        completed_views=float(sum(weekly)),
        weekly_completed=tuple(weekly),
        slate_evenness=tuple(slate),
        catalog_evenness=tuple(catalog),
        greenlit=greenlit,
        sunset=sum(1 for s in market.series if s.status is SeriesStatus.SUNSET),
    )
