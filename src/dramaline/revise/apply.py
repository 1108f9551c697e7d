"""The embedded rules that carry out a revision plan: the episode's next version, still in the genre's shape.

Operations are applied in the plan's order, each to the result of the ones before. After each one
the episode must still validate against the bible and break no shape rule it kept before (hook
first, cliffhanger last, a reversal, 60–120 s, no repeated line; the finale's climax); otherwise
that operation is refused, with the rule it would break, and the rest go on. One scene is changed
by one operation at most, so a plan's line numbers always mean the lines of the version it was
made for. New scenes (a replaced cliffhanger, a scene of another beat) come from the archetype
material (`material.py`): the freshest recipe that keeps the episode in shape.
"""

from __future__ import annotations

from dataclasses import dataclass

from dramaline import shape
from dramaline.errors import InvalidInputError
from dramaline.model import (
    BeatType,
    ColdOpen,
    Episode,
    MoveRevealEarlier,
    ReorderScenes,
    ReplaceBeat,
    ReplaceCliffhanger,
    RevisionOperation,
    RevisionPlan,
    Series,
    SharpenCliffhanger,
    TightenScene,
)
from dramaline.revise import operations as ops
from dramaline.revise.material import SceneMaterial
from dramaline.revise.operations import OperationRefused


@dataclass(frozen=True)
class Refusal:
    """An operation left out of the new version, and why."""

    operation: RevisionOperation
    reason: str

    def describe(self) -> str:
        return f"{self.operation.describe()}: refused, {self.reason}"


@dataclass(frozen=True)
class Revision:
    """A plan carried out: the episode before, its next version, and what was applied or refused."""

    plan: RevisionPlan
    before: Episode
    episode: Episode  # the next version; the same as `before` when nothing could be applied
    applied: tuple[RevisionOperation, ...]
    refused: tuple[Refusal, ...]

    @property
    def changed(self) -> bool:
        return bool(self.applied)


def current_episode(series: Series, plan: RevisionPlan) -> Episode:
    """The episode `plan` is for, checked to be the version it was made for."""
    try:
        episode = series.episode(plan.episode)
    except KeyError:
        raise InvalidInputError(
            f"the plan is for episode {plan.episode}, but the series has episodes 1-{len(series.episodes)}"
        ) from None
    if episode.version != plan.version:
        raise InvalidInputError(
            f"the plan was made for episode {plan.episode} v{plan.version}, but the episode is now at "
            f"v{episode.version}; run `dramaline revise` again for a plan of the current version"
        )
    return episode


def touched_scenes(op: RevisionOperation) -> set[str]:
    """The scenes whose content `op` changes (moving a scene does not change it)."""
    if isinstance(op, TightenScene | SharpenCliffhanger | ReplaceCliffhanger | ReplaceBeat):
        return {op.scene}
    if isinstance(op, ColdOpen):
        return {op.source}
    return set()


def shape_break(series: Series, before: Episode, after: Episode, *, wpm: int) -> str | None:
    """The first rule `after` breaks that `before` kept (bible references, shape, the finale's climax); None if none."""
    try:
        series.bible.check_episode(after)
    except ValueError as exc:
        return str(exc)
    old, new = _problems(series, before, wpm), _problems(series, after, wpm)
    if len(new) > len(old) or (new and not old):
        fresh = [p for p in new if p not in old]
        return f"it would break the episode's shape: {(fresh or new)[0]}"
    return None


def _problems(series: Series, episode: Episode, wpm: int) -> list[str]:
    problems = shape.episode_problems(episode, wpm=wpm)
    if episode.number == len(series.episodes):
        # Only the finale has a series-level rule (its climax); shape reads the episodes without validating.
        finale = series.model_copy(update={"episodes": (*series.episodes[:-1], episode)})
        problems += [p for p in shape.series_problems(finale, wpm=wpm) if p.startswith("the last episode")]
    return problems


def apply_plan(
    series: Series, plan: RevisionPlan, *, wpm: int = 150, material: SceneMaterial | None = None
) -> Revision:
    """Apply `plan` to its episode with the embedded rules; the result is the episode's next version.

    `material` supplies new scenes; by default it is made from the series' archetype material
    when an operation needs one.
    """
    before = current_episode(series, plan)
    version = before.version + 1
    current = before
    applied: list[RevisionOperation] = []
    refused: list[Refusal] = []
    touched: set[str] = set()
    for op in plan.operations:
        again = touched_scenes(op) & touched
        if again:
            reason = f"scene {sorted(again)[0]} was already changed by an earlier operation of this plan"
            refused.append(Refusal(op, reason))
            continue
        try:
            if isinstance(op, ReplaceBeat | ReplaceCliffhanger):
                material = material or SceneMaterial(series, salt=f"{before.number}|{version}")
                current = _replace(series, current, op, material, version=version, wpm=wpm)
            else:
                current = _edit(series, current, op, version=version, wpm=wpm)
        except (OperationRefused, InvalidInputError) as exc:  # the material may not fit this series
            refused.append(Refusal(op, str(exc)))
            continue
        applied.append(op)
        touched |= touched_scenes(op)
    episode = current.model_copy(update={"version": version}) if applied else before
    return Revision(plan=plan, before=before, episode=episode, applied=tuple(applied), refused=tuple(refused))


def _edit(series: Series, episode: Episode, op: RevisionOperation, *, version: int, wpm: int) -> Episode:
    if isinstance(op, TightenScene):
        after = ops.tighten(episode, op)
    elif isinstance(op, SharpenCliffhanger):
        after = ops.sharpen_cliffhanger(episode, op)
    elif isinstance(op, MoveRevealEarlier):
        after = ops.move_reveal_earlier(episode, op)
    elif isinstance(op, ReorderScenes):
        after = ops.reorder(episode, op)
    elif isinstance(op, ColdOpen):
        after = ops.cold_open(episode, op, version=version)
    else:
        raise OperationRefused(f"the embedded rules cannot apply a {op.kind!r} operation")
    broken = shape_break(series, episode, after, wpm=wpm)
    if broken:
        raise OperationRefused(broken)
    return after


def _replace(
    series: Series,
    episode: Episode,
    op: ReplaceBeat | ReplaceCliffhanger,
    material: SceneMaterial,
    *,
    version: int,
    wpm: int,
) -> Episode:
    """The scene replaced by the freshest new scene from the material that keeps the episode in shape."""
    i = ops.scene_index(episode, op.scene)
    closing = isinstance(op, ReplaceCliffhanger)
    if closing and (i != len(episode.scenes) - 1 or episode.scenes[i].beat is not BeatType.CLIFFHANGER):
        raise OperationRefused(f"scene {op.scene} is not the episode's closing cliffhanger")
    if not closing and i in (0, len(episode.scenes) - 1):
        raise OperationRefused(f"scene {op.scene} opens or closes the episode; only a middle scene changes its beat")
    beat = BeatType.CLIFFHANGER if isinstance(op, ReplaceCliffhanger) else op.beat
    reason = f"the {series.archetype.value} material has no fresh {beat.value.replace('_', ' ')} scene for it"
    for found in material.candidates(episode, beat):
        after = ops.replace_scene(
            episode, op.scene, found.scene, version=version, cliffhanger=found.question if closing else ""
        )
        broken = shape_break(series, episode, after, wpm=wpm)
        if broken is None:
            return after
        reason = f"no fresh {beat.value.replace('_', ' ')} scene of the material fits: {broken}"
    raise OperationRefused(reason)
