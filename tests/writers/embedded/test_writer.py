"""The embedded writer: genre shape, consistency, arcs, determinism and variety, for every archetype."""

from __future__ import annotations

import re
from collections import Counter
from functools import cache

import pytest

from dramaline.errors import InvalidInputError
from dramaline.model import NARRATOR, Archetype, BeatType, Role, Series, WriteRequest
from dramaline.shape import episode_problems, series_problems
from dramaline.writers.embedded.writer import EmbeddedWriter, choose_archetype, schedule_threads

HEIR_PREMISE = "A janitor humiliated at his ex-wife's wedding is secretly the heir of the richest family in the city"
PREMISES = {
    Archetype.HIDDEN_HEIR: HEIR_PREMISE,
    Archetype.REBIRTH_REVENGE: "Killed by her husband and her best friend, she wakes up reborn five years earlier",
    Archetype.CONTRACT_MARRIAGE: "A broke nurse signs a one-year marriage contract with a cold CEO",
    Archetype.SUBSTITUTE_BRIDE: "Forced to marry in her sister's place, a substitute bride meets the groom",
    Archetype.DIVORCED_WIFE_COMEBACK: "After the divorce, the wife her in-laws despised returns as a famous designer",
    Archetype.WRONGLY_ACCUSED_RETURNS: "Framed for a crime and sent to prison, he returns to clear his name",
    Archetype.FATED_MATE: "A wolfless omega is rejected by the alpha who is her fated mate",
    Archetype.PALACE_INTRIGUE: "A framed concubine in the imperial palace outwits the empress dowager",
}
WRITER = EmbeddedWriter()


@cache
def written(archetype: Archetype, episodes: int = 12, seed: int = 1) -> Series:
    request = WriteRequest(premise=PREMISES[archetype], episodes=episodes, seed=seed, archetype=archetype)
    return WRITER.write(request)


@pytest.mark.parametrize("archetype", list(Archetype))
def test_every_episode_has_the_genre_shape(archetype: Archetype) -> None:
    series = written(archetype)
    assert len(series.episodes) == 12
    assert series_problems(series) == []
    for ep in series.episodes:
        assert ep.beats[0] is BeatType.HOOK and ep.beats[-1] is BeatType.CLIFFHANGER
        assert any(b.is_reversal for b in ep.beats)
        assert 60 * 30 <= ep.spoken_duration_frames(wpm=150, fps=30) <= 120 * 30
        assert ep.cliffhanger.endswith(("?", ".", "!", "…", '"', "”"))


@pytest.mark.parametrize("archetype", list(Archetype))
def test_characters_and_places_are_consistent(archetype: Archetype) -> None:
    series = written(archetype)
    people = {c.id for c in series.bible.characters}
    places = {loc.id for loc in series.bible.locations}
    for ep in series.episodes:
        for scene in ep.scenes:
            assert set(scene.characters) <= people
            assert scene.location in places
            for line in scene.lines:
                assert line.speaker == NARRATOR or line.speaker in scene.characters
    names = [c.name for c in series.bible.characters]
    assert len(set(names)) == len(names)
    ids = [c.id for c in series.bible.characters]
    assert len(set(ids)) == len(ids), "two characters share a given name"
    assert sum(c.role is Role.LEAD for c in series.bible.characters) == 1


@pytest.mark.parametrize("archetype", list(Archetype))
def test_no_template_residue(archetype: Archetype) -> None:
    text = written(archetype).model_dump_json()
    assert not re.search(r"\{[a-z_.A-Z]*\}|\"None\"|\bTODO\b|INSERT|\[\[|\]\]", text)


@pytest.mark.parametrize("archetype", list(Archetype))
def test_dialogue_varies_across_episodes(archetype: Archetype) -> None:
    lines = [line.text for ep in written(archetype).episodes for line in ep.lines]
    assert len(set(lines)) / len(lines) > 0.8
    titles = [ep.title for ep in written(archetype).episodes]
    assert len(set(titles)) == len(titles)


