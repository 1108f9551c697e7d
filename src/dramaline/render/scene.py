"""Renders a timed scene to frames: stages the shot, moves the camera, animates faces, adds effects.

Everything costly (rooms, figures, faces) is painted once and cached; each frame only crops layers,
pastes sprites and face patches, and zooms. A frame that would come out identical to the previous
one is the previous array again, so every frame handed out is read-only.
"""

from __future__ import annotations

import bisect
import sys
from collections.abc import Iterator
from dataclasses import dataclass

from dramaline.model import (
    NARRATOR,
    BeatType,
    Character,
    Continuity,
    Emotion,
    Preset,
    Series,
    Shot,
    ShotKind,
    TimedLine,
    TimedScene,
    TimeOfDay,
)
from dramaline.render import camera, compose
from dramaline.render.backdrop import Backdrop, Layer, backdrop
from dramaline.render.color import Grade, Pixels, apply_lut, push_lut, time_grade, toward_white
from dramaline.render.figure import FEET, FigureSize, Patch, Sprite, patch, sprite
from dramaline.render.look import dressed, features
from dramaline.render.shots import REACTION_BEATS, check_tiling, plan_shots

START_FLASH = (0.55, 0.3, 0.1)
"""White flash over a scene's first frames: the cut lands like a whip."""
IMPACT_FLASH = (0.92, 0.6, 0.25)
"""White flash over the first frames of a face-slap reaction."""
FREEZE_SECONDS = 0.6
"""A cliffhanger ends on a frame held this long."""
CLOSE_UNIT, CLOSE_HEAD_Y = 0.25, 0.37
"""A close-up's head height and head-centre height, as fractions of the frame height."""
WIDE_UNIT = 0.048
"""A wide shot's head height, as a fraction of the frame height (figures stand about 7 heads tall)."""
_SYLLABLES = (2, 1, 2, 0, 1, 2, 2, 1, 0, 2, 1, 1)
_STRIP_ROWS = 160
_MOUTH_RATE = 9  # mouth shapes per second while speaking


@dataclass(frozen=True, eq=False)
class _Figure:
    character: Character
    size: FigureSize
    sprite: Sprite
    x: int
    y: int
    """Top-left of the sprite in frame pixels at rest."""
    gaze: int


@dataclass(frozen=True)
class _Rig:
    """How one shot is staged: which set, which figures where, and what the camera centres on."""

    shot: Shot
    wide: bool
    figures: tuple[_Figure, ...]
    anchor: tuple[float, float]
    flip: bool


