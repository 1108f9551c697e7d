"""The audience simulator: deterministic, valid events, sound sessions, and the planted truth recoverable from them."""

from __future__ import annotations

import gc
import itertools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from dramaline.audience.metrics import episode_metrics
from dramaline.audience.sessions import build_sessions
from dramaline.audience.simulate import (
    SIMULATED_LABEL,
    AudienceModel,
    episode_hazards,
    series_slug,
    simulate,
    simulate_into,
    true_retention,
)
from dramaline.audience.timelines import EpisodeTimeline, estimate_timeline
from dramaline.errors import InvalidInputError
from dramaline.model import BeatType, Episode, Event, EventType, Series, Timeline, WriteRequest
from dramaline.writers.embedded.writer import EmbeddedWriter
from tests.audience.test_sessions import connect

START = datetime(2025, 3, 1, tzinfo=UTC)
DAYS = 7
TERMINAL = (EventType.EXIT, EventType.COMPLETE)
# The main run: everyone who is shown episode 1 plays it; a paywall from episode 4; a planted
# weak continuation after episode 2.
MAIN = AudienceModel(click_through=1.0, paywall_from=4, unlock=0.5, next_episode={2: 0.3})


@pytest.fixture(scope="module")
def series() -> Series:
    return EmbeddedWriter().write(
        WriteRequest(premise="A janitor humiliated at his ex-wife's wedding is secretly the heir", episodes=5, seed=1)
    )


@pytest.fixture(scope="module")
def timelines(series: Series) -> dict[int, Timeline]:
    return {e.number: estimate_timeline(series, e) for e in series.episodes}


def _run(series: Series, timelines: dict[int, Timeline], model: AudienceModel, viewers: int, seed: int) -> list[Event]:
    # Keeping a hundred thousand events alive makes the collector rescan them over and over.
    gc.disable()
    try:
        return list(simulate(series, timelines, model, viewers, seed, START, DAYS))
    finally:
        gc.enable()


@pytest.fixture(scope="module")
def main_run(series: Series, timelines: dict[int, Timeline]) -> list[Event]:
    return _run(series, timelines, MAIN, 3000, 11)


@pytest.fixture(scope="module")
def main_sessions(main_run: list[Event]) -> dict[str, list[Event]]:
    return _sessions(main_run)


@pytest.fixture(scope="module")
def rich_run(series: Series, timelines: dict[int, Timeline]) -> list[Event]:
    """A small run where every kind of event and seek happens often."""
    model = AudienceModel(
        paywall_from=2, seek=0.6, killed=0.1, rewatch=0.3, like=0.2, share=0.1, comment=0.1, follow=0.1
    )
    return _run(series, timelines, model, 400, 5)


def _sessions(events: Sequence[Event]) -> dict[str, list[Event]]:
    grouped: dict[str, list[Event]] = defaultdict(list)
    for e in events:
        grouped[e.session_id].append(e)
    return grouped


def _first_passes(sessions: dict[str, list[Event]], episode: int) -> tuple[NDArray[np.float64], Counter[str]]:
    """Where each ended session of `episode` stopped its first pass (inf: completed), and their segments."""
    stops: list[float] = []
    segments: Counter[str] = Counter()
    for session in sessions.values():
        if session[0].episode != episode:
            continue
        end = next((e for e in session if e.type in TERMINAL), None)
        if end is None:
            continue  # killed or cut off: where it stopped is not known exactly
        assert end.position_s is not None
        stops.append(math.inf if end.type is EventType.COMPLETE else end.position_s)
        segments[session[0].segment or ""] += 1
    return np.array(stops), segments


def _edges(timeline: Timeline) -> NDArray[np.float64]:
    duration = timeline.seconds(timeline.duration_frames)
    return np.minimum(np.arange(math.ceil(duration) + 1, dtype=np.float64), duration)


# ------------------------------------------------------------------------------------------ basics


