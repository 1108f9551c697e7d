"""The script edits of a revision plan, one function each: Episode in, edited Episode out.

Each edit touches only the scenes it names; every other scene is passed through as the very same
object, so its id and lines (and with them its voices and rendered segment) stay exactly as they
were. An edit that cannot be made as asked raises `OperationRefused` with the reason; whether the
result still has the genre's shape is checked by `apply`, after each edit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from dramaline.errors import DramalineError
from dramaline.model import (
    BeatType,
    ColdOpen,
    Episode,
    Line,
    MoveRevealEarlier,
    ReorderScenes,
    Scene,
    SharpenCliffhanger,
    TightenScene,
)

MAX_ID_LENGTH = 64
_VERSION_SUFFIX = re.compile(r"-v\d+$")


class OperationRefused(DramalineError):
    """An operation that cannot be applied to this episode; the message says why."""


def scene_index(episode: Episode, scene_id: str) -> int:
    """The 0-based position of scene `scene_id`; refused when the episode has no such scene."""
    for i, scene in enumerate(episode.scenes):
        if scene.id == scene_id:
            return i
    ids = ", ".join(s.id for s in episode.scenes)
    raise OperationRefused(f"episode {episode.number} has no scene {scene_id!r}; its scenes are {ids}")


def with_scenes(episode: Episode, scenes: Sequence[Scene], **changes: str) -> Episode:
    """`episode` with these scenes (and any other field changes), validated."""
    return Episode.model_validate({**dict(episode), "scenes": tuple(scenes), **changes})


def fresh_scene_id(base: str, version: int, taken: set[str]) -> str:
    """An id for a scene written in `version`: the base id without an old version suffix, then `-vN`."""
    stem = _VERSION_SUFFIX.sub("", base)[: MAX_ID_LENGTH - 8]
    candidate, n = f"{stem}-v{version}", 2
    while candidate in taken:
        candidate, n = f"{stem}-v{version}-{n}", n + 1
    return candidate


def tighten(episode: Episode, op: TightenScene) -> Episode:
    """Cut and shorten lines of one scene; its id, beat, place and people stay."""
    i = scene_index(episode, op.scene)
    scene = episode.scenes[i]
    _check_positions(scene, [*op.cut, *(s.line for s in op.shorten)])
    if len(op.cut) >= len(scene.lines):
        raise OperationRefused(f"cutting lines {list(op.cut)} would leave scene {scene.id} with no line")
    shorter = {s.line: s.text for s in op.shorten}
    lines = [
        line.model_copy(update={"text": shorter[k]}) if k in shorter else line
        for k, line in enumerate(scene.lines, 1)
        if k not in op.cut
    ]
    return _replace(episode, i, scene.model_copy(update={"lines": tuple(lines)}))


def sharpen_cliffhanger(episode: Episode, op: SharpenCliffhanger) -> Episode:
    """Cut lines of the closing scene so it reaches its question sooner; the last line (the question) stays."""
    i = scene_index(episode, op.scene)
    scene = episode.scenes[i]
    if i != len(episode.scenes) - 1 or scene.beat is not BeatType.CLIFFHANGER:
        raise OperationRefused(f"scene {scene.id} is not the episode's closing cliffhanger")
    _check_positions(scene, op.cut)
    if len(scene.lines) in op.cut:
        raise OperationRefused(f"line {len(scene.lines)} is the cliffhanger's last line, the question it ends on")
    lines = tuple(line for k, line in enumerate(scene.lines, 1) if k not in op.cut)
    return _replace(episode, i, scene.model_copy(update={"lines": lines}))


def move_reveal_earlier(episode: Episode, op: MoveRevealEarlier) -> Episode:
    """Move a payoff scene up to an earlier position, after the hook and before the cliffhanger."""
    i = scene_index(episode, op.scene)
    scene = episode.scenes[i]
    if not scene.beat.is_reversal:
        raise OperationRefused(f"scene {scene.id} is a {scene.beat.value.replace('_', ' ')}, not a payoff to move")
    target = op.to_position - 1
    if target >= i:
        raise OperationRefused(f"scene {scene.id} is already at position {i + 1}, not after {op.to_position}")
    scenes = list(episode.scenes)
    scenes.insert(target, scenes.pop(i))
    return with_scenes(episode, scenes)


def reorder(episode: Episode, op: ReorderScenes) -> Episode:
    """Put the scenes in the order given; it must name every scene exactly once."""
    have = [s.id for s in episode.scenes]
    if sorted(op.order) != sorted(have):
        missing = sorted(set(have) - set(op.order))
        extra = sorted(set(op.order) - set(have))
        raise OperationRefused(
            f"the new order must name every scene of episode {episode.number} once"
            + (f"; it leaves out {', '.join(missing)}" if missing else "")
            + (f"; it names unknown {', '.join(extra)}" if extra else "")
        )
    by_id = {s.id: s for s in episode.scenes}
    return with_scenes(episode, [by_id[sid] for sid in op.order])


def cold_open(episode: Episode, op: ColdOpen, *, version: int) -> Episode:
    """Move one line of a later scene into a new opening scene set where that line is said (a flash-forward).

    The old opening scene stays, second, unchanged; the source scene loses the line (a line said
    twice would break the episode's shape), and keeps at least one.
    """
    i = scene_index(episode, op.source)
    source = episode.scenes[i]
    if i == 0:
        raise OperationRefused(f"scene {source.id} already opens the episode; a cold open takes a later scene's line")
    _check_positions(source, [op.line])
    if len(source.lines) < 2:
        raise OperationRefused(f"scene {source.id} has one line; moving it would leave the scene empty")
    line: Line = source.lines[op.line - 1]
    taken = {s.id for s in episode.scenes}
    opening = Scene(
        id=fresh_scene_id(f"{_VERSION_SUFFIX.sub('', source.id)}-cold", version, taken),
        location=source.location,
        time_of_day=source.time_of_day,
        characters=source.characters,
        beat=BeatType.HOOK,
        purpose=f"Cold open, a flash-forward: {source.purpose}"[:2000],
        lines=(line,),
        wardrobe=source.wardrobe,
    )
    rest = source.model_copy(update={"lines": source.lines[: op.line - 1] + source.lines[op.line :]})
    scenes = list(episode.scenes)
    scenes[i] = rest
    return with_scenes(episode, [opening, *scenes])


def replace_scene(episode: Episode, scene_id: str, new: Scene, *, version: int, cliffhanger: str = "") -> Episode:
    """Put `new` where scene `scene_id` was, under a fresh id; `cliffhanger` also replaces the episode's question."""
    i = scene_index(episode, scene_id)
    taken = {s.id for s in episode.scenes} - {scene_id}
    placed = new.model_copy(update={"id": fresh_scene_id(scene_id, version, taken)})
    scenes = list(episode.scenes)
    scenes[i] = placed
    return with_scenes(episode, scenes, **({"cliffhanger": cliffhanger} if cliffhanger else {}))


def _replace(episode: Episode, index: int, scene: Scene) -> Episode:
    scenes = list(episode.scenes)
    scenes[index] = Scene.model_validate(dict(scene))
    return with_scenes(episode, scenes)


def _check_positions(scene: Scene, positions: Sequence[int]) -> None:
    bad = sorted(p for p in positions if not 1 <= p <= len(scene.lines))
    if bad:
        raise OperationRefused(
            f"scene {scene.id} has lines 1–{len(scene.lines)}; there is no line {', '.join(map(str, bad))}"
        )
