"""The event rules, applied one event at a time (pydantic) or a whole file at a time (DuckDB SQL).

A batch from the HTTP server goes through the Event model itself. A file of millions of events
cannot (pydantic takes ~10 µs an event), so `event_checks` writes the same rules as SQL over the
file's columns: type casts, the model's own regex patterns and bounds (read from the model, not
copied), and the per-type rules. The SQL is stricter than pydantic, never looser: a value it does
not recognise (a Unix timestamp, '1_000', a non-ASCII space) fails it, and every row that fails
is then put to pydantic, which either accepts it after all or says exactly why not. So SQL decides
only for rows that pydantic would accept the same way; tests/audience/test_validate.py holds both
to a table of good and bad events.

One rule for every input: a null (or an empty CSV cell) is the same as the field being absent.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import StringConstraints, ValidationError

from dramaline.audience.parts import EVENT_COLUMN_TYPES, sql_str
from dramaline.model.audience import MAX_CLOCK_SKEW, POSITIONED, Event, EventType

REQUIRED = tuple(name for name, info in Event.model_fields.items() if info.is_required())
OPTIONAL = tuple(name for name, info in Event.model_fields.items() if not info.is_required())
_STRING_FIELDS = ("event_id", "viewer_id", "session_id", "series", "platform", "market", "language", "segment")
_INTEGERS = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"}
_FLOATS = {"FLOAT", "DOUBLE"}
_INT_TEXT = r"\+?[0-9]{1,10}(\.0+)?"
_FLOAT_TEXT = r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]{1,3})?"
# ISO 8601 as the model reads it (hours 00-23, an offset required), up to microseconds; other forms fall
# back to pydantic. DuckDB alone would also take 24:00, +25:00 and no offset at all.
_TS_TEXT = (
    r"[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[T ]([01][0-9]|2[0-3]):[0-5][0-9]"
    r"(:[0-5][0-9](\.[0-9]{1,6})?)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)"
)
_TRUE = ("1", "on", "t", "true", "y", "yes")
_FALSE = ("0", "off", "f", "false", "n", "no")


@dataclass(frozen=True)
class Rejection:
    index: int
    """Position of the event in the batch (from 0); for a file import, the row (from 1)."""
    event_id: str | None
    """The event's id when one could be read."""
    reason: str
    """One line: the field and what is wrong with it."""


def validate_batch(raw: list[Any], *, received_at: datetime | None = None) -> tuple[list[Event], list[Rejection]]:
    """Validate each item of a decoded JSON batch; keep the valid events and say why each other failed.

    With `received_at`, every event gets it as received_ts (overriding what the client sent), so the
    clock-skew rule is applied here, event by event.
    """
    events: list[Event] = []
    rejections: list[Rejection] = []
    for index, item in enumerate(raw):
        if received_at is not None and isinstance(item, dict):
            item = {**item, "received_ts": received_at}
        outcome = check_event(item)
        if isinstance(outcome, Event):
            events.append(outcome)
        else:
            rejections.append(Rejection(index, readable_id(item), outcome))
    return events, rejections


def check_event(item: Any) -> Event | str:
    """The Event in `item` (a mapping of fields; null values count as absent), or why there is none."""
    if not isinstance(item, Mapping):
        return f"not an event: expected a JSON object of event fields, got {type(item).__name__}"
    try:
        return Event.model_validate({k: v for k, v in item.items() if v is not None})
    except ValidationError as exc:
        return explain(exc)


def readable_id(item: Any) -> str | None:
    if isinstance(item, Mapping) and isinstance(value := item.get("event_id"), str) and value.strip():
        return value.strip()[:128]
    return None


def explain(exc: ValidationError) -> str:
    """A pydantic error as one line that names each field and its problem."""
    parts: list[str] = []
    for error in exc.errors(include_url=False):
        field = ".".join(str(x) for x in error["loc"])
        kind, message = error["type"], error["msg"]
        got = repr(error.get("input"))
        got = got if len(got) <= 40 else got[:37] + "..."
        if not field:  # a rule across fields, from the model validator
            parts.append(message.removeprefix("Value error, "))
        elif kind == "missing":
            parts.append(f"{field}: missing (required)")
        elif kind == "extra_forbidden":
            parts.append(f"{field}: unknown field")
        elif kind == "enum":
            parts.append(f"{field}: {got} is not an event type ({', '.join(t.value for t in EventType)})")
        else:
            # "Input should be …", "String should match …": the field's name says what the input is.
            parts.append(f"{field}: {message.removeprefix('Input ').removeprefix('String ')} (got {got})")
    return "; ".join(parts)