class SceneRenderer:
    """Draws the frames of one scene; build once per scene, then ask for frames in any order."""

    def __init__(self, scene: TimedScene, series: Series, preset: Preset, continuity: Continuity | None = None) -> None:
        self.scene, self.preset = scene, preset
        self.continuity = continuity = continuity or Continuity()
        self.width, self.height, self.fps = preset.width_px, preset.height_px, preset.fps
        bible = series.bible
        try:
            location = bible.location(scene.location)
        except KeyError:
            raise ValueError(
                f"scene {scene.scene_id!r} is set in {scene.location!r}, which is not in the bible; "
                f"add it to the bible's locations or use one of: {', '.join(x.id for x in bible.locations)}"
            ) from None
        known = {c.id: c for c in bible.characters}
        missing = [c for c in scene.characters if c not in known]
        if missing:
            raise ValueError(f"scene {scene.scene_id!r} lists {missing} who are not in the bible; add them first")
        costumes = {c.character: c.outfit for c in scene.wardrobe}
        self.cast = [dressed(known[c], costumes.get(c)) for c in scene.characters]
        flashback = scene.beat is BeatType.FLASHBACK
        self.set: Backdrop = backdrop(location, scene.time_of_day, flashback, self.width, self.height)
        self.grade = figure_grade(scene.time_of_day, flashback)
        self.shots = scene.shots or plan_shots(scene, bible, fps=self.fps)
        check_tiling(scene, self.shots)
        self.rigs = [self._rig(shot, i) for i, shot in enumerate(self.shots)]
        self.starts = [s.start_frame for s in self.shots]
        self.lines = sorted((x for x in scene.lines if x.speaker != NARRATOR), key=lambda x: x.start_frame)
        self.carried = dict(continuity.carried)
        held = held_frames(scene, self.fps) if continuity.held_frames is None else continuity.held_frames
        self.freeze_at = scene.end_frame - held
        # Reused between consecutive frames: the composed stage and the frame last handed out.
        self._buffers = compose.Buffers(self.width * self.height * 3)
        self._stages: list[Pixels] = []  # the set and figures composed for _stage_key, and copies
        self._stage_key: tuple[object, ...] | None = None
        self._last: tuple[tuple[object, ...], Pixels] | None = None
        self._frozen: Pixels | None = None
        self._patches: dict[tuple[int, Emotion, int], Patch] = {}

    # ------------------------------------------------------------------------------ staging

    def _rig(self, shot: Shot, index: int) -> _Rig:
        w, h = self.width, self.height
        ids = [c.id for c in self.cast]
        flip = (index + self.continuity.odd_first_shot) % 2 == 1
        if shot.kind is ShotKind.ESTABLISHING or shot.subject not in ids:
            return _Rig(shot, True, self._wide_figures(), (w / 2, h * 0.42), flip)
        subject = self.cast[ids.index(shot.subject)]
        if shot.kind is ShotKind.TWO_SHOT and len(self.cast) > 1:
            partner = self._partner(shot, subject)
            size = FigureSize(max(4, round(0.12 * h)), 0.64 * h / max(4, round(0.12 * h)) + 0.3, False)
            pair = sorted([subject, partner], key=lambda c: ids.index(c.id))
            figs = tuple(
                self._place(c, size, (0.28 + 0.44 * k) * w, 0.36 * h, 1 if k == 0 else -1) for k, c in enumerate(pair)
            )
            return _Rig(shot, False, figs, (w / 2, 0.36 * h), flip)
        unit = max(4, round(CLOSE_UNIT * h))
        size = FigureSize(unit, (1 - CLOSE_HEAD_Y) * h / unit + 0.3, False)
        side = -1 if ids.index(subject.id) % 2 == 0 else 1
        x, y = w * (0.5 + 0.05 * side), CLOSE_HEAD_Y * h
        return _Rig(shot, False, (self._place(subject, size, x, y, -side),), (x, y), flip)

    def _wide_figures(self) -> tuple[_Figure, ...]:
        n = len(self.cast)
        spacing = min(0.28, 0.84 / max(1, n))
        figs = []
        for i, c in enumerate(self.cast):
            unit = max(3, round(WIDE_UNIT * self.height * features(c).height))
            size = FigureSize(unit, FEET + 0.2, True)
            offset = i - (n - 1) / 2
            x = self.width * (0.5 + offset * spacing)
            feet_y = 0.8 * self.height
            gaze = 0 if n == 1 else (1 if offset < 0 else -1 if offset > 0 else 0)
            figs.append(self._place(c, size, x, feet_y - FEET * unit, gaze))
        return tuple(figs)

    def _partner(self, shot: Shot, subject: Character) -> Character:
        during = [x.speaker for x in self.scene.lines if shot.start_frame <= x.start_frame < shot.end_frame]
        for c in [*during, *(c.id for c in self.cast)]:
            if c != subject.id and c != NARRATOR:
                return next(x for x in self.cast if x.id == c)
        return subject

    def _place(self, c: Character, size: FigureSize, head_x: float, head_y: float, gaze: int) -> _Figure:
        spr = sprite(c, size, self.grade)
        return _Figure(c, size, spr, round(head_x) - spr.head[0], round(head_y) - spr.head[1], gaze)

    # ------------------------------------------------------------------------------ acting

    def _acting(self, rig: _Rig, frame: int) -> tuple[tuple[Emotion, int], ...]:
        """(emotion, mouth) of each figure in the rig at `frame`."""
        out = []
        for fig in rig.figures:
            emotion, mouth = self.carried.get(fig.character.id, Emotion.NEUTRAL), 0
            for line in self.lines:
                if line.speaker != fig.character.id or line.start_frame > frame:
                    continue
                emotion = line.emotion
                if frame < line.end_frame:
                    mouth = _mouth(line, frame, self.fps)
            reacting = rig.shot.kind is ShotKind.REACTION and fig.character.id == rig.shot.subject
            if reacting and mouth == 0 and self.scene.beat in REACTION_BEATS:
                emotion = Emotion.SHOCKED
            out.append((emotion, mouth))
        return tuple(out)

    # ------------------------------------------------------------------------------ drawing

    def frame(self, f: int) -> Pixels:
        """Frame `f` (episode-relative) as a read-only (height, width, 3) uint8 array."""
        if f >= self.freeze_at:
            return self._freeze()
        i = bisect.bisect_right(self.starts, f) - 1
        rig = self.rigs[i]
        k = f - self.scene.start_frame if self.continuity.opening else len(START_FLASH)
        v = camera.view(rig.shot, f, self.width, self.height, rig.anchor, fps=self.fps, flip=rig.flip)
        if k < len(START_FLASH):  # the whip: the new scene slides in under the flash
            v = camera.View(v.dx + (len(START_FLASH) - k) * 0.03 * self.width, v.dy, v.zoom, v.anchor)
        zoom = max(1.0, round(v.zoom * 512) / 512)
        ch, cw = compose.canvas_size(self.width, self.height, zoom)
        ox, oy = v.anchor[0] * (1 - cw / self.width), v.anchor[1] * (1 - ch / self.height)
        layers = self._layers(rig, f, ox, oy, v.dx, v.dy)
        figures = tuple((fig, round(fig.x - ox - v.dx), round(fig.y - oy - v.dy)) for fig in rig.figures)
        acting = self._acting(rig, f)
        flash = _flash(rig.shot, self.scene, f, opening=self.continuity.opening)
        stage_key = (i, ch, cw, layers, tuple((x, y) for _, x, y in figures))
        key = (stage_key, acting, flash)
        if self._last is not None and self._last[0] == key:
            return self._last[1]
        fresh = stage_key != self._stage_key
        if fresh:
            self._stages = [self._compose(rig, (ch, cw), layers, figures)]
            self._stage_key = stage_key
        stage = self._stages[0]
        full = (ch, cw) == (self.height, self.width)
        # Unzoomed, the stage itself becomes the frame, so faces go on a copy nobody holds.
        canvas = self._free_stage() if full else stage
        for (fig, x, y), (emotion, mouth) in zip(figures, acting, strict=True):
            p = self._patch(fig, emotion, mouth)
            compose.paste(canvas, p.rgb, p.mask, y + fig.sprite.face[1], x + fig.sprite.face[0])
        if full:
            out = canvas
        elif not fresh and self._last is not None and self._last[0][0] == stage_key and not self._last[0][2]:
            # Same zoomed picture, new faces: copy the last frame and re-stretch just the faces.
            out = self._buffers.take((self.height, self.width, 3))
            out[...] = self._last[1]
            for fig, x, y in figures:
                fx0, fy0, fx1, fy1 = fig.sprite.face
                compose.upscale_part(out, stage, y + fy0, y + fy1, x + fx0, x + fx1)
        else:
            out = self._buffers.take((self.height, self.width, 3))
            compose.upscale_into(out, stage)
        if flash:
            out = toward_white(out, flash)
        out.flags.writeable = False
        self._last = (key, out)
        return out

    def _free_stage(self) -> Pixels:
        """A copy of the current stage that no frame still in use shares, made writable.

        Faces are all that differ between frames of one stage, and every face repaints the same
        rectangle, so copies are recycled as soon as the caller lets go of the frame they were.
        """
        stages = self._stages
        for i in range(len(stages)):
            if sys.getrefcount(stages[i]) <= 2:  # only this list (and the call's argument) hold it
                stages[i].flags.writeable = True
                return stages[i]
        twin = self._buffers.take(stages[-1].shape)
        twin[...] = stages[-1]
        if len(stages) < 3:
            stages.append(twin)
        return twin

    def _layers(self, rig: _Rig, f: int, ox: float, oy: float, dx: float, dy: float) -> tuple[tuple[int, int], ...]:
        """Top-left (y, x) in the stage of each layer of the rig (see _sets), at this camera position."""
        out = []
        for layer in self._sets(rig):
            scroll = 0
            if layer.period_px:  # the view outside a car slides by on its own, from each cut
                k = f - rig.shot.start_frame
                scroll = round(k * layer.period_px * 1.2 / self.fps) % layer.period_px
            out.append((round(layer.y - oy - layer.parallax * dy), round(layer.x - ox - layer.parallax * dx) - scroll))
        return tuple(out)

    def _sets(self, rig: _Rig) -> list[Layer]:
        """The rig's layers back to front; the wide set's last one (foreground) goes over the figures."""
        if rig.wide:
            wide = self.set.wide
            layers = [wide.far, wide.mid, wide.fg]
        else:
            close = self.set.close
            layers = [close.far, close.mid]
        return [x for x in layers if x is not None]

    def _compose(
        self,
        rig: _Rig,
        shape: tuple[int, int],
        layers: tuple[tuple[int, int], ...],
        figures: tuple[tuple[_Figure, int, int], ...],
    ) -> Pixels:
        """The set and figures (faces not yet painted) seen from this camera position.

        Built a strip of rows at a time, every layer in turn, so each strip is still in the CPU's
        cache when the next layer lands on it: memory traffic, not arithmetic, is what costs here.
        """
        h, w = shape
        stage = self._buffers.take((h, w, 3))
        sets = self._sets(rig)
        front = sets[-1] if rig.wide and sets[-1] is self.set.wide.fg else None
        back = sets[0].rgb
        cy, cx = compose.clamp_crop(back, -layers[0][0], -layers[0][1], h, w)
        pastes = [
            (s.rgb, s.mask, y, x, s.cover) for s, (y, x) in zip(sets[1:], layers[1:], strict=True) if s is not front
        ]
        pastes += [(f.sprite.rgb, f.sprite.mask, y, x, f.sprite.cover) for f, x, y in figures]
        if front is not None:
            pastes.append((front.rgb, front.mask, *layers[-1], front.cover))
        for r0 in range(0, h, _STRIP_ROWS):
            r1 = min(h, r0 + _STRIP_ROWS)
            strip = stage[r0:r1]
            strip[...] = back[cy + r0 : cy + r1, cx : cx + w]
            for rgb, mask, y, x, cover in pastes:
                compose.paste(strip, rgb, mask, y - r0, x, cover)
        return stage

    def _patch(self, fig: _Figure, emotion: Emotion, mouth: int) -> Patch:
        # Looked up here rather than in patch()'s cache: hashing a Character on every frame is slow.
        key = (id(fig), emotion, mouth)
        found = self._patches.get(key)
        if found is None:
            found = self._patches[key] = patch(fig.character, fig.size, self.grade, emotion, mouth, fig.gaze)
        return found

    def _freeze(self) -> Pixels:
        """The cliffhanger's held frame: the last moving frame with the colour pushed hard."""
        if self._frozen is None:
            moving = self.frame(self.freeze_at - 1)
            held = apply_lut(moving, push_lut())
            held.flags.writeable = False
            self._frozen = held
        return self._frozen


