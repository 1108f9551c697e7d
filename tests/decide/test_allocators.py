"""The bandit's parts on hand-computed cases: arrival, evidence, dispersion, posteriors, slots; and the baselines."""

from __future__ import annotations

import numpy as np
import pytest

from dramaline.decide.allocators import (
    PlainThompson,
    Posteriors,
    SeriesEvidence,
    UniformAllocator,
    arrived,
    budget_shares,
    dispersion,
    episode_capacity,
    p_top,
    posteriors,
    promotion_slots,
    series_evidence,
    thompson_counts,
)
from dramaline.model import (
    Archetype,
    EpisodeRelease,
    PeriodBudget,
    PortfolioPolicy,
    PromotionSpend,
    SeriesSnapshot,
    SeriesStatus,
    WeekCounts,
)

CURVE = (0.4, 0.65, 0.8, 0.89, 0.95, 1.0)


def snap(sid: str, **fields: object) -> SeriesSnapshot:
    return SeriesSnapshot.model_validate({"series_id": sid, "title": sid, "archetype": Archetype.HIDDEN_HEIR, **fields})


def test_arrived_interpolates_the_weekly_curve() -> None:
    ages = np.array([-3.0, 0.0, 3.5, 7.0, 10.5, 14.0, 41.0, 42.0, 400.0])
    assert arrived(ages, CURVE).tolist() == pytest.approx([0, 0, 0.2, 0.4, 0.525, 0.65, 0.95 + 0.05 * 6 / 7, 1, 1])


def test_series_evidence_credits_matured_exposure_and_discounts_by_age() -> None:
    # One episode 14 days old under a two-week curve (half in each week); half-life one week.
    policy = PortfolioPolicy(arrival_by_week=(0.5, 1.0), half_life_weeks=1.0)
    s = snap(
        "a",
        releases=[EpisodeRelease(episode=1, age_days=14.0)],
        weeks=[WeekCounts(weeks_ago=0, views=30, completions=9), WeekCounts(weeks_ago=1, views=50, completions=20)],
    )
    e = series_evidence(s, policy)
    assert e.week_exposure.tolist() == pytest.approx([0.5, 0.5])
    assert e.views == pytest.approx(30 + 0.5 * 50)
    assert e.completions == pytest.approx(9 + 0.5 * 20)
    assert e.exposure == pytest.approx(0.5 + 0.5 * 0.5)
    assert e.matured == pytest.approx(1.0)


def test_series_evidence_counts_promotion_in_episodes_worth() -> None:
    # 2 units 3.5 days ago; each unit is worth half an episode and arrives within a week: 2 × 0.5 × 0.5 so far.
    policy = PortfolioPolicy(promotion_arrival_by_week=(1.0,), promotion_reach=0.5)
    s = snap("a", promotions=[PromotionSpend(age_days=3.5, units=2.0)])
    e = series_evidence(s, policy)
    assert e.week_exposure.tolist() == pytest.approx([0.5])
    assert e.matured == pytest.approx(0.5)


def test_a_fresh_episode_is_credited_only_what_has_arrived() -> None:
    policy = PortfolioPolicy(arrival_by_week=CURVE)
    fresh = snap("a", releases=[EpisodeRelease(episode=n, age_days=3.5) for n in (1, 2, 3, 4)])
    assert series_evidence(fresh, policy).matured == pytest.approx(4 * 0.2)


def evidence_with(views: list[int], exposure: list[float], completions: list[int] | None = None) -> SeriesEvidence:
    v, x = np.array(views, dtype=float), np.array(exposure)
    c = np.array(completions if completions is not None else [0] * len(views), dtype=float)
    return SeriesEvidence(float(v.sum()), float(c.sum()), float(x.sum()), float(x.sum()), v, c, x)


def test_dispersion_is_one_for_counts_as_expected_and_pearson_otherwise() -> None:
    assert dispersion([evidence_with([100, 200], [1.0, 2.0])]) == (1.0, 1.0)
    # Mean 200 per unit of exposure: χ² = 100²/200 + 100²/200 = 100 over 1 degree of freedom.
    views, _ = dispersion([evidence_with([100, 300], [1.0, 1.0])])
    assert views == pytest.approx(100.0)
    # Completions: p = 100/400; (0 − 50)² / (200·¼·¾) + (100 − 50)² / (200·¼·¾) = 2 × 2500 / 37.5.
    _, done = dispersion([evidence_with([200, 200], [1.0, 1.0], [0, 100])])
    assert done == pytest.approx(2 * 2500 / 37.5)


def test_posteriors_put_the_prior_at_the_pooled_rate_of_the_archetype() -> None:
    policy = PortfolioPolicy(prior_spread=0.5, prior_views=50.0)  # a Gamma prior of shape 1/0.5² = 4
    a = evidence_with([300], [1.0], [60])
    b = evidence_with([100], [1.0], [40])
    c = evidence_with([0], [0.0], [0])
    # a and c share an archetype; b has its own. Global rate: 400 views / 2 episodes = 200; completion 101/402.
    post = posteriors([a, b, c], ["hidden_heir", "fated_mate", "hidden_heir"], policy)
    p_global = 101 / 402
    # c has no evidence: its prior is its peer a's rate shrunk by one episode toward the global one,
    # (300 + 200) / (1 + 1) = 250 views per episode, with a CV of 0.5.
    assert post.shape[2] == pytest.approx(4.0)
    assert post.shape[2] / post.rate[2] == pytest.approx(250.0)
    p_a = (60 + 50 * p_global) / 350
    assert post.alpha[2] == pytest.approx(50 * p_a)
    assert post.beta[2] == pytest.approx(50 * (1 - p_a))
    # b has no peers: prior mean 200; then 100 views over one episode's exposure.
    assert post.shape[1] == pytest.approx(4 + 100)
    assert post.rate[1] == pytest.approx(4 / 200 + 1)
    assert post.alpha[1] == pytest.approx(50 * p_global + 40)
    assert post.beta[1] == pytest.approx(50 * (1 - p_global) + 60)


