"""Drop-off hotspots mapped to the content: where in the script viewers leave, and how unusual that is.

Each episode version's retention curve is laid over its Timeline. For every scene and every line:

- **share lost**: of the viewers watching when it began, the share who left before it ended,
  P(T < end | T ≥ start), with a log-log interval (a Kaplan–Meier estimate in its own right);
- **loss rate**: viewers lost per viewer-second watched during it (occurrence / exposure, the
  maximum-likelihood constant hazard over the span), so long and short spans, and early spans
  with a full audience and late ones with a thin one, compare fairly;
- **rate ratio**: that rate over the episode's baseline rate, the same quantity over the whole
  analysed window.

The analysed window runs from `skip_first_s` (3 s: the feed's swipe-away, which the hook rate
measures and which would otherwise make every opening scene a "hotspot") to the end of the last
line (the seconds after it are the sting and end card, where leaving for the next episode is the
point). Spans are clipped to the window; a span entirely outside it is not reported.

Hotspots are ranked by excess viewers lost: the viewers a span lost beyond what the baseline rate
would have lost over the same seconds from the same audience. That weighs a rate by how many
people it touched, so a 1-second line where 3 of 40 viewers left cannot outrank a 15-second scene
that lost a thousand; spans shorter than `min_duration_s` (the resolution of exit positions) or
watched by fewer than `min_viewers` (too few for a usable interval) are not ranked at all.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from scipy.special import gammaincinv  # the gamma quantile; scipy.stats takes seconds to import

from dramaline.audience.metrics import EpisodeMetrics, Group
from dramaline.audience.survival import Estimate, concat_curves
from dramaline.model import BeatType, Timeline

__all__ = [
    "SKIP_FIRST_S",
    "BeatLoss",
    "EpisodeLosses",
    "SpanLoss",
    "beat_losses",
    "episode_losses",
    "series_losses",
    "top_hotspots",
]

SKIP_FIRST_S = 3.0
MIN_DURATION_S = 2.0
MIN_VIEWERS = 30


def _clock(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def _percent(share: float) -> str:
    pct = 100 * share
    return f"{pct:.1f}%" if 0 < pct < 1 else f"{pct:.0f}%"


@dataclass(frozen=True)
class SpanLoss:
    """The audience lost during one scene (line None) or one line of one episode version."""

    series: str
    episode: int
    episode_version: int
    group: Group
    scene: int  # 1-based position of the scene in the episode
    line: int | None  # 1-based position of the line in its scene; None for the whole scene
    beat: BeatType
    speaker: str | None  # the line's speaker; None for a scene
    start_s: float  # the span analysed: the scene or line clipped to the analysed window
    end_s: float
    viewers: float  # viewers still watching when the span began
    lost: Estimate  # share of those viewers who left during the span
    lost_of_starters: float  # the same loss as a share of the episode's starters
    watched_s: float  # viewer-seconds watched during the span: the exposure to losing viewers
    expected: float  # share of those viewers the episode's baseline rate would have lost over the span
    rate_per_s: float  # viewers lost per viewer-second watched in the span
    rate_ratio: float  # rate_per_s / the episode's baseline rate
    excess_viewers: float  # viewers lost beyond the baseline expectation (negative: fewer)

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    @property
    def significant(self) -> bool:
        """The loss is above the baseline's expectation beyond its confidence interval."""
        return self.lost.low > self.expected

    def describe(self) -> str:
        """One sentence, e.g. "Ep 3, scene 2 (humiliation, 0:41–0:55): 18% of viewers left, 2.3× this episode's
        average rate"."""
        version = f" v{self.episode_version}" if self.episode_version != 1 else ""
        where = f"Ep {self.episode}{version}, scene {self.scene}"
        what = self.beat.value.replace("_", " ")
        if self.line is not None:
            where += f", line {self.line}"
            what = self.speaker or what
        return (
            f"{where} ({what}, {_clock(self.start_s)}–{_clock(self.end_s)}): {_percent(self.lost.value)} of viewers "
            f"left, {self.rate_ratio:.1f}× this episode's average rate"
        )


@dataclass(frozen=True)
class EpisodeLosses:
    """Every scene's and line's losses for one episode version (and group), and the baseline they are held to."""

    series: str
    episode: int
    episode_version: int
    group: Group
    views: int
    window_start_s: float
    window_end_s: float
    baseline_rate: float  # viewers lost per viewer-second over the analysed window
    scenes: tuple[SpanLoss, ...]
    lines: tuple[SpanLoss, ...]


