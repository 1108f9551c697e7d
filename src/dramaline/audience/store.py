"""The event store: every audience event of a series, in DuckDB-readable Parquet inside its folder.

Layout, under `<folder>/audience/`:

    store.json        format, schema_version and the manifest: which parts exist (the commit point)
    events/part-*.parquet   immutable parts, columns EVENT_COLUMNS
    ids/part-*.npy    sorted hashes of each part's event ids (the dedupe index; see parts.py)
    inbox/*.jsonl     batches accepted by the HTTP server, durable but not yet in the store
    .lock             writers hold an exclusive flock on it

Readers see exactly the parts listed in store.json, which is replaced in one rename. So an append
appears whole or not at all, and a compaction swaps its merged part for the parts it merged in one
step: nothing is ever counted twice, and no read-time dedupe is needed. Parts a compaction replaced
stay on disk for RETIRED_GRACE so that connections opened before it can still read them.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
from pydantic import ValidationError

from dramaline.audience import partials as session_partials
from dramaline.audience import parts
from dramaline.audience.parts import EVENT_COLUMN_TYPES as EVENT_COLUMN_TYPES
from dramaline.audience.parts import EVENT_COLUMNS as EVENT_COLUMNS
from dramaline.audience.parts import write_events as write_events
from dramaline.errors import DramalineError, InvalidInputError
from dramaline.model.audience import EVENT_SCHEMA_VERSION, MAX_CLOCK_SKEW, Event

STORE_FORMAT = "dramaline-event-store"
SMALL_PART_ROWS = 100_000
"""Parts below this many events are merged by compact()."""
AUTO_COMPACT_PARTS = 32
"""A write that leaves this many small parts merges them (a view over thousands of files is slow)."""
RETIRED_GRACE = timedelta(minutes=10)
_SELECT = ", ".join(EVENT_COLUMNS)
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
log = logging.getLogger(__name__)


class EventStoreError(DramalineError):
    """The event store on disk cannot be used as it is (newer version, damaged manifest)."""


@dataclass(frozen=True)
class AppendResult:
    accepted: int
    """Events newly stored."""
    duplicates: int
    """Events dropped because their event_id was already stored or came earlier in the same batch."""

    def __add__(self, other: AppendResult) -> AppendResult:
        return AppendResult(self.accepted + other.accepted, self.duplicates + other.duplicates)


def series_id(folder: Path) -> str:
    """The id events use for the series in `folder`: the folder's name, which must be a slug."""
    name = Path(folder).resolve().name
    if len(name) <= 64 and _SLUG.match(name):
        return name
    suggestion = re.sub(r"[^a-z0-9_-]+", "-", name.lower()).strip("-_")[:64] or "my-series"
    raise InvalidInputError(
        f"the series folder name {name!r} cannot be a series id in events: use lower-case letters, digits, "
        f"'-' and '_', starting with a letter or digit, at most 64 characters; rename the folder "
        f"(for example: mv {str(folder)!r} {str(Path(folder).resolve().parent / suggestion)!r})"
    )


