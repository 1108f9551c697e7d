"""A scene drawn shot by shot is the scene drawn whole, and an edit re-keys only the shots it touches."""

from __future__ import annotations

import io
from collections.abc import Iterator

import numpy as np
import pytest
from PIL import Image

from dramaline.audience.timelines import estimate_timeline
from dramaline.model import BeatType, Preset, Series, Timeline, WriteRequest
from dramaline.produce import segments
from dramaline.produce.build import _cover_key, _segment_job, segment_key
from dramaline.produce.cache import digest
from dramaline.produce.covers import cover_frame
from dramaline.render import render_still
from dramaline.writers.embedded.writer import EmbeddedWriter

# 30 fps, as the presets: the camera steps every other frame and the opening flash spans 3 frames.
SMALL = Preset(name="small", width_px=72, height_px=128, fps=30, crf=30, x264_preset="ultrafast")


@pytest.fixture(scope="module")
def written() -> tuple[Series, Timeline]:
    series = EmbeddedWriter().write(WriteRequest(premise="A janitor is secretly an heir", episodes=2, seed=3))
    series = series.model_copy(update={"registration_number": "REG-2026-0001"})  # credits on the opening
    return series, estimate_timeline(series, series.episodes[0], preset=SMALL)


def _frames(job: segments.SegmentJob) -> Iterator[np.ndarray]:
    for frame in segments.frames(job):
        yield frame.copy()


def _same(whole: segments.SegmentJob, parts: list[segments.SegmentJob]) -> None:
    expected = list(_frames(whole))
    got = [frame for part in parts for frame in _frames(part)]
    assert len(got) == len(expected)
    for k, (a, b) in enumerate(zip(got, expected, strict=True)):
        assert np.array_equal(a, b), f"scene {whole.scene.scene_id}: frame {k} differs"


def test_every_scene_drawn_shot_by_shot_is_the_scene_drawn_whole(written: tuple[Series, Timeline]) -> None:
    series, timeline = written
    beats = {s.beat for s in timeline.scenes}
    assert BeatType.CLIFFHANGER in beats and len(timeline.scenes) >= 4  # the freeze and several beats are covered
    most = round(segments.PIECE_SECONDS * SMALL.fps)
    cut = 0
    for i in range(len(timeline.scenes)):
        job = _segment_job(series, timeline, i, SMALL)
        shots = segments.split(job)
        assert len(shots) > 1 or len(job.scene.shots) == 1
        parts = [piece for shot in shots for piece in segments.pieces(shot)]
        assert all(p.frame_count <= most for p in parts)
        cut += sum(p.window is not None for p in parts)
        _same(job, parts)
    assert cut >= 2  # long shots were drawn in pieces, and the pieces join into the same frames


def test_a_cliffhanger_keeps_its_held_frame_with_the_shot_it_freezes(written: tuple[Series, Timeline]) -> None:
    series, timeline = written
    i = next(k for k, s in enumerate(timeline.scenes) if s.beat is BeatType.CLIFFHANGER)
    parts = [p for shot in segments.split(_segment_job(series, timeline, i, SMALL)) for p in segments.pieces(shot)]
    hold = parts[-1].continuity.held_frames
    group = [p for p in parts if p.continuity.held_frames]  # the last shot's pieces, if it was cut
    assert hold and group == parts[len(parts) - len(group) :] and {p.continuity.held_frames for p in group} == {hold}
    held = [f for p in group for f in _frames(p)][-hold - 1 :]
    assert all(np.array_equal(held[1], f) for f in held[1:]) and not np.array_equal(held[0], held[1])


def test_shots_from_stills_split_the_same_way(written: tuple[Series, Timeline]) -> None:
    series, timeline = written
    colours = [(200, 40, 40), (40, 200, 40), (40, 40, 200)]
    pngs = []
    for c in colours:
        out = io.BytesIO()
        picture = Image.new("RGB", (96, 160), c)
        picture.paste((250, 250, 250), (10, 10, 40, 60))  # something for the camera to move over
        picture.save(out, format="PNG")
        pngs.append(out.getvalue())
    stills = tuple(segments.Still(digest=digest(p), png=p) for p in pngs)
    scene = timeline.scenes[1]
    job = _segment_job(series, timeline, 1, SMALL, (stills, tuple(k % 3 for k in range(len(scene.shots)))))
    parts = segments.split(job)
    assert all(len(p.stills) == 1 for p in parts[: len(scene.shots) - 1])  # each shot carries only its picture
    _same(job, parts)


