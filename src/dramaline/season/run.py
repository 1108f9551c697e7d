"""A whole season: launch K series, then run each simulated week through the loop; resumable from STUDIO/season.yaml."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from dramaline.audience.report import analyse
from dramaline.errors import InvalidInputError
from dramaline.model import SeasonConfig, SeasonState, SeriesWeek, WeekRecord
from dramaline.season.launch import launch
from dramaline.season.report import week_markdown
from dramaline.season.week import Produce, decide, run_series_week, simulate_week
from dramaline.series_folder import write_text_atomic

STATE_FILE = "season.yaml"
REPORTS_DIR = "season"


def load_season(studio: Path) -> SeasonState | None:
    """The season recorded in `studio`, or None when none has been started there."""
    path = studio / STATE_FILE
    if not path.is_file():
        return None
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
        return SeasonState.model_validate(data)
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise InvalidInputError(f"{path}: not a readable season state ({exc}); move it away to start over") from exc


def save_season(studio: Path, state: SeasonState) -> None:
    body = yaml.safe_dump(state.model_dump(mode="json"), sort_keys=False, allow_unicode=True, width=100)
    write_text_atomic(studio / STATE_FILE, "# dramaline season state: written after every finished week\n" + body)


def start_season(studio: Path, config: SeasonConfig) -> SeasonState:
    """Launch the season in `studio`, or return the one already there when it was asked for the same way."""
    found = load_season(studio)
    if found is not None:
        same = found.config.model_dump(exclude={"weeks"}) == config.model_dump(exclude={"weeks"})
        if not same:
            raise InvalidInputError(
                f"{studio} already holds a season with other settings ({studio / STATE_FILE}); "
                "use another folder, or run it with the same --series, --seed and budget to resume"
            )
        return found.model_copy(update={"config": found.config.model_copy(update={"weeks": config.weeks})})
    studio.mkdir(parents=True, exist_ok=True)
    state = SeasonState(config=config, series=launch(studio, config))
    save_season(studio, state)
    return state


def run_week(studio: Path, state: SeasonState, produce: Produce | None) -> SeasonState:
    """Run the next week of the season; returns the state with the week recorded (and saved)."""
    config = state.config
    week = len(state.weeks) + 1
    started = time.perf_counter()
    indexed = list(enumerate(state.series))
    active = [(i, e) for i, e in indexed if e.sunset_in_week is None]
    viewers = {e.series_id: simulate_week(studio, config, e, i, week) for i, e in active}
    reports = {e.series_id: analyse(studio / e.series_id) for _, e in active}
    allocation, counts = decide(studio, config, week)
    entries = []
    records: list[SeriesWeek] = []
    for _, entry in indexed:
        if entry.sunset_in_week is not None:
            entries.append(entry)
            continue
        sid = entry.series_id
        updated, done = run_series_week(
            studio, config, entry, allocation, reports[sid], counts.get(sid), viewers[sid], produce
        )
        entries.append(updated)
        records.append(done)
    report_rel = f"{REPORTS_DIR}/week-{week:02d}.md"
    record = WeekRecord(
        week=week,
        series=tuple(records),
        diversity=allocation.diversity.describe(),
        seconds=time.perf_counter() - started,
        report=report_rel,
    )
    new_state = state.model_copy(update={"series": tuple(entries), "weeks": (*state.weeks, record)})
    write_text_atomic(studio / report_rel, week_markdown(new_state, record))
    save_season(studio, new_state)
    return new_state


def run_season(
    studio: Path,
    config: SeasonConfig,
    produce: Produce | None,
    *,
    on_week: Callable[[WeekRecord], None] | None = None,
    launch_produce: bool = True,
) -> SeasonState:
    """Launch (or resume) the season and run every week still to run."""
    state = start_season(studio, config)
    if not state.weeks and produce and launch_produce:  # cached: a resumed launch rebuilds nothing
        for entry in state.series:
            produce(studio / entry.series_id, list(range(1, entry.released + 1)))
    while len(state.weeks) < state.config.weeks:
        state = run_week(studio, state, produce)
        if on_week:
            on_week(state.weeks[-1])
    return state


def series_weeks(state: SeasonState, series_id: str) -> list[SeriesWeek]:
    """One series' record in every week run so far."""
    return [s for w in state.weeks for s in w.series if s.series_id == series_id]
