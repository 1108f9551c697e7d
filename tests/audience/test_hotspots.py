"""Drop-off hotspots: retention laid over a hand-built timeline, with every number worked out by hand."""

from __future__ import annotations

import math
from typing import Any

import pytest

from dramaline.audience.hotspots import beat_losses, episode_losses, series_losses, top_hotspots
from dramaline.audience.metrics import EpisodeMetrics, episode_metrics
from dramaline.audience.sessions import build_sessions
from dramaline.model import BeatType, Emotion, TimedLine, TimedScene, Timeline, TimeOfDay
from tests.audience.test_sessions import Row, connect, ev

FPS = 10


def scene(n: int, beat: BeatType, start_s: float, end_s: float, lines: list[tuple[float, float]]) -> TimedScene:
    return TimedScene(
        scene_id=f"s{n}",
        beat=beat,
        location="hall",
        time_of_day=TimeOfDay.DAY,
        characters=("claire",),
        start_frame=round(start_s * FPS),
        end_frame=round(end_s * FPS),
        lines=tuple(
            TimedLine(
                index=i,
                speaker="claire",
                text="You will regret this.",
                emotion=Emotion.ANGRY,
                start_frame=round(a * FPS),
                end_frame=round(b * FPS),
            )
            for i, (a, b) in enumerate(lines)
        ),
    )


def timeline(episode: int = 1) -> Timeline:
    """30 s: a hook (0–10 s), a humiliation (10–20 s), a cliffhanger (20–30 s) whose last line ends at 28 s."""
    return Timeline(
        series_title="The Heir",
        episode=episode,
        episode_title="The Wedding",
        language="en",
        fps=FPS,
        width_px=1080,
        height_px=1920,
        duration_frames=30 * FPS,
        scenes=(
            scene(1, BeatType.HOOK, 0, 10, [(1, 4), (5, 9)]),
            scene(2, BeatType.HUMILIATION, 10, 20, [(14, 16), (17, 19.5)]),
            scene(3, BeatType.CLIFFHANGER, 20, 30, [(21, 28)]),
        ),
    )


def audience(episode: int = 1, version: int = 1, platform: str = "tiktok") -> list[Row]:
    """100 viewers: 10 leave at 1 s, 20 at 15 s, 5 at 25 s, 65 watch to the end."""
    exits = [1.0] * 10 + [15.0] * 20 + [25.0] * 5 + [None] * 65
    rows: list[Row] = []
    for i, x in enumerate(exits):
        s = f"{platform}-{episode}-{version}-{i}"
        attrs: dict[str, Any] = {"episode": episode, "version": version, "platform": platform}
        rows.append(ev("play", s, 0.0, **attrs))
        rows.append(ev("exit", s, x, at=x, **attrs) if x is not None else ev("complete", s, 30.0, at=30, **attrs))
    return rows


def metrics_for(rows: list[Row], **kw: object) -> list[EpisodeMetrics]:
    durations = {("heir", e, v): 30.0 for e in (1, 2) for v in (1, 2)}
    return episode_metrics(build_sessions(connect(rows), durations), **kw)  # type: ignore[arg-type]


# By hand: R(3) = R(10) = 0.9, R(20) = 0.7, R(28) = 0.65. The analysed window is 3–28 s, where 25 of the
# 100 starters left over ∫R = 0.9·12 + 0.7·10 + 0.65·3 = 19.75 viewer-seconds per starter.
BASELINE = 0.25 / 19.75


def test_scene_losses_by_hand() -> None:
    (m,) = metrics_for(audience())
    losses = episode_losses(m, timeline())
    assert (losses.window_start_s, losses.window_end_s) == (3.0, 28.0)
    assert losses.baseline_rate == pytest.approx(BASELINE)
    hook, humiliation, cliffhanger = losses.scenes
    assert (hook.start_s, hook.end_s, hook.lost.value, hook.rate_ratio) == (3.0, 10.0, 0.0, 0.0)
    assert humiliation.viewers == pytest.approx(90)
    assert humiliation.lost.value == pytest.approx(2 / 9)  # 20 of the 90 there at 10 s
    assert humiliation.lost.low < 2 / 9 < humiliation.lost.high
    assert humiliation.lost_of_starters == pytest.approx(0.2)
    # 20 lost over 90·5 + 70·5 = 800 viewer-seconds.
    assert humiliation.watched_s == pytest.approx(800)
    assert humiliation.rate_per_s == pytest.approx(20 / 800)
    assert humiliation.rate_ratio == pytest.approx((20 / 800) / BASELINE)
    expected = 1 - math.exp(-BASELINE * 10)
    assert humiliation.excess_viewers == pytest.approx(90 * (2 / 9 - expected))
    assert humiliation.significant
    assert (cliffhanger.start_s, cliffhanger.end_s) == (20.0, 28.0)  # the end card after the last line is cut
    assert cliffhanger.lost.value == pytest.approx(5 / 70)
    assert cliffhanger.rate_ratio == pytest.approx((5 / 545) / BASELINE)
    assert cliffhanger.excess_viewers < 0