def render_scene(
    scene: TimedScene,
    series: Series,
    preset: Preset,
    continuity: Continuity | None = None,
    window: tuple[int, int] | None = None,
) -> Iterator[Pixels]:
    """Yield the scene's frames: exactly `scene.duration_frames` read-only (height, width, 3) uint8 arrays.

    Uses `scene.shots`, or plans them with plan_shots when there are none; same inputs → same pixels.
    A frame identical to the one before is yielded as the same array, so copy a frame before drawing on it.
    `continuity` draws a stretch of a longer scene (see `segments.split`) exactly as the whole scene would;
    `window` (a, b) yields only its frames a..b-1, counted from the scene's start, as the whole scene draws them.
    """
    renderer = SceneRenderer(scene, series, preset, continuity)
    a, b = window or (0, scene.duration_frames)
    for f in range(scene.start_frame + a, scene.start_frame + b):
        yield renderer.frame(f)


def render_still(scene: TimedScene, series: Series, preset: Preset, frame: int) -> Pixels:
    """One frame of the scene (`frame` counts from the episode's start), e.g. for a cover image."""
    if not scene.start_frame <= frame < scene.end_frame:
        raise ValueError(
            f"frame {frame} is outside scene {scene.scene_id!r}, which runs from frame {scene.start_frame} "
            f"to {scene.end_frame - 1}; pick a frame in that range"
        )
    return SceneRenderer(scene, series, preset).frame(frame)


