"""A readable difference between two versions of an episode: scenes added, removed, replaced or moved, lines changed.

Scenes are matched by id (a revision keeps the ids of what it does not rewrite); a scene that
left and a scene that came in at the same place, or under the same id with a new version suffix,
read as one scene replaced. Moves are the scenes outside the longest run kept in order, so a
scene inserted at the front does not make every later scene look moved. Lines are compared by
speaker and text.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from dramaline.model import NARRATOR, BeatType, Episode, Line, Scene, Series

SceneChangeKind = Literal["unchanged", "moved", "changed", "added", "removed", "replaced"]
_VERSION_SUFFIX = re.compile(r"-v\d+(-\d+)?$")
SIMILAR = 0.5
"""Text likeness (0–1) from which a line that changed reads as the same line rewritten, not one cut and one added."""


@dataclass(frozen=True)
class LineChange:
    """One line cut, added or changed (positions 1-based in the old and new scene)."""

    kind: Literal["cut", "added", "changed"]
    old_position: int | None
    new_position: int | None
    old: Line | None
    new: Line | None


@dataclass(frozen=True)
class SceneChange:
    """What became of one scene between the versions."""

    kind: SceneChangeKind
    old_id: str | None
    new_id: str | None
    old_position: int | None
    new_position: int | None
    old_beat: BeatType | None
    new_beat: BeatType | None
    lines: tuple[LineChange, ...] = ()
    moved: bool = False  # out of its old order among the scenes both versions have (a changed scene can move too)


@dataclass(frozen=True)
class EpisodeDiff:
    """Every difference between two versions of one episode."""

    episode: int
    old_version: int
    new_version: int
    old_beats: tuple[BeatType, ...]
    new_beats: tuple[BeatType, ...]
    scenes: tuple[SceneChange, ...]
    fields: tuple[tuple[str, str, str], ...]  # (field, old, new) for the title, summary and cliffhanger

    @property
    def rewritten(self) -> tuple[str, ...]:
        """The new version's scenes whose content is new or changed: the ones a rebuild renders again."""
        return tuple(c.new_id for c in self.scenes if c.kind in ("changed", "added", "replaced") and c.new_id)

    @property
    def same(self) -> bool:
        return not self.fields and all(c.kind == "unchanged" for c in self.scenes)


def diff_episodes(old: Episode, new: Episode) -> EpisodeDiff:
    """The difference from `old` to `new` (two versions of the same episode)."""
    old_pos = {s.id: i for i, s in enumerate(old.scenes)}
    new_pos = {s.id: i for i, s in enumerate(new.scenes)}
    common = [sid for sid in (s.id for s in new.scenes) if sid in old_pos]
    in_order = _kept_in_order([s.id for s in old.scenes if s.id in new_pos], common)
    changes: dict[str, SceneChange] = {}
    for sid in common:
        a, b = old.scenes[old_pos[sid]], new.scenes[new_pos[sid]]
        lines = _line_changes(a, b)
        kind: SceneChangeKind = "changed" if (lines or _setting(a) != _setting(b)) else "unchanged"
        moved = sid not in in_order
        if kind == "unchanged" and moved:
            kind = "moved"
        changes[sid] = _change(kind, a, b, old_pos[sid], new_pos[sid], lines, moved=moved)
    removed = [s for s in old.scenes if s.id not in new_pos]
    added = [s for s in new.scenes if s.id not in old_pos]
    pairs = _pair_replacements(removed, added, old_pos, new_pos)
    for a, b in pairs:
        changes[b.id] = _change("replaced", a, b, old_pos[a.id], new_pos[b.id], _line_changes(a, b))
    paired_old = {a.id for a, _ in pairs}
    for b in added:
        if b.id not in changes:
            changes[b.id] = _change("added", None, b, None, new_pos[b.id], ())
    ordered = [changes[s.id] for s in new.scenes]
    ordered += [_change("removed", a, None, old_pos[a.id], None, ()) for a in removed if a.id not in paired_old]
    fields = tuple(
        (name, str(getattr(old, name)), str(getattr(new, name)))
        for name in ("title", "summary", "cliffhanger")
        if getattr(old, name) != getattr(new, name)
    )
    return EpisodeDiff(
        episode=new.number,
        old_version=old.version,
        new_version=new.version,
        old_beats=old.beats,
        new_beats=new.beats,
        scenes=tuple(ordered),
        fields=fields,
    )


def format_diff(diff: EpisodeDiff, series: Series | None = None) -> str:
    """The difference as text for a terminal; `series` gives speakers their names."""

    def who(line: Line) -> str:
        if series is None or line.speaker == NARRATOR:
            return line.speaker.upper()
        try:
            return series.speaker_name(line.speaker).upper()
        except KeyError:
            return line.speaker.upper()

    out = [f"Episode {diff.episode}: v{diff.old_version} → v{diff.new_version}"]
    if diff.same:
        out.append("No difference.")
        return "\n".join(out)
    if diff.old_beats != diff.new_beats:
        out.append(f"Beats: {_beats(diff.old_beats)}  →  {_beats(diff.new_beats)}")
    out.append("Scenes:")
    for c in diff.scenes:
        out.append("  " + _scene_line(c))
        for lc in c.lines:
            if lc.kind == "cut" and lc.old is not None:
                out.append(f"      - line {lc.old_position} {who(lc.old)}: {lc.old.text}")
            elif lc.kind == "added" and lc.new is not None:
                out.append(f"      + line {lc.new_position} {who(lc.new)}: {lc.new.text}")
            elif lc.old is not None and lc.new is not None:
                out.append(f"      ~ line {lc.old_position} {who(lc.old)}: {lc.old.text}")
                out.append(f"        now line {lc.new_position} {who(lc.new)}: {lc.new.text}")
    for name, before, after in diff.fields:
        out.append(f"{name.capitalize()}: {before}")
        out.append(f"{' ' * len(name)}→ {after}")
    return "\n".join(out)


