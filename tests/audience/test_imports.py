"""File imports: event logs in every format, rejected rows, crashes mid-import, retention tables."""

from __future__ import annotations

import csv
import gzip
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from dramaline.audience import retention
from dramaline.audience.imports import import_events, import_file, import_retention
from dramaline.audience.parts import new_connection, sql_str
from dramaline.audience.store import EVENT_COLUMNS, EventStore, write_events
from dramaline.errors import ImportFormatError
from dramaline.model.audience import Event

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def events(count: int, first: int = 0) -> list[Event]:
    kinds = ["play", "progress", "seek", "like", "unlock", "exit"]
    made = []
    for n in range(first, first + count):
        kind = kinds[n % len(kinds)]
        made.append(
            Event(
                event_id=f"ev-{n}",
                type=kind,
                viewer_id=f"viewer-{n // 6}",
                session_id=f"session-{n // 6}",
                series="janitor-heir",
                episode=1 + n % 3,
                episode_version=1 + n % 2,
                position_s=None if kind in ("like", "unlock") else n % 90 + 0.25,
                from_position_s=1.5 if kind == "seek" else None,
                platform="douyin",
                market="CN",
                language="zh",
                segment="returning" if n % 4 == 0 else None,
                amount=0.99 if kind == "unlock" else None,
                client_ts=T0 + timedelta(seconds=n, microseconds=n),
                received_ts=T0 + timedelta(seconds=n + 2),
                simulated=n % 5 == 0,
            )
        )
    return made


def write_jsonl(path: Path, items: list[Event]) -> Path:
    body = "".join(e.model_dump_json() + "\n" for e in items)
    if path.name.endswith(".gz"):
        path.write_bytes(gzip.compress(body.encode()))
    else:
        path.write_text(body, encoding="utf-8")
    return path


def write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    names = list(dict.fromkeys(k for row in rows for k in row))
    opener: Any = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "wt", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(names)
        writer.writerows([["" if row.get(n) is None else row[n] for n in names] for row in rows])
    return path


def as_text(event: Event) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in event.model_dump(mode="json").items()}


def stored(s: EventStore) -> list[tuple[Any, ...]]:
    return s.connect().execute("SELECT * FROM events ORDER BY event_id").fetchall()


def test_csv_jsonl_and_parquet_import_the_same_events(tmp_path: Path) -> None:
    items = events(60)
    files = [
        write_csv(tmp_path / "log.csv", [as_text(e) for e in items]),
        write_csv(tmp_path / "log.csv.gz", [as_text(e) for e in items]),
        write_jsonl(tmp_path / "log.jsonl", items),
        write_jsonl(tmp_path / "log.jsonl.gz", items),
    ]
    files.append(tmp_path / "log.parquet")
    write_events(new_connection(), items, files[-1])
    expected = sorted(tuple(e.model_dump().values()) for e in items)
    for path in files:
        s = EventStore(tmp_path / path.name.replace(".", "-"))
        result = import_events(s, path)
        assert (result.rows, result.accepted, result.duplicates, result.rejected) == (60, 60, 0, 0), path.name
        assert stored(s) == expected, path.name


def test_the_same_events_from_any_source_count_once(tmp_path: Path) -> None:
    s = EventStore(tmp_path)
    items = events(40)
    repeated = [*items[:30], items[3], items[3]]  # ev-3 three times in one file
    result = import_events(s, write_csv(tmp_path / "a.csv", [as_text(e) for e in repeated]))
    assert (result.accepted, result.duplicates) == (30, 2)
    assert s.append_events(items[25:35]).duplicates == 5
    result = import_events(s, write_jsonl(tmp_path / "b.jsonl", items))
    assert (result.accepted, result.duplicates) == (5, 35)
    assert import_events(s, tmp_path / "a.csv").accepted == 0
    assert s.count() == 40
    assert [r[0] for r in stored(s)] == sorted(e.event_id for e in items)


