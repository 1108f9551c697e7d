"""Experiments of a series: stored as DIR/experiments/<id>.yaml, and analysed from its event store.

Each experiment file is human-readable YAML, written atomically. The analysis works per viewer,
the unit the assignment randomises: of the viewers exposed to the episode (any session of one of
its variants' versions, an impression included) since the experiment started, and until it
stopped, it counts per variant who started it, completed it, went on to the next episode from it,
unlocked it and how far they got (seconds), then runs the statistics of `bayes.py` on the primary
metric: SRM check, posteriors, chances, expected losses, and the decision with its reason.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from pydantic import ValidationError

from dramaline.audience.sessions import EPOCH, Sessions
from dramaline.decide.bayes import (
    DEFAULT_DRAWS,
    ArmComparison,
    BetaPosterior,
    MeanPosterior,
    Posterior,
    SampleRatioCheck,
    compare,
    decide,
    sample_ratio_check,
)
from dramaline.errors import InvalidInputError, SeriesFileError
from dramaline.model import (
    DecisionThresholds,
    Experiment,
    ExperimentDecision,
    PrimaryMetric,
    Variant,
    VariedElement,
)
from dramaline.series_folder import write_text_atomic

__all__ = [
    "EXPERIMENTS_DIR",
    "ExperimentResult",
    "VariantResult",
    "analyse_experiment",
    "analyse_folder",
    "experiment_path",
    "folder_sessions",
    "list_experiments",
    "load_experiment",
    "new_experiment",
    "save_experiment",
    "stop_experiment",
]

EXPERIMENTS_DIR = "experiments"
_HEADER = "# dramaline experiment. `dramaline experiment status {folder} {id}` analyses it.\n"


# ---------------------------------------------------------------------------------------- store


def experiment_path(folder: Path, experiment_id: str) -> Path:
    """The file that holds experiment `experiment_id` of the series in `folder`."""
    return folder / EXPERIMENTS_DIR / f"{experiment_id}.yaml"


def save_experiment(folder: Path, experiment: Experiment) -> Path:
    """Write `experiment` to its file, replacing it in one step; returns the path."""
    path = experiment_path(folder, experiment.id)
    body = yaml.safe_dump(
        experiment.model_dump(mode="json", exclude_none=True), sort_keys=False, allow_unicode=True, width=100
    )
    write_text_atomic(path, _HEADER.format(folder=folder, id=experiment.id) + body)
    return path


def load_experiment(folder: Path, experiment_id: str) -> Experiment:
    """Read experiment `experiment_id`; a missing or invalid file is an error naming it, the field and the fix."""
    path = experiment_path(folder, experiment_id)
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,63}", experiment_id) or not path.is_file():
        known = [p.stem for p in sorted((folder / EXPERIMENTS_DIR).glob("*.yaml"))]
        listing = f"its experiments are {', '.join(known)}" if known else "it has none yet (`dramaline experiment new`)"
        raise InvalidInputError(f"{folder}: no experiment {experiment_id!r}; {listing}")
    return _read(path)


def list_experiments(folder: Path) -> list[Experiment]:
    """Every experiment of the series in `folder`, oldest first."""
    found = [_read(path) for path in sorted((folder / EXPERIMENTS_DIR).glob("*.yaml"))]
    return sorted(found, key=lambda e: (e.started_at, e.id))


def _read(path: Path) -> Experiment:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise SeriesFileError(str(path), f"cannot be read ({exc}); restore it or delete it") from exc
    except yaml.YAMLError as exc:
        raise SeriesFileError(str(path), f"invalid YAML ({exc}); check indentation and quoting") from exc
    try:
        experiment = Experiment.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "(top level)"
        msg = str(err["msg"]).removeprefix("Value error, ")
        raise SeriesFileError(str(path), f"{field}: {msg}; fix the field (docs/experiments.md)") from exc
    if experiment.id != path.stem:
        raise SeriesFileError(str(path), f"id: is {experiment.id!r} but the file is {path.name}; make them agree")
    return experiment


def new_experiment(
    folder: Path,
    episode: int,
    variants: Sequence[tuple[str, int]],
    *,
    weights: Sequence[int] | None = None,
    metric: PrimaryMetric = PrimaryMetric.COMPLETION,
    control: str | None = None,
    experiment_id: str | None = None,
    element: VariedElement = VariedElement.SCRIPT,
    hypothesis: str | None = None,
    thresholds: DecisionThresholds | None = None,
    now: datetime | None = None,
) -> Experiment:
    """Start an experiment on `episode`: (name, version) pairs, the first the control unless `control` says.

    Every version must exist in the series' history; an episode runs one experiment at a time.
    The id defaults to `epNNN-<challengers>` (numbered on if taken). Returns the saved experiment.
    """
    from dramaline.series_folder import episode_versions

    known = episode_versions(folder, episode)
    missing = [f"{name}={version}" for name, version in variants if version not in known]
    if missing:
        raise InvalidInputError(
            f"episode {episode} has no version for {', '.join(missing)}; its versions are "
            f"{', '.join(str(v) for v in known)} (save a revision first)"
        )
    if weights is not None and len(weights) != len(variants):
        raise InvalidInputError(f"--weights gives {len(weights)} weights for {len(variants)} variants; give one each")
    busy = [e.id for e in list_experiments(folder) if e.running and e.episode == episode]
    if busy:
        raise InvalidInputError(
            f"episode {episode} is already under experiment {busy[0]}; stop it first "
            f"(`dramaline experiment stop {folder} {busy[0]}`) so each viewer sees one variant"
        )
    names = [name for name, _ in variants]
    control = control or (names[0] if names else "")
    experiment_id = experiment_id or _free_id(folder, episode, [n for n in names if n != control])
    if experiment_path(folder, experiment_id).exists():
        raise InvalidInputError(f"experiment {experiment_id!r} exists already; choose another --id")
    fields: dict[str, Any] = {
        "id": experiment_id,
        "episode": episode,
        "variants": [
            {"name": name, "version": version, "weight": weights[i] if weights else 1}
            for i, (name, version) in enumerate(variants)
        ],
        "control": control,
        "metric": metric,
        "element": element,
        "hypothesis": hypothesis,
        "thresholds": thresholds or DecisionThresholds(),
        "started_at": now or datetime.now(UTC),
    }
    try:
        experiment = Experiment.model_validate(fields)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "experiment"
        raise InvalidInputError(f"{field}: {str(err['msg']).removeprefix('Value error, ')}") from exc
    save_experiment(folder, experiment)
    return experiment


def _free_id(folder: Path, episode: int, challengers: list[str]) -> str:
    stem = f"ep{episode:03d}-{'-'.join(challengers) or 'test'}"[:58].rstrip("-_")
    candidate, n = stem, 1
    while experiment_path(folder, candidate).exists():
        n += 1
        candidate = f"{stem}-{n}"
    return candidate


def stop_experiment(
    folder: Path,
    experiment_id: str,
    *,
    ship: str | None = None,
    recommendation: ExperimentDecision | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Experiment:
    """Stop an experiment, recording which variant's version is served from now on (None: the control's)."""
    experiment = load_experiment(folder, experiment_id)
    try:
        stopped = experiment.stopped(now or datetime.now(UTC), ship=ship, recommendation=recommendation, note=note)
    except ValueError as exc:
        raise InvalidInputError(str(exc).removeprefix("Value error, ")) from exc
    save_experiment(folder, stopped)
    return stopped


# ------------------------------------------------------------------------------------- analysis


@dataclass(frozen=True)
class VariantResult:
    """One variant's viewers, outcomes and the posterior of the primary metric."""

    variant: Variant
    viewers: int  # exposed: any session of this version in the window
    starters: int
    completions: int
    continuations: int
    unlocks: int
    watch_s: float  # mean seconds reached per exposed viewer
    duration_s: float
    posterior_mean: float
    posterior_low: float
    posterior_high: float
    comparison: ArmComparison

    def observed(self, metric: PrimaryMetric) -> float:
        """The primary metric as measured (a share of viewers, or seconds); NaN without viewers."""
        if self.viewers == 0:
            return float("nan")
        return self.watch_s if metric is PrimaryMetric.WATCH_TIME else getattr(self, _SUCCESSES[metric]) / self.viewers


