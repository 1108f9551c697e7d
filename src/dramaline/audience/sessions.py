"""Viewing sessions: the events of one viewing folded into one row, in one DuckDB pass.

Every metric reads this table, never the raw events. A row says which episode version was watched,
by whom, where, when it started, how far the viewer got and how the session ended:

- **started**: the session shows playback: a play, progress, pause, seek or complete event. (A play
  alone would be the platforms' definition, but mobile clients lose events, and a heartbeat proves
  the episode played.) An exit alone, an impression or an unlock is not a view.
- **furthest_s**: the furthest point watched: the largest position of a play, progress, pause, exit
  or complete event, and the start (`from_position_s`) of every seek. A seek's target is not
  counted, since jumping to a moment is not watching up to it: a viewer who jumps from 10 s to
  80 s and leaves at once has watched to 80 s at most by the exit event, while one who jumps from
  80 s back to 20 s keeps 80 s. The seconds a forward seek skips still count as watched (one
  number per session cannot say otherwise); docs/metrics.md discusses the effect.
- **completed**: a complete event, or furthest_s within `end_tolerance_s` of the episode's end
  (clients stop a frame or a heartbeat short).
- **time_s / dropped**: the survival observation. A completed view is censored at the duration;
  an exit is an observed loss at furthest_s; a session with neither is still open (or its exit was
  lost) and is right-censored at furthest_s, unless `stale_after` says how long after its last
  event such a session counts as an exit at its last known position. A completed view's time is
  the duration exactly (not rounded), so the curve is identified at the episode's end.
- **end_lost**: neither an exit nor a complete, and idle for `lost_after` (default an hour) before
  the cutoff: the session is over but its end event was lost (a killed app). Censoring it at its
  last heartbeat would be informative (the viewer is known to have left within one heartbeat of
  it, so the loss would go missing), so the retention curve leaves such sessions out: unbiased
  when ends are lost independently of where viewers leave. They still count as views. With
  `stale_after` set, stale sessions count as exits instead and are not end_lost.
- **rewatched**: after its first complete event, the session played again from near the start: a
  play, seek or progress event at a position ≤ `restart_s`, timed after that complete event.
- **next_episode, liked, shared, followed, commented, unlocked, impressed**: whether the session
  has at least one such event (a double-tap storm is one like).

Durations come from the timelines where known; otherwise the median position of the episode
version's complete events (a complete event's position is the episode's length), otherwise the
furthest position anyone reached.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Final, Literal, get_args

import duckdb

from dramaline.model import Timeline

__all__ = [
    "EVENT_COLUMNS",
    "Cut",
    "Dimension",
    "EpisodeKey",
    "SessionRules",
    "Sessions",
    "build_sessions",
    "durations_from_timelines",
    "fold_events_sql",
    "merge_partials_sql",
]

EVENT_COLUMNS: Final = (
    "event_id VARCHAR, type VARCHAR, viewer_id VARCHAR, session_id VARCHAR, series VARCHAR, episode INTEGER, "
    "episode_version INTEGER, position_s DOUBLE, from_position_s DOUBLE, platform VARCHAR, market VARCHAR, "
    "language VARCHAR, segment VARCHAR, amount DOUBLE, client_ts TIMESTAMPTZ, received_ts TIMESTAMPTZ, "
    "simulated BOOLEAN"
)
"""The columns of the event store's `events` view that the analytics read, as a DuckDB column list."""

EpisodeKey = tuple[str, int, int]
"""(series, episode, episode_version)."""

Dimension = Literal["episode_version", "platform", "market", "segment"]
"""A column every metric can be cut or grouped by."""
DIMENSIONS: Final[tuple[str, ...]] = get_args(Dimension)

_table_ids = itertools.count(1)

KINDS: Final = (
    "play",
    "progress",
    "pause",
    "seek",
    "exit",
    "complete",
    "next_episode",
    "like",
    "share",
    "follow",
    "comment",
    "unlock",
    "impression",
)
"""Event types in the order the session pass encodes them; the positioned ones come first (see furthest_s)."""
EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Cut:
    """A filter on sessions: only this episode version, platform, market and/or viewer segment (None: all)."""

    episode_version: int | None = None
    platform: str | None = None
    market: str | None = None
    segment: str | None = None

    def where(self, alias: str = "") -> tuple[str, list[object]]:
        """A SQL condition and its parameters; `TRUE` when the cut keeps everything."""
        prefix = f"{alias}." if alias else ""
        parts: list[str] = []
        params: list[object] = []
        for name in DIMENSIONS:
            value = getattr(self, name)
            if value is not None:
                parts.append(f"{prefix}{name} = ?")
                params.append(value)
        return (" AND ".join(parts) or "TRUE"), params


