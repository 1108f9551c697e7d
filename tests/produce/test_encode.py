"""The in-process encoder: frames in order, errors from the drawing thread, colour matrix, stream settings."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np
import pytest

from dramaline.errors import MediaError
from dramaline.model import Preset
from dramaline.produce import dual_mono, encode
from dramaline.render import render_scene
from dramaline.render.demo import demo_series, timed_scene

SMALL = Preset(name="small", width_px=64, height_px=112, fps=30, crf=18, x264_preset="veryfast")


def _frames(count: int, colour: tuple[int, int, int] | None = None) -> Iterator[np.ndarray]:
    for i in range(count):
        value = colour if colour is not None else (i * 8 % 256,) * 3
        yield np.full((SMALL.height_px, SMALL.width_px, 3), value, np.uint8)


def _decoded(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="gray") for f in container.decode(video=0)]


def test_every_frame_arrives_in_order(tmp_path: Path) -> None:
    out = tmp_path / "a.mp4"
    assert encode.encode_frames(_frames(30), SMALL, out, threads=1) == 30
    luma = [float(f.mean()) for f in _decoded(out)]
    assert len(luma) == 30
    assert all(b > a for a, b in itertools.pairwise(luma))  # the ramp survives, in order


def test_stream_matches_the_master_settings(tmp_path: Path) -> None:
    out = tmp_path / "a.mp4"
    encode.encode_frames(_frames(20), SMALL, out, threads=2)
    stream = encode.probe(out)["streams"][0]
    assert (stream["codec_name"], stream["profile"], stream["pix_fmt"]) == ("h264", "High", "yuv420p")
    assert (stream["color_space"], stream["color_primaries"], stream["color_transfer"]) == ("bt709",) * 3
    assert stream["r_frame_rate"] == "30/1"
    assert int(stream["nb_frames"]) == 20


def test_colour_is_converted_with_the_bt709_matrix_it_is_tagged_with(tmp_path: Path) -> None:
    out = tmp_path / "red.mp4"
    encode.encode_frames(_frames(3, (255, 0, 0)), SMALL, out, threads=1)
    with av.open(str(out)) as container:
        y = next(iter(container.decode(video=0))).to_ndarray()[: SMALL.height_px]
    # Limited-range luma of pure red: 16 + 219 * 0.2126 = 62.6 under BT.709 (BT.601 would give 81).
    assert abs(float(np.median(y)) - 62.6) < 2


def test_a_drawing_error_reaches_the_caller_and_no_thread_is_left(tmp_path: Path) -> None:
    def broken() -> Iterator[np.ndarray]:
        yield from _frames(5)
        raise ValueError("scene 3 is set in 'moon', which is not in the bible")

    before = threading.active_count()
    with pytest.raises(ValueError, match="moon"):
        encode.encode_frames(broken(), SMALL, tmp_path / "a.mp4", threads=1)
    assert threading.active_count() == before


def test_a_wrong_frame_size_is_explained_and_the_drawing_thread_stops(tmp_path: Path) -> None:
    drawn = 0

    def wrong_after_two() -> Iterator[np.ndarray]:
        nonlocal drawn
        for i, frame in enumerate(_frames(1000)):
            drawn += 1
            yield frame if i < 2 else frame[:, :10]

    before = threading.active_count()
    with pytest.raises(MediaError, match=r"frame 2 is \(112, 10, 3\)"):
        encode.encode_frames(wrong_after_two(), SMALL, tmp_path / "a.mp4", threads=1)
    assert threading.active_count() == before
    assert drawn < 10  # drawing stopped instead of running on through all 1,000 frames


def test_a_frame_handed_in_again_encodes_like_a_copy_of_it(tmp_path: Path) -> None:
    # The renderer hands a held frame in again as the same array: the stream must be the same as
    # when every frame is a fresh array, frame for frame.
    held = [np.full((SMALL.height_px, SMALL.width_px, 3), v, np.uint8) for v in (40, 120, 200)]
    order = [0, 0, 0, 1, 1, 2, 2, 2, 2, 0]

    def again() -> Iterator[np.ndarray]:
        for i in order:
            yield held[i]

    def copies() -> Iterator[np.ndarray]:
        for i in order:
            yield held[i].copy()

    assert encode.encode_frames(again(), SMALL, tmp_path / "a.mp4", threads=1) == len(order)
    encode.encode_frames(copies(), SMALL, tmp_path / "b.mp4", threads=1)
    a, b = _decoded(tmp_path / "a.mp4"), _decoded(tmp_path / "b.mp4")
    assert len(a) == len(b) == len(order)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def test_the_same_frames_encode_to_the_same_bytes_whatever_the_process_did_before(tmp_path: Path) -> None:
    # With its AVX-512 routines libx264 let memory the process had used before change the stream,
    # so a shot drawn by a Ray worker differed from the local pool's. Drawn frames, not flat test
    # patterns: only these showed it.
    preset = Preset(name="tiny", width_px=180, height_px=320, fps=10, crf=30, x264_preset="veryfast")
    frames = [f.copy() for f in render_scene(timed_scene(end=30), demo_series(), preset)]

    def encoded(name: str) -> bytes:
        encode.encode_frames(iter(frames), preset, tmp_path / name, threads=1)
        return (tmp_path / name).read_bytes()

    first = encoded("first.mp4")
    rng = np.random.default_rng(1)
    for attempt in range(6):
        junk = [rng.integers(0, 256, int(n), np.uint8).tobytes() for n in rng.integers(1_000, 200_000, 300)]
        del junk
        assert encoded(f"again-{attempt}.mp4") == first, f"encode {attempt + 2} differs from the first"


_GUARDED_ENCODE = """
import ctypes, mmap, sys
from pathlib import Path
import numpy as np
from dramaline.model import Preset
from dramaline.produce.encode import encode_frames

