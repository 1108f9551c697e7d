"""FFmpeg at the edge: frames piped into libx264 segments, segments joined without re-encoding,
the mixed audio muxed in, and ffprobe to check what came out. Frames become seconds only here.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import queue
import re
import shutil
import subprocess
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from dramaline.errors import ConfigError, MediaError
from dramaline.model import Preset

if TYPE_CHECKING:
    import av
    from av.container import OutputContainer
    from av.video.stream import VideoStream


def ffmpeg_binary(name: str = "ffmpeg") -> str:
    """The path of ffmpeg (or ffprobe), or a ConfigError saying how to install it."""
    found = shutil.which(name)
    if found is None:
        raise ConfigError(
            f"{name} is not installed or not on PATH; install it with `apt-get install ffmpeg` "
            "(`make demo` does this for you)"
        )
    return found


@contextlib.contextmanager
def writing(out: Path, what: str) -> Iterator[None]:
    """Around writing the media file `out`: if it fails, no partial file is left, and FFmpeg's errors become
    a MediaError that says what was being made (`what`, e.g. "join the episode into")."""
    import av

    try:
        yield
    except av.error.FFmpegError as exc:
        out.unlink(missing_ok=True)
        raise MediaError(f"could not {what} {out}: {exc}") from exc
    except BaseException:
        out.unlink(missing_ok=True)  # a half-written file is no episode
        raise


def gop_frames(preset: Preset) -> int:
    """Frames per GOP: closed, half a second, every one starting on a keyframe."""
    return max(1, preset.fps // 2)


def x264_options(preset: Preset) -> dict[str, str]:
    """The master video encode (shared/platform-specs §1.2), closed GOP of half a second, as libx264's options.

    One table for both encoders: the segments set these on PyAV's libx264, the preview passes them
    to ffmpeg's command line (`x264_args`), so the two cannot drift apart.
    """
    gop = str(gop_frames(preset))
    options = {
        "preset": preset.x264_preset, "crf": str(preset.crf), "profile": "high",
        "g": gop, "keyint_min": gop, "sc_threshold": "0", "bf": "2", "flags": "+cgop",
    }  # fmt: skip
    if (cpu := x264_instruction_set()) is not None:
        options["x264-params"] = f"asm={cpu}"
    return options


@functools.cache
def x264_instruction_set() -> str | None:
    """The instruction set libx264 is held to, or None for its own choice.

    On a CPU with AVX-512, libx264's AVX-512 routines encode the same frames to different bytes
    depending on what the process allocated before (a render worker that drew other shots first
    wrote a different segment), so the encoder is held to AVX2 there, which every such CPU has and
    whose output depends on the frames alone. Elsewhere libx264 picks for itself.
    """
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return "AVX2" if re.search(r"\bavx512f\b", cpuinfo) else None


def x264_args(preset: Preset, *, threads: int = 0) -> list[str]:
    """`x264_options` as ffmpeg command-line arguments for the video stream, with its pixel format and colour tags."""
    options = [arg for name, value in x264_options(preset).items() for arg in (f"-{name}:v", value)]
    return [
        "-c:v", "libx264", *options, "-pix_fmt", "yuv420p", "-threads", str(threads),
        "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709",
    ]  # fmt: skip


SWSCALE_PADDING = 256
"""Bytes after a picture that libswscale may read (FFmpeg pads its own frame buffers by at least 64)."""


def encode_frames(frames: Iterable[np.ndarray], preset: Preset, out: Path, *, threads: int = 0) -> int:
    """Encode RGB frames with libx264 in this process into a video-only MP4 segment at `out`; returns frames written.

    In-process (PyAV) rather than piped into an ffmpeg child: 6 MB per 1080x1920 frame is never
    copied through a pipe and demuxed again, which cost more than rendering the frame. The settings
    are `x264_options`. The frames are drawn a little ahead in a helper thread: the encoder releases
    the GIL, so drawing the next frame overlaps encoding this one.
    """
    import av  # here, not at import time: only the workers that encode need it

    size = (preset.height_px, preset.width_px, 3)
    # libswscale reads a little past the end of a picture's rows, as FFmpeg's own padded buffers
    # allow; reading past an array that ends where the process's memory does crashed a worker. So
    # each new picture is copied into one padded buffer first (0.4 ms at 1080x1920, a tenth of the
    # conversion), which then serves every frame.
    staging = np.empty(size[0] * size[1] * 3 + SWSCALE_PADDING, np.uint8)
    staged = staging[: size[0] * size[1] * 3].reshape(size)
    count = 0
    # The renderer hands a frame that repeats the one before (a held look, a still wide shot) in
    # again as the same read-only array: its converted picture is sent again rather than converted
    # again. libx264 copies each picture it is given, so sending one twice is safe.
    last: tuple[np.ndarray, av.VideoFrame] | None = None
    with av.open(str(out), mode="w", format="mp4") as container:
        stream = x264_stream(container, preset, threads=threads)
        for frame in _ahead(frames):
            if last is not None and frame is last[0]:
                picture = last[1]
            else:
                if frame.shape != size or frame.dtype != np.uint8:
                    raise MediaError(f"frame {count} is {frame.shape} {frame.dtype}; the encoder needs {size} uint8")
                np.copyto(staged, frame)
                # Wraps the staging buffer without a copy; the BT.709 matrix matches the stream's colour tags.
                picture = av.VideoFrame.from_numpy_buffer(staged, format="rgb24")
                picture = picture.reformat(format="yuv420p", dst_colorspace="ITU709")
                last = (frame, picture)
            picture.pts = count
            container.mux(stream.encode(picture))
            count += 1
        container.mux(stream.encode(None))
    return count


def _ahead(frames: Iterable[np.ndarray], depth: int = 2) -> Iterator[np.ndarray]:
    """Yield `frames`, drawn by a helper thread up to `depth` frames ahead; its errors are raised here."""
    slots: queue.Queue[tuple[np.ndarray | None, BaseException | None]] = queue.Queue(depth)
    stop = threading.Event()

    def draw() -> None:
        try:
            for frame in frames:
                if stop.is_set():
                    return
                slots.put((frame, None))
            slots.put((None, None))
        except BaseException as error:  # handed to the consumer, which raises it
            slots.put((None, error))

    worker = threading.Thread(target=draw, name="draw-ahead", daemon=True)
    worker.start()
    try:
        while True:
            frame, error = slots.get()
            if error is not None:
                raise error
            if frame is None:
                return
            yield frame
    finally:
        stop.set()
        while worker.is_alive():  # unblock a helper waiting on a full queue, then let it finish
            with contextlib.suppress(queue.Empty):
                slots.get(timeout=0.05)


_BT709 = 1  # AVCOL_PRI_BT709 = AVCOL_TRC_BT709 = AVCOL_SPC_BT709


def x264_stream(container: OutputContainer, preset: Preset, *, threads: int = 0) -> VideoStream:
    """A libx264 stream in `container` with `x264_options`, yuv420p and the BT.709 colour tags."""
    stream = container.add_stream("libx264", rate=preset.fps)
    stream.width, stream.height, stream.pix_fmt = preset.width_px, preset.height_px, "yuv420p"
    context = stream.codec_context
    context.thread_count = threads
    context.color_primaries, context.color_trc, context.colorspace = (_BT709,) * 3
    options: dict[str, object] = {**x264_options(preset)}
    stream.options = options
    return stream


MUX_OPTIONS = {"movflags": "+faststart+use_metadata_tags", "use_editlist": "0"}
"""The delivery MP4's layout (shared/platform-specs §1.2): `moov` before `mdat`, no `elst` box, and
metadata under `mdta` keys, where the AIGC label belongs."""
_INDEX_ONLY: dict[str, Any] = {
    "options": {"analyzeduration": "0", "probesize": "32"},
    "stream_options": [{"skip_frame": "all"}],
}
"""`av.open` arguments for a segment whose packets are only copied: its index is read, no frame is
decoded to probe it (9 ms a 1080x1920 segment; 0.4 ms so)."""


def mux(segments: Sequence[Path], audio: Path, out: Path, *, metadata: Mapping[str, str] | None = None) -> None:
    """Join video segments and the AAC sound (from `dual_mono.encode`) into an MP4 at `out`, re-encoding neither.

    In-process (PyAV), packet by packet: each segment's packets move on by the length of the
    segments before it, the sound's are interleaved with them in time, and sound that would play
    past the last picture is dropped. The segments must share their encoding (one set of SPS and
    PPS serves the whole file). FFmpeg's concat demuxer, which did this before in a child process,
    decoded a frame of every segment to probe it and placed segments by durations rounded to the
    millisecond.
    """
    import av

    if not segments:
        raise MediaError(f"nothing to join into {out}: no video segments")
    with writing(out, "join the episode into"), contextlib.ExitStack() as stack:
        sound = stack.enter_context(av.open(str(audio)))
        container = stack.enter_context(av.open(str(out), mode="w", format="mp4", options=dict(MUX_OPTIONS)))
        with av.open(str(segments[0])) as first:
            template = first.streams.video[0]
            video = container.add_stream_from_template(template)
            video.time_base = template.time_base
            encoding = (template.time_base, template.codec_context.extradata)
        sound_in = sound.streams.audio[0]
        sound_out = container.add_stream_from_template(sound_in)
        sound_out.time_base = sound_in.time_base
        container.metadata.update(metadata or {})
        pictures = _joined_packets(segments, encoding)
        sounds = (p for p in sound.demux(sound_in) if p.dts is not None)
        assert video.time_base is not None and sound_in.time_base is not None
        # Packet times compared as whole numbers: ticks of each time base, over a common denominator.
        v_scale = video.time_base.numerator * sound_in.time_base.denominator
        a_scale = sound_in.time_base.numerator * video.time_base.denominator
        picture, heard = next(pictures, None), next(sounds, None)
        end = 0  # where the pictures end, in video ticks; final once they are all written
        while picture is not None or heard is not None:
            if heard is None or (picture is not None and _ticks(picture.dts) * v_scale <= _ticks(heard.dts) * a_scale):
                assert picture is not None
                end = max(end, _ticks(picture.pts) + (picture.duration or 0))
                picture.stream = video
                container.mux(picture)
                picture = next(pictures, None)
                continue
            if picture is None and _ticks(heard.dts) * a_scale >= end * v_scale:
                break  # the pictures are over; so is the episode
            heard.stream = sound_out
            container.mux(heard)
            heard = next(sounds, None)


def _joined_packets(segments: Sequence[Path], encoding: tuple[Any, bytes | None]) -> Iterator[av.Packet[Any]]:
    """The video packets of `segments` one after another, each segment's timestamps moved past the ones before.

    `encoding` is the first segment's time base and codec setup, which every segment must share.
    """
    import av

    offset = 0  # in ticks of the shared time base
    for k, path in enumerate(segments):
        with av.open(str(path), **(_INDEX_ONLY if k else {})) as segment:
            stream = segment.streams.video[0]
            if (stream.time_base, stream.codec_context.extradata) != encoding:
                raise MediaError(
                    f"{path} was encoded differently from {segments[0]} (time base or SPS/PPS); "
                    "segments joined without re-encoding must share one encoding"
                )
            last = offset
            for packet in segment.demux(stream):
                if packet.dts is None:  # the demuxer's empty packet at the end
                    continue
                packet.pts = _ticks(packet.pts) + offset
                packet.dts = _ticks(packet.dts) + offset
                last = max(last, packet.pts + (packet.duration or 0))
                yield packet
            offset = last


def _ticks(value: int | None) -> int:
    if value is None:
        raise MediaError("a packet without a timestamp cannot be placed in the joined episode")
    return value


def preview_video(episode: Path, out: Path, *, seconds: float, preset: Preset) -> None:
    """The pictures of an episode's first `seconds`, re-encoded (no sound) so they start and end cleanly."""
    cmd = [
        ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-y", "-i", str(episode),
        "-t", f"{seconds:.3f}", "-an", *x264_args(preset), "-movflags", "+faststart", "-f", "mp4", str(out),
    ]  # fmt: skip
    _finish(subprocess.Popen(cmd, stderr=subprocess.PIPE), cmd)


