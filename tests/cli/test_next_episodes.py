"""`dramaline next` end to end: guidance from a simulated audience, episodes written on, saved and logged."""

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
from dramaline.decide.guidance_log import guidance_log_path, load_guidance_log
from dramaline.model import WriteRequest
from dramaline.series_folder import episode_path, episode_versions, load_series, save_series
from dramaline.shape import series_problems
from dramaline.writers.embedded.writer import EmbeddedWriter

runner = CliRunner()
PREMISE = "A janitor humiliated at his ex-wife's wedding is secretly the heir"


@pytest.fixture(scope="module")
def watched(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A four-episode series that 1,500 simulated viewers have watched."""
    folder = tmp_path_factory.mktemp("next") / "heir"
    series = EmbeddedWriter().write(WriteRequest(premise=PREMISE, episodes=4, seed=2))
    save_series(series, folder)
    start = datetime.now(UTC) - timedelta(days=3)
    timelines = load_timelines(folder, series)
    simulate_into(
        EventStore(folder), series, timelines, AudienceModel(), 1500, 1, start, 2, series_id=series_id(folder)
    )
    return folder


@pytest.fixture
def folder(watched: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "heir"
    shutil.copytree(watched, copy)
    return copy


def test_next_prints_the_guidance_writes_on_and_logs_the_choices(folder: Path) -> None:
    kept = [episode_path(folder, n).read_bytes() for n in (1, 2)]
    result = runner.invoke(app, ["next", str(folder), "--from", "3", "--add", "2", "--seed", "4"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Audience guidance" in out and "views of episodes 1–4 of heir" in out and "all simulated" in out
    assert "the series' average rate (95% interval" in out  # every beat's evidence cites its numbers
    assert "exploration: 20% of choices set the guidance aside" in out
    assert "wrote episodes 3–6 of" in out and "(kept 1–2 as they were)" in out
    assert "(guided)" in out
    assert "choices:" in out and "guidance.yaml" in out
    # Episodes 1–2 untouched, byte for byte; 3–4 are new versions (the old ones kept), 5–6 new.
    assert [episode_path(folder, n).read_bytes() for n in (1, 2)] == kept
    series = load_series(folder)
    assert [e.version for e in series.episodes] == [1, 1, 2, 2, 1, 1]
    assert episode_versions(folder, 3) == [1, 2]
    assert series_problems(series) == []
    log = load_guidance_log(folder)
    (run,) = log.runs
    assert run.episodes == (3, 4, 5, 6) and run.guidance is not None and run.guidance.exploration == 0.2
    assert run.choices and all(c.episode in run.episodes for c in run.choices)


def test_next_without_the_audience_writes_unguided_and_replaces_the_logged_run(folder: Path) -> None:
    assert runner.invoke(app, ["next", str(folder), "--from", "3", "--exploration", "0"]).exit_code == 0
    result = runner.invoke(app, ["next", str(folder), "--from", "4", "--no-audience", "--seed", "1"])
    assert result.exit_code == 0, result.output
    assert "Audience guidance" not in result.output and "wrote episode 4 of" in result.output
    runs = load_guidance_log(folder).runs
    assert [r.episodes for r in runs] == [(3,), (4,)]
    assert runs[0].guidance is not None and runs[1].guidance is None
    assert all(c.episode == 3 for c in runs[0].choices)


def test_bad_options_and_missing_data_are_one_clear_line(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["next", str(folder), "--from", "9"]) == 1
    assert "from episode 9: the series has 4 episodes" in capsys.readouterr().err
    assert main(["next", str(folder), "--from", "2", "--exploration", "1.5"]) == 1
    assert "--exploration 1.5: give a share between 0 and 1" in capsys.readouterr().err
    unwatched = tmp_path / "unwatched"
    save_series(load_series(folder), unwatched)
    assert main(["next", str(unwatched), "--from", "2"]) == 1
    err = capsys.readouterr().err
    assert "has no viewing data yet" in err and "--no-audience" in err
    assert not guidance_log_path(unwatched).exists()
