"""Shared fixtures: a tiny hand-built series, and isolation of each test in its own folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

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


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run every test in its own empty folder with no dramaline settings from the outside."""
    monkeypatch.chdir(tmp_path)
    for key in list(os.environ):
        if key.startswith("DRAMALINE_") or key == "OPENAI_API_KEY":
            monkeypatch.delenv(key)


def _character(cid: str, name: str, role: Role, gender: Gender, pitch: int) -> Character:
    return Character(
        id=cid,
        name=name,
        role=role,
        age=30,
        gender=gender,
        occupation="janitor" if role is Role.LEAD else "heiress",
        personality=("proud", "patient", "sharp"),
        want="to be seen for who they are",
        secret="heir to the Harrington fortune" if role is Role.LEAD else "owes money to the wrong people",
        relationships=(Relationship(to="ethan", kind="ex-wife of"),) if cid == "claire" else (),
        look=Look(
            palette=("#112233", "#445566", "#778899"),
            hair="short black",
            build="lean",
            outfit="grey overalls",
            distinguishing_mark="scar on the left hand",
        ),
        voice=Voice(gender=gender, age_years=30, pitch=pitch, rate_wpm=150, timbre="warm"),
    )


def make_series(episodes: int = 2) -> Series:
    """A small valid series built by hand: two characters, two places, `episodes` short episodes."""
    bible = Bible(
        characters=(
            _character("ethan", "Ethan Cole", Role.LEAD, Gender.MALE, 30),
            _character("claire", "Claire Vance", Role.ANTAGONIST, Gender.FEMALE, 65),
        ),
        locations=(
            Location(
                id="ballroom",
                name="Grand Pearl Ballroom",
                kind=LocationKind.WEDDING_VENUE,
                description="chandeliers and white roses",
                palette=("#ffffff", "#d4af37"),
            ),
            Location(
                id="street",
                name="Harbor Street",
                kind=LocationKind.STREET,
                description="wet neon at midnight",
                palette=("#0d1b2a", "#e0a458"),
            ),
        ),
        threads=(Thread(id="heir", owner="ethan", description="Ethan is the heir", planted_in=1, paid_off_in=1),),
    )
    eps = []
    for n in range(1, episodes + 1):
        scenes = (
            Scene(
                id=f"ep{n:03d}-s01",
                location="ballroom",
                time_of_day="night",
                characters=("ethan", "claire"),
                beat="hook",
                purpose="Claire mocks Ethan.",
                lines=(
                    Line(speaker="narrator", text=f"Night {n}: the wedding hall glitters."),
                    Line(speaker="claire", text=f"Mop the floor, Ethan, for the {n}th time.", emotion="smug"),
                ),
            ),
            Scene(
                id=f"ep{n:03d}-s02",
                location="street",
                time_of_day="night",
                characters=("ethan",),
                beat="face_slap",
                purpose="Ethan's men arrive.",
                lines=(Line(speaker="ethan", text="Bring the cars around.", emotion="cold", delivery="quietly"),),
            ),
            Scene(
                id=f"ep{n:03d}-s03",
                location="street",
                time_of_day="night",
                characters=("ethan", "claire"),
                beat="cliffhanger",
                purpose="A stranger calls Ethan 'Young Master'.",
                lines=(
                    Line(
                        speaker="claire",
                        text="Who are you really?",
                        emotion="shocked",
                        action="She drops her glass.",
                    ),
                ),
            ),
        )
        eps.append(
            Episode(
                number=n,
                title=f"Night {n}",
                summary="Ethan endures.",
                cliffhanger="Who is he?",
                scenes=scenes,
            )
        )
    return Series(
        title="The Janitor Heir",
        logline="A janitor is secretly an heir.",
        premise="A janitor is an heir.",
        archetype="hidden_heir",
        tone="revenge melodrama",
        bible=bible,
        episodes=tuple(eps),
    )


@pytest.fixture
def series() -> Series:
    return make_series()
