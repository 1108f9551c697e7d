"""Series folders: YAML on disk, atomic writes, and load errors that name file, field and fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from dramaline.errors import SeriesFileError
from dramaline.model import Series
from dramaline.series_folder import episode_path, load_series, save_series


def test_save_and_load_round_trip(series: Series, tmp_path: Path) -> None:
    folder = tmp_path / "s"
    save_series(series, folder)
    assert (folder / "series.yaml").is_file()
    assert episode_path(folder, 2).is_file()
    assert load_series(folder) == series
    text = episode_path(folder, 1).read_text()
    assert "delivery: ''" not in text  # defaults are left out so files stay readable


def test_saving_fewer_episodes_removes_stale_files(series: Series, tmp_path: Path) -> None:
    folder = tmp_path / "s"
    save_series(series, folder)
    save_series(series.with_episodes(series.episodes[:1]), folder)
    assert not episode_path(folder, 2).exists()
    assert len(load_series(folder).episodes) == 1


def test_no_temporary_files_left_behind(series: Series, tmp_path: Path) -> None:
    save_series(series, tmp_path / "s")
    save_series(series, tmp_path / "s")
    leftovers = [p for p in tmp_path.rglob(".*") if p.name not in (".", "..")]
    assert leftovers == []


def test_missing_folder_says_how_to_create_one(tmp_path: Path) -> None:
    with pytest.raises(SeriesFileError, match=r"not a series folder.*dramaline new"):
        load_series(tmp_path / "nothing")


def _saved(series: Series, tmp_path: Path) -> Path:
    folder = tmp_path / "s"
    save_series(series, folder)
    return folder


def test_bad_enum_names_file_line_field_and_choices(series: Series, tmp_path: Path) -> None:
    folder = _saved(series, tmp_path)
    path = episode_path(folder, 1)
    path.write_text(path.read_text().replace("emotion: smug", "emotion: smirking"))
    with pytest.raises(SeriesFileError) as err:
        load_series(folder)
    msg = str(err.value)
    assert str(path) in msg
    assert "scenes[0].lines[1].emotion" in msg
    assert "'angry'" in msg and "smirking" in msg
    line_no = next(i for i, t in enumerate(path.read_text().splitlines(), 1) if "smirking" in t)
    assert f"line {line_no}:" in msg


def test_yaml_syntax_error_names_line(series: Series, tmp_path: Path) -> None:
    folder = _saved(series, tmp_path)
    (folder / "series.yaml").write_text("title: [unclosed\nlogline: x\n")
    with pytest.raises(SeriesFileError, match=r"series\.yaml: line \d+, column \d+: invalid YAML"):
        load_series(folder)


def test_misspelt_field_is_reported_with_hint(series: Series, tmp_path: Path) -> None:
    folder = _saved(series, tmp_path)
    path = folder / "series.yaml"
    path.write_text(path.read_text().replace("logline:", "log_line:"))
    with pytest.raises(SeriesFileError) as err:
        load_series(folder)
    assert "log_line: Extra inputs are not permitted; did you mean `logline:`?" in str(err.value)


def test_unknown_character_in_episode_names_episode_file(series: Series, tmp_path: Path) -> None:
    folder = _saved(series, tmp_path)
    path = episode_path(folder, 2)
    path.write_text(path.read_text().replace("claire", "margaret"))
    with pytest.raises(SeriesFileError) as err:
        load_series(folder)
    assert str(path) in str(err.value) and "margaret" in str(err.value) and "series.yaml" in str(err.value)


def test_wrong_schema_version_is_explained(series: Series, tmp_path: Path) -> None:
    folder = _saved(series, tmp_path)
    path = folder / "series.yaml"
    path.write_text(path.read_text().replace("schema_version: 1", "schema_version: 7"))
    with pytest.raises(SeriesFileError, match=r"schema_version: is 7.*reads schema 1"):
        load_series(folder)


def test_gap_in_episode_files_is_reported(series: Series, tmp_path: Path) -> None:
    folder = _saved(series, tmp_path)
    episode_path(folder, 2).rename(folder / "episodes" / "ep004.yaml")
    with pytest.raises(SeriesFileError, match=r"expected ep002\.yaml"):
        load_series(folder)


def test_target_that_is_a_file_is_refused(series: Series, tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(SeriesFileError, match="not a folder"):
        save_series(series, target)