@dataclass(frozen=True)
class BeatLoss:
    """Loss pooled over every scene of one beat type across the series."""

    beat: BeatType
    scenes: int
    viewers_lost: float
    exposure_s: float  # viewer-seconds watched during these scenes
    rate_per_s: Estimate  # viewers_lost / exposure_s, Poisson (gamma) interval on the count lost
    rate_ratio: float  # rate over the pooled rate of all scenes


Span = tuple[int, int | None, BeatType, str | None, float, float]
"""(scene number, line number or None, beat, speaker or None, start s, end s) as the timeline has it."""


def _spans(timeline: Timeline) -> list[Span]:
    spans: list[Span] = []
    for i, scene in enumerate(timeline.scenes, start=1):
        spans.append(
            (i, None, scene.beat, None, timeline.seconds(scene.start_frame), timeline.seconds(scene.end_frame))
        )
        spans.extend(
            (i, j, scene.beat, line.speaker, timeline.seconds(line.start_frame), timeline.seconds(line.end_frame))
            for j, line in enumerate(scene.lines, start=1)
        )
    return spans


def _content_window(spans: list[Span], duration_s: float, skip_first_s: float) -> tuple[float, float]:
    ends = [span[5] for span in spans if span[1] is not None]
    end = min(max(ends), duration_s) if ends else duration_s
    if end <= skip_first_s:  # an episode of a few seconds, or no lines after the opening: keep it all
        return 0.0, duration_s
    return skip_first_s, end


def episode_losses(
    metrics: EpisodeMetrics, timeline: Timeline, *, skip_first_s: float = SKIP_FIRST_S, level: float = 0.95
) -> EpisodeLosses:
    """Map one episode version's retention curve onto its timeline's scenes and lines."""
    return _losses([(metrics, timeline)], skip_first_s, level)[0]


def series_losses(
    metrics: Iterable[EpisodeMetrics],
    timelines: Mapping[tuple[int, int], Timeline],
    *,
    skip_first_s: float = SKIP_FIRST_S,
    level: float = 0.95,
) -> list[EpisodeLosses]:
    """Losses for every episode version of one series that has both metrics and a timeline ((episode, version) keys).

    Versions without a timeline are skipped: without it there is nothing to map the curve onto.
    """
    pairs = [
        (m, timelines[m.episode, m.episode_version]) for m in metrics if (m.episode, m.episode_version) in timelines
    ]
    return _losses([(m, t) for m, t in pairs if m.views > 0], skip_first_s, level)


