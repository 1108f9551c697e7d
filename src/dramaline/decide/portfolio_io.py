"""A studio on disk as the portfolio sees it: series folders in, snapshots out; the state in STUDIO/portfolio.yaml.

A studio is a folder of series folders (each with its `series.yaml`). For each series,
`read_studio` takes the archetype and the beats of every scene from the scripts, and from the
event store the viewing sessions (the same session table the audience report uses): an episode
counts as released from its first view, and views and completed views are counted per 7-day
window back from `as_of`. Promotion spends come from the state's history (their age counts from
the period's decision), greenlit episodes not yet released from the state's series records.

The state file is plain YAML, written atomically; a hand-edited mistake is reported with the
file, the field and what to do.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from dramaline.audience.partials import series_sessions
from dramaline.audience.server_series import find_series_folders
from dramaline.audience.store import EventStore, series_id
from dramaline.audience.timelines import EpisodeTimeline, TimelineKey, load_timeline_versions
from dramaline.errors import InvalidInputError
from dramaline.model import (
    MAX_EPISODES,
    EpisodeRelease,
    PortfolioState,
    PromotionSpend,
    SeriesSnapshot,
    WeekCounts,
)
from dramaline.series_folder import SERIES_FILE, load_series, write_text_atomic

__all__ = ["STATE_FILE", "load_state", "read_studio", "save_state", "snapshot_series", "state_path", "studio_folders"]

STATE_FILE = "portfolio.yaml"
_HEADER = (
    "# dramaline portfolio state (schema {version}): thresholds under policy:, the default budget, each series'\n"
    "# status and every applied period's decisions with their reasons. Edit the policy and budget freely.\n"
)
_WEEK_US = 7 * 24 * 3600 * 1_000_000


def state_path(studio: Path, market: str | None = None) -> Path:
    """STUDIO/portfolio.yaml, or STUDIO/portfolio.MX.yaml for the decisions of one market (its own state)."""
    return studio / (f"portfolio.{market}.yaml" if market else STATE_FILE)


def load_state(studio: Path, market: str | None = None) -> PortfolioState:
    """The portfolio state of `studio` (in one market), or a new one when it has no state file yet."""
    path = state_path(studio, market)
    if not path.is_file():
        return PortfolioState()
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InvalidInputError(f"{path}: cannot be read as YAML ({exc}); fix the file or move it away") from exc
    if data is None:
        return PortfolioState()
    if not isinstance(data, dict):
        raise InvalidInputError(f"{path}: must be a mapping with policy:, budget:, series: and history:")
    try:
        return PortfolioState.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        msg = str(err["msg"]).removeprefix("Value error, ")
        raise InvalidInputError(
            f"{path}: {where}: {msg}; correct it (docs/portfolio.md lists every field) or move the file away"
        ) from exc


def save_state(studio: Path, state: PortfolioState, market: str | None = None) -> Path:
    """Write `state` to its file (state_path) atomically: readers see the old state or the new, never a part."""
    path = state_path(studio, market)
    body = yaml.safe_dump(state.model_dump(mode="json"), sort_keys=False, allow_unicode=True, width=100)
    write_text_atomic(path, _HEADER.format(version=state.schema_version) + body)
    return path


def studio_folders(studio: Path) -> dict[str, Path]:
    """Series id → folder of every series in `studio` (its subfolders with a series.yaml)."""
    if not studio.is_dir():
        raise InvalidInputError(f"{studio}: no such folder; give the studio folder that holds your series folders")
    found = {sid: f for sid, f in find_series_folders(studio).items() if (f / SERIES_FILE).is_file()}
    if not found or (studio / SERIES_FILE).is_file():
        raise InvalidInputError(
            f"{studio}: not a studio folder: it needs series folders inside it (each with {SERIES_FILE}); "
            f'write one with `dramaline new "PREMISE" --out {studio / "my-series"}`'
        )
    return found


def read_studio(
    studio: Path, state: PortfolioState, *, as_of: datetime | None = None, market: str | None = None
) -> list[SeriesSnapshot]:
    """A snapshot of every series in `studio` as of `as_of` (default now), in folder-name order; with `market`,
    from that market's viewing only."""
    when = as_of or datetime.now(UTC)
    return [snapshot_series(folder, state, as_of=when, market=market) for folder in studio_folders(studio).values()]


