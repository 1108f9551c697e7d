"""The embedded renderer: frame contract, determinism, shot grammar, places, faces and beat effects."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest

from dramaline.model import (
    NARRATOR,
    BeatType,
    CameraMove,
    Costume,
    Emotion,
    LocationKind,
    Preset,
    Shot,
    ShotKind,
    TimedScene,
    TimeOfDay,
)
from dramaline.render import VERSION, plan_shots, render_scene, render_still
from dramaline.render.backdrop import DRAWERS, backdrop
from dramaline.render.color import Grade
from dramaline.render.demo import demo_series
from dramaline.render.demo import timed_line as line
from dramaline.render.demo import timed_scene as make_scene
from dramaline.render.figure import FigureSize, patch, sprite
from dramaline.render.look import dressed, features
from dramaline.render.scene import FREEZE_SECONDS

TINY = Preset(name="tiny", width_px=90, height_px=160, fps=10, crf=30, x264_preset="ultrafast")
SMALL = Preset(name="small", width_px=180, height_px=320, fps=10, crf=30, x264_preset="ultrafast")
# One palette for every place, so that places differ by what is drawn, not by colour.
SERIES = demo_series(palette=("#6d597a", "#eaac8b", "#355070"))


def _frames(scene: TimedScene, preset=TINY) -> list[np.ndarray]:
    return list(render_scene(scene, SERIES, preset))


def _close_up(scene_lines, subject: str = "mia", characters=("mia", "leo"), end: int | None = None) -> TimedScene:
    """A scene filmed as one static close-up, so frames differ only where the subject acts."""
    last = end or max(x.end_frame for x in scene_lines) + 5
    shot = Shot(kind=ShotKind.CLOSE_UP, start_frame=0, end_frame=last, subject=subject)
    return make_scene(lines=scene_lines, characters=characters, end=last, shots=(shot,))


def _face(frame: np.ndarray) -> np.ndarray:
    """The region where a close-up's face sits (about 20-55% of the height, middle of the width)."""
    h, w = frame.shape[:2]
    return frame[int(0.2 * h) : int(0.55 * h), int(0.2 * w) : int(0.8 * w)].astype(np.int16)


def _saturation(frame: np.ndarray) -> float:
    f = frame.astype(np.float32)
    hi, lo = f.max(axis=2), f.min(axis=2)
    return float(np.mean((hi - lo) / np.maximum(hi, 1)))


# ------------------------------------------------------------------------------ frame contract


def test_version_is_an_int() -> None:
    assert isinstance(VERSION, int) and VERSION >= 1


@pytest.mark.parametrize("preset", [TINY, SMALL], ids=["90x160", "180x320"])
def test_frames_have_the_scene_length_and_preset_shape(preset) -> None:
    scene = make_scene(start=40, beat=BeatType.FACE_SLAP)
    frames = _frames(scene, preset)
    assert len(frames) == scene.end_frame - scene.start_frame
    for f in frames:
        assert f.shape == (preset.height_px, preset.width_px, 3)
        assert f.dtype == np.uint8 and f.flags.c_contiguous
        assert not f.flags.writeable  # frames may be shared between identical frames


def test_rendering_is_deterministic() -> None:
    scene = make_scene(beat=BeatType.REVEAL, location="street", time=TimeOfDay.NIGHT)
    first = [f.copy() for f in render_scene(scene, SERIES, SMALL)]
    for cache in (backdrop, sprite, patch):
        cache.cache_clear()
    second = _frames(scene, SMALL)
    assert all(np.array_equal(a, b) for a, b in zip(first, second, strict=True))


def test_frames_kept_by_the_caller_are_never_overwritten() -> None:
    scene = make_scene(beat=BeatType.FACE_SLAP, location="car-interior")
    kept = _frames(scene)  # every frame alive at once
    copied = [f.copy() for f in render_scene(scene, SERIES, TINY)]  # each dropped after copying
    assert all(np.array_equal(a, b) for a, b in zip(kept, copied, strict=True))


def test_a_scene_looks_the_same_wherever_it_sits_in_the_episode() -> None:
    early = _frames(make_scene(location="car-interior", beat=BeatType.FACE_SLAP))
    late = _frames(make_scene(location="car-interior", beat=BeatType.FACE_SLAP, start=777))
    assert all(np.array_equal(a, b) for a, b in zip(early, late, strict=True))


def test_render_still_matches_the_scene_frame() -> None:
    scene = make_scene(start=100, beat=BeatType.CLIFFHANGER)
    frames = _frames(scene)
    for f in (100, 140, scene.end_frame - 1):
        assert np.array_equal(render_still(scene, SERIES, TINY, f), frames[f - 100])
    with pytest.raises(ValueError, match="outside scene"):
        render_still(scene, SERIES, TINY, scene.end_frame)


