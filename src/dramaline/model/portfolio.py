"""The portfolio: many series at once, and each week's decision of which get episodes, promotion or a sunset.

`PortfolioPolicy` holds the producer's thresholds and the allocator's settings, `PeriodBudget` what one
period may spend, `SeriesSnapshot` what is known about one series when deciding (its archetype and
beats, its releases and promotion spends with their ages, and the views and completions that
arrived week by week), `SeriesDecision` what was decided for it and why, `Allocation` one period's
decisions with the catalog's diversity, and `PortfolioState` what `STUDIO/portfolio.yaml` keeps
between periods. docs/portfolio.md explains the model behind the numbers.
"""

from __future__ import annotations

from enum import StrEnum
from itertools import pairwise
from typing import Literal

from pydantic import AwareDatetime, Field, model_validator

from dramaline.model.base import MAX_EPISODES, Frozen, ShortText, Slug
from dramaline.model.story import Archetype, BeatType

PORTFOLIO_SCHEMA_VERSION = 1
"""Version of the portfolio state file's format."""


def _check_cumulative(values: tuple[float, ...], name: str) -> None:
    if not values:
        raise ValueError(f"{name} needs at least one week")
    if any(b < a for a, b in pairwise(values)) or values[0] <= 0 or values[-1] != 1.0:
        raise ValueError(
            f"{name} must be the cumulative share of views arrived by the end of each week since release: "
            f"rising, above 0, ending at exactly 1.0; got {list(values)}"
        )


class PortfolioPolicy(Frozen):
    """The producer's thresholds and the allocator's settings; every field is documented in docs/portfolio.md."""

    top_k: int = Field(default=3, ge=1, le=100, description="reasons cite the chance to be among the top k")
    max_episodes_per_series: int = Field(default=3, ge=1, le=MAX_EPISODES, description="production limit per week")
    max_share: float = Field(default=0.25, gt=0, le=1, description="most of each budget one series may get")
    sunset_completion_floor: float = Field(default=0.2, ge=0, lt=1, description="completion rate floor")
    sunset_relative_floor: float | None = Field(
        default=0.25, ge=0, lt=1, description="sunset below this share of the median series' completed views/episode"
    )
    sunset_confidence: float = Field(default=0.9, gt=0.5, lt=1, description="posterior probability needed to sunset")
    sunset_min_views: int = Field(default=1000, ge=0, description="views a series needs before it can be sunset")
    min_episodes_before_sunset: int = Field(default=5, ge=1, le=MAX_EPISODES)
    exploration_share: float = Field(default=0.1, ge=0, le=1, description="budget kept for under-explored series")
    explore_below_episodes: float = Field(
        default=2.0, ge=0, description="a series with less recent matured evidence (in episodes) is under-explored"
    )
    diversity_floor: float = Field(default=0.5, ge=0, le=1, description="slate archetype evenness to keep")
    half_life_weeks: float = Field(default=8.0, gt=0, le=520, description="evidence this old counts half")
    arrival_by_week: tuple[float, ...] = Field(
        default=(0.40, 0.65, 0.80, 0.89, 0.95, 1.0), description="cumulative share of an episode's views by week"
    )
    promotion_arrival_by_week: tuple[float, ...] = Field(default=(0.65, 0.9, 1.0))
    promotion_reach: float = Field(
        default=1.0, gt=0, description="views one promotion unit brings, in episodes' worth of the series' views"
    )
    prior_spread: float = Field(
        default=0.6, gt=0, le=10, description="how far a series' views per episode may be from its archetype's (CV)"
    )
    prior_views: float = Field(default=50.0, gt=0, description="weight of the completion prior, in views")
    samples: int = Field(default=1000, ge=100, le=100_000, description="posterior draws per decision")

    @model_validator(mode="after")
    def _curves(self) -> PortfolioPolicy:
        _check_cumulative(self.arrival_by_week, "arrival_by_week")
        _check_cumulative(self.promotion_arrival_by_week, "promotion_arrival_by_week")
        return self


