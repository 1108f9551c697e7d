"""Benchmark: import 10 million events into an empty event store (target: 500,000 events/s on 2 cores).

The floor is DuckDB's bare `COPY (SELECT * FROM read_parquet(...)) TO '...parquet'` of the same file,
timed in the same run: reading the events and writing them once, with no checks at all. The import
adds the vectorised validation, the id index and the deduplication. Also timed: importing the same
file again (every event a duplicate), and appending 1,000 new events to the full store, beside the
plain anti-join on event_id that the id index replaces. Generating the file is not timed.

`python benchmarks/ingest.py --events 1000000` for a quicker run; `--format csv` imports a CSV instead.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from dramaline.audience.imports import import_events
from dramaline.audience.parts import new_connection, sql_list, sql_str
from dramaline.audience.store import EventStore
from dramaline.model.audience import Event

TARGET_RATE = 500_000.0
EVENTS = 10_000_000
THREADS = 2

GENERATE = """
COPY (
  SELECT 'ev-' || i::VARCHAR || '-' || (i * 2654435761 % 4294967296)::VARCHAR AS event_id,
         ['impression', 'play', 'progress', 'progress', 'progress', 'pause', 'seek', 'exit', 'complete',
          'next_episode', 'like', 'share', 'follow', 'comment', 'unlock'][1 + i % 15] AS type,
         'viewer-' || (i // 40)::VARCHAR AS viewer_id,
         'session-' || (i // 8)::VARCHAR AS session_id,
         'janitor-heir' AS series,
         (1 + (i // 8) % 100)::INTEGER AS episode,
         1 AS episode_version,
         CASE WHEN i % 15 BETWEEN 1 AND 8 THEN ((i * 7) % 900) / 10.0 END AS position_s,
         CASE WHEN i % 15 = 6 THEN ((i * 3) % 900) / 10.0 END AS from_position_s,
         ['douyin', 'tiktok', 'reelshort', 'youtube'][1 + i % 4] AS platform,
         ['US', 'CN', 'BR', 'ID', 'PH'][1 + i % 5] AS market,
         ['en', 'zh', 'pt', 'id', 'tl'][1 + i % 5] AS language,
         CASE WHEN i % 3 = 0 THEN 'new-viewers' END AS segment,
         CASE WHEN i % 15 = 14 THEN 0.99 END AS amount,
         TIMESTAMPTZ '2025-01-01 00:00:00+00' + to_microseconds(i * 37000) AS client_ts,
         TIMESTAMPTZ '2025-01-01 00:00:01+00' + to_microseconds(i * 37000) AS received_ts,
         false AS simulated
  FROM range({n}) t(i)
) TO {path} ({options})
"""


def generate(path: Path, events: int) -> None:
    """Write `events` valid events (Parquet or CSV, by the name) with DuckDB; ids ev-<n>-<hash>."""
    options = "FORMAT csv, HEADER true" if path.suffix == ".csv" else "FORMAT parquet"
    new_connection(shared=False).execute(GENERATE.format(n=events, path=sql_str(path), options=options))


def _timed(work: Callable[[], object]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (this process, all threads) of `work`."""
    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    work()
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def run(events: int = EVENTS, file_format: str = "parquet", folder: Path | None = None) -> dict[str, float]:
    """Import `events` events into an empty store and again; returns seconds, events/s and ratios."""
    work = Path(tempfile.mkdtemp(prefix="dramaline-ingest-", dir=folder))
    try:
        source = work / f"events.{file_format}"
        generate(source, events)
        new_connection().execute(f"SET threads = {THREADS}")  # the shared database the store writes with
        floor_con = new_connection(shared=False)
        floor_con.execute(f"SET threads = {THREADS}")
        reader = f"read_{'csv' if file_format == 'csv' else 'parquet'}({sql_str(source)})"
        floor_s, floor_cpu = _timed(
            lambda: floor_con.execute(f"COPY (SELECT * FROM {reader}) TO {sql_str(work / 'floor.parquet')}")
        )
        store = EventStore(work / "janitor-heir")
        import_s, import_cpu = _timed(lambda: _expect(import_events(store, source).accepted, events))
        reimport_s, _ = _timed(lambda: _expect(import_events(store, source).duplicates, events))
        fresh = [_event(n) for n in range(1000)]
        append_s, _ = _timed(lambda: _expect(store.append_events(fresh).accepted, 1000))
        floor_con.register("batch", {"event_id": np.array([f"new-{n}" for n in range(1000)], dtype=object)})
        stored = f"read_parquet({sql_list(store.parts())})"
        scan = f"SELECT count(*) FROM batch WHERE event_id NOT IN (SELECT event_id FROM {stored})"
        antijoin_s, _ = _timed(lambda: floor_con.execute(scan).fetchall())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {
        "events": float(events),
        "import_s": import_s,
        "import_rate": events / import_s,
        "import_cpu_s": import_cpu,
        "reimport_s": reimport_s,
        "reimport_rate": events / reimport_s,
        "floor_s": floor_s,
        "floor_cpu_s": floor_cpu,
        "ratio": import_s / floor_s,
        "cpu_ratio": import_cpu / floor_cpu,
        "append_1000_s": append_s,
        "antijoin_1000_s": antijoin_s,
        "target_rate": TARGET_RATE,
    }


def report(result: dict[str, float]) -> str:
    verdict = "meets" if result["import_rate"] >= result["target_rate"] else "MISSES"
    return (
        f"import {result['events'] / 1e6:g}M events: {result['import_s']:.1f} s, "
        f"{result['import_rate'] / 1000:,.0f}k events/s, {result['ratio']:.1f}x the floor (bare DuckDB COPY: "
        f"{result['floor_s']:.1f} s; CPU {result['cpu_ratio']:.1f}x); {verdict} the "
        f"{result['target_rate'] / 1000:,.0f}k/s target; again, all duplicates: {result['reimport_s']:.1f} s "
        f"({result['reimport_rate'] / 1000:,.0f}k/s); append 1,000 to the full store: "
        f"{result['append_1000_s'] * 1000:.0f} ms (an anti-join on event_id alone: "
        f"{result['antijoin_1000_s'] * 1000:.0f} ms)"
    )


def _expect(got: int, wanted: int) -> None:
    if got != wanted:
        raise AssertionError(f"expected {wanted} events, got {got}")


def _event(n: int) -> Event:
    return Event(
        event_id=f"bench-{n}",
        type="progress",
        viewer_id="viewer-bench",
        session_id="session-bench",
        series="janitor-heir",
        episode=1,
        position_s=float(n % 90),
        platform="web",
        market="US",
        language="en",
        client_ts=datetime(2025, 1, 1, tzinfo=UTC) + timedelta(seconds=n),
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=EVENTS)
    parser.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    parser.add_argument("--folder", type=Path, help="where to write the files (default: the temp folder)")
    args = parser.parse_args()
    print(report(run(args.events, args.format, args.folder)))
