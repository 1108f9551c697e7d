"""The published JSON Schema of an event: in sync with the model, and saying what the model says."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dramaline.audience.schema import event_json_schema, write_schema
from dramaline.model.audience import EVENT_SCHEMA_VERSION

PUBLISHED = Path(__file__).resolve().parents[2] / "schemas" / "event.schema.json"
GOOD: dict[str, Any] = {
    "event_id": "ev-1",
    "type": "seek",
    "viewer_id": "viewer-1",
    "session_id": "session-1",
    "series": "janitor-heir",
    "episode": 3,
    "position_s": 40.0,
    "from_position_s": 12.5,
    "platform": "tiktok",
    "market": "US",
    "language": "en",
    "client_ts": "2025-03-01T12:00:00Z",
}


def test_the_published_schema_is_in_sync() -> None:
    assert json.loads(PUBLISHED.read_text(encoding="utf-8")) == event_json_schema(), (
        "schemas/event.schema.json is stale: run python -m dramaline.audience.schema"
    )


def test_the_schema_names_itself_and_its_version(tmp_path: Path) -> None:
    schema = event_json_schema()
    assert schema["$id"].endswith(f"v{EVENT_SCHEMA_VERSION}")
    assert schema["version"] == EVENT_SCHEMA_VERSION
    assert schema["title"] and schema["description"]
    write_schema(tmp_path / "out" / "event.schema.json")
    assert json.loads((tmp_path / "out" / "event.schema.json").read_text(encoding="utf-8")) == schema


@pytest.mark.parametrize(
    ("changes", "valid"),
    [
        ({}, True),
        ({"type": "like", "position_s": None, "from_position_s": None}, True),
        ({"type": "unlock", "from_position_s": None, "amount": 0.99}, True),
        ({"from_position_s": None}, False),  # a seek says where it started
        ({"type": "play", "position_s": None, "from_position_s": None}, False),  # a play says where
        ({"type": "play"}, False),  # from_position_s belongs to seeks
        ({"amount": 1.0}, False),  # amount belongs to unlocks
        ({"market": "us"}, False),
        ({"colour": "red"}, False),
    ],
)
def test_the_schema_applies_the_per_type_rules(changes: dict[str, Any], valid: bool) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    event = {k: v for k, v in {**GOOD, **changes}.items() if v is not None}
    errors = list(jsonschema.Draft202012Validator(event_json_schema()).iter_errors(event))
    assert (not errors) == valid, errors
