"""Each revision operation on a hand-made script: what changes, what stays the very same, and clear refusals."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from dramaline.errors import InvalidInputError
from dramaline.model import (
    BeatType,
    ColdOpen,
    Emotion,
    Evidence,
    MoveRevealEarlier,
    ReorderScenes,
    ReplaceBeat,
    RevisionOperation,
    RevisionPlan,
    Series,
    SharpenCliffhanger,
    ShortenedLine,
    TightenScene,
)
from dramaline.revise.apply import Revision, apply_plan
from tests.revise.scripts import series_in_shape

WHY = Evidence(summary="Scene 2 lost viewers faster than the episode's baseline.", numbers={"rate_ratio": 1.8})


@pytest.fixture
def series() -> Series:
    return series_in_shape()


def run(series: Series, *operations: RevisionOperation) -> Revision:
    return apply_plan(series, RevisionPlan(episode=1, summary="test plan", operations=operations))


def test_tighten_cuts_and_shortens_one_scene_and_leaves_every_other_scene_the_same_object(series: Series) -> None:
    op = TightenScene(
        scene="e1-s2",
        cut=(3,),
        shorten=(ShortenedLine(line=1, text="My former husband, the man who cleans our floors."),),
        evidence=WHY,
    )
    revision = run(series, op)
    before, after = revision.before, revision.episode
    assert revision.applied == (op,) and revision.refused == ()
    assert after.version == 2 and before.version == 1
    assert [s.id for s in after.scenes] == [s.id for s in before.scenes]
    for i in (0, 2, 3, 4):
        assert after.scenes[i] is before.scenes[i]
    old, new = before.scenes[1], after.scenes[1]
    assert [line.text for line in new.lines] == [
        "My former husband, the man who cleans our floors.",
        old.lines[1].text,
        old.lines[3].text,
        old.lines[4].text,
    ]
    # The shortened line keeps who says it and how.
    assert (new.lines[0].speaker, new.lines[0].emotion) == ("claire", Emotion.SMUG)
    assert (new.beat, new.location, new.characters) == (old.beat, old.location, old.characters)
    assert after.word_count == 185 - 17 - 2


def test_tighten_refuses_lines_the_scene_does_not_have_and_cutting_every_line(series: Series) -> None:
    revision = run(
        series,
        TightenScene(scene="e1-s9", cut=(1,), evidence=WHY),
        TightenScene(scene="e1-s2", cut=(2, 9), evidence=WHY),
        TightenScene(scene="e1-s4", cut=(1,), evidence=WHY),
    )
    assert revision.applied == () and revision.episode is revision.before
    reasons = [r.reason for r in revision.refused]
    assert reasons[0] == "episode 1 has no scene 'e1-s9'; its scenes are e1-s1, e1-s2, e1-s3, e1-s4, e1-s5"
    assert reasons[1] == "scene e1-s2 has lines 1–5; there is no line 9"
    assert reasons[2] == "cutting lines [1] would leave scene e1-s4 with no line"


def test_a_cut_that_would_make_the_episode_too_short_is_refused_with_the_rule(series: Series) -> None:
    # 185 − (11 + 9 + 17 + 11) = 137 words: under the genre's 150.
    revision = run(series, TightenScene(scene="e1-s2", cut=(1, 2, 3, 4), evidence=WHY))
    assert revision.applied == ()
    (refusal,) = revision.refused
    assert "137 spoken words" in refusal.reason and "it needs 150–300 words" in refusal.reason


def test_move_reveal_earlier_changes_the_order_only(series: Series) -> None:
    revision = run(series, MoveRevealEarlier(scene="e1-s3", to_position=2, evidence=WHY))
    before, after = revision.before, revision.episode
    assert [s.id for s in after.scenes] == ["e1-s1", "e1-s3", "e1-s2", "e1-s4", "e1-s5"]
    assert {id(s) for s in after.scenes} == {id(s) for s in before.scenes}


def test_only_a_payoff_moves_and_only_forward(series: Series) -> None:
    revision = run(
        series,
        MoveRevealEarlier(scene="e1-s2", to_position=2, evidence=WHY),
        MoveRevealEarlier(scene="e1-s3", to_position=3, evidence=WHY),
    )
    assert [r.reason for r in revision.refused] == [
        "scene e1-s2 is a humiliation, not a payoff to move",
        "scene e1-s3 is already at position 3, not after 3",
    ]


def test_reorder_must_name_every_scene_and_keep_the_shape(series: Series) -> None:
    good = ReorderScenes(order=("e1-s1", "e1-s3", "e1-s4", "e1-s2", "e1-s5"), evidence=WHY)
    assert [s.id for s in run(series, good).episode.scenes] == list(good.order)
    missing = ReorderScenes(order=("e1-s1", "e1-s3", "e1-s2", "e1-s5"), evidence=WHY)
    cliff_first = ReorderScenes(order=("e1-s5", "e1-s2", "e1-s3", "e1-s4", "e1-s1"), evidence=WHY)
    revision = run(series, missing, cliff_first)
    assert revision.refused[0].reason == "the new order must name every scene of episode 1 once; it leaves out e1-s4"
    assert revision.refused[1].reason.startswith(
        "it would break the episode's shape: episode 1: the first scene's beat"
    )


def test_cold_open_moves_a_line_into_a_new_opening_scene(series: Series) -> None:
    revision = run(series, ColdOpen(source="e1-s3", line=2, evidence=WHY))
    before, after = revision.before, revision.episode
    opening = after.scenes[0]
    assert opening.id == "e1-s3-cold-v2" and opening.beat is BeatType.HOOK
    assert opening.lines == (before.scenes[2].lines[1],)
    assert (opening.location, opening.time_of_day) == (before.scenes[2].location, before.scenes[2].time_of_day)
    assert [s.id for s in after.scenes[1:]] == [s.id for s in before.scenes]
    assert after.scenes[1] is before.scenes[0]  # the old opening, now second, untouched
    assert [line.text for line in after.scenes[3].lines] == [
        line.text for k, line in enumerate(before.scenes[2].lines) if k != 1
    ]
    assert after.word_count == before.word_count  # moved, not copied: no line is said twice


def test_cold_open_refusals(series: Series) -> None:
    revision = run(
        series,
        ColdOpen(source="e1-s1", line=2, evidence=WHY),
        ColdOpen(source="e1-s4", line=1, evidence=WHY),
    )
    assert [r.reason for r in revision.refused] == [
        "scene e1-s1 already opens the episode; a cold open takes a later scene's line",
        "scene e1-s4 has one line; moving it would leave the scene empty",
    ]


def test_sharpen_cliffhanger_keeps_its_question(series: Series) -> None:
    revision = run(series, SharpenCliffhanger(scene="e1-s5", cut=(2, 3), evidence=WHY))
    last = revision.episode.scenes[-1]
    assert [line.text for line in last.lines] == [
        "Drive. We have a company to take back tonight.",
        "Who are you really?",
    ]
    refused = run(
        series,
        SharpenCliffhanger(scene="e1-s5", cut=(4,), evidence=WHY),
        SharpenCliffhanger(scene="e1-s3", cut=(2,), evidence=WHY),
    ).refused
    assert [r.reason for r in refused] == [
        "line 4 is the cliffhanger's last line, the question it ends on",
        "scene e1-s3 is not the episode's closing cliffhanger",
    ]


def test_one_scene_is_changed_by_one_operation_only(series: Series) -> None:
    first = TightenScene(scene="e1-s2", cut=(3,), evidence=WHY)
    second = TightenScene(scene="e1-s2", cut=(2,), evidence=WHY)
    revision = run(series, first, second)
    assert revision.applied == (first,)
    assert revision.refused[0].reason == "scene e1-s2 was already changed by an earlier operation of this plan"


def test_a_plan_for_another_version_is_refused_before_anything_is_done(series: Series) -> None:
    plan = RevisionPlan(episode=1, version=2, summary="old plan", operations=())
    with pytest.raises(InvalidInputError, match="made for episode 1 v2, but the episode is now at v1"):
        apply_plan(series, plan)
    with pytest.raises(InvalidInputError, match="the series has episodes 1-1"):
        apply_plan(series, RevisionPlan(episode=4, summary="nope"))


def test_an_empty_plan_changes_nothing(series: Series) -> None:
    revision = run(series)
    assert not revision.changed and revision.episode is revision.before


def test_operations_are_validated_and_round_trip_through_json() -> None:
    with pytest.raises(ValidationError, match="needs lines to cut or to shorten"):
        TightenScene(scene="s", evidence=WHY)
    with pytest.raises(ValidationError, match="cut or shortened once"):
        TightenScene(scene="s", cut=(2,), shorten=(ShortenedLine(line=2, text="Shorter."),), evidence=WHY)
    with pytest.raises(ValidationError, match="cannot be a 'cliffhanger'"):
        ReplaceBeat(scene="s", beat=BeatType.CLIFFHANGER, evidence=WHY)
    plan = RevisionPlan(
        episode=3,
        summary="Two changes.",
        operations=(
            TightenScene(scene="a", cut=(2,), evidence=WHY),
            ReplaceBeat(scene="b", beat=BeatType.FACE_SLAP, evidence=WHY),
        ),
    )
    again = RevisionPlan.model_validate_json(plan.model_dump_json())
    assert again == plan and isinstance(again.operations[1], ReplaceBeat)
    assert plan.describe().splitlines() == [
        "Episode 3 v1: Two changes.",
        "1. Tighten scene a: cut line 2",
        f"   {WHY.summary}",
        "2. Replace scene b with a face slap scene",
        f"   {WHY.summary}",
    ]
