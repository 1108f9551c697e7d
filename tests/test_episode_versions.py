"""Episode versions: a revision becomes the next version, the one viewers saw is kept, and each has a timeline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dramaline.audience.timelines import estimate_timeline, load_timeline_versions, load_timelines
from dramaline.errors import InvalidInputError
from dramaline.model import Episode, Line, Series
from dramaline.series_folder import (
    episode_path,
    episode_versions,
    history_path,
    load_episode_version,
    load_series,
    save_episode_version,
    save_series,
    version_log,
)


def _retitled(episode: Episode, text: str) -> Episode:
    """`episode` with its first line's text replaced."""
    first = episode.scenes[0]
    lines = (first.lines[0].model_copy(update={"text": text}), *first.lines[1:])
    return episode.model_copy(update={"scenes": (first.model_copy(update={"lines": lines}), *episode.scenes[1:])})


@pytest.fixture
def folder(series: Series, tmp_path: Path) -> Path:
    out = tmp_path / "s"
    save_series(series, out)
    return out


def test_a_new_version_keeps_the_old_one(series: Series, folder: Path) -> None:
    old = series.episode(1)
    assert old.version == 1 and "version:" not in episode_path(folder, 1).read_text()  # the default stays out
    updated = save_episode_version(folder, _retitled(old, "The rain has not stopped for a week."), note="tighten s1")
    assert updated.episode(1).version == 2 and updated.episodes[1:] == series.episodes[1:]
    assert load_series(folder) == updated
    assert episode_versions(folder, 1) == [1, 2]
    assert load_episode_version(folder, 1, 1) == old
    assert load_episode_version(folder, 1, 2) == updated.episode(1)
    assert history_path(folder, 1, 1).is_file()
    assert version_log(folder, 1) == {2: "tighten s1"}
    assert episode_versions(folder, 2) == [1]


def test_versions_count_up_from_the_current_one_whatever_the_episode_says(series: Series, folder: Path) -> None:
    first = save_episode_version(folder, _retitled(series.episode(1), "One."), note="a")
    second = save_episode_version(folder, _retitled(first.episode(1), "Two.").model_copy(update={"version": 9}))
    assert second.episode(1).version == 3
    assert episode_versions(folder, 1) == [1, 2, 3]
    assert [load_episode_version(folder, 1, v).lines[0].text for v in (2, 3)] == ["One.", "Two."]
    assert version_log(folder, 1) == {2: "a", 3: ""}


def test_an_unchanged_episode_is_refused_and_nothing_is_written(series: Series, folder: Path) -> None:
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    with pytest.raises(InvalidInputError, match="same as version 1"):
        save_episode_version(folder, series.episode(2))
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before


def test_a_version_that_breaks_the_series_is_refused(series: Series, folder: Path) -> None:
    episode = series.episode(1)
    scene = episode.scenes[0]
    stranger = Line(speaker=scene.lines[0].speaker, text="Who are you?")
    bad_scene = scene.model_copy(update={"location": "the-moon", "lines": (stranger,)})
    bad = episode.model_copy(update={"scenes": (bad_scene, *episode.scenes[1:])})
    with pytest.raises(InvalidInputError, match="does not fit the series"):
        save_episode_version(folder, bad)
    assert episode_versions(folder, 1) == [1]


def test_unknown_versions_and_episodes_are_explained(folder: Path) -> None:
    with pytest.raises(InvalidInputError, match="has no version 4; it has v1"):
        load_episode_version(folder, 1, 4)
    with pytest.raises(InvalidInputError, match="no episode 40"):
        episode_versions(folder, 40)


def test_every_version_gets_a_timeline_and_old_builds_are_used(series: Series, folder: Path) -> None:
    v1 = series.episode(1)
    # A build of version 1, kept where the production line keeps every version's timeline.
    built = estimate_timeline(series, v1, wpm=170)
    path = folder / "build" / "final" / "versions" / "ep001.v1.timeline.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(built.model_dump(mode="json")), encoding="utf-8")
    updated = save_episode_version(folder, _retitled(v1, "A different first line entirely."))
    found = load_timeline_versions(folder, updated)
    assert sorted(found) == [(1, 1), (1, 2), *((n, 1) for n in range(2, len(series.episodes) + 1))]
    assert not found[1, 1].estimated and found[1, 1].timeline == built and found[1, 1].version == 1
    assert found[1, 2].estimated and found[1, 2].timeline.episode_version == 2
    assert found[1, 2].timeline.scenes[0].lines[0].text == "A different first line entirely."
    assert load_timelines(folder, updated)[1].version == 2
