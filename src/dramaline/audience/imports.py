"""Importing files of events into the store: raw event logs (JSONL, CSV, Parquet) and retention tables.

An event log has one event a row, its columns named as the Event fields. DuckDB reads it, checks
every row with the SQL form of the event rules (validate.event_checks) and writes the valid rows
as one staged part in a single pass; only the rows that fail are read again, each put to pydantic
for its exact reason (or accepted, when the SQL was merely stricter). The staged part is then
deduplicated against the store and committed in one step: after a crash, all of an import or
none of it is there, and running it again stores nothing twice.
"""

from __future__ import annotations

import csv
import gzip
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

import duckdb

from dramaline.audience import retention
from dramaline.audience.parts import scalar, sql_str
from dramaline.audience.store import EventStore, StoreWriter, write_events
from dramaline.audience.validate import OPTIONAL, REQUIRED, Rejection, check_event, event_checks, python_value
from dramaline.errors import ImportFormatError
from dramaline.model.audience import Event

MAX_REASONS = 20
"""How many rejected rows an import reports one by one (all are counted)."""
FORMATS = {
    ".parquet": "parquet",
    ".csv": "csv",
    ".csv.gz": "csv",
    ".jsonl": "json",
    ".ndjson": "json",
    ".jsonl.gz": "json",
    ".ndjson.gz": "json",
}
_CHUNK = 10_000
_RESCUE_BATCH = 100_000


@dataclass(frozen=True)
class ImportResult:
    path: Path
    rows: int
    """Records read from the file (for a retention table: events made from it)."""
    accepted: int
    """Events newly stored."""
    duplicates: int
    """Valid events not stored because their event_id was stored already or came earlier in the file."""
    rejected: int
    """Rows that are not valid events."""
    rejections: tuple[Rejection, ...]
    """The first MAX_REASONS rejected rows; `index` is the row's number in the file, from 1."""

    def summary(self) -> str:
        text = f"{self.path.name}: {self.rows} rows, {self.accepted} stored, {self.duplicates} already there"
        if self.rejected:
            text += f", {self.rejected} rejected: " + "; ".join(f"row {r.index}: {r.reason}" for r in self.rejections)
            text += " …" if self.rejected > len(self.rejections) else ""
        return text


def file_format(path: Path) -> str:
    """'parquet', 'csv' or 'json' from the file name; an error lists the names understood."""
    name = path.name.lower()
    for suffix, kind in sorted(FORMATS.items(), key=lambda item: -len(item[0])):
        if name.endswith(suffix):
            return kind
    raise ImportFormatError(f"{path}: cannot tell the format from the name; use one of {', '.join(FORMATS)}")


def file_columns(con: duckdb.DuckDBPyConnection, path: Path) -> dict[str, str]:
    """The file's column names and their DuckDB types, as it would be read for an import."""
    source, _ = _source(path, None, numbered=False)
    try:
        return {str(row[0]): str(row[1]) for row in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()}
    except duckdb.Error as exc:
        raise ImportFormatError(f"{path}: unreadable as {file_format(path)}: {_first_line(exc)}") from exc


def import_events(
    store: EventStore, path: Path, *, simulated: bool = False, max_reasons: int = MAX_REASONS
) -> ImportResult:
    """Import an event log; valid rows are stored (deduplicated), the others counted and explained.

    `simulated=True` marks every event as simulated (a file's own `simulated` column is kept otherwise).
    """
    path = Path(path)
    with store.writing() as writer:
        columns = file_columns(writer.con, path)
        _check_columns(path, columns)
        return _import(writer, path, columns, simulated, max_reasons)