preset = Preset(name="tiny", width_px=180, height_px=320, fps=10, crf=30, x264_preset="ultrafast")
size = preset.height_px * preset.width_px * 3
page = mmap.PAGESIZE
pages = -(-size // page)
region = mmap.mmap(-1, (pages + 1) * page)
libc = ctypes.CDLL(None, use_errno=True)
base = ctypes.addressof(ctypes.c_char.from_buffer(region))
# The page after the frames is made unreadable: a read past a frame's last byte faults.
if libc.mprotect(ctypes.c_void_p(base + pages * page), page, 0) != 0:
    sys.exit(3)
start = pages * page - size
frame = np.frombuffer(region, np.uint8, count=size, offset=start).reshape(320, 180, 3)
frame[...] = 90
written = encode_frames(iter([frame] * 3), preset, Path(sys.argv[1]))
print(written)
"""


def test_a_frame_that_ends_where_readable_memory_ends_is_encoded(tmp_path: Path) -> None:
    # libswscale reads a little past a picture's rows; handed an array that ends at an unreadable page,
    # it crashed the worker (SIGSEGV: run apart, so a crash fails this test rather than the suite).
    import subprocess
    import sys

    out = tmp_path / "guarded.mp4"
    done = subprocess.run(
        [sys.executable, "-c", _GUARDED_ENCODE, str(out)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, f"exit {done.returncode}: {done.stderr[-2000:]}"
    assert done.stdout.split() == ["3"] and out.stat().st_size > 0


def _tone(path: Path, seconds: float) -> Path:
    """A 440 Hz AAC tone from `dual_mono.encode`, as the build makes its sound."""
    from dramaline.sound.audio import Audio

    t = np.arange(round(seconds * 48000)) / 48000
    dual_mono.encode(Audio((0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)), path)
    return path


def test_mux_joins_segments_end_to_end_with_the_sound_and_the_tags(tmp_path: Path) -> None:
    parts = []
    for k, count in enumerate((7, 30, 11)):  # lengths that are no whole number of GOPs
        parts.append(tmp_path / f"s{k}.mp4")
        encode.encode_frames(_frames(count, (40 * (k + 1),) * 3), SMALL, parts[-1], threads=1)
    sound = _tone(tmp_path / "tone.m4a", 48 / 30 + 0.5)  # half a second longer than the pictures
    out = tmp_path / "joined.mp4"
    encode.mux(parts, sound, out, metadata={"AIGC": '{"Label":"1"}', "title": "第1集"})

    luma = [round(float(f.mean())) for f in _decoded(out)]
    assert len(luma) == 48
    assert [luma[0], luma[7], luma[37]] == [pytest.approx(v, abs=3) for v in (40, 80, 120)]
    assert (luma[6], luma[36], luma[47]) == (luma[0], luma[8], luma[38])  # each segment's frames, in place
    info = encode.probe(out)
    video, audio = (next(s for s in info["streams"] if s["codec_type"] == kind) for kind in ("video", "audio"))
    frame_pts = [int(p) for p in _video_pts(out)]
    assert sorted(frame_pts) == list(range(frame_pts[0], frame_pts[0] + 48 * 512, 512))  # no gap, no jitter
    # The sound past the last picture is dropped (to within one AAC packet of 1024 samples).
    assert abs(float(audio["duration"]) - float(video["duration"]) - float(video["start_time"])) <= 1024 / 48000 + 1e-3
    assert info["format"]["tags"]["AIGC"] == '{"Label":"1"}' and info["format"]["tags"]["title"] == "第1集"
    data = out.read_bytes()
    assert data.index(b"moov") < data.index(b"mdat") and b"elst" not in data  # faststart, no edit list


def _video_pts(path: Path) -> list[int]:
    with av.open(str(path)) as container:
        return [p.pts for p in container.demux(video=0) if p.pts is not None]


def test_mux_refuses_segments_of_another_encoding(tmp_path: Path) -> None:
    a, b = tmp_path / "a.mp4", tmp_path / "b.mp4"
    encode.encode_frames(_frames(5), SMALL, a, threads=1)
    wide = SMALL.model_copy(update={"width_px": 112, "height_px": 64})
    encode.encode_frames((np.zeros((64, 112, 3), np.uint8) for _ in range(5)), wide, b, threads=1)
    out = tmp_path / "joined.mp4"
    with pytest.raises(MediaError, match=r"b\.mp4 was encoded differently"):
        encode.mux([a, b], _tone(tmp_path / "tone.m4a", 1.0), out)
    assert not out.exists()
    with pytest.raises(MediaError, match="no video segments"):
        encode.mux([], tmp_path / "tone.m4a", out)
