"""Benchmark: the studio's pages on a catalog of 100 series × 60 episodes with 10 million events (target: < 300 ms).

The catalog: one 60-episode series written by the embedded writer, copied into 100 series
folders (each its own title), and per series 10,020 viewing sessions of 10 events each (play,
progress, exit or complete, then a like or the next episode), generated in DuckDB (the same
session shapes as benchmarks/metrics.py) and imported into each series' event store with the
importer `dramaline audience import` uses. Not timed: writing the catalog and materialising the
metrics (each series analysed once, as the studio does in the background when data changes;
reported beside the pages as `materialise_s`). Timed: each page fetched through the app
(TestClient, in process) `REPEATS` times once warm: the series list, a series page, an episode
page and the portfolio board. Reported per page: the median and the 95th percentile, and the
ratio of the slower of the two to the 300 ms target.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dramaline.audience.imports import import_events
from dramaline.audience.parts import new_connection, sql_str
from dramaline.audience.store import EventStore
from dramaline.model import WriteRequest
from dramaline.series_folder import save_series

TARGET_S = 0.3
SERIES = 100
EPISODES = 60
SESSIONS = 167  # per episode: 100 × 60 × 167 × 10 ≈ 10 million events
REPEATS = 20
PAGES = {
    "series_list": "/",
    "series_page": "/series/series-042",
    "episode_page": "/series/series-042/episodes/7",
    "portfolio": "/portfolio",
}

GENERATE = f"""
COPY (
WITH sessions AS (
    SELECT i AS sid, i // {SESSIONS} AS idx, (hash(i) >> 1)::BIGINT AS h
    FROM range({SERIES * EPISODES * SESSIONS}) t(i)
), viewings AS (
    SELECT sid, h, 'series-' || lpad((idx // {EPISODES})::VARCHAR, 3, '0') AS series,
           (idx % {EPISODES} + 1)::INTEGER AS episode, (40 + (idx * 37) % 50)::DOUBLE AS dur,
           ((h >> 8) % 100000) / 100000.0 AS u,
           ['tiktok', 'douyin', 'youtube', 'reelshort'][(h >> 24) % 4 + 1] AS platform,
           ['US', 'CN', 'BR', 'ID', 'PH'][(h >> 28) % 5 + 1] AS market,
           'v' || (idx // {EPISODES}) || '-' || ((h >> 36) % 2000) AS viewer,
           TIMESTAMPTZ '2026-10-01 00:00:00+00' + to_seconds((idx % {EPISODES}) * 3600 + (h >> 40) % 1209600)
               AS started
    FROM sessions
), ends AS (
    SELECT *, u < 0.4 AS completes, CASE WHEN u < 0.4 THEN dur ELSE dur * pow((u - 0.4) / 0.6, 2) END AS x
    FROM viewings
), events AS (
    SELECT e.*, j,
           CASE WHEN j = 0 THEN 'play' WHEN j < 8 THEN 'progress'
                WHEN j = 8 THEN CASE WHEN completes THEN 'complete' ELSE 'exit' END
                WHEN completes THEN 'next_episode' ELSE 'like' END AS type,
           CASE WHEN j <= 8 THEN x * j / 8 END AS at_s
    FROM ends e CROSS JOIN range(10) r(j)
)
SELECT 'e' || sid || '-' || j AS event_id, type, viewer AS viewer_id, 's' || sid AS session_id, series, episode,
       1 AS episode_version, at_s AS position_s, platform, market, 'en' AS language,
       started + to_seconds(coalesce(at_s, x)) AS client_ts, TRUE AS simulated
FROM events
) TO {{out}} (FORMAT parquet, PARTITION_BY (series), WRITE_PARTITION_COLUMNS true)
"""


def build_catalog(root: Path) -> int:
    """Write the 100 series and import their events; returns the number of events stored."""
    from dramaline.writers.embedded.writer import EmbeddedWriter

    template = EmbeddedWriter().write(WriteRequest(premise="A janitor is secretly an heir", episodes=EPISODES, seed=11))
    first = root / "series-000"
    save_series(template, first)
    for k in range(1, SERIES):
        shutil.copytree(first, root / f"series-{k:03d}")
    for k in range(SERIES):
        path = root / f"series-{k:03d}" / "series.yaml"
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace(f"title: {template.title}", f"title: {template.title} {k:03d}", 1), "utf-8")
    events_dir = root.parent / "events"
    con = new_connection(shared=False)
    con.execute("SET threads = 2")
    con.execute(GENERATE.format(out=sql_str(events_dir)))
    stored = 0
    for k in range(SERIES):
        sid = f"series-{k:03d}"
        (part,) = (events_dir / f"series={sid}").glob("*.parquet")
        stored += import_events(EventStore(root / sid), part).accepted
    shutil.rmtree(events_dir)
    return stored


def run(repeats: int = REPEATS) -> dict[str, float]:
    """Build the catalog, materialise its metrics, then time each page warm; seconds, medians and p95s."""
    from fastapi.testclient import TestClient

    from dramaline.studio import deciding
    from dramaline.studio.app import create_app

    work = Path(tempfile.mkdtemp(prefix="dramaline-studio-"))
    try:
        root = work / "studio"
        root.mkdir()
        start = time.perf_counter()
        events = build_catalog(root)
        catalog_s = time.perf_counter() - start
        app = create_app(root, run_jobs=False)
        studio = app.state.studio
        start = time.perf_counter()
        for sid, folder in studio.folder.series_folders().items():
            studio.summaries.refresh(sid, folder)
        deciding.compute_board(studio)
        materialise_s = time.perf_counter() - start
        result: dict[str, float] = {
            "events": float(events),
            "series": float(SERIES),
            "episodes": float(SERIES * EPISODES),
            "catalog_s": catalog_s,
            "materialise_s": materialise_s,
            "target_s": TARGET_S,
        }
        with TestClient(app) as client:
            for name, url in PAGES.items():
                first = time.perf_counter()
                response = client.get(url, headers={"accept": "text/html"})
                result[f"{name}_cold_s"] = time.perf_counter() - first
                if response.status_code != 200:
                    raise AssertionError(f"{url}: {response.status_code} {response.text[:300]}")
                times = []
                for _ in range(repeats):
                    begin = time.perf_counter()
                    client.get(url, headers={"accept": "text/html"})
                    times.append(time.perf_counter() - begin)
                times.sort()
                result[f"{name}_median_s"] = statistics.median(times)
                result[f"{name}_p95_s"] = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
                result[f"{name}_ratio"] = result[f"{name}_p95_s"] / TARGET_S
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return result


def report(result: dict[str, float]) -> str:
    pages = "; ".join(
        f"{name.replace('_', ' ')} {result[f'{name}_median_s'] * 1000:.0f} ms median, "
        f"{result[f'{name}_p95_s'] * 1000:.0f} ms p95 ({result[f'{name}_ratio']:.2f} of the target)"
        for name in PAGES
    )
    verdict = "meets" if all(result[f"{name}_p95_s"] < result["target_s"] for name in PAGES) else "MISSES"
    return (
        f"studio pages on {result['series']:.0f} series × {result['episodes'] / result['series']:.0f} episodes "
        f"with {result['events'] / 1e6:.1f}M events: {pages}; {verdict} the {result['target_s'] * 1000:.0f} ms "
        f"target; metrics materialised once in {result['materialise_s']:.0f} s (catalog written and imported in "
        f"{result['catalog_s']:.0f} s, not timed)"
    )


if __name__ == "__main__":
    print(report(run()))