def _scene_line(c: SceneChange) -> str:
    beat = _beat(c.new_beat or c.old_beat)
    if c.kind == "unchanged":
        return f"= {c.new_id} ({beat}) unchanged"
    if c.kind == "moved":
        return f"> {c.new_id} ({beat}) moved from position {c.old_position} to {c.new_position}"
    if c.kind == "added":
        return f"+ {c.new_id} ({beat}) new, at position {c.new_position}"
    if c.kind == "removed":
        return f"- {c.old_id} ({beat}) removed"
    beats = beat if c.old_beat == c.new_beat else f"{_beat(c.old_beat)} → {_beat(c.new_beat)}"
    cut = sum(lc.kind == "cut" for lc in c.lines)
    new = sum(lc.kind == "added" for lc in c.lines)
    changed = sum(lc.kind == "changed" for lc in c.lines)
    counts = ", ".join(
        f"{n} line{'s' if n > 1 else ''} {what}"
        for n, what in ((cut, "cut"), (changed, "changed"), (new, "added"))
        if n
    )
    if c.kind == "replaced":
        return f"* {c.old_id} replaced by {c.new_id} ({beats}): {counts or 'same lines'}"
    what = "moved and changed" if c.moved else "changed"
    return f"~ {c.new_id} ({beats}) {what}: {counts or 'its setting'}"


def _change(
    kind: SceneChangeKind,
    a: Scene | None,
    b: Scene | None,
    old_index: int | None,
    new_index: int | None,
    lines: tuple[LineChange, ...],
    *,
    moved: bool = False,
) -> SceneChange:
    return SceneChange(
        kind=kind,
        old_id=a.id if a else None,
        new_id=b.id if b else None,
        old_position=None if old_index is None else old_index + 1,
        new_position=None if new_index is None else new_index + 1,
        old_beat=a.beat if a else None,
        new_beat=b.beat if b else None,
        lines=lines,
        moved=moved,
    )


def _kept_in_order(old_ids: list[str], new_ids: list[str]) -> set[str]:
    """The ids in the longest subsequence both orders share (what did not move)."""
    matcher = difflib.SequenceMatcher(a=old_ids, b=new_ids, autojunk=False)
    return {new_ids[j + k] for _, j, size in matcher.get_matching_blocks() for k in range(size)}


def _pair_replacements(
    removed: list[Scene], added: list[Scene], old_pos: dict[str, int], new_pos: dict[str, int]
) -> list[tuple[Scene, Scene]]:
    """Removed and added scenes that read as one scene rewritten: the same base id, else the same position."""
    pairs: list[tuple[Scene, Scene]] = []
    left = list(removed)
    for b in added:
        base = _VERSION_SUFFIX.sub("", b.id)
        match = next((a for a in left if _VERSION_SUFFIX.sub("", a.id) == base), None)
        if match is None:
            match = next((a for a in left if old_pos[a.id] == new_pos[b.id]), None)
        if match is not None:
            pairs.append((match, b))
            left.remove(match)
    return pairs


def _line_changes(a: Scene, b: Scene) -> tuple[LineChange, ...]:
    old = [(line.speaker, line.text) for line in a.lines]
    new = [(line.speaker, line.text) for line in b.lines]
    found: list[LineChange] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        pairs = _similar(a.lines[i1:i2], b.lines[j1:j2])
        paired_new = set(pairs.values())
        for i in range(i2 - i1):
            if i in pairs:
                j = pairs[i]
                found.append(LineChange("changed", i1 + i + 1, j1 + j + 1, a.lines[i1 + i], b.lines[j1 + j]))
            else:
                found.append(LineChange("cut", i1 + i + 1, None, a.lines[i1 + i], None))
        found += [
            LineChange("added", None, j1 + j + 1, None, b.lines[j1 + j]) for j in range(j2 - j1) if j not in paired_new
        ]
    # Emotion, delivery or action changed on a line whose words stayed.
    if not found and a.lines != b.lines:
        found = [
            LineChange("changed", k, k, x, y)
            for k, (x, y) in enumerate(zip(a.lines, b.lines, strict=True), 1)
            if x != y
        ]
    return tuple(found)


def _similar(old: Sequence[Line], new: Sequence[Line]) -> dict[int, int]:
    """Old line → new line for lines that read as one line rewritten: same speaker, words mostly kept."""
    pairs: dict[int, int] = {}
    for j, line in enumerate(new):
        scored = [
            (_likeness(old[i].text, line.text), i)
            for i in range(len(old))
            if i not in pairs and old[i].speaker == line.speaker
        ]
        score, i = max(scored, default=(0.0, -1))
        if score >= SIMILAR:
            pairs[i] = j
    return pairs


def _likeness(a: str, b: str) -> float:
    # A shortened line is contained in its original: the same line, fewer words.
    if a in b or b in a:
        return 1.0
    return difflib.SequenceMatcher(a=a, b=b, autojunk=False).ratio()


def _setting(scene: Scene) -> tuple[object, ...]:
    return (scene.location, scene.time_of_day, scene.characters, scene.beat, scene.purpose, scene.wardrobe)


def _beats(beats: tuple[BeatType, ...]) -> str:
    return " › ".join(_beat(b) for b in beats)


def _beat(beat: BeatType | None) -> str:
    return beat.value.replace("_", " ") if beat is not None else "?"