def test_the_same_seed_gives_the_same_events_and_another_seed_others(
    series: Series, timelines: dict[int, Timeline]
) -> None:
    model = AudienceModel()
    first = _run(series, timelines, model, 150, 3)
    assert first == _run(series, timelines, model, 150, 3)
    assert first != _run(series, timelines, model, 150, 4)


def test_every_event_validates_and_is_labelled_simulated(rich_run: list[Event], series: Series) -> None:
    assert {e.type for e in rich_run} == set(EventType) - {EventType.PAUSE}
    for event in rich_run:
        assert Event.model_validate(event.model_dump()) == event
        assert event.simulated and event.series == series_slug(series)
        assert re.fullmatch(r"sim-\d{6}", event.viewer_id)
    for event in rich_run[::97]:
        assert Event.model_validate_json(event.model_dump_json()) == event
    assert "not a forecast" in SIMULATED_LABEL


def test_event_ids_are_unique(main_run: list[Event]) -> None:
    assert len({e.event_id for e in main_run}) == len(main_run)


@pytest.mark.parametrize("run", ["main_run", "rich_run"])
def test_every_session_is_well_formed(run: str, request: pytest.FixtureRequest, timelines: dict[int, Timeline]) -> None:
    events: list[Event] = request.getfixturevalue(run)
    cutoff = START + timedelta(days=DAYS)
    backward_seeks = 0
    for session in _sessions(events).values():
        kinds = [e.type for e in session]
        duration = timelines[session[0].episode].seconds(timelines[session[0].episode].duration_frames)
        assert kinds[0] is EventType.IMPRESSION and kinds.count(EventType.IMPRESSION) == 1
        assert all(a.client_ts <= b.client_ts < cutoff for a, b in itertools.pairwise(session))
        assert len({(e.viewer_id, e.episode, e.segment, e.market, e.platform) for e in session}) == 1
        if EventType.UNLOCK in kinds:
            assert kinds.index(EventType.UNLOCK) == 1
        plays = kinds.count(EventType.PLAY)
        ends = sum(k in TERMINAL for k in kinds)
        # One end per pass; a killed app loses the last one; a second pass only loops after a complete.
        assert plays - 1 <= ends <= plays <= 2
        if plays == 2:
            replay = kinds.index(EventType.PLAY, kinds.index(EventType.PLAY) + 1)
            assert kinds[replay - 1] is EventType.COMPLETE
        if EventType.NEXT_EPISODE in kinds:
            assert kinds[-1] is EventType.NEXT_EPISODE and EventType.COMPLETE in kinds
        playhead = 0.0
        last_beat: datetime | None = None
        for e in session:
            if e.position_s is not None:
                assert 0 <= e.position_s <= duration
            if e.type is EventType.PLAY:
                assert e.position_s == 0
                playhead, last_beat = 0.0, None
            elif e.type is EventType.SEEK:
                assert e.position_s is not None and e.from_position_s is not None
                backward_seeks += e.position_s < e.from_position_s
                playhead = e.position_s
            elif e.type is EventType.PROGRESS:
                # Heartbeats move forward every 5 s of playing, except that a backward seek rewinds them.
                assert e.position_s is not None and e.position_s >= playhead - 1e-3
                if last_beat is not None:
                    assert abs((e.client_ts - last_beat).total_seconds() - 5.0) < 1e-3
                playhead, last_beat = e.position_s, e.client_ts
            elif e.type is EventType.EXIT:
                assert e.position_s is not None and e.position_s < duration
            elif e.type is EventType.COMPLETE:
                assert e.position_s == duration
        if EventType.PLAY in kinds:
            assert kinds.index(EventType.PLAY) < min(
                (kinds.index(k) for k in (EventType.PROGRESS, *TERMINAL) if k in kinds), default=len(kinds)
            )
    if run == "rich_run":
        assert backward_seeks > 20


