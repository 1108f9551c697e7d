"""The simulated market: delayed views, drift, correlated archetypes, the same paths for every allocator."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from dramaline.decide.allocators import PlainThompson, UniformAllocator
from dramaline.decide.portfolio import PortfolioAllocator
from dramaline.decide.portfolio_env import Market, MarketConfig, Oracle, run_market
from dramaline.errors import InvalidInputError
from dramaline.model import Archetype, PeriodBudget, PortfolioAction, PortfolioPolicy

STILL: dict[str, Any] = {"drift_sd": 0.0, "archetype_drift_sd": 0.0, "weekly_shock_sd": 0.0, "arrival_speed_sd": 0.0}


def test_views_of_a_release_arrive_over_weeks_along_the_curve() -> None:
    config = MarketConfig(
        series=1, launch_episodes=1, views_per_episode=1e6, series_sd=0.0, archetype_sd=0.0, completion_sd=0.0, **STILL
    )
    market = Market(config, seed=0)
    for _ in range(8):
        market.advance()
    views = np.array(market.series[0].views, dtype=float)
    shares = np.diff([0.0, *config.arrival_by_week])
    assert views[:7] / 1e6 == pytest.approx(shares, abs=0.005)
    assert views[7] == 0  # the curve ends after seven weeks
    done = np.array(market.series[0].completions, dtype=float)
    assert done[:7].sum() / views[:7].sum() == pytest.approx(config.completion, abs=0.005)


def test_promotion_brings_views_on_its_own_curve() -> None:
    config = MarketConfig(series=1, launch_episodes=1, views_per_episode=1e6, series_sd=0.0, archetype_sd=0.0,
                          promotion_sd=0.0, **STILL)  # fmt: skip
    plain, promoted = Market(config, seed=0), Market(config, seed=0)
    promoted.apply({"s00": (PortfolioAction.PROMOTE, 0, 2.0)})
    plain.advance()
    promoted.advance()
    extra = promoted.series[0].views[0] - plain.series[0].views[0]
    # 2 units × one episode's worth each × the promotion curve's first week (60%).
    assert extra / 1e6 == pytest.approx(2 * 0.6, abs=0.01)


def test_drift_moves_the_hidden_values_and_a_still_market_keeps_them() -> None:
    still = Market(MarketConfig(series=6, **STILL), seed=1)
    assert np.allclose(still.value(0), still.value(30))
    moving = Market(MarketConfig(series=6, drift_sd=0.1), seed=1)
    steps = np.diff(np.log(moving.reach[:, 0]))
    assert np.std(steps) == pytest.approx(np.sqrt(0.1**2 + 0.05**2), rel=0.35)
    assert not np.allclose(moving.value(0), moving.value(30))


def test_series_of_one_archetype_share_its_appeal() -> None:
    config = MarketConfig(series=8, archetypes=(Archetype.HIDDEN_HEIR, Archetype.FATED_MATE), series_sd=0.0,
                          archetype_sd=1.0, completion_sd=0.0, **STILL)  # fmt: skip
    market = Market(config, seed=3)
    values = market.value(0)
    for a in (0, 1):
        same = values[market.archetype_index == a]
        assert len(same) == 4
        assert np.allclose(same, same[0])
    assert not np.isclose(values[market.archetype_index == 0][0], values[market.archetype_index == 1][0])


def test_the_hidden_paths_depend_on_the_seed_only() -> None:
    config = MarketConfig(series=6, weeks=4, tail_weeks=0)
    budget = PeriodBudget(episodes=4, promotion=2)
    policy = PortfolioPolicy()
    a = run_market(UniformAllocator(policy), config, budget, seed=7)
    b = run_market(PlainThompson(policy, 0), config, budget, seed=7)
    assert np.array_equal(Market(config, 7).reach, Market(config, 7).reach)
    assert a.weekly_completed[0] == b.weekly_completed[0]  # the launch week is the same market
    assert a.weekly_completed != b.weekly_completed  # then the allocations differ
    assert not np.array_equal(Market(config, 7).reach, Market(config, 8).reach)


def test_a_run_spends_the_budget_and_snapshots_show_the_history() -> None:
    config = MarketConfig(series=6, weeks=5, tail_weeks=2, launch_episodes=2)
    run = run_market(PortfolioAllocator(PortfolioPolicy(), 0), config, PeriodBudget(episodes=4, promotion=2), seed=1)
    assert run.greenlit == 4 * 5
    assert len(run.weekly_completed) == 1 + 5 + 2
    assert run.completed_views == pytest.approx(sum(run.weekly_completed))
    assert len(run.slate_evenness) == len(run.catalog_evenness) == 5
    market = Market(config, seed=1)
    market.advance()
    market.advance()
    (first, *_) = market.snapshots()
    assert [r.age_days for r in first.releases] == [14.0, 14.0]
    assert [w.weeks_ago for w in first.weeks] == [1, 0]
    assert first.weeks[0].views == market.series[0].views[0]


def test_the_oracle_beats_ours_and_ours_beats_a_uniform_split_by_far() -> None:
    # A small market: 8 series of 4 archetypes, 8 weeks; each series may take a third of the budget.
    config = MarketConfig(series=8, weeks=8, tail_weeks=3, archetypes=tuple(Archetype)[:4])
    budget = PeriodBudget(episodes=6, promotion=6)
    policy = PortfolioPolicy(max_share=0.34)
    uniform = run_market(UniformAllocator(policy), config, budget, seed=0).completed_views
    oracle = run_market(Oracle(config, 0, policy), config, budget, seed=0).completed_views
    ours = run_market(PortfolioAllocator(policy, 0), config, budget, seed=0).completed_views
    assert oracle > ours > 1.4 * uniform


def test_a_market_needs_series() -> None:
    with pytest.raises(InvalidInputError, match="at least one series"):
        MarketConfig(series=0)
