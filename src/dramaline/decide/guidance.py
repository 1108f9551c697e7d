"""Audience guidance from the analytics: what held this series' viewers, as weights for its next episodes.

Every item compares the viewers an option lost with the viewers it would have lost at an
average rate, using the report's data and exact Poisson intervals:

- **beats**: each beat type's viewers lost over its scenes' viewer-seconds, against the pooled
  rate of all scenes (the report's "loss rate vs baseline", `SeriesReport.beats`);
- **characters**: the lines each character speaks, against the rate of lines in the same beats
  (so a schemer is not blamed for scheme scenes losing viewers);
- **cliffhanger styles**: the share of an episode's starters who do *not* go on to the next
  episode (the censored funnel), pooled over the episodes ending on that style, against the
  share after every other style;
- **pacing**: lines (by words) and scenes (by seconds) in three equal-count bands, each against
  the rate of the same beats.

A difference counts only when its 95% interval excludes "no difference" (a ratio of 1); anything
else keeps the neutral weight 1 and says so. A trusted log ratio is shrunk toward 0 by
`PRIOR_SD² / (PRIOR_SD² + se²)` (a normal prior on true effects, so thin evidence moves the
weight less) and becomes the weight `ratio ** -STRENGTH`, clamped to [MIN_WEIGHT, MAX_WEIGHT].
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np
from scipy.special import gammaincinv  # the gamma quantile; scipy.stats takes seconds to import

from dramaline.audience.report import SeriesReport, analyse
from dramaline.audience.survival import z_for
from dramaline.model import BeatType, count_words
from dramaline.model.guidance import (
    GUIDED_BEATS,
    MAX_WEIGHT,
    MIN_WEIGHT,
    AudienceGuidance,
    CliffhangerStyle,
    PacingTarget,
    Preference,
    episode_cliffhanger_style,
)

__all__ = ["LEVEL", "PRIOR_SD", "STRENGTH", "guidance_for_folder", "guidance_from_report", "loss_weight"]

LEVEL = 0.95
"""Confidence level of every interval a difference must clear."""
PRIOR_SD = 0.3
"""Spread of true log loss ratios before seeing data: most beats change the loss rate by less than ±35%."""
STRENGTH = 2.0
"""How hard a loss ratio pushes: a beat that loses viewers at 0.8× the average becomes 1/0.8² ≈ 1.56× as likely."""

K = TypeVar("K", bound=Hashable)


Tally = tuple[K, Hashable, float, float]
"""(option, stratum, viewers lost, viewer-seconds watched) of one scene or line."""


@dataclass(frozen=True)
class _Ratio:
    """One option's viewers lost against those expected at the average rate of the strata it was in."""

    count: int  # scenes or lines pooled
    lost: float
    exposure_s: float  # viewer-seconds watched
    expected: float  # viewers the strata's average rates would have lost over the same exposure
    low: float  # Garwood's exact Poisson interval of the ratio (as `hotspots.beat_losses` computes it)
    high: float

    @property
    def ratio(self) -> float:
        return self.lost / self.expected

    @property
    def significant(self) -> bool:
        return self.high < 1 or self.low > 1


def _ratios(tallies: Iterable[Tally[K]]) -> dict[K, _Ratio]:
    """Each option's loss over the loss expected from its strata (indirect standardisation), with its interval.

    With one stratum this is the option's rate over the pooled rate of everything. With the beat
    as the stratum, a character who speaks mostly in scenes that lose viewers anyway (a schemer
    in scheme scenes) is held to those scenes' rate, not blamed for the beat.
    """
    rows = list(tallies)
    lost_in: dict[Hashable, float] = {}
    seen_in: dict[Hashable, float] = {}
    for _, stratum, lost, watched in rows:
        lost_in[stratum] = lost_in.get(stratum, 0.0) + lost
        seen_in[stratum] = seen_in.get(stratum, 0.0) + watched
    sums: dict[K, list[float]] = {}
    for key, stratum, lost, watched in rows:
        rate = lost_in[stratum] / seen_in[stratum] if seen_in[stratum] > 0 else 0.0
        total = sums.setdefault(key, [0, 0.0, 0.0, 0.0])
        total[0] += 1
        total[1] += lost
        total[2] += watched
        total[3] += watched * rate
    alpha = 1 - LEVEL
    found: dict[K, _Ratio] = {}
    for key, (count, lost, watched, expected) in sums.items():
        if expected > 0:
            low = float(gammaincinv(lost, alpha / 2)) / expected if lost > 0 else 0.0
            high = float(gammaincinv(lost + 1, 1 - alpha / 2)) / expected
            found[key] = _Ratio(int(count), lost, watched, expected, low, high)
    return found


