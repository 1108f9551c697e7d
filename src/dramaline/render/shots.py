"""The shot grammar: how a timed scene is cut into shots before it is drawn.

An establishing wide opens the scene, each spoken line gets a close-up on its speaker (a two-shot
when two characters trade short lines), and reversal beats get a reaction shot on the listener.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from dramaline.model import (
    DEFAULT_FPS,
    NARRATOR,
    BeatType,
    Bible,
    CameraMove,
    Emotion,
    Shot,
    ShotKind,
    TimedLine,
    TimedScene,
)

REACTION_BEATS = frozenset({BeatType.REVEAL, BeatType.FACE_SLAP})
"""Beats whose key line is followed by a close-up of the listener taking the blow."""

MIN_WIDE_S = 0.5
"""The shortest establishing wide: it holds until the first line starts (at most 2 s), but no less than this.

Cutting on the first line keeps its caption from flashing up a few frames before a cut (subtitling
guides move such an in-time to the shot change; here the cut moves to the line), and an edit to that
line then leaves the wide as it was.
"""

# Emotions a reversal is usually delivered with; the last line played this way is the key line.
_STRIKING = frozenset({Emotion.DETERMINED, Emotion.COLD, Emotion.ANGRY, Emotion.SMUG})


@dataclass
class _Cut:
    kind: ShotKind
    start: int
    subject: str | None
    move: CameraMove


def plan_shots(scene: TimedScene, bible: Bible, *, fps: int = DEFAULT_FPS) -> tuple[Shot, ...]:
    """Cut `scene` into shots that tile its frames exactly; same scene → same shots.

    `bible` says who can be framed (a speaker not in the scene's cast gets a wide shot);
    `fps` turns the grammar's durations (the establishing wide's 0.5 to 2 s, 1 s of reaction) into frames.
    """
    start, end = scene.start_frame, scene.end_frame
    if end <= start:
        raise ValueError(
            f"scene {scene.scene_id!r} ends at frame {end}, not after its start {start}; "
            "give it at least one frame before planning shots"
        )
    known = {c.id for c in bible.characters}
    cast = [c for c in scene.characters if c in known]
    lines = [line for line in sorted(scene.lines, key=lambda x: (x.start_frame, x.index)) if _inside(line, scene)]
    wide_move = _establishing_move(scene)
    if not lines or end - start < max(4, fps):
        return (Shot(kind=ShotKind.ESTABLISHING, start_frame=start, end_frame=end, move=wide_move),)

    lead_in = min(max(lines[0].start_frame - start, round(MIN_WIDE_S * fps)), 2 * fps)
    cuts = [_Cut(ShotKind.ESTABLISHING, start, None, wide_move)]
    first_free = start + min(lead_in, (end - start) // 2)
    key = _key_line(scene, lines, cast)
    i = 0
    while i < len(lines):
        line = lines[i]
        at = max(line.start_frame, first_free, cuts[-1].start + 1)
        if at >= end:
            break
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        if line.speaker == NARRATOR or line.speaker not in cast:
            cuts.append(_Cut(ShotKind.ESTABLISHING, at, None, CameraMove.PAN))
        elif nxt is not None and nxt is not key and line is not key and _trade(line, nxt, cast, fps):
            cuts.append(_Cut(ShotKind.TWO_SHOT, at, line.speaker, CameraMove.STATIC))
            i += 1
        else:
            if line is key and scene.beat is BeatType.REVEAL:
                move = CameraMove.PUSH_IN
            else:
                move = CameraMove.PAN if len(cuts) % 2 == 0 else CameraMove.STATIC
            cuts.append(_Cut(ShotKind.CLOSE_UP, at, line.speaker, move))
        i += 1

    if key is not None and scene.beat in REACTION_BEATS:
        _insert_reaction(cuts, scene, key, lines, cast, fps)
    cuts = _merge_short(cuts, end, min_frames=max(2, round(0.4 * fps)))
    ends = [c.start for c in cuts[1:]] + [end]
    return tuple(
        Shot(kind=c.kind, start_frame=c.start, end_frame=e, subject=c.subject, move=c.move)
        for c, e in zip(cuts, ends, strict=True)
    )


def _inside(line: TimedLine, scene: TimedScene) -> bool:
    return line.end_frame > scene.start_frame and line.start_frame < scene.end_frame


def _establishing_move(scene: TimedScene) -> CameraMove:
    if scene.beat in (BeatType.REVEAL, BeatType.CLIFFHANGER):
        return CameraMove.PUSH_IN
    # Mostly pans (a zoom costs a resample per frame), now and then a push-in, chosen by scene id.
    return CameraMove.PUSH_IN if zlib.crc32(scene.scene_id.encode()) % 3 == 0 else CameraMove.PAN


def _trade(line: TimedLine, nxt: TimedLine, cast: list[str], fps: int) -> bool:
    """Two characters exchanging quick lines: framed together rather than cut back and forth."""
    short = 2 * fps
    return (
        nxt.speaker in cast
        and nxt.speaker != line.speaker
        and line.end_frame - line.start_frame <= short
        and nxt.end_frame - nxt.start_frame <= short
    )


def _key_line(scene: TimedScene, lines: list[TimedLine], cast: list[str]) -> TimedLine | None:
    """The line that lands the scene's blow: the last character line played hard, else the last one."""
    spoken = [line for line in lines if line.speaker in cast]
    if not spoken or scene.beat not in REACTION_BEATS:
        return None
    striking = [line for line in spoken if line.emotion in _STRIKING]
    return (striking or spoken)[-1]


