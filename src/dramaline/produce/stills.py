"""Generated stills for a build: one picture per distinct shot, asked of the ImageModel, kept in the cache.

Each shot becomes an ImageRequest written from the bible: an establishing shot shows the place
at its time of day (seeded by the place), a close-up, reaction or two-shot shows its character
by their Look, in the scene's costume if the script changes it (seeded by the character, so every
picture of them starts from the same noise).
Equal shots ask for equal pictures, so an episode needs far fewer pictures than it has shots, and
the cache key of each picture is its request plus the backend's fingerprint: a rebuild asks for
nothing, and an edit asks only for the pictures whose words it changed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from dramaline.captions.render import CaptionPainter, composite
from dramaline.labels.visible import label_overlay
from dramaline.model import (
    NARRATOR,
    PRESETS,
    BeatType,
    Character,
    Emotion,
    Gender,
    Series,
    Shot,
    ShotKind,
    TimedScene,
    TimeOfDay,
)
from dramaline.produce.cache import Cache, digest, key
from dramaline.produce.covers import cover_frame
from dramaline.produce.segments import SegmentJob, Still
from dramaline.providers.images import MAX_SEED, ImageModel, ImageRequest
from dramaline.render.look import dressed
from dramaline.render.stills import render_still_frame

VERSION = 1
"""Bumped whenever the same shots would be asked for in other words; part of every still's cache key."""
DEFAULT_SIZE = (768, 1344)
"""Width and height asked for: SDXL's native 9:16-like portrait bucket."""
DEFAULT_STYLE = "cinematic film still, dramatic lighting, shallow depth of field, photorealistic"
NEGATIVE = (
    "text, caption, subtitles, watermark, logo, signature, blurry, lowres, deformed, extra fingers, "
    "extra limbs, cropped head"
)

_EXPRESSION = {
    Emotion.NEUTRAL: "calm expression",
    Emotion.ANGRY: "furious expression",
    Emotion.SHOCKED: "shocked wide-eyed expression",
    Emotion.CRYING: "in tears",
    Emotion.SMUG: "smug smirk",
    Emotion.LOVING: "tender loving gaze",
    Emotion.AFRAID: "frightened expression",
    Emotion.DETERMINED: "determined steely gaze",
    Emotion.COLD: "cold icy stare",
    Emotion.PLEADING: "pleading desperate expression",
    Emotion.JOYFUL: "joyful smile",
}
_WHEN = {
    TimeOfDay.DAWN: "at dawn",
    TimeOfDay.DAY: "in daylight",
    TimeOfDay.DUSK: "at dusk",
    TimeOfDay.NIGHT: "at night",
}
_PERSON = {Gender.FEMALE: "woman", Gender.MALE: "man", Gender.NONBINARY: "person"}
_CHILD = {Gender.FEMALE: "girl", Gender.MALE: "boy", Gender.NONBINARY: "child"}


@dataclass(frozen=True)
class Direction:
    """How a build asks for pictures: the backend, the size and the house style added to every prompt."""

    model: ImageModel
    width: int = DEFAULT_SIZE[0]
    height: int = DEFAULT_SIZE[1]
    style: str = DEFAULT_STYLE


def seed_for(kind: str, name: str) -> int:
    """A fixed seed for a character or place: its pictures all start from the same noise."""
    return int.from_bytes(hashlib.sha256(f"{kind}:{name}".encode()).digest()[:4], "big") % (MAX_SEED + 1)


def shot_request(series: Series, scene: TimedScene, shot: Shot, direction: Direction) -> ImageRequest:
    """The picture one shot of `scene` shows, described from the bible."""
    place = series.bible.location(scene.location)
    kind = place.kind.value.replace("_", " ")
    where = f"{place.name} ({kind}), {place.description.rstrip('. ')}, {_WHEN[scene.time_of_day]}"
    costumes = {c.character: c.outfit for c in scene.wardrobe}
    cast = [dressed(series.bible.character(c), costumes.get(c)) for c in scene.characters]
    subject = next((c for c in cast if c.id == shot.subject), None)
    if shot.kind is ShotKind.ESTABLISHING or subject is None:
        people = "; ".join(_brief(c) for c in cast[:3])
        prompt = f"wide establishing shot of {where}" + (f", with {people}" if people else "")
        seed, who = seed_for("location", place.id), None
    else:
        mood = _EXPRESSION[_emotion(scene, shot, subject.id)]
        if shot.kind is ShotKind.TWO_SHOT and len(cast) > 1:
            partner = _partner(scene, shot, subject.id, cast)
            prompt = f"medium two-shot of a {_brief(subject)} and a {_brief(partner)} facing each other, {mood}"
        else:
            framing = "close-up reaction shot" if shot.kind is ShotKind.REACTION else "close-up portrait"
            prompt = f"{framing} of a {_describe(subject)}, {mood}"
        prompt += f", in {where}"
        seed, who = seed_for("character", subject.id), subject.id
    if scene.beat is BeatType.FLASHBACK:
        prompt += ", faded sepia flashback"
    prompt += f", {series.tone} mood, {direction.style}"
    return ImageRequest(
        prompt=prompt[:4000],
        negative_prompt=NEGATIVE,
        width=direction.width,
        height=direction.height,
        seed=seed,
        subject=who,
    )