def test_killed_sessions_lose_their_end_at_the_planted_rate(main_sessions: dict[str, list[Event]]) -> None:
    played = [s for s in main_sessions.values() if any(e.type is EventType.PLAY for e in s)]
    unended = sum(not any(e.type in TERMINAL for e in s) for s in played) / len(played)
    # A few more are cut off by the end of the data.
    assert MAIN.killed - 0.01 < unended < MAIN.killed + 0.015


# ------------------------------------------------------------------------------------------ truth


@pytest.mark.parametrize("episode", [1, 2, 3])
def test_empirical_retention_lies_within_the_dkw_band_of_the_truth(
    main_sessions: dict[str, list[Event]], series: Series, timelines: dict[int, Timeline], episode: int
) -> None:
    stops, segments = _first_passes(main_sessions, episode)
    truth = true_retention(MAIN, timelines[episode], segments, series=series)
    edges = _edges(timelines[episode])
    empirical = np.array([*(np.mean(stops > t) for t in edges[:-1]), np.mean(np.isinf(stops))])
    # Dvoretzky–Kiefer–Wolfowitz: the whole empirical curve is this close to the truth with 99.9 %.
    band = math.sqrt(math.log(2 / 0.001) / (2 * len(stops)))
    assert len(stops) > 400
    assert np.max(np.abs(empirical - truth)) < band


def test_a_planted_scene_multiplier_multiplies_the_exits_in_that_scene(
    series: Series, timelines: dict[int, Timeline]
) -> None:
    scene = timelines[1].scenes[1]
    fps = timelines[1].fps
    start, end = math.ceil(scene.start_frame / fps), math.floor(scene.end_frame / fps)
    baseline = AudienceModel(click_through=1.0)
    planted = AudienceModel(click_through=1.0, punish={scene.scene_id: 4.0})
    observed, expected = [], []
    for model in (baseline, planted):
        stops, segments = _first_passes(_sessions(_run(series, {1: timelines[1]}, model, 2500, 21)), 1)
        exposure = np.clip(np.minimum(stops, end) - start, 0, None).sum()
        observed.append(np.sum((stops >= start) & (stops < end)) / exposure)
        truth = true_retention(model, timelines[1], segments, series=series)
        expected.append((truth[start] - truth[end]) / np.trapezoid(truth[start : end + 1]))
    # The population's rate rises a little less than 4x: the frailest leave early in the scene.
    assert 3.2 < expected[1] / expected[0] < 4.0
    assert observed[1] / observed[0] == pytest.approx(expected[1] / expected[0], rel=0.2)
    assert observed[0] == pytest.approx(expected[0], rel=0.2)


def test_true_retention_is_a_survival_curve_ending_at_the_completion_rate(
    series: Series, timelines: dict[int, Timeline]
) -> None:
    model = AudienceModel()
    curve = true_retention(model, timelines[2], series=series)
    assert curve[0] == 1 and np.all(np.diff(curve) < 0) and len(curve) == len(_edges(timelines[2]))
    hazards = episode_hazards(model.model_copy(update={"frailty_variance": 0.0}), timelines[2], series=series)
    no_frailty = true_retention(model.model_copy(update={"frailty_variance": 0.0}), timelines[2], series=series)
    assert no_frailty == pytest.approx(model.shares() @ np.exp(-hazards.cumulative))
    # Frailty flattens the curve: the restless leave first, the patient stay.
    assert curve[-1] > no_frailty[-1]
    only = true_retention(model, timelines[2], {"romance-fans": 1.0}, series=series)
    assert not np.allclose(only, curve)
    with pytest.raises(ValueError, match="unknown segments"):
        true_retention(model, timelines[2], {"nobody": 1.0}, series=series)
    with pytest.raises(ValueError, match="series="):
        true_retention(model, timelines[2])