def test_posterior_summaries_by_hand() -> None:
    post = Posteriors(
        shape=np.array([1.0]), rate=np.array([1.0]), alpha=np.array([1.0]), beta=np.array([1.0]), dispersion=(1, 1)
    )
    (c,) = post.completion()  # Beta(1, 1) is uniform: mean ½, 90% interval 5%–95%
    assert (c.value, c.low, c.high) == pytest.approx((0.5, 0.05, 0.95))
    assert post.p_completion_below(0.3).tolist() == pytest.approx([0.3])
    draws = post.draw(np.random.default_rng(0), 20000)  # Exponential(1) × Uniform: mean ½
    assert draws.shape == (20000, 1)
    assert draws.mean() == pytest.approx(0.5, abs=0.02)


def test_thompson_counts_fill_the_best_draw_with_room() -> None:
    draws = np.array([[3.0, 2.0, 1.0]] * 4)
    assert thompson_counts(draws, np.array([1, 2, 2])).tolist() == [1, 2, 1]
    assert thompson_counts(draws, np.array([1, 2, 2]), np.array([True, False, True])).tolist() == [1, 0, 2]
    assert thompson_counts(draws, np.array([0, 0, 1])).tolist() == [0, 0, 1]  # the rest stays unspent
    assert thompson_counts(np.array([[1.0, 3.0], [3.0, 1.0]]), np.array([2, 2])).tolist() == [1, 1]


def test_p_top_counts_draws_in_the_top_k() -> None:
    draws = np.array([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]])
    assert p_top(draws, 1).tolist() == [0.5, 0.0, 0.5]
    assert p_top(draws, 2).tolist() == [0.5, 1.0, 0.5]


def test_episode_capacity_takes_the_tightest_limit() -> None:
    policy = PortfolioPolicy(max_episodes_per_series=3, max_share=0.25)
    budget = PeriodBudget(episodes=20, promotion=0)
    assert episode_capacity(snap("a"), policy, budget) == 3  # production limit
    assert episode_capacity(snap("a"), policy, PeriodBudget(episodes=8, promotion=0)) == 2  # 25% of 8
    assert episode_capacity(snap("a"), policy, PeriodBudget(episodes=2, promotion=0)) == 1  # at least one
    near_end = snap("a", episodes_planned=10, greenlit_pending=1, releases=[EpisodeRelease(episode=n, age_days=1)
                                                                           for n in range(1, 9)])  # fmt: skip
    assert episode_capacity(near_end, policy, budget) == 1
    assert episode_capacity(snap("a", status=SeriesStatus.SUNSET), policy, budget) == 0


def test_promotion_slots_and_budget_shares() -> None:
    assert promotion_slots(PeriodBudget(episodes=0, promotion=0)) == (0, 0.0)
    assert promotion_slots(PeriodBudget(episodes=0, promotion=7.5)) == (8, 7.5 / 8)
    assert promotion_slots(PeriodBudget(episodes=0, promotion=1000))[0] == 200
    two = [snap("a"), snap("b")]
    shares = budget_shares(two, [3, 1], [1.0, 3.0], PeriodBudget(episodes=4, promotion=4))
    assert shares == pytest.approx({"a": 0.5, "b": 0.5})
    assert budget_shares(two, [3, 1], [0, 0], PeriodBudget(episodes=4, promotion=0)) == pytest.approx(
        {"a": 0.75, "b": 0.25}
    )


def mature(sid: str, views_per_week: int, completions_per_week: int, archetype: Archetype) -> SeriesSnapshot:
    return SeriesSnapshot(
        series_id=sid,
        title=sid,
        archetype=archetype,
        releases=tuple(EpisodeRelease(episode=n, age_days=70.0) for n in range(1, 6)),
        weeks=tuple(WeekCounts(weeks_ago=k, views=views_per_week, completions=completions_per_week) for k in range(10)),
    )


def test_plain_thompson_funds_the_series_that_looks_best() -> None:
    policy = PortfolioPolicy(max_share=0.5, max_episodes_per_series=10)
    arms = [mature("good", 1000, 500, Archetype.HIDDEN_HEIR), mature("poor", 1000, 100, Archetype.FATED_MATE)]
    allocation = PlainThompson(policy, seed=1).allocate(arms, PeriodBudget(episodes=4, promotion=4), period=1)
    assert allocation.decision("good").episodes == 2  # the max share
    assert allocation.decision("poor").episodes == 2
    allocation = PlainThompson(policy.model_copy(update={"max_share": 1.0}), 1).allocate(
        arms, PeriodBudget(episodes=4, promotion=4), period=1
    )
    assert allocation.decision("good").episodes == 4
    assert allocation.decision("good").promotion == pytest.approx(4.0)
    assert allocation.decision("good").p_top == 1.0


def test_uniform_spreads_episodes_round_robin_and_promotion_equally() -> None:
    policy = PortfolioPolicy()
    arms = [mature(f"s{i}", 100, 10, Archetype.HIDDEN_HEIR) for i in range(4)]
    counts = np.zeros(4, dtype=int)
    for period in (1, 2):
        allocation = UniformAllocator(policy).allocate(arms, PeriodBudget(episodes=2, promotion=8), period=period)
        counts += [d.episodes for d in allocation.decisions]
        assert [d.promotion for d in allocation.decisions] == [2.0, 2.0, 2.0, 2.0]
    assert counts.tolist() == [1, 1, 1, 1]  # two periods of 2 episodes reach all four series once