def snapshot_series(
    folder: Path, state: PortfolioState, *, as_of: datetime, market: str | None = None
) -> SeriesSnapshot:
    """The snapshot of the series in `folder`: scripts, viewing sessions up to `as_of`, and its portfolio record."""
    if as_of.tzinfo is None:
        raise InvalidInputError("as_of needs a time zone (for example datetime.now(UTC))")
    series = load_series(folder)
    sid = series_id(folder)
    beats = Counter(scene.beat for episode in series.episodes for scene in episode.scenes)
    releases, weeks, simulated = _viewing(folder, sid, load_timeline_versions(folder, series), as_of, market)
    record = state.series.get(sid)
    promotions = [
        PromotionSpend(age_days=max(0.0, (as_of - r.decided_at) / timedelta(days=1)), units=d.promotion)
        for r in state.history
        for d in r.allocation.decisions
        if d.series_id == sid and d.promotion > 0 and r.decided_at <= as_of
    ]
    greenlit = record.greenlit_through if record else 0
    return SeriesSnapshot(
        series_id=sid,
        title=series.title,
        archetype=series.archetype,
        beats=dict(beats),
        status=state.status(sid),
        episodes_written=len(series.episodes),
        episodes_planned=MAX_EPISODES,
        greenlit_pending=min(MAX_EPISODES, max(0, greenlit - len(releases))),
        releases=tuple(releases),
        promotions=tuple(promotions),
        weeks=tuple(weeks),
        simulated_share=simulated,
    )


def _viewing(
    folder: Path, sid: str, timelines: Mapping[TimelineKey, EpisodeTimeline], as_of: datetime, market: str | None
) -> tuple[list[EpisodeRelease], list[WeekCounts], float]:
    """Release ages (from each episode's first view), views and completions per 7-day window before `as_of`,
    and the share of the events that the audience simulator made."""
    conn = EventStore(folder).connect(partials=True)
    try:
        plain = {key: t.timeline for key, t in timelines.items()}
        sessions = series_sessions(conn, sid, plain)
        cutoff = int((as_of - datetime(1970, 1, 1, tzinfo=UTC)) / timedelta(microseconds=1))
        # A market's edition is released, watched and decided on its own: count only its sessions.
        only, given = ("market = ?", [market]) if market else ("TRUE", [])
        first = conn.execute(
            f"SELECT episode, min(start_us) FROM {sessions.table} WHERE started AND start_us <= ? AND {only} "
            "GROUP BY episode ORDER BY episode",
            [cutoff, *given],
        ).fetchall()
        rows = conn.execute(
            f"SELECT (? - start_us) // {_WEEK_US} AS k, count(*), count(*) FILTER (WHERE completed) "
            f"FROM {sessions.table} WHERE started AND start_us <= ? AND {only} GROUP BY k ORDER BY k",
            [cutoff, cutoff, *given],
        ).fetchall()
        found = conn.execute(
            f"SELECT avg(simulated::INTEGER) FROM events WHERE series = ? AND {only}", [sid, *given]
        ).fetchone()
    finally:
        conn.close()
    releases = [EpisodeRelease(episode=int(e), age_days=(cutoff - int(us)) / 86_400e6) for e, us in first]
    weeks = [WeekCounts(weeks_ago=int(k), views=int(v), completions=int(c)) for k, v, c in rows]
    simulated = float(found[0]) if found and found[0] is not None else 0.0
    return releases, weeks, simulated
