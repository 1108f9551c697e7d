"""Per-episode metrics on small audiences computed by hand, with censoring, rewatches, cuts and groups."""

from __future__ import annotations

import math
from typing import Any

import pytest

from dramaline.audience.metrics import episode_metrics, metric_rows
from dramaline.audience.sessions import Cut, build_sessions
from dramaline.audience.survival import z_for
from tests.audience.test_sessions import Row, connect, ev, viewing

Z = z_for(0.95)


def five_viewers(**attrs: Any) -> list[Row]:
    """A 60 s episode: left at 2 s, left at 10 s, still watching at 20 s, two completed (one rewatched)."""
    rows = viewing("a", 2, **attrs) + viewing("b", 10, **attrs) + viewing("c", 20, None, **attrs)
    rows += viewing("d", 60, "complete", **attrs) + viewing("e", 60, "complete", **attrs)
    rows += [ev("play", "e", 0.0, at=70, **attrs), ev("exit", "e", 5.0, at=75, **attrs)]  # e watches again
    rows += [ev("like", "a", at=1, **attrs), ev("like", "d", at=30, **attrs), ev("like", "d", at=31, **attrs)]
    rows += [ev("next_episode", "d", at=61, **attrs), ev("share", "d", at=40, **attrs)]
    return rows


def test_every_metric_on_five_viewers_by_hand() -> None:
    sessions = build_sessions(connect(five_viewers()), {("heir", 1, 1): 60.0})
    (m,) = episode_metrics(sessions)
    assert (m.key, m.views, m.duration_s, m.group) == (("heir", 1, 1), 5, 60.0, None)
    # Kaplan–Meier: 5 at risk, one lost at 2 s (S = 4/5); 4 at risk, one lost at 10 s (S = 3/5); the open
    # session is censored at 15 s (its last heartbeat) and the completions at 60 s.
    assert m.hook_rate.value == pytest.approx(0.8)
    se = math.sqrt(1 / (5 * 4)) / abs(math.log(0.8))
    assert m.hook_rate.low == pytest.approx(0.8 ** math.exp(Z * se))
    assert m.hook_rate.high == pytest.approx(0.8 ** math.exp(-Z * se))
    # Completion reads 3/5 from the curve, not the naive 2/5: the open session may still finish.
    assert m.completion_rate.value == pytest.approx(0.6)
    # Average view duration: area under the curve to 60 s = 2·1 + 8·0.8 + 50·0.6.
    assert m.average_view_duration_s.value == pytest.approx(38.4)
    var = (8 * 0.8 + 50 * 0.6) ** 2 / (5 * 4) + (50 * 0.6) ** 2 / (4 * 3)
    assert m.average_view_duration_s.low == pytest.approx(38.4 - Z * math.sqrt(var))
    assert m.average_view_duration_s.high == 60.0  # clipped to the episode's length
    assert m.average_percentage_viewed.value == pytest.approx(0.64)
    assert m.rewatch_rate.value == pytest.approx(1 / 2)  # of the two completed views, e watched again
    assert m.rewatch_rate.n == 2
    assert m.next_episode_rate.value == pytest.approx(1 / 5)
    # Sessions with a like: a and d (d's second like does not count again) → 2 of 5 views = 400 per 1,000.
    assert m.likes_per_1000.value == pytest.approx(400)
    assert m.likes_per_1000.low < 400 < m.likes_per_1000.high <= 1000
    assert m.shares_per_1000.value == pytest.approx(200)
    assert m.follows_per_1000.value == 0 and m.follows_per_1000.high > 0
    assert m.unlock_conversion is None  # nobody unlocked: a free episode


def test_retention_curve_per_second() -> None:
    sessions = build_sessions(connect(five_viewers()), {("heir", 1, 1): 60.0})
    curve = episode_metrics(sessions)[0].retention()
    assert curve.seconds[0] == 0 and curve.seconds[-1] == 60 and len(curve.seconds) == 61
    assert curve.share[[0, 2, 3, 10, 11, 60]].tolist() == pytest.approx([1, 1, 0.8, 0.8, 0.6, 0.6])
    assert all(curve.low <= curve.share) and all(curve.share <= curve.high)