def test_describe_names_the_place_in_words() -> None:
    (m,) = metrics_for(audience())
    losses = episode_losses(m, timeline())
    assert losses.scenes[1].describe() == (
        "Ep 1, scene 2 (humiliation, 0:10–0:20): 22% of viewers left, 2.0× this episode's average rate"
    )
    line = losses.lines[2]  # scene 2's first line, 14–16 s: 20 of 90 left over 90 + 70 viewer-seconds
    assert (line.scene, line.line, line.speaker) == (2, 1, "claire")
    assert line.rate_ratio == pytest.approx((20 / 160) / BASELINE)
    assert line.describe() == (
        "Ep 1, scene 2, line 1 (claire, 0:14–0:16): 22% of viewers left, 9.9× this episode's average rate"
    )


def test_spans_inside_the_opening_seconds_are_not_reported() -> None:
    (m,) = metrics_for(audience())
    losses = episode_losses(m, timeline())
    first_line = losses.lines[0]
    assert (first_line.start_s, first_line.end_s) == (3.0, 4.0)  # 1–4 s clipped to the window
    everything = episode_losses(m, timeline(), skip_first_s=0)
    assert everything.scenes[0].lost.value == pytest.approx(0.1)  # now the 10 who left at 1 s count


def test_top_hotspots_rank_by_excess_viewers_and_skip_short_or_thin_spans() -> None:
    rows = audience(episode=1) + audience(episode=2, version=2)[:40]  # episode 2 v2: 20 viewers
    metrics = metrics_for(rows)
    losses = series_losses(metrics, {(1, 1): timeline(1), (2, 2): timeline(2)})
    assert [(e.episode, e.episode_version, e.views) for e in losses] == [(1, 1, 100), (2, 2, 20)]
    top = top_hotspots(losses, n=5)
    assert [(s.episode, s.scene) for s in top] == [(1, 2)]  # episode 2's 20 viewers are too few
    top_all = top_hotspots(losses, n=5, min_viewers=10)
    assert [(s.episode, s.scene) for s in top_all] == [(1, 2), (2, 2)]
    assert top_all[1].describe().startswith("Ep 2 v2, scene 2 (humiliation, 0:10–0:20): ")
    lines = top_hotspots(losses, lines=True)
    assert [(s.scene, s.line) for s in lines] == [(2, 1)]
    assert top_hotspots(losses, lines=True, min_duration_s=2.5) == []  # the line is 2 s long
    assert series_losses(metrics, {}) == []  # no timeline, nothing to map onto


def test_loss_by_beat_type_is_pooled_over_the_series() -> None:
    metrics = metrics_for(audience(episode=1) + audience(episode=2))
    beats = {b.beat: b for b in beat_losses(series_losses(metrics, {(1, 1): timeline(1), (2, 1): timeline(2)}))}
    # Two identical episodes: humiliation lost 2·20 over 2·800 viewer-seconds; all scenes 2·25 over 2·1975.
    humiliation = beats[BeatType.HUMILIATION]
    assert humiliation.scenes == 2
    assert humiliation.viewers_lost == pytest.approx(40)
    assert humiliation.exposure_s == pytest.approx(1600)
    assert humiliation.rate_ratio == pytest.approx((40 / 1600) / (50 / 3950))
    # Garwood's exact Poisson interval for 40 events: 28.58 to 54.47.
    assert humiliation.rate_per_s.low * 1600 == pytest.approx(28.58, abs=0.01)
    assert humiliation.rate_per_s.high * 1600 == pytest.approx(54.47, abs=0.01)
    assert beats[BeatType.HOOK].rate_per_s.value == 0 and beats[BeatType.HOOK].rate_per_s.low == 0
    assert next(iter(beat_losses(series_losses(metrics, {(1, 1): timeline(1)})))).beat == BeatType.HUMILIATION


def test_groups_get_their_own_losses() -> None:
    metrics = metrics_for(audience(platform="tiktok") + audience(platform="youtube"), by="platform")
    losses = series_losses(metrics, {(1, 1): timeline()})
    assert [e.group for e in losses] == ["tiktok", "youtube"]
    assert losses[1].scenes[1].lost.value == pytest.approx(2 / 9)
