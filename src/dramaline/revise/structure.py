"""The rules that change an episode's structure: which beats it plays, in what order, what it opens on.

See `diagnose.py` for the evidence each rule needs; every rule returns nothing without it.
"""

from __future__ import annotations

import math

from scipy.special import gammaincinv  # the gamma quantile; scipy.stats takes seconds to import

from dramaline.audience.hotspots import BeatLoss
from dramaline.model import (
    NARRATOR,
    BeatType,
    ColdOpen,
    Emotion,
    Episode,
    Evidence,
    MoveRevealEarlier,
    ReorderScenes,
    ReplaceBeat,
    Scene,
    Series,
)
from dramaline.revise.evidence import LEVEL, Case, beat_name, ci, clearest, clock, pair, pct
from dramaline.writers.embedded.spec import BEAT_SCENES

OPENING_WORDS = (3, 14)
"""A cold open's line: long enough to say something, short enough to land in the first seconds."""


def replace_beats(case: Case) -> list[ReplaceBeat]:
    """Middle scenes of a beat that loses viewers across the series, each replaced by the best-holding fresh beat."""
    if not case.beats:
        return []
    lost = sum(b.viewers_lost for b in case.beats)
    exposure = sum(b.exposure_s for b in case.beats)
    if exposure <= 0:
        return []
    pooled = lost / exposure
    bad: dict[BeatType, BeatLoss] = {
        b.beat: b
        for b in case.beats
        if b.beat not in (BeatType.HOOK, BeatType.CLIFFHANGER) and b.scenes >= 2 and b.rate_per_s.low > pooled
    }
    good = sorted(
        (b for b in case.beats if b.beat in BEAT_SCENES and b.beat not in bad and b.scenes >= 2 and b.rate_ratio < 1),
        key=lambda b: b.rate_per_s.value,
    )
    episode = case.episode
    near = _neighbour_beats(case.series, episode.number)
    found: list[ReplaceBeat] = []
    beats_now = list(episode.beats)
    for i, scene in enumerate(episode.scenes[1:-1], start=1):
        worse = bad.get(scene.beat)
        if worse is None or _plays_a_thread(case.series, episode, scene.beat):
            continue
        others_reverse = any(b.is_reversal for j, b in enumerate(beats_now) if j != i)
        fits = [b for b in good if b.beat not in beats_now and (others_reverse or b.beat.is_reversal)]
        fits.sort(key=lambda b: b.beat in near)  # stable: the best-holding beat the neighbours do not play
        if not fits:
            continue
        better = fits[0]
        beats_now[i] = better.beat
        span = case.scene_loss(i + 1)
        own = (
            f" Here it lost {pct(span.lost.value)} of viewers, {span.rate_ratio:.1f}× the episode's rate."
            if span
            else ""
        )
        found.append(
            ReplaceBeat(
                scene=scene.id,
                beat=better.beat,
                evidence=Evidence(
                    summary=(
                        f"Across the series, {beat_name(worse.beat)} scenes lose viewers at "
                        f"{worse.rate_ratio:.2f}× the rate of all scenes (95% interval "
                        f"{worse.rate_per_s.low / pooled:.2f}–{worse.rate_per_s.high / pooled:.2f}×, {worse.scenes} "
                        f"scenes); {beat_name(better.beat)} scenes at {better.rate_ratio:.2f}× "
                        f"({better.scenes} scenes).{own}"
                    ),
                    numbers={
                        "beat_rate_ratio": worse.rate_ratio,
                        "beat_rate_ratio_low": worse.rate_per_s.low / pooled,
                        "beat_rate_ratio_high": worse.rate_per_s.high / pooled,
                        "beat_scenes": float(worse.scenes),
                        "replacement_rate_ratio": better.rate_ratio,
                        "replacement_scenes": float(better.scenes),
                        **({"scene_rate_ratio": span.rate_ratio, "scene_lost": span.lost.value} if span else {}),
                    },
                ),
            )
        )
    return found


def _plays_a_thread(series: Series, episode: Episode, beat: BeatType) -> bool:
    """Whether a scene of `beat` may plant (a flashback) or pay off (a reveal) one of the bible's threads here."""
    for thread in series.bible.threads:
        if beat is BeatType.FLASHBACK and thread.planted_in == episode.number:
            return True
        if beat is BeatType.REVEAL and thread.paid_off_in == episode.number:
            return True
    return False


