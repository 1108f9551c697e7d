"""A studio on disk: snapshots from two tiny series with simulated audiences, the state file, and the CLI."""

from __future__ import annotations

import os
import shutil
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from dramaline.audience.report import analyse
from dramaline.audience.simulate import AudienceModel, simulate_into
from dramaline.audience.store import EventStore
from dramaline.audience.timelines import estimate_timeline
from dramaline.cli import main
from dramaline.decide.portfolio import PortfolioAllocator, apply_allocation
from dramaline.decide.portfolio_io import STATE_FILE, load_state, read_studio, save_state, studio_folders
from dramaline.errors import InvalidInputError
from dramaline.model import Archetype, PeriodBudget, PortfolioPolicy, PortfolioState, SeriesSnapshot, WriteRequest
from dramaline.series_folder import save_series
from dramaline.writers.embedded.writer import EmbeddedWriter

NOW = datetime.now(UTC).replace(microsecond=0)
START = NOW - timedelta(days=20)
SERIES = {
    "heir": ("A janitor humiliated at his ex-wife's wedding is secretly the heir", Archetype.HIDDEN_HEIR, 150),
    "bride": ("A substitute bride marries the cold CEO in her sister's place", Archetype.SUBSTITUTE_BRIDE, 100),
}


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("studio")
    for seed, (name, (premise, archetype, viewers)) in enumerate(SERIES.items(), 1):
        series = EmbeddedWriter().write(WriteRequest(premise=premise, episodes=5, seed=seed, archetype=archetype))
        save_series(series, root / name)
        timelines = {e.number: estimate_timeline(series, e) for e in series.episodes}
        simulate_into(EventStore(root / name), series, timelines, AudienceModel(), viewers, seed, START, 19.0,
                      series_id=name)  # fmt: skip
    return root


@pytest.fixture(scope="module")
def snapshots(studio: Path) -> list[SeriesSnapshot]:
    return read_studio(studio, PortfolioState(), as_of=NOW)


@pytest.fixture
def copy(studio: Path, tmp_path: Path) -> Path:
    """A studio of its own for a test that writes the state file."""
    return Path(shutil.copytree(studio, tmp_path / "studio"))


def test_read_studio_builds_snapshots_from_the_scripts_and_the_events(
    studio: Path, snapshots: list[SeriesSnapshot]
) -> None:
    assert [s.series_id for s in snapshots] == ["bride", "heir"]
    for s in snapshots:
        report = analyse(studio / s.series_id)
        assert s.archetype is SERIES[s.series_id][1]
        assert s.beats == dict(Counter(scene.beat for e in report.series.episodes for scene in e.scenes))
        assert s.episodes_written == 5
        # Views and completed views are the same sessions the audience report counts.
        assert s.total_views == sum(m.views for m in report.metrics) > 0
        viewed = sorted({m.episode for m in report.metrics})
        assert [r.episode for r in s.releases] == viewed
        assert all(0 <= r.age_days <= 20 for r in s.releases)
        assert max(w.weeks_ago for w in s.weeks) <= 2  # 20 days of data: windows 0, 1, 2
        assert 0 < s.total_completions < s.total_views
        assert s.simulated_share == 1.0
        assert (s.promotions, s.greenlit_pending) == ((), 0)


def test_promotion_spends_and_pending_episodes_come_from_the_state(
    studio: Path, snapshots: list[SeriesSnapshot]
) -> None:
    state = PortfolioState()
    allocation = PortfolioAllocator(PortfolioPolicy(max_share=1.0), 1).allocate(
        snapshots, PeriodBudget(episodes=2, promotion=3), period=1
    )
    state = apply_allocation(state, allocation, NOW - timedelta(days=3))
    again = {s.series_id: s for s in read_studio(studio, state, as_of=NOW)}
    for d in allocation.decisions:
        s = again[d.series_id]
        assert s.greenlit_pending == d.episodes
        assert [(p.age_days, p.units) for p in s.promotions] == ([(3.0, d.promotion)] if d.promotion else [])