class EventStore:
    """The events of the series (or studio) in `folder`, kept under `folder/audience/`."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.root = self.folder / "audience"
        self.events_dir = self.root / "events"
        self.ids_dir = self.root / "ids"
        self.inbox_dir = self.root / "inbox"
        self._manifest_path = self.root / "store.json"
        self._read_manifest()  # refuse a store from a newer dramaline before anything else

    # Reading

    def parts(self) -> list[Path]:
        """The part files that make up the store now."""
        return [self.events_dir / p["name"] for p in self._read_manifest()["parts"]]

    def count(self) -> int:
        """How many events are stored (from the manifest; no data is read)."""
        return sum(int(p["rows"]) for p in self._read_manifest()["parts"])

    def connect(self, *, partials: bool = False) -> duckdb.DuckDBPyConnection:
        """An in-memory DuckDB with a view `events` over the store as it is now (a snapshot).

        With `partials`, also the view `session_partials` of each part folded into sessions (see
        audience/partials.py; parts not folded yet are folded now), for build_sessions(partials=...).
        """
        con = parts.new_connection(shared=False)
        files = self.parts()
        if files:
            con.execute(f"CREATE VIEW events AS SELECT {_SELECT} FROM read_parquet({parts.sql_list(files)})")
        else:
            empty = ", ".join(f"NULL::{t} AS {c}" for c, t in EVENT_COLUMN_TYPES.items())
            con.execute(f"CREATE VIEW events AS SELECT {empty} WHERE false")
        if partials:
            folded = session_partials.ensure_partials(
                con, self.events_dir, session_partials.partials_dir(self.root), [p.name for p in files]
            )
            session_partials.create_view(con, folded)
        return con

    # Writing

    def append_events(self, events: Sequence[Event], *, received_at: datetime | None = None) -> AppendResult:
        """Store `events`, skipping any whose event_id is stored already or repeats in the batch.

        Events without received_ts get `received_at` (default: now); one whose client clock is then
        more than MAX_CLOCK_SKEW ahead is refused with the whole batch (validate_batch catches it first).
        """
        if not events:
            return AppendResult(0, 0)
        at = received_at or datetime.now(UTC)
        _check_clocks(events, at)
        with self.writing() as writer:
            return writer.append(events, received_at=at)

    def write_inbox(self, events: Sequence[Event], *, received_at: datetime | None = None) -> None:
        """Keep a batch durably in the inbox; returns once it would survive a crash or power cut.

        Takes no lock, so the HTTP server never waits for an import; load_inbox() stores the batch.
        """
        if not events:
            return
        at = received_at or datetime.now(UTC)
        _check_clocks(events, at)
        stamped = (e if e.received_ts else e.model_copy(update={"received_ts": at}) for e in events)
        body = "".join(e.model_dump_json() + "\n" for e in stamped).encode()
        self.inbox_dir.mkdir(parents=True, exist_ok=True)
        # The time first: loading in name order keeps arrival order, so the first copy of an id wins.
        parts.write_durably(self.inbox_dir / parts.timestamped_name("batch", ".jsonl"), body)

    def load_inbox(self) -> AppendResult:
        """Move every inbox batch into the store; a crash half-way only means they load again (deduped)."""
        if not self.inbox_dir.is_dir():
            return AppendResult(0, 0)
        with self.writing() as writer:
            files = sorted(self.inbox_dir.glob("batch-*.jsonl"))
            events: list[Event] = []
            readable: list[Path] = []
            for path in files:
                try:
                    batch = [Event.model_validate_json(line) for line in path.read_bytes().splitlines() if line]
                except ValidationError as exc:
                    self._set_aside(path, exc)
                    continue
                events.extend(batch)
                readable.append(path)
            result = writer.append(events)
            for path in readable:
                path.unlink()
            parts.fsync_dir(self.inbox_dir)
        return result

    def compact(self, *, small_rows: int = SMALL_PART_ROWS) -> int:
        """Merge every part of fewer than `small_rows` events into one; returns how many were merged."""
        with self.writing() as writer:
            return writer.compact(small_rows)

    @contextmanager
    def writing(self) -> Iterator[StoreWriter]:
        """Hold the store's write lock; the writer stages files and commits them (used by imports)."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        con = parts.new_connection()
        writer: StoreWriter | None = None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            writer = StoreWriter(self, con)
            yield writer
        finally:
            con.close()
            for path in writer.staged if writer else ():
                path.unlink(missing_ok=True)
            os.close(fd)  # closing the descriptor releases the flock

    # The manifest

    def _read_manifest(self) -> dict[str, Any]:
        try:
            manifest: dict[str, Any] = json.loads(self._manifest_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"format": STORE_FORMAT, "schema_version": EVENT_SCHEMA_VERSION, "parts": [], "retired": []}
        except (OSError, ValueError) as exc:
            raise EventStoreError(f"{self._manifest_path}: unreadable ({exc})") from exc
        version = manifest.get("schema_version")
        if manifest.get("format") != STORE_FORMAT or not isinstance(version, int):
            raise EventStoreError(f"{self._manifest_path}: not a dramaline event store manifest")
        if version > EVENT_SCHEMA_VERSION:
            raise EventStoreError(
                f"{self.root} holds events in schema version {version}, written by a newer dramaline; this one "
                f"reads up to version {EVENT_SCHEMA_VERSION}: upgrade dramaline to use this store"
            )
        if version < EVENT_SCHEMA_VERSION:
            raise EventStoreError(f"{self.root}: schema version {version} has no migration to {EVENT_SCHEMA_VERSION}")
        return manifest

    def _write_manifest(self, manifest: dict[str, Any]) -> None:
        parts.write_durably(self._manifest_path, (json.dumps(manifest, indent=1) + "\n").encode())

    def _set_aside(self, path: Path, exc: ValidationError) -> None:
        aside = self.inbox_dir / "unreadable"
        aside.mkdir(exist_ok=True)
        os.replace(path, aside / path.name)
        log.error("inbox batch %s is not valid events; moved to %s: %s", path.name, aside, exc)