# The SQL form of the rules


@dataclass(frozen=True)
class _Field:
    present: str
    value: str
    valid: str


def event_checks(columns: Mapping[str, str], *, received_at: datetime, simulated: bool) -> tuple[str, str]:
    """SQL over a source whose columns (name → DuckDB type) are Event fields: (select list, ok condition).

    The select list yields EVENT_COLUMNS, normalised as the model would (typed, defaults
    filled, received_ts stamped with `received_at` where absent, simulated or'ed with `simulated`);
    the condition is true exactly for the rows whose every field and per-type rule passes.
    """
    f = {name: _field(name, columns.get(name)) for name in Event.model_fields}
    stamp = f"{sql_str(received_at.isoformat())}::TIMESTAMPTZ"
    values = {name: field.value for name, field in f.items()}
    values["episode_version"] = f"coalesce({f['episode_version'].value}, 1)"
    values["received_ts"] = f"coalesce({f['received_ts'].value}, {stamp})"
    values["simulated"] = f"(coalesce({f['simulated'].value}, false) OR {str(simulated).lower()})"
    select = ", ".join(f"TRY_CAST({value} AS {EVENT_COLUMN_TYPES[name]}) AS {name}" for name, value in values.items())
    typ = f["type"].value
    positioned = ", ".join(sql_str(t.value) for t in sorted(POSITIONED))
    skew_us = int(MAX_CLOCK_SKEW.total_seconds()) * 1_000_000
    conditions = [f"({field.present} AND {field.valid})" for name, field in f.items() if name in REQUIRED]
    conditions += [f"(NOT {field.present} OR {field.valid})" for name, field in f.items() if name in OPTIONAL]
    conditions += [
        f"({typ} NOT IN ({positioned}) OR {f['position_s'].present})",
        f"(({typ} = 'seek') = {f['from_position_s'].present})",
        f"(NOT {f['amount'].present} OR {typ} = 'unlock')",
        f"(epoch_us({f['client_ts'].value}) - epoch_us({values['received_ts']}) <= {skew_us})",
    ]
    return select, "coalesce(" + " AND ".join(conditions) + ", false)"


def _field(name: str, source: str | None) -> _Field:
    if source is None:
        return _Field("false", "NULL", "false")
    col = f'"{name}"'
    kind = _kind(name)
    if source == "JSON":
        present = f"({col} IS NOT NULL AND json_type({col}) <> 'NULL')"
        allowed = {"string": ("VARCHAR",), "bool": ("VARCHAR", "BOOLEAN"), "timestamp": ("VARCHAR",)}.get(
            kind, ("VARCHAR", "UBIGINT", "BIGINT", "DOUBLE")
        )
        kinds = ", ".join(sql_str(k) for k in allowed if k != "VARCHAR")
        as_text = f"WHEN json_type({col}) IN ({kinds}) THEN CAST({col} AS VARCHAR) " if kinds else ""
        text = f"(CASE WHEN json_type({col}) = 'VARCHAR' THEN {col}->>'$' {as_text}END)"
        return _text_rules(name, kind, text, present)
    present = f"({col} IS NOT NULL)"
    base = source.split("(")[0]
    if source == "VARCHAR":
        return _text_rules(name, kind, col, present)
    if kind == "int" and (base in _INTEGERS or base in _FLOATS or base == "DECIMAL"):
        value = col if base == "INTEGER" else f"TRY_CAST({col} AS BIGINT)"
        whole = f"{col} = trunc({col})" if base not in _INTEGERS else "true"
        return _Field(present, value, f"coalesce({whole} AND {_bounds(name, col)}, false)")
    if kind == "float" and (base in _INTEGERS or base in _FLOATS or base == "DECIMAL"):
        value = col if base == "DOUBLE" else f"CAST({col} AS DOUBLE)"
        return _Field(present, value, f"coalesce(isfinite({value}) AND {_bounds(name, value)}, false)")
    if kind == "bool" and base == "BOOLEAN":
        return _Field(present, col, "true")
    if kind == "timestamp" and source == "TIMESTAMP WITH TIME ZONE":
        return _Field(present, col, "true")
    # Anything else (a number for an id, a naive TIMESTAMP, epoch seconds) is left to pydantic.
    return _Field(present, "NULL", "false")