_SUCCESSES = {
    PrimaryMetric.COMPLETION: "completions",
    PrimaryMetric.CONTINUATION: "continuations",
    PrimaryMetric.UNLOCK: "unlocks",
}
"""The count each rate metric is a share of."""


@dataclass(frozen=True)
class ExperimentResult:
    """An experiment analysed: per variant, the sample ratio check, the decision, and notes for the reader."""

    experiment: Experiment
    variants: tuple[VariantResult, ...]
    srm: SampleRatioCheck
    decision: ExperimentDecision
    mixed_viewers: int  # saw more than one variant (left out of everything)
    notes: tuple[str, ...]
    analysed_at: datetime


def analyse_experiment(
    experiment: Experiment, sessions: Sessions, *, series: str, draws: int = DEFAULT_DRAWS
) -> ExperimentResult:
    """Analyse `experiment` over `sessions` (built from the series' events, durations of every version given)."""
    per_version = _viewer_outcomes(experiment, sessions, series)
    notes: list[str] = []
    mixed = per_version.pop(-1, {"viewers": np.zeros(0)})["viewers"].size
    if mixed:
        notes.append(f"{mixed:,} viewers saw more than one variant and are left out (a client ignores the split?)")
    key = (series, experiment.episode)
    known = [d for (s, e, _), d in sessions.durations.items() if (s, e) == key]
    fallback = max(known, default=1.0)
    rows: list[dict[str, Any]] = []
    posteriors: list[Posterior] = []
    for variant in experiment.variants:
        data = per_version.get(variant.version)
        duration = sessions.durations.get((series, experiment.episode, variant.version), fallback)
        row = _counts(data, duration)
        rows.append(row)
        posteriors.append(_posterior(experiment.metric, row, data, duration))
    control = experiment.names.index(experiment.control)
    level = experiment.thresholds.credible_level
    comparison = compare(posteriors, control, draws=draws, level=level, caring=experiment.caring)
    viewers = [int(r["viewers"]) for r in rows]
    srm = sample_ratio_check(viewers, [v.weight for v in experiment.variants], alpha=experiment.thresholds.srm_alpha)
    decision = decide(experiment.names, viewers, comparison, srm, experiment.thresholds, experiment.metric)
    results = tuple(
        VariantResult(variant, **row, posterior_mean=post.mean, posterior_low=low, posterior_high=high, comparison=arm)
        for variant, row, post, arm in zip(experiment.variants, rows, posteriors, comparison.arms, strict=True)
        for low, high in [post.interval(level)]
    )
    notes += _notes(experiment, results)
    return ExperimentResult(
        experiment=experiment,
        variants=results,
        srm=srm,
        decision=decision,
        mixed_viewers=mixed,
        notes=tuple(notes),
        analysed_at=datetime.now(UTC),
    )


