"""The series' editing timeline as OpenTimelineIO, for opening the cut in a standard NLE.

One video track of scene clips and one audio track of line clips per episode, each clip pointing
at the built episode file with its source range; markers carry beats and speakers, so an editor
sees the story's structure on the timeline.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import opentimelineio as otio

from dramaline.model import NARRATOR, Series, Timeline


def series_timeline(series: Series, timelines: Sequence[Timeline], media: Sequence[Path]) -> otio.schema.Timeline:
    """An OTIO timeline with the episodes one after another, scene by scene."""
    if len(timelines) != len(media):
        raise ValueError("one media file per episode timeline is needed")
    result = otio.schema.Timeline(name=series.title)
    video = otio.schema.Track(name="Picture", kind=otio.schema.TrackKind.Video)
    audio = otio.schema.Track(name="Dialogue", kind=otio.schema.TrackKind.Audio)
    result.tracks.append(video)
    result.tracks.append(audio)
    for timeline, path in zip(timelines, media, strict=True):
        rate = float(timeline.fps)

        def span(start: int, end: int, fps: float = rate) -> otio.opentime.TimeRange:
            return otio.opentime.TimeRange(
                otio.opentime.RationalTime(start, fps), otio.opentime.RationalTime(end - start, fps)
            )

        reference = otio.schema.ExternalReference(
            target_url=path.resolve().as_uri(), available_range=span(0, timeline.duration_frames)
        )
        cursor = 0
        for scene in timeline.scenes:
            clip = otio.schema.Clip(
                name=f"Ep {timeline.episode} · {scene.scene_id} · {scene.beat.value}",
                media_reference=reference.clone(),
                source_range=span(scene.start_frame, scene.end_frame),
                metadata={
                    "dramaline": {"episode": timeline.episode, "scene": scene.scene_id, "beat": scene.beat.value}
                },
            )
            clip.markers.append(
                otio.schema.Marker(name=scene.beat.value, marked_range=span(scene.start_frame, scene.start_frame + 1))
            )
            video.append(clip)
            for line in scene.lines:
                if line.start_frame > cursor:
                    audio.append(otio.schema.Gap(source_range=span(0, line.start_frame - cursor)))
                who = "Narrator" if line.speaker == NARRATOR else series.speaker_name(line.speaker)
                audio.append(
                    otio.schema.Clip(
                        name=f"{who}: {line.text[:60]}",
                        media_reference=reference.clone(),
                        source_range=span(line.start_frame, line.end_frame),
                        metadata={"dramaline": {"speaker": line.speaker, "emotion": line.emotion.value}},
                    )
                )
                cursor = line.end_frame
        if timeline.duration_frames > cursor:
            audio.append(otio.schema.Gap(source_range=span(0, timeline.duration_frames - cursor)))
        cursor = 0
    return result


def write_series_timeline(series: Series, timelines: Sequence[Timeline], media: Sequence[Path], out: Path) -> None:
    """Write the series timeline as an .otio file (OTIO JSON)."""
    from dramaline.series_folder import write_text_atomic

    write_text_atomic(out, otio.adapters.write_to_string(series_timeline(series, timelines, media), "otio_json"))
