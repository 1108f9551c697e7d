"""The studio folder and the series in it; every identifier from a request is resolved here, safely.

A series id from a URL or a form is accepted only as a slug (no separators, no `..`), and the
folder it names must resolve, symlinks followed, to a series folder inside the studio folder.
Anything else is refused before a file is touched, with a message that names no server path.
"""

from __future__ import annotations

import re
from pathlib import Path

from dramaline.errors import DramalineError, InvalidInputError
from dramaline.series_folder import SERIES_FILE

__all__ = ["NotFoundError", "StudioFolder"]

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class NotFoundError(DramalineError):
    """Something a request names does not exist in the studio (answered with 404)."""


class StudioFolder:
    """A studio: a folder of series folders, or one series folder on its own."""

    def __init__(self, root: Path) -> None:
        root = Path(root).resolve()
        if not root.is_dir():
            raise InvalidInputError(f"{root}: no such folder; give a studio folder (a folder of series folders)")
        self.root = root
        self.state_dir = root / ".dramaline"

    @property
    def single(self) -> bool:
        """True when the studio is one series folder rather than a folder of them."""
        return (self.root / SERIES_FILE).is_file()

    def series_folders(self) -> dict[str, Path]:
        """Series id → folder, for every series (with a series.yaml) in the studio, in name order."""
        if self.single:
            return {self.root.name: self.root} if _SLUG.match(self.root.name) else {}
        found: dict[str, Path] = {}
        for child in sorted(self.root.iterdir()):
            # A folder whose name is not a slug cannot be a series id in events or URLs: skipped.
            if _SLUG.match(child.name) and (child / SERIES_FILE).is_file():
                resolved = child.resolve()
                if self._inside(resolved):
                    found[child.name] = resolved
        return found

    def series_folder(self, sid: str) -> Path:
        """The folder of series `sid`: a 400 for a malformed id, a 404 for one that is not in the studio."""
        if not isinstance(sid, str) or not _SLUG.match(sid):
            raise InvalidInputError(
                "invalid series id: use the series folder's name (lower-case letters, digits, '-' and '_')"
            )
        candidate = self.root if self.single and self.root.name == sid else self.root / sid
        try:
            resolved = candidate.resolve(strict=True)
        except OSError:
            raise NotFoundError(f"no series {sid!r} in this studio") from None
        if not self._inside(resolved) or not (resolved / SERIES_FILE).is_file():
            raise NotFoundError(f"no series {sid!r} in this studio")
        return resolved

    def inside(self, path: Path) -> Path:
        """`path` resolved, if it stays inside the studio folder; else a 400 that names no server path."""
        resolved = path.resolve()
        if not self._inside(resolved):
            raise InvalidInputError("that path is outside the studio folder")
        return resolved

    def _inside(self, resolved: Path) -> bool:
        return resolved == self.root or resolved.is_relative_to(self.root)