def preview(video: Path, audio: Path, out: Path, *, seconds: float) -> None:
    """A preview: `video` (from `preview_video`) as it is, with the first `seconds` of the episode's sound.

    In-process: the sound (from `dual_mono.encode`) is decoded and coded again, so that it ends with the
    pictures (copied, it would end on a packet), and the pictures' packets are copied beside it.
    """
    import av

    from dramaline.produce import dual_mono
    from dramaline.sound.audio import RATE, Audio

    with writing(out, "make the preview"):
        wanted, parts, have = round(seconds * RATE), [], 0
        with av.open(str(audio)) as sound:
            for frame in sound.decode(audio=0):
                parts.append(frame.to_ndarray()[0])  # the left channel: both carry the mix
                have += parts[-1].shape[0]
                if have >= wanted:
                    break
        if not parts:
            raise MediaError(f"{audio} holds no sound for the preview")
        channel = np.concatenate(parts)[:wanted]
        options = {"movflags": "+faststart"}
        with av.open(str(video)) as pictures, av.open(str(out), mode="w", format="mp4", options=options) as container:
            source = pictures.streams.video[0]
            stream = container.add_stream_from_template(source)
            stream.time_base = source.time_base
            sound_out = dual_mono.add_stream(container)
            shown = [p for p in pictures.demux(source) if p.dts is not None]
            heard = list(dual_mono.packets(Audio(channel, RATE), gain=1.0))
            for picture in shown:
                picture.stream = stream
            for piece in heard:
                piece.stream = sound_out
            # Interleaved in time, as a player reads them.
            for packet in sorted([*shown, *heard], key=lambda p: float(_ticks(p.dts) * (p.time_base or 0))):
                container.mux(packet)


def probe(path: Path) -> dict[str, Any]:
    """ffprobe's JSON description of a media file: format, streams and tags."""
    cmd = [
        ffmpeg_binary("ffprobe"), "-v", "error", "-print_format", "json",
        "-show_format", "-show_streams", str(path),
    ]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, check=False)
    if done.returncode != 0:
        raise MediaError(f"ffprobe could not read {path}: {done.stderr.decode(errors='replace').strip()}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def write_atomic_via(out: Path, make: Any) -> None:
    """Call make(tmp) to write a temporary file beside `out`, then rename it over `out`."""
    tmp = out.with_name(f".{out.stem}.partial{out.suffix}")
    try:
        make(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)


def _finish(proc: subprocess.Popen[bytes], cmd: list[str]) -> None:
    _, err = proc.communicate()
    if proc.returncode != 0:
        message = err.decode(errors="replace").strip().splitlines()
        tail = " | ".join(message[-3:]) or f"exit status {proc.returncode}"
        raise MediaError(f"ffmpeg failed ({tail}); command: {' '.join(cmd[:6])} ...")
