"""The portfolio allocator on planted arms: finds the best, sunsets the worst only when allowed, explores, keeps
the diversity floor, is not fooled by views still arriving, and records its decisions in the state."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import numpy as np
import pytest

from dramaline.decide.allocators import DAYS_PER_WEEK, PlainThompson, arrived
from dramaline.decide.portfolio import PortfolioAllocator, apply_allocation
from dramaline.errors import InvalidInputError
from dramaline.model import (
    Archetype,
    EpisodeRelease,
    PeriodBudget,
    PortfolioAction,
    PortfolioPolicy,
    PortfolioState,
    SeriesSnapshot,
    SeriesStatus,
    WeekCounts,
)

POLICY = PortfolioPolicy()
A = list(Archetype)
BUDGET = PeriodBudget(episodes=12, promotion=12)


def planted(
    sid: str,
    archetype: Archetype,
    *,
    views_per_episode: float,
    completion: float,
    episodes: int = 8,
    age_days: float = 70.0,
    released: int | None = None,
    policy: PortfolioPolicy = POLICY,
) -> SeriesSnapshot:
    """A series whose views arrived exactly as the arrival curve says: `views_per_episode` over each episode's life.

    All `episodes` came out `age_days` ago; `released` (default all) of them are released.
    """
    count = episodes if released is None else released
    ages = np.full(count, age_days)
    weeks = []
    for k in range(int(np.ceil(age_days / DAYS_PER_WEEK))):
        end, start = ages - DAYS_PER_WEEK * k, ages - DAYS_PER_WEEK * (k + 1)
        share = float((arrived(end, policy.arrival_by_week) - arrived(start, policy.arrival_by_week)).sum())
        views = round(views_per_episode * share)
        weeks.append(WeekCounts(weeks_ago=k, views=views, completions=round(views * completion)))
    return SeriesSnapshot(
        series_id=sid,
        title=sid.title(),
        archetype=archetype,
        episodes_written=count,
        releases=tuple(EpisodeRelease(episode=n, age_days=age_days) for n in range(1, count + 1)),
        weeks=tuple(weeks),
    )


def catalog() -> list[SeriesSnapshot]:
    """Six series of six archetypes; 'star' completes twice as many views per episode as the next best."""
    rates = {"star": (2000, 0.5), "good": (2000, 0.25), "fair": (1500, 0.3), "okay": (1500, 0.28)}
    rates |= {"meh": (1200, 0.3), "dull": (1000, 0.3)}
    return [planted(sid, A[i], views_per_episode=v, completion=c) for i, (sid, (v, c)) in enumerate(rates.items())]


def test_the_best_arm_gets_the_most_and_the_reasons_cite_the_numbers() -> None:
    allocation = PortfolioAllocator(POLICY, seed=3).allocate(catalog(), BUDGET, period=1)
    star = allocation.decision("star")
    assert star.action is PortfolioAction.GREENLIGHT
    assert star.episodes == 3  # the production limit and the 25% share: 3 of 12
    assert star.promotion == pytest.approx(3.0)
    assert star.p_top > 0.99
    assert star.completion.low < 0.5 < star.completion.high
    assert star.completed_per_episode.value == pytest.approx(1000, rel=0.1)
    assert re.match(
        r"greenlit 3 episodes: 100% chance to be among the top 3 by completed views per episode "
        r"\([\d,]+ \[[\d,]+–[\d,]+\] per episode\); completion 50% \[\d+%–\d+%\]",
        star.reasons[0],
    ), star.reasons[0]
    assert "promotion 3 units (25% of the promotion budget)" in star.reasons
    assert max(allocation.decisions, key=lambda d: d.p_top).series_id == "star"
    assert allocation.decision("dull").p_top < 0.05
    assert allocation.episodes == 12
    assert allocation.promotion == pytest.approx(12.0)


def test_the_same_seed_and_period_decide_the_same() -> None:
    one = PortfolioAllocator(POLICY, seed=5).allocate(catalog(), BUDGET, period=4)
    two = PortfolioAllocator(POLICY, seed=5).allocate(catalog(), BUDGET, period=4)
    assert one == two


def test_thresholds_cap_each_series_and_the_budget_is_spent() -> None:
    policy = PortfolioPolicy(max_share=0.2, max_episodes_per_series=10)
    allocation = PortfolioAllocator(policy, seed=1).allocate(
        catalog(), PeriodBudget(episodes=10, promotion=10), period=1
    )
    assert max(d.episodes for d in allocation.decisions) == 2  # 20% of 10
    assert max(d.promotion for d in allocation.decisions) <= 2.0 + 1e-9
    assert allocation.episodes == 10
    assert allocation.promotion == pytest.approx(10.0)


def test_a_series_with_no_episodes_left_to_plan_gets_none() -> None:
    arms = catalog()
    arms[0] = arms[0].model_copy(update={"episodes_planned": 8})  # 'star' has released all 8 it planned
    allocation = PortfolioAllocator(POLICY, seed=1).allocate(arms, BUDGET, period=1)
    star = allocation.decision("star")
    assert star.episodes == 0
    assert star.promotion > 0  # its released episodes can still be promoted
    assert "all 8 planned episodes are released or greenlit" in star.reasons


def weak(released: int, views_per_episode: float = 1000, episodes: int | None = None) -> SeriesSnapshot:
    return planted("weak", A[6], views_per_episode=views_per_episode, completion=0.08, episodes=episodes or released)


def test_the_clearly_worst_is_sunset_after_enough_evidence() -> None:
    allocation = PortfolioAllocator(POLICY, seed=1).allocate([*catalog(), weak(8)], BUDGET, period=1)
    d = allocation.decision("weak")
    assert d.action is PortfolioAction.SUNSET
    assert (d.episodes, d.promotion, d.budget_share) == (0, 0.0, 0.0)
    assert d.p_below_floor > 0.99
    assert d.reasons[0].startswith("sunset: 100% chance that completion is below the 20% floor (completion 8% [")
    assert "8,000 views, 8 episodes released" in d.reasons[0]
    assert allocation.diversity.series == 6  # the catalog's diversity no longer counts it
    assert all(x.action is not PortfolioAction.SUNSET for x in allocation.decisions if x.series_id != "weak")


def test_never_sunset_before_the_minimum_of_episodes() -> None:
    allocation = PortfolioAllocator(POLICY, seed=1).allocate([*catalog(), weak(3, 3000)], BUDGET, period=1)
    d = allocation.decision("weak")
    assert d.action is not PortfolioAction.SUNSET
    assert d.p_below_floor > 0.99
    assert "but only 3 episodes are released (minimum 5)" in " ".join(d.reasons)


def test_never_sunset_before_the_minimum_of_views() -> None:
    arms = [*catalog(), weak(8, views_per_episode=100)]  # 800 views, fewer than the 1,000 needed
    d = PortfolioAllocator(POLICY, seed=1).allocate(arms, BUDGET, period=1).decision("weak")
    assert d.action is not PortfolioAction.SUNSET
    assert "800 views are fewer than the 1,000 needed" in " ".join(d.reasons)


def test_a_stricter_confidence_keeps_a_borderline_series() -> None:
    # Completion 18% over 4,000 views against a 20% floor: about 99.9% likely below; 95% sunsets, 99.99% keeps.
    border = planted("border", A[6], views_per_episode=500, completion=0.18)
    lenient = PortfolioAllocator(POLICY.model_copy(update={"sunset_confidence": 0.95}), 1)
    strict = PortfolioAllocator(POLICY.model_copy(update={"sunset_confidence": 0.9999}), 1)
    assert lenient.allocate([*catalog(), border], BUDGET, period=1).decision("border").action is PortfolioAction.SUNSET
    assert strict.allocate([*catalog(), border], BUDGET, period=1).decision("border").action is not (
        PortfolioAction.SUNSET
    )


def test_a_fresh_release_is_not_sunset_for_looking_weak() -> None:
    # Ten episodes out for a day, as good as 'star' by views (3,000 per episode): so far they have 4/7 of their
    # first week's 40%. Credited only with the exposure that had time to arrive, the series is estimated right.
    fresh = planted("fresh", A[6], views_per_episode=3000, completion=0.3, episodes=10, age_days=1.0)
    assert fresh.total_views == round(10 * 3000 * 0.4 / 7)  # 1,714 of an eventual 30,000
    allocation = PortfolioAllocator(POLICY, seed=1).allocate([*catalog(), fresh], BUDGET, period=1)
    d = allocation.decision("fresh")
    assert d.action is not PortfolioAction.SUNSET
    assert d.completed_per_episode.value == pytest.approx(900, rel=0.1)
    assert d.matured_episodes == pytest.approx(10 * 0.4 / 7)
    assert any("views of recent releases are still arriving" in r for r in d.reasons)
    # A mature series with the same views, which is how a reading without the delay sees the fresh one
    # (171 views per episode), is below a quarter of the median series: sunset.
    same = planted("same", A[6], views_per_episode=171.4, completion=0.3, episodes=10)
    assert same.total_views == pytest.approx(fresh.total_views, abs=10)
    d = PortfolioAllocator(POLICY, seed=1).allocate([*catalog(), same], BUDGET, period=1).decision("same")
    assert d.action is PortfolioAction.SUNSET
    assert "of the median series'" in d.reasons[0]
    # Plain Thompson sampling reads the fresh series that way: completed views per released episode so far.
    plain = PlainThompson(POLICY, 1).allocate([*catalog(), fresh], BUDGET, period=1).decision("fresh")
    assert plain.completed_per_episode.value == pytest.approx(1714 * 0.3 / 10, rel=0.01)


def test_the_exploration_quota_funds_an_under_explored_series() -> None:
    # 'newbie' came out hours ago and its first views look weak (10% completed), but there are few of them.
    # Thompson sampling alone leaves it; the quota keeps 3 of 12 episodes for series with little evidence,
    # and every other series (one archetype, long on the market) has plenty.
    arms = [planted(f"s{i}", A[0], views_per_episode=2000 - 200 * i, completion=0.3) for i in range(5)]
    newbie = planted("newbie", A[5], views_per_episode=1000, completion=0.1, episodes=5, age_days=0.5)
    without = PortfolioAllocator(POLICY.model_copy(update={"exploration_share": 0.0, "diversity_floor": 0.0}), 2)
    assert without.allocate([*arms, newbie], BUDGET, period=1).decision("newbie").episodes == 0
    quota = PortfolioAllocator(POLICY.model_copy(update={"exploration_share": 0.25, "diversity_floor": 0.0}), 2)
    allocation = quota.allocate([*arms, newbie], BUDGET, period=1)
    d = allocation.decision("newbie")
    assert d.episodes == 3
    assert d.promotion == pytest.approx(3.0)
    assert d.exploration
    assert any(r.startswith("6 slots from the exploration quota: only 0.1 episodes' worth") for r in d.reasons)
    assert allocation.episodes == 12


def test_the_diversity_floor_spreads_the_budget_over_archetypes() -> None:
    # Three strong series of one archetype, three weak ones of others.
    strong = [planted(f"strong{i}", A[0], views_per_episode=3000, completion=0.4) for i in range(3)]
    others = [planted(f"other{i}", A[i + 1], views_per_episode=1000, completion=0.3) for i in range(3)]
    free = PortfolioPolicy(exploration_share=0.0, diversity_floor=0.0, max_share=0.34, max_episodes_per_series=4)
    allocation = PortfolioAllocator(free, 1).allocate([*strong, *others], BUDGET, period=1)
    assert allocation.diversity.slate_archetype_evenness == 0.0  # everything goes to the one archetype
    kept = PortfolioAllocator(free.model_copy(update={"diversity_floor": 0.5}), 1).allocate(
        [*strong, *others], BUDGET, period=1
    )
    assert kept.diversity.slate_archetype_evenness >= 0.5
    assert kept.diversity.slate_archetypes >= 2
    moved = [d for d in kept.decisions if d.exploration]
    assert moved
    assert all("keep the budget's archetype evenness at the 0.50 floor" in " ".join(d.reasons) for d in moved)
    assert "above the 0.50 floor" in kept.diversity.describe()


def test_duplicate_series_ids_are_refused() -> None:
    arms = catalog()
    with pytest.raises(InvalidInputError, match="unique"):
        PortfolioAllocator().allocate([*arms, arms[0]], BUDGET, period=1)


def test_sunset_series_are_left_out_and_nothing_active_says_so() -> None:
    gone = catalog()[0].model_copy(update={"status": SeriesStatus.SUNSET})
    allocation = PortfolioAllocator().allocate([gone], BUDGET, period=1)
    assert allocation.decisions == ()
    assert allocation.notes == ("no active series: nothing to decide",)


def test_apply_allocation_records_greenlights_and_sunsets() -> None:
    arms = [*catalog(), weak(8)]
    allocation = PortfolioAllocator(POLICY, seed=1).allocate(arms, BUDGET, period=1)
    when = datetime(2025, 5, 1, tzinfo=UTC)
    state = apply_allocation(PortfolioState(), allocation, when)
    assert state.period == 1
    assert state.history[0].decided_at == when
    star = allocation.decision("star")
    assert state.series["star"].greenlit_through == 8 + star.episodes
    assert state.series["weak"].status is SeriesStatus.SUNSET
    assert state.series["weak"].sunset_in == 1
    assert state.series["weak"].sunset_reason == allocation.decision("weak").reasons[0]
    with pytest.raises(InvalidInputError, match="period 1 but the portfolio is at period 1"):
        apply_allocation(state, allocation, when)


def test_a_studio_with_nothing_released_yet_greenlights_and_keeps_its_promotion() -> None:
    new = [SeriesSnapshot(series_id=f"new{i}", title=f"New {i}", archetype=A[i]) for i in range(4)]
    allocation = PortfolioAllocator(POLICY, seed=1).allocate(new, PeriodBudget(episodes=8, promotion=5), period=1)
    assert allocation.episodes == 8
    assert [d.episodes for d in allocation.decisions] == [2, 2, 2, 2]  # 25% each: the whole budget
    assert allocation.promotion == 0.0  # nothing to promote yet
    assert "5 promotion units unspent: no active series with released episodes has room" in allocation.notes
    assert all(d.action is PortfolioAction.GREENLIGHT for d in allocation.decisions)