def _text_rules(name: str, kind: str, text: str, present: str) -> _Field:
    if kind == "enum":
        values = ", ".join(sql_str(t.value) for t in EventType)
        return _Field(present, text, f"coalesce({text} IN ({values}), false)")
    if kind == "bool":
        word = f"lower({text})"
        valid = f"coalesce({word} IN ({', '.join(map(sql_str, _TRUE + _FALSE))}), false)"
        return _Field(present, f"({word} IN ({', '.join(map(sql_str, _TRUE))}))", valid)
    if kind == "timestamp":
        value = f"TRY_CAST({text} AS TIMESTAMPTZ)"
        return _Field(
            present, value, f"coalesce(regexp_full_match({text}, {sql_str(_TS_TEXT)}) AND {value} IS NOT NULL, false)"
        )
    # No trimming: a value with spaces around it fails here and takes the slow path, where pydantic
    # strips it. Trimming every value of a file costs more than all of the regexes together.
    if kind == "string":
        pattern, max_length = _string_constraints(name)
        shape = f"regexp_full_match({text}, {sql_str(_unanchored(pattern))})"
        # The patterns are ASCII, so a string that matches has as many characters as bytes (strlen: O(1)).
        longest = f" AND strlen({text}) <= {max_length}" if max_length else ""
        return _Field(present, text, f"coalesce({shape}{longest}, false)")
    if kind == "int":
        value = f"TRY_CAST({text} AS BIGINT)"
        shape = f"regexp_full_match({text}, {sql_str(_INT_TEXT)})"
        return _Field(present, value, f"coalesce({shape} AND {_bounds(name, value)}, false)")
    value = f"TRY_CAST({text} AS DOUBLE)"
    shape = f"regexp_full_match({text}, {sql_str(_FLOAT_TEXT)})"
    return _Field(present, value, f"coalesce({shape} AND isfinite({value}) AND {_bounds(name, value)}, false)")


def _unanchored(pattern: str) -> str:
    if not (pattern.startswith("^") and pattern.endswith("$")):  # pragma: no cover - all the model's are anchored
        raise AssertionError(f"expected an anchored pattern, got {pattern!r}")
    return pattern[1:-1]


def _kind(name: str) -> str:
    if name in _STRING_FIELDS:
        return "string"
    annotation = Event.model_fields[name].annotation
    args = set(typing.get_args(annotation)) or {annotation}
    if EventType in args:
        return "enum"
    if bool in args:
        return "bool"
    if int in args:
        return "int"
    if float in args:
        return "float"
    return "timestamp"


def _string_constraints(name: str) -> tuple[str, int | None]:
    info = Event.model_fields[name]
    metadata = list(info.metadata)
    for arg in typing.get_args(info.annotation):
        metadata += list(getattr(arg, "__metadata__", ()))
    for item in metadata:
        if isinstance(item, StringConstraints) and item.pattern:
            return str(item.pattern), item.max_length
    raise AssertionError(f"{name} has no pattern")  # pragma: no cover - a model change without this module


def _bounds(name: str, value: str) -> str:
    checks = ["true"]
    for item in Event.model_fields[name].metadata:  # annotated_types.Ge / Le, as pydantic keeps them
        if (ge := getattr(item, "ge", None)) is not None:
            checks.append(f"{value} >= {ge}")
        if (le := getattr(item, "le", None)) is not None:
            checks.append(f"{value} <= {le}")
    return "(" + " AND ".join(checks) + ")"


def python_value(value: Any, source: str) -> Any:
    """A value as read by DuckDB, turned back into what the file said, for pydantic to judge."""
    if source == "JSON" and isinstance(value, str):
        return json.loads(value)
    return value
