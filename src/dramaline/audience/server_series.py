"""Where the ingestion server puts a series' events: its folder, its store and the inbox backlog.

`root` is one series folder or a studio folder of series folders; events are routed by their
`series` field to the folder whose name (`store.series_id`) matches.
"""

from __future__ import annotations

import logging
import threading
import time
from contextlib import suppress
from pathlib import Path

from dramaline.audience.store import EventStore, series_id
from dramaline.errors import InvalidInputError

__all__ = ["INBOX_GLOB", "SeriesTarget", "find_series_folders"]

log = logging.getLogger(__name__)

INBOX_GLOB = "batch-*.jsonl"
"""The inbox files that hold accepted batches (temp files and set-aside ones do not match)."""


def _is_series_folder(path: Path) -> bool:
    return (path / "series.yaml").is_file() or (path / "audience").is_dir()


def find_series_folders(root: Path) -> dict[str, Path]:
    """Series id → folder: `root` itself if it is a series folder, else its subfolders that are.

    A folder is a series folder when it has a `series.yaml` or an `audience/` store; a folder with
    neither and no such subfolders is taken as one new series, so an empty folder can receive.
    """
    if _is_series_folder(root):
        return {series_id(root): root}
    found: dict[str, Path] = {}
    for child in sorted(root.iterdir()):
        if child.is_dir() and _is_series_folder(child):
            try:
                found[series_id(child)] = child
            except InvalidInputError as exc:
                # One badly named folder must not keep the studio's other series from receiving.
                log.warning("skipping %s: %s", child, exc)
    return found or {series_id(root): root}


class SeriesTarget:
    """One series' store, with the lock that keeps its store writes one at a time."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.store = EventStore(folder)
        self.lock = threading.Lock()

    def inbox_backlog(self) -> tuple[int, float | None]:
        """Batches waiting in the inbox, and the age in seconds of the oldest (None when empty)."""
        mtimes: list[float] = []
        for path in self.store.inbox_dir.glob(INBOX_GLOB):
            with suppress(FileNotFoundError):  # loaded between the listing and its stat
                mtimes.append(path.stat().st_mtime)
        if not mtimes:
            return 0, None
        return len(mtimes), max(0.0, time.time() - min(mtimes))

    def unreadable(self) -> int:
        """Inbox batches the store set aside as not valid events (they need a person to look)."""
        aside = self.store.inbox_dir / "unreadable"
        return sum(1 for _ in aside.iterdir()) if aside.is_dir() else 0