def test_everyone_censored_leaves_the_tail_unknown() -> None:
    rows = viewing("x", 20, None) + viewing("y", 30, None)
    (m,) = episode_metrics(build_sessions(connect(rows), {("heir", 1, 1): 60.0}))
    assert m.hook_rate.value == 1
    assert math.isnan(m.completion_rate.value)
    assert math.isnan(m.average_view_duration_s.value)


def test_unlock_conversion_counts_viewers_who_met_the_paywall() -> None:
    rows = [ev("impression", "p1", viewer="v1", episode=2), ev("unlock", "p1", viewer="v1", episode=2, amount=0.99)]
    rows += viewing("p1", 30, viewer="v1", episode=2, start=5)
    rows += [ev("impression", "p2", viewer="v2", episode=2), ev("impression", "p3", viewer="v3", episode=2)]
    rows += [ev("impression", "p3b", viewer="v3", episode=2, at=100)]  # the same viewer twice counts once
    rows += [ev("unlock", "p4", viewer="v4", episode=2, amount=0.99)]
    rows += viewing("free", 30, viewer="v1")
    metrics = {m.episode: m for m in episode_metrics(build_sessions(connect(rows)))}
    unlock = metrics[2].unlock_conversion
    assert unlock is not None and unlock.value == pytest.approx(2 / 4) and unlock.n == 4
    assert metrics[1].unlock_conversion is None


def test_cuts_and_groups() -> None:
    rows = five_viewers() + viewing("yt1", 60, "complete", platform="youtube", market="BR")
    rows += viewing("yt2", 30, platform="youtube", market="BR", segment="binge")
    sessions = build_sessions(connect(rows), {("heir", 1, 1): 60.0})
    (yt,) = episode_metrics(sessions, cut=Cut(platform="youtube"))
    assert yt.views == 2 and yt.completion_rate.value == pytest.approx(0.5)
    by_platform = {m.group: m for m in episode_metrics(sessions, by="platform")}
    assert set(by_platform) == {"tiktok", "youtube"}
    assert by_platform["tiktok"].completion_rate.value == pytest.approx(0.6)
    assert by_platform["youtube"].views == 2
    by_segment = {m.group: m.views for m in episode_metrics(sessions, by="segment")}
    assert by_segment == {None: 6, "binge": 1}
    (only,) = episode_metrics(sessions, cut=Cut(market="BR"), by="segment", series="heir")[1:]
    assert only.group == "binge"
    assert episode_metrics(sessions, series="rival") == []
    with pytest.raises(ValueError, match="group by"):
        episode_metrics(sessions, by="language")  # type: ignore[arg-type]


def test_versions_are_separate_rows() -> None:
    rows = viewing("v1", 60, "complete") + viewing("v2a", 45, "complete", version=2) + viewing("v2b", 9, version=2)
    sessions = build_sessions(connect(rows), {("heir", 1, 1): 60.0, ("heir", 1, 2): 45.0})
    rows_by_version = {m.episode_version: m for m in episode_metrics(sessions, by="episode_version")}
    assert rows_by_version[2].group == 2 and rows_by_version[2].duration_s == 45
    assert rows_by_version[2].completion_rate.value == pytest.approx(0.5)
    (v2,) = episode_metrics(sessions, cut=Cut(episode_version=2))
    assert v2.average_view_duration_s.value == pytest.approx((45 + 9) / 2)


def test_metric_rows_flatten_every_estimate() -> None:
    (row,) = metric_rows(episode_metrics(build_sessions(connect(five_viewers()), {("heir", 1, 1): 60.0})))
    assert row["views"] == 5 and row["hook_rate"] == pytest.approx(0.8)
    assert "hook_rate_low" in row and "unlock_conversion" not in row


def test_views_whose_end_was_lost_count_as_views_but_not_in_the_curve() -> None:
    rows = viewing("left", 10) + viewing("done", 60, "complete") + viewing("killed", 20, None)
    rows += viewing("late", 60, "complete", start=7200)
    (m,) = episode_metrics(build_sessions(connect(rows), {("heir", 1, 1): 60.0}))
    assert m.views == 4
    assert m.curve.n == 3  # the killed session is left out rather than censored at its last heartbeat
    assert m.completion_rate.value == pytest.approx(2 / 3)
