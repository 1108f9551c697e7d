"""One simulated week of a season, for every series: viewers → analytics → revisions → decisions → production.

Every step reads and writes the same series folders the commands use, through the same code
(`audience simulate`, `report`, `revise --apply`, `portfolio --apply`, `next`, `make`), so a
season is the loop a studio runs, compressed. A week is safe to run again after a crash: the
simulated events repeat with the same ids (and are ignored the second time), a revision is made
only for the version viewers watched, and the portfolio decides a period only once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from dramaline.audience.report import SeriesReport
from dramaline.audience.simulate import simulate_into
from dramaline.audience.store import EventStore
from dramaline.audience.timelines import load_timelines
from dramaline.decide.guidance import guidance_from_report
from dramaline.decide.guidance_log import save_next_episodes
from dramaline.decide.portfolio import PortfolioAllocator, apply_allocation
from dramaline.decide.portfolio_io import load_state, read_studio, save_state
from dramaline.model import (
    MAX_EPISODES,
    Allocation,
    PortfolioAction,
    SeasonConfig,
    SeasonSeries,
    Series,
    SeriesWeek,
    WeekCounts,
)
from dramaline.revise.apply import apply_plan
from dramaline.revise.diagnose import plan_revisions
from dramaline.season.market import hidden_audience
from dramaline.series_folder import load_series, save_episode_version
from dramaline.writers.embedded.writer import EmbeddedWriter

Produce = Callable[[Path, Sequence[int]], "ProductionCost"]
"""Builds the given episodes of the series in a folder and says what it cost."""


@dataclass(frozen=True)
class ProductionCost:
    episodes: int
    scenes_rendered: int
    seconds: float
    model_calls: int = 0


def week_window(config: SeasonConfig, week: int) -> tuple[datetime, datetime]:
    """When simulated week `week` (1-based) begins and ends."""
    start = config.start + timedelta(days=7 * (week - 1))
    return start, start + timedelta(days=7)


def simulate_week(studio: Path, config: SeasonConfig, entry: SeasonSeries, index: int, week: int) -> int:
    """New viewers of one series this week, on its released episodes as they are now; returns how many."""
    folder = studio / entry.series_id
    series = load_series(folder)
    released = min(entry.released, len(series.episodes))
    timelines = {n: t for n, t in load_timelines(folder, series).items() if n <= released}
    viewers = config.viewers_per_week + round(entry.promotion * config.viewers_per_promotion)
    start, _ = week_window(config, week)
    simulate_into(
        EventStore(folder),
        series,
        timelines,
        hidden_audience(config.seed, index, week),
        viewers,
        seed=config.seed * 100_003 + index * 101 + week,
        start=start,
        days=7,
        series_id=entry.series_id,
        viewer_prefix=f"w{week}",
    )
    return viewers


def revise_released(folder: Path, report: SeriesReport, released: int) -> tuple[Series, list[int], list[str]]:
    """Apply every significant revision the data supports to released episodes.

    Returns the series as saved after them, the episodes changed, and why each was.
    """
    series = report.series
    changed: list[int] = []
    notes: list[str] = []
    for plan in plan_revisions(report):
        current = series.episode(plan.episode)
        if plan.episode > released or not plan.operations or plan.version != current.version:
            continue
        revision = apply_plan(series, plan)
        if not revision.changed:
            continue
        series = save_episode_version(folder, revision.episode, note=plan.describe())
        changed.append(plan.episode)
        ops = "; ".join(op.describe() for op in revision.applied)
        notes.append(f"ep {plan.episode} v{plan.version}→v{plan.version + 1}: {ops} ({plan.summary})")
    return series, changed, notes


def write_ahead(
    folder: Path, series: Series, report: SeriesReport, released: int, through: int, config: SeasonConfig
) -> int:
    """Rewrite the unreleased episodes of `series` (as saved in `folder`), and add any needed, so episodes up
    to `through` exist; returns writes."""
    if through <= released:
        return 0
    guidance = guidance_from_report(report, exploration=config.exploration)
    add = max(0, through - len(series.episodes))
    written = EmbeddedWriter().write_next(
        series, from_episode=released + 1, add=add, guidance=guidance, seed=config.seed + released
    )
    save_next_episodes(folder, series, written)  # replaced versions go to the history, the run to the log
    return len(written.run.episodes)


def decide(studio: Path, config: SeasonConfig, week: int) -> tuple[Allocation, dict[str, WeekCounts]]:
    """The portfolio's decision for this week (made once: a rerun reads back the recorded one) and each
    series' views and completions in the week, as the portfolio counts them."""
    state = load_state(studio).model_copy(update={"budget": config.budget})
    _, end = week_window(config, week)
    snapshots = read_studio(studio, state, as_of=end)
    counts = {
        s.series_id: next((w for w in s.weeks if w.weeks_ago == 0), WeekCounts(weeks_ago=0, views=0, completions=0))
        for s in snapshots
    }
    if state.period >= week:
        return state.history[week - 1].allocation, counts
    allocation = PortfolioAllocator(state.policy, seed=config.seed).allocate(snapshots, config.budget, period=week)
    save_state(studio, apply_allocation(state, allocation, decided_at=end))
    return allocation, counts


def run_series_week(
    studio: Path,
    config: SeasonConfig,
    entry: SeasonSeries,
    allocation: Allocation,
    report: SeriesReport,
    counts: WeekCounts | None,
    viewers: int,
    produce: Produce | None,
) -> tuple[SeasonSeries, SeriesWeek]:
    """After the decision: revise, write ahead, produce; the series' entry for next week and this week's record."""
    folder = studio / entry.series_id
    series, revised, notes = revise_released(folder, report, entry.released)
    decision = allocation.decision(entry.series_id) if entry.series_id in _ids(allocation) else None
    released, promotion, sunset = entry.released, 0.0, entry.sunset_in_week
    said = "no decision (not active)"
    if decision is not None:
        said = f"{decision.action.value}: " + "; ".join(decision.reasons)
        if decision.action is PortfolioAction.SUNSET:
            sunset = allocation.period
        else:
            released = min(MAX_EPISODES, entry.released + decision.episodes)
            promotion = decision.promotion
    if sunset is None:
        write_ahead(folder, series, report, entry.released, released, config)
    new = list(range(entry.released + 1, released + 1))
    cost = produce(folder, sorted({*revised, *new})) if produce and (revised or new) else ProductionCost(0, 0, 0.0)
    record = SeriesWeek(
        series_id=entry.series_id,
        viewers=viewers,
        views=counts.views if counts else 0,
        completions=counts.completions if counts else 0,
        released=released,
        revisions=tuple(notes),
        decision=said,
        episodes_produced=cost.episodes,
        scenes_rendered=cost.scenes_rendered,
        render_s=cost.seconds,
        model_calls=cost.model_calls,  # the embedded writer and renderer call no model
    )
    updated = entry.model_copy(update={"released": released, "promotion": promotion, "sunset_in_week": sunset})
    return updated, record


def _ids(allocation: Allocation) -> set[str]:
    return {d.series_id for d in allocation.decisions}
