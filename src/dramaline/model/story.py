"""The story: a Series with its Bible (characters, locations, threads) and Episodes of Scenes of Lines."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator, model_validator

from dramaline.model.base import (
    DEFAULT_FPS,
    MAX_EPISODES,
    NARRATOR,
    Frozen,
    HexColor,
    LanguageTag,
    ShortText,
    Slug,
    Text,
    require_unique,
)


class Archetype(StrEnum):
    """The plot archetypes of the short-drama genre the writers know."""

    HIDDEN_HEIR = "hidden_heir"
    REBIRTH_REVENGE = "rebirth_revenge"
    CONTRACT_MARRIAGE = "contract_marriage"
    SUBSTITUTE_BRIDE = "substitute_bride"
    DIVORCED_WIFE_COMEBACK = "divorced_wife_comeback"
    WRONGLY_ACCUSED_RETURNS = "wrongly_accused_returns"
    FATED_MATE = "fated_mate"
    PALACE_INTRIGUE = "palace_intrigue"


class BeatType(StrEnum):
    """The fixed beat vocabulary of the genre; every scene carries exactly one."""

    HOOK = "hook"
    HUMILIATION = "humiliation"
    REVEAL = "reveal"
    FACE_SLAP = "face_slap"
    CONFRONTATION = "confrontation"
    BETRAYAL = "betrayal"
    SCHEME = "scheme"
    ROMANCE = "romance"
    RESCUE = "rescue"
    SACRIFICE = "sacrifice"
    FLASHBACK = "flashback"
    CLIFFHANGER = "cliffhanger"

    @property
    def is_reversal(self) -> bool:
        """True for beats that flip the balance of power between the characters."""
        return self in REVERSAL_BEATS


REVERSAL_BEATS = frozenset({BeatType.FACE_SLAP, BeatType.REVEAL, BeatType.BETRAYAL, BeatType.RESCUE})


class Emotion(StrEnum):
    """How a line is played; the renderer draws a face and the voice colours delivery for each."""

    NEUTRAL = "neutral"
    ANGRY = "angry"
    SHOCKED = "shocked"
    CRYING = "crying"
    SMUG = "smug"
    LOVING = "loving"
    AFRAID = "afraid"
    DETERMINED = "determined"
    COLD = "cold"
    PLEADING = "pleading"
    JOYFUL = "joyful"


class TimeOfDay(StrEnum):
    DAWN = "dawn"
    DAY = "day"
    DUSK = "dusk"
    NIGHT = "night"


class LocationKind(StrEnum):
    """Kinds of place the renderer can draw."""

    OFFICE = "office"
    MANSION_HALL = "mansion_hall"
    WEDDING_VENUE = "wedding_venue"
    HOSPITAL_ROOM = "hospital_room"
    STREET = "street"
    ROOFTOP = "rooftop"
    RESTAURANT = "restaurant"
    BEDROOM = "bedroom"
    CAR_INTERIOR = "car_interior"
    COURTYARD = "courtyard"
    PALACE_HALL = "palace_hall"
    FOREST = "forest"
    BALLROOM = "ballroom"
    COURTROOM = "courtroom"
    PRISON = "prison"
    GARDEN = "garden"


class Role(StrEnum):
    """A character's function in the story."""

    LEAD = "lead"
    LOVE_INTEREST = "love_interest"
    ANTAGONIST = "antagonist"
    RIVAL = "rival"
    ALLY = "ally"
    ELDER = "elder"
    SUPPORTING = "supporting"


class Gender(StrEnum):
    FEMALE = "female"
    MALE = "male"
    NONBINARY = "nonbinary"


class ContentRating(StrEnum):
    """US TV Parental Guidelines; markets without ratings still use it as a guide."""

    TV_G = "TV-G"
    TV_PG = "TV-PG"
    TV_14 = "TV-14"
    TV_MA = "TV-MA"


class WriterKind(StrEnum):
    EMBEDDED = "embedded"
    LLM = "llm"


class Look(Frozen):
    """A character's visual identity, used for every shot they appear in."""

    palette: tuple[HexColor, ...] = Field(min_length=2, max_length=5)
    hair: ShortText
    build: ShortText
    outfit: ShortText
    distinguishing_mark: ShortText
    skin_tone: HexColor = "#c99a78"


class Voice(Frozen):
    """A character's voice identity, backend-neutral: text-to-speech maps it to a concrete voice."""

    gender: Gender
    age_years: int = Field(ge=5, le=110)
    pitch: int = Field(ge=0, le=100, description="relative pitch, 0 lowest, 100 highest")
    rate_wpm: int = Field(ge=80, le=260)
    timbre: ShortText = Field(description="a word or two: warm, gravelly, bright, icy ...")


class Relationship(Frozen):
    """A directed tie from one character to another (for example: ex-wife of)."""

    to: Slug
    kind: ShortText