def test_frames_drawn_in_sequence_match_frames_drawn_alone() -> None:
    """Frame-to-frame shortcuts (reused stages, faces re-stretched alone) change no pixel."""
    preset = TINY.model_copy(update={"fps": 30})
    scene = make_scene(beat=BeatType.REVEAL, fps=30)
    for f, frame in enumerate(render_scene(scene, SERIES, preset)):
        assert np.array_equal(frame, render_still(scene, SERIES, preset, f)), f


def test_shots_that_do_not_tile_the_scene_are_refused() -> None:
    gap = (Shot(kind=ShotKind.ESTABLISHING, start_frame=0, end_frame=10),)
    with pytest.raises(ValueError, match="shots end at frame 10"):
        _frames(make_scene(shots=gap))


def test_a_character_missing_from_the_bible_is_refused() -> None:
    scene = make_scene(characters=("mia", "nobody"), lines=(line(0, "mia", 5, 20),))
    with pytest.raises(ValueError, match="nobody"):
        _frames(scene)


# -------------------------------------------------------------------------------- shot grammar


def _shot_at(shots: tuple[Shot, ...], frame: int) -> Shot:
    return next(s for s in shots if s.start_frame <= frame < s.end_frame)


@pytest.mark.parametrize("beat", list(BeatType))
def test_plan_shots_tiles_the_scene_and_opens_wide(beat: BeatType) -> None:
    scene = make_scene(start=37, beat=beat)
    shots = plan_shots(scene, SERIES.bible, fps=10)
    assert shots[0].start_frame == scene.start_frame and shots[-1].end_frame == scene.end_frame
    assert all(a.end_frame == b.start_frame for a, b in itertools.pairwise(shots))
    assert all(s.end_frame > s.start_frame for s in shots)
    assert shots[0].kind is ShotKind.ESTABLISHING and shots[0].subject is None
    assert 5 <= shots[0].end_frame - shots[0].start_frame <= 20  # half a second to two seconds
    first = min(x.start_frame for x in scene.lines)
    if 5 <= first - scene.start_frame <= 20:
        assert shots[1].start_frame == first  # the wide cuts on the first line, not a few frames into it
    assert plan_shots(scene, SERIES.bible, fps=10) == shots


def test_the_wide_cuts_on_a_first_line_that_starts_within_a_second() -> None:
    """The caption must not come up a few frames before a cut, and an edit to the line must leave the wide alone."""
    for first in (8, 5):
        lines = (line(0, NARRATOR, first, 30), line(1, "mia", 32, 58, Emotion.COLD))
        shots = plan_shots(make_scene(lines=lines), SERIES.bible, fps=10)
        assert (shots[0].end_frame, shots[1].start_frame) == (first, first)
    early = (line(0, NARRATOR, 3, 30),)
    assert plan_shots(make_scene(lines=early), SERIES.bible, fps=10)[0].end_frame == 5  # half a second at least


