"""Episode covers: a 1080×1920 JPEG from the episode's strongest beat, titled and labelled."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from dramaline import render
from dramaline.captions.render import CaptionPainter, composite
from dramaline.labels.visible import label_overlay
from dramaline.model import PRESETS
from dramaline.produce.segments import SegmentJob

VERSION = 2  # 2: keyed by the shot it shows and the title (build._cover_key)


def cover_frame(job: SegmentJob) -> int:
    """The moment of the scene a cover shows: just after its key line lands, mid-reaction."""
    scene = job.scene
    key_line = scene.lines[1] if len(scene.lines) > 1 else scene.lines[0]
    return min(scene.end_frame - 1, key_line.end_frame + job.preset.fps // 3)


def write_cover(job: SegmentJob, title: str, out: Path) -> None:
    """Render the cover still at 1080×1920 whatever the build preset, with the title and AI label."""
    final = PRESETS["final"].model_copy(update={"fps": job.preset.fps})
    frame = render.render_still(job.scene, job.series, final, cover_frame(job)).copy()
    composite(frame, CaptionPainter(final, job.series.language).paint(title))
    composite(frame, label_overlay(final, job.series.language))
    Image.fromarray(frame).save(out, format="JPEG", quality=90, optimize=True)
