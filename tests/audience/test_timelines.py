"""Timelines for the analytics: the build's while it matches the script, otherwise an estimate from word counts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dramaline.audience.timelines import (
    estimate_timeline,
    load_timeline_versions,
    load_timelines,
    matches_script,
)
from dramaline.model import Series, Timeline, WriteRequest
from dramaline.writers.embedded.writer import EmbeddedWriter


@pytest.fixture(scope="module")
def series() -> Series:
    return EmbeddedWriter().write(
        WriteRequest(premise="A janitor humiliated at his ex-wife's wedding is secretly the heir", episodes=3, seed=1)
    )


def _write_build(folder: Path, preset: str, timeline: Timeline) -> Path:
    path = folder / "build" / preset / f"ep{timeline.episode:03d}.timeline.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(timeline.model_dump(mode="json")), encoding="utf-8")
    return path


def test_without_a_build_every_episode_is_estimated_at_150_wpm(series: Series, tmp_path: Path) -> None:
    found = load_timelines(tmp_path, series)
    assert sorted(found) == [1, 2, 3]
    for number, item in found.items():
        assert item.estimated and item.source is None and "not built" in item.note
        assert item.version == 1 and item.key == (number, 1)
        assert item.timeline == estimate_timeline(series, series.episode(number))
        # Speech alone at 150 wpm, plus lead-ins, pauses and tails.
        assert item.duration_s > series.episode(number).word_count * 60 / 150


def test_a_matching_build_is_used_and_final_wins_over_draft(series: Series, tmp_path: Path) -> None:
    # Different speeds make the three candidates tell apart.
    final = estimate_timeline(series, series.episode(1), wpm=170)
    draft = estimate_timeline(series, series.episode(1), wpm=130)
    final_path = _write_build(tmp_path, "final", final)
    _write_build(tmp_path, "draft", draft)
    draft_only = _write_build(tmp_path, "draft", estimate_timeline(series, series.episode(2), wpm=130))
    found = load_timelines(tmp_path, series)
    assert not found[1].estimated and found[1].timeline == final and found[1].source == final_path
    assert not found[2].estimated and found[2].source == draft_only
    assert found[3].estimated


def test_a_build_older_than_the_script_falls_back_to_the_estimate(series: Series, tmp_path: Path) -> None:
    _write_build(tmp_path, "final", estimate_timeline(series, series.episode(1), wpm=170))
    episode = series.episode(1)
    scene = episode.scenes[1]
    edited_line = scene.lines[0].model_copy(update={"text": "Something else entirely, said by the same person."})
    edited_scene = scene.model_copy(update={"lines": (edited_line, *scene.lines[1:])})
    edited = series.with_episodes(
        (
            episode.model_copy(update={"scenes": (episode.scenes[0], edited_scene, *episode.scenes[2:])}),
            *series.episodes[1:],
        )
    )
    found = load_timelines(tmp_path, edited)
    assert found[1].estimated and "no longer matches" in found[1].note
    assert found[1].timeline == estimate_timeline(edited, edited.episode(1))


def test_a_stale_final_build_gives_way_to_a_matching_draft(series: Series, tmp_path: Path) -> None:
    _write_build(
        tmp_path, "final", estimate_timeline(series, series.episode(2), wpm=170).model_copy(update={"episode": 1})
    )
    draft = estimate_timeline(series, series.episode(1), wpm=130)
    _write_build(tmp_path, "draft", draft)
    found = load_timelines(tmp_path, series)
    assert not found[1].estimated and found[1].timeline == draft


@pytest.mark.parametrize("content", ["{not json", '{"episode": 1}', ""])
def test_an_unreadable_build_file_is_ignored(series: Series, tmp_path: Path, content: str) -> None:
    path = tmp_path / "build" / "final" / "ep001.timeline.json"
    path.parent.mkdir(parents=True)
    path.write_text(content, encoding="utf-8")
    assert load_timelines(tmp_path, series)[1].estimated


def test_matches_script_compares_scenes_beats_speakers_and_texts(series: Series) -> None:
    timeline = estimate_timeline(series, series.episode(1))
    assert matches_script(timeline, series.episode(1))
    assert not matches_script(timeline, series.episode(2))
    fewer = timeline.model_copy(update={"scenes": timeline.scenes[:-1]})
    assert not matches_script(fewer, series.episode(1))


def test_the_estimate_follows_the_reading_speed(series: Series, tmp_path: Path) -> None:
    slow = load_timelines(tmp_path, series, wpm=120)[1].duration_s
    fast = load_timelines(tmp_path, series, wpm=200)[1].duration_s
    assert fast < slow


def test_versions_are_keyed_by_episode_and_version(series: Series, tmp_path: Path) -> None:
    versions = load_timeline_versions(tmp_path, series)
    assert sorted(versions) == [(1, 1), (2, 1), (3, 1)]
    assert {k: v.timeline for k, v in versions.items()} == {
        (n, 1): t.timeline for n, t in load_timelines(tmp_path, series).items()
    }
