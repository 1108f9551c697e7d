"""Benchmark: one simulated season week for 20 series (target: under 10 minutes on 2 cores).

The launch (writing the series and, with a render preset, building their first episodes) is
set-up and not timed; the timed week is everything `dramaline season` does in a week: the
audience arriving, analytics, revisions applied as new versions, the portfolio's decisions,
next episodes written, production of the new and revised episodes, and the report.

By default the week renders at the draft preset, as the target asks (the set-up then builds 40
episodes first, about as long again as the week); `--preset none` times the loop without rendering.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dramaline.model import PRESETS, PeriodBudget, SeasonConfig
from dramaline.season.run import run_week, start_season
from dramaline.season.week import Produce, ProductionCost

TARGET_S = 600.0
SERIES = 20


def _producer(preset: str) -> Produce | None:
    if preset == "none":
        return None
    from dramaline.cli.produce import default_production
    from dramaline.produce.build import make

    def produce(folder: Path, episodes: Sequence[int]) -> ProductionCost:
        summary = make(folder, default_production(folder, PRESETS[preset], "local"), episodes=list(episodes))
        return ProductionCost(len(summary.episodes), summary.built["scene"], summary.seconds)

    return produce


def run(series: int = SERIES, preset: str = "draft") -> dict[str, float]:
    """Launch `series` series (untimed), then time week 1; returns seconds and the ratio to the target."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    config = SeasonConfig(
        series=series,
        weeks=1,
        seed=1,
        start=today - timedelta(days=8),
        budget=PeriodBudget(episodes=2 * series, promotion=float(series)),
        preset=preset,
    )
    produce = _producer(preset)
    with tempfile.TemporaryDirectory(prefix="dramaline-season-") as tmp:
        studio = Path(tmp) / "studio"
        state = start_season(studio, config)
        if produce:
            for entry in state.series:
                produce(studio / entry.series_id, list(range(1, entry.released + 1)))
        started = time.perf_counter()
        state = run_week(studio, state, produce)
        seconds = time.perf_counter() - started
    week = state.weeks[0]
    return {
        "series": float(series),
        "seconds": seconds,
        "render_s": sum(s.render_s for s in week.series),
        "revisions": float(sum(len(s.revisions) for s in week.series)),
        "views": float(sum(s.views for s in week.series)),
        "target_ratio": seconds / TARGET_S,
    }


def report(result: dict[str, float]) -> str:
    verdict = "meets" if result["seconds"] <= TARGET_S else "misses"
    return (
        f"season week: {result['series']:.0f} series in {result['seconds']:.0f} s "
        f"({result['target_ratio']:.2f}× the {TARGET_S:.0f} s target, {verdict} it); "
        f"production {result['render_s']:.0f} s, {result['revisions']:.0f} revisions, {result['views']:,.0f} views"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=SERIES)
    parser.add_argument("--preset", choices=("none", "draft", "final"), default="draft")
    args = parser.parse_args()
    print(report(run(args.series, args.preset)))
