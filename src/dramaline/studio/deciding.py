"""Experiments and the portfolio in the studio: set up, live status and decisions; the allocator's board.

Experiment analyses read the series' sessions, so they are kept while the series' state key
holds. The portfolio board runs the allocator over every series' snapshot, which reads every
store: it is computed in the background and kept until a series or the portfolio state
changes, and the board shows the last one with the time it was made.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from dramaline.errors import InvalidInputError
from dramaline.model import (
    Allocation,
    DecisionThresholds,
    PrimaryMetric,
    SeriesState,
    SeriesStatus,
    VariedElement,
)
from dramaline.studio.catalog import open_series, portfolio_state
from dramaline.studio.context import Studio
from dramaline.studio.summaries import state_key

if TYPE_CHECKING:
    from dramaline.decide.experiments import ExperimentResult

__all__ = [
    "Board",
    "ExperimentSetup",
    "ExperimentView",
    "board",
    "experiments",
    "greenlight",
    "record_period",
    "start_experiment",
    "stop",
    "sunset",
]

log = logging.getLogger(__name__)
_lock = threading.Lock()
_analyses: dict[str, tuple[str, list[ExperimentResult]]] = {}


class VariantSpec(BaseModel):
    name: str = Field(min_length=1, max_length=40)
    version: int = Field(ge=1)


class ExperimentSetup(BaseModel):
    """A new experiment as the form or a script sends it; the first variant is the control."""

    episode: int = Field(ge=1)
    variants: list[VariantSpec] = Field(min_length=2, max_length=16)
    metric: PrimaryMetric = PrimaryMetric.COMPLETION
    element: VariedElement = VariedElement.SCRIPT
    weights: list[int] | None = None
    min_viewers: int = Field(default=1000, ge=1)
    hypothesis: str | None = Field(default=None, max_length=200)
    experiment_id: str | None = Field(default=None, max_length=64)


@dataclass(frozen=True)
class ExperimentView:
    id: str
    running: bool
    description: str
    headers: tuple[str, ...]
    rows: list[tuple[str, ...]]
    assignment: str
    decision: str
    reason: str
    recommended: str | None
    notes: tuple[str, ...]
    variants: tuple[str, ...]


def _view(result: ExperimentResult) -> ExperimentView:
    from dramaline.decide.experiment_report import HEADERS, describe, variant_table  # scipy, loaded on use

    e = result.experiment
    return ExperimentView(
        id=e.id,
        running=e.running,
        description=describe(e),
        headers=HEADERS,
        rows=variant_table(result),
        assignment=result.srm.describe(),
        decision=result.decision.headline(),
        reason=result.decision.reason,
        recommended=result.decision.variant,
        notes=result.notes,
        variants=e.names,
    )


def _results(studio: Studio, sid: str) -> list[ExperimentResult]:
    from dramaline.decide.experiments import analyse_folder

    folder, _ = open_series(studio, sid)
    experiments_dir = folder / "experiments"
    key = state_key(folder) + "|" + "|".join(
        f"{p.name}:{p.stat().st_mtime_ns}" for p in sorted(experiments_dir.glob("*.yaml"))
    ) if experiments_dir.is_dir() else state_key(folder)  # fmt: skip
    with _lock:
        found = _analyses.get(sid)
    if found is not None and found[0] == key:
        return found[1]
    results = analyse_folder(folder)
    with _lock:
        _analyses[sid] = (key, results)
    return results


def experiments(studio: Studio, sid: str) -> list[ExperimentView]:
    """Every experiment of the series with its live analysis, oldest first."""
    return [_view(r) for r in _results(studio, sid)]


def start_experiment(studio: Studio, sid: str, setup: ExperimentSetup) -> str:
    """Start an experiment on the episode's versions; returns its id."""
    from dramaline.decide.experiments import new_experiment

    folder, series = open_series(studio, sid)
    if setup.episode > len(series.episodes):
        raise InvalidInputError(f"episode {setup.episode}: the series has episodes 1-{len(series.episodes)}")
    experiment = new_experiment(
        folder,
        setup.episode,
        [(v.name.strip(), v.version) for v in setup.variants],
        weights=setup.weights,
        metric=setup.metric,
        experiment_id=setup.experiment_id or None,
        element=setup.element,
        hypothesis=setup.hypothesis or None,
        thresholds=DecisionThresholds(min_viewers=setup.min_viewers),
    )
    return experiment.id


def stop(studio: Studio, sid: str, experiment_id: str, ship: str | None, note: str) -> str:
    """Stop a running experiment and record the variant served from now on; returns that variant."""
    from dramaline.decide.experiments import analyse_folder, load_experiment, stop_experiment

    folder, _ = open_series(studio, sid)
    experiment = load_experiment(folder, experiment_id)
    if ship is not None and ship not in experiment.names:
        raise InvalidInputError(f"ship {ship!r}: experiment {experiment_id} has variants {', '.join(experiment.names)}")
    if not experiment.running:
        raise InvalidInputError(f"experiment {experiment_id} was already stopped at {experiment.stopped_at}")
    (result,) = analyse_folder(folder, experiment_id)
    stopped = stop_experiment(folder, experiment_id, ship=ship, recommendation=result.decision, note=note)
    assert stopped.outcome is not None
    return stopped.outcome.shipped


