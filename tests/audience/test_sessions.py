"""Sessions from events: starts, furthest point watched, completion, censoring, seeks and rewatches.

The helpers here build hand-made events in an in-memory DuckDB `events` table with the event
store's columns; the other analytics tests import them.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb
import pytest

from dramaline.audience.sessions import EVENT_COLUMNS, Cut, SessionRules, Sessions, build_sessions

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
Row = tuple[Any, ...]
_ids = itertools.count()


def ev(
    kind: str,
    session: str,
    position: float | None = None,
    *,
    at: float = 0.0,
    viewer: str | None = None,
    episode: int = 1,
    version: int = 1,
    from_position: float | None = None,
    platform: str = "tiktok",
    market: str = "US",
    segment: str | None = None,
    series: str = "heir",
    amount: float | None = None,
    simulated: bool = False,
    received: float | None = None,
) -> Row:
    """One event row; `at` is seconds after T0 by the client's clock, `received` the same for the server."""
    client = T0 + timedelta(seconds=at)
    received_ts = None if received is None else T0 + timedelta(seconds=received)
    return (
        f"e{next(_ids)}",
        kind,
        viewer or f"viewer-{session}",
        session,
        series,
        episode,
        version,
        position,
        from_position,
        platform,
        market,
        "en",
        segment,
        amount,
        client,
        received_ts,
        simulated,
    )


def viewing(session: str, to: float, end: str | None = "exit", *, start: float = 0.0, **attrs: Any) -> list[Row]:
    """A plain viewing: play at 0, a heartbeat every 5 s, then an exit or complete at `to` (or nothing: still open).

    Event times follow the playhead from `start` seconds after T0.
    """
    rows = [ev("play", session, 0.0, at=start, **attrs)]
    rows += [ev("progress", session, float(p), at=start + p, **attrs) for p in range(5, int(to), 5) if p < to]
    if end is not None:
        rows.append(ev(end, session, float(to), at=start + to, **attrs))
    return rows


def connect(rows: Iterable[Row]) -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect()
    conn.execute(f"CREATE TABLE events ({EVENT_COLUMNS})")
    columns = list(zip(*rows, strict=True))
    if columns:
        # One statement over column lists: executemany runs one statement per row and is far slower.
        unnests = ", ".join(f"unnest(${i})" for i in range(1, len(columns) + 1))
        conn.execute(f"INSERT INTO events SELECT {unnests}", [list(c) for c in columns])
    return conn


def session_rows(sessions: Sessions, columns: Sequence[str] = ()) -> dict[str, dict[str, Any]]:
    cols = ", ".join(columns) if columns else "*"
    result = sessions.conn.execute(f"SELECT session_id, {cols} FROM {sessions.table}")
    names = [d[0] for d in result.description]
    return {row[0]: dict(zip(names, row, strict=True)) for row in result.fetchall()}


def build(rows: Iterable[Row], durations: dict[tuple[str, int, int], float] | None = None, **kw: Any) -> Sessions:
    return build_sessions(connect(rows), {("heir", 1, 1): 60.0} if durations is None else durations, **kw)


def test_exit_complete_and_open_sessions() -> None:
    sessions = build(viewing("left", 25) + viewing("done", 60, "complete") + viewing("open", 20, None))
    rows = session_rows(sessions)
    assert (rows["left"]["time_s"], rows["left"]["dropped"], rows["left"]["completed"]) == (25, True, False)
    assert (rows["done"]["time_s"], rows["done"]["dropped"], rows["done"]["completed"]) == (60, False, True)
    # No exit and no complete: right-censored at the last known position, not a drop-off.
    assert (rows["open"]["time_s"], rows["open"]["dropped"], rows["open"]["completed"]) == (15, False, False)
    assert sessions.count() == 3


def test_a_seek_backwards_keeps_the_furthest_point_watched() -> None:
    rows = [
        ev("play", "s", 0.0, at=0),
        ev("progress", "s", 40.0, at=40),
        ev("seek", "s", 10.0, from_position=40.0, at=41),
        ev("progress", "s", 20.0, at=51),
        ev("exit", "s", 25.0, at=56),
    ]
    got = session_rows(build(rows))["s"]
    assert (got["furthest_s"], got["time_s"], got["dropped"]) == (40, 40, True)


def test_a_seek_forward_counts_from_where_it_started_not_where_it_landed() -> None:
    jumped = [ev("play", "j", 0.0, at=0), ev("progress", "j", 10.0, at=10), ev("seek", "j", 50.0, from_position=10.0)]
    watched_on = [
        ev("play", "w", 0.0, at=0),
        ev("seek", "w", 50.0, from_position=10.0, at=10),
        ev("progress", "w", 55.0, at=15),
        ev("exit", "w", 56.0, at=16),
    ]
    rows = session_rows(build(jumped + watched_on))
    assert (rows["j"]["time_s"], rows["j"]["dropped"]) == (10, False)
    assert (rows["w"]["time_s"], rows["w"]["dropped"]) == (56, True)


