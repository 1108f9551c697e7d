"""The event format as JSON Schema, for platform engineers and client code generators.

`python -m dramaline.audience.schema [PATH]` rewrites the published copy (default:
schemas/event.schema.json, run from the repository root); a test keeps that copy in sync.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from dramaline.model.audience import EVENT_SCHEMA_VERSION, MAX_CLOCK_SKEW, POSITIONED, Event, EventType

SCHEMA_ID = f"urn:dramaline:schema:event:v{EVENT_SCHEMA_VERSION}"
DEFAULT_PATH = Path("schemas/event.schema.json")


def event_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one event, with the per-type rules as conditionals."""
    body = Event.model_json_schema()
    positioned = sorted(t.value for t in POSITIONED)
    others = sorted(t.value for t in EventType if t is not EventType.SEEK)
    not_unlock = sorted(t.value for t in EventType if t is not EventType.UNLOCK)
    rules = [
        _when(positioned, {"required": ["position_s"], "properties": {"position_s": {"type": "number"}}}),
        _when(["seek"], {"required": ["from_position_s"], "properties": {"from_position_s": {"type": "number"}}}),
        _when(others, {"properties": {"from_position_s": {"type": "null"}}}),
        _when(not_unlock, {"properties": {"amount": {"type": "null"}}}),
    ]
    schema: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "dramaline audience event",
        "description": (
            "One thing a viewer did in one viewing session of one version of one episode. event_id makes a "
            "resend harmless (an id already stored is ignored). dramaline's ingestion also accepts a null for "
            "any field and treats it as absent. "
            "Timestamps are ISO 8601 with an offset; client_ts may be at most "
            f"{MAX_CLOCK_SKEW.total_seconds() / 3600:g} hours after received_ts, which the ingestion sets. "
            "The store and its files are described in docs/events.md."
        ),
        "version": EVENT_SCHEMA_VERSION,
    }
    schema.update({k: v for k, v in body.items() if k not in ("title", "description")})
    schema["allOf"] = rules
    return schema


def write_schema(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(event_json_schema(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _when(types: list[str], then: dict[str, Any]) -> dict[str, Any]:
    return {"if": {"properties": {"type": {"enum": types}}, "required": ["type"]}, "then": then}


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_PATH
    write_schema(target)
    print(f"wrote {target}")
