"""Benchmark: do revisions made from the audience data lift completion? (target: ≥ 15 % relative, v2 over v1)

Per seed: the embedded writer writes a series into a temporary folder; a simulated audience with
preferences drawn at random for that seed (hidden: the loop reads only the events) watches
version 1 of every episode (timelines estimated from the scripts, nothing rendered); the series is
analysed, every episode whose data shows a significant problem gets a plan, the embedded rules
apply it, and the new version is saved with `save_episode_version`; then a fresh audience, drawn
from the same hidden preferences, watches the revised series in a second folder.

The lift of an episode is its measured completion rate in the fresh audience over its version 1's
in the first, minus one. Reported over the revised episodes: the mean per seed, then the mean,
spread and worst over seeds; beside it the same lift read off the hidden model's own retention
curves (`true_retention`, free of sampling noise), and the episodes nobody revised as a control
(their lift is only noise and the changed mix of who reaches them). Each operation applied is
also applied alone to its episode, and its true lift read off the hidden model: what each kind
contributes.

The hidden preferences per seed: the base rate of leaving, every beat's multiplier (the defaults
times a log-normal factor), 15 % of the scenes planted as weak (2–3.5× the hazard; a scene a
revision writes anew is a fresh draw with the same chances, a scene it only cuts stays weak), how
much the opening's first line matters by its emotion, how soon viewers tire of waiting for the
first payoff, how long a line may run, how fast beats go stale.
"""

from __future__ import annotations

import hashlib
import math
import random
import statistics
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dramaline.audience.report import analyse
from dramaline.audience.simulate import DEFAULT_BEAT_MULTIPLIERS, AudienceModel, simulate_into, true_retention
from dramaline.audience.store import EventStore, series_id
from dramaline.audience.timelines import estimate_timeline, load_timelines
from dramaline.model import Emotion, Episode, Series, WriteRequest
from dramaline.revise.apply import apply_plan
from dramaline.revise.diagnose import plan_revisions
from dramaline.series_folder import load_series, save_episode_version, save_series
from dramaline.writers.embedded.writer import EmbeddedWriter

TARGET = 0.15
SEEDS = 5
EPISODES = 6
VIEWERS = 8_000
DAYS = 7.0
WEAK_SCENES = 0.15  # share of scenes planted as weak
PREMISES = (
    "A janitor humiliated at his ex-wife's wedding is secretly the heir of the richest family in the city",
    "Betrayed and killed by her sister, a bride wakes up one year before the wedding and plans her revenge",
    "A poor nurse signs a one-year contract marriage with a cold CEO to pay for her mother's surgery",
    "Framed for fraud and sent to prison, an engineer returns five years later to take back his company",
    "A divorced housewife mocked by her in-laws becomes the fashion designer everyone wants to hire",
)


def hidden_audience(seed: int, series: Series) -> AudienceModel:
    """The seed's audience: preferences the revision loop never sees."""
    rng = random.Random(f"hidden|{seed}")
    emotions: dict[Emotion, float] = {e: rng.uniform(0.8, 2.5) for e in Emotion if e is not Emotion.NEUTRAL}
    emotions[Emotion.NEUTRAL] = rng.uniform(0.4, 0.9)
    return AudienceModel(
        click_through=1.0,  # a test audience: everyone shown episode 1 plays it
        base_hazard=rng.uniform(0.004, 0.008),
        beat_multipliers={b: m * math.exp(rng.gauss(0, 0.25)) for b, m in DEFAULT_BEAT_MULTIPLIERS.items()},
        punish=weak_scenes(seed, [s.id for e in series.episodes for s in e.scenes]),
        opening_multiplier=rng.uniform(5, 10),
        opening_emotions=emotions,
        payoff_wait_s=rng.uniform(15, 40),
        payoff_wait_slope=rng.uniform(0, 0.03),
        long_line_s=rng.uniform(4.5, 7),
        long_line_slope=rng.uniform(0.05, 0.3),
        staleness=rng.uniform(0.05, 0.3),
    )