def _notes(experiment: Experiment, results: tuple[VariantResult, ...]) -> list[str]:
    """What a reader should know beside the numbers."""
    notes: list[str] = []
    if experiment.metric is PrimaryMetric.UNLOCK and not any(r.unlocks for r in results):
        notes.append("nobody unlocked this episode in any variant: is it behind the paywall?")
    lengths = sorted({round(r.duration_s, 1) for r in results})
    if experiment.metric is PrimaryMetric.WATCH_TIME and len(lengths) > 1:
        notes.append(
            f"the versions differ in length ({' vs '.join(f'{x:g} s' for x in lengths)}): watch time favours the "
            "longer one; compare completion too"
        )
    empty = [r.variant.name for r in results if not r.viewers]
    if empty:
        notes.append(f"no viewers yet for {', '.join(empty)}: is its version being served?")
    return notes


def _viewer_outcomes(
    experiment: Experiment, sessions: Sessions, series: str
) -> dict[int, dict[str, np.ndarray[Any, Any]]]:
    """Per version, one entry per viewer exposed in the window (key -1: viewers who saw several versions)."""
    versions = [v.version for v in experiment.variants]
    since = _epoch_us(experiment.started_at)
    until = _epoch_us(experiment.stopped_at) if experiment.stopped_at is not None else 2**62
    data = sessions.conn.execute(
        f"""
        SELECT CASE WHEN count(DISTINCT episode_version) > 1 THEN -1 ELSE min(episode_version) END AS version,
               bool_or(started) AS started, bool_or(completed) AS completed, bool_or(next_episode) AS continued,
               bool_or(unlocked) AS unlocked, coalesce(max(time_s) FILTER (WHERE started), 0.0) AS watch_s
        FROM {sessions.table}
        WHERE series = ? AND episode = ? AND list_contains(?, episode_version) AND start_us >= ? AND start_us < ?
        GROUP BY viewer_key
        """,
        [series, experiment.episode, versions, since, until],
    ).fetchnumpy()
    version = np.asarray(data["version"], dtype=np.int64)
    out: dict[int, dict[str, np.ndarray[Any, Any]]] = {}
    for value in np.unique(version).tolist():
        pick = version == value
        out[int(value)] = {
            "viewers": np.flatnonzero(pick),
            **{c: np.asarray(data[c])[pick] for c in ("started", "completed", "continued", "unlocked", "watch_s")},
        }
    return out