def _losses(pairs: list[tuple[EpisodeMetrics, Timeline]], skip_first_s: float, level: float) -> list[EpisodeLosses]:
    """Every span of every episode read off the curves in one vectorised pass."""
    if not pairs:
        return []
    curves = concat_curves([m.curve for m, _ in pairs])
    laid_out: dict[int, list[Span]] = {}  # versions often share a timeline: lay each out once
    spans = [laid_out.setdefault(id(t), _spans(t)) for _, t in pairs]
    windows = np.array(
        [_content_window(sp, m.duration_s, skip_first_s) for (m, _), sp in zip(pairs, spans, strict=True)]
    )
    lo, hi = windows[:, 0], windows[:, 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        baseline = (curves.reached(lo)[0] - curves.reached(hi)[0]) / curves.area(lo, hi)
    ids = np.repeat(np.arange(len(pairs)), [len(sp) for sp in spans])
    flat = [span for sp in spans for span in sp]
    starts = np.clip(np.array([span[4] for span in flat], dtype=np.float64), lo[ids], hi[ids])
    ends = np.clip(np.array([span[5] for span in flat], dtype=np.float64), lo[ids], hi[ids])
    at_start = curves.reached(starts, ids)[0]
    stay, stay_low, stay_high = curves.conditional(starts, ends, ids, level=level)
    exposure = curves.area(starts, ends, ids)
    views = np.array([m.views for m, _ in pairs], dtype=np.float64)[ids]
    base = baseline[ids]
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = at_start * (1 - stay) / exposure
        ratio = np.where(base > 0, rate / base, np.nan)
    expected = 1 - np.exp(-base * (ends - starts))
    excess = views * at_start * ((1 - stay) - expected)
    keep = (ends > starts).tolist()
    columns = zip(
        *(
            a.tolist()
            for a in (starts, ends, at_start, stay, stay_low, stay_high, exposure, rate, ratio, expected, excess)
        ),
        strict=True,
    )
    found: list[tuple[list[SpanLoss], list[SpanLoss]]] = [([], []) for _ in pairs]
    for k, (e, span, row) in enumerate(zip(ids.tolist(), flat, columns, strict=True)):
        if not keep[k]:
            continue
        m = pairs[e][0]
        a, b, at, st, st_low, st_high, watched, r, rr, exp, ex = row
        found[e][span[1] is not None].append(
            SpanLoss(
                series=m.series,
                episode=m.episode,
                episode_version=m.episode_version,
                group=m.group,
                scene=span[0],
                line=span[1],
                beat=span[2],
                speaker=span[3],
                start_s=a,
                end_s=b,
                viewers=m.views * at,
                lost=Estimate(1 - st, 1 - st_high, 1 - st_low, m.views),
                lost_of_starters=at * (1 - st),
                watched_s=m.views * watched,
                expected=exp,
                rate_per_s=r,
                rate_ratio=rr,
                excess_viewers=ex,
            )
        )
    return [
        EpisodeLosses(
            series=m.series,
            episode=m.episode,
            episode_version=m.episode_version,
            group=m.group,
            views=m.views,
            window_start_s=float(lo[e]),
            window_end_s=float(hi[e]),
            baseline_rate=float(baseline[e]),
            scenes=tuple(found[e][0]),
            lines=tuple(found[e][1]),
        )
        for e, (m, _) in enumerate(pairs)
    ]


def beat_losses(losses: Iterable[EpisodeLosses], level: float = 0.95) -> list[BeatLoss]:
    """Loss per beat type pooled across episodes, highest rate first.

    Pooling adds viewers lost and viewer-seconds watched, so each episode weighs by its audience;
    the ratio compares each beat with all scenes together.
    """
    tallies: dict[BeatType, list[float]] = {}
    for episode in losses:
        for span in episode.scenes:
            if math.isnan(span.rate_per_s):
                continue
            t = tallies.setdefault(span.beat, [0.0, 0.0, 0.0])
            t[0] += 1
            t[1] += span.viewers * span.lost.value
            t[2] += span.watched_s
    all_lost = sum(t[1] for t in tallies.values())
    all_exposure = sum(t[2] for t in tallies.values())
    pooled = all_lost / all_exposure if all_exposure > 0 else math.nan
    alpha = 1 - level
    result: list[BeatLoss] = []
    for beat, (count, lost, exposure) in tallies.items():
        rate = lost / exposure if exposure > 0 else math.nan
        # Garwood's exact Poisson interval, through the gamma distribution so a fractional count still works.
        low = float(gammaincinv(lost, alpha / 2)) / exposure if lost > 0 and exposure > 0 else 0.0
        high = float(gammaincinv(lost + 1, 1 - alpha / 2)) / exposure if exposure > 0 else math.nan
        result.append(
            BeatLoss(
                beat=beat,
                scenes=int(count),
                viewers_lost=lost,
                exposure_s=exposure,
                rate_per_s=Estimate(rate, low, high, int(count)),
                rate_ratio=rate / pooled if pooled > 0 else math.nan,
            )
        )
    return sorted(result, key=lambda b: -b.rate_per_s.value if not math.isnan(b.rate_per_s.value) else math.inf)


def top_hotspots(
    losses: Iterable[EpisodeLosses],
    *,
    n: int = 10,
    lines: bool = False,
    min_duration_s: float = MIN_DURATION_S,
    min_viewers: float = MIN_VIEWERS,
) -> list[SpanLoss]:
    """The scenes (or lines) that lost the most viewers beyond their episode's baseline, worst first."""
    candidates = [
        span
        for episode in losses
        for span in (episode.lines if lines else episode.scenes)
        if span.duration_s >= min_duration_s
        and span.viewers >= min_viewers
        and span.excess_viewers > 0
        and not math.isnan(span.rate_ratio)
    ]
    return sorted(candidates, key=lambda s: -s.excess_viewers)[:n]
