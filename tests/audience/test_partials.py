"""Session partials: merging per-part folds gives exactly the sessions that folding every event gives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dramaline.audience.partials import PARTIALS_VIEW, partials_dir
from dramaline.audience.sessions import SessionRules, Sessions, build_sessions
from dramaline.audience.simulate import AudienceModel, simulate
from dramaline.audience.store import EventStore
from dramaline.audience.timelines import load_timelines
from dramaline.model import Event, WriteRequest
from dramaline.series_folder import save_series
from dramaline.writers.embedded.writer import EmbeddedWriter

START = datetime(2026, 11, 1, tzinfo=UTC)


def rows(sessions: Sessions) -> list[tuple[object, ...]]:
    return sessions.conn.execute(f"SELECT * EXCLUDE (episode_key) FROM {sessions.table} ORDER BY session_id").fetchall()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> EventStore:
    """A series whose simulated sessions are split across parts: most sessions span two or three of them."""
    folder = tmp_path_factory.mktemp("partials") / "heir"
    series = EmbeddedWriter().write(WriteRequest(premise="A janitor is secretly the heir", episodes=3, seed=3))
    save_series(series, folder)
    events = list(
        simulate(series, load_timelines(folder, series), AudienceModel(), 300, 5, START, 3.0, series_id="heir")
    )
    # Real viewers beside simulated ones, so the simulated filter has both to choose from.
    events += [
        Event.model_validate({**e.model_dump(), "event_id": "real-" + e.event_id, "simulated": False})
        for e in events[:300]
    ]
    store = EventStore(folder)
    for chunk in (events[0::3], events[1::3], events[2::3]):
        store.append_events(chunk, received_at=START + timedelta(days=4))
    assert len(store.parts()) == 3
    return store


@pytest.mark.parametrize(
    "rules", [SessionRules(), SessionRules(simulated=False), SessionRules(simulated=True, lost_after=None)]
)
def test_merged_partials_equal_folding_every_event(store: EventStore, rules: SessionRules) -> None:
    conn = store.connect(partials=True)
    from_events = build_sessions(conn, series="heir", rules=rules)
    from_partials = build_sessions(conn, series="heir", rules=rules, partials=PARTIALS_VIEW)
    expected = rows(from_events)
    assert len(expected) >= (20 if rules.simulated is False else 300)
    assert rows(from_partials) == expected
    assert from_partials.cutoff == from_events.cutoff and from_partials.durations == from_events.durations


def test_each_part_is_folded_once_and_other_rules_fold_the_events(store: EventStore) -> None:
    store.connect(partials=True)
    folder = partials_dir(store.root)
    stamps = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    assert sorted(stamps) == sorted(p.name for p in store.parts())
    conn = store.connect(partials=True)
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == stamps  # nothing refolded
    rules = SessionRules(restart_s=1.0)  # partials hold the default restart: the events are folded instead
    assert rows(build_sessions(conn, rules=rules, partials=PARTIALS_VIEW)) == rows(build_sessions(conn, rules=rules))


def test_compaction_folds_the_merged_part_and_drops_stale_partials(tmp_path: Path, store: EventStore) -> None:
    copy = EventStore(store.folder)
    before = rows(build_sessions(copy.connect(partials=True), partials=PARTIALS_VIEW))
    assert copy.compact(small_rows=10**9) == 3
    conn = copy.connect(partials=True)
    folder = partials_dir(copy.root)
    live = {p.name for p in copy.parts()}
    assert len(live) == 1 and live <= {p.name for p in folder.iterdir()}
    assert rows(build_sessions(conn, partials=PARTIALS_VIEW)) == before
    # The next write tidies: partials of parts retired past their grace period go with them.
    with copy.writing() as writer:
        writer._tidy()
    assert {p.name for p in folder.iterdir()} >= live


def test_an_empty_store_has_an_empty_partials_view(tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    sessions = build_sessions(EventStore(folder).connect(partials=True), partials=PARTIALS_VIEW)
    assert sessions.count() == 0 and sessions.cutoff is None