def test_each_speaker_is_framed_while_speaking_and_the_narrator_is_not() -> None:
    scene = make_scene(beat=BeatType.CONFRONTATION)
    shots = plan_shots(scene, SERIES.bible, fps=10)
    for ln in scene.lines:
        shot = _shot_at(shots, (ln.start_frame + ln.end_frame) // 2)
        if ln.speaker == NARRATOR:
            assert shot.subject is None
        else:
            assert shot.kind in (ShotKind.CLOSE_UP, ShotKind.TWO_SHOT) and shot.subject == ln.speaker


def test_short_traded_lines_share_a_two_shot() -> None:
    lines = (line(0, "mia", 15, 30), line(1, "leo", 31, 45), line(2, "mia", 60, 100))
    shots = plan_shots(make_scene(lines=lines), SERIES.bible, fps=10)
    assert _shot_at(shots, 35).kind is ShotKind.TWO_SHOT
    assert _shot_at(shots, 80).kind is ShotKind.CLOSE_UP


@pytest.mark.parametrize(
    ("beat", "move"), [(BeatType.FACE_SLAP, CameraMove.SHAKE), (BeatType.REVEAL, CameraMove.PUSH_IN)]
)
def test_reversal_beats_cut_to_the_listener_after_the_key_line(beat: BeatType, move: CameraMove) -> None:
    scene = make_scene(beat=beat)
    shots = plan_shots(scene, SERIES.bible, fps=10)
    reactions = [s for s in shots if s.kind is ShotKind.REACTION]
    assert len(reactions) == 1
    key = max((x for x in scene.lines if x.emotion is Emotion.DETERMINED), key=lambda x: x.start_frame)
    assert reactions[0].start_frame == key.end_frame
    assert reactions[0].subject == "leo" and reactions[0].move is move
    if beat is BeatType.REVEAL:
        assert _shot_at(shots, key.start_frame + 1).move is CameraMove.PUSH_IN


def test_plan_shots_tiles_any_scene() -> None:
    rng = random.Random(5)
    for _ in range(300):
        fps = rng.choice([10, 24, 30])
        start, at, lines = rng.randrange(0, 500), 0, []
        at = start + rng.randrange(0, 3 * fps)
        for i in range(rng.randrange(0, 7)):
            length = rng.randrange(1, 4 * fps)
            speaker = rng.choice(["mia", "leo", "ivy", NARRATOR])
            lines.append(line(i, speaker, at, at + length, rng.choice(list(Emotion))))
            at += length + rng.randrange(0, fps)
        end = max(at, start + 1) + rng.randrange(0, 2 * fps)
        scene = make_scene(start=start, beat=rng.choice(list(BeatType)), lines=tuple(lines), end=end)
        shots = plan_shots(scene, SERIES.bible, fps=fps)
        assert shots[0].start_frame == start and shots[-1].end_frame == end, scene
        assert all(a.end_frame == b.start_frame for a, b in itertools.pairwise(shots)), shots
        assert shots[0].kind is ShotKind.ESTABLISHING


def test_a_scene_with_no_lines_is_one_wide_shot() -> None:
    scene = make_scene(lines=(), characters=(), end=30)
    assert [s.kind for s in plan_shots(scene, SERIES.bible, fps=10)] == [ShotKind.ESTABLISHING]


# ------------------------------------------------------------------------------------- places


def _room(kind: LocationKind, time: TimeOfDay = TimeOfDay.DAY) -> np.ndarray:
    scene = make_scene(location=kind.value.replace("_", "-"), time=time, lines=(), characters=(), end=30)
    return render_still(scene, SERIES, SMALL, 15).astype(np.int16)


def test_every_kind_of_place_has_a_drawer() -> None:
    assert set(DRAWERS) == set(LocationKind)


def test_every_place_looks_different() -> None:
    rooms = {kind: _room(kind) for kind in LocationKind}
    for a, b in itertools.combinations(LocationKind, 2):
        assert np.abs(rooms[a] - rooms[b]).mean() > 12, (a, b)


@pytest.mark.parametrize("kind", [LocationKind.OFFICE, LocationKind.STREET, LocationKind.BEDROOM, LocationKind.FOREST])
def test_night_is_darkest_and_day_brightest(kind: LocationKind) -> None:
    light = {t: float(_room(kind, t).mean()) for t in TimeOfDay}
    assert light[TimeOfDay.NIGHT] < light[TimeOfDay.DUSK] < light[TimeOfDay.DAY]
    assert light[TimeOfDay.NIGHT] < light[TimeOfDay.DAWN] < light[TimeOfDay.DAY]
    assert light[TimeOfDay.NIGHT] < 0.6 * light[TimeOfDay.DAY]


def test_the_room_moves_in_layers_under_a_pan() -> None:
    """Parallax: across a pan, the foreground travels further than the far wall."""
    scene = make_scene(
        lines=(),
        characters=(),
        end=40,
        shots=(Shot(kind=ShotKind.ESTABLISHING, start_frame=0, end_frame=40, move=CameraMove.PAN),),
    )
    a, b = render_still(scene, SERIES, SMALL, 5), render_still(scene, SERIES, SMALL, 39)
    window, desk = slice(10, 60), slice(195, 235)  # the far wall, and the furniture in front of it

    def travel(rows: slice) -> int:
        errors = [
            np.abs(a[rows, 40:140].astype(int) - b[rows, 40 + d : 140 + d].astype(int)).mean() for d in range(-30, 31)
        ]
        return abs(int(np.argmin(errors)) - 30)

    assert travel(desk) > travel(window) >= 1


# ------------------------------------------------------------------------------------- people


def test_every_emotion_draws_a_different_face() -> None:
    lines = tuple(line(i, "mia", 5 + 12 * i, 15 + 12 * i, e) for i, e in enumerate(Emotion))
    scene = _close_up(lines)
    faces = {x.emotion: _face(render_still(scene, SERIES, SMALL, x.end_frame - 1)) for x in lines}
    for a, b in itertools.combinations(Emotion, 2):
        assert np.abs(faces[a] - faces[b]).sum() > 0, (a, b)


def test_the_speaker_mouth_moves_and_the_listener_stays_still() -> None:
    lines = (line(0, "mia", 10, 60, Emotion.NEUTRAL),)
    shot = Shot(kind=ShotKind.TWO_SHOT, start_frame=0, end_frame=70, subject="mia")
    scene = make_scene(lines=lines, end=70, shots=(shot,))
    frames = _frames(scene, SMALL)
    silent = frames[65].astype(np.int16)
    left, right = (slice(100, 170), slice(20, 90)), (slice(100, 170), slice(95, 165))  # mia, leo
    speaking = frames[12:58]
    assert sum(np.abs(f[left].astype(np.int16) - silent[left]).sum() > 0 for f in speaking) > len(speaking) // 2
    assert all(np.array_equal(f[right], frames[65][right]) for f in speaking)


def test_a_figure_is_the_same_in_every_shot_of_its_size() -> None:
    mia = SERIES.bible.character("mia")
    size = FigureSize(40, 3.0, False)
    assert sprite(mia, size, Grade()) is sprite(mia, size, Grade())
    spr, p = sprite(mia, size, Grade()), patch(mia, size, Grade(), Emotion.NEUTRAL, 0, 0)
    x0, y0, x1, y1 = spr.face
    # A neutral patch repaints the sprite's own face pixel for pixel: patches fit without seams.
    assert np.array_equal(spr.rgb[y0:y1, x0:x1], p.rgb)
    assert np.array_equal(spr.mask[y0:y1, x0:x1], p.mask)


def test_look_words_become_features() -> None:
    mia, leo, ivy = (features(SERIES.bible.character(c)) for c in ("mia", "leo", "ivy"))
    assert (mia.hair_style, mia.outfit, "mole_eye" in mia.marks) == ("ponytail", "dress", True)
    assert (leo.hair_style, leo.outfit, "scar_jaw" in leo.marks) == ("slicked", "suit", True)
    assert (ivy.hair_style, ivy.outfit, "glasses_round" in ivy.marks) == ("curly", "robe", True)
    assert leo.width > mia.width > ivy.width - 0.01


def test_an_outfit_changes_only_where_the_script_says_so() -> None:
    lines = (line(0, "mia", 0, 10),)
    plain = _close_up(lines)
    changed = plain.model_copy(update={"wardrobe": (Costume(character="mia", outfit="hospital gown"),)})
    assert features(SERIES.bible.character("mia")).outfit == "dress"
    assert features(dressed(SERIES.bible.character("mia"), "hospital gown")).outfit == "robe"
    before, after = _frames(plain, SMALL)[0], _frames(changed, SMALL)[0]
    h = before.shape[0]
    body = slice(int(0.62 * h), h)  # below the close-up's face: the clothes
    assert np.abs(before[body].astype(int) - after[body].astype(int)).mean() > 5
    face = slice(int(0.25 * h), int(0.45 * h))
    assert np.array_equal(before[face], after[face])
    # Leo is not dressed by the costume, so his scenes stay as they were.
    leo = _close_up((line(0, "leo", 0, 10),), subject="leo")
    leo_dressed = leo.model_copy(update={"wardrobe": (Costume(character="mia", outfit="hospital gown"),)})
    assert np.array_equal(_frames(leo, SMALL)[0], _frames(leo_dressed, SMALL)[0])


# ------------------------------------------------------------------------------- beat effects


def test_a_flashback_is_near_grey() -> None:
    normal = _frames(make_scene(location="garden"))
    memory = _frames(make_scene(location="garden", beat=BeatType.FLASHBACK))
    assert _saturation(normal[60]) > 0.2
    assert all(_saturation(f) < 0.2 for f in memory)


def test_a_face_slap_flashes_white_on_impact() -> None:
    scene = make_scene(beat=BeatType.FACE_SLAP)
    shots = plan_shots(scene, SERIES.bible, fps=10)
    impact = next(s for s in shots if s.kind is ShotKind.REACTION).start_frame
    frames = _frames(scene)
    assert frames[impact].mean() > 225
    assert frames[impact + 5].mean() < 200


def test_every_scene_opens_with_a_flash() -> None:
    frames = _frames(make_scene(location="prison"))
    assert frames[0].mean() > frames[1].mean() > frames[5].mean()


def test_a_cliffhanger_ends_on_a_held_frame() -> None:
    scene = make_scene(beat=BeatType.CLIFFHANGER)
    frames = _frames(scene)
    hold = round(FREEZE_SECONDS * TINY.fps)
    held = frames[-hold:]
    assert all(np.array_equal(f, held[0]) for f in held)
    assert not np.array_equal(frames[-hold - 1], held[0])  # the held frame is colour-pushed
