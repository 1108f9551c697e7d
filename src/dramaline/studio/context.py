"""The studio's settings and the objects every request shares: its folder, database, accounts, jobs, metrics.

`Studio` is the service layer's root: the API routers and the pages receive it and call the
service modules with it, so both show and change exactly the same things.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from argon2 import PasswordHasher

from dramaline.model import PRESETS, Preset
from dramaline.studio.audit import AuditLog
from dramaline.studio.db import Database
from dramaline.studio.jobs import Handler, JobQueue
from dramaline.studio.paths import StudioFolder
from dramaline.studio.summaries import Summaries
from dramaline.studio.users import Users

if TYPE_CHECKING:
    from dramaline.produce.build import Production

__all__ = ["DB_FILE", "Studio", "StudioConfig"]

DB_FILE = "studio.db"
ProductionFactory = Callable[[Path, Preset], "Production"]


def default_production(folder: Path, preset: Preset) -> Production:
    """The backends the settings choose, as `dramaline make` uses them, with the local executor.

    Its workers come from a fork server: the studio builds from job threads while others serve pages.
    """
    from dramaline.cli.produce import default_production as from_settings
    from dramaline.produce.executors import LocalExecutor

    return replace(from_settings(folder, preset, "local"), executor=LocalExecutor(fork_server=True))


@dataclass(frozen=True)
class StudioConfig:
    """How the studio runs; the defaults suit `dramaline studio` on a laptop."""

    local: bool = True
    """Bound to a loopback address: with no users yet, the studio then needs no sign-in."""
    require_sign_in: bool = False
    """Require sign-in even on localhost with no users (`--require-sign-in`)."""
    secure_cookies: bool | None = None
    """Mark cookies Secure; None: when the request came over https."""
    max_script_bytes: int = 1024 * 1024
    """Largest Fountain screenplay accepted as an upload."""
    max_events_bytes: int = 64 * 1024 * 1024
    """Largest event file (JSONL, CSV, Parquet) accepted as an upload."""
    sign_in_failures: int = 5
    """Failed sign-ins per address and name within `sign_in_window_s` before 429."""
    sign_in_window_s: float = 60.0
    presets: Mapping[str, Preset] = field(default_factory=lambda: dict(PRESETS))
    """The presets a render may use (names as in `dramaline make --preset`)."""
    production: ProductionFactory = default_production
    """Makes the build's backends for a series folder and preset."""
    simulate_max_viewers: int = 200_000
    password_hasher: PasswordHasher | None = None
    """argon2's cost settings; None: argon2-cffi's defaults (tests use cheaper ones)."""


class Studio:
    """Everything a request needs, made once per app."""

    def __init__(self, root: Path, config: StudioConfig, handlers: Mapping[str, Handler] | None = None) -> None:
        self.folder = StudioFolder(root)
        self.config = config
        self.db = Database(self.folder.state_dir / DB_FILE)
        self.users = Users(self.db, config.password_hasher)
        self.audit = AuditLog(self.db)
        self.summaries = Summaries(self.folder.state_dir / "summaries")
        self.jobs = JobQueue(self.db, handlers or {})
        self.portfolio_cache: dict[str, object] = {}
