"""Benchmark: refresh every metric and hotspot for 500 episodes (target: under 10 s on 2 cores).

The audience: 5 series × 100 episodes × 1,000 sessions × 10 events = 5 million events in an
in-memory DuckDB table with the event store's columns, generated in SQL (a tenth of the sessions
watch a second version; exits are spread over each episode; later episodes are locked).

The refresh: the session table, every per-episode metric of every episode version, each series'
funnel, and every episode version's scene and line losses, loss by beat type and the top hotspots.
The target applies to it. The events are stored as the event store keeps them, in parts written as
they arrive (here ten, split by receive time), and each part is folded into session partials once
(audience/partials.py). A refresh, run when new events have arrived, folds the newest part and
merges every part's partials into sessions: that is what is timed (`sessions_s`). Folding all the
events again, as a refresh without partials would, is timed beside it (`sessions_cold_s`). Cut
tables (every metric again, grouped by platform, by market and by segment) are timed after it and
reported beside it: a dashboard may want them precomputed, or may ask for one when a user opens it.
The floor is DuckDB's bare `GROUP BY session_id` over the same table (count and furthest position,
materialised): the least work any per-session analysis must do. All are timed in the same run.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import duckdb

from dramaline.audience.funnel import series_funnel
from dramaline.audience.hotspots import beat_losses, series_losses, top_hotspots
from dramaline.audience.metrics import episode_metrics
from dramaline.audience.partials import PARTIALS_VIEW, create_view, fold_part
from dramaline.audience.sessions import EVENT_COLUMNS, EpisodeKey, build_sessions
from dramaline.model import BeatType, Emotion, TimedLine, TimedScene, Timeline, TimeOfDay

TARGET_S = 10.0
PARTS = 10  # the store's parts, split by receive time as arrivals would write them
SERIES = 5
EPISODES = 100  # per series: 500 in all
SESSIONS = 1000  # per episode
FPS = 30
BEATS = (
    BeatType.HOOK,
    BeatType.HUMILIATION,
    BeatType.SCHEME,
    BeatType.CONFRONTATION,
    BeatType.FACE_SLAP,
    BeatType.CLIFFHANGER,
)


def duration_s(index: int) -> int:
    """Episode `index` (0–499) lasts 60–119 s; the SQL below uses the same formula."""
    return 60 + (index * 37) % 60


GENERATE = f"""
CREATE OR REPLACE TABLE events AS
WITH sessions AS (
    SELECT i AS sid, i // {SESSIONS} AS idx, (hash(i) >> 1)::BIGINT AS h FROM range({SERIES * EPISODES * SESSIONS}) t(i)
), viewings AS (
    SELECT sid, h, 'series-' || (idx // {EPISODES}) AS series, (idx % {EPISODES} + 1)::INTEGER AS episode,
           CASE WHEN h % 10 = 0 THEN 2 ELSE 1 END AS version, (60 + (idx * 37) % 60)::DOUBLE AS dur,
           ((h >> 8) % 100000) / 100000.0 AS u,
           ['tiktok', 'douyin', 'youtube', 'reelshort'][(h >> 24) % 4 + 1] AS platform,
           ['US', 'CN', 'BR', 'ID', 'PH'][(h >> 28) % 5 + 1] AS market,
           ['binge', 'casual', NULL][(h >> 32) % 3 + 1] AS segment,
           'v' || (idx // {EPISODES}) || '-' || ((h >> 36) % 3000) AS viewer,
           TIMESTAMPTZ '2025-03-01 00:00:00+00' + to_seconds((idx % {EPISODES}) * 3600 + (h >> 40) % 1209600)
               AS started
    FROM sessions
), ends AS (
    SELECT *, u < 0.35 AS completes, CASE WHEN u < 0.35 THEN dur ELSE dur * pow((u - 0.35) / 0.65, 2) END AS x
    FROM viewings
), events AS (
    SELECT e.*, j,
           CASE WHEN j = 0 THEN 'play' WHEN j < 8 THEN 'progress'
                WHEN j = 8 THEN CASE WHEN completes THEN 'complete' ELSE 'exit' END
                WHEN episode >= 10 AND (h >> 44) % 5 = 0 THEN 'unlock'
                WHEN (h >> 48) % 10 = 0 THEN 'like'
                WHEN completes THEN 'next_episode' ELSE 'pause' END AS type,
           CASE WHEN j <= 8 THEN x * j / 8 WHEN j = 9 THEN x / 2 END AS at_s
    FROM ends e CROSS JOIN range(10) r(j)
)
SELECT 'e' || sid || '-' || j AS event_id, type, viewer AS viewer_id, 's' || sid AS session_id, series, episode,
       version AS episode_version,
       CASE WHEN type IN ('play', 'progress', 'exit', 'complete', 'pause') THEN at_s END AS position_s,
       NULL::DOUBLE AS from_position_s, platform, market, 'en' AS language, segment,
       CASE WHEN type = 'unlock' THEN 0.99 END AS amount, started + to_seconds(at_s) AS client_ts,
       started + to_seconds(at_s + 1) AS received_ts, TRUE AS simulated
FROM events
"""


def make_timeline(episode: int, seconds: int) -> Timeline:
    """Six equal scenes of three lines each, the last line ending a second before the episode does."""
    total = seconds * FPS
    scene_frames = total // len(BEATS)
    scenes = []
    for i, beat in enumerate(BEATS):
        start = i * scene_frames
        step = scene_frames // 3
        lines = tuple(
            TimedLine(
                index=k,
                speaker="claire",
                text="You will regret this.",
                emotion=Emotion.ANGRY,
                start_frame=start + k * step,
                end_frame=start + (k + 1) * step - FPS // 2,
            )
            for k in range(3)
        )
        end = total if i == len(BEATS) - 1 else start + scene_frames
        scenes.append(
            TimedScene(
                scene_id=f"s{i + 1}",
                beat=beat,
                location="hall",
                time_of_day=TimeOfDay.DAY,
                characters=("claire",),
                start_frame=start,
                end_frame=end,
                lines=lines,
            )
        )
    return Timeline(
        series_title="Benchmark",
        episode=episode,
        episode_title="Episode",
        language="en",
        fps=FPS,
        width_px=1080,
        height_px=1920,
        duration_frames=total,
        scenes=tuple(scenes),
    )


def setup() -> tuple[duckdb.DuckDBPyConnection, dict[str, dict[tuple[int, int], Timeline]], int]:
    conn = duckdb.connect()
    conn.execute("SET enable_progress_bar = false")
    conn.execute(f"CREATE TABLE events ({EVENT_COLUMNS})")  # the store's exact column types first
    conn.execute(GENERATE.replace("CREATE OR REPLACE TABLE events AS", "INSERT INTO events"))
    timelines: dict[str, dict[tuple[int, int], Timeline]] = {}
    for idx in range(SERIES * EPISODES):
        episode = idx % EPISODES + 1
        timeline = make_timeline(episode, duration_s(idx))
        found = timelines.setdefault(f"series-{idx // EPISODES}", {})
        found[(episode, 1)] = found[(episode, 2)] = timeline
    row = conn.execute("SELECT count(*) FROM events").fetchone()
    return conn, timelines, int(row[0]) if row else 0


def write_parts(conn: duckdb.DuckDBPyConnection, folder: Path) -> list[Path]:
    """The events as PARTS Parquet parts of equal receive-time ranges, and each part folded into its partials."""
    bounds = conn.execute(
        f"SELECT quantile_disc(received_ts, [{', '.join(str(i / PARTS) for i in range(1, PARTS))}]) FROM events"
    ).fetchone()
    edges = [None, *(bounds[0] if bounds else []), None]
    found: list[Path] = []
    for i in range(PARTS):
        low, high = edges[i], edges[i + 1]
        where = " AND ".join(
            ([] if low is None else [f"received_ts >= '{low.isoformat()}'"])
            + ([] if high is None else [f"received_ts < '{high.isoformat()}'"])
        )
        part = folder / f"part-{i:02d}.parquet"
        conn.execute(f"COPY (SELECT * FROM events WHERE {where or 'TRUE'}) TO '{part}' (FORMAT parquet)")
        found.append(part)
    return found


def refresh(
    conn: duckdb.DuckDBPyConnection, timelines: dict[str, dict[tuple[int, int], Timeline]], parts: list[Path]
) -> dict[str, float]:
    """Everything the analytics stage shows, once; returns seconds per part (and hotspots found, so none is idle)."""
    durations: dict[EpisodeKey, float] = {
        (series, e, v): t.seconds(t.duration_frames)
        for series, found in timelines.items()
        for (e, v), t in found.items()
    }
    folded = [part.with_suffix(".sessions.parquet") for part in parts]
    for part, target in zip(parts[:-1], folded[:-1], strict=True):
        if not target.exists():  # folded when it arrived, before this refresh
            fold_part(conn, part, target)
    folded[-1].unlink(missing_ok=True)
    clock = time.perf_counter()
    parts_s: dict[str, float] = {}

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        parts_s[name] = now - clock
        clock = now

    fold_part(conn, parts[-1], folded[-1])  # the part that arrived since the last refresh
    create_view(conn, folded)
    sessions = build_sessions(conn, durations, table="bench_sessions", partials=PARTIALS_VIEW)
    lap("sessions_s")
    overall = episode_metrics(sessions)
    lap("metrics_s")
    for series in timelines:
        series_funnel(sessions, series)
    lap("funnels_s")
    found = 0
    for series, series_timelines in timelines.items():
        losses = series_losses([m for m in overall if m.series == series], series_timelines)
        beat_losses(losses)
        found += len(top_hotspots(losses)) + len(top_hotspots(losses, lines=True))
    lap("hotspots_s")
    parts_s["refresh_s"] = sum(parts_s.values())
    for dimension in ("platform", "market", "segment"):
        episode_metrics(sessions, by=dimension)
    lap("cuts_s")
    parts_s["with_cuts_s"] = parts_s["refresh_s"] + parts_s["cuts_s"]
    build_sessions(conn, durations, table="bench_sessions_cold")  # every event folded again
    lap("sessions_cold_s")
    parts_s["hotspots_found"] = found
    return parts_s


def floor(conn: duckdb.DuckDBPyConnection) -> None:
    # Materialised like the session table, not fetched into Python: the floor is the aggregation alone.
    conn.execute(
        "CREATE OR REPLACE TEMP TABLE bench_floor AS "
        "SELECT session_id, count(*) AS events, max(position_s) AS furthest FROM events GROUP BY session_id"
    )


def run(repeats: int = 3) -> dict[str, float]:
    """Time the refresh and the floor; returns seconds (median of `repeats`), the parts and the ratios."""
    conn, timelines, events = setup()
    folder = tempfile.TemporaryDirectory(prefix="dramaline-bench-")
    parts = write_parts(conn, Path(folder.name))
    runs: list[dict[str, float]] = []
    floor_s: list[float] = []
    for _ in range(repeats):
        runs.append(refresh(conn, timelines, parts))
        start = time.perf_counter()
        floor(conn)
        floor_s.append(time.perf_counter() - start)
    folder.cleanup()
    result = {name: statistics.median(r[name] for r in runs) for name in runs[0]}
    refresh_med, floor_med = result["refresh_s"], statistics.median(floor_s)
    return {
        **result,
        "floor_s": floor_med,
        "ratio": refresh_med / floor_med,
        "with_cuts_ratio": result["with_cuts_s"] / floor_med,
        "target_ratio": refresh_med / TARGET_S,
        "events": float(events),
        "episodes": float(SERIES * EPISODES),
        "target_s": TARGET_S,
    }


def report(result: dict[str, float]) -> str:
    verdict = "meets" if result["refresh_s"] < result["target_s"] else "MISSES"
    parts = ", ".join(
        f"{label} {result[key]:.2f} s"
        for label, key in (
            ("sessions", "sessions_s"),
            ("metrics", "metrics_s"),
            ("funnels", "funnels_s"),
            ("hotspots", "hotspots_s"),
        )
    )
    return (
        f"refresh metrics and hotspots for {result['episodes']:.0f} episodes ({result['events'] / 1e6:.1f}M events): "
        f"{result['refresh_s']:.2f} s ({parts}), {result['ratio']:.1f}x the floor (GROUP BY session_id: "
        f"{result['floor_s'] * 1000:.0f} ms); {result['target_ratio']:.2f} of the {TARGET_S:.0f} s target, "
        f"{verdict} it; folding every event again instead of merging partials: sessions "
        f"{result['sessions_cold_s']:.2f} s; "
        f"with cut tables by platform, market and segment {result['with_cuts_s']:.2f} s, "
        f"{result['with_cuts_ratio']:.1f}x the floor"
    )


if __name__ == "__main__":
    print(report(run()))