def listener_of(key: TimedLine, lines: list[TimedLine], cast: list[str]) -> str:
    """Who takes the key line: the next other speaker, else the previous one, else anyone else present."""
    after = [x.speaker for x in lines if x.start_frame > key.start_frame and x.speaker in cast]
    before = [x.speaker for x in reversed(lines) if x.start_frame < key.start_frame and x.speaker in cast]
    others = [c for c in cast if c != key.speaker]
    for who in [*after, *before, *others]:
        if who != key.speaker:
            return who
    return key.speaker


def _insert_reaction(
    cuts: list[_Cut], scene: TimedScene, key: TimedLine, lines: list[TimedLine], cast: list[str], fps: int
) -> None:
    length = fps if scene.beat is BeatType.FACE_SLAP else round(1.2 * fps)
    floor = cuts[0].start + 1 if len(cuts) == 1 else cuts[1].start
    at = min(key.end_frame, scene.end_frame - max(1, min(length, fps // 2)))
    at = max(at, floor)
    if at >= scene.end_frame:
        return
    until = min(at + length, scene.end_frame)
    move = CameraMove.SHAKE if scene.beat is BeatType.FACE_SLAP else CameraMove.PUSH_IN
    reaction = _Cut(ShotKind.REACTION, at, listener_of(key, lines, cast), move)
    kept = [c for c in cuts if c.start < at]
    # A cut that the reaction covers resumes after it, unless a later cut starts first.
    later = [c for c in cuts if c.start >= at]
    resumed: list[_Cut] = []
    for j, c in enumerate(later):
        nxt_start = later[j + 1].start if j + 1 < len(later) else scene.end_frame
        if c.start < until:
            if nxt_start > until:
                resumed.append(_Cut(c.kind, until, c.subject, c.move))
        else:
            resumed.append(c)
    if not resumed and until < scene.end_frame and kept:
        last = kept[-1]
        resumed.append(_Cut(last.kind, until, last.subject, CameraMove.STATIC))
    cuts[:] = [*kept, reaction, *resumed]


def _merge_short(cuts: list[_Cut], end: int, *, min_frames: int) -> list[_Cut]:
    """Drop cuts that would flash by too fast to read; the previous shot runs on instead."""
    out: list[_Cut] = []
    for j, c in enumerate(cuts):
        nxt = cuts[j + 1].start if j + 1 < len(cuts) else end
        protected = c.kind in (ShotKind.ESTABLISHING, ShotKind.REACTION) and (j == 0 or c.kind is ShotKind.REACTION)
        if out and nxt - c.start < min_frames and not protected:
            continue
        out.append(c)
    return out


def check_tiling(scene: TimedScene, shots: tuple[Shot, ...]) -> None:
    """Refuse shots that leave gaps, overlap, are empty, or do not end with the scene."""
    at = scene.start_frame
    for shot in shots:
        if shot.start_frame != at or shot.end_frame <= shot.start_frame:
            raise ValueError(
                f"scene {scene.scene_id!r} has a shot starting at frame {shot.start_frame} where frame {at} was "
                "expected; shots must follow each other without gaps or overlaps (or leave shots empty to plan them)"
            )
        at = shot.end_frame
    if at != scene.end_frame:
        raise ValueError(
            f"scene {scene.scene_id!r}'s shots end at frame {at}, but the scene ends at {scene.end_frame}; "
            "make the last shot end with the scene"
        )
