"""Replacement scenes from the archetype material: fresh, cast from the bible, in shape, everything else untouched."""

from __future__ import annotations

import pytest

from dramaline.model import (
    BeatType,
    Episode,
    Evidence,
    Location,
    LocationKind,
    ReplaceBeat,
    ReplaceCliffhanger,
    RevisionOperation,
    RevisionPlan,
    Series,
    WriteRequest,
)
from dramaline.revise.apply import Revision, apply_plan
from dramaline.revise.material import SceneMaterial
from dramaline.writers.embedded.writer import EmbeddedWriter
from tests.revise.scripts import series_in_shape

WHY = Evidence(summary="Scheme scenes lose viewers across the series.")


@pytest.fixture(scope="module")
def written() -> Series:
    request = WriteRequest(premise="A janitor humiliated at his ex-wife's wedding is secretly the heir", episodes=4)
    return EmbeddedWriter().write(request.model_copy(update={"seed": 5}))


def run(series: Series, number: int, *operations: RevisionOperation) -> Revision:
    return apply_plan(series, RevisionPlan(episode=number, summary="test", operations=operations))


def single_reversal(series: Series) -> tuple[Episode, int]:
    """An episode with exactly one reversal scene, in the middle, and that scene's index."""
    for episode in series.episodes:
        middle = [i for i, s in enumerate(episode.scenes[1:-1], 1) if s.beat.is_reversal]
        if len(middle) == 1 and sum(b.is_reversal for b in episode.beats) == 1:
            return episode, middle[0]
    raise AssertionError("the written series has no episode with a single reversal")


def test_the_writer_s_casting_is_recovered_from_the_seed(written: Series) -> None:
    material = SceneMaterial(written)
    assert material.missing_roles == set() and material.missing_places == set()
    assert {c.id for c in material.casting.characters.values()} <= {c.id for c in written.bible.characters}


def test_replace_beat_puts_a_fresh_scene_of_the_new_beat_in_place(written: Series) -> None:
    episode, i = single_reversal(written)
    old = episode.scenes[i]
    beat = BeatType.REVEAL if old.beat is not BeatType.REVEAL else BeatType.FACE_SLAP
    revision = run(written, episode.number, ReplaceBeat(scene=old.id, beat=beat, evidence=WHY))
    assert revision.refused == ()
    after = revision.episode
    new = after.scenes[i]
    assert new.id == f"{old.id}-v2" and new.beat is beat
    assert all(after.scenes[k] is episode.scenes[k] for k in range(len(episode.scenes)) if k != i)
    # Cast and set from the bible; a recipe the series has not played; no line said twice in the episode.
    assert set(new.characters) <= {c.id for c in written.bible.characters}
    assert new.location in {loc.id for loc in written.bible.locations}
    assert new.purpose not in {s.purpose for e in written.episodes for s in e.scenes}
    assert len({line.text for line in after.lines}) == len(after.lines)
    # The same plan on the same series writes the same scene.
    again = run(written, episode.number, ReplaceBeat(scene=old.id, beat=beat, evidence=WHY))
    assert again.episode == after


def test_replacing_the_only_reversal_with_a_plain_beat_is_refused(written: Series) -> None:
    episode, i = single_reversal(written)
    op = ReplaceBeat(scene=episode.scenes[i].id, beat=BeatType.ROMANCE, evidence=WHY)
    (refusal,) = run(written, episode.number, op).refused
    assert "no reversal" in refusal.reason


def test_replace_cliffhanger_changes_the_closing_scene_and_the_question(written: Series) -> None:
    episode = written.episode(2)
    last = episode.scenes[-1]
    revision = run(written, 2, ReplaceCliffhanger(scene=last.id, evidence=WHY))
    after = revision.episode
    assert after.scenes[:-1] == episode.scenes[:-1]
    assert all(a is b for a, b in zip(after.scenes[:-1], episode.scenes[:-1], strict=True))
    new = after.scenes[-1]
    assert new.id == f"{last.id}-v2" and new.beat is BeatType.CLIFFHANGER
    assert new.lines != last.lines
    assert after.cliffhanger != episode.cliffhanger and after.cliffhanger.endswith((".", "?", "!"))


def test_only_a_middle_scene_changes_its_beat(written: Series) -> None:
    episode = written.episode(1)
    refused = run(
        written,
        1,
        ReplaceBeat(scene=episode.scenes[0].id, beat=BeatType.REVEAL, evidence=WHY),
        ReplaceCliffhanger(scene=episode.scenes[1].id, evidence=WHY),
    ).refused
    assert [r.reason for r in refused] == [
        f"scene {episode.scenes[0].id} opens or closes the episode; only a middle scene changes its beat",
        f"scene {episode.scenes[1].id} is not the episode's closing cliffhanger",
    ]


def test_material_that_does_not_fit_the_bible_is_refused_with_what_to_do() -> None:
    series = series_in_shape()
    # No place of the hidden-heir material (wedding venue, street, office …) has a match in this bible.
    woods = Location(
        id="woods",
        name="Pine Woods",
        kind=LocationKind.FOREST,
        description="dark pines",
        palette=("#081c15", "#2d6a4f"),
    )
    bible = series.bible.model_copy(update={"locations": (woods,)})
    episode = series.episodes[0]
    moved = episode.model_copy(
        update={"scenes": tuple(s.model_copy(update={"location": "woods"}) for s in episode.scenes)}
    )
    odd = Series.model_validate({**dict(series), "bible": bible, "episodes": (moved,)})
    (refusal,) = run(odd, 1, ReplaceBeat(scene="e1-s2", beat=BeatType.FACE_SLAP, evidence=WHY)).refused
    assert "no face slap recipe of the hidden_heir material fits this series' bible" in refusal.reason
    assert refusal.reason.endswith("revise with --writer llm")
