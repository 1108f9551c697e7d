"""FFmpeg at the edge: frames piped into libx264 segments, segments joined without re-encoding,
the mixed audio muxed in, and ffprobe to check what came out. Frames become seconds only here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from dramaline.errors import ConfigError, MediaError
from dramaline.model import Preset


def ffmpeg_binary(name: str = "ffmpeg") -> str:
    """The path of ffmpeg (or ffprobe), or a ConfigError saying how to install it."""
    found = shutil.which(name)
    if found is None:
        raise ConfigError(
            f"{name} is not installed or not on PATH; install it with `apt-get install ffmpeg` "
            "(`make demo` does this for you)"
        )
    return found


def x264_args(preset: Preset, *, threads: int = 0) -> list[str]:
    """The master video encode (shared/platform-specs §1.2), closed GOP of half a second."""
    gop = max(1, preset.fps // 2)
    return [
        "-c:v", "libx264", "-preset", preset.x264_preset, "-crf", str(preset.crf),
        "-profile:v", "high", "-pix_fmt", "yuv420p", "-g", str(gop), "-keyint_min", str(gop),
        "-sc_threshold", "0", "-bf", "2", "-flags", "+cgop", "-threads", str(threads),
        "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709",
    ]  # fmt: skip


def encode_frames(frames: Iterable[np.ndarray], preset: Preset, out: Path, *, threads: int = 0) -> int:
    """Pipe RGB frames into libx264 and write a video-only MP4 segment at `out`; returns frames written."""
    cmd = [
        ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-y",
        "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{preset.width_px}x{preset.height_px}",
        "-r", str(preset.fps), "-i", "-", "-an", *x264_args(preset, threads=threads),
        "-f", "mp4", str(out),
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdin is not None
    count = 0
    try:
        for frame in frames:
            if frame.shape != (preset.height_px, preset.width_px, 3) or frame.dtype != np.uint8:
                raise MediaError(
                    f"frame {count} is {frame.shape} {frame.dtype}; the encoder needs "
                    f"({preset.height_px}, {preset.width_px}, 3) uint8"
                )
            proc.stdin.write(np.ascontiguousarray(frame).data)
            count += 1
        proc.stdin.close()
    except BrokenPipeError:
        pass
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    _finish(proc, cmd)
    return count


def mux(segments: Sequence[Path], audio_wav: Path, out: Path, *, metadata_args: Sequence[str] = ()) -> None:
    """Join video segments without re-encoding, add the audio as AAC 48 kHz, faststart, metadata."""
    listing = out.with_suffix(".concat.txt")
    listing.write_text("".join(f"file '{_escape(p)}'\n" for p in segments), encoding="utf-8")
    cmd = [
        ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-y",
        "-f", "concat", "-safe", "0", "-i", str(listing), "-i", str(audio_wav),
        "-map", "0:v:0", "-map", "1:a:0", "-c:v", "copy",
        "-c:a", "aac", "-b:a", "192k", "-ar", "48000", "-ac", "2",
        "-movflags", "+faststart+use_metadata_tags", "-use_editlist", "0", *metadata_args,
        "-shortest", "-f", "mp4", str(out),
    ]  # fmt: skip
    try:
        _finish(subprocess.Popen(cmd, stderr=subprocess.PIPE), cmd)
    finally:
        listing.unlink(missing_ok=True)


def preview(episode: Path, out: Path, *, seconds: float, preset: Preset) -> None:
    """The first `seconds` of an episode, re-encoded so it starts and ends cleanly."""
    cmd = [
        ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-y", "-i", str(episode),
        "-t", f"{seconds:.3f}", *x264_args(preset), "-c:a", "aac", "-b:a", "128k", "-ar", "48000",
        "-movflags", "+faststart", "-f", "mp4", str(out),
    ]  # fmt: skip
    _finish(subprocess.Popen(cmd, stderr=subprocess.PIPE), cmd)


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
    if proc.stdin is not None and proc.stdin.closed:
        # communicate() would flush the closed pipe; read what ffmpeg said and wait instead.
        err = proc.stderr.read() if proc.stderr is not None else b""
        proc.wait()
    else:
        _, err = proc.communicate()
    if proc.returncode != 0:
        message = err.decode(errors="replace").strip().splitlines()
        tail = " | ".join(message[-3:]) or f"exit status {proc.returncode}"
        raise MediaError(f"ffmpeg failed ({tail}); command: {' '.join(cmd[:6])} ...")


def _escape(path: Path) -> str:
    return str(path.resolve()).replace("'", "'\\''")