def loss_weight(log_ratio: float, se: float, significant: bool) -> float:
    """The weight for an option whose loss is exp(log_ratio)× the average: 1 unless significant, shrunk, clamped."""
    if not significant or not math.isfinite(log_ratio):
        return 1.0
    shrunk = log_ratio * PRIOR_SD**2 / (PRIOR_SD**2 + se**2)
    return min(MAX_WEIGHT, max(MIN_WEIGHT, math.exp(-STRENGTH * shrunk)))


def _verdict(weight: float) -> str:
    return "prefer" if weight > 1 else "avoid" if weight < 1 else "neutral"


def _duration(seconds: float) -> str:
    return f"{seconds / 3600:,.1f} h" if seconds >= 3600 else f"{seconds / 60:,.0f} min"


def _ratio_preference(what: str, r: _Ratio, against: str) -> Preference:
    """A preference from one option's loss ratio, its evidence citing the numbers."""
    # Half a viewer added to the count keeps the log ratio and its standard error finite at zero losses.
    se = 1 / math.sqrt(r.lost + 0.5)
    weight = loss_weight(math.log((r.lost + 0.5) / r.expected), se, r.significant)
    said = (
        f"{what} lost viewers at {r.ratio:.2f}× {against} (95% interval {r.low:.2f}–{r.high:.2f}×; "
        f"{r.lost:,.0f} viewers lost over {_duration(r.exposure_s)} watched)"
    )
    if not r.significant:
        return Preference(weight=1.0, evidence=f"{said}; the interval includes 1×, so no clear difference: neutral")
    return Preference(weight=weight, evidence=f"{said}: {_verdict(weight)}")


def _beat_preferences(report: SeriesReport) -> dict[BeatType, Preference]:
    ratios = _ratios((b.beat, None, b.viewers_lost, b.exposure_s) for b in report.beats)
    scenes = {b.beat: b.scenes for b in report.beats}
    found: dict[BeatType, Preference] = {}
    for beat in GUIDED_BEATS:
        if beat in ratios:
            r = ratios[beat]
            what = f"{scenes[beat]} {beat.value.replace('_', ' ')} scene{'s' if scenes[beat] > 1 else ''}"
            found[beat] = _ratio_preference(what, r, "the series' average rate")
    return found


def _line_spans(report: SeriesReport) -> Iterable[tuple[str, str, BeatType, float, float]]:
    """(speaker, text, scene beat, viewers lost, viewer-seconds watched) for every analysed line."""
    for episode in report.losses:
        entry = report.timelines.get((episode.episode, episode.episode_version))
        if entry is None:
            continue
        for span in episode.lines:
            if span.line is None or math.isnan(span.rate_per_s):
                continue
            line = entry.timeline.scenes[span.scene - 1].lines[span.line - 1]
            yield line.speaker, line.text, span.beat, span.viewers * span.lost.value, span.watched_s


