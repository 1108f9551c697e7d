"""Reading an ingestion request's body within its limits, and splitting it into raw events.

Kept apart from the endpoint so the limits can be tested without a server: the body is read
chunk by chunk and refused as soon as it passes `max_bytes` (a client that sends no
Content-Length, or a wrong one, cannot make the server buffer more than that), a gzip body is
inflated with the same cap on what it inflates to, and the parsed batch is refused whole when it
holds more than `max_events`. A line of NDJSON that is not JSON is not the batch's fault: it
becomes a per-event rejection like any other malformed event.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import AsyncIterable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["NDJSON_TYPES", "BodyError", "ParsedBatch", "inflate", "parse_batch", "read_body"]

NDJSON_TYPES = frozenset({"application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines"})
"""Content types read as one event per line; anything else is read as JSON."""


class BodyError(Exception):
    """The request as a whole is refused: `status` is the HTTP status and the message says why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class ParsedBatch:
    """The raw events of one request, with where each one sat in the batch.

    `items[k]` was event number `positions[k]` of the request; `unparsed` holds (position,
    reason) for NDJSON lines that were not JSON, so the response can name them too.
    """

    items: list[Any] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)
    unparsed: list[tuple[int, str]] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.items) + len(self.unparsed)


def _too_large(max_bytes: int) -> BodyError:
    return BodyError(413, f"the request body is larger than {max_bytes} bytes; send the events in smaller batches")


async def read_body(chunks: AsyncIterable[bytes], content_length: str | None, max_bytes: int) -> bytes:
    """The whole body, or BodyError(413) as soon as it is known to pass `max_bytes`."""
    if content_length is not None:
        try:
            declared = int(content_length)
        except ValueError:
            raise BodyError(400, f"Content-Length {content_length!r} is not a number") from None
        # Refuse before reading a byte: the client said how much it will send.
        if declared > max_bytes:
            raise _too_large(max_bytes)
    body = bytearray()
    async for chunk in chunks:
        # Counted as it arrives because a chunked body has no declared length to check first.
        if len(body) + len(chunk) > max_bytes:
            raise _too_large(max_bytes)
        body += chunk
    return bytes(body)


def inflate(body: bytes, content_encoding: str | None, max_bytes: int) -> bytes:
    """The body decoded from its Content-Encoding (identity or gzip), never larger than `max_bytes`."""
    encoding = (content_encoding or "identity").strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding not in ("gzip", "x-gzip"):
        raise BodyError(415, f"Content-Encoding {encoding!r} is not supported; send gzip or no encoding")
    # A few kilobytes of gzip can inflate to gigabytes, so the output is capped, not the input.
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(body, max_bytes + 1)
    except zlib.error as exc:
        raise BodyError(400, f"the body is not valid gzip: {exc}") from None
    if len(out) > max_bytes or inflater.unconsumed_tail:
        raise _too_large(max_bytes)
    if not inflater.eof:
        raise BodyError(400, "the gzip body ends early")
    if inflater.unused_data:
        # Concatenated gzip members are legal, but reading only the first would drop events silently.
        raise BodyError(400, "the body holds more than one gzip member; compress the batch as one")
    return out


def _loads(data: bytes) -> Any:
    try:
        return json.loads(data)
    except RecursionError:
        # json.loads recurses per nesting level; a body of "[[[[…" must not bring the worker down.
        raise ValueError("nested too deeply") from None


def _too_many(count: int, max_events: int) -> BodyError:
    return BodyError(413, f"the batch holds {count} events, more than the limit of {max_events}; split it")


def _parse_ndjson(body: bytes, max_events: int) -> ParsedBatch:
    lines = [line for line in body.split(b"\n") if line.strip()]
    if len(lines) > max_events:
        raise _too_many(len(lines), max_events)
    batch = ParsedBatch()
    for position, line in enumerate(lines):
        try:
            item = _loads(line)
        except ValueError as exc:
            batch.unparsed.append((position, f"not JSON: {exc}"))
            continue
        batch.items.append(item)
        batch.positions.append(position)
    return batch


def parse_batch(body: bytes, content_type: str | None, max_events: int) -> ParsedBatch:
    """Split a body into raw events: `{"events": [...]}`, a bare JSON array, or NDJSON.

    Any content type other than NDJSON is read as JSON, because browsers' `sendBeacon` and
    CORS-avoiding clients send JSON as text/plain.
    """
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if media_type in NDJSON_TYPES:
        return _parse_ndjson(body, max_events)
    if not body.strip():
        raise BodyError(400, 'the body is empty; send {"events": [...]}')
    try:
        document = _loads(body)
    except ValueError as exc:
        raise BodyError(400, f"the body is not JSON: {exc}") from None
    if isinstance(document, dict) and isinstance(document.get("events"), list):
        items: list[Any] = document["events"]
    elif isinstance(document, list):
        items = document
    else:
        raise BodyError(400, 'expected {"events": [...]} or a JSON array of events')
    if len(items) > max_events:
        raise _too_many(len(items), max_events)
    return ParsedBatch(items=items, positions=list(range(len(items))))