# ------------------------------------------------------------------------------------- portfolio


@dataclass(frozen=True)
class Board:
    allocation: Allocation | None
    made_at: datetime | None
    fresh: bool
    error: str | None
    statuses: dict[str, SeriesState]


class _BoardCache:
    def __init__(self) -> None:
        self.key = ""
        self.allocation: Allocation | None = None
        self.made_at: datetime | None = None
        self.error: str | None = None
        self.running = False
        self.lock = threading.Lock()


def _board_key(studio: Studio) -> str:
    state_file = studio.folder.root / "portfolio.yaml"
    stamp = f"{state_file.stat().st_mtime_ns}" if state_file.is_file() else "-"
    return stamp + "#" + "#".join(f"{sid}={state_key(f)}" for sid, f in studio.folder.series_folders().items())


def _cache(studio: Studio) -> _BoardCache:
    found = studio.portfolio_cache.get("board")
    if not isinstance(found, _BoardCache):
        found = _BoardCache()
        studio.portfolio_cache["board"] = found
    return found


def compute_board(studio: Studio) -> None:
    """Run the allocator for the next period over every series now, and keep the result."""
    from dramaline.decide.portfolio import PortfolioAllocator
    from dramaline.decide.portfolio_io import read_studio

    cache = _cache(studio)
    key = _board_key(studio)
    try:
        state = portfolio_state(studio)
        now = datetime.now(UTC)
        snapshots = read_studio(studio.folder.root, state, as_of=now)
        allocation = PortfolioAllocator(state.policy, seed=state.period + 1).allocate(
            snapshots, state.budget, period=state.period + 1
        )
        error = None
    except InvalidInputError as exc:
        allocation, now, error = None, datetime.now(UTC), str(exc)
    with cache.lock:
        cache.key, cache.allocation, cache.made_at, cache.error, cache.running = key, allocation, now, error, False


def board(studio: Studio, *, wait: bool = False) -> Board:
    """The last allocation made; a stale or missing one is recomputed behind (or now, with `wait`)."""
    cache = _cache(studio)
    key = _board_key(studio)
    if cache.key != key and wait:
        compute_board(studio)
    elif cache.key != key:
        with cache.lock:
            start = not cache.running
            cache.running = True
        if start:
            # Not a daemon, like the metrics refresher: its DuckDB reads must not be cut off at exit.
            threading.Thread(target=_compute_quietly, args=(studio,), name="studio-portfolio").start()
    try:
        statuses = dict(portfolio_state(studio).series)
    except InvalidInputError:
        statuses = {}
    with cache.lock:
        return Board(cache.allocation, cache.made_at, cache.key == key, cache.error, statuses)


def _compute_quietly(studio: Studio) -> None:
    try:
        compute_board(studio)
    except Exception:
        log.exception("computing the portfolio board failed")
        with _cache(studio).lock:
            _cache(studio).running = False


def record_period(studio: Studio) -> int:
    """Record the board's allocation as this period's decisions (greenlights and sunsets); returns the period."""
    from dramaline.decide.portfolio import apply_allocation
    from dramaline.decide.portfolio_io import save_state

    current = board(studio, wait=True)
    if current.allocation is None:
        raise InvalidInputError(current.error or "no allocation to record yet; wait for the board to be computed")
    state = portfolio_state(studio)
    save_state(studio.folder.root, apply_allocation(state, current.allocation, datetime.now(UTC)))
    return current.allocation.period


def greenlight(studio: Studio, sid: str, episodes: int) -> int:
    """Greenlight `episodes` more episodes of a series by hand; returns the last episode now greenlit."""
    from dramaline.decide.portfolio_io import save_state

    _, series = open_series(studio, sid)
    if not 1 <= episodes <= 100:
        raise InvalidInputError("greenlight between 1 and 100 episodes at a time")
    state = portfolio_state(studio)
    old = state.series.get(sid, SeriesState())
    if old.status is SeriesStatus.SUNSET:
        raise InvalidInputError(f"series {sid!r} was sunset; it cannot be greenlit again")
    through = max(old.greenlit_through, len(series.episodes)) + episodes
    record = old.model_copy(update={"greenlit_through": through})
    save_state(studio.folder.root, state.model_copy(update={"series": {**state.series, sid: record}}))
    return through


def sunset(studio: Studio, sid: str, reason: str) -> None:
    """Sunset a series by hand, with the reason on record."""
    from dramaline.decide.portfolio_io import save_state

    open_series(studio, sid)
    if not reason.strip():
        raise InvalidInputError("give the reason for the sunset; it is kept on record")
    state = portfolio_state(studio)
    old = state.series.get(sid, SeriesState())
    if old.status is SeriesStatus.SUNSET:
        raise InvalidInputError(f"series {sid!r} is sunset already")
    record = old.model_copy(
        update={"status": SeriesStatus.SUNSET, "sunset_in": state.period or 1, "sunset_reason": reason.strip()[:300]}
    )
    save_state(studio.folder.root, state.model_copy(update={"series": {**state.series, sid: record}}))