@pytest.mark.parametrize("archetype", list(Archetype))
def test_secrets_are_planted_then_paid_off(archetype: Archetype) -> None:
    series = written(archetype)
    threads = series.bible.threads
    assert len(threads) >= 3
    assert {t.owner for t in threads} <= {c.id for c in series.bible.characters}
    assert max(t.paid_off_in for t in threads) == len(series.episodes)
    for t in threads:
        assert t.planted_in < t.paid_off_in
        assert BeatType.REVEAL in series.episode(t.paid_off_in).beats


def test_the_finale_has_a_climax_and_an_ending() -> None:
    finale = written(Archetype.HIDDEN_HEIR).episodes[-1]
    assert BeatType.FACE_SLAP in finale.beats
    assert finale.beats[-1] is BeatType.CLIFFHANGER


def test_same_seed_same_series_and_other_seeds_differ() -> None:
    request = WriteRequest(premise=HEIR_PREMISE, episodes=6, seed=3)
    assert WRITER.write(request) == WRITER.write(request)
    other = WRITER.write(request.model_copy(update={"seed": 4}))
    first = WRITER.write(request)
    assert {c.name for c in other.bible.characters} != {c.name for c in first.bible.characters}
    a = [line.text for e in first.episodes for line in e.lines]
    b = [line.text for e in other.episodes for line in e.lines]
    assert len(set(a) & set(b)) < 0.5 * len(a)


def test_the_demo_premise_writes_twenty_heir_episodes() -> None:
    series = WRITER.write(WriteRequest(premise=HEIR_PREMISE, episodes=20, seed=7))
    assert series.archetype is Archetype.HIDDEN_HEIR
    lead = next(c for c in series.bible.characters if c.role is Role.LEAD)
    assert "janitor" in lead.occupation
    assert lead.gender == "male"
    assert series_problems(series) == []
    assert all(lead.id in {s for scene in e.scenes for s in scene.characters} for e in series.episodes)
    opening = series.episodes[0].scenes[0]
    assert "wedding" in (opening.purpose + " ".join(line.text for line in opening.lines)).lower()


@pytest.mark.parametrize("archetype", list(Archetype))
def test_premise_words_choose_the_archetype(archetype: Archetype) -> None:
    assert choose_archetype(PREMISES[archetype]) is archetype


def test_hundred_episodes_stay_in_shape() -> None:
    series = WRITER.write(WriteRequest(premise=PREMISES[Archetype.FATED_MATE], episodes=100, seed=2))
    assert len(series.episodes) == 100
    assert series_problems(series) == []
    counts = Counter(line.text for e in series.episodes for line in e.lines)
    assert counts.most_common(1)[0][1] <= 12


def test_one_episode_series_is_complete() -> None:
    series = WRITER.write(WriteRequest(premise=HEIR_PREMISE, episodes=1))
    assert episode_problems(series.episodes[0]) == []
    assert BeatType.FACE_SLAP in series.episodes[0].beats


def test_only_english_is_written_offline() -> None:
    with pytest.raises(InvalidInputError, match="--writer llm"):
        WRITER.write(WriteRequest(premise=HEIR_PREMISE, language="es"))


@pytest.mark.parametrize("total", [2, 3, 5, 10, 37, 100])
def test_thread_schedule_spreads_plants_and_payoffs(total: int) -> None:
    from dramaline.writers.embedded.material import load_archetype

    threads = load_archetype(Archetype.HIDDEN_HEIR).threads
    schedule = schedule_threads(threads, total)
    assert len(schedule) == min(len(threads), total // 2)
    slots = [e for _, plant, payoff in schedule for e in (plant, payoff) if e != total]
    assert len(slots) == len(set(slots)), "two thread scenes in one non-final episode"
    for _, plant, payoff in schedule:
        assert 1 <= plant < payoff <= total