def figure_grade(time_of_day: TimeOfDay, flashback: bool) -> Grade:
    """The light on the characters: a third of the room's tint at dusk and night, none by day.

    Characters stand in a key light, so they read clearly at any hour; the faint dawn and day
    tints are skipped so that fewer versions of each figure have to be painted.
    """
    if time_of_day in (TimeOfDay.DUSK, TimeOfDay.NIGHT):
        return time_grade(time_of_day, strength=0.35, flashback=flashback)
    return Grade(sepia=flashback)


def _mouth(line: TimedLine, frame: int, fps: int) -> int:
    """Mouth state 0 (closed) .. 2 (open) while `line` is spoken: a fixed syllable pattern at ~9 Hz."""
    if line.end_frame - frame <= 1:
        return 0
    step = (frame - line.start_frame) * _MOUTH_RATE // fps
    return _SYLLABLES[(step + line.index * 5) % len(_SYLLABLES)]


def held_frames(scene: TimedScene, fps: int) -> int:
    """How many of the scene's last frames are held still: a cliffhanger's freeze, if the scene is long enough."""
    hold = max(1, round(FREEZE_SECONDS * fps))
    return hold if scene.beat is BeatType.CLIFFHANGER and scene.duration_frames > 2 * hold else 0


def _flash(shot: Shot, scene: TimedScene, frame: int, *, opening: bool = True) -> float:
    """How white frame `frame` flashes: the scene's opening whip, or a face-slap impact."""
    k = frame - scene.start_frame
    amount = START_FLASH[k] if opening and k < len(START_FLASH) else 0.0
    if shot.kind is ShotKind.REACTION and scene.beat is BeatType.FACE_SLAP:
        j = frame - shot.start_frame
        if j < len(IMPACT_FLASH):
            amount = max(amount, IMPACT_FLASH[j])
    return amount
