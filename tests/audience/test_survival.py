"""Kaplan–Meier, its intervals and restricted mean, and Wilson intervals, against hand-computed and textbook values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dramaline.audience.survival import concat_curves, fit_groups, kaplan_meier, kaplan_meier_from_counts, wilson, z_for

# Freireich et al. (1963), the 6-MP arm of the leukaemia remission trial: weeks in remission, 0 = censored.
# The textbook Kaplan–Meier example (Kalbfleisch & Prentice; Klein & Moeschberger; R's survival package).
SIX_MP_TIMES = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
SIX_MP_EVENTS = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
# The published table: time, n at risk, events, S(t), Greenwood standard error, and the log-log 95% interval
# (R: summary(survfit(Surv(time, status) ~ 1, conf.type = "log-log"))).
SIX_MP_TABLE = [
    (6, 21, 3, 0.857, 0.0764, 0.620, 0.952),
    (7, 17, 1, 0.807, 0.0869, 0.563, 0.923),
    (10, 15, 1, 0.753, 0.0963, 0.503, 0.889),
    (13, 12, 1, 0.690, 0.1068, 0.432, 0.849),
    (16, 11, 1, 0.627, 0.1141, 0.368, 0.805),
    (22, 7, 1, 0.538, 0.1282, 0.268, 0.747),
    (23, 6, 1, 0.448, 0.1346, 0.188, 0.680),
]


def test_six_mp_matches_the_textbook_table() -> None:
    km = kaplan_meier(SIX_MP_TIMES, SIX_MP_EVENTS)
    times = [row[0] for row in SIX_MP_TABLE]
    s = km.survival_at(times)
    low, high = km.survival_interval(times)
    at = np.searchsorted(km.times, times)
    for i, (_, n, d, surv, se, lo, hi) in enumerate(SIX_MP_TABLE):
        assert km.at_risk[at[i]] == n
        assert km.events[at[i]] == d
        assert s[i] == pytest.approx(surv, abs=5e-4)
        assert s[i] * math.sqrt(km.greenwood[at[i]]) == pytest.approx(se, abs=5e-5)
        assert low[i] == pytest.approx(lo, abs=5e-4)
        assert high[i] == pytest.approx(hi, abs=5e-4)


def test_six_mp_restricted_mean_is_the_area_under_the_steps() -> None:
    km = kaplan_meier(SIX_MP_TIMES, SIX_MP_EVENTS)
    # 6·1 + 1·0.8571 + 3·0.8067 + 3·0.7529 + 3·0.6902 + 6·0.6275 + 1·0.5378 + 12·0.4482, by hand.
    by_hand = 6 + 18 / 21 + 3 * (18 / 21) * (16 / 17) + 3 * 0.752941 + 3 * 0.690196 + 6 * 0.627451
    by_hand += 0.537815 + 12 * 0.448179
    assert km.restricted_mean(35).value == pytest.approx(by_hand, abs=1e-4)


def test_reached_is_the_left_limit_and_starts_at_one() -> None:
    km = kaplan_meier([2, 4, 6], [True, False, True])
    # P(T ≥ t): the viewer lost at 2 s still reached 2 s.
    assert km.reached([0, 2, 2.5, 4, 6]).tolist() == pytest.approx([1, 1, 2 / 3, 2 / 3, 2 / 3])
    # P(T > t): right-continuous; everyone left by 6 s, so 0 from there on (identified: the last time is a loss).
    assert km.survival_at([0, 2, 6, 100]).tolist() == pytest.approx([1, 2 / 3, 0, 0])


def test_ties_count_censored_viewers_at_risk_for_losses_at_the_same_time() -> None:
    km = kaplan_meier([5, 5, 5, 8], [True, False, False, True])
    assert km.at_risk.tolist() == [4, 1]
    assert km.survival_at([5, 8]).tolist() == pytest.approx([3 / 4, 0])


def test_beyond_the_last_censored_time_the_curve_is_unknown() -> None:
    km = kaplan_meier([1, 3], [True, False])
    assert km.reached([3]).tolist() == pytest.approx([0.5])
    assert math.isnan(km.reached([3.5])[0])
    assert math.isnan(km.restricted_mean(4).value)
    empty = kaplan_meier([], [])
    assert empty.n == 0
    assert math.isnan(empty.reached([0])[0])


def test_no_loss_yet_gives_a_flat_interval() -> None:
    km = kaplan_meier([10, 10], [False, False])
    low, high = km.reached_interval([0, 5, 10])
    assert low.tolist() == [1, 1, 1]
    assert high.tolist() == [1, 1, 1]


def test_counts_form_equals_row_form() -> None:
    rows = kaplan_meier(SIX_MP_TIMES, SIX_MP_EVENTS)
    times, inverse = np.unique(SIX_MP_TIMES, return_inverse=True)
    totals = np.bincount(inverse)
    events = np.bincount(inverse, weights=SIX_MP_EVENTS)
    tallies = kaplan_meier_from_counts(times, events, totals)
    assert tallies.survival.tolist() == pytest.approx(rows.survival.tolist())
    assert tallies.greenwood.tolist() == pytest.approx(rows.greenwood.tolist())


def test_counts_form_rejects_bad_tallies() -> None:
    with pytest.raises(ValueError, match="ascending"):
        kaplan_meier_from_counts([2, 1], [0, 0], [1, 1])
    with pytest.raises(ValueError, match="between 0"):
        kaplan_meier_from_counts([1], [2], [1])
    with pytest.raises(ValueError, match="non-negative"):
        kaplan_meier([-1], [True])


def test_restricted_mean_and_its_variance_by_hand() -> None:
    km = kaplan_meier([2, 4, 6], [True, False, True])
    rmst = km.restricted_mean(8)
    # S = 1 on [0, 2), 2/3 on [2, 6), 0 after: area 2 + 4·2/3.
    assert rmst.value == pytest.approx(2 + 8 / 3)
    # Loss at 2: A = ∫₂⁸ S = 8/3, term A²·d/(n(n−d)) = (8/3)²/6; the loss at 6 took everyone (A = 0, term 0).
    se = math.sqrt((8 / 3) ** 2 / 6)
    assert rmst.low == pytest.approx(2 + 8 / 3 - z_for(0.95) * se)
    assert rmst.high == pytest.approx(2 + 8 / 3 + z_for(0.95) * se)


def test_restricted_mean_without_censoring_is_the_mean_capped_time() -> None:
    times = np.array([1.0, 2.5, 2.5, 7.0, 9.0, 12.0])
    km = kaplan_meier(times, np.ones(len(times), dtype=bool))
    assert km.restricted_mean(10).value == pytest.approx(np.minimum(times, 10).mean())


def test_conditional_share_and_area() -> None:
    km = kaplan_meier([2, 4, 6, 8], [True, True, False, True])
    # Of those at 3 s (3 of 4), those still there at 7 s: one left at 4 → 2/3.
    ratio, low, high = km.conditional([3], [7])
    assert ratio.tolist() == pytest.approx([2 / 3])
    assert low[0] < 2 / 3 < high[0]
    # ∫₀⁵ S: 1·2 + 3/4·2 + 1/2·1.
    assert km.area(0, 5) == pytest.approx(2 + 1.5 + 0.5)


def test_wilson_known_values() -> None:
    none = wilson(0, 10)
    assert (none.value, none.low) == (0, 0)
    assert none.high == pytest.approx(0.2775, abs=1e-4)
    half = wilson(5, 10)
    assert (half.low, half.high) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert math.isnan(wilson(0, 0).value)
    with pytest.raises(ValueError):
        z_for(1.5)


def test_agrees_with_lifelines_when_installed() -> None:
    lifelines = pytest.importorskip("lifelines")
    rng = np.random.default_rng(7)
    times = np.round(rng.exponential(30, 400), 1)
    observed = rng.random(400) < 0.7
    ours = kaplan_meier(times, observed)
    theirs = lifelines.KaplanMeierFitter().fit(times, observed)
    grid = np.linspace(0, times.max() - 1, 50)
    assert ours.survival_at(grid) == pytest.approx(theirs.survival_function_at_times(grid).to_numpy())


def test_many_curves_at_once_match_one_at_a_time() -> None:
    rng = np.random.default_rng(3)
    groups = rng.integers(0, 4, 300) * 10  # sparse group numbers: 0, 10, 20, 30
    times = np.round(rng.exponential(20, 300), 1)
    observed = rng.random(300) < 0.6
    found, curves = fit_groups(groups, times, observed)
    assert found.tolist() == [0, 10, 20, 30] and len(curves) == 4
    horizon = np.array([15.0, 20.0, 25.0, 30.0])
    reached, low, _ = curves.reached(horizon)
    rmst, rmst_low, _ = curves.restricted_mean(horizon)
    for i, g in enumerate(found):
        alone = kaplan_meier(times[groups == g], observed[groups == g])
        assert curves.curve(i).survival.tolist() == pytest.approx(alone.survival.tolist())
        assert reached[i] == pytest.approx(alone.reached([horizon[i]])[0])
        assert low[i] == pytest.approx(alone.reached_interval([horizon[i]])[0][0])
        assert rmst[i] == pytest.approx(alone.restricted_mean(horizon[i]).value)
        assert rmst_low[i] == pytest.approx(alone.restricted_mean(horizon[i]).low)
    # Several queries per curve, named by `curves`: the share left between two moments, and the area.
    which = np.array([0, 0, 3])
    ratio, _, _ = curves.conditional([1.0, 5.0, 2.0], [9.0, 12.0, 4.0], which)
    alone = kaplan_meier(times[groups == 0], observed[groups == 0])
    assert ratio[1] == pytest.approx(alone.reached([12.0])[0] / alone.reached([5.0])[0])
    assert curves.area([0.0], [7.0], [2]) == pytest.approx(
        kaplan_meier(times[groups == 20], observed[groups == 20]).area(0, 7)
    )
    joined = concat_curves([curves.curve(3), curves.curve(0)])
    assert joined.reached([30.0, 15.0])[0].tolist() == pytest.approx([reached[3], reached[0]])
    with pytest.raises(ValueError, match="one time per curve"):
        curves.reached([1.0])


def test_grouping_survives_times_too_close_for_one_sort_key() -> None:
    # Group numbers this large leave a float key no room to tell 2 from 2 + 1e-12: the order is checked and redone.
    big = 10**12
    found, curves = fit_groups([0, big, big, big], [5.0, 2.0 + 1e-12, 2.0, 1.0], [True, True, True, False])
    assert found.tolist() == [0, big]
    assert curves.curve(1).times.tolist() == [1.0, 2.0, 2.0 + 1e-12]
