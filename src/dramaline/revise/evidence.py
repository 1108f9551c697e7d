"""What the diagnosis reads about one episode version, and how it states evidence: numbers and sentences."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from dramaline.audience.hotspots import MIN_DURATION_S, MIN_VIEWERS, BeatLoss, EpisodeLosses, SpanLoss
from dramaline.audience.metrics import EpisodeMetrics
from dramaline.audience.survival import Estimate, wilson
from dramaline.model import BeatType, Episode, Evidence, Series

LEVEL = 0.95


@dataclass(frozen=True)
class Case:
    """What the rules read about one episode version."""

    series: Series
    episode: Episode
    metrics: EpisodeMetrics
    losses: EpisodeLosses | None
    others: list[EpisodeMetrics]  # the current versions of the other episodes
    beats: list[BeatLoss]

    def scene_loss(self, position: int) -> SpanLoss | None:
        if self.losses is None:
            return None
        return next((s for s in self.losses.scenes if s.scene == position), None)

    def line_losses(self, position: int) -> dict[int, SpanLoss]:
        if self.losses is None:
            return {}
        return {s.line: s for s in self.losses.lines if s.scene == position and s.line is not None}


def hotspot(span: SpanLoss | None) -> bool:
    """A span that lost viewers above its episode's baseline beyond chance, over enough seconds and viewers to tell."""
    return (
        span is not None
        and span.significant
        and not math.isnan(span.rate_ratio)
        and span.rate_ratio > 1
        and span.duration_s >= MIN_DURATION_S
        and span.viewers >= MIN_VIEWERS
    )


def span_evidence(span: SpanLoss) -> Evidence:
    """A scene's loss as evidence: the report's sentence, its interval against the baseline, and the numbers."""
    return Evidence(
        summary=(
            f"{span.describe()}; the interval of that loss, {pct(span.lost.low)}–{pct(span.lost.high)}, lies above "
            f"the {pct(span.expected)} the episode's baseline rate would lose over the same seconds."
        ),
        numbers={
            "lost": span.lost.value,
            "lost_low": span.lost.low,
            "lost_high": span.lost.high,
            "expected": span.expected,
            "rate_ratio": span.rate_ratio,
            "viewers": span.viewers,
            "excess_viewers": span.excess_viewers,
            "start_s": span.start_s,
            "end_s": span.end_s,
        },
    )


def pull(metrics: EpisodeMetrics, level: float = LEVEL) -> Estimate:
    """A cliffhanger's pull: of the views that completed, the share that went straight on (Wilson interval).

    The next-episode rate of all views also counts everyone who left before the cliffhanger came;
    among completions it measures the cliffhanger alone.
    """
    completions = metrics.rewatch_rate.n  # the rewatch rate's denominator is the completed views
    went_on = round(metrics.next_episode_rate.value * metrics.views) if metrics.views else 0
    return wilson(min(went_on, completions), completions, level)


def clearest(others: Sequence[EpisodeMetrics], metric: Callable[[EpisodeMetrics], Estimate]) -> EpisodeMetrics | None:
    """The other episode whose `metric` has the highest lower bound (the clearest better one)."""
    usable = [m for m in others if not math.isnan(metric(m).low)]
    return max(usable, key=lambda m: metric(m).low, default=None)


def pair(name: str, mine: Estimate, theirs: Estimate) -> dict[str, float]:
    """Evidence numbers comparing this episode's estimate with the clearest better episode's."""
    return {
        name: mine.value,
        f"{name}_low": mine.low,
        f"{name}_high": mine.high,
        f"best_{name}": theirs.value,
        f"best_{name}_low": theirs.low,
    }


def pct(share: float) -> str:
    """A share as a percentage with one decimal."""
    return f"{100 * share:.1f}%"


def ci(e: Estimate, level: float = LEVEL) -> str:
    """An estimate's interval in words."""
    return f"{100 * level:.4g}% interval {pct(e.low)}–{pct(e.high)}"


def beat_name(beat: BeatType) -> str:
    """A beat as words: face_slap → face slap."""
    return beat.value.replace("_", " ")


def clock(seconds: float) -> str:
    """Seconds as m:ss."""
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"
