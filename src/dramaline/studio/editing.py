"""Script changes made in the studio: an edited episode saved as its next version, Fountain imports, diffs.

An edit names the version it started from; if someone saved a newer one meanwhile, the edit is
refused (409) rather than silently undoing theirs. Edits change the text and emotion of lines
and the order of scenes; speakers, deliveries and actions stay as written. Rules of the genre's
shape that an edit breaks are returned as warnings: a writer may mean to break them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from dramaline.errors import DramalineError, InvalidInputError
from dramaline.model import Emotion, Episode, Line, Scene, Series
from dramaline.revise.apply import shape_break
from dramaline.revise.diff import EpisodeDiff, diff_episodes
from dramaline.series_folder import (
    episode_versions,
    load_episode_version,
    save_episode_version,
)
from dramaline.studio.catalog import open_series
from dramaline.studio.context import Studio
from dramaline.studio.paths import NotFoundError

__all__ = [
    "ConflictError",
    "DiffRow",
    "LineEdit",
    "SceneEdit",
    "ScriptEdit",
    "diff_rows",
    "import_fountain",
    "save_edit",
]


class ConflictError(DramalineError):
    """The edit started from a version that is no longer the current one (409)."""


class LineEdit(BaseModel):
    text: str = Field(min_length=1, max_length=2000)
    emotion: Emotion


class SceneEdit(BaseModel):
    id: str = Field(min_length=1, max_length=100)
    lines: list[LineEdit] = Field(min_length=1, max_length=200)


class ScriptEdit(BaseModel):
    """An episode's lines and scene order as the editor sends them."""

    base_version: int = Field(ge=1)
    scenes: list[SceneEdit] = Field(min_length=1, max_length=100)
    note: str = Field(default="", max_length=500)


@dataclass(frozen=True)
class Saved:
    episode: int
    version: int
    warnings: list[str]


def _edited(current: Episode, edit: ScriptEdit) -> Episode:
    by_id = {s.id: s for s in current.scenes}
    given = [s.id for s in edit.scenes]
    if sorted(given) != sorted(by_id):
        raise InvalidInputError(
            "the edit must list each of the episode's scenes once (reorder them, do not add or drop them): "
            f"expected {', '.join(by_id)}"
        )
    scenes: list[Scene] = []
    for scene_edit in edit.scenes:
        scene = by_id[scene_edit.id]
        if len(scene_edit.lines) != len(scene.lines):
            raise InvalidInputError(
                f"scene {scene.id} has {len(scene.lines)} lines; the edit gives {len(scene_edit.lines)} "
                "(lines are edited in place, not added or removed, in the studio)"
            )
        try:
            lines = tuple(
                Line.model_validate({**line.model_dump(), "text": change.text.strip(), "emotion": change.emotion})
                for line, change in zip(scene.lines, scene_edit.lines, strict=True)
            )
            scenes.append(Scene.model_validate({**scene.model_dump(), "lines": [x.model_dump() for x in lines]}))
        except ValidationError as exc:
            err = exc.errors()[0]
            raise InvalidInputError(f"scene {scene.id}: {err['msg']}") from None
    try:
        return Episode.model_validate({**current.model_dump(), "scenes": [s.model_dump() for s in scenes]})
    except ValidationError as exc:
        raise InvalidInputError(f"episode {current.number}: {exc.errors()[0]['msg']}") from None


def save_edit(studio: Studio, sid: str, number: int, edit: ScriptEdit, actor: str) -> Saved:
    """Save the edited episode as its next version, with a note saying who edited it in the studio."""
    folder, series = open_series(studio, sid)
    current = _episode(series, sid, number)
    if edit.base_version != current.version:
        raise ConflictError(
            f"episode {number} is at version {current.version} now, but this edit started from version "
            f"{edit.base_version}; reload the editor and make the change again"
        )
    after = _edited(current, edit)
    if after.model_dump(exclude={"version"}) == current.model_dump(exclude={"version"}):
        raise InvalidInputError("nothing changed: edit a line, an emotion or the scene order before saving")
    warnings = [w for w in [shape_break(series, current, after, wpm=150)] if w]
    note = f"edited in the studio by {actor}" + (f": {edit.note.strip()}" if edit.note.strip() else "")
    saved = save_episode_version(folder, after, note=note)
    return Saved(number, saved.episode(number).version, warnings)