def _scene_spans(report: SeriesReport) -> Iterable[tuple[float, BeatType, float, float]]:
    """(scene seconds, beat, viewers lost, viewer-seconds watched) for every analysed scene."""
    for episode in report.losses:
        entry = report.timelines.get((episode.episode, episode.episode_version))
        if entry is None:
            continue
        timeline = entry.timeline
        for span in episode.scenes:
            if math.isnan(span.rate_per_s):
                continue
            scene = timeline.scenes[span.scene - 1]
            seconds = timeline.seconds(scene.end_frame) - timeline.seconds(scene.start_frame)
            yield seconds, span.beat, span.viewers * span.lost.value, span.watched_s


def _character_preferences(report: SeriesReport) -> dict[str, Preference]:
    ratios = _ratios((speaker, beat, lost, watched) for speaker, _, beat, lost, watched in _line_spans(report))
    names = {c.id: c.name for c in report.series.bible.characters}
    return {
        cid: _ratio_preference(
            f"{ratios[cid].count} lines spoken by {names[cid]}", ratios[cid], "the rate of the same beats' lines"
        )
        for cid in sorted(ratios)
        if cid in names
    }


@dataclass(frozen=True)
class _Continuation:
    episodes: list[int]
    starters: int
    share: float  # pooled share who went on to the next episode
    se: float


def _pool(steps: list[tuple[int, int, float, float]]) -> _Continuation:
    """Starter-weighted mean continuation of (episode, starters, share, se) steps, with its standard error."""
    total = sum(n for _, n, _, _ in steps)
    share = sum(n * c for _, n, c, _ in steps) / total
    se = math.sqrt(sum((n / total) ** 2 * s**2 for _, n, _, s in steps))
    return _Continuation([e for e, _, _, _ in steps], total, share, se)


def _cliffhanger_preferences(report: SeriesReport) -> dict[CliffhangerStyle, Preference]:
    z = z_for(LEVEL)
    by_style: dict[CliffhangerStyle, list[tuple[int, int, float, float]]] = {}
    for step in report.funnel.steps:
        c = step.continuation
        if (
            step.group is not None
            or step.starters <= 0
            or math.isnan(c.value)
            or step.episode > len(report.series.episodes)
        ):
            continue
        style = episode_cliffhanger_style(report.series.episode(step.episode))
        by_style.setdefault(style, []).append((step.episode, step.starters, c.value, (c.high - c.low) / (2 * z)))
    if len(by_style) < 2:
        return {
            style: Preference(weight=1.0, evidence=f"every measured episode ends on {style.value}: nothing to compare")
            for style in by_style
        }
    found: dict[CliffhangerStyle, Preference] = {}
    days = report.funnel.window.days
    for style, steps in by_style.items():
        own = _pool(steps)
        rest = _pool([s for other, ss in by_style.items() if other is not style for s in ss])
        lost, lost_rest = max(1 - own.share, 1e-3), max(1 - rest.share, 1e-3)
        log_ratio = math.log(lost / lost_rest)
        se = math.hypot(own.se / lost, rest.se / lost_rest)
        low, high = math.exp(log_ratio - z * se), math.exp(log_ratio + z * se)
        significant = high < 1 or low > 1
        weight = loss_weight(log_ratio, se, significant)
        where = ", ".join(str(e) for e in own.episodes)
        said = (
            f"{own.starters:,} starters of episode{'s' if len(own.episodes) > 1 else ''} {where} (ending on "
            f"{style.value}): {own.share:.0%} went on within {days} days vs {rest.share:.0%} after other styles; "
            f"{math.exp(log_ratio):.2f}× the loss (95% interval {low:.2f}–{high:.2f}×)"
        )
        if significant:
            found[style] = Preference(weight=weight, evidence=f"{said}: {_verdict(weight)}")
        else:
            found[style] = Preference(weight=1.0, evidence=f"{said}; no clear difference: neutral")
    return found


def _bands(values: list[float]) -> tuple[float, float] | None:
    """Edges splitting `values` into three bands of about equal count; None when they cannot be told apart."""
    if len(set(values)) < 3:
        return None
    q1, q2 = (float(q) for q in np.quantile(values, [1 / 3, 2 / 3]))
    return (q1, q2) if q1 < q2 else None


