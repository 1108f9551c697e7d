"""Fountain export and import: round trips, app-edited scripts, and errors that name line and fix."""

from __future__ import annotations

import pytest

from dramaline.errors import ImportFormatError, InvalidInputError
from dramaline.exports.fountain import from_fountain, to_fountain
from dramaline.model import (
    Bible,
    Character,
    Costume,
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


def _character(
    cid: str, name: str, role: Role, gender: Gender, *, relationships: tuple[Relationship, ...] = ()
) -> Character:
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
            _character(
                "ava", "Ava Cole", Role.LEAD, Gender.FEMALE, relationships=(Relationship(to="leo", kind="ex-wife of"),)
            ),
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
                wardrobe=(
                    Costume(character="ava", outfit="crimson gown; torn ]] at the hem"),
                    Costume(character="zoe", outfit="waiter's white jacket"),
                ),
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


def test_round_trip_of_chosen_episodes_keeps_the_others() -> None:
    series = sample_series()
    assert from_fountain(to_fountain(series, [2]), series) == series
    assert from_fountain(to_fountain(series.with_episodes(())), series.with_episodes(())) == series.with_episodes(())


@pytest.mark.parametrize(
    "tricky",
    [
        "a\nb",
        "a\n\n  b",
        "(aside) then text",
        "~sung",
        "INT. KITCHEN - DAY",
        "CUT TO:",
        "THE END",
        "= not a synopsis",
        "# not a section",
        "===",
        ">centered<",
        "*bold* and _under_ and \\ slash\\",
        "[[not a note]] /* not boneyard */",
        "angry",
        "cold and flat",
        "; starts with a semicolon ] and ]]",
        "ß ı İ 你好 🙂",
    ],
)
def test_round_trip_of_fountain_syntax_inside_text(tricky: str) -> None:
    data = sample_series().model_dump()
    scene = data["episodes"][0]["scenes"][1]
    scene["purpose"] = tricky
    scene["lines"][2].update(text=tricky, delivery=tricky, action=tricky)
    data["episodes"][1].update(title=tricky, summary=tricky, cliffhanger=tricky)
    data["bible"]["locations"][0]["name"] = tricky
    data["bible"]["characters"][1]["name"] = tricky
    series = Series.model_validate(data)
    assert from_fountain(to_fountain(series), series) == series


def test_windows_line_endings_and_bom_read_the_same() -> None:
    series = sample_series()
    text = "\ufeff" + to_fountain(series).replace("\n", "\r\n")
    assert from_fountain(text, series) == series


def test_export_is_a_screenplay() -> None:
    text = to_fountain(sample_series())
    assert text.startswith("Title: The Heiress Returns\nCredit: Written with dramaline\nNotes:\n")
    assert "Draft date" not in text
    assert "# Episode 1: The Slap at the Gala\n\n= Ava returns to the gala that ruined her.\n" in text
    assert "\nINT. GRAND PEARL BALLROOM - NIGHT\n" in text
    assert "\nEXT. HARBOR STREET - DUSK\n" in text
    assert (
        "[[scene: e01s02; beat: face_slap; location: ballroom; characters: ava, vivian, leo; "
        "purpose: Ava slaps Vivian.]]"
    ) in text
    assert "\nAVA COLE\n(angry; through clenched teeth)\nThat was for my mother.\n" in text
    assert "\nNARRATOR (V.O.)\nFive years ago, she lost everything here.\n" in text
    assert "\nVivian raises her glass.\n\nVIVIAN STERLING\n(smug; loud enough for the room)\n" in text
    assert "\n!INT. is not a heading here: Ava slaps her.\n" in text
    assert "[[cliffhanger: Who sent Ava the invitation?]]" in text
    assert "\nAVA COLE\nHello" not in text  # a cold line carries its emotion
    assert to_fountain(sample_series(), [2]).count("# Episode") == 1


def test_export_rejects_unknown_episodes() -> None:
    with pytest.raises(InvalidInputError, match="episode 3 is not in the series; it has 2, choose numbers from 1 to 2"):
        to_fountain(sample_series(), [1, 3])


APP_EDITED = """\
Title: _**The Heiress Returns**_
Credit: Written with dramaline
Author: A. Writer
Draft date: 2025-01-02

/* An older take, kept for later:
INT. MOON BASE - DAY
MARGARET
Gone.
*/

# Episode 1: The Slap at the Gala (v2)

= Ava returns to the gala that ruined her.

FADE IN:

INT. GRAND PEARL BALLROOM - NIGHT #1#

[[scene: e01s01; beat: hook; location: ballroom; characters: ava, vivian, zoe;
  purpose: Vivian humiliates Ava.]]

NARRATOR (V.O.)
Five years ago, she lost *everything* here.

Vivian raises her glass. [[make this bigger]]

VIVIAN (CONT'D)
(smug)
Look who
crawled back, **darling**.

AVA ^
(cold)
Hello, Vivian.

.GRAND PEARL BALLROOM - LATER

AVA
(angry; through clenched teeth)
That was for my mother.
(softer)
Never again.

LEO CHEN (O.S.)
Enough.

> CUT TO:

EXT. HARBOR STREET - NIGHT

[[scene: e01s03; beat: cliffhanger; location: street; characters: ava, leo; purpose: Leo follows Ava out.]]

@Leo
(pleading)
Ava, wait.

===

ZOË
This changes everything.

[[cliffhanger: Who really sent the invitation?]]

>THE END<
"""


def test_app_edited_script_imports_to_the_expected_episode() -> None:
    series = sample_series()
    imported = from_fountain(APP_EDITED, series, source="gala.fountain")
    assert imported.episodes[1] == series.episodes[1]
    expected = Episode(
        number=1,
        title="The Slap at the Gala (v2)",
        summary="Ava returns to the gala that ruined her.",
        cliffhanger="Who really sent the invitation?",
        scenes=(
            Scene(
                id="e01s01",
                location="ballroom",
                time_of_day="night",
                characters=("ava", "vivian", "zoe"),
                beat="hook",
                purpose="Vivian humiliates Ava.",
                lines=(
                    Line(speaker="narrator", text="Five years ago, she lost everything here."),
                    Line(
                        speaker="vivian",
                        text="Look who crawled back, darling.",
                        emotion="smug",
                        action="Vivian raises her glass.",
                    ),
                    Line(speaker="ava", text="Hello, Vivian.", emotion="cold"),
                ),
            ),
            Scene(
                id="e01s02",
                location="ballroom",
                time_of_day="night",
                characters=("ava", "leo"),
                beat="confrontation",
                purpose="Confrontation at Grand Pearl Ballroom.",
                lines=(
                    Line(
                        speaker="ava",
                        text="That was for my mother.",
                        emotion="angry",
                        delivery="through clenched teeth",
                    ),
                    Line(speaker="ava", text="Never again.", delivery="softer"),
                    Line(speaker="leo", text="Enough."),
                ),
            ),
            Scene(
                id="e01s03",
                location="street",
                time_of_day="night",
                characters=("ava", "leo", "zoe"),
                beat="cliffhanger",
                purpose="Leo follows Ava out.",
                lines=(
                    Line(speaker="leo", text="Ava, wait.", emotion="pleading"),
                    Line(speaker="zoe", text="This changes everything."),
                ),
            ),
        ),
    )
    assert imported.episodes[0] == expected


NEW_EPISODE = """\
# Episode 3: The Lighter

= Zoë confronts Leo.

I/E HARBOR STREET - DAWN

ZOË DURAND
Where were you that night?

INT. OFFICE - DAY
= Vivian plots.

VIVIAN
(smug)
Let them fight.

INT./EXT. STERLING TOWER - CONTINUOUS

LEO
I was there.

[[cliffhanger: Did Leo start the fire?]]
"""


def test_new_episode_gets_generated_ids_and_default_beats() -> None:
    series = sample_series()
    imported = from_fountain(NEW_EPISODE, series)
    assert imported.episodes[:2] == series.episodes
    episode = imported.episodes[2]
    assert (episode.number, episode.title, episode.summary) == (3, "The Lighter", "Zoë confronts Leo.")
    assert [s.id for s in episode.scenes] == ["e03s01", "e03s02", "e03s03"]
    assert [s.beat for s in episode.scenes] == ["hook", "confrontation", "cliffhanger"]
    assert [s.location for s in episode.scenes] == ["street", "office", "office"]
    assert [s.time_of_day for s in episode.scenes] == ["dawn", "day", "day"]
    assert episode.scenes[1].purpose == "Vivian plots."
    assert episode.scenes[0].purpose == "Hook at Harbor Street."
    assert episode.cliffhanger == "Did Leo start the fire?"


def test_notes_override_default_beats() -> None:
    text = NEW_EPISODE.replace("Where were you that night?", "Where were you that night?\n\n[[beat: reveal]]")
    assert from_fountain(text, sample_series()).episodes[2].scenes[0].beat == "reveal"


def _line_of(text: str, marker: str) -> int:
    return text[: text.index(marker)].count("\n") + 1


def _error(text: str) -> str:
    with pytest.raises(ImportFormatError) as info:
        from_fountain(text, sample_series(), source="script.fountain")
    return str(info.value)


EXPORTED = to_fountain(sample_series())


def test_wardrobe_notes_change_outfits_and_add_the_wearer() -> None:
    series = sample_series()
    text = to_fountain(series)
    assert "[[wardrobe: ava = crimson gown\\; torn \\]\\] at the hem]]" in text
    text = text.replace("[[wardrobe: zoe = waiter's white jacket]]", "[[wardrobe: leo = black tuxedo]]")
    scene = from_fountain(text, series).episodes[0].scenes[0]
    assert [(c.character, c.outfit) for c in scene.wardrobe] == [
        ("ava", "crimson gown; torn ]] at the hem"),
        ("leo", "black tuxedo"),
    ]
    assert "leo" in scene.characters


@pytest.mark.parametrize(
    ("text", "marker", "fix"),
    [
        (
            EXPORTED.replace("LEO CHEN\n(pleading)", "MARGARET\n(pleading)"),
            "MARGARET",
            '"MARGARET" is not a character of this series; add them to the bible in series.yaml or use one of: '
            "Ava Cole, Leo Chen, Vivian Sterling, Zoë Durand",
        ),
        (
            EXPORTED.replace("INT. STERLING TOWER OFFICE - DAY", "INT. MOON BASE - DAY"),
            "MOON BASE",
            'scene heading "INT. MOON BASE - DAY" names no location of this series; add it to the bible in '
            "series.yaml or use one of: Grand Pearl Ballroom, Harbor Street, Sterling Tower Office",
        ),
        (
            EXPORTED.replace("= Ava buys Vivian's company.", "AVA COLE\nToo early."),
            "AVA COLE\nToo early",
            'dialogue of "AVA COLE" is outside a scene; add a scene heading such as',
        ),
        (
            "INT. GRAND PEARL BALLROOM - NIGHT\n\nAVA\nHi.\n",
            "INT. GRAND",
            'comes before any episode section; add "# Episode 1: Title" above it',
        ),
        (
            EXPORTED.replace("# Episode 2: Boardroom Blitz", "## Boardroom Blitz"),
            "Notes:",
            'the title page lists episode 2, but there is no "# Episode 2: Title" section; restore the section',
        ),
        (
            "# Episode 4: Too Far\n\n= x\n\nINT. OFFICE - DAY\n\nAVA\nHi.\n\n[[cliffhanger: y]]\n",
            "Episode 4",
            "episode 4 would leave a gap: the series has 2 episodes, so a new one is number 3; renumber",
        ),
        (
            EXPORTED.replace("INT. STERLING TOWER OFFICE - DAY", "INT. STERLING TOWER OFFICE"),
            "INT. STERLING TOWER OFFICE",
            'has no time of day; end it with " - DAY", " - NIGHT", " - DAWN" or " - DUSK"',
        ),
        (
            EXPORTED.replace("beat: reveal", "beat: revelation"),
            "beat: revelation",
            'beat "revelation" is unknown; use one of: hook, humiliation, reveal',
        ),
        (
            EXPORTED.replace("(afraid; barely audible)\nImpossible…", "Impossible…\n(afraid; barely audible)"),
            "(afraid; barely audible)",
            '"(afraid; barely audible)" has no dialogue after it; put the line under it',
        ),
        (
            EXPORTED.replace("Hello, Vivian.", "Hello, Vivian. " + "la " * 700),
            "Hello, Vivian.",
            "text: String should have at most 2000 characters; fix it in the script",
        ),
        (
            EXPORTED.replace("[[wardrobe: zoe = waiter's white jacket]]", "[[wardrobe: zoe wears a jacket]]"),
            "zoe wears a jacket",
            'needs "character-id = outfit", as in "lin = red gown"',
        ),
        (
            EXPORTED.replace("[[wardrobe: zoe = waiter's white jacket]]", "[[wardrobe: max = a jacket]]"),
            "max = a jacket",
            'character id "max" is not a character of this series',
        ),
        (EXPORTED + "\n/* forgotten\n", "forgotten", "boneyard '/*' is never closed; add '*/' where it ends"),
        (EXPORTED + "\n[[dangling\n", "dangling", "note '[[' is never closed; add ']]' where it ends"),
    ],
)
def test_errors_name_the_line_and_the_fix(text: str, marker: str, fix: str) -> None:
    message = _error(text)
    assert message.startswith(f"script.fountain:{_line_of(text, marker)}: ")
    assert fix in message


def test_empty_file_is_an_error() -> None:
    for text in ("", "\ufeff  \r\n\r\n", "/* only a boneyard */\n"):
        assert _error(text).startswith("script.fountain:1: the file is empty; start from")


def test_ambiguous_first_name_asks_for_the_full_name() -> None:
    data = sample_series().model_dump()
    data["bible"]["characters"][1]["name"] = "Max Chen"
    data["bible"]["characters"][3]["name"] = "Max Durand"
    series = Series.model_validate(data)
    text = to_fountain(series).replace("\nMAX CHEN\n(pleading)", "\nMAX\n(pleading)")
    with pytest.raises(
        ImportFormatError, match='"MAX" could be Max Chen or Max Durand; write one of: MAX CHEN, MAX DURAND'
    ):
        from_fountain(text, series)
    assert from_fountain(to_fountain(series), series) == series


def test_same_names_fall_back_to_ids() -> None:
    data = sample_series().model_dump()
    for character in data["bible"]["characters"]:
        character["name"] = "Sam Lee"
    for location in data["bible"]["locations"]:
        location["name"] = "The Place"
    series = Series.model_validate(data)
    text = to_fountain(series)
    assert "\nAVA\n(cold)\nHello, Vivian." in text
    assert from_fountain(text, series) == series
