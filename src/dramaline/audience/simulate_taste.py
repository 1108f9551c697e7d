"""The simulated audience's taste: its documented parameters, the hazard of leaving they imply, and the truth.

A simulated viewer leaves an episode at a rate per second (the hazard) that depends on what is on
screen: a base rate times one multiplier per effect (beat type, planted scene hotspots, long or
slow lines, the opening seconds before the hook lands and what the episode opens on, the wait for
the first payoff, beats gone stale across episodes, the viewer's segment's taste), times the
session's frailty, a gamma-distributed random factor of mean 1. The hazard is piecewise constant
per second, so leave times are drawn by inverse CDF on the cumulative hazard, and the survival
curve it implies has a closed form: for cumulative hazard H(t) and frailty variance v,
S(t) = (1 + v·H(t))^(-1/v) (exp(-H) when v = 0), averaged over segments. `true_retention`
returns that curve so tests can check the analytics find it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydantic import Field, model_validator

from dramaline.model import (
    BeatType,
    Emotion,
    Frozen,
    LanguageTag,
    Market,
    Platform,
    Series,
    Slug,
    Timeline,
    count_words,
)
from dramaline.model.base import require_unique

DEFAULT_BEAT_MULTIPLIERS: dict[BeatType, float] = {
    BeatType.HOOK: 1.0,
    BeatType.HUMILIATION: 1.15,
    BeatType.REVEAL: 0.75,
    BeatType.FACE_SLAP: 0.7,
    BeatType.CONFRONTATION: 0.9,
    BeatType.BETRAYAL: 0.85,
    BeatType.SCHEME: 1.3,
    BeatType.ROMANCE: 1.1,
    BeatType.RESCUE: 0.85,
    BeatType.SACRIFICE: 1.0,
    BeatType.FLASHBACK: 1.5,
    BeatType.CLIFFHANGER: 0.8,
}
"""The whole audience's hazard multiplier per beat: payoffs hold viewers, plotting and flashbacks lose them."""


def _require_positive(values: Mapping[Any, float], what: str) -> None:
    for k, value in values.items():
        if not value > 0:
            raise ValueError(f"{what}[{k}] is {value}; a multiplier must be greater than 0")


class Segment(Frozen):
    """A kind of viewer: where they watch, and what they like (multipliers below 1) or not (above 1)."""

    name: Slug
    share: float = Field(gt=0, description="relative size; shares are normalised over the segments")
    market: Market
    platform: Platform
    language: LanguageTag | None = Field(default=None, description="the language watched; None: the series'")
    taste: dict[BeatType, float] = Field(default_factory=dict, description="hazard multiplier per beat type")
    hazard_multiplier: float = Field(default=1.0, gt=0, description="how restless the segment is overall")

    @model_validator(mode="after")
    def _positive_taste(self) -> Segment:
        _require_positive(self.taste, f"segment {self.name!r} taste")
        return self


DEFAULT_SEGMENTS: tuple[Segment, ...] = (
    Segment(
        name="revenge-fans",
        share=0.5,
        market="US",
        platform="tiktok",
        taste={BeatType.FACE_SLAP: 0.6, BeatType.REVEAL: 0.8, BeatType.ROMANCE: 1.5},
    ),
    Segment(
        name="romance-fans",
        share=0.3,
        market="US",
        platform="reelshort",
        taste={BeatType.ROMANCE: 0.6, BeatType.RESCUE: 0.8, BeatType.SCHEME: 1.4, BeatType.CONFRONTATION: 1.2},
    ),
    Segment(
        name="casual",
        share=0.2,
        market="GB",
        platform="youtube",
        taste={BeatType.FLASHBACK: 1.5},
        hazard_multiplier=1.4,
    ),
)


