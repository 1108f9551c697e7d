"""Per-market measurement: an edition's viewers are cut by market and language, and the portfolio decides per market."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dramaline.audience.metrics import episode_metrics
from dramaline.audience.sessions import Cut, build_sessions, durations_from_timelines
from dramaline.audience.simulate import AudienceModel, simulate_into
from dramaline.audience.simulate_taste import Segment
from dramaline.audience.store import EventStore
from dramaline.audience.timelines import estimate_timeline
from dramaline.cli import main
from dramaline.decide.portfolio_io import load_state, read_studio, state_path
from dramaline.model import BeatType, PortfolioState, WriteRequest
from dramaline.series_folder import save_series
from dramaline.writers.embedded.writer import EmbeddedWriter

NOW = datetime.now(UTC).replace(microsecond=0)
START = NOW - timedelta(days=20)
# The Spanish edition's viewers in Mexico dislike almost everything; the original's in the US love it.
MEXICO = AudienceModel(
    segments=(
        Segment(name="mx", share=1, market="MX", platform="tiktok", language="es",
                taste={b: 3.0 for b in BeatType}, hazard_multiplier=3.0),
    )
)  # fmt: skip
USA = AudienceModel(
    segments=(
        Segment(name="us", share=1, market="US", platform="tiktok", taste={b: 0.3 for b in BeatType},
                hazard_multiplier=0.3),
    )
)  # fmt: skip


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("markets")
    series = EmbeddedWriter().write(WriteRequest(premise="A janitor is secretly the heir", episodes=3, seed=1))
    save_series(series, root / "heir")
    timelines = {e.number: estimate_timeline(series, e) for e in series.episodes}
    store = EventStore(root / "heir")
    simulate_into(store, series, timelines, USA, 120, 1, START, 19.0, series_id="heir", viewer_prefix="us")
    simulate_into(store, series, timelines, MEXICO, 120, 2, START, 19.0, series_id="heir", viewer_prefix="mx")
    return root


def test_metrics_cut_edition_viewers_by_market(studio: Path) -> None:
    from dramaline.audience.timelines import load_timeline_versions
    from dramaline.series_folder import load_series

    folder = studio / "heir"
    series = load_series(folder)
    plain = {k: t.timeline for k, t in load_timeline_versions(folder, series).items()}
    conn = EventStore(folder).connect()
    try:
        sessions = build_sessions(conn, durations_from_timelines("heir", plain), series="heir")
        rows = episode_metrics(sessions, series="heir", by="market")
        languages = dict(conn.execute("SELECT market, any_value(language) FROM events GROUP BY market").fetchall())
        mexico = episode_metrics(sessions, series="heir", cut=Cut(market="MX"))
    finally:
        conn.close()
    assert languages == {"MX": "es", "US": "en"}
    by_market = {(r.episode, r.group): r for r in rows}
    assert {g for _, g in by_market} == {"MX", "US"}
    assert by_market[(1, "MX")].completion_rate.value < by_market[(1, "US")].completion_rate.value
    assert mexico[0].views == by_market[(1, "MX")].views


def test_portfolio_decides_per_market(studio: Path, capsys: pytest.CaptureFixture[str]) -> None:
    everyone = read_studio(studio, PortfolioState(), as_of=NOW)[0]
    mexico = read_studio(studio, PortfolioState(), as_of=NOW, market="MX")[0]
    usa = read_studio(studio, PortfolioState(), as_of=NOW, market="US")[0]
    assert mexico.total_views + usa.total_views == everyone.total_views
    assert mexico.total_completions / mexico.total_views < usa.total_completions / usa.total_views
    for market in ("MX", "US"):
        assert main(["portfolio", str(studio), "--market", market, "--budget", "4", "--apply", "--min-views", "10",
                     "--min-episodes", "1"]) == 0  # fmt: skip
    capsys.readouterr()
    assert state_path(studio, "MX").is_file() and state_path(studio, "US").is_file()
    assert not state_path(studio).is_file()  # the all-markets state is untouched
    assert load_state(studio, "MX").history[0].allocation.decisions[0].series_id == "heir"
    assert main(["portfolio", str(studio), "--market", "mexico"]) == 1
    assert "ISO 3166-1" in capsys.readouterr().err
