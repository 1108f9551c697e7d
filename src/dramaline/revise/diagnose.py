"""From the audience data to a revision plan: which edits one episode version needs, and the evidence for each.

Every rule acts only on evidence the analytics call significant at 95 %:

- **a scene hotspot** (its loss above the episode's baseline beyond the loss's interval) is
  tightened: lines cut or said shorter (`cuts.py`); the closing scene's hotspot is sharpened
  instead, keeping its last line, the question it ends on;
- **a beat type that loses viewers across the series** (its pooled loss rate's Poisson interval
  above the rate of all scenes) is replaced, scene by scene, with the beat that holds viewers
  best, one the episode and its neighbours do not already play; scenes that plant or pay off a
  thread stay;
- **a slow road to the payoff** (the scenes between the hook and the first reversal, pooled, lose
  viewers faster than the baseline beyond their interval) moves the payoff up to follow the hook,
  or, with several payoffs waiting, reorders the middle so they come first;
- **a weak opening** (a hook rate whose interval lies wholly below another episode's) opens cold
  on the shortest charged line of the episode's strongest payoff scene;
- **a weak continuation** (of the views that completed, the share going straight on to the next
  episode, its interval wholly below another episode's, the intervals widened for the number of
  episodes compared) replaces the cliffhanger.

An episode without any of these gets an empty plan that says so. One scene is changed by one
operation at most, and the cuts never take the episode under the genre's 60 seconds.
"""

from __future__ import annotations

from dramaline import shape
from dramaline.audience.report import SeriesReport
from dramaline.errors import InvalidInputError
from dramaline.model import (
    BeatType,
    Evidence,
    ReplaceCliffhanger,
    RevisionOperation,
    RevisionPlan,
    SharpenCliffhanger,
    TightenScene,
)
from dramaline.revise.cuts import choose_cuts
from dramaline.revise.evidence import LEVEL, Case, ci, clearest, hotspot, pair, pct, pull, span_evidence
from dramaline.revise.structure import cold_open, payoff_earlier, replace_beats

WORD_MARGIN = 5
"""Words kept above the genre's minimum, so an estimate's rounding never makes an episode too short."""


def plan_revisions(report: SeriesReport, *, wpm: int = 150) -> list[RevisionPlan]:
    """A plan for the current version of every episode of the series."""
    return [plan_revision(report, e.number, wpm=wpm) for e in report.series.episodes]


def plan_revision(report: SeriesReport, number: int, *, wpm: int = 150) -> RevisionPlan:
    """The plan for the current version of episode `number`, from the report's metrics and losses."""
    series = report.series
    if not 1 <= number <= len(series.episodes):
        raise InvalidInputError(f"episode {number}: the series has episodes 1-{len(series.episodes)}")
    episode = series.episode(number)
    current = {e.number: e.version for e in series.episodes}
    metrics = [m for m in report.metrics if m.group is None and current.get(m.episode) == m.episode_version]
    mine = next((m for m in metrics if m.episode == number), None)
    if mine is None or mine.views == 0:
        return RevisionPlan(
            episode=number,
            version=episode.version,
            summary=f"No viewing data for v{episode.version} yet: simulate, import or serve viewer events first.",
        )
    losses = next(
        (e for e in report.losses if (e.episode, e.episode_version, e.group) == (number, episode.version, None)), None
    )
    case = Case(series, episode, mine, losses, [m for m in metrics if m.episode != number], report.beats)
    operations = _operations(case, wpm)
    if not operations:
        summary = (
            f"No significant problem in {mine.views:,} views: no scene lost viewers beyond the episode's baseline "
            "by more than chance, and the opening, the cliffhanger and the beats hold up."
        )
    else:
        summary = f"{len(operations)} change{'s' if len(operations) > 1 else ''} backed by {mine.views:,} views."
    return RevisionPlan(episode=number, version=episode.version, summary=summary, operations=tuple(operations))


