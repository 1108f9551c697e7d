"""Try the renderer on the demo series: `python -m dramaline.render sheet out.png` or `... time`.

`sheet` saves a contact sheet of sample frames (every place, the emotions, the beat effects);
`time` renders a minute of demo scenes and reports milliseconds per frame, optionally while
ffmpeg encodes them (`--encode`), as the pipeline does.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from dramaline.model import PRESETS, BeatType, Emotion, LocationKind, Preset, Shot, ShotKind, TimedScene, TimeOfDay
from dramaline.render import plan_shots, render_scene, render_still
from dramaline.render.demo import demo_episode, demo_series, location_id, timed_line, timed_scene


def sheet(path: Path, width: int, height: int) -> None:
    """Save a grid of labelled sample frames to `path`."""
    preset = Preset(name="sheet", width_px=width, height_px=height, fps=30, crf=20, x264_preset="veryfast")
    series = demo_series()
    tiles: list[np.ndarray] = []

    def add(frame: np.ndarray, label: str) -> None:
        image = Image.fromarray(frame)
        ImageDraw.Draw(image).rectangle((0, 0, width, 13), fill=(0, 0, 0))
        ImageDraw.Draw(image).text((3, 1), label, fill=(255, 255, 255))
        tiles.append(np.asarray(image))

    def scene(kind: LocationKind, hour: TimeOfDay, beat: BeatType = BeatType.CONFRONTATION) -> TimedScene:
        lines = (
            timed_line(0, "mia", 45, 120, Emotion.COLD),
            timed_line(1, "leo", 122, 200, Emotion.SMUG),
            timed_line(2, "mia", 202, 280, Emotion.DETERMINED),
        )
        return timed_scene(location=location_id(kind), time=hour, beat=beat, lines=lines, end=300, fps=30)

    hours = list(TimeOfDay)
    for i, kind in enumerate(LocationKind):
        s = scene(kind, hours[i % 4])
        add(render_still(s, series, preset, 20), f"{kind.value} {hours[i % 4].value}")
        add(render_still(s, series, preset, 80 if i % 2 else 160), f"{kind.value} close-up")
    for k, emotion in enumerate(Emotion):
        who = "ivy" if k % 2 else "mia"
        shot = Shot(kind=ShotKind.CLOSE_UP, start_frame=0, end_frame=70, subject=who)
        s = timed_scene(lines=(timed_line(0, who, 10, 60, emotion),), characters=("mia", "ivy"), end=70, shots=(shot,))
        add(render_still(s, series, preset, 59), emotion.value)
    two = Shot(kind=ShotKind.TWO_SHOT, start_frame=0, end_frame=80, subject="mia")
    lines = (timed_line(0, "mia", 10, 40, Emotion.ANGRY), timed_line(1, "leo", 42, 70, Emotion.AFRAID))
    s = timed_scene(location="restaurant", time=TimeOfDay.NIGHT, lines=lines, end=80, shots=(two,))
    add(render_still(s, series, preset, 30), "two-shot")
    s = scene(LocationKind.GARDEN, TimeOfDay.DAY, BeatType.FLASHBACK)
    add(render_still(s, series, preset, 100), "flashback")
    s = scene(LocationKind.MANSION_HALL, TimeOfDay.NIGHT, BeatType.FACE_SLAP)
    hit = next(x for x in plan_shots(s, series.bible, fps=30) if x.kind is ShotKind.REACTION)
    add(render_still(s, series, preset, hit.start_frame + 1), "face slap")
    add(render_still(s, series, preset, hit.start_frame + 8), "reaction")
    s = scene(LocationKind.ROOFTOP, TimeOfDay.NIGHT, BeatType.CLIFFHANGER)
    add(render_still(s, series, preset, 299), "cliffhanger freeze")
    columns = 8
    tiles += [np.zeros_like(tiles[0])] * (-len(tiles) % columns)
    rows = [np.concatenate(tiles[i : i + columns], axis=1) for i in range(0, len(tiles), columns)]
    Image.fromarray(np.concatenate(rows, axis=0)).save(path)
    print(f"saved {len(tiles)} frames to {path}")


def timing(preset: Preset, encode: bool) -> None:
    """Render the demo minute twice (cold caches, then warm) and print ms per frame."""
    series = demo_series()
    scenes = demo_episode(preset.fps)
    total = sum(s.duration_frames for s in scenes)
    for label in ("first run", "second run"):
        ffmpeg = _encoder(preset) if encode else None
        start, cpu = time.perf_counter(), time.process_time()
        for s in scenes:
            for frame in render_scene(s, series, preset):
                if ffmpeg is not None and ffmpeg.stdin is not None:
                    ffmpeg.stdin.write(frame.data)
        if ffmpeg is not None and ffmpeg.stdin is not None:
            ffmpeg.stdin.close()
            ffmpeg.wait()
        wall, used = time.perf_counter() - start, time.process_time() - cpu
        what = "render + encode" if encode else "render"
        print(
            f"{label}: {what} {total} frames {preset.width_px}x{preset.height_px} in {wall:.1f} s: "
            f"{1000 * wall / total:.2f} ms/frame wall, {1000 * used / total:.2f} ms/frame renderer CPU"
        )


def _encoder(preset: Preset) -> subprocess.Popen[bytes]:
    exe = shutil.which("ffmpeg")
    if exe is None:
        raise SystemExit("ffmpeg is not on PATH; install it or drop --encode")
    size = f"{preset.width_px}x{preset.height_px}"
    codec = f"-c:v libx264 -preset {preset.x264_preset} -crf {preset.crf} -pix_fmt yuv420p".split()
    raw = f"-f rawvideo -pix_fmt rgb24 -s {size} -r {preset.fps} -i -".split()
    args = [exe, "-v", "error", "-y", *raw, *codec, "-f", "mp4", os.devnull]
    return subprocess.Popen(args, stdin=subprocess.PIPE)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m dramaline.render", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_sheet = sub.add_parser("sheet", help="save a contact sheet of sample frames")
    p_sheet.add_argument("path", type=Path)
    p_sheet.add_argument("--width", type=int, default=270)
    p_sheet.add_argument("--height", type=int, default=480)
    p_time = sub.add_parser("time", help="time rendering a minute of demo scenes")
    p_time.add_argument("--preset", choices=sorted(PRESETS), default="final")
    p_time.add_argument("--encode", action="store_true", help="pipe the frames into ffmpeg as they are made")
    args = parser.parse_args()
    if args.command == "sheet":
        sheet(args.path, args.width, args.height)
    else:
        timing(PRESETS[args.preset], args.encode)


if __name__ == "__main__":
    main()