def weak_scenes(seed: int, scene_ids: list[str]) -> dict[str, float]:
    """The planted weak scenes among `scene_ids`: each a draw of its own (by seed and id), so a new scene draws anew."""
    planted: dict[str, float] = {}
    for sid in scene_ids:
        draw = random.Random(hashlib.sha256(f"{seed}|{sid}".encode()).digest())
        if draw.random() < WEAK_SCENES:
            planted[sid] = draw.uniform(2.0, 3.5)
    return planted


def watch(folder: Path, series: Series, model: AudienceModel, viewers: int, seed: int) -> dict[int, float]:
    """Simulate `viewers` on the series in `folder`; returns each episode's measured completion rate."""
    start = datetime.now(UTC) - timedelta(days=DAYS + 1)
    timelines = load_timelines(folder, series)
    simulate_into(EventStore(folder), series, timelines, model, viewers, seed, start, DAYS, series_id=series_id(folder))
    current = {e.number: e.version for e in series.episodes}
    return {
        m.episode: m.completion_rate.value
        for m in analyse(folder).metrics
        if m.group is None and current[m.episode] == m.episode_version and m.views > 0
    }


def truth(model: AudienceModel, folder: Path, series: Series) -> dict[int, float]:
    """Each episode's completion rate as the hidden model implies it, free of sampling noise."""
    timelines = load_timelines(folder, series)
    return {n: float(true_retention(model, t.timeline, series=series)[-1]) for n, t in timelines.items()}


def true_completion(seed: int, hidden: AudienceModel, series: Series, episode: Episode) -> float:
    """The hidden model's completion rate of `episode` in place of its number in `series`."""
    variant = series.with_episodes(tuple(episode if e.number == episode.number else e for e in series.episodes))
    model = hidden.model_copy(update={"punish": weak_scenes(seed, [s.id for s in episode.scenes])})
    return float(true_retention(model, estimate_timeline(variant, episode), series=variant)[-1])


@dataclass
class SeedResult:
    """One seed's lifts (shares), what was done, and each operation's true lift when applied alone."""

    lift: float
    true_lift: float
    control_lift: float
    revised: int
    refused: int
    kinds: Counter[str] = field(default_factory=Counter)
    alone: dict[str, list[float]] = field(default_factory=dict)


def one_seed(seed: int, root: Path, viewers: int, episodes: int) -> SeedResult:
    request = WriteRequest(premise=PREMISES[seed % len(PREMISES)], episodes=episodes, seed=seed)
    series = EmbeddedWriter().write(request)
    first = root / f"seed{seed}-v1"
    save_series(series, first)
    hidden = hidden_audience(seed, series)
    before = watch(first, series, hidden, viewers, seed)
    true_before = truth(hidden, first, series)

    kinds: Counter[str] = Counter()
    alone: dict[str, list[float]] = {}
    refused = 0
    for plan in plan_revisions(analyse(first)):
        if not plan.operations:
            continue
        current = load_series(first)  # reloaded: earlier revisions change what is fresh
        revision = apply_plan(current, plan)
        refused += len(revision.refused)
        if not revision.changed:
            continue
        save_episode_version(first, revision.episode, note=plan.describe())
        kinds.update(op.kind for op in revision.applied)
        for op in revision.applied:
            single = apply_plan(current, plan.model_copy(update={"operations": (op,)}))
            if single.changed:
                done = true_completion(seed, hidden, current, single.episode)
                alone.setdefault(op.kind, []).append(done / true_before[plan.episode] - 1)
    revised_series = load_series(first)
    revised = [e.number for e in revised_series.episodes if e.version > 1]

    # A fresh audience with the same hidden taste; scenes written anew get their own draw of weakness.
    fresh = hidden.model_copy(
        update={"punish": weak_scenes(seed, [s.id for e in revised_series.episodes for s in e.scenes])}
    )
    second = root / f"seed{seed}-v2"
    save_series(revised_series, second)
    after = watch(second, revised_series, fresh, viewers, seed + 10_000)
    true_after = truth(fresh, second, revised_series)

    def mean_lift(numbers: list[int], a: dict[int, float], b: dict[int, float]) -> float:
        lifts = [b[n] / a[n] - 1 for n in numbers if n in a and n in b and a[n] > 0]
        return statistics.fmean(lifts) if lifts else math.nan

    control = [e.number for e in revised_series.episodes if e.version == 1]
    return SeedResult(
        lift=mean_lift(revised, before, after),
        true_lift=mean_lift(revised, true_before, true_after),
        control_lift=mean_lift(control, before, after),
        revised=len(revised),
        refused=refused,
        kinds=kinds,
        alone=alone,
    )


