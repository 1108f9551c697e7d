"""A tiny real MP4 for the metadata and C2PA tests, made once per session with ffmpeg's test source."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def tiny_mp4(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 1-second, 64×112, 10 fps H.264 MP4 with no metadata."""
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed (apt-get install ffmpeg)")
    path = tmp_path_factory.mktemp("media") / "tiny.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=64x112:rate=10",
            "-t",
            "1",
            "-pix_fmt",
            "yuv420p",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            str(path),
        ],
        check=True,
    )
    return path


def remux(source: Path, target: Path, *options: str) -> Path:
    """Copy the streams of `source` into `target` with extra ffmpeg output options."""
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(source), "-c", "copy", *options, str(target)], check=True)
    return target


def remux_tagged(source: Path, target: Path, tags: dict[str, str]) -> Path:
    """`remux` writing `tags` as MP4 metadata, each under an `mdta` key, as the build's join writes them."""
    metadata = [arg for name, value in tags.items() for arg in ("-metadata", f"{name}={value}")]
    return remux(source, target, "-movflags", "+use_metadata_tags", *metadata)