def _operations(case: Case, wpm: int) -> list[RevisionOperation]:
    low, _ = shape.word_range(wpm)
    budget = max(0, case.episode.word_count - low - WORD_MARGIN)
    found: list[RevisionOperation] = []
    taken: set[str] = set()
    for replaced in replace_beats(case):
        found.append(replaced)
        taken.add(replaced.scene)
    closing = _closing(case, budget)
    if closing is not None:
        found.append(closing)
        taken.add(closing.scene)
        if isinstance(closing, SharpenCliffhanger):
            budget -= sum(case.episode.scenes[-1].lines[k - 1].word_count for k in closing.cut)
    order = payoff_earlier(case, taken)
    if order is not None:
        found.append(order)
    for op, words in _tighten(case, taken, budget):
        found.append(op)
        taken.add(op.scene)
        budget -= words
    opening = cold_open(case, taken)
    if opening is not None:
        found.append(opening)  # last: it adds a scene in front, which would shift the positions above
    return found


# ---------------------------------------------------------------------------------------- scenes


def _tighten(case: Case, taken: set[str], budget: int) -> list[tuple[TightenScene, int]]:
    """Tighten every hotspot scene but the closing one, worst first, while the word budget lasts."""
    scenes = case.episode.scenes
    spots = [(k, case.scene_loss(k)) for k in range(1, len(scenes))]
    ranked = sorted(((k, s) for k, s in spots if s is not None and hotspot(s)), key=lambda p: -p[1].excess_viewers)
    found: list[tuple[TightenScene, int]] = []
    for position, span in ranked:
        scene = scenes[position - 1]
        if scene.id in taken or budget <= 0:
            continue
        cuts = choose_cuts(scene, span.rate_ratio, case.line_losses(position), budget, keep_last=False)
        if not cuts.cut and not cuts.shorten:
            continue
        op = TightenScene(scene=scene.id, cut=cuts.cut, shorten=cuts.shorten, evidence=span_evidence(span))
        found.append((op, cuts.words))
        budget -= cuts.words
    return found


def _closing(case: Case, budget: int) -> ReplaceCliffhanger | SharpenCliffhanger | None:
    """Replace the cliffhanger when fewer finishers go on than after another episode; sharpen it when it loses them."""
    last = case.episode.scenes[-1]
    if last.beat is not BeatType.CLIFFHANGER:
        return None
    final = len(case.series.episodes)
    rivals = [m for m in case.others if m.episode < final]
    if case.episode.number < final and rivals:
        # Held against the clearest of several episodes, and a replacement costs the story its thread:
        # the intervals are widened for the number compared (Bonferroni), so noise alone rarely gets here.
        level = 1 - (1 - LEVEL) / len(rivals)
        mine = pull(case.metrics, level)
        best = clearest(rivals, lambda m: pull(m, level))
        if best is not None and mine.high < pull(best, level).low:
            theirs = pull(best, level)
            return ReplaceCliffhanger(
                scene=last.id,
                evidence=Evidence(
                    summary=(
                        f"Of the viewers who finished it, {pct(mine.value)} went straight on to the next episode "
                        f"({ci(mine, level)}), below episode {best.episode}'s {pct(theirs.value)} "
                        f"({ci(theirs, level)}). "
                        f"Episode {case.episode.number + 1} opens on this cliffhanger's answer: check its hook."
                    ),
                    numbers=pair("continuation_after_completion", mine, theirs),
                ),
            )
    span = case.scene_loss(len(case.episode.scenes))
    if span is None or not hotspot(span) or len(last.lines) < 3:
        return None
    cuts = choose_cuts(last, span.rate_ratio, case.line_losses(len(case.episode.scenes)), budget, keep_last=True)
    if not cuts.cut:
        return None
    return SharpenCliffhanger(scene=last.id, cut=cuts.cut, evidence=span_evidence(span))
