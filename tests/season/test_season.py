"""The season: launch, simulated weeks through the whole loop, weekly reports, resume, and no double counting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dramaline.audience.store import EventStore
from dramaline.cli import main
from dramaline.decide.portfolio_io import load_state
from dramaline.errors import InvalidInputError
from dramaline.model import PeriodBudget, SeasonConfig
from dramaline.season.market import hidden_audience
from dramaline.season.run import load_season, run_season, start_season
from dramaline.season.week import simulate_week
from dramaline.series_folder import episode_versions, load_series


def _config(weeks: int) -> SeasonConfig:
    start = datetime(2026, 1, 5, tzinfo=UTC)
    return SeasonConfig(
        series=2,
        weeks=weeks,
        seed=3,
        start=start,
        episodes_written=4,
        launch_episodes=2,
        viewers_per_week=300,
        viewers_per_promotion=100,
        budget=PeriodBudget(episodes=2, promotion=2.0),
        preset="none",
    )


def _events(folder: Path) -> int:
    row = EventStore(folder).connect().execute("SELECT count(*) FROM events").fetchone()
    return int(row[0]) if row else 0


@pytest.fixture(scope="module")
def season(tmp_path_factory: pytest.TempPathFactory) -> Path:
    studio = tmp_path_factory.mktemp("studio")
    run_season(studio, _config(weeks=1), None)
    return studio


def test_a_week_runs_the_whole_loop_and_reports_it(season: Path) -> None:
    state = load_season(season)
    assert state is not None and len(state.weeks) == 1 and len(state.series) == 2
    week = state.weeks[0]
    assert {s.series_id for s in week.series} == {s.series_id for s in state.series}
    for entry, record in zip(state.series, week.series, strict=True):
        assert record.viewers == 300 and record.views > 0 and 0 < record.completions <= record.views
        assert record.decision.split(":")[0] in {"greenlight", "promote", "hold", "sunset"}
        # Greenlit episodes are released next week, and written ahead of time.
        assert entry.released == record.released >= 2
        assert len(load_series(season / entry.series_id).episodes) >= entry.released
    # The portfolio decided period 1 and recorded it.
    assert load_state(season).period == 1
    text = (season / week.report).read_text()
    assert "Simulated audience" in text and "Decision:" in text and "Diversity" in text
    for entry in state.series:
        assert entry.title in text


def test_revisions_become_versions_that_viewers_watch_next_week(season: Path) -> None:
    state = load_season(season)
    assert state is not None
    revised = [(s.series_id, note) for s in state.weeks[0].series for note in s.revisions]
    for sid, note in revised:
        number = int(note.split()[1])
        assert len(episode_versions(season / sid, number)) >= 2


def test_rerunning_a_week_adds_no_events(season: Path) -> None:
    state = load_season(season)
    assert state is not None
    entry = state.series[0]
    folder = season / entry.series_id
    before = _events(folder)
    # The same week again (as after a crash): the same ids, ignored by the store.
    launch_entry = entry.model_copy(update={"released": 2, "promotion": 0.0})
    simulate_week(season, state.config, launch_entry, 0, 1)
    assert _events(folder) == before


def test_a_season_resumes_at_the_next_week(season: Path) -> None:
    before = {p.name: p.read_bytes() for p in (season / "season").glob("*.md")}
    state = run_season(season, _config(weeks=2), None)
    assert [w.week for w in state.weeks] == [1, 2]
    assert (season / "season" / "week-01.md").read_bytes() == before["week-01.md"]  # week 1 is not redone
    assert (season / "season" / "week-02.md").is_file()
    assert load_state(season).period == 2


def test_a_different_season_in_the_same_folder_is_refused(season: Path) -> None:
    other = _config(weeks=2).model_copy(update={"seed": 4})
    with pytest.raises(InvalidInputError, match="already holds a season with other settings"):
        start_season(season, other)


def test_hidden_tastes_drift_but_repeat_for_the_same_seed() -> None:
    assert hidden_audience(1, 0, 3) == hidden_audience(1, 0, 3)
    week1, week6 = hidden_audience(1, 0, 1), hidden_audience(1, 0, 6)
    assert week1.base_hazard == week6.base_hazard  # a series' overall appeal stays
    assert week1.beat_multipliers != week6.beat_multipliers  # its audience's taste moves
    assert hidden_audience(1, 0, 1) != hidden_audience(1, 1, 1)  # every series has its own audience


def test_the_command_refuses_weeks_that_reach_past_today(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["season", str(tmp_path / "s"), "--series", "1", "--weeks", "1", "--preset", "bogus"])
    assert code == 1 and "--preset 'bogus'" in capsys.readouterr().err
    studio = tmp_path / "late"
    run_season(studio, _config(weeks=1).model_copy(update={"start": datetime.now(UTC) - timedelta(days=8)}), None)
    code = main(["season", str(studio), "--series", "2", "--weeks", "3", "--preset", "none"])
    assert code == 1 and "reach past today" in capsys.readouterr().err
