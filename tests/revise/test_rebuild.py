"""A revision rebuilds only what it changed: the production line's segment keys move only for edited scenes.

`make` keys each shot's segment by the digest of its job (the shot timed from its own start,
the looks and place it shows, the preset), and voices each line by its text, emotion and voice.
Laying both versions out from their word counts, as `make` would with voices of that length,
and keying every scene's job the way `make` does, shows the rebuild set without rendering.
"""

from __future__ import annotations

from dramaline.audience.timelines import estimate_timeline
from dramaline.model import PRESETS, ColdOpen, Episode, Evidence, RevisionPlan, Series, TightenScene
from dramaline.produce import segments
from dramaline.produce.build import _segment_job, segment_key
from dramaline.revise.apply import apply_plan
from dramaline.revise.diff import diff_episodes
from tests.revise.scripts import series_in_shape

WHY = Evidence(summary="Scene 2 lost viewers.")
PRESET = PRESETS["draft"]


def segment_keys(series: Series, episode: Episode) -> dict[str, tuple[str, ...]]:
    """Scene id → the cache keys `make` gives that scene's segments (a shot's, or its pieces')."""
    timeline = estimate_timeline(series, episode, preset=PRESET)
    jobs = [_segment_job(series, timeline, i, PRESET) for i in range(len(timeline.scenes))]
    return {
        placed.scene_id: tuple(segment_key(p) for shot in segments.split(job) for p in segments.pieces(shot))
        for placed, job in zip(timeline.scenes, jobs, strict=True)
    }


def line_keys(episode: Episode) -> set[tuple[str, str]]:
    """What a line's take is keyed by, besides the speaker's voice: its text and emotion."""
    return {(line.text, line.emotion.value) for line in episode.lines}


def test_tightening_one_scene_changes_that_scene_s_segment_key_only() -> None:
    series = series_in_shape()
    plan = RevisionPlan(episode=1, summary="test", operations=(TightenScene(scene="e1-s2", cut=(2, 3), evidence=WHY),))
    revision = apply_plan(series, plan)
    before = segment_keys(series, revision.before)
    after = segment_keys(series, revision.episode)
    assert before.keys() == after.keys()
    changed = {sid for sid in before if before[sid] != after[sid]}
    assert changed == {"e1-s2"} == set(diff_episodes(revision.before, revision.episode).rewritten)
    # Later scenes start earlier now, but are keyed by their own timing: their segments are reused.
    assert after["e1-s5"] == before["e1-s5"]
    # No line needs voicing again: the cut lines are gone and every other take is the same.
    assert line_keys(revision.episode) < line_keys(revision.before)


def test_a_cold_open_renders_the_new_opening_and_the_scene_that_gave_its_line() -> None:
    series = series_in_shape()
    plan = RevisionPlan(episode=1, summary="test", operations=(ColdOpen(source="e1-s3", line=2, evidence=WHY),))
    revision = apply_plan(series, plan)
    before = segment_keys(series, revision.before)
    after = segment_keys(series, revision.episode)
    new = {sid for sid, k in after.items() if before.get(sid) != k}
    # The old opening moves to second place: it loses the opening's label frames, so it is drawn again too.
    assert new == {"e1-s3-cold-v2", "e1-s3", "e1-s1"}
    assert {sid: after[sid] for sid in ("e1-s2", "e1-s4", "e1-s5")} == {
        sid: before[sid] for sid in ("e1-s2", "e1-s4", "e1-s5")
    }
    assert line_keys(revision.episode) == line_keys(revision.before)  # moved, not rewritten: nothing to voice