def group_column(by: Dimension | None, alias: str = "") -> str:
    """The SQL expression a metric table is grouped by: a dimension's column, or NULL for one row per episode."""
    if by is None:
        return "NULL::VARCHAR"
    if by not in DIMENSIONS:
        raise ValueError(f"cannot group by {by!r}; choose one of {', '.join(DIMENSIONS)}")
    return f"{alias}.{by}" if alias else by


@dataclass(frozen=True)
class SessionRules:
    """How events become a session's outcome; the defaults are documented in docs/metrics.md."""

    end_tolerance_s: float = 0.5  # reaching this close to the end counts as completing
    restart_s: float = 5.0  # playing from here or earlier after completing is a rewatch
    stale_after: timedelta | None = None  # an open session idle this long before the cutoff counts as an exit
    lost_after: timedelta | None = timedelta(hours=1)  # … or, by default, as over with its end lost (end_lost)
    simulated: bool | None = None  # None: all events; False: real viewers only; True: the simulator's only


@dataclass(frozen=True)
class Sessions:
    """The session table, built in `conn`, and what it was built from."""

    conn: duckdb.DuckDBPyConnection
    table: str  # a temporary table in conn
    cutoff: datetime | None  # the latest moment the data covers (latest received, else client, timestamp)
    episodes: tuple[EpisodeKey, ...] = ()  # every episode version, sorted; the table's episode_key indexes it
    durations: dict[EpisodeKey, float] = field(default_factory=dict)
    rules: SessionRules = SessionRules()

    def count(self) -> int:
        row = self.conn.execute(f"SELECT count(*) FROM {self.table}").fetchone()
        return int(row[0]) if row else 0


def durations_from_timelines(series: str, timelines: Mapping[tuple[int, int], Timeline]) -> dict[EpisodeKey, float]:
    """One series' (episode, version) → Timeline as the (series, episode, version) → seconds `build_sessions` takes."""
    return {
        (series, episode, version): timeline.seconds(timeline.duration_frames)
        for (episode, version), timeline in timelines.items()
    }


def _register_durations(conn: duckdb.DuckDBPyConnection, name: str, durations: Mapping[EpisodeKey, float]) -> None:
    conn.execute(
        f"CREATE OR REPLACE TEMP TABLE {name} (series VARCHAR, episode INTEGER, episode_version INTEGER, "
        "duration_s DOUBLE)"
    )
    if durations:
        keys = list(durations)
        # One statement over lists rather than a row-by-row executemany: hundreds of episodes in one round trip.
        conn.execute(
            f"INSERT INTO {name} SELECT unnest($s), unnest($e), unnest($v), unnest($d)",
            {
                "s": [k[0] for k in keys],
                "e": [k[1] for k in keys],
                "v": [k[2] for k in keys],
                "d": [float(durations[k]) for k in keys],
            },
        )


