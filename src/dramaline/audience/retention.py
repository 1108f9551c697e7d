"""Per-second audience-retention tables, as creator dashboards export them, turned into events.

The store holds events, not curves, so a table becomes synthetic viewing sessions that reproduce
it exactly: the viewers at the first listed second start (a play at 0 s); the viewers lost between
two listed seconds s1 < s2 exit half-way, at (s1 + s2) / 2, so they count as watching at s1 and
not at s2 whether a reader compares positions with <= or <; the viewers left at the last listed
second complete there. Every synthetic session is marked: viewer and session ids start with `rt-`,
and segment is `retention-table`. The ids derive from the curve's identity and content, so
importing the same table again stores nothing new, and a different table for a curve already
stored is refused rather than added to it (the store never deletes).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from dramaline.audience.parts import EVENT_COLUMN_TYPES, sql_list, sql_str
from dramaline.audience.validate import check_event
from dramaline.errors import ImportFormatError
from dramaline.model.audience import Event

SEGMENT = "retention-table"
"""The segment of every synthetic event made from a retention table."""
PREFIX = "rt-"
"""How the viewer and session ids of those events begin: rt-<curve>-<table digest>-<n>."""
KEY_COLUMNS = ("series", "episode", "episode_version", "platform", "market", "language", "date")
OPTIONAL = ("episode_version", "platform", "market", "language", "date")
LAYOUTS = {
    "viewers": ("series", "episode", "second", "viewers"),
    "retention": ("series", "episode", "second", "retention", "starts"),
    "retention_pct": ("series", "episode", "second", "retention_pct", "starts"),
}
LAYOUT_HELP = (
    "a retention table has one row per listed second of an episode's curve, with the columns series, episode, "
    "second and either viewers (how many still watch), or retention (a share 0-1, or a percentage when any "
    "value is above 1 or ends in '%') and starts (how many started), or retention_pct (0-100) and starts; "
    f"optional: {', '.join(OPTIONAL)} (see docs/events.md)"
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)


@dataclass
class Curve:
    """One retention curve: the viewers still watching at each listed second."""

    key: dict[str, Any]
    """series, episode, episode_version, platform, market, language and date (None when not given)."""
    points: list[tuple[float, int, int]] = field(default_factory=list)
    """(second, viewers, row of the file), sorted by second once read."""

    @property
    def curve_id(self) -> str:
        return _digest("|".join(str(self.key[k]) for k in KEY_COLUMNS), 12)

    @property
    def digest(self) -> str:
        return _digest(";".join(f"{s!r}:{v}" for s, v, _ in self.points), 8)

    @property
    def prefix(self) -> str:
        return f"{PREFIX}{self.curve_id}-{self.digest}-"


def layout_of(columns: Sequence[str]) -> str | None:
    names = set(columns)
    for name, required in LAYOUTS.items():
        if set(required) <= names <= set(required) | set(OPTIONAL):
            return name
    return None


def read_curves(con: duckdb.DuckDBPyConnection, source: str, path: Path, defaults: Mapping[str, str]) -> list[Curve]:
    """The curves in a retention table; `source` reads it with an `ordinality` column (the row, from 1)."""
    columns = [str(r[0]) for r in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall() if r[0] != "ordinality"]
    layout = layout_of(columns)
    if layout is None:
        raise ImportFormatError(f"{path}: unknown layout (columns: {', '.join(columns)}); {LAYOUT_HELP}")
    quoted = ", ".join(f'"{c}"' for c in columns)
    rows = [
        (int(r[0]), dict(zip(columns, r[1:], strict=True)))
        for r in con.execute(f"SELECT ordinality, {quoted} FROM {source} ORDER BY ordinality").fetchall()
    ]
    percent = layout == "retention_pct" or (
        layout == "retention" and any(_percent_like(row["retention"]) for _, row in rows)
    )
    curves: dict[tuple[Any, ...], Curve] = {}
    starts_of: dict[tuple[Any, ...], int] = {}
    for number, row in rows:
        where = f"{path}: row {number}"
        key: dict[str, Any] = {k: _text(row.get(k)) or defaults.get(k) for k in KEY_COLUMNS}
        key["episode"] = _whole(row["episode"], "episode", where)
        key["episode_version"] = _whole(row.get("episode_version") or 1, "episode_version", where)
        key["date"] = _date(key["date"], where) if key["date"] else None
        second = _number(row["second"], "second", where)
        if not 0 <= second <= 3600:
            raise ImportFormatError(f"{where}: second must be between 0 and 3600, not {second:g}")
        ident = tuple(key.values())
        curve = curves.setdefault(ident, Curve(key))
        if layout == "viewers":
            viewers = _whole(row["viewers"], "viewers", where)
        else:
            starts = _whole(row["starts"], "starts", where)
            if starts_of.setdefault(ident, starts) != starts:
                raise ImportFormatError(f"{where}: starts is {starts} here but {starts_of[ident]} above, same curve")
            value = _number(str(row[layout]).strip().removesuffix("%"), layout, where)
            share = value / 100 if percent else value
            if not 0 <= share <= 1:
                raise ImportFormatError(f"{where}: {layout} {value:g} is outside {'0-100' if percent else '0-1'}")
            viewers = round(starts * share)
        curve.points.append((second, viewers, number))
    for curve in curves.values():
        _check_curve(curve, path)
    return list(curves.values())


def _check_curve(curve: Curve, path: Path) -> None:
    curve.points.sort()
    for (s1, v1, r1), (s2, v2, r2) in zip(curve.points, curve.points[1:], strict=False):
        if s1 == s2:
            raise ImportFormatError(f"{path}: row {r2}: second {s2:g} repeats row {r1} of the same curve")
        if v2 > v1:
            raise ImportFormatError(
                f"{path}: row {r2}: viewers rise from {v1} at second {s1:g} to {v2} at second {s2:g}; "
                "a retention curve never rises"
            )


def conflicts(con: duckdb.DuckDBPyConnection, parts: Sequence[Path], curves: Sequence[Curve]) -> list[str]:
    """Curves of which the store already holds a different table (their synthetic ids would not match)."""
    if not parts:
        return []
    stored = con.execute(
        "SELECT DISTINCT split_part(viewer_id, '-', 2), split_part(viewer_id, '-', 3) "
        f"FROM read_parquet({sql_list(parts)}) WHERE segment = {sql_str(SEGMENT)} AND starts_with(viewer_id, 'rt-')"
    ).fetchall()
    digests: dict[str, set[str]] = {}
    for curve_id, digest in stored:
        digests.setdefault(str(curve_id), set()).add(str(digest))
    return [
        f"series {c.key['series']} episode {c.key['episode']} v{c.key['episode_version']} on {c.key['platform']} "
        f"in {c.key['market']} ({c.key['language']}{', ' + str(c.key['date']) if c.key['date'] else ''})"
        for c in curves
        if digests.get(c.curve_id, {c.digest}) != {c.digest}
    ]


def stage_curves(con: duckdb.DuckDBPyConnection, curves: Sequence[Curve], staged: Path, received_at: datetime) -> int:
    """Write the sessions that reproduce `curves` as a Parquet file of store columns; returns its rows."""
    segments: dict[str, list[Any]] = {
        k: [] for k in ("series", "episode", "episode_version", "platform", "market", "language", "prefix")
    }
    segments.update({k: [] for k in ("start_us", "first", "count", "position", "kind")})
    for curve in curves:
        start = datetime.combine(curve.key["date"], datetime.min.time(), UTC) if curve.key["date"] else received_at
        _check_fields(curve, start, received_at)
        first = 0
        pairs = zip(curve.points, curve.points[1:], strict=False)
        ends = [(v1 - v2, (s1 + s2) / 2, "exit") for (s1, v1, _), (s2, v2, _) in pairs]
        ends.append((curve.points[-1][1], curve.points[-1][0], "complete"))
        for count, position, kind in ends:
            if count > 0:
                for k in ("series", "episode", "episode_version", "platform", "market", "language"):
                    segments[k].append(curve.key[k])
                segments["prefix"].append(curve.prefix)
                segments["start_us"].append((start - _EPOCH) // _MICRO)
                segments["first"].append(first)
                segments["count"].append(count)
                segments["position"].append(position)
                segments["kind"].append(kind)
                first += count
    if not segments["kind"]:
        return 0
    numbers = {"episode", "episode_version", "start_us", "first", "count"}
    con.register(
        "_segments",
        {
            k: np.array(v, dtype=np.int64 if k in numbers else np.float64 if k == "position" else object)
            for k, v in segments.items()
        },
    )
    received = f"{sql_str(received_at.isoformat())}::TIMESTAMPTZ"

    def event(kind: str, position: str) -> str:
        values = {
            "event_id": f"viewer || '-' || {kind}",
            "type": kind,
            "viewer_id": "viewer",
            "session_id": "viewer",
            "series": "series",
            "episode": "episode",
            "episode_version": "episode_version",
            "position_s": position,
            "from_position_s": "NULL",
            "platform": "platform",
            "market": "market",
            "language": "language",
            "segment": sql_str(SEGMENT),
            "amount": "NULL",
            "client_ts": f"make_timestamp(start_us + CAST(round({position} * 1000000) AS BIGINT))::TIMESTAMPTZ",
            "received_ts": received,
            "simulated": "false",
        }
        return "SELECT " + ", ".join(f"CAST({values[c]} AS {t}) AS {c}" for c, t in EVENT_COLUMN_TYPES.items())

    viewers = "SELECT *, prefix || unnest(range(first, first + count))::VARCHAR AS viewer FROM _segments"
    plays, exits = event("'play'", "0.0"), event("kind", "position")
    written = con.execute(
        f"COPY (WITH v AS ({viewers}) {plays} FROM v UNION ALL {exits} FROM v) TO {sql_str(staged)} (FORMAT parquet)"
    ).fetchall()
    con.unregister("_segments")
    return int(written[0][0])


def _check_fields(curve: Curve, start: datetime, received_at: datetime) -> None:
    """Validate one of the curve's events as an Event, so every one of them is valid."""
    second, _, row = curve.points[-1]
    sample = {
        **{k: curve.key[k] for k in KEY_COLUMNS if k != "date"},
        "event_id": f"{curve.prefix}0-complete",
        "type": "complete",
        "viewer_id": f"{curve.prefix}0",
        "session_id": f"{curve.prefix}0",
        "position_s": second,
        "segment": SEGMENT,
        "client_ts": start + timedelta(seconds=second),
        "received_ts": received_at,
    }
    outcome = check_event(sample)
    if not isinstance(outcome, Event):
        raise ImportFormatError(f"row {row}: this curve's events would not be valid: {outcome}")


def _digest(text: str, length: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def _text(value: Any) -> str | None:
    return str(value).strip() or None if value is not None else None


def _percent_like(value: Any) -> bool:
    text = str(value).strip()
    try:
        return text.endswith("%") or float(text) > 1
    except ValueError:
        return False


def _number(value: Any, name: str, where: str) -> float:
    try:
        number = float(str(value).strip())
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise ImportFormatError(f"{where}: {name} must be a number, not {value!r}")
    return number


def _whole(value: Any, name: str, where: str) -> int:
    number = _number(value, name, where)
    if number != int(number) or number < 0:
        raise ImportFormatError(f"{where}: {name} must be a whole number of 0 or more, not {value!r}")
    return int(number)


def _date(value: Any, where: str) -> date:
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise ImportFormatError(f"{where}: date must be YYYY-MM-DD, not {value!r}") from None