class StoreWriter:
    """What a holder of the write lock can do: stage files, commit them, compact."""

    def __init__(self, store: EventStore, con: duckdb.DuckDBPyConnection) -> None:
        self.store = store
        self.con = con
        self.staged: list[Path] = []
        store.events_dir.mkdir(parents=True, exist_ok=True)
        store.ids_dir.mkdir(exist_ok=True)
        self.manifest = store._read_manifest()
        if not store._manifest_path.exists():
            if any(store.events_dir.glob(parts.PART_GLOB)):
                raise EventStoreError(
                    f"{store._manifest_path} is missing but {store.events_dir} holds parts; restore store.json "
                    "from a backup (dramaline will not guess which parts are live)"
                )
            store._write_manifest(self.manifest)
        self._tidy()

    def staging_path(self) -> Path:
        """A temp file name in the events folder (so publishing it is a rename); deleted if not committed."""
        path = parts.temp_path(self.store.events_dir, ".parquet")
        self.staged.append(path)
        return path

    def append(self, events: Sequence[Event], *, received_at: datetime | None = None) -> AppendResult:
        """Stage and commit events (received_at: for those without received_ts); the first of an id wins."""
        first: dict[str, Event] = {}
        for event in events:
            first.setdefault(event.event_id, event)
        if not first:
            return AppendResult(0, 0)
        staged = self.staging_path()
        write_events(self.con, list(first.values()), staged, received_at=received_at)
        result = self.commit([staged])
        return AppendResult(result.accepted, result.duplicates + len(events) - len(first))

    def commit(self, staged: Sequence[Path]) -> AppendResult:
        """Publish staged Parquet files of valid events (columns EVENT_COLUMNS) as parts, deduplicated.

        Either all of them become visible (one manifest rename) or, after a crash, none.
        """
        existing = [(self.store.events_dir / p["name"], self._ids(p["name"])) for p in self.manifest["parts"]]
        kept, duplicates = parts.dedupe(self.con, staged, existing, _SELECT)
        self.staged.extend(k.path for k in kept)  # a rewrite has a new temp name; still ours to clean
        added = [self._publish(k.path, k.rows, k.hashes) for k in kept]
        if added:
            parts.fsync_dir(self.store.ids_dir)
            parts.fsync_dir(self.store.events_dir)
            self.manifest["parts"] = self.manifest["parts"] + added
            self.store._write_manifest(self.manifest)
            if sum(int(p["rows"]) < SMALL_PART_ROWS for p in self.manifest["parts"]) >= AUTO_COMPACT_PARTS:
                self.compact(SMALL_PART_ROWS)
        return AppendResult(sum(k.rows for k in kept), duplicates)

    def compact(self, small_rows: int) -> int:
        small = [p for p in self.manifest["parts"] if int(p["rows"]) < small_rows]
        if len(small) < 2:
            return 0
        merged = self.staging_path()
        files = [self.store.events_dir / p["name"] for p in small]
        self.con.execute(
            f"COPY (SELECT {_SELECT} FROM read_parquet({parts.sql_list(files)})) TO {parts.sql_str(merged)} "
            "(FORMAT parquet)"
        )
        hashes = np.sort(np.concatenate([self._ids(p["name"]) for p in small]))
        entry = self._publish(merged, sum(int(p["rows"]) for p in small), hashes)
        parts.fsync_dir(self.store.ids_dir)
        parts.fsync_dir(self.store.events_dir)
        now = datetime.now(UTC).isoformat()
        names = {p["name"] for p in small}
        self.manifest["parts"] = [p for p in self.manifest["parts"] if p["name"] not in names] + [entry]
        self.manifest["retired"] = self.manifest.get("retired", []) + [{"name": n, "at": now} for n in sorted(names)]
        self.store._write_manifest(self.manifest)
        for name in names:
            self._ids_path(name).unlink(missing_ok=True)
        return len(small)

    def _publish(self, staged: Path, rows: int, hashes: parts.Hashes) -> dict[str, Any]:
        name = parts.new_part_name()
        parts.save_ids(self._ids_path(name), hashes)  # index first: a part without one would need a rebuild
        parts.publish(staged, self.store.events_dir / name)
        return {"name": name, "rows": rows}

    def _ids_path(self, part: str) -> Path:
        return self.store.ids_dir / part.replace(".parquet", ".npy")

    def _ids(self, part: str) -> parts.Hashes:
        return parts.load_ids(self._ids_path(part))

    def _tidy(self) -> None:
        """Remove what crashed writers left (no other writer can be running: we hold the lock)."""
        store, manifest = self.store, self.manifest
        live = {p["name"] for p in manifest["parts"]}
        cutoff = datetime.now(UTC) - RETIRED_GRACE
        keep_retired = [r for r in manifest.get("retired", []) if datetime.fromisoformat(r["at"]) > cutoff]
        retired = {r["name"] for r in keep_retired}
        for path in store.events_dir.iterdir():
            if path.name not in live and path.name not in retired:
                path.unlink()
        for path in store.ids_dir.iterdir():
            if path.name.replace(".npy", ".parquet") not in live:
                path.unlink()
        # Readers of a retired part may still fold it: keep its partials as long as the part itself.
        session_partials.remove_stale(session_partials.partials_dir(store.root), live | retired)
        if store.inbox_dir.is_dir():  # an inbox temp file older than a day belongs to a dead server
            for path in store.inbox_dir.glob(parts.TMP_PREFIX + "*"):
                if datetime.now(UTC).timestamp() - path.stat().st_mtime > 86400:
                    path.unlink()
        probe = parts.hash_probe(self.con)
        rebuild = manifest.get("id_hash_probe") != probe
        for name in live:
            if rebuild or not self._ids_path(name).exists():
                parts.save_ids(self._ids_path(name), parts.id_hashes(self.con, store.events_dir / name))
        if rebuild or keep_retired != manifest.get("retired", []):
            manifest["id_hash_probe"] = probe
            manifest["retired"] = keep_retired
            store._write_manifest(manifest)


def _check_clocks(events: Sequence[Event], at: datetime) -> None:
    """The model's clock-skew rule, for events that get `at` as their received_ts."""
    for event in events:
        if event.received_ts is None and event.client_ts - at > MAX_CLOCK_SKEW:
            raise InvalidInputError(
                f"event {event.event_id}: client_ts is more than a day after the time it was received; "
                "check the client's clock (validate_batch with received_at rejects such events one by one)"
            )