def build_sessions(
    conn: duckdb.DuckDBPyConnection,
    durations: Mapping[EpisodeKey, float] | None = None,
    *,
    series: str | None = None,
    rules: SessionRules = SessionRules(),
    table: str | None = None,
    partials: str | None = None,
) -> Sessions:
    """Fold the `events` view of `conn` into one row per session, in a temporary table of `conn`.

    `durations` maps (series, episode, version) to the episode's length in seconds (see
    `durations_from_timelines`); `series` keeps one series only. Rebuilding replaces the table.
    `partials` names a relation of per-part session partials (`fold_events_sql` grouped by part, as
    the event store keeps them): merging those is far less work than folding every event again.
    They are folded with the default `restart_s`; other rules fold the events.
    """
    if rules.end_tolerance_s < 0 or rules.restart_s < 0:
        raise ValueError("end_tolerance_s and restart_s must not be negative")
    name = table or f"dramaline_sessions_{next(_table_ids)}"
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise ValueError(f"table name {name!r} must be a plain SQL identifier (letters, digits, underscores)")
    raw, given = f"{name}_raw", f"{name}_given"
    conditions: list[str] = []
    params: list[object] = []
    if series is not None:
        conditions.append("series = ?")
        params.append(series)
    if rules.simulated is not None:
        conditions.append("simulated = ?")
        params.append(rules.simulated)
    where = " AND ".join(conditions) or "TRUE"
    named = {f"p{i}": p for i, p in enumerate(params)}
    if partials is not None and rules.restart_s == PARTIALS_RESTART_S:
        conn.execute(f"CREATE OR REPLACE TEMP TABLE {raw} AS {merge_partials_sql(partials, _named(where))}", named)
    else:
        conn.execute(
            f"CREATE OR REPLACE TEMP TABLE {raw} AS {fold_events_sql('events', _named(where))}",
            {"restart": rules.restart_s, **named},
        )
    _register_durations(conn, given, durations or {})
    row = conn.execute(f"SELECT max(seen_us) FROM {raw}").fetchone()
    cutoff_us = row[0] if row else None
    cutoff = None if cutoff_us is None else EPOCH + timedelta(microseconds=int(cutoff_us))
    stale_before = -(2**62)  # no open session counts as stale unless `stale_after` says so
    if rules.stale_after is not None and cutoff_us is not None:
        stale_before = int(cutoff_us) - rules.stale_after // timedelta(microseconds=1)
    lost_before = -(2**62)  # likewise for a lost end
    if rules.lost_after is not None and cutoff_us is not None:
        lost_before = int(cutoff_us) - rules.lost_after // timedelta(microseconds=1)

    def has(*names: str) -> str:
        return f"(r.kinds & {sum(1 << KINDS.index(n) for n in names)}) <> 0"

    conn.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {name} AS
        WITH lengths AS (
            SELECT r.series, r.episode, r.episode_version,
                   coalesce(any_value(g.duration_s), median(r.complete_at_s), max(r.furthest_s), 0.0) AS duration_s,
                   bool_or({has("unlock")}) AS unlocked_here
            FROM {raw} r LEFT JOIN {given} g USING (series, episode, episode_version)
            GROUP BY r.series, r.episode, r.episode_version
        ), keyed AS (
            -- An episode someone paid to unlock, in any version, is a locked episode.
            SELECT *, (row_number() OVER (ORDER BY series, episode, episode_version) - 1)::INTEGER AS episode_key,
                   bool_or(unlocked_here) OVER (PARTITION BY series, episode) AS locked
            FROM lengths
        )
        SELECT
            r.session_id, r.series, r.episode, r.episode_version, l.episode_key, l.locked, r.viewer_id,
            -- A 64-bit hash joins and groups faster than the id; a collision among a million viewers has a
            -- chance below one in ten million.
            hash(r.viewer_id) AS viewer_key, r.platform, r.market, r.segment, r.first_us AS start_us, r.last_us,
            {has("play", "progress", "pause", "seek", "complete")} AS started,
            coalesce(r.furthest_s, 0.0) AS furthest_s, l.duration_s,
            {has("exit")} AS exited,
            {has("complete")} OR coalesce(r.furthest_s >= l.duration_s - $tolerance, FALSE) AS completed,
            -- Milliseconds are finer than any client reports, and fewer distinct times make smaller tallies.
            -- A completed view keeps the exact duration, so reading the curve at the end finds it.
            CASE WHEN completed THEN l.duration_s
                 ELSE round(least(greatest(coalesce(r.furthest_s, 0.0), 0.0), l.duration_s), 3) END AS time_s,
            NOT completed AND ({has("exit")} OR r.last_us < $stale_before) AS dropped,
            NOT completed AND NOT dropped AND r.last_us < $lost_before AS end_lost,
            coalesce(r.restart_us > r.complete_us, FALSE) AS rewatched,
            {has("next_episode")} AS next_episode, {has("like")} AS liked, {has("share")} AS shared,
            {has("follow")} AS followed, {has("comment")} AS commented, {has("unlock")} AS unlocked,
            {has("impression")} AS impressed
        FROM {raw} r JOIN keyed l USING (series, episode, episode_version)
        """,
        {"tolerance": rules.end_tolerance_s, "stale_before": stale_before, "lost_before": lost_before},
    )
    lengths = conn.execute(
        f"SELECT DISTINCT episode_key, series, episode, episode_version, duration_s FROM {name} ORDER BY episode_key"
    ).fetchall()
    conn.execute(f"DROP TABLE {raw}")
    conn.execute(f"DROP TABLE {given}")
    return Sessions(
        conn=conn,
        table=name,
        cutoff=cutoff,
        episodes=tuple((s, int(e), int(v)) for _, s, e, v, _ in lengths),
        durations={(s, int(e), int(v)): float(d) for _, s, e, v, d in lengths},
        rules=rules,
    )


PARTIALS_RESTART_S: Final = SessionRules().restart_s
"""The `restart_s` session partials are folded with (a rewatch's threshold cannot be changed after folding)."""


def fold_events_sql(source: str, where: str, *, by_simulated: bool = False) -> str:
    """The one pass over the events: one row per session (and per `simulated` flag if `by_simulated`).

    It is the costly part of every refresh, so each event's type becomes a small integer once, all
    "has a … event" flags one bit_or, and timestamps integer microseconds (DuckDB aggregates
    TIMESTAMPTZ several times slower than BIGINT). Every column is an aggregate that can be merged
    again (`merge_partials_sql`), so parts folded apart combine into the same row. `$restart` is a
    parameter: the position at or before which playing after a complete counts as a rewatch.
    """
    kinds = ", ".join(f"'{kind}'" for kind in KINDS)
    k = {kind: i + 1 for i, kind in enumerate(KINDS)}  # list_position is 1-based
    simulated = ", simulated" if by_simulated else ""
    return f"""
        SELECT
            session_id{simulated},
            any_value(series) AS series,
            any_value(episode) AS episode,
            any_value(episode_version) AS episode_version,
            any_value(viewer_id) AS viewer_id,
            any_value(platform) AS platform,
            any_value(market) AS market,
            any_value(segment) AS segment,
            min(us) AS first_us,
            max(us) AS last_us,
            max(seen_us) AS seen_us,
            bit_or(bit) AS kinds,
            max(CASE WHEN k = {k["seek"]} THEN from_position_s WHEN k <= {k["complete"]} THEN position_s END)
                AS furthest_s,
            max(position_s) FILTER (WHERE k = {k["complete"]}) AS complete_at_s,
            min(us) FILTER (WHERE k = {k["complete"]}) AS complete_us,
            max(us) FILTER (WHERE k IN ({k["play"]}, {k["progress"]}, {k["seek"]}) AND position_s <= $restart)
                AS restart_us
        FROM (
            SELECT session_id, series, episode, episode_version, viewer_id, platform, market, segment, simulated,
                   position_s, from_position_s, list_position([{kinds}], type) AS k, (1 << (k - 1))::INTEGER AS bit,
                   epoch_us(client_ts) AS us, epoch_us(coalesce(received_ts, client_ts)) AS seen_us
            FROM {source}
            WHERE {where}
        )
        GROUP BY session_id{simulated}
        """


def merge_partials_sql(source: str, where: str) -> str:
    """Session partials (rows of `fold_events_sql` from separate parts) merged into one row per session.

    Parts are written as events arrive, so almost every session lies in one part: its one row passes
    through as it is, and only sessions split across parts are aggregated again (aggregating strings
    is what costs, and most rows need none).
    """
    columns = (
        "session_id, series, episode, episode_version, viewer_id, platform, market, segment, first_us, last_us, "
        "seen_us, kinds, furthest_s, complete_at_s, complete_us, restart_us"
    )
    return f"""
        WITH kept AS (
            -- Joined and counted by a 64-bit hash of the id, which is several times quicker than the string;
            -- a collision only sends two sessions through the exact aggregate below.
            SELECT *, hash(session_id) AS h FROM {source} WHERE {where}
        ), split AS (
            SELECT h FROM kept GROUP BY h HAVING count(*) > 1
        )
        SELECT {columns} FROM kept ANTI JOIN split USING (h)
        UNION ALL
        SELECT
            session_id, any_value(series), any_value(episode), any_value(episode_version), any_value(viewer_id),
            any_value(platform), any_value(market), any_value(segment), min(first_us), max(last_us), max(seen_us),
            bit_or(kinds), max(furthest_s), max(complete_at_s), min(complete_us), max(restart_us)
        FROM kept SEMI JOIN split USING (h)
        GROUP BY session_id
        """


def _named(where: str) -> str:
    """Turn positional `?` parameters into named ones ($p0, $p1 …) to sit beside other named parameters."""
    parts = where.split("?")
    return "".join(part + (f"$p{i}" if i < len(parts) - 1 else "") for i, part in enumerate(parts))