def test_hook_strength_and_staleness_change_the_hazard_where_they_should(
    series: Series, timelines: dict[int, Timeline]
) -> None:
    plain = AudienceModel(staleness=0.0)
    weak_hook = episode_hazards(plain.model_copy(update={"hook_strength": {3: 0.5}}), timelines[3], series=series)
    base = episode_hazards(plain, timelines[3], series=series)
    ratio = weak_hook.hazard() / base.hazard()
    assert ratio[0, 0] == pytest.approx((1 + 7 / 0.5) / (1 + 7 * 1.0)) and ratio[0, 10] == pytest.approx(1.0)
    # A beat that also ran in the episodes just before is staler, by 1.15 per episode in a row.
    for number in range(2, 6):
        timeline = timelines[number]
        for scene in timeline.scenes:
            if scene.beat in (BeatType.HOOK, BeatType.CLIFFHANGER):
                continue
            run = 0
            while number - run - 1 >= 1 and scene.beat in series.episode(number - run - 1).beats and run < 3:
                run += 1
            stale = episode_hazards(AudienceModel(), timeline, series=series).hazard()
            second = math.ceil(scene.start_frame / timeline.fps) + 1  # a whole second inside the scene
            assert stale[0, second] / episode_hazards(plain, timeline, series=series).hazard()[0, second] == (
                pytest.approx(1.15**run)
            )


# ----------------------------------------------------------------------------------- behaviour


def test_later_arrivals_have_watched_fewer_episodes_at_the_cutoff(
    series: Series, timelines: dict[int, Timeline]
) -> None:
    # An audience that comes back day after day rather than bingeing, so arrival time matters.
    model = AudienceModel(
        click_through=1.0, next_after_cliffhanger=0.2, return_after_stop=0.9, return_after_exit=0.6, return_gap_hours=24
    )
    events = _run(series, timelines, model, 1000, 8)
    arrived: dict[str, datetime] = {}
    furthest: Counter[str] = Counter()
    for e in events:
        arrived.setdefault(e.viewer_id, e.client_ts)
        if e.type is EventType.PLAY:
            furthest[e.viewer_id] = max(furthest[e.viewer_id], e.episode)
    day = {v: (t - START) / timedelta(days=1) for v, t in arrived.items()}
    early = [furthest[v] for v, d in day.items() if d < 1]
    late = [furthest[v] for v, d in day.items() if d >= DAYS - 1]
    assert len(late) > 25  # a cohort still arriving when the data ends
    assert np.mean(early) > np.mean(late) + 0.5


def test_the_paywall_lets_in_only_those_who_paid(main_sessions: dict[str, list[Event]]) -> None:
    paid: set[tuple[str, int]] = set()
    prompted: set[tuple[str, int]] = set()
    for session in main_sessions.values():
        who = (session[0].viewer_id, session[0].episode)
        kinds = [e.type for e in session]
        if session[0].episode < 4:
            assert EventType.UNLOCK not in kinds
            continue
        if EventType.UNLOCK in kinds:
            unlock = session[kinds.index(EventType.UNLOCK)]
            assert unlock.amount == MAIN.unlock_price and who not in paid
            paid.add(who)
        if EventType.PLAY in kinds:
            assert who in paid
        elif who not in paid:
            prompted.add(who)
    attempts = len(paid) + len(prompted)
    assert attempts > 100
    assert len(paid) / attempts == pytest.approx(MAIN.unlock, abs=4 * math.sqrt(0.25 / attempts))


@pytest.mark.parametrize("episode", [1, 2, 3])
def test_next_episode_rate_after_a_complete_is_the_planted_one(
    main_sessions: dict[str, list[Event]], episode: int
) -> None:
    completed = went_on = 0
    for session in main_sessions.values():
        kinds = [e.type for e in session]
        if session[0].episode == episode and EventType.COMPLETE in kinds:
            completed += 1
            went_on += EventType.NEXT_EPISODE in kinds
    expected = MAIN.next_probability(episode, ends_on_cliffhanger=True)
    assert went_on / completed == pytest.approx(expected, abs=4 * math.sqrt(expected * (1 - expected) / completed))