class Character(Frozen):
    id: Slug
    name: ShortText
    role: Role
    age: int = Field(ge=5, le=110)
    gender: Gender
    occupation: ShortText
    personality: tuple[ShortText, ...] = Field(min_length=1, max_length=8)
    want: Text
    secret: Text
    relationships: tuple[Relationship, ...] = ()
    look: Look
    voice: Voice

    @property
    def first_name(self) -> str:
        return self.name.split()[0]


class Location(Frozen):
    id: Slug
    name: ShortText
    kind: LocationKind
    description: Text
    palette: tuple[HexColor, ...] = Field(min_length=2, max_length=5)


class Thread(Frozen):
    """A secret or question planted in one episode and paid off in a later (or the same) one."""

    id: Slug
    owner: Slug = Field(description="the character whose secret it is")
    description: Text
    planted_in: int = Field(ge=1, le=MAX_EPISODES)
    paid_off_in: int = Field(ge=1, le=MAX_EPISODES)

    @model_validator(mode="after")
    def _payoff_after_plant(self) -> Thread:
        if self.paid_off_in < self.planted_in:
            raise ValueError(
                f"thread {self.id!r} is paid off in episode {self.paid_off_in} before it is planted "
                f"in episode {self.planted_in}; set paid_off_in >= planted_in"
            )
        return self


class Bible(Frozen):
    """Who and where the series is about, and the secrets it keeps."""

    characters: tuple[Character, ...] = Field(min_length=1)
    locations: tuple[Location, ...] = Field(min_length=1)
    threads: tuple[Thread, ...] = ()

    @model_validator(mode="after")
    def _references(self) -> Bible:
        ids = [c.id for c in self.characters]
        require_unique(ids, "character id")
        require_unique([loc.id for loc in self.locations], "location id")
        require_unique([t.id for t in self.threads], "thread id")
        if NARRATOR in ids:
            raise ValueError(f"{NARRATOR!r} is reserved for the narrator; give the character another id")
        known = set(ids)
        for c in self.characters:
            for r in c.relationships:
                if r.to not in known:
                    raise ValueError(
                        f"character {c.id!r} has a relationship to unknown character {r.to!r}; "
                        f"known: {', '.join(sorted(known))}"
                    )
        for t in self.threads:
            if t.owner not in known:
                raise ValueError(f"thread {t.id!r} belongs to unknown character {t.owner!r}")
        return self

    def check_episode(self, episode: Episode) -> None:
        """Raise ValueError naming the first scene that refers to a character or place not in the bible."""
        chars = {c.id for c in self.characters}
        locs = {loc.id for loc in self.locations}
        for s in episode.scenes:
            where = f"episode {episode.number}, scene {s.id!r}"
            if s.location not in locs:
                raise ValueError(
                    f"{where} is set in unknown location {s.location!r}; "
                    f"add it to the bible's locations or use one of: {', '.join(sorted(locs))}"
                )
            for cid in s.characters:
                if cid not in chars:
                    raise ValueError(
                        f"{where} lists unknown character {cid!r}; add them to the bible's "
                        f"characters or use one of: {', '.join(sorted(chars))}"
                    )

    def character(self, character_id: str) -> Character:
        """Return the character with this id; KeyError if there is none."""
        for c in self.characters:
            if c.id == character_id:
                return c
        raise KeyError(character_id)

    def location(self, location_id: str) -> Location:
        """Return the location with this id; KeyError if there is none."""
        for loc in self.locations:
            if loc.id == location_id:
                return loc
        raise KeyError(location_id)


class Line(Frozen):
    """One spoken line: a character's dialogue or the narrator's voice-over."""

    speaker: Slug = Field(description=f"a character id, or {NARRATOR!r}")
    text: Text
    emotion: Emotion = Emotion.NEUTRAL
    delivery: str = Field(default="", max_length=200, description="how to say it: whispered, through tears ...")
    action: str = Field(default="", max_length=500, description="what is seen while it is said")

    @property
    def word_count(self) -> int:
        return len(_WORD.findall(self.text))


class Costume(Frozen):
    """What one character wears in one scene instead of the outfit in their Look."""

    character: Slug
    outfit: ShortText = Field(description="the clothes, in words: ivory wedding gown with a long veil")


class Scene(Frozen):
    id: Slug
    location: Slug
    time_of_day: TimeOfDay
    characters: tuple[Slug, ...] = Field(min_length=1)
    beat: BeatType
    purpose: Text
    lines: tuple[Line, ...] = Field(min_length=1)
    wardrobe: tuple[Costume, ...] = Field(
        default=(),
        description="outfit changes the script calls for in this scene; everyone else wears their Look's outfit",
    )

    @model_validator(mode="after")
    def _speakers_present(self) -> Scene:
        require_unique(list(self.characters), "character in the scene")
        require_unique([c.character for c in self.wardrobe], "character in the wardrobe")
        present = set(self.characters)
        for i, costume in enumerate(self.wardrobe):
            if costume.character not in present:
                raise ValueError(
                    f"wardrobe[{i}] dresses {costume.character!r}, who is not in this scene's characters; "
                    f"add {costume.character!r} to characters or remove the costume"
                )
        for i, line in enumerate(self.lines):
            if line.speaker != NARRATOR and line.speaker not in present:
                raise ValueError(
                    f"lines[{i}] is spoken by {line.speaker!r}, who is not in this scene's characters; "
                    f"add {line.speaker!r} to characters or change the speaker"
                )
        return self

    @property
    def word_count(self) -> int:
        return sum(line.word_count for line in self.lines)


