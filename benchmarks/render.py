"""Benchmark: render a ~60 s 1080×1920 episode, against the bare encode (floor) and moviepy (peer).

Ours: every shot rendered, captioned and labelled by the embedded renderer and handed to libx264,
one segment per shot (a long one in pieces) run by the local executor, exactly as `dramaline make` does (voices
excluded: the lines are timed at 150 wpm so the benchmark measures pictures, not espeak).
Floor: the same libx264 (PyAV's) with the same settings encoding the same frames, decoded from our
output (the decode time, measured apart, is subtracted).
Peer: moviepy 2 making the equivalent composite — one still per scene with a slow zoom, the
captions, and the audio — the way most open-source generators assemble shorts.
Targets: ours ≤ 1.5× the floor, ≥ 10× faster than moviepy.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
from av.video.frame import PictureType

from dramaline import render
from dramaline.model import PRESETS, Series, Timeline, WriteRequest, count_words
from dramaline.produce import encode, segments, timing
from dramaline.produce.build import _segment_job
from dramaline.produce.executors import LocalExecutor
from dramaline.writers.embedded.writer import EmbeddedWriter

PRESET = PRESETS["final"]


def _episode(target_s: float) -> tuple[Series, Timeline]:
    series = EmbeddedWriter().write(
        WriteRequest(premise="A janitor is secretly the heir of the richest family", episodes=3, seed=5)
    )
    # The shortest episode, trimmed scene by scene to about target_s at 150 wpm.
    episode = min(series.episodes, key=lambda e: e.word_count)
    lengths = [[max(1, count_words(line.text) * 60 * PRESET.fps // 150) for line in s.lines] for s in episode.scenes]
    timeline = timing.lay_out(series, episode, lengths, PRESET)
    while timeline.duration_frames > target_s * PRESET.fps and len(timeline.scenes) > 1:
        episode = episode.model_copy(update={"scenes": episode.scenes[:-1]})
        lengths = lengths[:-1]
        timeline = timing.lay_out(series, episode, lengths, PRESET)
    return series, timeline


def ours(series: Series, timeline: Timeline, out_dir: Path) -> tuple[float, list[Path]]:
    """Render + encode every shot (or piece) on the local executor, longest first, as `make` does; seconds, paths."""
    scenes = [_segment_job(series, timeline, i, PRESET) for i in range(len(timeline.scenes))]
    jobs = [piece for job in scenes for shot in segments.split(job) for piece in segments.pieces(shot)]
    order = sorted(range(len(jobs)), key=lambda j: -jobs[j].frame_count)
    start = time.perf_counter()
    paths: list[Path] = [out_dir / f"seg{i:03d}.mp4" for i in range(len(jobs))]
    for n, data in LocalExecutor().run(segments.render_segment, [jobs[j] for j in order]):
        paths[order[n]].write_bytes(data)
    return time.perf_counter() - start, paths


def floor(segment_paths: list[Path], out_dir: Path) -> float:
    """The same libx264 build and settings encoding the same frames, decoded from our segments; decoding not counted.

    The decoded frames are already YUV 4:2:0, so the floor does not even pay for the colour conversion ours does.
    """

    def decoded() -> Iterator[av.VideoFrame]:
        for path in segment_paths:
            with av.open(str(path)) as container:
                yield from container.decode(video=0)

    start = time.perf_counter()
    for _ in decoded():
        pass
    decode_s = time.perf_counter() - start
    start = time.perf_counter()
    with av.open(str(out_dir / "floor.mp4"), mode="w", format="mp4") as container:
        stream = encode.x264_stream(container, PRESET)
        stream.codec_context.thread_type = "FRAME"  # as ffmpeg's command line encodes: its fastest on 2 cores
        for count, frame in enumerate(decoded()):
            # As ffmpeg's command line does: fresh timestamps, and the encoder picks the frame types.
            frame.pts, frame.time_base, frame.pict_type = count, Fraction(1, PRESET.fps), PictureType.NONE
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return time.perf_counter() - start - decode_s


def moviepy_peer(series: Series, timeline: Timeline, out_dir: Path) -> float | None:
    """The same composite in moviepy 2: a zooming still per scene, captions, audio; None if not installed."""
    try:
        from moviepy import CompositeVideoClip, ImageClip, TextClip, concatenate_videoclips
    except ImportError:
        return None
    from dramaline.captions.fonts import font_for  # the same font our captions use

    font_path = str(font_for(series.language, "", 54).path)

    fps = PRESET.fps
    start = time.perf_counter()
    clips = []
    for i, scene in enumerate(timeline.scenes):
        job = _segment_job(series, timeline, i, PRESET)
        still = render.render_still(job.scene, job.series, PRESET, 0)
        seconds = scene.duration_frames / fps
        base = ImageClip(still).with_duration(seconds).resized(lambda t, d=seconds: 1 + 0.08 * t / d)
        layers = [base.with_position("center")]
        for line in job.scene.lines:
            for cue in line.cues:
                text = TextClip(
                    font=font_path, text=cue.text, font_size=54, color="white",
                    stroke_color="black", stroke_width=4, method="caption", size=(int(PRESET.width_px * 0.88), None),
                )  # fmt: skip
                layers.append(
                    text.with_start(cue.start_frame / fps)
                    .with_duration((cue.end_frame - cue.start_frame) / fps)
                    .with_position(("center", int(PRESET.height_px * 0.55)))
                )
        clips.append(CompositeVideoClip(layers, size=(PRESET.width_px, PRESET.height_px)).with_duration(seconds))
    video = concatenate_videoclips(clips)
    video.write_videofile(
        str(out_dir / "moviepy.mp4"), fps=fps, codec="libx264", preset=PRESET.x264_preset,
        ffmpeg_params=["-crf", str(PRESET.crf)], audio=False, logger=None,
    )  # fmt: skip
    return time.perf_counter() - start


def run(target_s: float = 60.0, *, peer: bool = True) -> dict[str, float]:
    series, timeline = _episode(target_s)
    with tempfile.TemporaryDirectory(prefix="dramaline-bench-") as tmp:
        out = Path(tmp)
        ours_s, paths = ours(series, timeline, out)
        floor_s = floor(paths, out)
        # The peer takes many times longer: show the first ratio now, in case the run is cut short.
        print(
            f"render: ours {ours_s:.1f} s, {ours_s / floor_s:.2f}x the bare encode",
            file=sys.stderr,
            flush=True,
        )
        peer_s = moviepy_peer(series, timeline, out) if peer else None
    result = {
        "video_s": timeline.duration_frames / PRESET.fps,
        "ours_s": ours_s,
        "floor_s": floor_s,
        "vs_floor": ours_s / floor_s,
    }
    if peer_s is not None:
        result["moviepy_s"] = peer_s
        result["vs_moviepy"] = peer_s / ours_s
    return result


def report(result: dict[str, float]) -> str:
    line = (
        f"render {result['video_s']:.0f} s of 1080x1920: ours {result['ours_s']:.1f} s = "
        f"{result['vs_floor']:.2f}x the bare libx264 encode ({result['floor_s']:.1f} s; target <= 1.5x)"
    )
    if "moviepy_s" in result:
        line += (
            f"; moviepy 2 took {result['moviepy_s']:.1f} s, ours is {result['vs_moviepy']:.1f}x faster (target >= 10x)"
        )
    else:
        line += "; moviepy peer not measured (not installed, or --no-peer)"
    return line


if __name__ == "__main__":
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 60.0
    print(report(run(seconds, peer="--no-peer" not in sys.argv)))
