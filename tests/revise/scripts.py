"""Hand-made scripts for the revision tests: episodes in the genre's shape whose every line is known."""

from __future__ import annotations

from dramaline.model import BeatType, Emotion, Episode, Line, Scene, Series
from tests.conftest import make_series

# Words per line are in the comments; the scenes have 44 + 58 + 44 + 6 + 33 = 185 words
# (74 s at 150 wpm), inside the genre's 150–300.
HOOK = (
    ("narrator", "The wedding hall glittered, and the janitor kept his head down.", Emotion.NEUTRAL),  # 11
    ("claire", "Mop faster, Ethan. My guests should not have to look at you tonight.", Emotion.SMUG),  # 13
    ("ethan", "Yes, madam. I will be finished before the speeches begin.", Emotion.NEUTRAL),  # 10
    ("claire", "Three years married and you never once made me proud.", Emotion.COLD),  # 10
)
HUMILIATION = (
    ("claire", "Everyone, look. My former husband, the man who cleans our floors.", Emotion.SMUG),  # 11
    ("ethan", "I came to work, Claire. Nothing more than that.", Emotion.NEUTRAL),  # 9
    (
        "claire",
        "Then kneel and wipe my shoes. A servant should know his place. Go on, everyone is waiting.",
        Emotion.SMUG,
    ),  # 17
    ("ethan", "I will not kneel for you or anyone in this room.", Emotion.DETERMINED),  # 11
    ("claire", "Security will throw you out like the trash you are.", Emotion.ANGRY),  # 10
)
REVEAL = (
    ("narrator", "A black car stopped at the curb, and six men in suits stepped out.", Emotion.NEUTRAL),  # 14
    ("claire", "Why are they bowing to you? Who are these people, Ethan?", Emotion.SHOCKED),  # 11
    ("ethan", "They work for me. They always have.", Emotion.COLD),  # 7
    ("claire", "You are lying. You are nothing but a janitor with a mop.", Emotion.AFRAID),  # 12
)
CLIFF = (
    ("ethan", "Drive. We have a company to take back tonight.", Emotion.DETERMINED),  # 9
    ("claire", "Wait! Where are you taking him? Ethan, answer me!", Emotion.PLEADING),  # 9
    ("narrator", "Across the street, someone raised a phone and took a photograph.", Emotion.NEUTRAL),  # 11
    ("claire", "Who are you really?", Emotion.SHOCKED),  # 4
)
TAG = (("ethan", "Not yet, old friend. Not yet.", Emotion.COLD),)  # 6


def _lines(spec: tuple[tuple[str, str, Emotion], ...]) -> tuple[Line, ...]:
    return tuple(Line(speaker=who, text=text, emotion=emotion) for who, text, emotion in spec)


def scene(sid: str, beat: BeatType, location: str, spec: tuple[tuple[str, str, Emotion], ...]) -> Scene:
    speakers = [who for who, _, _ in spec if who != "narrator"]
    characters = tuple(dict.fromkeys(speakers)) or ("ethan",)
    return Scene(
        id=sid,
        location=location,
        time_of_day="night",
        characters=characters,
        beat=beat,
        purpose=f"The {beat.value.replace('_', ' ')} of the night.",
        lines=_lines(spec),
    )


def episode(number: int = 1) -> Episode:
    """Five scenes: hook, humiliation, reveal, a short tag (rescue), cliffhanger."""
    p = f"e{number}"
    return Episode(
        number=number,
        title=f"The Wedding {number}",
        summary="Ethan is humiliated at his ex-wife's wedding, and a black car comes for him.",
        cliffhanger="Who photographed Ethan leaving?",
        scenes=(
            scene(f"{p}-s1", BeatType.HOOK, "ballroom", HOOK),
            scene(f"{p}-s2", BeatType.HUMILIATION, "ballroom", HUMILIATION),
            scene(f"{p}-s3", BeatType.REVEAL, "street", REVEAL),
            scene(f"{p}-s4", BeatType.RESCUE, "street", TAG),
            scene(f"{p}-s5", BeatType.CLIFFHANGER, "street", CLIFF),
        ),
    )


def series_in_shape() -> Series:
    """The conftest's two-character bible with one hand-made episode in the genre's shape."""
    return make_series(1).with_episodes((episode(1),))
