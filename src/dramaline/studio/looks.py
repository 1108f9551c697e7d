"""Characters as the production line sees them: a rendered close-up of each look and a sample of each voice.

Both are made on first request from the bible (the embedded renderer draws the look; the build's
speech model speaks a line in the voice) and kept under STUDIO/.dramaline/looks/, named by a
digest of what they are made from, so an edited look or voice is made again and nothing else.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from dramaline.model import Character, Emotion, Preset, Series, Shot
from dramaline.studio.catalog import open_series
from dramaline.studio.context import Studio
from dramaline.studio.paths import NotFoundError

__all__ = ["portrait_png", "voice_wav"]

PORTRAIT = Preset(name="portrait", width_px=270, height_px=480, fps=10, crf=30, x264_preset="veryfast")


def _character(series: Series, sid: str, cid: str) -> Character:
    found = next((c for c in series.bible.characters if c.id == cid), None)
    if found is None:
        raise NotFoundError(f"series {sid!r} has no character {cid!r}")
    return found


def _cached(studio: Studio, sid: str, name: str) -> Path:
    return studio.folder.state_dir / "looks" / sid / name


def _write_bytes(path: Path, data: bytes) -> None:
    # Written aside and renamed: two requests for the same portrait never read half a file.
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def portrait_png(studio: Studio, sid: str, cid: str) -> bytes:
    """A close-up of the character in their look, at the first place they appear (PNG)."""
    from PIL import Image

    from dramaline.model import ShotKind, TimedLine, TimedScene, TimeOfDay
    from dramaline.render.scene import render_still

    _, series = open_series(studio, sid)
    character = _character(series, sid, cid)
    location = next(
        (s.location for e in series.episodes for s in e.scenes if cid in s.characters),
        series.bible.locations[0].id,
    )
    digest = hashlib.sha256(f"{character.model_dump_json()}|{location}".encode()).hexdigest()[:16]
    path = _cached(studio, sid, f"{cid}-{digest}.png")
    if path.is_file():
        return path.read_bytes()
    line = TimedLine(index=0, speaker=cid, text="...", emotion=Emotion.NEUTRAL, start_frame=5, end_frame=25)
    scene = TimedScene(
        scene_id="portrait",
        beat="confrontation",
        location=location,
        time_of_day=TimeOfDay.DAY,
        characters=(cid,),
        start_frame=0,
        end_frame=30,
        lines=(line,),
        shots=(Shot(kind=ShotKind.CLOSE_UP, start_frame=0, end_frame=30, subject=cid),),
    )
    pixels = render_still(scene, series, PORTRAIT, 15)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="PNG")
    data = out.getvalue()
    _write_bytes(path, data)
    return data


def voice_wav(studio: Studio, sid: str, cid: str) -> bytes:
    """The character introducing themselves in their voice, as the build's speech model says it (WAV)."""
    from dramaline.sound.audio import write_wav

    folder, series = open_series(studio, sid)
    character = _character(series, sid, cid)
    text = f"I am {character.name}. {character.want[0].upper()}{character.want[1:]}."
    production = studio.config.production(folder, next(iter(studio.config.presets.values())))
    key = f"{production.speech.fingerprint}|{character.voice.model_dump_json()}|{text}|{series.language}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    path = _cached(studio, sid, f"{cid}-{digest}.wav")
    if path.is_file():
        return path.read_bytes()
    audio = production.speech.speak(text, character.voice, Emotion.NEUTRAL, language=series.language)
    tmp = path.with_name(f".{path.name}.part.wav")
    tmp.parent.mkdir(parents=True, exist_ok=True)
    write_wav(audio, tmp)
    tmp.replace(path)
    return path.read_bytes()