def import_retention(
    store: EventStore, path: Path, *, platform: str = "unknown", market: str = "ZZ", language: str = "und"
) -> ImportResult:
    """Import a per-second retention table as the synthetic sessions that reproduce it (see retention.py).

    `platform`, `market` and `language` apply where the table has no such column ("ZZ" and "und" are
    the ISO and BCP 47 codes for unknown).
    """
    path = Path(path)
    defaults = {"platform": platform, "market": market, "language": language}
    received_at = datetime.now(UTC)
    with store.writing() as writer:
        source = _numbered_source(path)
        try:
            curves = retention.read_curves(writer.con, source, path, defaults)
        except duckdb.Error as exc:
            raise ImportFormatError(f"{path}: unreadable as {file_format(path)}: {_first_line(exc)}") from exc
        clashes = retention.conflicts(writer.con, store.parts(), curves)
        if clashes:
            raise ImportFormatError(
                f"{path}: the store already holds a different retention table for {'; '.join(clashes)}; a store "
                "never deletes, so a newer export of a curve cannot replace an older one: import it into a new store"
            )
        staged = writer.staging_path()
        rows = retention.stage_curves(writer.con, curves, staged, received_at)
        result = writer.commit([staged])
    return ImportResult(path, rows, result.accepted, result.duplicates, 0, ())


def import_file(store: EventStore, path: Path, *, simulated: bool = False) -> ImportResult:
    """Import an event log or a retention table, whichever the file's columns say it is."""
    path = Path(path)
    with store.writing() as writer:
        columns = file_columns(writer.con, path)
    if retention.layout_of(list(columns)) is not None:
        return import_retention(store, path)
    if any(c in REQUIRED or c in OPTIONAL for c in columns):
        return import_events(store, path, simulated=simulated)
    raise ImportFormatError(
        f"{path}: unknown layout (columns: {', '.join(columns)}); an event log has the columns "
        f"{', '.join(REQUIRED)} and optionally {', '.join(OPTIONAL)}; {retention.LAYOUT_HELP}"
    )


def _import(writer: StoreWriter, path: Path, columns: dict[str, str], simulated: bool, limit: int) -> ImportResult:
    con, received_at = writer.con, datetime.now(UTC)
    kind = file_format(path)
    if kind == "json":  # read each value as JSON, so a number where a string belongs is seen as one
        columns = dict.fromkeys(columns, "JSON")
    source, row = _source(path, columns if kind == "json" else None)
    select, ok = event_checks(columns, received_at=received_at, simulated=simulated)
    staged = writer.staging_path()
    try:
        valid = scalar(con, f"COPY (SELECT {select} FROM {source} WHERE {ok}) TO {sql_str(staged)} (FORMAT parquet)")
    except duckdb.Error as exc:
        raise ImportFormatError(f"{path}: unreadable as {kind}: {_first_line(exc)}") from exc
    files, rescued, rejected = [staged], 0, 0
    rejections: list[Rejection] = []
    if _records_at_most(con, path, kind) > valid:
        names = list(columns)
        quoted = ", ".join(f'"{n}"' for n in names)
        failing = con.execute(f"SELECT {row} AS _row, {quoted} FROM {source} WHERE NOT {ok} ORDER BY _row")
        kept: list[Event] = []
        for number, values in _rows(failing):
            item = {n: python_value(v, columns[n]) for n, v in zip(names, values, strict=True) if v is not None}
            item.setdefault("received_ts", received_at)
            outcome = check_event(item)
            if isinstance(outcome, Event):  # the SQL was stricter than the model: keep it
                kept.append(outcome.model_copy(update={"simulated": True}) if simulated else outcome)
                if len(kept) >= _RESCUE_BATCH:  # a file of oddly written events must not fill the memory
                    files.append(_stage(writer, kept))
                    rescued, kept = rescued + len(kept), []
                continue
            rejected += 1
            if len(rejections) < limit:
                event_id = item.get("event_id")
                rejections.append(Rejection(number, event_id.strip() if isinstance(event_id, str) else None, outcome))
        if kept:
            files.append(_stage(writer, kept))
            rescued += len(kept)
    result = writer.commit(files)
    rows = valid + rescued + rejected
    return ImportResult(path, rows, result.accepted, result.duplicates, rejected, tuple(rejections))


def _stage(writer: StoreWriter, events: list[Event]) -> Path:
    path = writer.staging_path()
    write_events(writer.con, events, path)
    return path