def test_bad_rows_are_reported_by_row_and_the_rest_stored(tmp_path: Path) -> None:
    rows = [as_text(e) for e in events(10)]
    rows[2]["market"] = "cn"
    rows[5]["position_s"] = None  # a seek without a position
    rows[7]["client_ts"] = "2025-03-01T12:00:00"  # no offset
    rows[8]["position_s"] = "1_0.5"  # unusual, but the model reads it: kept
    s = EventStore(tmp_path)
    result = import_events(s, write_csv(tmp_path / "log.csv", rows), max_reasons=2)
    assert (result.rows, result.accepted, result.rejected) == (10, 7, 3)
    assert [(r.index, r.event_id) for r in result.rejections] == [(3, "ev-2"), (6, "ev-5")]
    assert result.rejections[0].reason == "market: should match pattern '^[A-Z]{2}$' (got 'cn')"
    assert "position_s" in result.rejections[1].reason
    assert "row 3: market" in result.summary()
    assert s.connect().execute("SELECT position_s FROM events WHERE event_id = 'ev-8'").fetchall() == [(10.5,)]


def test_a_malformed_csv_line_is_refused_with_its_line(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "log.csv", [as_text(e) for e in events(3)])
    path.write_text(path.read_text() + "ev-9,play,extra\n")
    with pytest.raises(ImportFormatError, match=r"log.csv: unreadable as csv: .*Line: 5.*Expected Number of Columns"):
        import_events(EventStore(tmp_path), path)
    assert EventStore(tmp_path).count() == 0


def test_marking_an_import_simulated(tmp_path: Path) -> None:
    s = EventStore(tmp_path)
    import_events(s, write_jsonl(tmp_path / "log.jsonl", events(10)), simulated=True)
    assert s.connect().execute("SELECT bool_and(simulated) FROM events").fetchall() == [(True,)]


def test_unknown_or_missing_columns_name_the_file_and_the_columns(tmp_path: Path) -> None:
    rows = [{**as_text(e), "colour": "red"} for e in events(2)]
    for row in rows:
        del row["market"]
    path = write_csv(tmp_path / "log.csv", rows)
    with pytest.raises(ImportFormatError) as caught:
        import_events(EventStore(tmp_path), path)
    message = str(caught.value)
    assert str(path) in message
    assert "missing required columns: market" in message
    assert "unknown columns: colour" in message
    assert "an event log has the columns event_id, type," in message


def test_an_unknown_extension_or_layout_is_refused(tmp_path: Path) -> None:
    s = EventStore(tmp_path)
    with pytest.raises(ImportFormatError, match=r"cannot tell the format.*\.parquet"):
        import_events(s, tmp_path / "log.xlsx")
    path = write_csv(tmp_path / "numbers.csv", [{"day": "2025-03-01", "revenue": "10"}])
    with pytest.raises(ImportFormatError) as caught:
        import_file(s, path)
    assert "unknown layout (columns: day, revenue)" in str(caught.value)
    assert "an event log has the columns" in str(caught.value)
    assert "a retention table has" in str(caught.value)


CURVE = [(0, 100), (1, 97), (2, 97), (3, 90), (5, 70), (10, 40), (20, 12), (30, 12), (45, 5)]


def curve_from_store(s: EventStore, strict: bool) -> list[tuple[int, int]]:
    compare = ">" if strict else ">="
    return (
        s.connect()
        .execute(
            f"""
        WITH ends AS (SELECT session_id, max(position_s) AS p, bool_or(type = 'complete') AS done FROM events
                      WHERE type IN ('exit', 'complete') GROUP BY session_id)
        SELECT t.second, count(*) FILTER (WHERE done OR p {compare} t.second)
        FROM ends, (SELECT unnest({[s for s, _ in CURVE]}) AS second) t GROUP BY t.second ORDER BY t.second
        """
        )
        .fetchall()
    )


def test_a_retention_table_becomes_sessions_that_reproduce_it(tmp_path: Path) -> None:
    rows = [{"series": "janitor-heir", "episode": 2, "second": s, "viewers": v, "market": "BR"} for s, v in CURVE]
    path = write_csv(tmp_path / "retention.csv", rows)
    s = EventStore(tmp_path)
    result = import_file(s, path)
    assert (result.rows, result.accepted, result.rejected) == (200, 200, 0)
    assert curve_from_store(s, strict=False) == CURVE
    assert curve_from_store(s, strict=True) == CURVE  # exits fall between listed seconds
    marks = (
        s.connect()
        .execute(
            "SELECT count(DISTINCT viewer_id), bool_and(starts_with(viewer_id, 'rt-')), bool_and(segment = ?), "
            "any_value(platform), any_value(market), any_value(language), count(*) FILTER (WHERE type = 'play') "
            "FROM events",
            [retention.SEGMENT],
        )
        .fetchall()
    )
    assert marks == [(100, True, True, "unknown", "BR", "und", 100)]
    assert import_retention(s, path).duplicates == 200  # the same table again adds nothing
    rows[3]["viewers"] = 91
    with pytest.raises(ImportFormatError, match="already holds a different retention table for series janitor-heir"):
        import_retention(s, write_csv(tmp_path / "newer.csv", rows))


