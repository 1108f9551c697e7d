"""Uploads: Fountain screenplays and audience event files, size-limited while they stream in, then validated.

An upload is the raw request body (the file itself, as `fetch(url, {body: file})` sends it) with
its name in the `filename` query parameter. The size is checked against the declared length
before a byte is read and counted as the body streams, so an oversized upload is refused with
413 without being stored. Event files are written to a private temporary file inside the studio
folder (named by the studio, never by the client) and imported with the CLI's importer.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import AsyncIterable
from pathlib import Path

from starlette.concurrency import run_in_threadpool

from dramaline.audience.imports import FORMATS, ImportResult, import_file
from dramaline.audience.store import EventStore
from dramaline.errors import InvalidInputError
from dramaline.studio.context import Studio
from dramaline.studio.editing import import_fountain

__all__ = ["TooLargeError", "receive_events", "receive_fountain"]

_NAME = re.compile(r"^[\w .()-]{1,120}$")


class TooLargeError(InvalidInputError):
    """The upload is over the studio's limit (413)."""


def _check_name(filename: str) -> str:
    name = Path(filename).name
    if not filename or name != filename or not _NAME.match(name):
        raise InvalidInputError(
            "give the upload's file name (letters, digits, spaces, '.', '-', '_' and brackets; no folders)"
        )
    return name


def _declared(content_length: str | None, limit: int, what: str) -> None:
    if content_length is None:
        return
    try:
        size = int(content_length)
    except ValueError:
        raise InvalidInputError(f"Content-Length {content_length!r} is not a number") from None
    if size > limit:
        raise TooLargeError(f"the {what} is {size:,} bytes; the studio takes at most {limit:,}")


async def _collect(chunks: AsyncIterable[bytes], limit: int, what: str) -> bytes:
    body = bytearray()
    async for chunk in chunks:
        if len(body) + len(chunk) > limit:
            raise TooLargeError(f"the {what} is over {limit:,} bytes, the most the studio takes")
        body += chunk
    return bytes(body)


async def receive_fountain(
    studio: Studio, sid: str, filename: str, chunks: AsyncIterable[bytes], content_length: str | None
) -> list[str]:
    """Import an uploaded Fountain screenplay into series `sid`; returns what changed."""
    name = _check_name(filename)
    if not name.lower().endswith((".fountain", ".txt", ".spmd")):
        raise InvalidInputError(f"{name}: a screenplay upload must be a .fountain file")
    limit = studio.config.max_script_bytes
    _declared(content_length, limit, "screenplay")
    data = await _collect(chunks, limit, "screenplay")
    if not data.strip():
        raise InvalidInputError(f"{name} is empty; export the episodes as Fountain and upload that file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInputError(
            f"{name} is not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8"
        ) from None
    if "\x00" in text:
        raise InvalidInputError(f"{name} is not a text file; upload a Fountain screenplay")
    return await run_in_threadpool(import_fountain, studio, sid, text, name)


async def receive_events(
    studio: Studio, sid: str, filename: str, chunks: AsyncIterable[bytes], content_length: str | None
) -> ImportResult:
    """Import an uploaded event log or retention table (JSONL, CSV, Parquet) into series `sid`."""
    name = _check_name(filename)
    suffix = next((s for s in sorted(FORMATS, key=len, reverse=True) if name.lower().endswith(s)), None)
    if suffix is None:
        raise InvalidInputError(f"{name}: upload events as one of {', '.join(FORMATS)}")
    folder = studio.folder.series_folder(sid)
    limit = studio.config.max_events_bytes
    _declared(content_length, limit, "event file")
    uploads = studio.folder.state_dir / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    path = uploads / f"upload-{secrets.token_hex(8)}{suffix}"
    try:
        size = 0
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            async for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise TooLargeError(f"the event file is over {limit:,} bytes, the most the studio takes")
                out.write(chunk)
        if size == 0:
            raise InvalidInputError(f"{name} is empty")
        result = await run_in_threadpool(import_file, EventStore(folder), path)
    finally:
        path.unlink(missing_ok=True)
    studio.summaries.queue_refresh(sid, folder)
    return result
