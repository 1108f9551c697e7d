"""The event store: atomic parts, idempotent appends, the inbox, compaction and versioning."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dramaline.audience import parts, store
from dramaline.audience.store import EVENT_COLUMN_TYPES, EVENT_COLUMNS, EventStore, EventStoreError, series_id
from dramaline.errors import InvalidInputError
from dramaline.model.audience import EVENT_SCHEMA_VERSION, Event

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def event(n: int, **changes: Any) -> Event:
    fields: dict[str, Any] = {
        "event_id": f"ev-{n}",
        "type": "progress",
        "viewer_id": f"viewer-{n % 7}",
        "session_id": f"session-{n % 11}",
        "series": "janitor-heir",
        "episode": 1 + n % 5,
        "position_s": float(n % 90),
        "platform": "tiktok",
        "market": "US",
        "language": "en",
        "client_ts": T0 + timedelta(seconds=n),
    }
    return Event(**{**fields, **changes})


def batch(first: int, count: int) -> list[Event]:
    return [event(n) for n in range(first, first + count)]


def ids(s: EventStore) -> list[str]:
    return [row[0] for row in s.connect().execute("SELECT event_id FROM events ORDER BY event_id").fetchall()]


def test_appended_events_read_back_with_the_store_columns(tmp_path: Path) -> None:
    s = EventStore(tmp_path)
    events = [
        *batch(0, 3),
        event(3, type="seek", from_position_s=1.5),
        event(4, type="unlock", position_s=None, amount=2),
    ]
    assert s.append_events(events, received_at=T0) == store.AppendResult(accepted=5, duplicates=0)
    con = s.connect()
    described = con.execute("DESCRIBE events").fetchall()
    assert [(r[0], r[1]) for r in described] == [
        (c, "TIMESTAMP WITH TIME ZONE" if t == "TIMESTAMPTZ" else t) for c, t in EVENT_COLUMN_TYPES.items()
    ]
    rows = con.execute("SELECT * FROM events ORDER BY event_id").fetchall()
    stored = [Event(**dict(zip(EVENT_COLUMNS, row, strict=True))) for row in rows]
    assert stored == [e.model_copy(update={"received_ts": T0}) for e in events]
    assert s.count() == 5


def test_an_empty_store_has_an_empty_view_and_writes_nothing(tmp_path: Path) -> None:
    s = EventStore(tmp_path)
    con = s.connect()
    assert [r[0] for r in con.execute("DESCRIBE events").fetchall()] == list(EVENT_COLUMNS)
    assert con.execute("SELECT count(*) FROM events").fetchall() == [(0,)]
    assert s.count() == 0
    assert not (tmp_path / "audience").exists()


def test_a_replayed_batch_is_counted_once(tmp_path: Path) -> None:
    s = EventStore(tmp_path)
    first = batch(0, 10)
    assert s.append_events(first) == store.AppendResult(10, 0)
    assert s.append_events(first) == store.AppendResult(0, 10)
    assert s.append_events([*batch(5, 10), event(12), event(12)]) == store.AppendResult(5, 7)
    assert ids(s) == sorted(f"ev-{n}" for n in range(15))
    assert s.count() == 15


def test_arrival_time_is_stamped_and_a_client_clock_far_ahead_refused(tmp_path: Path) -> None:
    s = EventStore(tmp_path)
    kept = event(1, received_ts=T0 - timedelta(hours=1))
    s.append_events([event(0), kept], received_at=T0)
    stamps = s.connect().execute("SELECT received_ts FROM events ORDER BY event_id").fetchall()
    assert [r[0] for r in stamps] == [T0, T0 - timedelta(hours=1)]
    with pytest.raises(InvalidInputError, match="client_ts is more than a day after"):
        s.append_events([event(2, client_ts=T0 + timedelta(days=2))], received_at=T0)
    assert s.count() == 2


def test_a_half_written_part_is_ignored_and_cleaned(tmp_path: Path) -> None:
    s = EventStore(tmp_path)
    s.append_events(batch(0, 3))
    # What a writer killed mid-way leaves: a temp file, and a part renamed in but never committed.
    (s.events_dir / ".tmp-0123.parquet").write_bytes(b"PAR1 half a file")
    shutil.copy(s.parts()[0], s.events_dir / parts.new_part_name())
    assert s.count() == 3
    assert s.connect().execute("SELECT count(*) FROM events").fetchall() == [(3,)]
    s.append_events(batch(3, 1))
    assert sorted(p.name for p in s.events_dir.iterdir()) == sorted(p.name for p in s.parts())
    assert len(list(s.ids_dir.iterdir())) == len(s.parts())
    assert ids(s) == [f"ev-{n}" for n in range(4)]


def test_a_store_from_a_newer_dramaline_is_refused(tmp_path: Path) -> None:
    EventStore(tmp_path).append_events(batch(0, 1))
    manifest = tmp_path / "audience" / "store.json"
    data = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**data, "schema_version": EVENT_SCHEMA_VERSION + 1}))
    with pytest.raises(EventStoreError, match=r"newer dramaline.*upgrade dramaline"):
        EventStore(tmp_path)


def test_parts_without_a_manifest_are_not_guessed_at(tmp_path: Path) -> None:
    s = EventStore(tmp_path)
    s.append_events(batch(0, 1))
    (s.root / "store.json").unlink()
    with pytest.raises(EventStoreError, match=r"store\.json is missing"):
        s.append_events(batch(1, 1))


def test_compaction_swaps_parts_without_counting_twice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    s = EventStore(tmp_path)
    for first in range(0, 50, 10):
        s.append_events(batch(first, 10))
    before = s.connect()
    assert len(s.parts()) == 5
    assert s.compact() == 5
    assert len(s.parts()) == 1
    assert s.connect().execute("SELECT count(*), count(DISTINCT event_id) FROM events").fetchall() == [(50, 50)]
    assert before.execute("SELECT count(*) FROM events").fetchall() == [(50,)]  # replaced parts linger a while
    assert s.append_events(batch(45, 10)) == store.AppendResult(5, 5)  # the merged part's ids are indexed
    monkeypatch.setattr(store, "RETIRED_GRACE", timedelta(0))
    s.append_events(batch(60, 1))
    assert len(list(s.events_dir.iterdir())) == len(s.parts()) == 3
    assert s.count() == 56


def test_many_small_appends_are_merged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "AUTO_COMPACT_PARTS", 3)
    s = EventStore(tmp_path)
    for first in range(0, 30, 10):
        s.append_events(batch(first, 10))
    assert len(s.parts()) == 1
    assert s.count() == 30


def test_a_hash_collision_never_drops_an_event(tmp_path: Path) -> None:
    s = EventStore(tmp_path)
    s.append_events([event(1)])
    # Make the stored part's index claim the hash of ev-2, as a collision would.
    con = parts.new_connection()
    collision = np.array(con.execute("SELECT hash('ev-2')").fetchall()[0], dtype=np.uint64)
    parts.save_ids(s.ids_dir / s.parts()[0].name.replace(".parquet", ".npy"), collision)
    assert s.append_events([event(2)]) == store.AppendResult(1, 0)
    assert ids(s) == ["ev-1", "ev-2"]


def test_a_lost_id_index_is_rebuilt(tmp_path: Path) -> None:
    s = EventStore(tmp_path)
    s.append_events(batch(0, 5))
    for path in s.ids_dir.iterdir():
        path.unlink()
    assert s.append_events(batch(0, 5)) == store.AppendResult(0, 5)
    manifest = json.loads((s.root / "store.json").read_text())
    (s.root / "store.json").write_text(json.dumps({**manifest, "id_hash_probe": 1}))  # as if DuckDB's hash changed
    assert s.append_events(batch(3, 5)) == store.AppendResult(3, 2)


def test_inbox_batches_are_durable_then_loaded_once(tmp_path: Path) -> None:
    s = EventStore(tmp_path)
    s.write_inbox(batch(0, 5), received_at=T0)
    s.write_inbox(batch(3, 5), received_at=T0)
    assert len(list(s.inbox_dir.glob("batch-*.jsonl"))) == 2
    assert s.count() == 0
    saved = {p.name: p.read_bytes() for p in s.inbox_dir.iterdir()}
    assert s.load_inbox() == store.AppendResult(8, 2)
    assert list(s.inbox_dir.glob("*.jsonl")) == []
    # A crash after storing but before deleting the batches: they load again, harmlessly.
    for name, body in saved.items():
        (s.inbox_dir / name).write_bytes(body)
    assert s.load_inbox() == store.AppendResult(0, 10)
    assert s.count() == 8
    assert s.load_inbox() == store.AppendResult(0, 0)


def test_an_unreadable_inbox_batch_is_set_aside(tmp_path: Path) -> None:
    s = EventStore(tmp_path)
    s.write_inbox(batch(0, 2))
    (s.inbox_dir / "batch-00000000T000000000000Z-bad.jsonl").write_text('{"event_id": "x"}\n')
    assert s.load_inbox() == store.AppendResult(2, 0)
    assert [p.name for p in (s.inbox_dir / "unreadable").iterdir()] == ["batch-00000000T000000000000Z-bad.jsonl"]


def test_series_id_is_the_folder_name_when_it_is_a_slug(tmp_path: Path) -> None:
    assert series_id(tmp_path / "janitor-heir") == "janitor-heir"
    with pytest.raises(InvalidInputError, match=r"rename the folder.*my-show"):
        series_id(tmp_path / "My Show")
