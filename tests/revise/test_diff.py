"""The difference between two versions of an episode, read scene by scene and line by line."""

from __future__ import annotations

from dramaline.model import BeatType, Emotion, Episode
from dramaline.revise.diff import diff_episodes, format_diff
from tests.revise.scripts import episode, scene, series_in_shape

SLAP = (
    ("ethan", "You wanted me on my knees. Look who is kneeling now.", Emotion.COLD),
    ("claire", "Ethan, please, I did not know who you were.", Emotion.PLEADING),
)


def revised() -> tuple[Episode, Episode]:
    """Version 1, and a version 2 that opens cold, moves the reveal up, tightens scene 2 and rewrites the tag."""
    v1 = episode()
    s1, s2, s3, _, s5 = v1.scenes
    cold = s3.model_copy(update={"id": "e1-s3-cold-v2", "beat": BeatType.HOOK, "lines": (s3.lines[1],)})
    s3_rest = s3.model_copy(update={"lines": (s3.lines[0], *s3.lines[2:])})
    shorter = s2.lines[0].model_copy(update={"text": "My former husband, the man who cleans our floors."})
    s2_tight = s2.model_copy(update={"lines": (shorter, s2.lines[1], s2.lines[3], s2.lines[4])})
    slap = scene("e1-s4-v2", BeatType.FACE_SLAP, "street", SLAP)
    v2 = v1.model_copy(
        update={
            "version": 2,
            "cliffhanger": "Who is the stranger with the camera?",
            "scenes": (cold, s1, s3_rest, s2_tight, slap, s5),
        }
    )
    return v1, v2


def test_every_kind_of_scene_change_is_named() -> None:
    v1, v2 = revised()
    d = diff_episodes(v1, v2)
    kinds = [(c.kind, c.old_id, c.new_id, c.old_position, c.new_position) for c in d.scenes]
    assert kinds == [
        ("added", None, "e1-s3-cold-v2", None, 1),
        ("unchanged", "e1-s1", "e1-s1", 1, 2),  # shifted by the new opening, not moved
        ("changed", "e1-s3", "e1-s3", 3, 3),
        ("changed", "e1-s2", "e1-s2", 2, 4),
        ("replaced", "e1-s4", "e1-s4-v2", 4, 5),
        ("unchanged", "e1-s5", "e1-s5", 5, 6),
    ]
    assert d.rewritten == ("e1-s3-cold-v2", "e1-s3", "e1-s2", "e1-s4-v2")
    assert d.fields == (("cliffhanger", "Who photographed Ethan leaving?", "Who is the stranger with the camera?"),)
    assert [c.moved for c in d.scenes] == [False, False, True, False, False, False]
    tightened = d.scenes[3].lines
    assert [(c.kind, c.old_position, c.new_position) for c in tightened] == [("changed", 1, 1), ("cut", 3, None)]
    replaced = d.scenes[4]
    assert (replaced.old_beat, replaced.new_beat) == (BeatType.RESCUE, BeatType.FACE_SLAP)
    assert [c.kind for c in replaced.lines] == ["cut", "added", "added"]


def test_a_pure_move_reads_as_a_move() -> None:
    v1 = episode()
    s1, s2, s3, s4, s5 = v1.scenes
    v2 = v1.model_copy(update={"version": 2, "scenes": (s1, s3, s2, s4, s5)})
    d = diff_episodes(v1, v2)
    assert [(c.kind, c.new_id) for c in d.scenes] == [
        ("unchanged", "e1-s1"),
        ("moved", "e1-s3"),
        ("unchanged", "e1-s2"),
        ("unchanged", "e1-s4"),
        ("unchanged", "e1-s5"),
    ]
    assert d.rewritten == ()


def test_a_scene_left_out_is_removed() -> None:
    v1 = episode()
    v2 = v1.model_copy(update={"version": 2, "scenes": v1.scenes[:3] + v1.scenes[4:]})
    d = diff_episodes(v1, v2)
    assert d.scenes[-1].kind == "removed" and d.scenes[-1].old_id == "e1-s4"
    assert "- e1-s4 (rescue) removed" in format_diff(d)


def test_the_text_names_speakers_and_shows_old_and_new_lines() -> None:
    v1, v2 = revised()
    text = format_diff(diff_episodes(v1, v2), series_in_shape())
    assert text.splitlines() == [
        "Episode 1: v1 → v2",
        "Beats: hook › humiliation › reveal › rescue › cliffhanger  →  "
        "hook › hook › reveal › humiliation › face slap › cliffhanger",
        "Scenes:",
        "  + e1-s3-cold-v2 (hook) new, at position 1",
        "  = e1-s1 (hook) unchanged",
        "  ~ e1-s3 (reveal) moved and changed: 1 line cut",
        "      - line 2 CLAIRE VANCE: Why are they bowing to you? Who are these people, Ethan?",
        "  ~ e1-s2 (humiliation) changed: 1 line cut, 1 line changed",
        "      ~ line 1 CLAIRE VANCE: Everyone, look. My former husband, the man who cleans our floors.",
        "        now line 1 CLAIRE VANCE: My former husband, the man who cleans our floors.",
        "      - line 3 CLAIRE VANCE: Then kneel and wipe my shoes. A servant should know his place. "
        "Go on, everyone is waiting.",
        "  * e1-s4 replaced by e1-s4-v2 (rescue → face slap): 1 line cut, 2 lines added",
        "      - line 1 ETHAN COLE: Not yet, old friend. Not yet.",
        "      + line 1 ETHAN COLE: You wanted me on my knees. Look who is kneeling now.",
        "      + line 2 CLAIRE VANCE: Ethan, please, I did not know who you were.",
        "  = e1-s5 (cliffhanger) unchanged",
        "Cliffhanger: Who photographed Ethan leaving?",
        "           → Who is the stranger with the camera?",
    ]


def test_the_same_episode_has_no_difference() -> None:
    v1 = episode()
    d = diff_episodes(v1, v1.model_copy(update={"version": 2}))
    assert d.same and d.rewritten == ()
    assert format_diff(d) == "Episode 1: v1 → v2\nNo difference."