class AudienceModel(Frozen):
    """Every parameter of the simulated audience; docs/simulator.md explains each and its default."""

    # Leaving: the hazard per second and what multiplies it.
    base_hazard: float = Field(default=0.005, gt=0, le=10, description="leaves per second at multiplier 1")
    beat_multipliers: dict[BeatType, float] = Field(default_factory=lambda: dict(DEFAULT_BEAT_MULTIPLIERS))
    punish: dict[Slug, float] = Field(
        default_factory=dict, description="hazard multiplier per scene id: planted hotspots (>1) or strengths (<1)"
    )
    opening_s: float = Field(default=3.0, ge=0, description="seconds at the start before the hook lands")
    opening_multiplier: float = Field(default=8.0, ge=1, description="hazard multiplier of the opening, hook 1.0")
    hook_strength: dict[int, float] = Field(
        default_factory=dict, description="per episode (default 1): the opening's excess hazard is divided by it"
    )
    opening_emotions: dict[Emotion, float] = Field(
        default_factory=dict,
        description="per emotion of the episode's first line (default 1): divides the opening's excess hazard too",
    )
    payoff_wait_s: float = Field(default=30.0, ge=0, description="seconds viewers wait for the first reversal calmly")
    payoff_wait_slope: float = Field(
        default=0.0, ge=0, description="until the first reversal: hazard +this per second waited past payoff_wait_s"
    )
    long_line_s: float = Field(default=6.0, gt=0, description="a line longer than this starts to drag")
    long_line_slope: float = Field(default=0.15, ge=0, description="hazard +this per second a line runs past that")
    reference_wps: float = Field(default=2.5, gt=0, description="words per second that neither bore nor rush")
    pace_exponent: float = Field(default=1.0, ge=0, description="slower speech: hazard × (reference/wps)^this")
    dead_air_multiplier: float = Field(default=1.0, gt=0, description="between lines: lead-ins, pauses, tails")
    staleness: float = Field(default=0.15, ge=0, description="per consecutive earlier episode with the same beat")
    novelty_memory: int = Field(default=3, ge=0, description="earlier episodes remembered for staleness")
    stale_exempt: frozenset[BeatType] = Field(
        default=frozenset({BeatType.HOOK, BeatType.CLIFFHANGER}), description="beats every episode has"
    )
    frailty_variance: float = Field(default=0.5, ge=0, description="variance of the per-session gamma frailty")
    segments: tuple[Segment, ...] = Field(default=DEFAULT_SEGMENTS, min_length=1)

    # Between episodes.
    click_through: float = Field(default=0.5, ge=0, le=1, description="a first impression becomes a play")
    next_after_cliffhanger: float = Field(default=0.8, ge=0, le=1)
    next_without_cliffhanger: float = Field(default=0.5, ge=0, le=1)
    next_episode: dict[int, float] = Field(
        default_factory=dict, description="planted per episode: probability of going on after completing it"
    )
    rewatch: float = Field(default=0.04, ge=0, le=1, description="a completed session loops: plays again")
    return_after_stop: float = Field(default=0.5, ge=0, le=1, description="completed, stopped, comes back")
    return_after_exit: float = Field(default=0.25, ge=0, le=1, description="left mid-episode, comes back")
    return_gap_hours: float = Field(default=18.0, gt=0, description="mean of the exponential gap before a return")
    paywall_from: int | None = Field(default=None, ge=1, description="first locked episode; None: all free")
    unlock: float = Field(default=0.3, ge=0, le=1, description="a viewer facing a locked episode pays")
    unlock_price: float = Field(default=0.99, ge=0, description="amount of one unlock event")

    # Arrivals, playback and engagement.
    arrival_half_life_days: float | None = Field(
        default=2.0, gt=0, description="arrivals decay with this half-life over the window; None: uniform"
    )
    killed: float = Field(default=0.03, ge=0, le=1, description="a session ends with no exit/complete event")
    seek: float = Field(default=0.06, ge=0, le=1, description="a session seeks once")
    backward_seek_share: float = Field(default=0.6, ge=0, le=1)
    seek_span_s: tuple[float, float] = Field(default=(3.0, 15.0), description="a seek's length, uniform")
    heartbeat_s: float = Field(default=5.0, gt=0, description="playing time between progress events")
    like: float = Field(default=0.02, ge=0, le=1, description="per fully watched scene")
    share: float = Field(default=0.004, ge=0, le=1, description="per fully watched scene")
    comment: float = Field(default=0.006, ge=0, le=1, description="per fully watched scene")
    follow: float = Field(default=0.003, ge=0, le=1, description="per fully watched scene, once a viewer")
    reversal_boost: float = Field(default=3.0, ge=0, description="engagement multiplier after a reversal beat")

    @model_validator(mode="after")
    def _consistent(self) -> AudienceModel:
        require_unique([s.name for s in self.segments], "segment name")
        _require_positive(self.beat_multipliers, "beat_multipliers")
        _require_positive(self.punish, "punish")
        _require_positive(self.hook_strength, "hook_strength")
        _require_positive(self.opening_emotions, "opening_emotions")
        for episode, p in self.next_episode.items():
            if not 0 <= p <= 1:
                raise ValueError(f"next_episode[{episode}] is {p}; a probability lies in [0, 1]")
        low, high = self.seek_span_s
        if not 0 < low <= high:
            raise ValueError(f"seek_span_s is {self.seek_span_s}; it needs 0 < shortest <= longest")
        return self

    @property
    def segment_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.segments)

    def shares(self) -> NDArray[np.float64]:
        """The segments' shares, normalised to sum to 1, in the order of `segments`."""
        raw = np.array([s.share for s in self.segments], dtype=np.float64)
        shares: NDArray[np.float64] = raw / raw.sum()
        return shares

    def next_probability(self, episode: int, ends_on_cliffhanger: bool) -> float:
        """Probability of going straight on to the next episode after completing `episode`."""
        if episode in self.next_episode:
            return self.next_episode[episode]
        return self.next_after_cliffhanger if ends_on_cliffhanger else self.next_without_cliffhanger


