"""Tiny hand-built series and timed scenes for the renderer's tests and benchmarks."""

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
    Preset,
    Role,
    Series,
    Shot,
    TimedLine,
    TimedScene,
    TimeOfDay,
    Voice,
)

TINY = Preset(name="tiny", width_px=90, height_px=160, fps=10, crf=30, x264_preset="ultrafast")
SMALL = Preset(name="small", width_px=180, height_px=320, fps=10, crf=30, x264_preset="ultrafast")

# One shared palette, so the location tests compare layouts rather than colours.
PALETTE = ("#6d597a", "#eaac8b", "#355070")


def _character(
    cid: str, gender: Gender, hair: str, build: str, outfit: str, mark: str, palette: tuple[str, ...], skin: str
) -> Character:
    return Character(
        id=cid,
        name=f"{cid.title()} Vale",
        role=Role.LEAD if cid == "mia" else Role.ANTAGONIST,
        age=30,
        gender=gender,
        occupation="heiress",
        personality=("proud",),
        want="to win",
        secret="a secret",
        look=Look(palette=palette, hair=hair, build=build, outfit=outfit, distinguishing_mark=mark, skin_tone=skin),
        voice=Voice(gender=gender, age_years=30, pitch=50, rate_wpm=150, timbre="warm"),
    )


def make_series() -> Series:
    """Three characters and one location of every kind (ids are the kinds with dashes)."""
    characters = (
        _character("mia", Gender.FEMALE, "long dark hair in a simple ponytail", "slender", "a fitted white dress",
                   "a beauty mark under one eye", ("#c0504d", "#f4d6c6", "#3b2f2f"), "#e0ac69"),
        _character("leo", Gender.MALE, "short black hair swept back", "tall and broad-shouldered",
                   "a charcoal three-piece suit", "a thin scar along his jaw", ("#1b1b2f", "#9d0208", "#e0e1dd"), "#c68642"),
        _character("ivy", Gender.FEMALE, "honey-blonde curls", "petite", "pink silk robes", "round glasses",
                   ("#b5838d", "#ffcdb2", "#6d6875"), "#ffdbac"),
    )  # fmt: skip
    locations = tuple(
        Location(id=k.value.replace("_", "-"), name=k.value, kind=k, description="A place.", palette=PALETTE)
        for k in LocationKind
    )
    return Series(
        title="Test",
        logline="A test.",
        premise="A test premise.",
        archetype=Archetype.HIDDEN_HEIR,
        tone="tense",
        bible=Bible(characters=characters, locations=locations),
    )


def line(index: int, speaker: str, start: int, end: int, emotion: Emotion = Emotion.NEUTRAL) -> TimedLine:
    return TimedLine(
        index=index, speaker=speaker, text="Words are said here.", emotion=emotion, start_frame=start, end_frame=end
    )


def make_scene(
    *,
    beat: BeatType = BeatType.CONFRONTATION,
    location: str = "office",
    time: TimeOfDay = TimeOfDay.DAY,
    start: int = 0,
    lines: tuple[TimedLine, ...] | None = None,
    characters: tuple[str, ...] = ("mia", "leo"),
    end: int | None = None,
    shots: tuple[Shot, ...] = (),
) -> TimedScene:
    """A scene of alternating lines (about 2.5 s each at 10 fps) unless `lines` is given."""
    if lines is None:
        lines = (
            line(0, NARRATOR, start + 12, start + 30),
            line(1, "mia", start + 32, start + 58, Emotion.COLD),
            line(2, "leo", start + 60, start + 86, Emotion.SMUG),
            line(3, "mia", start + 88, start + 114, Emotion.DETERMINED),
        )
    last = max(x.end_frame for x in lines) if lines else start + 20
    return TimedScene(
        scene_id="s1",
        beat=beat,
        location=location,
        time_of_day=time,
        characters=characters,
        start_frame=start,
        end_frame=end if end is not None else last + 10,
        lines=lines,
        shots=shots,
    )