def scene_requests(series: Series, scene: TimedScene, direction: Direction) -> tuple[ImageRequest, ...]:
    """One request per shot of `scene`, in shot order (equal shots give equal requests)."""
    return tuple(shot_request(series, scene, shot, direction) for shot in scene.shots)


def fetch(
    requests: Sequence[ImageRequest],
    model: ImageModel,
    cache: Cache,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[dict[str, Still], int, int]:
    """Every distinct request's picture, from the cache or the backend; also how many were built and reused."""
    wanted = {digest(r): r for r in requests}
    found: dict[str, Still] = {}
    todo: list[tuple[str, str, ImageRequest]] = []
    for d, request in wanted.items():
        k = key("still", VERSION, [d], {"images": model.fingerprint})
        hit = cache.get(k)
        if hit is None:
            todo.append((d, k, request))
        else:
            found[d] = _still(hit.read_bytes())
    reused = len(found)

    def make(item: tuple[str, str, ImageRequest]) -> tuple[str, Still]:
        d, k, request = item
        png = model.generate(request)
        scratch = cache.scratch(".png")
        scratch.write_bytes(png)
        cache.put(k, "still", scratch)
        return d, _still(png)

    if progress:
        progress(reused, len(wanted))
    # Several at once: a remote server renders one while the next is sent (ComfyUI queues them).
    with ThreadPoolExecutor(max_workers=4) as pool:
        for d, still in pool.map(make, todo):
            found[d] = still
            if progress:
                progress(len(found), len(wanted))
    return found, len(todo), reused


def job_stills(
    requests: Sequence[ImageRequest], fetched: dict[str, Still]
) -> tuple[tuple[Still, ...], tuple[int, ...]]:
    """A scene's distinct pictures in first-use order, and the index of each shot's picture among them."""
    order: list[str] = []
    indices = []
    for r in requests:
        d = digest(r)
        if d not in order:
            order.append(d)
        indices.append(order.index(d))
    return tuple(fetched[d] for d in order), tuple(indices)


def write_cover(job: SegmentJob, title: str, out: Path) -> None:
    """The cover of a scene made from stills: as `covers.write_cover`, with the still's frame as the picture."""
    final = PRESETS["final"].model_copy(update={"fps": job.preset.fps})
    frame = render_still_frame(job.scene, [s.png for s in job.stills], job.shot_stills, final, cover_frame(job)).copy()
    composite(frame, CaptionPainter(final, job.series.language).paint(title))
    composite(frame, label_overlay(final, job.series.language))
    Image.fromarray(frame).save(out, format="JPEG", quality=90, optimize=True)


def _still(png: bytes) -> Still:
    return Still(digest=digest(png), png=png)


def _emotion(scene: TimedScene, shot: Shot, who: str) -> Emotion:
    """How `who` looks in the shot: as they play their line in it, else shocked when taking a blow."""
    overlap = {
        x.index: min(x.end_frame, shot.end_frame) - max(x.start_frame, shot.start_frame)
        for x in scene.lines
        if x.speaker == who
    }
    spoken = [x for x in scene.lines if overlap.get(x.index, 0) > 0]
    if spoken:
        return max(spoken, key=lambda x: overlap[x.index]).emotion
    return Emotion.SHOCKED if shot.kind is ShotKind.REACTION else Emotion.NEUTRAL


def _partner(scene: TimedScene, shot: Shot, who: str, cast: list[Character]) -> Character:
    """Who shares a two-shot: the other speaker during it, else the next character in the scene."""
    during = [x.speaker for x in scene.lines if shot.start_frame <= x.start_frame < shot.end_frame]
    ids = [c.id for c in cast]
    for c in [*during, *ids]:
        if c != who and c != NARRATOR and c in ids:
            return cast[ids.index(c)]
    return cast[0]


def _describe(c: Character) -> str:
    """A character as an image prompt sees them: the same words in every shot they are in."""
    look = c.look
    hair = look.hair if "hair" in look.hair.lower() else f"{look.hair} hair"
    return f"{_brief(c)}, {look.build}, {hair}, {look.distinguishing_mark.rstrip('. ')}"


def _brief(c: Character) -> str:
    person = (_CHILD if c.age < 18 else _PERSON)[c.gender]
    return f"{c.age}-year-old {person} ({c.occupation}) wearing {c.look.outfit.rstrip('. ')}"
