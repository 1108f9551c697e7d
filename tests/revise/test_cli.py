"""`dramaline revise` and `dramaline diff` end to end, on a series with a simulated audience and a planted hotspot."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dramaline.audience.simulate import AudienceModel, simulate_into
from dramaline.audience.store import EventStore, series_id
from dramaline.audience.timelines import load_timelines
from dramaline.cli import app, main
from dramaline.model import WriteRequest
from dramaline.series_folder import episode_versions, history_path, load_series, save_series, version_log
from dramaline.writers.embedded.writer import EmbeddedWriter

runner = CliRunner()
PREMISE = "A janitor humiliated at his ex-wife's wedding is secretly the heir"


@pytest.fixture(scope="module")
def watched(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A two-episode series whose episode 1, scene 2 makes viewers leave at six times the usual rate."""
    folder = tmp_path_factory.mktemp("revise") / "heir"
    series = EmbeddedWriter().write(WriteRequest(premise=PREMISE, episodes=2, seed=2))
    save_series(series, folder)
    model = AudienceModel(click_through=1.0, punish={series.episode(1).scenes[1].id: 6.0})
    start = datetime.now(UTC) - timedelta(days=3)
    simulate_into(
        EventStore(folder),
        series,
        load_timelines(folder, series),
        model,
        1500,
        1,
        start,
        2,
        series_id=series_id(folder),
    )
    return folder


@pytest.fixture
def folder(watched: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "heir"
    shutil.copytree(watched, copy)
    return copy


def test_revise_prints_the_plan_with_its_evidence_and_writes_nothing(folder: Path) -> None:
    hot = load_series(folder).episode(1).scenes[1].id
    result = runner.invoke(app, ["revise", str(folder), "--episode", "1"])
    assert result.exit_code == 0, result.output
    assert "of the events are simulated" in result.output
    assert "Episode 1 v1: " in result.output
    assert f"Tighten scene {hot}:" in result.output
    assert "this episode's average rate; the interval of that loss" in result.output
    assert f"dramaline revise {folder} --apply" in result.output
    assert episode_versions(folder, 1) == [1]


def test_apply_writes_the_next_version_keeps_the_old_one_and_says_why(folder: Path) -> None:
    before = load_series(folder).episode(1)
    hot = before.scenes[1].id
    result = runner.invoke(app, ["revise", str(folder), "--episode", "1", "--apply"])
    assert result.exit_code == 0, result.output
    assert "saved episode 1 v2 (embedded writer)" in result.output
    assert f"~ {hot} (" in result.output and "changed:" in result.output
    assert episode_versions(folder, 1) == [1, 2]
    after = load_series(folder).episode(1)
    (tightened,) = [s for s in after.scenes if s.id == hot]  # the plan may move scenes; ids stay
    assert after.version == 2 and tightened.lines != before.scenes[1].lines
    assert tightened.word_count < before.scenes[1].word_count
    assert history_path(folder, 1, 1).is_file()
    note = version_log(folder, 1)[2]
    assert note.startswith("Episode 1 v1: ") and f"Tighten scene {hot}" in note

    shown = runner.invoke(app, ["diff", str(folder), "--episode", "1", "v1", "v2"])
    assert shown.exit_code == 0, shown.output
    assert "Episode 1: v1 → v2" in shown.output
    assert f"~ {hot} (" in shown.output
    assert "Why v2 was made:" in shown.output and f"Tighten scene {hot}" in shown.output
    # Without versions, diff compares the current version with the one before.
    assert runner.invoke(app, ["diff", str(folder), "--episode", "1"]).output == shown.output


def test_without_data_the_plan_says_so(tmp_path: Path) -> None:
    folder = tmp_path / "quiet"
    save_series(EmbeddedWriter().write(WriteRequest(premise=PREMISE, episodes=1)), folder)
    result = runner.invoke(app, ["revise", str(folder), "--apply"])
    assert result.exit_code == 0, result.output
    assert "No viewing data for v1 yet" in result.output
    assert "Nothing to revise: no episode has a significant problem." in result.output
    assert episode_versions(folder, 1) == [1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["revise", "{folder}", "--episode", "7"], "--episode 7: the series has episodes 1-2; pick one of those"),
        (["diff", "{folder}", "--episode", "2"], "episode 2 has only version 1; nothing to compare yet"),
        (["diff", "{folder}", "--episode", "1", "v1", "v5"], "episode 1 has no version 5; it has v1"),
        (["diff", "{folder}", "--episode", "1", "first", "v2"], "version 'first': write it as v2 or 2"),
    ],
)
def test_bad_requests_fail_with_one_clear_line(
    folder: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code = main([a.replace("{folder}", str(folder)) for a in args])
    _, err = capsys.readouterr()
    assert code == 1
    assert message in err.replace("\n", "") and "Traceback" not in err