def test_a_completed_session_loops_into_a_replay_at_the_planted_rate(main_sessions: dict[str, list[Event]]) -> None:
    completes = replays = 0
    for session in main_sessions.values():
        kinds = [e.type for e in session]
        if EventType.COMPLETE in kinds:
            completes += 1
            replays += kinds.count(EventType.PLAY) == 2
    p = MAIN.rewatch
    assert replays / completes == pytest.approx(p, abs=4 * math.sqrt(p * (1 - p) / completes))


def test_reactions_come_at_scene_ends_and_more_after_reversals(
    rich_run: list[Event], timelines: dict[int, Timeline]
) -> None:
    ends = {(n, t.seconds(s.end_frame)): s.beat.is_reversal for n, t in timelines.items() for s in t.scenes}
    likes: Counter[bool] = Counter()
    for e in rich_run:
        if e.type is EventType.LIKE:
            assert e.position_s is not None
            at = [rev for (n, end), rev in ends.items() if n == e.episode and abs(end - e.position_s) < 1e-3]
            assert len(at) == 1, "a reaction comes at the end of a scene"
            likes[at[0]] += 1
    watched: Counter[bool] = Counter()
    for session in _sessions(rich_run).values():
        stop = next((e for e in session if e.type in TERMINAL), None)
        if stop is not None and stop.position_s is not None:
            timeline = timelines[session[0].episode]
            for s in timeline.scenes:
                watched[s.beat.is_reversal] += timeline.seconds(s.end_frame) <= stop.position_s
    # A like is at most once a session, so the boost of 3 shows a little damped.
    assert 1.8 < (likes[True] / watched[True]) / (likes[False] / watched[False]) < 3.6


def test_viewer_prefix_and_series_id_name_the_audience(series: Series, timelines: dict[int, Timeline]) -> None:
    events = list(
        simulate(series, timelines, AudienceModel(), 20, 1, START, 1, series_id="demo", viewer_prefix="pilot")
    )
    assert events and all(e.series == "demo" and e.viewer_id.startswith("pilot-") for e in events)


# --------------------------------------------------------------------------------------- inputs


def test_bad_inputs_are_refused_before_any_event(series: Series, timelines: dict[int, Timeline]) -> None:
    model = AudienceModel()
    with pytest.raises(InvalidInputError, match="time zone"):
        simulate(series, timelines, model, 10, 1, datetime(2025, 1, 1), DAYS)
    with pytest.raises(InvalidInputError, match="episode 1"):
        simulate(series, {2: timelines[2]}, model, 10, 1, START, DAYS)
    with pytest.raises(InvalidInputError, match="gap"):
        simulate(series, {1: timelines[1], 3: timelines[3]}, model, 10, 1, START, DAYS)
    with pytest.raises(InvalidInputError, match="does not match"):
        simulate(series, {1: timelines[2].model_copy(update={"episode": 1})}, model, 10, 1, START, DAYS)
    with pytest.raises(InvalidInputError, match="seed"):
        simulate(series, timelines, model, 10, -1, START, DAYS)
    with pytest.raises(ValueError, match="multiplier"):
        AudienceModel(punish={"ep001-s02": 0.0})


def test_episode_timelines_with_their_version_are_accepted(series: Series, timelines: dict[int, Timeline]) -> None:
    wrapped = {n: EpisodeTimeline(timeline=t, estimated=True) for n, t in timelines.items()}
    assert list(simulate(series, wrapped, AudienceModel(), 30, 2, START, 1)) == list(
        simulate(series, timelines, AudienceModel(), 30, 2, START, 1)
    )


# ---------------------------------------------------------------------------------------- sinks


class _Sink:
    def __init__(self) -> None:
        self.batches: list[list[Event]] = []

    def append_events(self, events: Sequence[Event]) -> int:
        self.batches.append(list(events))
        return len(events)