def test_rewatch_is_playing_again_from_near_the_start_after_completing() -> None:
    replay = [*viewing("replay", 60, "complete"), ev("seek", "replay", 0.0, from_position=60.0, at=61)]
    replay += [ev("progress", "replay", 10.0, at=71), ev("exit", "replay", 12.0, at=73)]
    button = [*viewing("button", 60, "complete"), ev("play", "button", 0.0, at=62)]
    scrub = [*viewing("scrub", 60, "complete"), ev("seek", "scrub", 30.0, from_position=60.0, at=61)]
    rows = session_rows(build(replay + button + scrub))
    assert rows["replay"]["rewatched"] and rows["button"]["rewatched"]
    assert not rows["scrub"]["rewatched"]  # back to the middle is not watching it again
    # Leaving during the rewatch is not a drop-off: the episode was finished.
    assert (rows["replay"]["time_s"], rows["replay"]["dropped"], rows["replay"]["completed"]) == (60, False, True)


def test_what_counts_as_a_start() -> None:
    no_play = [ev("progress", "hb", 5.0, at=5), ev("exit", "hb", 7.0, at=7)]
    feed = [ev("impression", "feed"), ev("like", "feed")]
    bounce = [ev("exit", "bounce", 0.0)]
    rows = session_rows(build(no_play + feed + bounce))
    assert rows["hb"]["started"]  # the play event was lost, the heartbeat proves playback
    assert not rows["feed"]["started"]
    assert not rows["bounce"]["started"]


def test_reaching_within_the_tolerance_of_the_end_completes() -> None:
    rows = session_rows(build(viewing("short", 59.7) + viewing("shy", 59.0)))
    assert rows["short"]["completed"] and not rows["short"]["dropped"]
    assert not rows["shy"]["completed"] and rows["shy"]["dropped"]


def test_stale_open_sessions_can_count_as_exits() -> None:
    old = viewing("old", 20, None)  # last event 15 s after T0
    recent = viewing("recent", 30, None, start=3600)  # the data ends about an hour later
    rules = SessionRules(stale_after=timedelta(minutes=30))
    rows = session_rows(build(old + recent, rules=rules))
    assert rows["old"]["dropped"] and rows["old"]["time_s"] == 15
    assert not rows["recent"]["dropped"]
    assert not session_rows(build(old + recent))["old"]["dropped"]


def test_durations_from_the_mapping_from_complete_events_or_from_the_furthest_point() -> None:
    rows = viewing("a", 61, "complete", episode=2) + viewing("b", 62, "complete", episode=2)
    rows += viewing("c", 63, "complete", episode=2) + viewing("d", 40, episode=3) + viewing("e", 10, episode=1)
    sessions = build(rows, {("heir", 1, 1): 90.0})
    assert sessions.durations == {("heir", 1, 1): 90.0, ("heir", 2, 1): 62.0, ("heir", 3, 1): 40.0}


def test_engagement_flags_count_a_session_once() -> None:
    rows = [*viewing("s", 30), ev("like", "s", at=3), ev("like", "s", at=4), ev("next_episode", "s", at=31)]
    got = session_rows(build(rows))["s"]
    assert got["liked"] and got["next_episode"] and not got["shared"]


def test_series_and_simulated_filters_and_the_cutoff() -> None:
    rows = viewing("real", 30) + viewing("sim", 30, simulated=True) + viewing("other", 30, series="rival")
    rows.append(ev("like", "real", at=50, received=100))
    sessions = build(rows, series="heir", rules=SessionRules(simulated=False))
    assert set(session_rows(sessions)) == {"real"}
    assert sessions.cutoff == T0 + timedelta(seconds=100)


def test_cut_conditions() -> None:
    assert Cut().where() == ("TRUE", [])
    assert Cut(platform="youtube", segment="binge").where("s") == (
        "s.platform = ? AND s.segment = ?",
        ["youtube", "binge"],
    )


def test_rejects_bad_rules_and_table_names() -> None:
    with pytest.raises(ValueError, match="identifier"):
        build([], table="x; DROP TABLE events")
    with pytest.raises(ValueError, match="negative"):
        build([], rules=SessionRules(restart_s=-1))


def test_no_events_gives_an_empty_table() -> None:
    sessions = build([])
    assert sessions.count() == 0
    assert sessions.cutoff is None


def test_a_session_idle_past_lost_after_has_lost_its_end() -> None:
    killed = viewing("killed", 20, None)  # last heartbeat 15 s after T0, then nothing
    later = viewing("later", 30, start=7200)  # the data runs two hours on
    rows = session_rows(build(killed + later))
    assert rows["killed"]["end_lost"] and not rows["killed"]["dropped"]
    assert not rows["later"]["end_lost"]
    kept = session_rows(build(killed + later, rules=SessionRules(lost_after=None)))
    assert not kept["killed"]["end_lost"]  # then it is simply censored at its last heartbeat