def test_editing_a_line_re_keys_only_the_shots_it_plays_in(written: tuple[Series, Timeline]) -> None:
    series, _ = written
    episode = series.episodes[0]
    n = next(k for k, s in enumerate(episode.scenes) if len(s.lines) >= 4)
    scene = episode.scenes[n]
    line = scene.lines[1]
    longer = line.model_copy(update={"text": line.text.rstrip(".!?") + ", and I mean every single word of it."})
    edited_scene = scene.model_copy(update={"lines": (scene.lines[0], longer, *scene.lines[2:])})
    edited = episode.model_copy(
        update={"scenes": tuple(edited_scene if k == n else s for k, s in enumerate(episode.scenes))}
    )

    def keys(ep: object) -> list[list[list[str]]]:
        """Per scene, per shot, the keys of the shot's pieces."""
        timeline = estimate_timeline(series, ep, preset=SMALL)  # type: ignore[arg-type]
        out = []
        for i in range(len(timeline.scenes)):
            shots = segments.split(_segment_job(series, timeline, i, SMALL))
            out.append([[segment_key(p) for p in segments.pieces(shot)] for shot in shots])
        return out

    before, after = keys(episode), keys(edited)
    assert [b for k, b in enumerate(before) if k != n] == [a for k, a in enumerate(after) if k != n]
    changed = [shot for shot in after[n] if shot not in before[n]]
    # Shots before the line and after the one it plays in keep their segments; at most the shot
    # it plays in (and one a cut moved into it) is drawn again.
    assert 1 <= len(changed) <= 2 < len(after[n])
    assert after[n][0] == before[n][0] and after[n][-1] == before[n][-1]


def test_a_repeated_picture_under_the_same_caption_is_handed_on_once(written: tuple[Series, Timeline]) -> None:
    # The encoder converts an array it was just given only once, so a held picture must come out of
    # captioning as the same array, and that array must be what captioning it afresh gives.
    series, timeline = written
    job = _segment_job(series, timeline, 0, SMALL)
    raw = list(segments.pictures(job))
    out = list(segments.frames(job))
    cue_at = {f: c.text for line in job.scene.lines for c in line.cues for f in range(c.start_frame, c.end_frame)}
    looks = [(cue_at.get(job.scene.start_frame + k), k < job.label_frames) for k in range(len(raw))]
    shared = 0
    for k in range(1, len(out)):
        repeated = raw[k] is raw[k - 1] and looks[k] == looks[k - 1]
        assert (out[k] is out[k - 1]) == repeated, f"frame {k}"
        shared += repeated
    assert shared > len(out) // 4  # most of a talking scene repeats a picture: the case is exercised
    assert all(not f.flags.writeable for f in out)
    assert any(text is not None for text, _ in looks) and job.label_frames > 0
    for k, fresh in enumerate(_frames(job)):
        assert np.array_equal(out[k], fresh), f"frame {k}"


def test_a_cover_is_kept_when_an_edit_leaves_its_shot_alone(written: tuple[Series, Timeline]) -> None:
    series, _ = written
    episode = series.episodes[0]
    n = next(k for k, s in enumerate(episode.scenes) if len(s.lines) >= 4)
    scene = episode.scenes[n]

    def cover(line_index: int | None, title: str = "Episode 1") -> tuple[str, np.ndarray]:
        """The cover's key and picture after lengthening one line of the scene (or none)."""
        ep = episode
        if line_index is not None:
            line = scene.lines[line_index]
            longer = line.model_copy(update={"text": line.text.rstrip(".!?") + ", and I mean every single word."})
            lines = tuple(longer if k == line_index else x for k, x in enumerate(scene.lines))
            edited = scene.model_copy(update={"lines": lines})
            ep = episode.model_copy(
                update={"scenes": tuple(edited if k == n else s for k, s in enumerate(episode.scenes))}
            )
        job = _segment_job(series, estimate_timeline(series, ep, preset=SMALL), n, SMALL)
        return _cover_key(job, title), render_still(job.scene, job.series, SMALL, cover_frame(job))

    key, picture = cover(None)
    kept = 0
    for k in range(len(scene.lines)):
        edited_key, edited_picture = cover(k)
        if edited_key == key:  # a kept cover must be the cover the edited scene would get
            assert np.array_equal(edited_picture, picture), f"line {k}: the cover was kept but its picture changed"
            kept += 1
    assert 2 <= kept < len(scene.lines)  # the edits after the cover's moment keep it; the one it reacts to does not
    assert cover(None, title="Episode 1, recut")[0] != key
