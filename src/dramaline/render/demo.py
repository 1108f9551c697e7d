"""A small hand-built series and timed scenes for trying the renderer without a writer or a voice.

Used by `python -m dramaline.render` (contact sheet, timing) and by the renderer's tests.
"""

from __future__ import annotations

from dramaline.model import (
    NARRATOR,
    Archetype,
    BeatType,
    Bible,
    Character,
    Emotion,
    Gender,
    Location,
    LocationKind,
    Look,
    Role,
    Series,
    Shot,
    TimedLine,
    TimedScene,
    TimeOfDay,
    Voice,
)

KIND_PALETTES: dict[LocationKind, tuple[str, ...]] = {
    LocationKind.OFFICE: ("#2f3e46", "#6b4f3a", "#84a98c"),
    LocationKind.MANSION_HALL: ("#3d2c1e", "#c9a227", "#f3e9d2"),
    LocationKind.WEDDING_VENUE: ("#fdf0d5", "#c1121f", "#e9c46a"),
    LocationKind.HOSPITAL_ROOM: ("#e0fbfc", "#98c1d9", "#3d5a80"),
    LocationKind.STREET: ("#0d1b2a", "#415a77", "#e0a458"),
    LocationKind.ROOFTOP: ("#1d3557", "#457b9d", "#f1faee"),
    LocationKind.RESTAURANT: ("#5f0f40", "#fb8b24", "#e36414"),
    LocationKind.BEDROOM: ("#6d597a", "#eaac8b", "#355070"),
    LocationKind.CAR_INTERIOR: ("#212529", "#6c757d", "#ffc300"),
    LocationKind.COURTYARD: ("#606c38", "#dda15e", "#fefae0"),
    LocationKind.PALACE_HALL: ("#9b2226", "#ee9b00", "#001219"),
    LocationKind.FOREST: ("#081c15", "#2d6a4f", "#95d5b2"),
    LocationKind.BALLROOM: ("#370617", "#ffba08", "#faa307"),
    LocationKind.COURTROOM: ("#432818", "#bb9457", "#ffe6a7"),
    LocationKind.PRISON: ("#343a40", "#adb5bd", "#495057"),
    LocationKind.GARDEN: ("#31572c", "#ecf39e", "#f4acb7"),
}
"""A fitting palette for each kind of place, like the embedded writer's."""

_CAST = (
    ("mia", Gender.FEMALE, "long dark hair in a simple ponytail", "slender", "a fitted white dress",
     "a beauty mark under one eye", ("#c0504d", "#f4d6c6", "#3b2f2f"), "#e0ac69"),
    ("leo", Gender.MALE, "short black hair swept back", "tall and broad-shouldered", "a charcoal three-piece suit",
     "a thin scar along his jaw", ("#1b1b2f", "#9d0208", "#e0e1dd"), "#c68642"),
    ("ivy", Gender.FEMALE, "honey-blonde curls", "petite", "pink silk robes", "round glasses",
     ("#b5838d", "#ffcdb2", "#6d6875"), "#ffdbac"),
)  # fmt: skip


def location_id(kind: LocationKind) -> str:
    """The demo series' location id for `kind` (the kind with dashes)."""
    return kind.value.replace("_", "-")


def demo_series(palette: tuple[str, ...] | None = None) -> Series:
    """Three characters (mia, leo, ivy) and one location of every kind, in `palette` or each kind's own."""
    characters = tuple(
        Character(
            id=cid,
            name=f"{cid.title()} Vale",
            role=Role.LEAD if cid == "mia" else Role.ANTAGONIST,
            age=30,
            gender=gender,
            occupation="heiress",
            personality=("proud",),
            want="to win",
            secret="a secret",
            look=Look(palette=colours, hair=hair, build=build, outfit=outfit, distinguishing_mark=mark, skin_tone=skin),
            voice=Voice(gender=gender, age_years=30, pitch=50, rate_wpm=150, timbre="warm"),
        )
        for cid, gender, hair, build, outfit, mark, colours, skin in _CAST
    )
    locations = tuple(
        Location(id=location_id(k), name=k.value, kind=k, description="A place.", palette=palette or KIND_PALETTES[k])
        for k in LocationKind
    )
    return Series(
        title="Demo",
        logline="A demo.",
        premise="A demo of the renderer.",
        archetype=Archetype.HIDDEN_HEIR,
        tone="tense",
        bible=Bible(characters=characters, locations=locations),
    )


def timed_line(index: int, speaker: str, start: int, end: int, emotion: Emotion = Emotion.NEUTRAL) -> TimedLine:
    """A line of placeholder words spoken from frame `start` to `end`."""
    return TimedLine(
        index=index, speaker=speaker, text="Words are said here.", emotion=emotion, start_frame=start, end_frame=end
    )


def timed_scene(
    *,
    beat: BeatType = BeatType.CONFRONTATION,
    location: str = "office",
    time: TimeOfDay = TimeOfDay.DAY,
    start: int = 0,
    lines: tuple[TimedLine, ...] | None = None,
    characters: tuple[str, ...] = ("mia", "leo"),
    end: int | None = None,
    shots: tuple[Shot, ...] = (),
    fps: int = 10,
) -> TimedScene:
    """A scene of a narrator line and three alternating lines (about 2.5 s each) unless `lines` is given."""
    if lines is None:
        s = fps / 10
        lines = (
            timed_line(0, NARRATOR, start + round(12 * s), start + round(30 * s)),
            timed_line(1, "mia", start + round(32 * s), start + round(58 * s), Emotion.COLD),
            timed_line(2, "leo", start + round(60 * s), start + round(86 * s), Emotion.SMUG),
            timed_line(3, "mia", start + round(88 * s), start + round(114 * s), Emotion.DETERMINED),
        )
    last = max(x.end_frame for x in lines) if lines else start + 2 * fps
    return TimedScene(
        scene_id="s1",
        beat=beat,
        location=location,
        time_of_day=time,
        characters=characters,
        start_frame=start,
        end_frame=end if end is not None else last + fps,
        lines=lines,
        shots=shots,
    )


def demo_episode(fps: int) -> tuple[TimedScene, ...]:
    """About 60 s of typical scenes: a face-slap, a reveal, a flashback, a quarrel and a cliffhanger."""
    plan = (
        (BeatType.FACE_SLAP, "office", TimeOfDay.DAY),
        (BeatType.REVEAL, "street", TimeOfDay.NIGHT),
        (BeatType.FLASHBACK, "garden", TimeOfDay.DAY),
        (BeatType.CONFRONTATION, "restaurant", TimeOfDay.DUSK),
        (BeatType.CLIFFHANGER, "ballroom", TimeOfDay.NIGHT),
    )
    scenes, at = [], 0
    for i, (beat, where, time) in enumerate(plan):
        sec = [at + round(x * fps) for x in (1.2, 3.4, 3.5, 6.3, 6.4, 7.9, 8.0, 9.3, 9.4, 11.0, 12.0)]
        lines = (
            timed_line(0, NARRATOR, sec[0], sec[1]),
            timed_line(1, "mia", sec[2], sec[3], Emotion.COLD),
            timed_line(2, "leo", sec[4], sec[5], Emotion.SMUG),
            timed_line(3, "mia", sec[6], sec[7], Emotion.ANGRY),
            timed_line(4, "leo", sec[8], sec[9], Emotion.DETERMINED),
        )
        scene = timed_scene(beat=beat, location=where, time=time, start=at, lines=lines, end=sec[10], fps=fps)
        scenes.append(scene.model_copy(update={"scene_id": f"s{i + 1}"}))
        at = scene.end_frame
    return tuple(scenes)