def test_the_state_file_round_trips_and_is_written_atomically(
    copy: Path, snapshots: list[SeriesSnapshot], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert load_state(copy) == PortfolioState()  # none yet: the defaults
    allocation = PortfolioAllocator(seed=1).allocate(snapshots, PeriodBudget(episodes=2, promotion=1), period=1)
    state = apply_allocation(PortfolioState(), allocation, NOW)
    path = save_state(copy, state)
    assert path == copy / STATE_FILE
    assert path.read_text(encoding="utf-8").startswith("# dramaline portfolio state (schema 1)")
    assert load_state(copy) == state
    assert sorted(p.name for p in copy.iterdir()) == ["bride", "heir", STATE_FILE]  # no temporary file left

    def interrupted(src: str, dst: str) -> None:
        raise OSError("disk full")

    before = path.read_bytes()
    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(OSError, match="disk full"):
        save_state(copy, PortfolioState())
    assert path.read_bytes() == before  # the old state is whole
    assert sorted(p.name for p in copy.iterdir()) == ["bride", "heir", STATE_FILE]


def test_a_bad_state_file_names_the_file_the_field_and_the_fix(copy: Path) -> None:
    (copy / STATE_FILE).write_text(yaml.safe_dump({"policy": {"max_share": 3}}), encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"portfolio\.yaml: policy\.max_share: .*less than or equal to 1"):
        load_state(copy)
    (copy / STATE_FILE).write_text("policy: [unclosed", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="cannot be read as YAML"):
        load_state(copy)
    (copy / STATE_FILE).write_text("- a list", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="must be a mapping"):
        load_state(copy)


def test_a_studio_must_hold_series_folders(studio: Path, tmp_path: Path) -> None:
    assert set(studio_folders(studio)) == {"heir", "bride"}
    with pytest.raises(InvalidInputError, match="not a studio folder"):
        studio_folders(studio / "heir")  # a series folder, not a studio
    with pytest.raises(InvalidInputError, match="not a studio folder"):
        studio_folders(tmp_path)
    with pytest.raises(InvalidInputError, match="no such folder"):
        studio_folders(tmp_path / "missing")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_cli_prints_decisions_with_reasons_and_applies_them(copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ("portfolio", str(copy), "--budget", "2", "--promotion", "2", "--max-share", "1")
    code, out, _ = run(capsys, *args, "--apply")
    assert code == 0
    assert "period 1: 2 episodes and 2 promotion units to allocate" in out
    assert "Some audience data is simulated" in out
    for sid in ("heir", "bride"):
        assert f"{sid}: " in out
    assert "chance to be the best by completed views per episode" in out
    assert "Diversity: catalog: 2 archetypes over 2 series, archetype evenness 1.00" in out
    assert f"recorded period 1 in {copy / STATE_FILE}" in out
    state = load_state(copy)
    assert state.period == 1
    assert state.policy.max_share == 1.0  # the options used are kept with the decisions
    assert state.budget == PeriodBudget(episodes=2, promotion=2)
    assert sum(d.episodes for d in state.history[0].allocation.decisions) == 2
    assert all(d.reasons for d in state.history[0].allocation.decisions)

    code, out, _ = run(capsys, "portfolio", str(copy))  # the budget and thresholds now come from the state
    assert code == 0
    assert "period 2: 2 episodes and 2 promotion units" in out
    assert "Nothing recorded: add --apply" in out
    assert load_state(copy).period == 1


def test_the_cli_rejects_bad_options_and_folders_in_one_line(studio: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "portfolio", str(studio), "--max-share", "2")
    assert code == 1
    assert "--max-share" in err and "less than or equal to 1" in err
    assert len(err.strip().splitlines()) == 1
    code, _, err = run(capsys, "portfolio", str(studio / "heir"))
    assert code == 1
    assert "not a studio folder" in err