class PeriodBudget(Frozen):
    """What one period may spend: episodes to produce and promotion units."""

    episodes: int = Field(default=10, ge=0, le=10_000)
    promotion: float = Field(default=10.0, ge=0, le=1e9, allow_inf_nan=False)


class SeriesStatus(StrEnum):
    ACTIVE = "active"
    SUNSET = "sunset"


class EpisodeRelease(Frozen):
    """One released episode and how long ago it came out."""

    episode: int = Field(ge=1, le=MAX_EPISODES)
    age_days: float = Field(ge=0, allow_inf_nan=False)


class PromotionSpend(Frozen):
    """Promotion units spent on a series, and how long ago the spend began."""

    age_days: float = Field(ge=0, allow_inf_nan=False)
    units: float = Field(gt=0, allow_inf_nan=False)


class WeekCounts(Frozen):
    """Views (started sessions) and completed views of a series that arrived in one 7-day window."""

    weeks_ago: int = Field(ge=0, description="0: the 7 days before the snapshot; 1: the 7 before those …")
    views: int = Field(ge=0)
    completions: int = Field(ge=0)

    @model_validator(mode="after")
    def _consistent(self) -> WeekCounts:
        if self.completions > self.views:
            raise ValueError(f"completions ({self.completions}) cannot exceed views ({self.views})")
        return self


class SeriesSnapshot(Frozen):
    """What is known about one series when the allocator decides."""

    series_id: Slug
    title: ShortText
    archetype: Archetype
    beats: dict[BeatType, int] = Field(default_factory=dict, description="scenes per beat type in the scripts")
    status: SeriesStatus = SeriesStatus.ACTIVE
    episodes_written: int = Field(default=0, ge=0, le=MAX_EPISODES)
    episodes_planned: int = Field(default=MAX_EPISODES, ge=1, le=MAX_EPISODES)
    greenlit_pending: int = Field(default=0, ge=0, le=MAX_EPISODES, description="greenlit, not yet released")
    releases: tuple[EpisodeRelease, ...] = ()
    promotions: tuple[PromotionSpend, ...] = ()
    weeks: tuple[WeekCounts, ...] = ()
    simulated_share: float = Field(default=0.0, ge=0, le=1, description="share of its events that are simulated")

    @model_validator(mode="after")
    def _consistent(self) -> SeriesSnapshot:
        episodes = [r.episode for r in self.releases]
        if len(set(episodes)) != len(episodes):
            raise ValueError(f"series {self.series_id}: an episode is released twice in {sorted(episodes)}")
        ages = [w.weeks_ago for w in self.weeks]
        if len(set(ages)) != len(ages):
            raise ValueError(f"series {self.series_id}: weeks_ago repeats in {sorted(ages)}; give one row per week")
        if any(n < 0 for n in self.beats.values()):
            raise ValueError(f"series {self.series_id}: beat counts cannot be negative")
        return self

    @property
    def released(self) -> int:
        return len(self.releases)

    @property
    def total_views(self) -> int:
        return sum(w.views for w in self.weeks)

    @property
    def total_completions(self) -> int:
        return sum(w.completions for w in self.weeks)


class PortfolioAction(StrEnum):
    GREENLIGHT = "greenlight"  # produce more episodes (perhaps with promotion too)
    PROMOTE = "promote"  # promotion only
    HOLD = "hold"  # nothing this period
    SUNSET = "sunset"  # stop the series


class CredibleInterval(Frozen):
    """A posterior mean with its central 90% credible interval."""

    value: float
    low: float
    high: float


class SeriesDecision(Frozen):
    """One series' decision for the period, the numbers behind it, and the reasons in words."""

    series_id: Slug
    title: ShortText
    archetype: Archetype
    action: PortfolioAction
    episodes: int = Field(ge=0)
    promotion: float = Field(ge=0)
    budget_share: float = Field(ge=0, le=1)
    exploration: bool = False  # some of the grant came from the exploration quota or the diversity floor
    p_top: float = Field(
        ge=0, le=1, description="chance to be in the top k by completed views/episode (the best, if ≤ k series)"
    )
    completion: CredibleInterval
    completed_per_episode: CredibleInterval
    p_below_floor: float = Field(ge=0, le=1, description="chance the completion rate is below the sunset floor")
    released: int = Field(ge=0, description="episodes released when deciding")
    matured_episodes: float = Field(ge=0, description="episodes' worth of views that have had time to arrive")
    views: int = Field(ge=0)
    reasons: tuple[str, ...]