def _epoch_us(at: datetime) -> int:
    return (at - EPOCH) // timedelta(microseconds=1)


def _counts(data: dict[str, np.ndarray[Any, Any]] | None, duration: float) -> dict[str, Any]:
    columns = ("started", "completed", "continued", "unlocked")
    flags = [0] * 4 if data is None else [int(np.sum(data[c])) for c in columns]
    watch = _watch(data, duration)
    return dict(
        viewers=0 if data is None else int(data["viewers"].size),
        **dict(zip(("starters", "completions", "continuations", "unlocks"), flags, strict=True)),
        watch_s=float(watch.mean()) if watch.size else 0.0,
        duration_s=duration,
    )


def _watch(data: dict[str, np.ndarray[Any, Any]] | None, duration: float) -> np.ndarray[Any, Any]:
    return np.zeros(0) if data is None else np.minimum(np.asarray(data["watch_s"], dtype=np.float64), duration)


def _posterior(
    metric: PrimaryMetric, row: dict[str, Any], data: dict[str, np.ndarray[Any, Any]] | None, duration: float
) -> Posterior:
    if metric is PrimaryMetric.WATCH_TIME:
        return MeanPosterior.from_values(_watch(data, duration), low=0.0, high=max(duration, 1e-9))
    return BetaPosterior.from_counts(int(row[_SUCCESSES[metric]]), int(row["viewers"]))


def folder_sessions(folder: Path) -> tuple[str, Sessions]:
    """The series id and the viewing sessions of the series in `folder`, every episode version's length known."""
    from dramaline.audience.partials import series_sessions
    from dramaline.audience.store import EventStore, series_id
    from dramaline.audience.timelines import load_timeline_versions
    from dramaline.series_folder import load_series

    series = load_series(folder)
    sid = series_id(folder)
    timelines = {key: t.timeline for key, t in load_timeline_versions(folder, series).items()}
    conn = EventStore(folder).connect(partials=True)
    return sid, series_sessions(conn, sid, timelines)


def analyse_folder(
    folder: Path, experiment_id: str | None = None, *, sessions: Sessions | None = None
) -> list[ExperimentResult]:
    """Analyse one experiment of the series in `folder`, or all of them (oldest first); sessions built if not given."""
    experiments = [load_experiment(folder, experiment_id)] if experiment_id else list_experiments(folder)
    if not experiments:
        return []
    if sessions is None:
        sid, sessions = folder_sessions(folder)
    else:
        from dramaline.audience.store import series_id

        sid = series_id(folder)
    return [analyse_experiment(e, sessions, series=sid) for e in experiments]
