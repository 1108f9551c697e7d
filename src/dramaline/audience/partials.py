"""Session partials: each immutable event part folded once into per-session aggregates.

A refresh of the metrics must fold every event into sessions, and re-reading tens of millions of
events each time is most of its cost. Parts never change once published, so each is folded once,
into one row per (session, simulated flag) with aggregates that merge (min, max, bit_or, any):
a refresh then merges those rows, one per session and part a session touched, instead of every
event. Partials are derived data: kept under `audience/sessions/v<N>/` beside the store, written
atomically by whoever reads first (two readers folding one part write the same file), rebuilt
when missing, and removed with their part.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final

import duckdb

from dramaline.audience import parts
from dramaline.audience.sessions import (
    PARTIALS_RESTART_S,
    Sessions,
    build_sessions,
    durations_from_timelines,
    fold_events_sql,
)
from dramaline.model import Timeline

PARTIALS_VERSION: Final = 1
"""Bump when fold_events_sql or PARTIALS_RESTART_S changes: partials of another version are refolded."""
PARTIALS_VIEW: Final = "session_partials"
"""The view `EventStore.connect(partials=True)` creates; pass it to build_sessions(partials=...)."""


def series_sessions(
    conn: duckdb.DuckDBPyConnection, series: str, timelines: Mapping[tuple[int, int], Timeline]
) -> Sessions:
    """The sessions of `series` in a store connected with partials (`EventStore.connect(partials=True)`).

    `timelines` maps (episode, version) to the version's timeline, which gives each its length.
    """
    return build_sessions(conn, durations_from_timelines(series, timelines), series=series, partials=PARTIALS_VIEW)


def partials_dir(root: Path) -> Path:
    """Where the partials of the store rooted at `root` (its `audience/` folder) live."""
    return root / "sessions" / f"v{PARTIALS_VERSION}"


def ensure_partials(con: duckdb.DuckDBPyConnection, events_dir: Path, folder: Path, names: Sequence[str]) -> list[Path]:
    """The partials file of each part in `names`, folding the parts that have none yet."""
    folder.mkdir(parents=True, exist_ok=True)
    found: list[Path] = []
    for name in names:
        target = folder / name
        if not target.exists():
            fold_part(con, events_dir / name, target)
        found.append(target)
    return found


def fold_part(con: duckdb.DuckDBPyConnection, part: Path, target: Path) -> None:
    """Fold one part's events into `target` (Parquet), atomically."""
    source = f"read_parquet({parts.sql_str(part)})"
    select = fold_events_sql(source, "TRUE", by_simulated=True).replace("$restart", repr(float(PARTIALS_RESTART_S)))
    tmp = parts.temp_path(target.parent, ".parquet")
    try:
        con.execute(f"COPY ({select}) TO {parts.sql_str(tmp)} (FORMAT parquet)")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def create_view(con: duckdb.DuckDBPyConnection, files: Sequence[Path]) -> None:
    """The view PARTIALS_VIEW over `files` (an empty one with the right columns when there are none)."""
    if files:
        con.execute(f"CREATE OR REPLACE VIEW {PARTIALS_VIEW} AS SELECT * FROM read_parquet({parts.sql_list(files)})")
    else:
        empty = fold_events_sql("events", "FALSE", by_simulated=True).replace("$restart", "0.0")
        con.execute(f"CREATE OR REPLACE VIEW {PARTIALS_VIEW} AS {empty}")


def remove_stale(folder: Path, keep: set[str]) -> None:
    """Delete the partials (and older versions' folders) of parts that are gone; writers call it under the lock."""
    root = folder.parent
    if root.is_dir():
        for other in root.iterdir():
            if other != folder and other.is_dir():
                for path in other.iterdir():
                    path.unlink()
                other.rmdir()
    if folder.is_dir():
        for path in folder.iterdir():
            # A reader may be folding into a temp file right now; one a day old was left by a crash.
            if path.name.startswith(parts.TMP_PREFIX) and time.time() - path.stat().st_mtime < 86400:
                continue
            if path.name not in keep:
                path.unlink(missing_ok=True)
