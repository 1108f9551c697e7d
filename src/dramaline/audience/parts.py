"""The files under an event store: durable writes, part names, and the index of stored event ids.

A part (`events/part-<time>-<uuid>.parquet`) is immutable once published. Beside each part,
`ids/<part name>.npy` holds the sorted 64-bit DuckDB hashes of its event ids. Checking a batch of
1,000 events against 10 million stored ones is then a binary search per id in memory-mapped arrays
instead of a scan of 10 million ids in Parquet (measured: a whole 1,000-event append took 0.55 s,
the anti-join alone 25.7 s; see docs/events.md).
A hash hit is only a candidate: it is confirmed against the part's real event ids before an event
is dropped, so a hash collision can never lose an event.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt

from dramaline.model.audience import Event

TMP_PREFIX = ".tmp-"
"""Files being written carry this prefix until they are renamed into place; nothing reads them."""
PART_GLOB = "part-*.parquet"
HASH_PROBE_TEXT = "dramaline event id hash probe"
"""Hashed at open: if DuckDB's hash() ever changes between versions, the id index is rebuilt."""

Hashes = npt.NDArray[np.uint64]

EVENT_COLUMN_TYPES = MappingProxyType(
    {
        "event_id": "VARCHAR",
        "type": "VARCHAR",
        "viewer_id": "VARCHAR",
        "session_id": "VARCHAR",
        "series": "VARCHAR",
        "episode": "INTEGER",
        "episode_version": "INTEGER",
        "position_s": "DOUBLE",
        "from_position_s": "DOUBLE",
        "platform": "VARCHAR",
        "market": "VARCHAR",
        "language": "VARCHAR",
        "segment": "VARCHAR",
        "amount": "DOUBLE",
        "client_ts": "TIMESTAMPTZ",
        "received_ts": "TIMESTAMPTZ",
        "simulated": "BOOLEAN",
    }
)
"""DuckDB type of each column of the `events` view and of every part; received_ts is never null there."""
EVENT_COLUMNS: tuple[str, ...] = tuple(EVENT_COLUMN_TYPES)
"""The columns of the store, in order: the fields of Event."""
if tuple(Event.model_fields) != EVENT_COLUMNS:  # pragma: no cover - caught at import, by any test
    raise RuntimeError("EVENT_COLUMN_TYPES must list Event's fields in order")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)


_databases: dict[int, duckdb.DuckDBPyConnection] = {}
_databases_lock = threading.Lock()


