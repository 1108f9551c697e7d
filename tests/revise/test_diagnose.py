"""The diagnosis: hand-made audiences with known problems give the plans the rules promise, and none without one.

Every audience here leaves at one constant rate (exits at the exact quantiles of an exponential
distribution, so no scene stands out by chance), and each test adds one problem on top.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from dramaline.audience.funnel import series_funnel
from dramaline.audience.hotspots import beat_losses, series_losses, top_hotspots
from dramaline.audience.metrics import episode_metrics
from dramaline.audience.report import SeriesReport
from dramaline.audience.sessions import build_sessions
from dramaline.audience.timelines import EpisodeTimeline, estimate_timeline
from dramaline.errors import InvalidInputError
from dramaline.model import (
    BeatType,
    ColdOpen,
    Episode,
    MoveRevealEarlier,
    ReorderScenes,
    ReplaceBeat,
    ReplaceCliffhanger,
    Series,
    SharpenCliffhanger,
    TightenScene,
    Timeline,
)
from dramaline.revise.diagnose import plan_revision, plan_revisions
from tests.audience.test_sessions import Row, connect, ev
from tests.revise.scripts import episode, series_in_shape

RATE = 0.005  # leaves per second, everywhere
VIEWERS = 600


def with_beats(number: int, beats: dict[int, BeatType]) -> Episode:
    """Episode `number` of the hand-made script, some scenes (by index) given other beats."""
    ep = episode(number)
    scenes = tuple(s.model_copy(update={"beat": beats[i]}) if i in beats else s for i, s in enumerate(ep.scenes))
    return ep.model_copy(update={"scenes": scenes})


def make_series(*episodes: Episode) -> Series:
    return series_in_shape().with_episodes(episodes)


def timelines(series: Series) -> dict[tuple[int, int], Timeline]:
    return {(e.number, e.version): estimate_timeline(series, e) for e in series.episodes}


def span(timeline: Timeline, scene: int, line: int | None = None) -> tuple[float, float]:
    """Seconds a scene (or one of its lines), both 1-based, plays."""
    placed = timeline.scenes[scene - 1]
    if line is None:
        return timeline.seconds(placed.start_frame), timeline.seconds(placed.end_frame)
    timed = placed.lines[line - 1]
    return timeline.seconds(timed.start_frame), timeline.seconds(timed.end_frame)


def audience(
    number: int,
    duration: float,
    *,
    extra: tuple[float, float, int] | None = None,
    went_on: float = 0.0,
) -> list[Row]:
    """VIEWERS sessions leaving at RATE; `extra` = (from s, to s, how many) more leave evenly in that stretch;
    `went_on`: the share of completed sessions that go straight on to the next episode."""
    rows: list[Row] = []
    ends = [-math.log(1 - (i + 0.5) / VIEWERS) / RATE for i in range(VIEWERS)]
    if extra is not None:
        a, b, n = extra
        ends += [a + (j + 0.5) / n * (b - a) for j in range(n)]
    completed = 0
    for i, end in enumerate(ends):
        session = f"ep{number}-{i}"
        rows.append(ev("play", session, 0.0, episode=number))
        if end < duration:
            rows.append(ev("exit", session, end, at=end, episode=number))
            continue
        rows.append(ev("complete", session, duration, at=duration, episode=number))
        completed += 1
        if completed <= round(went_on * (VIEWERS * math.exp(-RATE * duration))):
            rows.append(ev("next_episode", session, at=duration + 0.5, episode=number))
    return rows


def report(series: Series, rows: list[Row]) -> SeriesReport:
    """The report `analyse` would make of these events, for this series, without a folder."""
    found = timelines(series)
    durations = {("heir", e, v): t.seconds(t.duration_frames) for (e, v), t in found.items()}
    sessions = build_sessions(connect(rows), durations)
    metrics = episode_metrics(sessions, series="heir")
    losses = series_losses(metrics, found)
    return SeriesReport(
        series=series,
        series_id="heir",
        events=len(rows),
        simulated_share=0.0,
        timelines={k: EpisodeTimeline(timeline=t, estimated=True, version=k[1]) for k, t in found.items()},
        metrics=metrics,
        losses=losses,
        hotspots=top_hotspots(losses),
        beats=beat_losses(losses),
        funnel=series_funnel(sessions, "heir"),
        made_at=datetime.now(UTC),
    )


def duration(series: Series, number: int) -> float:
    t = timelines(series)[(number, 1)]
    return t.seconds(t.duration_frames)


@pytest.fixture(scope="module")
def two() -> Series:
    # Episode 2 confronts where episode 1 humiliates, so no beat plays twice in the middle.
    return make_series(episode(1), with_beats(2, {1: BeatType.CONFRONTATION}))


def test_an_audience_without_a_problem_gets_empty_plans_that_say_so(two: Series) -> None:
    rows = audience(1, duration(two, 1)) + audience(2, duration(two, 2))
    plans = plan_revisions(report(two, rows))
    assert [p.operations for p in plans] == [(), ()]
    assert plans[0].summary.startswith(f"No significant problem in {VIEWERS:,} views")


def test_a_scene_hotspot_is_tightened_by_the_rules_and_the_payoffs_come_first(two: Series) -> None:
    t1 = timelines(two)[(1, 1)]
    a, b = span(t1, 2, 3)  # the 17-word third line of the humiliation
    rows = audience(1, duration(two, 1), extra=(a, b, 120)) + audience(2, duration(two, 2))
    found = report(two, rows)
    hot = next(s for s in found.losses[0].scenes if s.scene == 2)
    assert hot.significant and hot.rate_ratio > 1.5
    plan = plan_revision(found, 1)
    reorder, tighten = plan.operations
    # Two payoffs (the reveal, the rescue) wait behind the losing scene: both come forward, in order.
    assert isinstance(reorder, ReorderScenes)
    assert reorder.order == ("e1-s1", "e1-s3", "e1-s4", "e1-s2", "e1-s5")
    assert "between the hook and the first payoff (reveal" in reorder.evidence.summary
    # At a rate ratio r over 1.5, 1 − 1/r of the scene's 58 words should go: at least 20, within the
    # episode's budget of 185 − 150 − 5 = 30. The flagged 17-word line 3 first, then the longest inner
    # line, line 4 (11); line 2 (9) would overrun the budget.
    assert isinstance(tighten, TightenScene)
    assert (tighten.scene, tighten.cut, tighten.shorten) == ("e1-s2", (3, 4), ())
    assert tighten.evidence.numbers["rate_ratio"] == pytest.approx(hot.rate_ratio)
    assert tighten.evidence.numbers["lost_low"] > tighten.evidence.numbers["expected"]
    assert plan_revision(found, 2).operations == ()


def test_one_payoff_waiting_behind_a_losing_scene_moves_up() -> None:
    series = make_series(with_beats(1, {3: BeatType.ROMANCE}), with_beats(2, {1: BeatType.CONFRONTATION}))
    a, b = span(timelines(series)[(1, 1)], 2)
    rows = audience(1, duration(series, 1), extra=(a, b, 80)) + audience(2, duration(series, 2))
    move = plan_revision(report(series, rows), 1).operations[0]
    assert move == MoveRevealEarlier(scene="e1-s3", to_position=2, evidence=move.evidence)
    assert move.evidence.numbers["rate_ratio_low"] > 1


def test_a_hotspot_in_the_closing_scene_sharpens_it_and_keeps_its_question(two: Series) -> None:
    t1 = timelines(two)[(1, 1)]
    a, b = span(t1, 5, 3)
    rows = audience(1, duration(two, 1), extra=(a, b, 120)) + audience(2, duration(two, 2))
    (op,) = plan_revision(report(two, rows), 1).operations
    # Goal 17 of its 33 words: the flagged line 3 (11), then line 2 (9); lines 1 and 4 (the question) stay.
    assert isinstance(op, SharpenCliffhanger) and (op.scene, op.cut) == ("e1-s5", (2, 3))


def test_a_weak_opening_opens_cold_on_the_shortest_charged_line_of_the_strongest_payoff(two: Series) -> None:
    rows = audience(1, duration(two, 1), extra=(0.2, 2.8, 150)) + audience(2, duration(two, 2))
    found = report(two, rows)
    m1, m2 = found.metrics
    assert m1.hook_rate.high < m2.hook_rate.low
    (op,) = plan_revision(found, 1).operations
    # Scene 3 (the reveal) is the only payoff with lines to spare; its charged lines before the last are
    # Claire's shocked 11 words and Ethan's cold 7: the shorter opens.
    assert isinstance(op, ColdOpen) and (op.source, op.line) == ("e1-s3", 3)
    assert op.evidence.numbers["hook_rate_high"] < op.evidence.numbers["best_hook_rate_low"]
    assert plan_revision(found, 2).operations == ()


def test_a_weak_continuation_replaces_the_cliffhanger_but_never_the_finale_s() -> None:
    series = make_series(
        episode(1),
        with_beats(2, {1: BeatType.CONFRONTATION}),
        with_beats(3, {1: BeatType.ROMANCE}),
    )
    rows = audience(1, duration(series, 1), went_on=0.8)
    rows += audience(2, duration(series, 2), went_on=0.3)
    rows += audience(3, duration(series, 3))
    plans = plan_revisions(report(series, rows))
    assert plans[0].operations == ()
    (op,) = plans[1].operations
    assert isinstance(op, ReplaceCliffhanger) and op.scene == "e2-s5"
    assert op.evidence.numbers["continuation_after_completion"] == pytest.approx(0.3, abs=0.01)
    assert "Episode 3 opens on this cliffhanger's answer" in op.evidence.summary
    assert plans[2].operations == ()  # the finale has no next episode to lose viewers to


def test_a_beat_that_loses_viewers_across_the_series_is_replaced_by_a_fresh_one_that_holds() -> None:
    # Every episode has a scheme second; the face slap holds viewers in episodes 2 and 3 only.
    series = make_series(
        with_beats(1, {1: BeatType.SCHEME}),
        with_beats(2, {1: BeatType.SCHEME, 3: BeatType.FACE_SLAP}),
        with_beats(3, {1: BeatType.SCHEME, 3: BeatType.FACE_SLAP}),
    )
    rows: list[Row] = []
    for n in (1, 2, 3):
        t = timelines(series)[(n, 1)]
        a, b = span(t, 2)
        rows += audience(n, duration(series, n), extra=(a, b, 25))
    found = report(series, rows)
    scheme = next(b for b in found.beats if b.beat is BeatType.SCHEME)
    pooled = sum(b.viewers_lost for b in found.beats) / sum(b.exposure_s for b in found.beats)
    assert scheme.scenes == 3 and scheme.rate_per_s.low > pooled
    plans = plan_revisions(found)
    (op,) = plans[0].operations
    assert isinstance(op, ReplaceBeat) and (op.scene, op.beat) == ("e1-s2", BeatType.FACE_SLAP)
    assert op.evidence.numbers["beat_rate_ratio_low"] > 1
    # Episodes 2 and 3 already play the face slap, and no other beat holds viewers in two scenes or more.
    assert not any(isinstance(o, ReplaceBeat) for p in plans[1:] for o in p.operations)


def test_a_version_nobody_watched_yet_gets_a_plan_that_says_so(two: Series) -> None:
    found = report(two, audience(1, duration(two, 1)))
    plan = plan_revision(found, 2)
    assert plan.operations == ()
    assert plan.summary == "No viewing data for v1 yet: simulate, import or serve viewer events first."
    with pytest.raises(InvalidInputError, match="episode 3: the series has episodes 1-2"):
        plan_revision(found, 3)
