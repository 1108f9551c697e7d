"""The event rules: pydantic for batches, SQL for files, and the two agreeing on every rule."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from dramaline.audience.parts import new_connection, sql_str
from dramaline.audience.store import EVENT_COLUMNS
from dramaline.audience.validate import check_event, event_checks, validate_batch
from dramaline.model.audience import Event

NOW = datetime(2025, 3, 1, 12, 0, 30, tzinfo=UTC)
BASE: dict[str, Any] = {
    "event_id": "ev-1",
    "type": "play",
    "viewer_id": "viewer-1",
    "session_id": "session-1",
    "series": "janitor-heir",
    "episode": "3",
    "position_s": "12.5",
    "platform": "tiktok",
    "market": "US",
    "language": "en",
    "client_ts": "2025-03-01T12:00:00Z",
    "received_ts": "2025-03-01T12:00:05Z",
}

# (name, changes to BASE, valid?) as text, the way a CSV holds them; None: the cell is empty.
CASES: list[tuple[str, dict[str, Any], bool]] = [
    ("base", {}, True),
    ("version", {"episode_version": "2"}, True),
    ("seek", {"type": "seek", "from_position_s": "3"}, True),
    ("unlock", {"type": "unlock", "position_s": None, "amount": "0.99"}, True),
    ("like without position", {"type": "like", "position_s": None}, True),
    ("segment", {"segment": "new-viewers"}, True),
    ("episode +7", {"episode": "+7"}, True),
    ("episode 07", {"episode": "07"}, True),
    ("episode 3.0", {"episode": "3.0"}, True),
    ("position .5", {"position_s": ".5"}, True),
    ("position 1e2", {"position_s": "1e2"}, True),
    ("position 3600", {"position_s": "3600"}, True),
    ("position 0", {"position_s": "0"}, True),
    ("offset hours only", {"client_ts": "2025-03-01 20:00:00+08"}, True),
    ("offset minutes", {"client_ts": "2025-03-01T17:30:00.123456+05:30"}, True),
    ("no seconds", {"client_ts": "2025-03-01T12:00Z"}, True),
    ("offset without colon", {"client_ts": "2025-03-01T10:30:00-0130"}, True),
    ("simulated yes", {"simulated": "yes"}, True),
    ("simulated T", {"simulated": "T"}, True),
    ("simulated 0", {"simulated": "0"}, True),
    ("language subtags", {"language": "zh-Hans-CN"}, True),
    ("one day ahead exactly", {"client_ts": "2025-03-02T12:00:05Z"}, True),
    ("received absent", {"received_ts": None}, True),
    ("event_id missing", {"event_id": None}, False),
    ("event_id inner space", {"event_id": "ev 1"}, False),
    ("event_id leading dash", {"event_id": "-ev"}, False),
    ("event_id too long", {"event_id": "e" * 129}, False),
    ("type upper case", {"type": "PLAY"}, False),
    ("type padded", {"type": " play"}, False),
    ("type unknown", {"type": "watch"}, False),
    ("series capitals", {"series": "Janitor"}, False),
    ("series too long", {"series": "s" * 65}, False),
    ("episode 0", {"episode": "0"}, False),
    ("episode 101", {"episode": "101"}, False),
    ("episode 3.5", {"episode": "3.5"}, False),
    ("episode words", {"episode": "three"}, False),
    ("episode missing", {"episode": None}, False),
    ("version 0", {"episode_version": "0"}, False),
    ("version beyond INTEGER", {"episode_version": "2147483648"}, False),
    ("position negative", {"position_s": "-1"}, False),
    ("position past an hour", {"position_s": "3600.5"}, False),
    ("position nan", {"position_s": "nan"}, False),
    ("position inf", {"position_s": "inf"}, False),
    ("position words", {"position_s": "abc"}, False),
    ("play without position", {"position_s": None}, False),
    ("seek without from", {"type": "seek"}, False),
    ("from on a play", {"from_position_s": "3"}, False),
    ("amount on a play", {"amount": "1"}, False),
    ("amount negative", {"type": "unlock", "position_s": None, "amount": "-1"}, False),
    ("amount infinite", {"type": "unlock", "position_s": None, "amount": "inf"}, False),
    ("platform capitals", {"platform": "TikTok"}, False),
    ("platform too long", {"platform": "p" * 33}, False),
    ("market lower case", {"market": "us"}, False),
    ("market three letters", {"market": "USA"}, False),
    ("language capitals", {"language": "EN"}, False),
    ("language one letter", {"language": "e"}, False),
    ("segment with spaces", {"segment": "New Viewers"}, False),
    ("naive time", {"client_ts": "2025-03-01T12:00:00"}, False),
    ("date only", {"client_ts": "2025-03-01"}, False),
    ("no such day", {"client_ts": "2025-02-30T12:00:00Z"}, False),
    ("hour 24", {"client_ts": "2025-03-01T24:00:00Z"}, False),
    ("offset 25 hours", {"client_ts": "2025-03-01T12:00:00+25:00"}, False),
    ("time in words", {"client_ts": "yesterday"}, False),
    ("time padded", {"client_ts": " 2025-03-01T12:00:00Z"}, False),
    ("clock a day and a second ahead", {"client_ts": "2025-03-02T12:00:06Z"}, False),
    ("received in words", {"received_ts": "soon"}, False),
    ("simulated maybe", {"simulated": "maybe"}, False),
    ("simulated padded", {"simulated": " true"}, False),
]
# Forms the SQL does not know, which pydantic accepts: such rows take the slow path and are kept.
SLOW_BUT_VALID: list[dict[str, Any]] = [
    {"event_id": "  ev-2\t"},
    {"episode": " 3 "},
    {"position_s": "1_0.5"},
    {"client_ts": "1740830400"},
    {"viewer_id": "\u00a0viewer-1"},
    {"client_ts": "2025-03-01t12:00:00z"},
]


def _pydantic(row: dict[str, Any]) -> Event | str:
    item = {k: v for k, v in row.items() if v is not None}
    item.setdefault("received_ts", NOW)
    return check_event(item)


def _sql(tmp_path: Path, rows: list[dict[str, Any]], kind: str = "csv") -> list[tuple[Any, ...]]:
    """(ok, *EVENT_COLUMNS) for each row, as the file import's SQL sees them."""
    names = sorted({k for row in rows for k in row})
    con = new_connection()
    if kind == "csv":
        path = tmp_path / "rows.csv"
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(names)
            writer.writerows([["" if row.get(n) is None else row[n] for n in names] for row in rows])
        source, types = f"read_csv({sql_str(path)}, header = true, all_varchar = true)", dict.fromkeys(names, "VARCHAR")
    else:
        path = tmp_path / "rows.jsonl"
        path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
        columns = ", ".join(f"{sql_str(n)}: 'JSON'" for n in names)
        source, types = (
            f"read_json({sql_str(path)}, format = 'newline_delimited', columns = {{{columns}}})",
            {n: "JSON" for n in names},
        )
    select, ok = event_checks(types, received_at=NOW, simulated=False)
    return con.execute(f"SELECT {ok}, {select} FROM {source} WITH ORDINALITY ORDER BY ordinality").fetchall()


