"""End to end: a simulated audience in, a report out that finds what the simulator planted."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from dramaline.audience.report import analyse, to_html, to_text, write_report
from dramaline.audience.simulate import SIMULATED_LABEL, AudienceModel, simulate_into, true_retention
from dramaline.audience.store import EventStore
from dramaline.audience.timelines import load_timelines
from dramaline.cli import main
from dramaline.model import Series, WriteRequest
from dramaline.series_folder import save_series
from dramaline.writers.embedded.writer import EmbeddedWriter

START = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def series() -> Series:
    written = EmbeddedWriter().write(WriteRequest(premise="A janitor is secretly the heir", episodes=3, seed=3))
    # User text reaches the page: it must arrive escaped.
    return written.model_copy(update={"title": "Heir <script>alert(1)</script> & Co"})


def _planted(series: Series) -> dict[str, float]:
    """Two middle scenes, in different episodes, made four times as easy to leave."""
    return {series.episodes[0].scenes[2].id: 4.0, series.episodes[1].scenes[1].id: 4.0}


@pytest.fixture(scope="module")
def simulated(series: Series, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, AudienceModel]:
    folder = tmp_path_factory.mktemp("studio") / "heir"
    save_series(series, folder)
    model = AudienceModel(punish=_planted(series))
    timelines = load_timelines(folder, series)
    simulate_into(EventStore(folder), series, timelines, model, 20_000, 11, START, 10.0, series_id="heir")
    return folder, model


def test_top_hotspots_are_the_planted_scenes(series: Series, simulated: tuple[Path, AudienceModel]) -> None:
    folder, _ = simulated
    report = analyse(folder)
    planted = _planted(series)
    ids = {(h.episode, h.scene): series.episodes[h.episode - 1].scenes[h.scene - 1].id for h in report.hotspots[:2]}
    assert set(ids.values()) == set(planted)
    assert all(h.rate_ratio > 1.3 and h.significant for h in report.hotspots[:2])
    assert report.hotspots[2].excess_viewers < 0.5 * report.hotspots[1].excess_viewers


def test_curves_match_the_simulators_truth_within_their_intervals(
    series: Series, simulated: tuple[Path, AudienceModel]
) -> None:
    folder, model = simulated
    report = analyse(folder)
    timelines = load_timelines(folder, series)
    conn = EventStore(folder).connect()
    for m in report.metrics:
        # Segments belong to the viewer, so later episodes' views are a different mix than the arrivals.
        mix = dict(
            conn.execute(
                "SELECT segment, count(DISTINCT session_id) FROM events WHERE episode = ? AND type = 'play' GROUP BY 1",
                [m.episode],
            ).fetchall()
        )
        truth = true_retention(model, timelines[m.episode].timeline, mix, series=series)
        curve = m.retention()
        n = min(len(truth), len(curve.share))
        inside = (curve.low[:n] - 1e-9 <= truth[:n]) & (truth[:n] <= curve.high[:n] + 1e-9)
        # Pointwise 95% intervals: most seconds cover the truth, and the curve is close everywhere.
        assert inside.mean() > 0.8, (m.episode, inside.mean())
        assert np.max(np.abs(curve.share[:n] - truth[:n])) < 0.05


def test_report_is_self_contained_escaped_and_labelled(simulated: tuple[Path, AudienceModel]) -> None:
    folder, _ = simulated
    report = analyse(folder)
    page = to_html(report)
    assert "<script>alert(1)</script>" not in page
    assert "Heir &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in page
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    assert SIMULATED_LABEL in page and "Simulated data" in page
    assert page.count("<svg") == 1 + len(report.metrics)  # the funnel and one curve per episode
    assert "Ep 1, scene 3" in page or "Ep 2, scene 2" in page
    text = to_text(report)
    assert SIMULATED_LABEL in text and "Top drop-off hotspots" in text
    out = write_report(report, folder / "reports" / "audience.html")
    assert out.read_text(encoding="utf-8") == page


def test_cli_simulates_and_reports(series: Series, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "heir-cli"
    save_series(series, folder)
    scene = series.episodes[0].scenes[1].id
    assert main(["audience", "simulate", str(folder), "--viewers", "300", "--seed", "2", "--punish", f"{scene}=3"]) == 0
    assert main(["report", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "simulated events" in out and "hook 3s" in out
    assert (folder / "reports" / "audience.html").is_file()
    assert main(["audience", "simulate", str(folder), "--punish", "nope=2"]) == 1
    assert "scenes this series does not have: nope" in capsys.readouterr().err
