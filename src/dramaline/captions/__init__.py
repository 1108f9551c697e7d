"""Captions: phrase cues timed to each spoken line (cues), SRT/WebVTT export, burned-in painting (render)."""

from dramaline.captions.cues import cues_for_line, to_srt, to_vtt, wrap
from dramaline.captions.render import Box, CaptionPainter, Overlay, composite, safe_zone

__all__ = ["Box", "CaptionPainter", "Overlay", "composite", "cues_for_line", "safe_zone", "to_srt", "to_vtt", "wrap"]