def run(seeds: int = SEEDS, viewers: int = VIEWERS, episodes: int = EPISODES) -> dict[str, float]:
    """Revise and re-watch `seeds` series; lifts as shares (0.15 = +15 %), and counts."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="dramaline-revise-bench-") as tmp:
        found = [one_seed(seed, Path(tmp), viewers, episodes) for seed in range(1, seeds + 1)]
    lifts = [s.lift for s in found]
    controls = [s.control_lift for s in found if not math.isnan(s.control_lift)]
    result = {
        "lift_mean": statistics.fmean(lifts),
        "lift_sd": statistics.stdev(lifts) if len(lifts) > 1 else 0.0,
        "lift_min": min(lifts),
        "lift_max": max(lifts),
        "true_lift_mean": statistics.fmean(s.true_lift for s in found),
        "control_lift_mean": statistics.fmean(controls) if controls else math.nan,
        "episodes_revised": float(sum(s.revised for s in found)),
        "episodes": float(seeds * episodes),
        "refused": float(sum(s.refused for s in found)),
        "seeds": float(seeds),
        "viewers": float(viewers),
        "target": TARGET,
        "seconds": time.perf_counter() - started,
    }
    kinds: Counter[str] = sum((s.kinds for s in found), Counter())
    result.update({f"ops_{k}": float(n) for k, n in sorted(kinds.items())})
    for kind in sorted(kinds):
        lifts_alone = [x for s in found for x in s.alone.get(kind, [])]
        if lifts_alone:
            result[f"alone_{kind}"] = statistics.fmean(lifts_alone)
    for i, s in enumerate(found, 1):
        result[f"seed{i}_lift"] = s.lift
    return result


def report(result: dict[str, float]) -> str:
    verdict = "meets" if result["lift_mean"] >= result["target"] else "MISSES"
    ops = "; ".join(_operation(result, key) for key in result if key.startswith("ops_"))
    seeds = ", ".join(f"{result[f'seed{i}_lift']:+.1%}" for i in range(1, int(result["seeds"]) + 1))
    return (
        f"revision lift over {result['seeds']:.0f} hidden audiences ({result['viewers']:,.0f} viewers each): "
        f"revised episodes complete {result['lift_mean']:+.1%} relative to version 1 (sd {result['lift_sd']:.1%}, "
        f"worst {result['lift_min']:+.1%}; per seed {seeds}), {verdict} the {result['target']:.0%} target; "
        f"by the hidden model's own curves {result['true_lift_mean']:+.1%}; unrevised episodes "
        f"{result['control_lift_mean']:+.1%}; {result['episodes_revised']:.0f} of {result['episodes']:.0f} episodes "
        f"revised ({ops}; {result['refused']:.0f} refused) in {result['seconds']:.0f} s"
    )


def _operation(result: dict[str, float], key: str) -> str:
    """How often one kind of operation was applied, and its true lift when applied alone."""
    kind = key.removeprefix("ops_")
    alone = result.get(f"alone_{kind}")
    extra = f", {alone:+.1%} alone" if alone is not None else ""
    return f"{kind.replace('_', ' ')} {result[key]:.0f}{extra}"


if __name__ == "__main__":
    print(report(run()))