def _source(path: Path, json_columns: dict[str, str] | None, *, numbered: bool = True) -> tuple[str, str]:
    """The DuckDB table expression that reads `path`, and the SQL of a row's number in the file (from 1)."""
    kind, p = file_format(path), sql_str(path)
    ordinality = " WITH ORDINALITY" if numbered else ""
    if kind == "parquet":
        return f"read_parquet({p}{', file_row_number = true' if numbered else ''})", "file_row_number + 1"
    if kind == "csv":
        # Every cell as text: the rules decide what a cell may hold, not DuckDB's guess from a sample.
        # The dialect comes from the header line, so one malformed row cannot mislead DuckDB's sniffer
        # (it would then take a data row for the header); a malformed row is an error naming its line.
        delimiter, names = _csv_header(path)
        columns = ", ".join(f"{sql_str(n)}: 'VARCHAR'" for n in names)
        options = f"auto_detect = false, header = true, delim = {sql_str(delimiter)}, quote = '\"', escape = '\"'"
        return f"read_csv({p}, {options}, columns = {{{columns}}}){ordinality}", "ordinality"
    columns = ""
    if json_columns is not None:
        columns = ", columns = {" + ", ".join(f"{sql_str(c)}: 'JSON'" for c in json_columns) + "}"
    return f"read_json({p}, format = 'newline_delimited'{columns}){ordinality}", "ordinality"


def _csv_header(path: Path) -> tuple[str, list[str]]:
    """The delimiter (, ; tab or |, whichever the header line has most of) and the column names."""
    opener: Any = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8-sig", newline="") as f:
            line = f.readline()
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportFormatError(f"{path}: unreadable as csv: {exc}") from exc
    delimiter = max(",;\t|", key=line.count)
    names = next(csv.reader([line], delimiter=delimiter), [])
    if not line.strip() or not names:
        raise ImportFormatError(f"{path}: no header line (a CSV file starts with the names of its columns)")
    return delimiter, [n.strip() for n in names]


def _numbered_source(path: Path) -> str:
    """A table expression reading every column as the file has it, plus `ordinality` (the row, from 1)."""
    source, _ = _source(path, None, numbered=False)
    if file_format(path) == "parquet":
        return f"(SELECT * EXCLUDE (file_row_number), file_row_number + 1 AS ordinality FROM {_source(path, None)[0]})"
    return source + " WITH ORDINALITY"


def _check_columns(path: Path, columns: dict[str, str]) -> None:
    unknown = [c for c in columns if c not in REQUIRED and c not in OPTIONAL]
    missing = [c for c in REQUIRED if c not in columns]
    if unknown or missing:
        problems = []
        if missing:
            problems.append(f"missing required columns: {', '.join(missing)}")
        if unknown:
            problems.append(f"unknown columns: {', '.join(unknown)}")
        raise ImportFormatError(
            f"{path}: not an event log ({'; '.join(problems)}); an event log has the columns "
            f"{', '.join(REQUIRED)} and optionally {', '.join(OPTIONAL)} (see docs/events.md)"
        )


def _records_at_most(con: duckdb.DuckDBPyConnection, path: Path, kind: str) -> int:
    """An upper bound on the file's records, found without parsing it (a record spans at least one line).

    When it equals the rows that passed, none failed and the file is not read a second time.
    """
    if kind == "parquet":
        return scalar(con, f"SELECT count(*) FROM read_parquet({sql_str(path)})")  # read from the footer
    opener: Any = gzip.open if path.name.lower().endswith(".gz") else open
    lines, last = 0, b"\n"
    with opener(path, "rb") as f:
        for block in _blocks(f):
            lines += block.count(b"\n")
            last = block[-1:]
    lines += last != b"\n"
    return lines - (1 if kind == "csv" else 0)


def _blocks(f: BinaryIO) -> Iterator[bytes]:
    while block := f.read(1 << 22):
        yield block


def _rows(result: duckdb.DuckDBPyConnection) -> Iterator[tuple[int, tuple[Any, ...]]]:
    while chunk := result.fetchmany(_CHUNK):
        for row in chunk:
            yield int(row[0]), tuple(row[1:])


def _first_line(exc: Exception) -> str:
    """DuckDB's message without its advice on options (which are ours, not the user's, to set)."""
    lines = [line.strip() for line in str(exc).strip().splitlines()]
    kept = list(itertools.takewhile(lambda line: line and not line.startswith("Possible fixes"), lines))
    return "; ".join(kept) or type(exc).__name__