def _neighbour_beats(series: Series, number: int) -> set[BeatType]:
    return {b for n in (number - 1, number + 1) if 1 <= n <= len(series.episodes) for b in series.episode(n).beats}


# ----------------------------------------------------------------------------------------- order


def payoff_earlier(case: Case, taken: set[str]) -> MoveRevealEarlier | ReorderScenes | None:
    """Bring the payoffs forward when the scenes before the first one lose viewers faster than the baseline."""
    scenes = case.episode.scenes
    middle = range(1, len(scenes) - 1)
    first = next((i for i in middle if scenes[i].beat.is_reversal), None)
    if first is None or first < 2 or case.losses is None:
        return None
    waiting = [scenes[i] for i in range(1, first)]
    if any(s.id in taken for s in waiting):
        return None  # a scene before the payoff is being replaced already
    spans = [case.scene_loss(i + 1) for i in range(1, first)]
    measured = [s for s in spans if s is not None and not math.isnan(s.rate_per_s)]
    lost = sum(s.viewers * s.lost.value for s in measured)
    exposure = sum(s.watched_s for s in measured)
    baseline = case.losses.baseline_rate
    if exposure <= 0 or lost <= 0 or not baseline > 0:
        return None
    low = float(gammaincinv(lost, (1 - LEVEL) / 2)) / exposure  # Garwood's Poisson interval, as for beats
    if low <= baseline:
        return None
    payoff = scenes[first]
    start = case.scene_loss(first + 1)
    when = f", which starts at {clock(start.start_s)}" if start else ""
    evidence = Evidence(
        summary=(
            f"The {len(waiting)} scene{'s' if len(waiting) > 1 else ''} between the hook and the first payoff "
            f"({beat_name(payoff.beat)}{when}) lost viewers at {lost / exposure / baseline:.2f}× the episode's "
            f"average rate (95% interval from {low / baseline:.2f}×)."
        ),
        numbers={"rate_ratio": lost / exposure / baseline, "rate_ratio_low": low / baseline, "viewers_lost": lost},
    )
    later = [s for s in scenes[first + 1 : -1] if s.beat.is_reversal]
    if not later:
        return MoveRevealEarlier(scene=payoff.id, to_position=2, evidence=evidence)
    reversals = [s.id for s in scenes[1:-1] if s.beat.is_reversal]
    rest = [s.id for s in scenes[1:-1] if not s.beat.is_reversal]
    return ReorderScenes(order=(scenes[0].id, *reversals, *rest, scenes[-1].id), evidence=evidence)


# --------------------------------------------------------------------------------------- opening


def cold_open(case: Case, taken: set[str]) -> ColdOpen | None:
    """Open on a charged line of the strongest payoff scene when another episode's opening holds clearly better."""
    mine = case.metrics.hook_rate
    best = clearest(case.others, lambda m: m.hook_rate)
    scenes = case.episode.scenes
    if best is None or not mine.high < best.hook_rate.low or scenes[0].purpose.startswith("Cold open"):
        return None
    sources = [(i, s) for i, s in enumerate(scenes[1:-1], start=1) if s.beat.is_reversal and s.id not in taken]

    def strength(item: tuple[int, Scene]) -> float:
        span = case.scene_loss(item[0] + 1)
        return span.rate_ratio if span is not None and not math.isnan(span.rate_ratio) else math.inf

    for i, scene in sorted(sources, key=strength):
        lines = [
            (k, line)
            for k, line in enumerate(scene.lines[:-1], 1)
            if line.speaker != NARRATOR
            and line.emotion is not Emotion.NEUTRAL
            and OPENING_WORDS[0] <= line.word_count <= OPENING_WORDS[1]
        ]
        if not lines:
            continue
        k, _ = min(lines, key=lambda p: (p[1].word_count, p[0]))
        theirs = best.hook_rate
        return ColdOpen(
            source=scene.id,
            line=k,
            evidence=Evidence(
                summary=(
                    f"{pct(mine.value)} of viewers were still watching at 3 s ({ci(mine)}), below episode "
                    f"{best.episode}'s {pct(theirs.value)} ({ci(theirs)}): open on the {beat_name(scene.beat)} "
                    f"(scene {i + 1}) instead."
                ),
                numbers=pair("hook_rate", mine, theirs),
            ),
        )
    return None