def new_connection(*, shared: bool = True) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection that reads and writes timestamps in UTC whatever the machine's zone.

    Shared: a cursor on one in-memory database per process, since opening a database costs 10-400 ms
    and a store write needs only its own session (settings, registrations and temp tables are
    per cursor). Otherwise: a database of its own, for callers that may create anything in it.
    """
    if shared:
        with _databases_lock:  # keyed by process: a database must not cross a fork
            database = _databases.get(os.getpid())
            if database is None:
                database = _databases[os.getpid()] = duckdb.connect()
            con = database.cursor()
    else:
        con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")
    return con


def sql_str(text: str | Path) -> str:
    """A SQL string literal (DuckDB cannot take prepared parameters in DDL and COPY targets)."""
    return "'" + str(text).replace("'", "''") + "'"


def sql_list(paths: Sequence[Path]) -> str:
    return "[" + ", ".join(sql_str(p) for p in paths) + "]"


def timestamped_name(prefix: str, suffix: str) -> str:
    # The time first keeps a directory listing in write order; the uuid keeps concurrent names apart.
    return f"{prefix}-{datetime.now(UTC):%Y%m%dT%H%M%S%f}Z-{uuid.uuid4().hex}{suffix}"


def new_part_name() -> str:
    return timestamped_name("part", ".parquet")


def temp_path(folder: Path, suffix: str) -> Path:
    return folder / f"{TMP_PREFIX}{uuid.uuid4().hex}{suffix}"


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    """Make the renames and unlinks in a directory durable (a rename alone survives no power cut)."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_durably(path: Path, data: bytes) -> None:
    """Replace `path` with `data` in one step: a temp file, fsync, rename, fsync of the directory."""
    tmp = temp_path(path.parent, path.suffix)
    try:
        with tmp.open("wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    fsync_dir(path.parent)


def publish(tmp: Path, final: Path) -> None:
    """Move a finished temp file into place durably (the caller fsyncs the directory once at the end)."""
    fsync_file(tmp)
    os.replace(tmp, final)


def hash_probe(con: duckdb.DuckDBPyConnection) -> int:
    return scalar(con, f"SELECT hash({sql_str(HASH_PROBE_TEXT)})")


def scalar(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    """The one number a statement returns (fetchall: DuckDB 2 wants a result finished before the next)."""
    rows = con.execute(sql).fetchall()
    return int(rows[0][0]) if rows else 0


def id_hashes(con: duckdb.DuckDBPyConnection, parquet: Path) -> Hashes:
    """The sorted hashes of a part's event ids."""
    fetched = con.execute(f"SELECT hash(event_id) AS h FROM read_parquet({sql_str(parquet)})").fetchnumpy()
    hashes: Hashes = np.sort(np.asarray(fetched["h"], dtype=np.uint64))
    return hashes


def save_ids(path: Path, hashes: Hashes) -> None:
    tmp = temp_path(path.parent, ".npy")
    try:
        with tmp.open("wb") as f:
            np.save(f, hashes, allow_pickle=False)
        publish(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def load_ids(path: Path) -> Hashes:
    loaded: Hashes = np.load(path, mmap_mode="r", allow_pickle=False)
    return loaded


def found_in(haystack: Hashes, needles: Hashes) -> npt.NDArray[np.bool_]:
    """Which of `needles` occur in the sorted `haystack`."""
    if len(haystack) == 0 or len(needles) == 0:
        return np.zeros(len(needles), dtype=np.bool_)
    at = np.searchsorted(haystack, needles)
    at[at == len(haystack)] = 0
    hits: npt.NDArray[np.bool_] = np.asarray(haystack[at] == needles)
    return hits


@dataclass(frozen=True)
class Kept:
    """A staged file that survived deduplication, ready to publish as a part."""

    path: Path
    rows: int
    hashes: Hashes


def dedupe(
    con: duckdb.DuckDBPyConnection, staged: Sequence[Path], stored: Sequence[tuple[Path, Hashes]], columns: str
) -> tuple[list[Kept], int]:
    """Drop from the staged files every event whose id is already stored or came earlier in them.

    Earlier staged files, and earlier rows within a file, win. Returns the files to publish (rewritten
    where rows were dropped; a file left empty is deleted) and how many events were dropped.
    """
    news = [id_hashes(con, path) for path in staged]
    for path, hashes in zip(staged, news, strict=True):
        if len(hashes) == 0:
            path.unlink()
    staged, news = [p for p, h in zip(staged, news, strict=True) if len(h)], [h for h in news if len(h)]
    every = np.sort(np.concatenate(news)) if news else np.zeros(0, dtype=np.uint64)
    repeated = _distinct(every[1:][every[1:] == every[:-1]])
    distinct = _distinct(every)
    hit_parts: list[Path] = []
    hit_rows = 0
    candidates = [repeated]
    for part, hashes in stored:
        hits = found_in(hashes, distinct)
        if hits.any():
            hit_parts.append(part)
            hit_rows += len(hashes)
            candidates.append(distinct[hits])
    candidate = _distinct(np.sort(np.concatenate(candidates)))
    if len(candidate) == 0:
        return [Kept(path, len(h), h) for path, h in zip(staged, news, strict=True)], 0
    # Checking every staged row costs less than picking out the candidates when most of them are.
    only = candidate if len(candidate) < len(distinct) // 2 else None
    # Probe large stored parts with the new ids rather than hash all of their ids (and the other way round).
    probe = hit_rows > 4 * len(every)
    drops = _exact_drops(con, staged, hit_parts, only, repeats=len(repeated) > 0, probe_stored=probe)
    kept: list[Kept] = []
    for index, (path, hashes) in enumerate(zip(staged, news, strict=True)):
        dropped = drops.get(index, 0)
        if dropped == 0:
            kept.append(Kept(path, len(hashes), hashes))
        elif dropped == len(hashes):
            path.unlink()
        else:
            rewritten = temp_path(path.parent, ".parquet")
            con.execute(
                f"COPY (SELECT {columns} FROM read_parquet({sql_str(path)}, file_row_number = true) "
                f"WHERE file_row_number NOT IN (SELECT r FROM _drop WHERE f = {index})) "
                f"TO {sql_str(rewritten)} (FORMAT parquet)"
            )
            path.unlink()
            kept.append(Kept(rewritten, len(hashes) - dropped, id_hashes(con, rewritten)))
    return kept, sum(drops.values())


def _exact_drops(
    con: duckdb.DuckDBPyConnection,
    staged: Sequence[Path],
    hit_parts: Sequence[Path],
    candidate: Hashes | None,
    *,
    repeats: bool,
    probe_stored: bool,
) -> dict[int, int]:
    """Fill the temp table _drop(f, r) with the staged rows to drop; returns the count per staged file.

    `candidate`: the id hashes that may be duplicates (None: all may be).
    """
    where = ""
    if candidate is not None:
        con.register("_candidate", {"h": candidate})
        where = "WHERE hash(event_id) IN (SELECT h FROM _candidate)"
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _new AS "
        + " UNION ALL ".join(
            f"SELECT {i} AS f, file_row_number AS r, event_id "
            f"FROM read_parquet({sql_str(p)}, file_row_number = true) {where}"
            for i, p in enumerate(staged)
        )
    )
    stored = "false"
    if hit_parts:
        narrowed = " WHERE event_id IN (SELECT event_id FROM _new)" if probe_stored else ""
        stored = f"event_id IN (SELECT event_id FROM read_parquet({sql_list(hit_parts)}){narrowed})"
    later = "row_number() OVER (PARTITION BY event_id ORDER BY f, r) > 1" if repeats else "false"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _drop AS SELECT f, r FROM (SELECT *, {later} AS later FROM _new) "
        f"WHERE later OR {stored}"
    )
    if candidate is not None:
        con.unregister("_candidate")
    return {int(f): int(n) for f, n in con.execute("SELECT f, count(*) FROM _drop GROUP BY f").fetchall()}


def _distinct(ordered: Hashes) -> Hashes:
    """The distinct values of a sorted array (numpy's unique is pathologically slow on random uint64)."""
    if len(ordered) == 0:
        return ordered
    keep = np.empty(len(ordered), dtype=np.bool_)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    distinct: Hashes = ordered[keep]
    return distinct


def write_events(
    con: duckdb.DuckDBPyConnection, events: Sequence[Event], path: Path, *, received_at: datetime | None = None
) -> None:
    """Write events to a Parquet file with the store's columns; received_at fills a missing received_ts."""

    def strings(field: str) -> np.ndarray[Any, Any]:
        return np.array([getattr(e, field) for e in events], dtype=object)

    def floats(field: str) -> np.ndarray[Any, Any]:
        return np.array([np.nan if (v := getattr(e, field)) is None else v for e in events], dtype=np.float64)

    def micros(field: str) -> np.ndarray[Any, Any]:
        stamps: list[datetime | None] = [getattr(e, field) or received_at for e in events]
        return np.array([(_required(t, field) - _EPOCH) // _MICRO for t in stamps], dtype=np.int64)

    batch: dict[str, np.ndarray[Any, Any]] = {
        c: strings(c) for c in ("event_id", "viewer_id", "session_id", "series", "platform", "market", "language")
    }
    batch["type"] = np.array([e.type.value for e in events], dtype=object)
    batch["segment"] = strings("segment")
    batch["episode"] = np.array([e.episode for e in events], dtype=np.int32)
    batch["episode_version"] = np.array([e.episode_version for e in events], dtype=np.int32)
    for field in ("position_s", "from_position_s", "amount"):
        batch[field] = floats(field)
    batch["client_ts"] = micros("client_ts")
    batch["received_ts"] = micros("received_ts")
    batch["simulated"] = np.array([e.simulated for e in events], dtype=np.bool_)
    con.register("_events", batch)
    select = ", ".join(
        f"make_timestamp({c})::TIMESTAMPTZ AS {c}"
        if t == "TIMESTAMPTZ"
        else f"CAST(CASE WHEN NOT isnan({c}) THEN {c} END AS DOUBLE) AS {c}"
        if t == "DOUBLE"
        else f"CAST({c} AS {t}) AS {c}"
        for c, t in EVENT_COLUMN_TYPES.items()
    )
    con.execute(f"COPY (SELECT {select} FROM _events) TO {sql_str(path)} (FORMAT parquet)")
    con.unregister("_events")


def _required(stamp: datetime | None, field: str) -> datetime:
    if stamp is None:
        raise ValueError(f"{field} is missing and no received_at was given")
    return stamp