def _episode(series: Series, sid: str, number: int) -> Episode:
    try:
        return series.episode(number)
    except KeyError:
        raise NotFoundError(f"series {sid!r} has no episode {number}") from None


def import_fountain(studio: Studio, sid: str, text: str, filename: str) -> list[str]:
    """Import a Fountain screenplay: each changed episode becomes its next version, new ones are added."""
    from dramaline.exports.fountain import import_into

    folder, before = open_series(studio, sid)
    revised, added = import_into(folder, before, text, source=filename, note=f"imported from {filename} in the studio")
    return [f"episode {e.number} v{before.episode(e.number).version + 1}" for e in revised] + [
        f"episode {e.number} (new)" for e in added
    ]


# ------------------------------------------------------------------------------------------- diff

Mark = Literal["same", "changed", "cut", "added", "moved", "heading"]


@dataclass(frozen=True)
class Cell:
    text: str
    speaker: str
    emotion: str


@dataclass(frozen=True)
class DiffRow:
    """One row of the side-by-side view: the old version's side and the new one's."""

    mark: Mark
    old: Cell | None
    new: Cell | None


def _cell(line: Line | None, series: Series) -> Cell | None:
    if line is None:
        return None
    try:
        speaker = series.speaker_name(line.speaker)
    except KeyError:
        speaker = line.speaker
    return Cell(line.text, speaker, line.emotion.value)


def _heading(position: int | None, scene: Scene | None) -> Cell | None:
    if scene is None or position is None:
        return None
    return Cell(f"Scene {position + 1}: {scene.beat.value.replace('_', ' ')}", "", scene.id)


def diff_rows(
    studio: Studio, sid: str, number: int, old: int | None, new: int | None
) -> tuple[EpisodeDiff, list[DiffRow]]:
    """The difference between two versions (default: the current one and the one before), row by row."""
    folder, series = open_series(studio, sid)
    _episode(series, sid, number)
    versions = episode_versions(folder, number, series=series)
    newer = new if new is not None else versions[-1]
    older = old if old is not None else next((v for v in reversed(versions) if v < newer), newer)
    for v in (older, newer):
        if v not in versions:
            raise NotFoundError(f"episode {number} has no version {v}; it has {', '.join(f'v{k}' for k in versions)}")
    a = load_episode_version(folder, number, older, series=series)
    b = load_episode_version(folder, number, newer, series=series)
    diff = diff_episodes(a, b)
    old_scenes = {s.id: (i, s) for i, s in enumerate(a.scenes)}
    new_scenes = {s.id: (i, s) for i, s in enumerate(b.scenes)}
    rows: list[DiffRow] = []
    for change in diff.scenes:
        before = old_scenes.get(change.old_id or "", (None, None))
        after = new_scenes.get(change.new_id or "", (None, None))
        mark: Mark = "moved" if change.moved else "heading"
        rows.append(DiffRow(mark, _heading(*before), _heading(*after)))
        if change.kind == "added" and after[1] is not None:
            rows += [DiffRow("added", None, _cell(x, series)) for x in after[1].lines]
        if change.kind == "removed" and before[1] is not None:
            rows += [DiffRow("cut", _cell(x, series), None) for x in before[1].lines]
        pending: DiffRow | None = None  # a cut line, which the next added line sits beside
        for lc in change.lines:
            kind: Mark = "changed" if lc.kind == "changed" else lc.kind
            row = DiffRow(kind, _cell(lc.old, series), _cell(lc.new, series))
            if kind == "added" and pending is not None:
                rows[-1] = DiffRow("changed", pending.old, row.new)
                pending = None
                continue
            pending = row if kind == "cut" else None
            rows.append(row)
        # The line diff compares speakers and texts; a new emotion on the same words is a change too.
        if before[1] is not None and after[1] is not None:
            touched = {lc.new_position for lc in change.lines}
            for k, (x, y) in enumerate(zip(before[1].lines, after[1].lines, strict=False), 1):
                if k not in touched and x.text == y.text and x.emotion != y.emotion:
                    rows.append(DiffRow("changed", _cell(x, series), _cell(y, series)))
    return diff, rows
