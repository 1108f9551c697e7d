"""The series funnel: naive shares against the estimate censored by watch date, on hand-made cohorts."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

import pytest

from dramaline.audience.funnel import series_funnel
from dramaline.audience.sessions import Cut, build_sessions
from tests.audience.test_sessions import Row, connect, viewing

DAY = 86400.0


def start(viewer: str, episode: int, day: float, **attrs: Any) -> list[Row]:
    """The viewer starts `episode` on `day` (days after T0) and watches 10 s of it."""
    return viewing(f"{viewer}-ep{episode}-{day}", 10, viewer=viewer, episode=episode, start=day * DAY, **attrs)


def test_a_cohort_still_arriving_reads_low_naively_and_right_when_censored() -> None:
    # 20 viewers start episode 1 every half day from day 0 to 9.5; the data ends on day 10. Every other one
    # (the even ones) starts episode 2 exactly 1.5 days later, so the truth is 50%. Viewers 18 (day 9)
    # would have continued on day 10.5, after the data ends: the naive funnel counts them as lost.
    rows: list[Row] = []
    for i in range(20):
        rows += start(f"v{i}", 1, i / 2)
        if i % 2 == 0 and i / 2 + 1.5 <= 10:
            rows += start(f"v{i}", 2, i / 2 + 1.5)
    rows += start("late", 3, 10)  # marks the data cutoff at day 10 (and makes episode 3 the last)
    funnel = series_funnel(build_sessions(connect(rows)), "heir", window=timedelta(days=7))
    step = funnel.steps[0]
    assert (step.episode, step.starters, step.continued) == (1, 20, 9)
    assert step.naive_rate.value == pytest.approx(9 / 20)
    # Kaplan–Meier: at 1.5 days, 18 viewers are still at risk (the two who started on days 9 and 9.5 were
    # censored before), 9 of them continue: 1 − 9/18.
    assert step.continuation.value == pytest.approx(0.5)
    assert step.continuation.low < 0.5 < step.continuation.high
    assert step.followed_up == 7  # started by day 3, so observed for the whole week
    assert step.reach == pytest.approx(0.5)


def test_a_finished_cohort_agrees_with_the_naive_share() -> None:
    rows: list[Row] = []
    for i in range(10):
        rows += start(f"v{i}", 1, 0)
        if i < 6:
            rows += start(f"v{i}", 2, 1)
        if i < 3:
            rows += start(f"v{i}", 3, 2)
    rows += start("x", 1, 30)  # a late starter who never continues marks the cutoff a month on
    funnel = series_funnel(build_sessions(connect(rows)), "heir")
    first, second = funnel.steps
    assert first.naive_rate.value == pytest.approx(6 / 11)
    # The late starter is censored at 0 days: it cannot count against continuing.
    assert first.continuation.value == pytest.approx(6 / 10)
    assert second.episode == 2
    assert second.continuation.value == pytest.approx(3 / 6)
    assert second.reach == pytest.approx(0.6 * 0.5)
    assert [s.episode for s in funnel.biggest_losses(1)] == [2]
    assert second.lost == pytest.approx(0.5)


def test_continuing_later_than_the_window_is_not_within_it() -> None:
    rows = start("a", 1, 0) + start("a", 2, 10) + start("b", 1, 0) + start("b", 2, 2) + start("c", 1, 20)
    step = series_funnel(build_sessions(connect(rows)), "heir", window=timedelta(days=7)).steps[0]
    assert step.continued == 2 and step.continuation.value == pytest.approx(1 / 2)


def test_watching_out_of_order_counts_as_continuing_at_once() -> None:
    rows = start("a", 2, 0) + start("a", 1, 1) + start("b", 1, 1) + start("late", 3, 30)
    step = series_funnel(build_sessions(connect(rows)), "heir", episodes=2).steps[0]
    assert step.continued == 1 and step.continuation.value == pytest.approx(1 / 2)


def test_cuts_apply_to_the_episode_a_step_starts_from() -> None:
    rows = start("a", 1, 0, platform="youtube") + start("a", 2, 1, platform="tiktok")
    rows += start("b", 1, 0) + start("b", 2, 1) + start("c", 1, 0) + start("z", 1, 9)
    sessions = build_sessions(connect(rows))
    (yt,) = series_funnel(sessions, "heir", cut=Cut(platform="youtube")).steps
    assert (yt.starters, yt.continued) == (1, 1)  # continuing on another platform still counts
    grouped = {s.group: s for s in series_funnel(sessions, "heir", by="platform").steps}
    assert grouped["tiktok"].starters == 3 and grouped["tiktok"].continuation.value == pytest.approx(1 / 2)
    rows = start("a", 1, 0, version=2) + start("a", 2, 1) + start("b", 1, 0) + start("z", 1, 9)
    by_version = series_funnel(build_sessions(connect(rows)), "heir", by="episode_version").steps
    assert [(s.group, s.starters, s.continued) for s in by_version] == [(1, 2, 0), (2, 1, 1)]


def test_empty_and_invalid() -> None:
    assert series_funnel(build_sessions(connect([])), "heir").steps == ()
    assert series_funnel(build_sessions(connect(start("a", 1, 0))), "heir").steps == ()  # one episode: no step
    with pytest.raises(ValueError, match="positive"):
        series_funnel(build_sessions(connect([])), "heir", window=timedelta(0))


def test_gaps_break_the_reach_chain() -> None:
    rows = start("a", 1, 0) + start("b", 3, 0) + start("b", 4, 0.5) + start("c", 1, 9)
    steps = series_funnel(build_sessions(connect(rows)), "heir").steps
    assert [s.episode for s in steps] == [1, 3]
    assert not math.isnan(steps[0].reach) and math.isnan(steps[1].reach)