def test_simulate_into_appends_every_event_in_batches(series: Series, timelines: dict[int, Timeline]) -> None:
    sink = _Sink()
    results = simulate_into(sink, series, timelines, AudienceModel(), 100, 4, START, DAYS, batch=1000)
    expected = list(simulate(series, timelines, AudienceModel(), 100, 4, START, DAYS))
    assert [e for batch in sink.batches for e in batch] == expected
    assert results == [len(b) for b in sink.batches] and all(r <= 1000 for r in results)
    assert len(results) == -(-len(expected) // 1000)


def test_simulate_into_the_event_store(series: Series, timelines: dict[int, Timeline], tmp_path: Path) -> None:
    store_module = pytest.importorskip(
        "dramaline.audience.store", reason="dramaline.audience.store (EventStore) is not written yet"
    )
    store = store_module.EventStore(tmp_path / "events")
    start = datetime.now(UTC) - timedelta(days=3)  # the store refuses events from the future
    expected = len(list(simulate(series, timelines, AudienceModel(), 50, 6, start, 2)))
    results = simulate_into(store, series, timelines, AudienceModel(), 50, 6, start, 2, batch=500)
    assert len(results) == -(-expected // 500) and sum(r.accepted for r in results) == expected
    assert store.count() == expected
    # The same seed again: the same event ids, all recognised as resent.
    again = simulate_into(store, series, timelines, AudienceModel(), 50, 6, start, 2, batch=500)
    assert sum(r.accepted for r in again) == 0 and sum(r.duplicates for r in again) == expected


def test_every_parameter_is_documented() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "simulator.md").read_text(encoding="utf-8")
    for name in AudienceModel.model_fields:
        assert f"`{name}`" in doc, name
    assert "never a forecast" in doc


def test_measured_retention_covers_the_truth_even_when_many_ends_are_lost(
    series: Series, timelines: dict[int, Timeline]
) -> None:
    # A killed app loses the session's end; censoring such sessions at their last heartbeat would
    # drop their losses (they left within one heartbeat of it) and lift the curve above the truth.
    model = AudienceModel(click_through=1.0, killed=0.3, return_after_exit=0.0, rewatch=0.0)
    events = _run(series, {1: timelines[1]}, model, 3000, 12)
    conn = connect(
        (
            e.event_id, e.type.value, e.viewer_id, e.session_id, e.series, e.episode, e.episode_version,
            e.position_s, e.from_position_s, e.platform, e.market, e.language, e.segment, e.amount,
            e.client_ts, e.received_ts, e.simulated,
        )
        for e in events
    )  # fmt: skip
    duration = timelines[1].seconds(timelines[1].duration_frames)
    (m,) = episode_metrics(build_sessions(conn, {(series_slug(series), 1, 1): duration}))
    truth = true_retention(model, timelines[1], series=series)
    curve = m.retention()
    assert len(curve.share) == len(truth) and curve.seconds[-1] == duration
    # The end of the curve is the completion rate, with its interval, not unknown.
    assert not np.isnan([curve.share[-1], curve.low[-1], curve.high[-1]]).any()
    assert curve.share[-1] == m.completion_rate.value and curve.low[-1] < curve.share[-1] < curve.high[-1]
    inside = (curve.low - 1e-9 <= truth) & (truth <= curve.high + 1e-9)
    assert inside.mean() >= 0.85, inside.mean()
    assert np.max(np.abs(curve.share - truth)) < 0.04


# ------------------------------------------------------------------------------------- variants


def _renamed_version(series: Series, number: int, scene: int) -> Episode:
    """Version 2 of an episode: one scene's id changed, everything else the same."""
    episode = series.episode(number)
    scenes = list(episode.scenes)
    scenes[scene] = scenes[scene].model_copy(update={"id": f"{scenes[scene].id}b"})
    return episode.model_copy(update={"scenes": tuple(scenes), "version": 2})


def _odd_even(viewer_id: str, episode: int) -> int:
    """Odd-numbered viewers see version 1, even-numbered ones version 2."""
    return 1 if int(viewer_id.rsplit("-", 1)[1]) % 2 else 2


def test_base_timelines_given_as_variants_change_nothing(series: Series, timelines: dict[int, Timeline]) -> None:
    # Every viewer "chooses" the version the episode has anyway: the very same draws, the very same events.
    first = {n: timelines[n] for n in (1, 2, 3)}
    plain = list(simulate(series, first, MAIN, 300, 9, START, DAYS))
    same = list(simulate(series, first, MAIN, 300, 9, START, DAYS, variants={2: {1: first[2]}}, chooser=lambda v, e: 1))
    assert same == plain


def test_variants_split_the_audience_and_each_version_has_its_own_hazard(
    series: Series, timelines: dict[int, Timeline]
) -> None:
    first = {n: timelines[n] for n in (1, 2, 3)}
    v2 = estimate_timeline(series, _renamed_version(series, 2, 1))
    assert v2.episode_version == 2
    # Leaving scene 2 of episode 2 is planted 6× as likely under its old id, which only version 1 has.
    model = MAIN.model_copy(update={"punish": {"ep002-s02": 6.0}})
    variants = {2: {1: first[2], 2: v2}}
    events = list(simulate(series, first, model, 1500, 4, START, DAYS, variants=variants, chooser=_odd_even))
    assert events[:3000] == list(
        itertools.islice(
            simulate(series, first, model, 1500, 4, START, DAYS, variants=variants, chooser=_odd_even), 3000
        )
    )
    for e in events:
        assert e.episode_version == (_odd_even(e.viewer_id, 2) if e.episode == 2 else 1)
    scene = first[2].scenes[1]
    span = (first[2].seconds(scene.start_frame), first[2].seconds(scene.end_frame))
    share: dict[int, float] = {}
    grouped = _sessions(events)
    for version in (1, 2):
        sessions = {k: s for k, s in grouped.items() if s[0].episode == 2 and s[0].episode_version == version}
        stops, _ = _first_passes(sessions, 2)
        share[version] = float(np.mean((stops >= span[0]) & (stops < span[1])))
        assert len(stops) > 250
    # Same timing in both versions (only the id differs), so the exits there differ by the planted hazard.
    assert v2.scenes[1].start_frame == scene.start_frame and v2.scenes[1].end_frame == scene.end_frame
    assert share[1] > 2.5 * share[2]


def test_variants_are_checked_before_any_event(series: Series, timelines: dict[int, Timeline]) -> None:
    first = {n: timelines[n] for n in (1, 2)}
    v2 = estimate_timeline(series, _renamed_version(series, 2, 1))
    model = AudienceModel()
    with pytest.raises(InvalidInputError, match="need a chooser"):
        simulate(series, first, model, 10, 1, START, DAYS, variants={2: {1: first[2], 2: v2}})
    with pytest.raises(InvalidInputError, match="needs variants"):
        simulate(series, first, model, 10, 1, START, DAYS, chooser=_odd_even)
    with pytest.raises(InvalidInputError, match=r"variants\[2\]\[3\] holds the timeline of episode 2 version 2"):
        simulate(series, first, model, 10, 1, START, DAYS, variants={2: {3: v2}}, chooser=_odd_even)
    with pytest.raises(InvalidInputError, match=r"episodes 1\.\.2 are simulated"):
        simulate(series, first, model, 10, 1, START, DAYS, variants={3: {1: timelines[3]}}, chooser=_odd_even)
    with pytest.raises(InvalidInputError, match="shows sim-000002 version 2 of episode 2"):
        list(simulate(series, first, model, 10, 1, START, DAYS, variants={2: {1: first[2]}}, chooser=_odd_even))
