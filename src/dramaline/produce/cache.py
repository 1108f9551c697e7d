"""The content-addressed build cache: every asset is stored under a key made of what it depends on.

    .dramaline/cache/objects/ab/cdef…   blobs, named by the sha256 of their bytes
    .dramaline/cache/index.sqlite       key -> object digest, stage, created_at

A key is the sha256 of canonical JSON naming the stage, its version, the digests of its inputs
and the fingerprints of the backends it used; never of reflected state. Objects are written to a
temporary file and renamed into place, and the index row is added only after, so a run killed
at any moment leaves either nothing or a complete object behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import BaseModel

MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = []
migration = MIGRATIONS.append


@migration
def m001_index(db: sqlite3.Connection) -> None:
    db.execute(
        "CREATE TABLE entries (key TEXT PRIMARY KEY, digest TEXT NOT NULL, stage TEXT NOT NULL,"
        " suffix TEXT NOT NULL, created_at REAL NOT NULL)"
    )
    db.execute("CREATE INDEX entries_stage ON entries (stage)")


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no whitespace, so equal values always give equal text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest(value: BaseModel | Path | bytes | str) -> str:
    """The sha256 of a model's canonical JSON, a file's bytes, raw bytes or a string."""
    h = hashlib.sha256()
    if isinstance(value, BaseModel):
        h.update(canonical_json(value.model_dump(mode="json")).encode())
    elif isinstance(value, Path):
        with value.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    elif isinstance(value, bytes):
        h.update(value)
    elif isinstance(value, str):
        h.update(value.encode())
    else:
        raise TypeError(f"cannot digest {type(value).__name__}; put it in model.py")
    return h.hexdigest()


def key(stage: str, version: int, inputs: list[str], providers: dict[str, str] | None = None) -> str:
    """The cache key of running `stage` (at `version`) on inputs with these digests and backends."""
    return digest(canonical_json({"stage": stage, "version": version, "inputs": inputs, "providers": providers or {}}))


class Cache:
    """A content-addressed store of build artefacts inside a series folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.objects = root / "objects"
        self.objects.mkdir(parents=True, exist_ok=True)
        self._db_path = root / "index.sqlite"
        with self._db() as db:
            (version,) = db.execute("PRAGMA user_version").fetchone()
            for i, step in enumerate(MIGRATIONS[version:], start=version + 1):
                step(db)
                db.execute(f"PRAGMA user_version = {i}")

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self._db_path, timeout=60)
        try:
            with db:
                yield db
        finally:
            db.close()

    def get(self, cache_key: str) -> Path | None:
        """The stored file for `cache_key`, or None when it was never built (or its object is gone)."""
        with self._db() as db:
            row = db.execute("SELECT digest, suffix FROM entries WHERE key = ?", (cache_key,)).fetchone()
        if row is None:
            return None
        path = self._object_path(row[0], row[1])
        return path if path.is_file() else None

    def put(self, cache_key: str, stage: str, source: Path) -> Path:
        """Move the finished file `source` into the store under `cache_key`; returns its stored path."""
        object_digest = digest(source)
        target = self._object_path(object_digest, source.suffix)
        if target.is_file():
            source.unlink()
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
        with self._db() as db:
            db.execute(
                "INSERT OR REPLACE INTO entries (key, digest, stage, suffix, created_at) VALUES (?, ?, ?, ?, ?)",
                (cache_key, object_digest, stage, source.suffix, time.time()),
            )
        return target

    def get_or_make(self, cache_key: str, stage: str, suffix: str, write: Callable[[Path], object]) -> Path:
        """The stored file for `cache_key`; if there is none, `write` makes it into a scratch path, which is stored."""
        hit = self.get(cache_key)
        if hit is not None:
            return hit
        scratch = self.scratch(suffix)
        write(scratch)
        return self.put(cache_key, stage, scratch)

    def scratch(self, suffix: str) -> Path:
        """A fresh temporary file path inside the store (same filesystem, so put() is a rename)."""
        tmp = self.root / "tmp"
        tmp.mkdir(exist_ok=True)
        fd, name = tempfile.mkstemp(suffix=suffix, dir=tmp)
        os.close(fd)
        return Path(name)

    def stages(self) -> dict[str, int]:
        """How many entries each stage has."""
        with self._db() as db:
            return dict(db.execute("SELECT stage, COUNT(*) FROM entries GROUP BY stage").fetchall())

    def clear_scratch(self) -> None:
        """Remove temporary files a killed run may have left."""
        shutil.rmtree(self.root / "tmp", ignore_errors=True)

    def _object_path(self, object_digest: str, suffix: str) -> Path:
        return self.objects / object_digest[:2] / f"{object_digest[2:]}{suffix}"