@dataclass(frozen=True)
class EpisodeHazards:
    """One episode's hazard per segment, per second: what leave times are drawn from and the truth is read off."""

    edges_s: NDArray[np.float64]  # second boundaries 0, 1, …, duration (the last bin may be shorter)
    cumulative: NDArray[np.float64]  # [segment, edge]: the cumulative hazard at each edge, frailty 1

    @property
    def duration_s(self) -> float:
        return float(self.edges_s[-1])

    def hazard(self) -> NDArray[np.float64]:
        """[segment, second]: the piecewise-constant hazard per second, frailty 1."""
        return np.diff(self.cumulative, axis=1) / np.diff(self.edges_s)

    def leave_positions(self, segment: NDArray[np.intp], target: NDArray[np.float64]) -> NDArray[np.float64]:
        """Where each session leaves, given its segment and its exponential draw over its frailty; inf: it completes."""
        out = np.full(target.shape, np.inf)
        for s in range(self.cumulative.shape[0]):
            pick = segment == s
            cum = self.cumulative[s]
            y = target[pick]
            leaves = y < cum[-1]
            k = np.searchsorted(cum, y[leaves], side="right") - 1
            # Inverse of a piecewise-linear cumulative hazard: linear within the second.
            left, width = self.edges_s[k], self.edges_s[k + 1] - self.edges_s[k]
            at = left + (y[leaves] - cum[k]) / (cum[k + 1] - cum[k]) * width
            drawn = np.full(y.shape, np.inf)
            drawn[leaves] = at
            out[pick] = drawn
        return out