class CatalogDiversity(Frozen):
    """How varied the catalog is: archetype and beat evenness (normalised Shannon entropy), beat similarity."""

    series: int = Field(ge=0, description="active series")
    archetypes: int = Field(ge=0, description="distinct archetypes among them")
    archetype_evenness: float = Field(ge=0, le=1)
    beat_evenness: float = Field(ge=0, le=1)
    beat_similarity: float | None = Field(default=None, description="mean pairwise cosine of beat histograms")
    slate_archetype_evenness: float = Field(ge=0, le=1, description="the same over this period's budget shares")
    slate_archetypes: int = Field(ge=0)
    floor: float = Field(ge=0, le=1)

    def describe(self) -> str:
        """One line for reports, such as "catalog: 6 archetypes over 12 series, evenness 0.91 …"."""
        similarity = "–" if self.beat_similarity is None else f"{self.beat_similarity:.2f}"
        verdict = "above" if self.slate_archetype_evenness >= self.floor else "BELOW"
        return (
            f"catalog: {self.archetypes} archetypes over {self.series} series, archetype evenness "
            f"{self.archetype_evenness:.2f}, beat evenness {self.beat_evenness:.2f}, beat similarity {similarity}; "
            f"this period's budget: {self.slate_archetypes} archetypes, evenness {self.slate_archetype_evenness:.2f}, "
            f"{verdict} the {self.floor:.2f} floor"
        )


class Allocation(Frozen):
    """One period's decisions, with the catalog's diversity and any notes about the whole slate."""

    period: int = Field(ge=1)
    budget: PeriodBudget
    decisions: tuple[SeriesDecision, ...]
    diversity: CatalogDiversity
    notes: tuple[str, ...] = ()

    def decision(self, series_id: str) -> SeriesDecision:
        for d in self.decisions:
            if d.series_id == series_id:
                return d
        raise KeyError(series_id)

    @property
    def episodes(self) -> int:
        return sum(d.episodes for d in self.decisions)

    @property
    def promotion(self) -> float:
        return sum(d.promotion for d in self.decisions)


class SeriesState(Frozen):
    """What the portfolio remembers about one series between periods."""

    status: SeriesStatus = SeriesStatus.ACTIVE
    greenlit_through: int = Field(default=0, ge=0, description="the last episode number greenlit so far")
    sunset_in: int | None = Field(default=None, ge=1, description="the period that sunset it")
    sunset_reason: str | None = None


class PeriodRecord(Frozen):
    """An applied allocation and when it was decided (promotion ages are counted from then)."""

    decided_at: AwareDatetime
    allocation: Allocation


class PortfolioState(Frozen):
    """The portfolio state file, STUDIO/portfolio.yaml: thresholds, default budget, series states, history."""

    schema_version: Literal[1] = 1
    policy: PortfolioPolicy = PortfolioPolicy()
    budget: PeriodBudget = PeriodBudget()
    series: dict[Slug, SeriesState] = Field(default_factory=dict)
    history: tuple[PeriodRecord, ...] = ()

    @model_validator(mode="after")
    def _ordered(self) -> PortfolioState:
        periods = [r.allocation.period for r in self.history]
        if periods != list(range(1, len(periods) + 1)):
            raise ValueError(f"history must hold periods 1..{len(periods)} in order; found {periods}")
        return self

    @property
    def period(self) -> int:
        """Periods applied so far; the next allocation is period + 1."""
        return len(self.history)

    def status(self, series_id: str) -> SeriesStatus:
        found = self.series.get(series_id)
        return found.status if found else SeriesStatus.ACTIVE
