"""Experiments: the model's rules, the YAML store, the analysis per viewer, a simulated A/B test end to end, the CLI."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
import yaml
from pydantic import ValidationError

from dramaline.audience.parts import write_events
from dramaline.audience.report import analyse, to_html
from dramaline.audience.report import to_text as report_text
from dramaline.audience.sessions import Sessions, build_sessions
from dramaline.audience.simulate import AudienceModel, simulate, simulate_into
from dramaline.audience.store import EventStore, series_id
from dramaline.audience.timelines import estimate_timeline, load_timeline_versions
from dramaline.cli import main
from dramaline.decide.assignment import version_chooser
from dramaline.decide.experiment_report import summary_line, to_html_section, to_text
from dramaline.decide.experiments import (
    analyse_experiment,
    experiment_path,
    list_experiments,
    load_experiment,
    new_experiment,
    stop_experiment,
)
from dramaline.errors import InvalidInputError, SeriesFileError
from dramaline.model import (
    DecisionThresholds,
    Episode,
    Event,
    Experiment,
    ExperimentAction,
    ExperimentStatus,
    PrimaryMetric,
    Series,
    Variant,
    WriteRequest,
)
from dramaline.series_folder import load_series, save_episode_version, save_series
from dramaline.writers.embedded.writer import EmbeddedWriter
from tests.audience.test_sessions import T0, Row, connect, ev, viewing
from tests.conftest import make_series


def _renamed(episode: Episode, scene: int) -> Episode:
    """The episode with one scene's id changed: a new version whose other scenes are the same."""
    scenes = list(episode.scenes)
    scenes[scene] = scenes[scene].model_copy(update={"id": f"{scenes[scene].id}b"})
    return episode.model_copy(update={"scenes": tuple(scenes)})


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A three-episode series whose episode 2 has versions 1 and 2."""
    out = tmp_path / "heir"
    series = make_series(3)
    save_series(series, out)
    save_episode_version(out, _renamed(series.episode(2), 1), note="a sharper cold open")
    return out


def _experiment(**changes: object) -> Experiment:
    fields: dict[str, object] = {
        "id": "ep002-cold-open",
        "episode": 2,
        "variants": (Variant(name="control", version=1), Variant(name="cold-open", version=2)),
        "control": "control",
        "started_at": T0,
    }
    return Experiment.model_validate({**fields, **changes})


# ---------------------------------------------------------------------------------------- model


def test_the_model_refuses_inconsistent_experiments() -> None:
    with pytest.raises(ValidationError, match="duplicate variant name"):
        _experiment(variants=(Variant(name="a", version=1), Variant(name="a", version=2)), control="a")
    with pytest.raises(ValidationError, match="different episode versions"):
        _experiment(variants=(Variant(name="control", version=1), Variant(name="b", version=1)))
    with pytest.raises(ValidationError, match="control 'nobody'"):
        _experiment(control="nobody")
    with pytest.raises(ValidationError, match="at most 10000"):
        heavy = (Variant(name="control", version=1, weight=9000), Variant(name="b", version=2, weight=2000))
        _experiment(variants=heavy)
    with pytest.raises(ValidationError, match="stopped_at and outcome"):
        _experiment(status=ExperimentStatus.STOPPED)
    with pytest.raises(ValidationError, match="max_viewers"):
        DecisionThresholds(min_viewers=500, max_viewers=100)


def test_stopping_records_the_served_version() -> None:
    running = _experiment()
    stopped = running.stopped(T0 + timedelta(days=3), ship="cold-open", note="clear win")
    assert stopped.status is ExperimentStatus.STOPPED and not stopped.running
    assert stopped.outcome is not None
    assert (stopped.outcome.shipped, stopped.outcome.version, stopped.outcome.note) == ("cold-open", 2, "clear win")
    kept = running.stopped(T0 + timedelta(days=3))
    assert kept.outcome is not None and (kept.outcome.shipped, kept.outcome.version) == ("control", 1)
    with pytest.raises(ValueError, match="already stopped"):
        stopped.stopped(T0 + timedelta(days=4))
    with pytest.raises(ValueError, match="no variant 'nope'"):
        running.stopped(T0, ship="nope")
    assert running.caring == 0.005
    assert _experiment(metric=PrimaryMetric.WATCH_TIME).caring == 1.0


# ---------------------------------------------------------------------------------------- store


def test_new_experiment_is_saved_as_readable_yaml_and_loads_back(folder: Path) -> None:
    made = new_experiment(folder, 2, [("control", 1), ("cold-open", 2)], weights=[70, 30], now=T0)
    assert made.id == "ep002-cold-open"
    path = experiment_path(folder, made.id)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["variants"] == [
        {"name": "control", "version": 1, "weight": 70},
        {"name": "cold-open", "version": 2, "weight": 30},
    ]
    assert (data["control"], data["metric"], data["status"]) == ("control", "completion", "running")
    assert load_experiment(folder, made.id) == made
    assert list_experiments(folder) == [made]


def test_new_experiment_checks_versions_ids_and_one_experiment_per_episode(folder: Path) -> None:
    with pytest.raises(InvalidInputError, match="no version for cold-open=3"):
        new_experiment(folder, 2, [("control", 1), ("cold-open", 3)], now=T0)
    new_experiment(folder, 2, [("control", 1), ("cold-open", 2)], now=T0)
    with pytest.raises(InvalidInputError, match="already under experiment ep002-cold-open"):
        new_experiment(folder, 2, [("control", 1), ("other", 2)], now=T0)
    stop_experiment(folder, "ep002-cold-open", now=T0 + timedelta(days=1))
    again = new_experiment(folder, 2, [("control", 1), ("cold-open", 2)], now=T0 + timedelta(days=2))
    assert again.id == "ep002-cold-open-2"
    stop_experiment(folder, again.id)
    with pytest.raises(InvalidInputError, match="exists already"):
        new_experiment(folder, 2, [("control", 1), ("cold-open", 2)], experiment_id="ep002-cold-open-2")


def test_stop_experiment_writes_the_outcome(folder: Path) -> None:
    new_experiment(folder, 2, [("control", 1), ("cold-open", 2)], now=T0)
    stopped = stop_experiment(folder, "ep002-cold-open", ship="cold-open", now=T0 + timedelta(days=2))
    assert load_experiment(folder, "ep002-cold-open") == stopped
    assert stopped.outcome is not None and stopped.outcome.version == 2
    with pytest.raises(InvalidInputError, match="already stopped"):
        stop_experiment(folder, "ep002-cold-open")


def test_a_broken_hand_edit_names_the_file_and_field(folder: Path) -> None:
    made = new_experiment(folder, 2, [("control", 1), ("cold-open", 2)], now=T0)
    path = experiment_path(folder, made.id)
    path.write_text(path.read_text(encoding="utf-8").replace("control: control", "control: contrl"), encoding="utf-8")
    with pytest.raises(SeriesFileError, match=r"ep002-cold-open\.yaml.*control 'contrl' is not one of the variants"):
        load_experiment(folder, made.id)
    with pytest.raises(InvalidInputError, match="no experiment 'missing'; its experiments are ep002-cold-open"):
        load_experiment(folder, "missing")
    (folder / "outside.yaml").write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"no experiment '\.\./outside'"):
        load_experiment(folder, "../outside")


# ------------------------------------------------------------------------------------- analysis


def _hand_sessions() -> Sessions:
    rows: list[Row] = []
    # Control (version 1): a completes and goes on; b leaves at 20 s; c only sees the impression.
    rows += viewing("a1", 60, "complete", episode=2, viewer="a", start=10)
    rows.append(ev("next_episode", "a1", at=71, viewer="a", episode=2))
    rows += viewing("b1", 20, episode=2, viewer="b", start=10)
    rows.append(ev("impression", "c1", at=5, viewer="c", episode=2))
    # A session before the experiment started is not in it.
    rows += viewing("old", 60, "complete", episode=2, viewer="old", start=-500)
    # Cold open (version 2): d and e complete, e after unlocking, and e's second session changes nothing.
    rows += viewing("d1", 60, "complete", episode=2, version=2, viewer="d", start=10)
    rows.append(ev("unlock", "e1", at=9, viewer="e", episode=2, version=2, amount=0.99))
    rows += viewing("e1", 60, "complete", episode=2, version=2, viewer="e", start=10)
    rows += viewing("e2", 30, episode=2, version=2, viewer="e", start=900)
    # m saw both versions: left out.
    rows += viewing("m1", 60, "complete", episode=2, viewer="m", start=10)
    rows += viewing("m2", 60, "complete", episode=2, version=2, viewer="m", start=400)
    # Another episode is not in the experiment.
    rows += viewing("x1", 60, "complete", episode=1, viewer="a", start=1)
    durations = {("heir", e, v): 60.0 for e, v in ((1, 1), (2, 1), (2, 2))}
    return build_sessions(connect(rows), durations)


def test_analysis_counts_each_exposed_viewer_once_per_variant() -> None:
    result = analyse_experiment(_experiment(), _hand_sessions(), series="heir")
    control, cold = result.variants
    assert (control.viewers, control.starters, control.completions, control.continuations, control.unlocks) == (
        3,
        2,
        1,
        1,
        0,
    )
    assert control.watch_s == pytest.approx((60 + 20 + 0) / 3)
    assert (cold.viewers, cold.starters, cold.completions, cold.continuations, cold.unlocks) == (2, 2, 2, 0, 1)
    assert cold.watch_s == pytest.approx(60.0)
    assert result.mixed_viewers == 1
    assert any("more than one variant" in note for note in result.notes)
    # Beta(1, 1) posteriors of completion: (1 + 1) / (3 + 2) and (2 + 1) / (2 + 2).
    assert control.posterior_mean == pytest.approx(0.4)
    assert cold.posterior_mean == pytest.approx(0.75)
    assert control.observed(PrimaryMetric.COMPLETION) == pytest.approx(1 / 3)
    # Far too few viewers to call.
    assert result.decision.kind is ExperimentAction.KEEP_RUNNING
    assert not result.srm.flagged and result.srm.observed == (3, 2)


def test_analysis_of_watch_time_and_unlocks_and_the_window() -> None:
    sessions = _hand_sessions()
    watch = analyse_experiment(_experiment(metric=PrimaryMetric.WATCH_TIME), sessions, series="heir")
    # Padded with 0 s and 60 s: (60 + 20 + 0 + 0 + 60) / 5.
    assert watch.variants[0].posterior_mean == pytest.approx(28.0)
    unlock = analyse_experiment(_experiment(metric=PrimaryMetric.UNLOCK), sessions, series="heir")
    assert unlock.variants[1].observed(PrimaryMetric.UNLOCK) == pytest.approx(0.5)
    # Stopped 7 s in: only sessions begun before then count, here c's impression at 5 s.
    early = _experiment().stopped(T0 + timedelta(seconds=7))
    assert [v.viewers for v in analyse_experiment(early, sessions, series="heir").variants] == [1, 0]


def test_the_report_shows_the_table_and_the_decision() -> None:
    result = analyse_experiment(_experiment(), _hand_sessions(), series="heir")
    text = to_text(result)
    assert "Experiment ep002-cold-open: episode 2" in text
    assert "control (control)" in text and "cold-open" in text
    assert "Decision: keep running." in text
    assert "1,000 viewers per variant" in text
    assert summary_line(result).startswith("ep002-cold-open (ep 2, running, 5 viewers): keep running")
    html = to_html_section([result])
    assert html.startswith("<h2>Experiments</h2>") and "<td>cold-open</td>" in html
    assert to_html_section([]) == ""


# ------------------------------------------------------------------------------ simulated, end to end


@pytest.fixture(scope="module")
def drama() -> Series:
    return EmbeddedWriter().write(
        WriteRequest(premise="A janitor humiliated at his ex-wife's wedding is secretly the heir", episodes=2, seed=1)
    )


def _events_connection(events: list[Event], folder: Path, received_at: datetime) -> duckdb.DuckDBPyConnection:
    """An `events` view over the events, written to Parquet in columns as the store does (fast)."""
    conn = duckdb.connect()
    write_events(conn, events, folder / "events.parquet", received_at=received_at)
    conn.execute(f"CREATE VIEW events AS SELECT * FROM read_parquet('{folder / 'events.parquet'}')")
    return conn


def test_a_simulated_ab_test_finds_the_planted_winner(drama: Series, tmp_path: Path) -> None:
    # Version 2 of episode 1 renames its cold open (the hook scene, its first 32 s); the audience leaves the
    # old one three times as fast, so version 1, the control, is planted worse (by 12–25 points of completion
    # over seeds 0–9).
    v1 = drama.episode(1)
    v2 = _renamed(v1, 0).model_copy(update={"version": 2})
    experiment = _experiment(
        id="ep001-cold-open",
        episode=1,
        variants=(Variant(name="control", version=1), Variant(name="cold-open", version=2)),
        thresholds=DecisionThresholds(min_viewers=500),
    )
    timelines = {1: estimate_timeline(drama, v1)}
    variants = {1: {1: timelines[1], 2: estimate_timeline(drama, v2)}}
    model = AudienceModel(click_through=1.0, punish={"ep001-s01": 3.0})
    chooser = version_chooser(experiment)
    run = simulate(drama, timelines, model, 1200, 7, T0, 3, series_id="heir", variants=variants, chooser=chooser)
    events = list(run)
    durations = {("heir", 1, v): t.seconds(t.duration_frames) for v, t in variants[1].items()}
    sessions = build_sessions(_events_connection(events, tmp_path, T0 + timedelta(days=3)), durations)
    result = analyse_experiment(experiment, sessions, series="heir")
    control, challenger = result.variants
    assert not result.srm.flagged
    assert result.mixed_viewers == 0
    assert control.viewers + challenger.viewers == 1200  # everyone was shown episode 1
    assert min(control.viewers, challenger.viewers) >= 550
    assert challenger.completions / challenger.viewers > control.completions / control.viewers + 0.05
    assert result.decision.kind is ExperimentAction.SHIP
    assert result.decision.variant == "cold-open"
    assert challenger.comparison.chance_to_beat_control > 0.95
    # Each viewer watched exactly the version the assignment gives them.
    watched = {(e.viewer_id, e.episode_version) for e in events}
    assert all(version == chooser(viewer, 1) for viewer, version in watched)
    assert len(watched) == 1200


def test_the_command_line_runs_a_simulated_experiment(
    drama: Series, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "heir"
    save_series(drama, folder)
    series = save_episode_version(folder, _renamed(drama.episode(1), 0), note="a new cold open")
    start = datetime.now(UTC) - timedelta(days=3)
    experiment = new_experiment(
        folder, 1, [("control", 1), ("cold-open", 2)], thresholds=DecisionThresholds(min_viewers=200), now=start
    )
    versions = load_timeline_versions(folder, series)
    simulate_into(
        EventStore(folder),
        series,
        {1: versions[(1, 2)]},
        AudienceModel(click_through=1.0, punish={"ep001-s01": 8.0}),
        500,
        3,
        start,
        2,
        series_id=series_id(folder),
        variants={1: {v: versions[(1, v)] for v in (1, 2)}},
        chooser=version_chooser(experiment),
    )
    assert main(["experiment", "status", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "ship cold-open" in out and "split as intended" in out
    assert main(["experiment", "stop", str(folder), experiment.id, "--ship", "cold-open"]) == 0
    stopped = load_experiment(folder, experiment.id)
    assert stopped.outcome is not None
    assert (stopped.outcome.shipped, stopped.outcome.version) == ("cold-open", 2)
    assert stopped.outcome.recommendation is not None
    assert stopped.outcome.recommendation.kind is ExperimentAction.SHIP
    # The audience report carries the experiment too.
    report = analyse(folder)
    assert f"  {experiment.id} (ep 1, stopped, " in report_text(report)
    page = to_html(report)
    assert "<h2>Experiments</h2>" in page and "Stopped: serving cold-open (episode 1 v2, shipped)." in page


# ------------------------------------------------------------------------------------------- CLI


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_command_line_starts_lists_and_stops(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _cli(
        capsys, "experiment", "new", str(folder), "--episode", "2", "--variant", "control=1",
        "--variant", "cold-open=2", "--weights", "60,40", "--metric", "continuation", "--tests", "cold_open",
    )  # fmt: skip
    assert code == 0, out
    assert "started" in out and "ep002-cold-open" in out
    made = load_experiment(folder, "ep002-cold-open")
    assert [v.weight for v in made.variants] == [60, 40] and made.metric is PrimaryMetric.CONTINUATION
    code, out, _ = _cli(capsys, "experiment", "status", str(folder))
    assert code == 0 and "keep running" in out and "no viewers yet" in out
    code, out, _ = _cli(capsys, "experiment", "stop", str(folder), "ep002-cold-open")
    assert code == 0 and "serving control" in out
    assert load_series(folder).episode(2).version == 2  # serving is recorded, not applied to the series here


def test_the_command_line_explains_bad_input(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _cli(capsys, "experiment", "new", str(folder), "--episode", "2", "--variant", "control")
    assert code == 1 and "NAME=VERSION" in err
    code, _, err = _cli(
        capsys, "experiment", "new", str(folder), "--episode", "2", "--variant", "a=1", "--variant", "b=2",
        "--weights", "50",
    )  # fmt: skip
    assert code == 1 and "1 weights for 2 variants" in err
    code, _, err = _cli(
        capsys, "experiment", "new", str(folder), "--episode", "2", "--variant", "a=1", "--variant", "b=9"
    )
    assert code == 1 and "no version for b=9" in err
    code, _, err = _cli(capsys, "experiment", "stop", str(folder), "nothing")
    assert code == 1 and "no experiment 'nothing'" in err