@pytest.mark.parametrize(
    ("column", "values"),
    [("retention", [1, 0.97, 0.5]), ("retention", ["100%", "97%", "50%"]), ("retention_pct", [100, 97, 50])],
)
def test_retention_shares_and_percentages(tmp_path: Path, column: str, values: list[Any]) -> None:
    rows = [
        {"series": "s1", "episode": 1, "second": s, column: v, "starts": 1000}
        for s, v in zip((0, 1, 2), values, strict=True)
    ]
    s = EventStore(tmp_path)
    import_retention(s, write_csv(tmp_path / "r.csv", rows), platform="youtube")
    assert curve_from_store(s, strict=False)[:3] == [(0, 1000), (1, 970), (2, 500)]


def test_a_retention_table_in_parquet(tmp_path: Path) -> None:
    csv_path = write_csv(
        tmp_path / "r.csv", [{"series": "s1", "episode": 1, "second": s, "viewers": v} for s, v in CURVE]
    )
    path = tmp_path / "r.parquet"
    new_connection().execute(f"COPY (SELECT * FROM read_csv({sql_str(csv_path)})) TO {sql_str(path)}")
    s = EventStore(tmp_path)
    assert import_file(s, path).accepted == 200
    assert curve_from_store(s, strict=False) == CURVE


def test_a_rising_retention_curve_is_refused_with_its_row(tmp_path: Path) -> None:
    rows = [{"series": "s1", "episode": 1, "second": s, "viewers": v} for s, v in [(0, 10), (1, 8), (2, 9)]]
    with pytest.raises(ImportFormatError, match=r"row 3: viewers rise from 8 at second 1 to 9 at second 2"):
        import_retention(EventStore(tmp_path), write_csv(tmp_path / "r.csv", rows))
    assert EventStore(tmp_path).count() == 0


GENERATE = """
COPY (SELECT 'ev-' || i AS event_id, 'progress' AS type, 'viewer-' || (i // 50) AS viewer_id,
             'session-' || (i // 10) AS session_id, 'janitor-heir' AS series, 1 + i % 100 AS episode,
             (i % 90)::DOUBLE AS position_s, 'tiktok' AS platform, 'US' AS market, 'en' AS language,
             TIMESTAMPTZ '2025-03-01 00:00:00+00' + to_microseconds(i) AS client_ts
      FROM range({n}) t(i)) TO {path} (FORMAT parquet)
"""
IMPORT = (
    "import sys; from pathlib import Path; from dramaline.audience.imports import import_events; "
    "from dramaline.audience.store import EventStore; import_events(EventStore(Path(sys.argv[1])), Path(sys.argv[2]))"
)


@pytest.mark.parametrize("delay", [0.0, 0.5])
def test_a_killed_import_leaves_all_or_nothing_and_reruns_cleanly(tmp_path: Path, delay: float) -> None:
    n = 50_000
    source = tmp_path / "big.parquet"
    new_connection().execute(GENERATE.format(n=n, path=sql_str(source)))
    folder = tmp_path / "series"
    events_dir = folder / "audience" / "events"
    child = subprocess.Popen([sys.executable, "-c", IMPORT, str(folder), str(source)])
    deadline = time.monotonic() + 60
    while child.poll() is None and time.monotonic() < deadline:  # wait for the import to be under way
        if events_dir.is_dir() and any(p.name.startswith(".tmp-") for p in events_dir.iterdir()):
            break
        time.sleep(0.005)
    time.sleep(delay)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    s = EventStore(folder)
    assert s.count() in (0, n)
    assert s.connect().execute("SELECT count(*) FROM events").fetchall() == [(s.count(),)]
    result = import_events(s, source)
    assert s.count() == n
    assert result.accepted + result.duplicates == n
    assert sorted(p.name for p in events_dir.iterdir()) == sorted(p.name for p in s.parts())


def test_columns_are_the_event_fields() -> None:
    assert tuple(Event.model_fields) == EVENT_COLUMNS