def _agree(sql_row: tuple[Any, ...], verdict: Event | str) -> None:
    assert sql_row[0] == isinstance(verdict, Event), verdict
    if isinstance(verdict, Event):
        assert dict(zip(EVENT_COLUMNS, sql_row[1:], strict=True)) == verdict.model_dump()


def test_sql_and_pydantic_agree_on_every_rule(tmp_path: Path) -> None:
    rows = [{**BASE, **changes} for _, changes, _ in CASES]
    for (name, _, valid), sql_row, row in zip(CASES, _sql(tmp_path, rows), rows, strict=True):
        verdict = _pydantic(row)
        assert isinstance(verdict, Event) == valid, (name, verdict)
        _agree(sql_row, verdict)


def test_sql_and_pydantic_agree_on_json_types(tmp_path: Path) -> None:
    base = {**BASE, "episode": 3, "position_s": 12.5}
    changes: list[dict[str, Any]] = [
        {},
        {"episode": "3"},
        {"episode": 3.0},
        {"episode": 3.5},
        {"viewer_id": 123},
        {"position_s": "12.5"},
        {"simulated": True},
        {"simulated": "no"},
        {"segment": None},
        {"amount": None},
        {"market": ["US"]},
        {"type": 1},
    ]
    rows = [{**base, **c} for c in changes]
    for sql_row, row in zip(_sql(tmp_path, rows, "json"), rows, strict=True):
        _agree(sql_row, _pydantic(row))


@pytest.mark.parametrize("changes", SLOW_BUT_VALID, ids=lambda c: next(iter(c)))
def test_sql_is_never_looser_than_the_model(tmp_path: Path, changes: dict[str, Any]) -> None:
    row = {**BASE, **changes}
    assert isinstance(_pydantic(row), Event)
    assert _sql(tmp_path, [row])[0][0] is False


def test_batch_keeps_valid_events_and_explains_the_rest() -> None:
    good = {**BASE, "received_ts": None}
    raw: list[Any] = [good, {**good, "event_id": "ev-2", "market": "us"}, "not an object", {**good, "position_s": None}]
    events, rejections = validate_batch(raw)
    assert [e.event_id for e in events] == ["ev-1"]
    assert [(r.index, r.event_id) for r in rejections] == [(1, "ev-2"), (2, None), (3, "ev-1")]
    assert rejections[0].reason.startswith("market: should match pattern")
    assert "'us'" in rejections[0].reason
    assert "not an event" in rejections[1].reason
    assert rejections[2].reason == "a play event needs position_s (seconds into the episode)"
    assert all("\n" not in r.reason for r in rejections)


def test_batch_reasons_name_missing_fields_and_event_types() -> None:
    _, rejections = validate_batch([{**BASE, "type": "watch", "market": None, "colour": "red"}])
    reason = rejections[0].reason
    assert "market: missing (required)" in reason
    assert "type: 'watch' is not an event type (impression, play," in reason
    assert "colour: unknown field" in reason


def test_batch_with_arrival_time_applies_the_clock_rule() -> None:
    ahead = {**BASE, "client_ts": "2025-03-03T12:00:00Z"}
    events, rejections = validate_batch([BASE, ahead], received_at=NOW)
    assert [e.received_ts for e in events] == [NOW]
    assert "client_ts is more than a day after" in rejections[0].reason


def test_null_is_the_same_as_absent() -> None:
    events, _ = validate_batch([{**BASE, "episode_version": None, "simulated": None, "segment": None}])
    assert (events[0].episode_version, events[0].simulated, events[0].segment) == (1, False, None)