def episode_hazards(model: AudienceModel, timeline: Timeline, *, series: Series | None = None) -> EpisodeHazards:
    """The hazard the model implies for every segment along `timeline`.

    `series` supplies the earlier episodes' beats for staleness; it may be left out for the first
    episode or when `model.staleness` is 0.
    """
    runs = _stale_runs(model, timeline, series)
    fps = timeline.fps
    frames = timeline.duration_frames
    t = (np.arange(frames) + 0.5) / fps  # frame midpoints, seconds
    common = np.full(frames, model.base_hazard)
    beats = list(BeatType)
    beat_of_frame = np.zeros(frames, dtype=np.intp)
    in_line = np.zeros(frames, dtype=bool)
    for scene in timeline.scenes:
        span = slice(scene.start_frame, scene.end_frame)
        stale = (1 + model.staleness) ** runs.get(scene.beat, 0)
        common[span] *= model.beat_multipliers.get(scene.beat, 1.0) * model.punish.get(scene.scene_id, 1.0) * stale
        beat_of_frame[span] = beats.index(scene.beat)
        for line in scene.lines:
            lspan = slice(line.start_frame, line.end_frame)
            in_line[lspan] = True
            seconds = (line.end_frame - line.start_frame) / fps
            words = count_words(line.text)
            slowness = model.reference_wps * seconds / words if words else 1.0  # reference wps over actual
            pace = float(np.clip(slowness**model.pace_exponent, 0.5, 3.0))
            drag = 1 + model.long_line_slope * np.maximum(0.0, t[lspan] - line.start_frame / fps - model.long_line_s)
            common[lspan] *= pace * drag
    common[~in_line] *= model.dead_air_multiplier
    if model.payoff_wait_slope > 0:
        # Waiting for the first reversal wears patience thin; an episode without one waits to its end.
        payoff = next((s.start_frame for s in timeline.scenes if s.beat.is_reversal), frames) / fps
        waiting = t < payoff
        common[waiting] *= 1 + model.payoff_wait_slope * np.maximum(0.0, t[waiting] - model.payoff_wait_s)
    strength = model.hook_strength.get(timeline.episode, 1.0)
    first = next((scene.lines[0] for scene in timeline.scenes if scene.lines), None)
    if first is not None:
        strength *= model.opening_emotions.get(first.emotion, 1.0)
    common[t < model.opening_s] *= 1 + (model.opening_multiplier - 1) / strength

    duration = frames / fps
    bins = -(-frames // fps)
    edges = np.minimum(np.arange(bins + 1, dtype=np.float64), duration)
    second_of_frame = np.arange(frames) // fps
    cumulative = np.zeros((len(model.segments), bins + 1))
    for s, segment in enumerate(model.segments):
        taste = np.array([segment.taste.get(b, 1.0) for b in beats])
        per_frame = common * segment.hazard_multiplier * taste[beat_of_frame]
        # The integral of the per-frame hazard over each second: exact at every edge.
        cumulative[s, 1:] = np.cumsum(np.bincount(second_of_frame, weights=per_frame, minlength=bins) / fps)
    return EpisodeHazards(edges_s=edges, cumulative=cumulative)


def true_retention(
    model: AudienceModel,
    timeline: Timeline,
    segment_mix: Mapping[str, float] | None = None,
    *,
    series: Series | None = None,
) -> NDArray[np.float64]:
    """The share of sessions still watching at each second, as the model's hazards imply (the ground truth).

    Entry k is the survival at k seconds; the last entry is at the episode's end, so it is the
    completion rate (the last second may be shorter than one). Averaged over the gamma frailty in
    closed form and over the segments by `segment_mix` (segment name → weight, normalised;
    default: the model's shares). Pass the mix of the sessions being compared: viewers who reach
    later episodes are a different mix than those who arrive. Sessions with seeks leave where they
    would have left anyway, so the truth holds for every session.
    """
    hazards = episode_hazards(model, timeline, series=series)
    weights = _mix_weights(model, segment_mix)
    v = model.frailty_variance
    cum = hazards.cumulative
    survival = np.exp(-cum) if v == 0 else (1 + v * cum) ** (-1 / v)
    result: NDArray[np.float64] = weights @ survival
    return result


def _mix_weights(model: AudienceModel, segment_mix: Mapping[str, float] | None) -> NDArray[np.float64]:
    if segment_mix is None:
        return model.shares()
    unknown = set(segment_mix) - set(model.segment_names)
    if unknown:
        raise ValueError(f"segment_mix names unknown segments {sorted(unknown)}; known: {list(model.segment_names)}")
    weights = np.array([max(0.0, float(segment_mix.get(name, 0.0))) for name in model.segment_names])
    if weights.sum() <= 0:
        raise ValueError("segment_mix gives no weight to any segment")
    normalised: NDArray[np.float64] = weights / weights.sum()
    return normalised


def _stale_runs(model: AudienceModel, timeline: Timeline, series: Series | None) -> dict[BeatType, int]:
    """Per beat of this episode: how many consecutive earlier episodes (up to the memory) had it too."""
    if model.staleness == 0 or model.novelty_memory == 0 or timeline.episode == 1:
        return {}
    if series is None:
        raise ValueError(f"episode {timeline.episode}: staleness depends on the earlier episodes' beats; pass series=")
    runs: dict[BeatType, int] = {}
    for beat in {s.beat for s in timeline.scenes} - model.stale_exempt:
        run = 0
        for earlier in range(timeline.episode - 1, max(0, timeline.episode - 1 - model.novelty_memory), -1):
            if earlier > len(series.episodes) or beat not in series.episode(earlier).beats:
                break
            run += 1
        runs[beat] = run
    return runs
