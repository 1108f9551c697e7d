"""Guidance from hand-made reports: every weight and verdict checked against numbers worked out by hand."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from functools import cache

import pytest
from pydantic import ValidationError

from dramaline.audience.funnel import Funnel, FunnelStep
from dramaline.audience.hotspots import EpisodeLosses, SpanLoss, beat_losses
from dramaline.audience.report import SeriesReport
from dramaline.audience.survival import Estimate
from dramaline.audience.timelines import EpisodeTimeline
from dramaline.decide.guidance import PRIOR_SD, STRENGTH, guidance_from_report, loss_weight
from dramaline.model import BeatType, Emotion, Series, TimedLine, TimedScene, Timeline, TimeOfDay, WriteRequest
from dramaline.model.guidance import (
    MAX_WEIGHT,
    AudienceGuidance,
    CliffhangerStyle,
    Preference,
    cliffhanger_style,
    episode_cliffhanger_style,
)
from dramaline.writers.embedded.writer import EmbeddedWriter

FPS = 10
VIEWERS = 10_000.0

# A line: (speaker, text, viewers lost, viewer-seconds watched). A scene: (beat, seconds, lines).
LineData = tuple[str, str, float, float]
SceneData = tuple[BeatType, float, list[LineData]]


@cache
def series() -> Series:
    return EmbeddedWriter().write(WriteRequest(premise="A janitor is secretly the heir", episodes=8, seed=3))


def cast() -> list[str]:
    return [c.id for c in series().bible.characters]


def _span(episode: int, scene: int, line: int | None, beat: BeatType, speaker: str | None, lost: float, watched: float,
          start: float, end: float) -> SpanLoss:  # fmt: skip
    share = lost / VIEWERS
    return SpanLoss(
        series="heir", episode=episode, episode_version=1, group=None, scene=scene, line=line, beat=beat,
        speaker=speaker, start_s=start, end_s=end, viewers=VIEWERS, lost=Estimate(share, share, share, int(VIEWERS)),
        lost_of_starters=share, watched_s=watched, expected=0.0, rate_per_s=lost / watched, rate_ratio=1.0,
        excess_viewers=0.0,
    )  # fmt: skip


def report(
    episodes: list[list[SceneData]], steps: tuple[FunnelStep, ...] = (), of: Series | None = None
) -> SeriesReport:
    """A report whose every scene and line lost exactly the viewers given, over the viewer-seconds given.

    A scene's loss is the sum of its lines' (as the analytics would find, lines filling the scene).
    """
    timelines: dict[tuple[int, int], EpisodeTimeline] = {}
    losses: list[EpisodeLosses] = []
    for number, scenes in enumerate(episodes, start=1):
        placed, scene_spans, line_spans, t = [], [], [], 0.0
        for k, (beat, seconds, lines) in enumerate(scenes, start=1):
            step = seconds / len(lines)
            timed = tuple(
                TimedLine(index=j, speaker=who, text=text, emotion=Emotion.NEUTRAL,
                          start_frame=round((t + j * step) * FPS), end_frame=round((t + (j + 1) * step) * FPS))
                for j, (who, text, _, _) in enumerate(lines)
            )  # fmt: skip
            placed.append(
                TimedScene(scene_id=f"e{number}-s{k}", beat=beat, location="hall", time_of_day=TimeOfDay.DAY,
                           characters=tuple(sorted({w for w, _, _, _ in lines})), start_frame=round(t * FPS),
                           end_frame=round((t + seconds) * FPS), lines=timed)
            )  # fmt: skip
            for j, (who, _, lost, watched) in enumerate(lines, start=1):
                line_spans.append(_span(number, k, j, beat, who, lost, watched, t + (j - 1) * step, t + j * step))
            lost, watched = sum(x[2] for x in lines), sum(x[3] for x in lines)
            scene_spans.append(_span(number, k, None, beat, None, lost, watched, t, t + seconds))
            t += seconds
        timeline = Timeline(series_title="Heir", episode=number, episode_title=f"Episode {number}", language="en",
                            fps=FPS, width_px=720, height_px=1280, duration_frames=round(t * FPS),
                            scenes=tuple(placed))  # fmt: skip
        timelines[(number, 1)] = EpisodeTimeline(timeline=timeline, estimated=True)
        losses.append(EpisodeLosses(series="heir", episode=number, episode_version=1, group=None, views=int(VIEWERS),
                                    window_start_s=0.0, window_end_s=t, baseline_rate=0.0,
                                    scenes=tuple(scene_spans), lines=tuple(line_spans)))  # fmt: skip
    return SeriesReport(
        series=of or series(), series_id="heir", events=123_456, simulated_share=1.0, timelines=timelines,
        metrics=[], losses=losses, hotspots=[], beats=beat_losses(losses),
        funnel=Funnel(series="heir", window=timedelta(days=7), cutoff=datetime(2026, 1, 8, tzinfo=UTC), steps=steps),
        made_at=datetime(2026, 1, 8, tzinfo=UTC),
    )  # fmt: skip


def one_line(beat: BeatType, lost: float, watched: float, seconds: float = 20.0) -> SceneData:
    return (beat, seconds, [(cast()[0], "You will regret this, all of you.", lost, watched)])


def expected_weight(lost: float, expected: float) -> float:
    """The documented rule, by hand: log ratio (half a viewer added), shrunk by PRIOR_SD² / (PRIOR_SD² + 1/lost)."""
    log_ratio = math.log((lost + 0.5) / expected)
    shrink = PRIOR_SD**2 / (PRIOR_SD**2 + 1 / (lost + 0.5))
    return math.exp(-STRENGTH * log_ratio * shrink)


# ------------------------------------------------------------------------------------------------- beats

BEATS = [
    one_line(BeatType.HOOK, 500, 50_000),
    one_line(BeatType.CONFRONTATION, 1_000, 100_000),
    one_line(BeatType.FACE_SLAP, 300, 60_000),
    one_line(BeatType.SCHEME, 400, 20_000),
    one_line(BeatType.ROMANCE, 210, 20_000),
]
POOLED = (500 + 1_000 + 300 + 400 + 210) / 250_000  # 0.00964 viewers lost per viewer-second


def test_a_beat_that_loses_significantly_more_is_down_weighted_and_one_that_holds_is_preferred() -> None:
    guidance = guidance_from_report(report([BEATS]))
    face_slap, scheme = guidance.beats[BeatType.FACE_SLAP], guidance.beats[BeatType.SCHEME]
    # face slap: 0.005 per s against 0.00964 (0.52×); 300 lost, so the interval is far below 1.
    assert face_slap.weight == pytest.approx(expected_weight(300, 60_000 * POOLED))
    assert face_slap.weight == pytest.approx(3.54, abs=0.01)
    # scheme: 0.02 per s, 2.07× the pooled rate: avoided.
    assert scheme.weight == pytest.approx(expected_weight(400, 20_000 * POOLED))
    assert scheme.weight < 0.3
    assert "0.52×" in face_slap.evidence and "prefer" in face_slap.evidence
    assert "2.07×" in scheme.evidence and "avoid" in scheme.evidence
    assert guidance.preferred_beats == [BeatType.FACE_SLAP]
    assert guidance.avoided_beats == [BeatType.SCHEME]


def test_an_insignificant_difference_is_ignored() -> None:
    guidance = guidance_from_report(report([BEATS]))
    # romance: 210 lost over 20,000 s is 1.09× the pooled rate, but its interval (0.95–1.25×) includes 1.
    romance = guidance.beats[BeatType.ROMANCE]
    assert romance.weight == 1.0
    assert "1.09×" in romance.evidence and "includes 1×" in romance.evidence
    assert guidance.beats[BeatType.CONFRONTATION].weight == 1.0  # 1.04×, with a thousand viewers lost: still 1 inside
    assert BeatType.HOOK not in guidance.beats  # every episode opens on one: nothing to choose


def test_thin_evidence_moves_the_weight_less_than_strong_evidence_of_the_same_ratio() -> None:
    strong = guidance_from_report(report([[*BEATS[:2], one_line(BeatType.RESCUE, 400, 80_000)]]))
    thin = guidance_from_report(report([[*BEATS[:2], one_line(BeatType.RESCUE, 20, 4_000)]]))
    assert strong.beats[BeatType.RESCUE].weight > thin.beats[BeatType.RESCUE].weight > 1.0


def test_loss_weight_is_neutral_without_significance_and_clamped() -> None:
    assert loss_weight(math.log(0.5), 0.01, significant=False) == 1.0
    assert loss_weight(math.log(0.01), 0.01, significant=True) == MAX_WEIGHT
    assert loss_weight(math.log(2.0), 0.0, significant=True) == pytest.approx(0.25)


# -------------------------------------------------------------------------------------------- characters


def test_characters_are_held_to_the_rate_of_the_beats_they_speak_in() -> None:
    a, b, c = cast()[:3]
    episode: list[SceneData] = [
        (BeatType.CONFRONTATION, 30.0, [(a, "I know what you did.", 100, 10_000), (b, "Prove it.", 300, 10_000)]),
        # c speaks only in a scheme scene, which loses viewers at twice the confrontation's rate.
        (BeatType.SCHEME, 30.0, [(c, "Burn the papers tonight.", 400, 10_000), (c, "Nobody will know.", 400, 10_000)]),
    ]
    guidance = guidance_from_report(report([episode]))
    # Confrontation lines lose 400 / 20,000 s: a lost 100 where 200 were expected (0.5×), b 300 (1.5×).
    assert guidance.characters[a].weight == pytest.approx(expected_weight(100, 200))
    assert guidance.characters[b].weight == pytest.approx(expected_weight(300, 200))
    assert guidance.characters[a].weight > 1 > guidance.characters[b].weight
    # c lost exactly what scheme lines lose: not blamed for the beat.
    assert guidance.characters[c].weight == 1.0
    assert "1.00×" in guidance.characters[c].evidence


# ---------------------------------------------------------------------------------------------- pacing


def test_pacing_aims_for_the_line_length_that_held_viewers_best() -> None:
    a = cast()[0]
    short, middle, long = "Get out now.", "You were never one of us, and you know it.", " ".join(["word"] * 20)
    lines: list[LineData] = [(a, short, 50, 10_000), (a, middle, 100, 10_000), (a, long, 200, 10_000)] * 3
    guidance = guidance_from_report(report([[(BeatType.CONFRONTATION, 60.0, lines)]]))
    assert guidance.pacing is not None
    assert guidance.pacing.words_per_line == 3  # the three-word lines lost at 0.43× the average
    assert "aim for about 3 words per line" in guidance.pacing.evidence
    assert guidance.pacing.seconds_per_scene is None  # one scene length only: nothing to compare


def test_pacing_keeps_the_pace_when_no_band_differs() -> None:
    a = cast()[0]
    lines: list[LineData] = [(a, " ".join(["word"] * n), 100.0, 10_000.0) for n in (3, 6, 12)] * 3
    guidance = guidance_from_report(report([[(BeatType.CONFRONTATION, 60.0, lines)]]))
    assert guidance.pacing is not None and guidance.pacing.words_per_line is None
    assert "keep the current pace" in guidance.pacing.evidence


# -------------------------------------------------------------------------------------------- cliffhangers

ENDINGS = {
    CliffhangerStyle.DANGER: "Will she survive the fire?",
    CliffhangerStyle.EXPOSURE: "Will the truth about the secret be exposed?",
    CliffhangerStyle.ULTIMATUM: "Will he sign, or choose her?",
}


def ending_on(styles: list[CliffhangerStyle]) -> Series:
    """The test series with each episode ending on a question of the given style (and a plain last scene)."""
    episodes = []
    for episode, style in zip(series().episodes, styles, strict=True):
        last = episode.scenes[-1].model_copy(update={"purpose": "The episode ends."})
        episodes.append(
            episode.model_copy(update={"cliffhanger": ENDINGS[style], "scenes": (*episode.scenes[:-1], last)})
        )
    return series().with_episodes(tuple(episodes))


def step(episode: int, starters: int, share: float, half_width: float) -> FunnelStep:
    c = Estimate(share, share - half_width, share + half_width, starters)
    return FunnelStep(series="heir", episode=episode, group=None, starters=starters, continued=round(starters * share),
                      followed_up=starters, naive_rate=c, continuation=c, reach=share)  # fmt: skip


def test_cliffhanger_styles_that_kept_viewers_going_are_preferred() -> None:
    d, e, u = CliffhangerStyle.DANGER, CliffhangerStyle.EXPOSURE, CliffhangerStyle.ULTIMATUM
    styled = ending_on([d, e, d, e, d, e, u, d])
    assert [episode_cliffhanger_style(x) for x in styled.episodes] == [d, e, d, e, d, e, u, d]
    steps = tuple([step(k, 2_000, 0.8 if k % 2 else 0.6, 0.02) for k in range(1, 7)] + [step(7, 50, 0.75, 0.12)])
    guidance = guidance_from_report(report([BEATS], steps, of=styled))
    # By hand: danger loses 20% of starters, the rest (exposure 6,000 at 60%, ultimatum 50 at 75%) 40.1%.
    z = 1.959964
    se = 0.04 / (2 * z)
    own_se = math.sqrt(3 * (1 / 3) ** 2 * se**2)
    rest_share = (6_000 * 0.6 + 50 * 0.75) / 6_050
    rest_se = math.sqrt(3 * (2_000 / 6_050) ** 2 * se**2 + (50 / 6_050) ** 2 * (0.24 / (2 * z)) ** 2)
    log_ratio = math.log(0.2 / (1 - rest_share))
    se_ratio = math.hypot(own_se / 0.2, rest_se / (1 - rest_share))
    shrunk = log_ratio * PRIOR_SD**2 / (PRIOR_SD**2 + se_ratio**2)
    assert guidance.cliffhangers[d].weight == pytest.approx(math.exp(-STRENGTH * shrunk), rel=1e-4)
    assert guidance.cliffhangers[d].weight > 3
    assert guidance.cliffhangers[e].weight < 0.5
    assert "80% went on within 7 days" in guidance.cliffhangers[d].evidence
    # Fifty starters at 75% cannot be told apart from the rest: neutral.
    assert guidance.cliffhangers[u].weight == 1.0
    assert "no clear difference" in guidance.cliffhangers[u].evidence


def test_no_data_gives_neutral_guidance_that_says_so() -> None:
    guidance = guidance_from_report(report([]), exploration=0.3)
    assert guidance.beats == {} and guidance.cliffhangers == {} and guidance.characters == {}
    assert guidance.exploration == 0.3
    assert "no viewing sessions yet" in guidance.source


def test_the_source_names_views_episodes_and_simulation() -> None:
    guidance = guidance_from_report(report([BEATS, BEATS]))
    assert guidance.source == "20,000 views of episodes 1–2 of heir (123,456 events, all simulated)"


# ------------------------------------------------------------------------------------------ the model


def test_guidance_round_trips_and_rejects_what_cannot_be_weighed() -> None:
    guidance = guidance_from_report(report([BEATS]))
    assert AudienceGuidance.model_validate(guidance.model_dump(mode="json")) == guidance
    with pytest.raises(ValidationError, match="cannot be weighed"):
        AudienceGuidance(source="x", beats={BeatType.HOOK: Preference(weight=2.0, evidence="x")})
    with pytest.raises(ValidationError):
        guidance.with_exploration(1.5)
    assert guidance.with_exploration(0.0).exploration == 0.0


@pytest.mark.parametrize(
    ("text", "style"),
    [
        ("Will {lead} survive the fall {rival} arranged?", CliffhangerStyle.DANGER),
        ("Will {lead} be arrested for the theft {antagonist} committed?", CliffhangerStyle.ACCUSATION),
        ("Will {lead} give up {love_interest} to keep his inheritance?", CliffhangerStyle.ULTIMATUM),
        ("Is the stranger the real heir, and has {lead} been living a lie?", CliffhangerStyle.EXPOSURE),
        ("Who just walked through the courtroom doors, and whose side will they take?", CliffhangerStyle.ARRIVAL),
        ("Has {lead} left {love_interest} for good?", CliffhangerStyle.HEARTBREAK),
        ("What now?", CliffhangerStyle.DANGER),  # nothing matches: the genre's default
    ],
)
def test_cliffhanger_styles_are_read_off_the_words(text: str, style: CliffhangerStyle) -> None:
    assert cliffhanger_style(text) is style
