"""The audit log: who changed what, and when, for every change made through the studio."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from dramaline.studio.db import Database, transaction

__all__ = ["AuditEntry", "AuditLog"]


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: str
    actor: str
    action: str
    target: str
    detail: str


class AuditLog:
    """Append-only records of changes; nothing in the studio deletes or edits them."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def record(self, actor: str, action: str, target: str, detail: str = "") -> None:
        conn = self.db.connect()
        with transaction(conn):
            conn.execute(
                "INSERT INTO audit (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
                [datetime.now(UTC).isoformat(timespec="seconds"), actor, action, target, detail[:2000]],
            )

    def entries(self, *, limit: int = 200, before: int | None = None) -> list[AuditEntry]:
        """The latest entries, newest first; `before` (an entry id) pages back."""
        sql = "SELECT * FROM audit" + (" WHERE id < ?" if before else "") + " ORDER BY id DESC LIMIT ?"
        params: list[object] = [before, limit] if before else [limit]
        return [AuditEntry(**dict(r)) for r in self.db.connect().execute(sql, params)]
