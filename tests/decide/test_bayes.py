"""Experiment statistics against hand-computed values: SRM, Beta posteriors, chances, losses, decisions."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dramaline.decide.bayes import (
    BetaPosterior,
    MeanPosterior,
    compare,
    decide,
    sample_ratio_check,
)
from dramaline.errors import InvalidInputError
from dramaline.model import DecisionThresholds, ExperimentAction, ExperimentDecision, PrimaryMetric

COMPLETION = PrimaryMetric.COMPLETION
THRESHOLDS = DecisionThresholds(min_viewers=1000)


def _beta_greater(a1: int, b1: int, a2: int, b2: int) -> float:
    """P(X2 > X1) for X1 ~ Beta(a1, b1), X2 ~ Beta(a2, b2), integer a2: the closed-form sum (Evan Miller)."""

    def lbeta(a: float, b: float) -> float:
        return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)

    return sum(
        math.exp(lbeta(a1 + i, b1 + b2) - math.log(b2 + i) - lbeta(1 + i, b2) - lbeta(a1, b1)) for i in range(a2)
    )


# ------------------------------------------------------------------------------------------ SRM


def test_srm_flags_a_planted_52_48_split_at_large_n() -> None:
    check = sample_ratio_check([52_000, 48_000], [50, 50])
    # (2000² / 50000) · 2 = 160
    assert check.chi2 == pytest.approx(160.0)
    assert check.flagged
    assert check.p_value < 1e-30
    assert "sample ratio mismatch" in check.describe()


def test_srm_passes_a_fair_split_with_the_hand_computed_p_value() -> None:
    check = sample_ratio_check([50_100, 49_900], [1, 1])
    assert check.chi2 == pytest.approx(0.4)
    # With one degree of freedom the chi-square tail is erfc(sqrt(x / 2)).
    assert check.p_value == pytest.approx(math.erfc(math.sqrt(0.2)), rel=1e-9)
    assert check.p_value == pytest.approx(0.5271, abs=1e-4)
    assert not check.flagged


def test_srm_uses_the_weights_and_three_variants() -> None:
    fits = sample_ratio_check([5_030, 2_480, 2_490], [50, 25, 25])
    assert fits.expected == pytest.approx((5000.0, 2500.0, 2500.0))
    assert fits.df == 2
    assert not fits.flagged
    # The same counts against an even split are far off.
    assert sample_ratio_check([5_030, 2_480, 2_490], [1, 1, 1]).flagged


def test_srm_refuses_mismatched_inputs() -> None:
    with pytest.raises(InvalidInputError, match="one count per weight"):
        sample_ratio_check([1, 2, 3], [1, 1])
    with pytest.raises(InvalidInputError, match="weights > 0"):
        sample_ratio_check([1, 2], [1, 0])


# ----------------------------------------------------------------------------------- posteriors


def test_beta_posterior_mean_and_exact_interval() -> None:
    # One success in one trial under Beta(1, 1): Beta(2, 1), whose CDF is x², so quantiles are √q.
    post = BetaPosterior.from_counts(1, 1)
    assert (post.alpha, post.beta) == (2, 1)
    assert post.mean == pytest.approx(2 / 3)
    low, high = post.interval(0.95)
    assert low == pytest.approx(math.sqrt(0.025), rel=1e-9)
    assert high == pytest.approx(math.sqrt(0.975), rel=1e-9)
    # No data: the uniform prior itself.
    assert BetaPosterior.from_counts(0, 0).interval(0.9) == pytest.approx((0.05, 0.95))


def test_beta_posterior_interval_holds_its_mass() -> None:
    post = BetaPosterior.from_counts(7, 10)  # Beta(8, 4)
    assert post.mean == pytest.approx(8 / 12)
    low, high = post.interval(0.95)
    # Integrate the density x^7 (1-x)^3 / B(8, 4) by the midpoint rule, independently of scipy.
    x = (np.arange(200_000) + 0.5) / 200_000
    density = x**7 * (1 - x) ** 3 * (math.factorial(11) / (math.factorial(7) * math.factorial(3)))
    below = density[x < low].sum() / 200_000
    inside = density[(x >= low) & (x <= high)].sum() / 200_000
    assert below == pytest.approx(0.025, abs=1e-4)
    assert inside == pytest.approx(0.95, abs=1e-4)


def test_beta_posterior_refuses_impossible_counts() -> None:
    with pytest.raises(InvalidInputError, match="successes"):
        BetaPosterior.from_counts(5, 3)


def test_mean_posterior_is_the_padded_t_posterior() -> None:
    post = MeanPosterior.from_values([10.0, 20.0, 30.0], low=0.0, high=60.0)
    # Padded values 0, 10, 20, 30, 60: mean 24, squared deviations 576+196+16+36+1296 = 2120, sample sd
    # √(2120/4) = √530, scale √530/√5 = √106, 4 df.
    assert post.mean == pytest.approx(24.0)
    assert post.scale == pytest.approx(math.sqrt(106))
    assert post.df == 4
    low, high = post.interval(0.95)
    t975 = 2.7764451051977987  # the t distribution's 97.5% quantile with 4 degrees of freedom
    # 24 − 2.78 · 10.3 is below 0 s, where no mean of watch times can lie: the interval stops at 0.
    assert (low, high) == pytest.approx((0.0, 24 + t975 * math.sqrt(106)))
    draws = post.draw(np.random.default_rng(1), 10_000)
    assert draws.min() >= 0.0 and draws.max() <= 60.0


def test_mean_posterior_agrees_with_the_bayesian_bootstrap_on_skewed_censored_watch_times() -> None:
    # Watch times like an episode's: many leave early, a third watch to the end (90 s) and pile up there.
    rng = np.random.default_rng(3)
    n = 600
    values = np.minimum(rng.exponential(40.0, n), 90.0)
    values[rng.random(n) < 0.1] = 0.0
    post = MeanPosterior.from_values(values, low=0.0, high=90.0)
    # The Bayesian bootstrap: the mean under Dirichlet(1, …, 1) weights over the observed values.
    weights = rng.dirichlet(np.ones(n), 5_000)
    means = weights @ values
    boot_low, boot_high = np.quantile(means, [0.025, 0.975])
    low, high = post.interval(0.95)
    width = boot_high - boot_low
    assert post.mean == pytest.approx(means.mean(), abs=0.02 * width)
    assert low == pytest.approx(boot_low, abs=0.05 * width)
    assert high == pytest.approx(boot_high, abs=0.05 * width)


def test_mean_posterior_checks_its_bounds() -> None:
    with pytest.raises(InvalidInputError, match="lie in"):
        MeanPosterior.from_values([5.0, 95.0], low=0.0, high=90.0)
    everyone_done = MeanPosterior.from_values([90.0] * 50, low=0.0, high=90.0)
    assert everyone_done.scale > 0  # still uncertain, as Beta(51, 1) would be


# ----------------------------------------------------------------------------------- comparison


def test_chance_to_beat_matches_closed_forms() -> None:
    # X ~ Beta(2, 1) (density 2x) against U ~ Beta(1, 1): P(X > U) = ∫ 2x · x dx = 2/3.
    simple = compare([BetaPosterior(1, 1), BetaPosterior(2, 1)], control=0)
    assert simple.arms[1].chance_to_beat_control == pytest.approx(2 / 3, abs=4 * simple.chance_error)
    # Two realistic posteriors, against the closed-form sum.
    a, b = BetaPosterior.from_counts(40, 100), BetaPosterior.from_counts(52, 100)
    result = compare([a, b], control=0)
    exact = _beta_greater(41, 61, 53, 49)
    assert 0.9 < exact < 0.99
    assert result.arms[1].chance_to_beat_control == pytest.approx(exact, abs=4 * result.chance_error)
    assert result.arms[0].chance_to_be_best + result.arms[1].chance_to_be_best == pytest.approx(1.0)
    assert math.isnan(result.arms[0].chance_to_beat_control)


def test_expected_loss_matches_a_closed_form() -> None:
    # Two uniforms: E[max(A, B) − A] = 2/3 − 1/2 = 1/6.
    result = compare([BetaPosterior(1, 1), BetaPosterior(1, 1)], control=0)
    for arm in result.arms:
        assert arm.expected_loss == pytest.approx(1 / 6, abs=4 * arm.expected_loss_error)
        assert arm.expected_loss_error < 0.001
    # Lift interval of B − A for two uniforms: the triangular distribution's 2.5% quantile is √0.05 − 1.
    lift = result.arms[1]
    assert lift.lift == pytest.approx(0.0, abs=0.005)
    assert lift.lift_low == pytest.approx(math.sqrt(0.05) - 1, abs=0.005)
    assert lift.lift_high == pytest.approx(1 - math.sqrt(0.05), abs=0.005)


def test_comparison_is_deterministic() -> None:
    posts = [BetaPosterior.from_counts(30, 100), BetaPosterior.from_counts(35, 100)]
    assert compare(posts, 0) == compare(posts, 0)


# ------------------------------------------------------------------------------------- decision


def _decide(
    counts: list[tuple[int, int]], thresholds: DecisionThresholds = THRESHOLDS, weights: list[int] | None = None
) -> ExperimentDecision:
    posts = [BetaPosterior.from_counts(s, n) for s, n in counts]
    names = [f"v{i + 1}" for i in range(len(counts))]
    viewers = [n for _, n in counts]
    srm = sample_ratio_check(viewers, weights or [1] * len(counts))
    comparison = compare(posts, 0, caring=thresholds.caring_for(COMPLETION))
    return decide(names, viewers, comparison, srm, thresholds, COMPLETION)


def test_a_known_winner_is_shipped_with_its_reason() -> None:
    decision = _decide([(3000, 10_000), (3300, 10_000)])
    assert decision.kind is ExperimentAction.SHIP
    assert decision.variant == "v2"
    assert decision.headline() == "ship v2"
    assert "+3.00 pts" in decision.reason
    # The winner among three, the control in the middle.
    three = _decide([(3000, 10_000), (2700, 10_000), (3300, 10_000)])
    assert (three.kind, three.variant) == (ExperimentAction.SHIP, "v3")


def test_identical_arms_never_ship() -> None:
    for n in (1000, 10_000, 100_000):
        decision = _decide([(3 * n // 10, n), (3 * n // 10, n)])
        assert decision.kind is not ExperimentAction.SHIP
        assert decision.variant is None
    # Small or mid-sized: the lift's sd is 2.05 or 0.65 pts, so a lift above 0.5 pts is still 40% or 22%
    # likely: keep running.
    assert _decide([(300, 1000), (300, 1000)]).kind is ExperimentAction.KEEP_RUNNING
    mid = _decide([(3000, 10_000), (3000, 10_000)])
    assert mid.kind is ExperimentAction.KEEP_RUNNING
    assert "22" in mid.reason  # "… still has a 22.x% chance to beat it by that much"
    # Large: sd 0.2 pts, keeping the control costs 0.08 pts and a lift above 0.5 pts is 0.8% likely.
    big = _decide([(30_000, 100_000), (30_000, 100_000)])
    assert big.kind is ExperimentAction.NO_DIFFERENCE
    assert big.headline() == "stop: no difference worth shipping"


def test_a_leader_short_of_the_ship_chance_keeps_running() -> None:
    # +1.5 pts on 10,000 each: chance to beat ≈ Φ(1.5 / 0.65) ≈ 99%: ship. +0.9 pts: ≈ 92%: keep running.
    assert _decide([(3000, 10_000), (3150, 10_000)]).kind is ExperimentAction.SHIP
    close = _decide([(3000, 10_000), (3090, 10_000)])
    assert close.kind is ExperimentAction.KEEP_RUNNING
    assert "short of 95%" in close.reason


def test_a_clearly_worse_challenger_stops_the_experiment() -> None:
    decision = _decide([(3300, 10_000), (3000, 10_000)])
    assert decision.kind is ExperimentAction.NO_DIFFERENCE
    assert "v2, is -3.00 pts" in decision.reason


def test_the_comparison_must_use_the_threshold_in_force() -> None:
    posts = [BetaPosterior.from_counts(300, 1000), BetaPosterior.from_counts(300, 1000)]
    srm = sample_ratio_check([1000, 1000], [1, 1])
    with pytest.raises(InvalidInputError, match=r"caring=0\.005"):
        decide(["a", "b"], [1000, 1000], compare(posts, 0), srm, THRESHOLDS, COMPLETION)


def test_no_call_before_the_minimum_sample() -> None:
    decision = _decide([(100, 500), (400, 500)])  # a huge difference, but only 500 viewers each
    assert decision.kind is ExperimentAction.KEEP_RUNNING
    assert "1,000" in decision.reason


def test_a_sample_ratio_mismatch_overrides_a_winner() -> None:
    decision = _decide([(3000, 10_000), (3600, 11_000)])
    assert decision.kind is ExperimentAction.INVESTIGATE
    assert decision.variant is None
    assert "mismatch" in decision.reason


def test_max_viewers_ends_an_undecided_experiment() -> None:
    counts = [(300, 1000), (300, 1000)]
    capped = DecisionThresholds(min_viewers=500, max_viewers=1000)
    decision = _decide(counts, capped)
    assert decision.kind is ExperimentAction.NO_DIFFERENCE
    assert "the most this experiment may take" in decision.reason
    assert _decide(counts, DecisionThresholds(min_viewers=500)).kind is ExperimentAction.KEEP_RUNNING


def test_a_larger_threshold_of_caring_stops_sooner() -> None:
    # Lift sd 0.65 pts: a lift above 2 pts is 0.1% likely, above 0.5 pts 22%.
    counts = [(3000, 10_000), (3000, 10_000)]
    assert _decide(counts, DecisionThresholds(caring=0.02)).kind is ExperimentAction.NO_DIFFERENCE
    assert _decide(counts).kind is ExperimentAction.KEEP_RUNNING