def _band_target(items: list[tuple[float, BeatType, float, float]], unit: str) -> tuple[float | None, str]:
    """The typical length of the band of (length, beat, lost, watched) items that held viewers best, if any differs.

    Each band is held to the rate of the beats its items are in, so a length is not credited
    for the beats that tend to come with it.
    """
    edges = _bands([v for v, _, _, _ in items])
    if edges is None:
        return None, f"{unit}: too few distinct lengths to compare"
    band_of = [0 if v <= edges[0] else 1 if v <= edges[1] else 2 for v, _, _, _ in items]
    ratios = _ratios((band, beat, lost, watched) for band, (_, beat, lost, watched) in zip(band_of, items, strict=True))
    if len(ratios) < 2:
        return None, f"{unit}: no losses to compare"
    values: dict[int, list[float]] = {}
    for band, (value, _, _, _) in zip(band_of, items, strict=True):
        values.setdefault(band, []).append(value)
    parts = []
    for band in sorted(ratios):
        r = ratios[band]
        low, high = min(values[band]), max(values[band])
        span = f"{low:.0f}" if round(low) == round(high) else f"{low:.0f}–{high:.0f}"
        parts.append(f"{span} {unit}: {r.ratio:.2f}× ({r.low:.2f}–{r.high:.2f}×)")
    said = f"loss by {unit} against the same beats' rate, " + "; ".join(parts)
    if not any(r.significant for r in ratios.values()):
        return None, f"{said}; no band differs clearly, keep the current pace"
    best = min(ratios, key=lambda b: ratios[b].ratio)
    target = float(np.median(values[best]))
    return target, f"{said}; aim for about {target:.0f} {unit}"


def _pacing(report: SeriesReport) -> PacingTarget | None:
    lines = [(float(count_words(text)), beat, lost, watched) for _, text, beat, lost, watched in _line_spans(report)]
    scenes = list(_scene_spans(report))
    if not lines and not scenes:
        return None
    words, said_words = _band_target(lines, "words per line")
    seconds, said_seconds = _band_target(scenes, "seconds per scene")
    return PacingTarget(words_per_line=words, seconds_per_scene=seconds, evidence=f"{said_words}. {said_seconds}.")


def _source(report: SeriesReport) -> str:
    views = sum(e.views for e in report.losses)
    episodes = sorted({e.episode for e in report.losses} | {s.episode for s in report.funnel.steps})
    if not episodes:
        return f"{report.series_id}: no viewing sessions yet, so every weight is neutral"
    span = f"episode {episodes[0]}" if len(episodes) == 1 else f"episodes {episodes[0]}–{episodes[-1]}"
    simulated = (
        ", all simulated"
        if report.simulated_share >= 1
        else f", {report.simulated_share:.0%} simulated"
        if report.simulated_share > 0
        else ""
    )
    return f"{views:,} views of {span} of {report.series_id} ({report.events:,} events{simulated})"


def guidance_from_report(report: SeriesReport, *, exploration: float = 0.2) -> AudienceGuidance:
    """The guidance `report`'s data supports: preferred and avoided beats, cliffhanger styles, characters, pace.

    Without any viewing data (no losses mapped onto timelines, no funnel) every weight is neutral.
    """
    if not report.losses and not report.funnel.steps:
        return AudienceGuidance(source=_source(report), exploration=exploration)
    return AudienceGuidance(
        source=_source(report),
        beats=_beat_preferences(report),
        cliffhangers=_cliffhanger_preferences(report),
        characters=_character_preferences(report),
        pacing=_pacing(report),
        exploration=exploration,
    )


def guidance_for_folder(folder: Path, *, exploration: float = 0.2) -> AudienceGuidance:
    """Analyse the series in `folder` (script, timelines, events) and derive its guidance."""
    return guidance_from_report(analyse(folder), exploration=exploration)