class Episode(Frozen):
    number: int = Field(ge=1, le=MAX_EPISODES)
    version: int = Field(
        default=1,
        ge=1,
        le=2_147_483_647,
        description="the script's version: a revision saves a new one; viewers' events name the version watched",
    )
    title: ShortText
    summary: Text
    cliffhanger: Text = Field(description="the open question the episode ends on, in a sentence")
    scenes: tuple[Scene, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_scene_ids(self) -> Episode:
        require_unique([s.id for s in self.scenes], "scene id")
        return self

    @property
    def beats(self) -> tuple[BeatType, ...]:
        """The episode's beats in order, one per scene."""
        return tuple(s.beat for s in self.scenes)

    @property
    def lines(self) -> tuple[Line, ...]:
        return tuple(line for s in self.scenes for line in s.lines)

    @property
    def word_count(self) -> int:
        return sum(s.word_count for s in self.scenes)

    def spoken_duration_frames(self, *, wpm: int = 150, fps: int = DEFAULT_FPS) -> int:
        """Frames the episode's spoken text takes when read at `wpm` words per minute."""
        return frames_for_words(self.word_count, wpm=wpm, fps=fps)


class Series(Frozen):
    """A whole series: metadata, bible and episodes, as stored in a series folder."""

    schema_version: Literal[1] = 1
    title: ShortText
    logline: Text
    premise: Text
    archetype: Archetype
    tone: ShortText
    language: LanguageTag = "en"
    target_market: ShortText = "US"
    content_rating: ContentRating = ContentRating.TV_14
    fps: int = Field(default=DEFAULT_FPS, ge=1, le=120)
    seed: int | None = None
    writer: WriterKind = WriterKind.EMBEDDED
    narrator: Voice = Field(
        default=Voice(gender=Gender.MALE, age_years=50, pitch=30, rate_wpm=150, timbre="warm"),
        description="the narrator's voice; the bible's characters carry their own",
    )
    registration_number: str = Field(
        default="", max_length=100, description="permit or registration number shown in the opening credits"
    )
    bible: Bible
    episodes: tuple[Episode, ...] = Field(default=(), max_length=MAX_EPISODES)

    @model_validator(mode="after")
    def _consistent(self) -> Series:
        numbers = [e.number for e in self.episodes]
        if numbers != list(range(1, len(numbers) + 1)):
            raise ValueError(f"episodes must be numbered 1..{len(numbers)} in order; found {numbers}")
        for e in self.episodes:
            self.bible.check_episode(e)
        for t in self.bible.threads:
            if self.episodes and t.paid_off_in > len(self.episodes):
                raise ValueError(
                    f"thread {t.id!r} is paid off in episode {t.paid_off_in}, but the series has "
                    f"{len(self.episodes)} episodes"
                )
        return self

    def episode(self, number: int) -> Episode:
        """Return episode `number` (1-based); KeyError if the series has no such episode."""
        if 1 <= number <= len(self.episodes):
            return self.episodes[number - 1]
        raise KeyError(number)

    def with_episodes(self, episodes: tuple[Episode, ...]) -> Series:
        """Return a copy with these episodes, validated."""
        return Series.model_validate({**self.model_dump(), "episodes": [e.model_dump() for e in episodes]})

    def speaker_name(self, speaker: str) -> str:
        """The display name of a line's speaker."""
        return "Narrator" if speaker == NARRATOR else self.bible.character(speaker).name


class WriteRequest(Frozen):
    """What a writer is asked for: a premise and the shape of the series."""

    premise: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    episodes: int = Field(default=10, ge=1, le=MAX_EPISODES)
    archetype: Archetype | None = None
    seed: int = 0
    language: LanguageTag = "en"

    @field_validator("premise")
    @classmethod
    def _premise_has_words(cls, value: str) -> str:
        if not _WORD.search(value):
            raise ValueError("the premise has no words; describe the story in a sentence")
        return value


# CJK scripts do not separate words with spaces; each ideograph or kana counts as one word,
# which matches how reading speed is measured for them.
_WORD = re.compile(
    r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[^\W\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff][\w'’-]*",
    re.UNICODE,
)


def count_words(text: str) -> int:
    """Words in `text`, counting contractions and hyphenated words once."""
    return len(_WORD.findall(text))


def frames_for_words(words: int, *, wpm: int = 150, fps: int = DEFAULT_FPS) -> int:
    """Frames needed to speak `words` words at `wpm` words per minute, rounded up."""
    return -(-words * 60 * fps // wpm)
