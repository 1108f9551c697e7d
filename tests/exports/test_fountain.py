"""Fountain export and import: round trips, app-edited scripts, and errors that name line and fix."""

from __future__ import annotations

import pytest

from dramaline.errors import ImportFormatError, InvalidInputError
from dramaline.exports.fountain import from_fountain, to_fountain
from dramaline.model import (
    Bible,
    Character,
    Episode,
    Gender,
    Line,
    Location,
    LocationKind,
    Look,
    Relationship,
    Role,
    Scene,
    Series,
    Thread,
    Voice,
)

SPECIAL = "#1 rule: *never* trust a Sterling! Meet @ midnight [[no notes]] /* café 你好 */ _now_ \\ end"


def _character(cid: str, name: str, role: Role, gender: Gender, *, relationships: tuple[Relationship, ...] = ()) -> Character:
    return Character(
        id=cid,
        name=name,
        role=role,
        age=29,
        gender=gender,
        occupation="heiress in hiding" if cid == "ava" else "executive",
        personality=("proud", "sharp"),
        want=f"{name} wants the Sterling fortune | back",
        secret=f"{name} hides a *secret* about the fire",
        relationships=relationships,
        look=Look(
            palette=("#112233", "#445566"),
            hair="long black",
            build="slim",
            outfit="red gown",
            distinguishing_mark="scar on the wrist",
        ),
        voice=Voice(gender=gender, age_years=29, pitch=60, rate_wpm=150, timbre="bright"),
    )


def _location(lid: str, name: str, kind: LocationKind) -> Location:
    return Location(id=lid, name=name, kind=kind, description=f"the {name}", palette=("#000000", "#ffffff"))


def sample_series() -> Series:
    """Four characters, three places, two episodes: every kind of line the exporters must carry."""
    bible = Bible(
        characters=(
            _character("ava", "Ava Cole", Role.LEAD, Gender.FEMALE, relationships=(Relationship(to="leo", kind="ex-wife of"),)),
            _character("leo", "Leo Chen", Role.LOVE_INTEREST, Gender.MALE),
            _character("vivian", "Vivian Sterling", Role.ANTAGONIST, Gender.FEMALE),
            _character("zoe", "Zoë Durand", Role.ALLY, Gender.FEMALE),
        ),
        locations=(
            _location("ballroom", "Grand Pearl Ballroom", LocationKind.BALLROOM),
            _location("street", "Harbor Street", LocationKind.STREET),
            _location("office", "Sterling Tower Office", LocationKind.OFFICE),
        ),
        threads=(Thread(id="fire", owner="ava", description="Who started the fire", planted_in=1, paid_off_in=2),),
    )
    episode1 = Episode(
        number=1,
        title="The Slap at the Gala",
        summary="Ava returns to the gala that ruined her.",
        cliffhanger="Who sent Ava the invitation?",
        scenes=(
            Scene(
                id="e01s01",
                location="ballroom",
                time_of_day="night",
                characters=("ava", "vivian", "zoe"),
                beat="hook",
                purpose="Vivian humiliates Ava; everyone watches [the toast].",
                lines=(
                    Line(speaker="narrator", text="Five years ago, she lost everything here."),
                    Line(
                        speaker="vivian",
                        text="Look who crawled back.",
                        emotion="smug",
                        delivery="loud enough for the room",
                        action="Vivian raises her glass.",
                    ),
                    Line(speaker="ava", text="Hello, Vivian.", emotion="cold"),
                    Line(speaker="zoe", text=SPECIAL, emotion="shocked", delivery="whispering"),
                ),
            ),
            Scene(
                id="e01s02",
                location="ballroom",
                time_of_day="night",
                characters=("ava", "vivian", "leo"),
                beat="face_slap",
                purpose="Ava slaps Vivian.",
                lines=(
                    Line(
                        speaker="ava",
                        text="That was for my mother.",
                        emotion="angry",
                        delivery="through clenched teeth",
                        action="INT. is not a heading here: Ava slaps her.",
                    ),
                    Line(speaker="vivian", text="(gasps) You wouldn't dare!", emotion="shocked"),
                    Line(speaker="leo", text="Enough.", delivery="cold and flat"),
                ),
            ),
            Scene(
                id="e01s03",
                location="street",
                time_of_day="night",
                characters=("ava", "leo"),
                beat="cliffhanger",
                purpose="Leo follows Ava out.",
                lines=(
                    Line(speaker="leo", text="Ava, wait.\nPlease.", emotion="pleading", action="Rain.\n\nNeon hums."),
                    Line(speaker="narrator", text="She didn't look back.", emotion="determined"),
                ),
            ),
        ),
    )
    episode2 = Episode(
        number=2,
        title="Boardroom Blitz",
        summary="Ava buys Vivian's company.",
        cliffhanger="Is Leo the one who set the fire?",
        scenes=(
            Scene(
                id="e02s01",
                location="office",
                time_of_day="day",
                characters=("ava", "vivian"),
                beat="reveal",
                purpose="Ava is the new owner.",
                lines=(
                    Line(speaker="ava", text="I own this floor now — and the one above it.", emotion="smug"),
                    Line(speaker="vivian", text="Impossible…", emotion="afraid", delivery="barely audible"),
                ),
            ),
            Scene(
                id="e02s02",
                location="street",
                time_of_day="dusk",
                characters=("leo", "zoe"),
                beat="cliffhanger",
                purpose="Zoë finds the lighter.",
                lines=(Line(speaker="zoe", text="This lighter… it's yours, Leo.", emotion="crying"),),
            ),
        ),
    )
    return Series(
        title="The Heiress Returns",
        logline="A disgraced heiress returns to take back her name.",
        premise="A woman framed for a fire returns five years later as a billionaire.",
        archetype="rebirth_revenge",
        tone="glossy revenge melodrama",
        bible=bible,
        episodes=(episode1, episode2),
    )


def test_round_trip_is_exact() -> None:
    series = sample_series()
    assert from_fountain(to_fountain(series), series) == series
