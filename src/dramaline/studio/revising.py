"""Revision plans in the studio: the plan the data suggests for an episode, applied or rejected per operation.

Each operation gets a stable id (a digest of its content), so a decision made on the page
applies to exactly the operation that was shown. Applied operations become the episode's next
version through the embedded rules (`dramaline.revise.apply`); rejected ones are remembered for
that version, so the plan page marks them instead of proposing them as new.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from dramaline.errors import InvalidInputError
from dramaline.model import RevisionOperation, RevisionPlan
from dramaline.studio.catalog import open_series
from dramaline.studio.context import Studio
from dramaline.studio.db import transaction
from dramaline.studio.paths import NotFoundError
from dramaline.studio.summaries import state_key

__all__ = ["PlanView", "decide", "operation_id", "plan_view"]

_lock = threading.Lock()
_plans: dict[tuple[str, int], tuple[str, RevisionPlan, float]] = {}


def operation_id(op: RevisionOperation) -> str:
    """A short stable id of the operation's content."""
    return hashlib.sha256(op.model_dump_json().encode()).hexdigest()[:12]


@dataclass(frozen=True)
class PlanView:
    plan: RevisionPlan
    operations: list[tuple[str, RevisionOperation, bool]]  # (id, operation, rejected before)
    simulated_share: float


def _plan(studio: Studio, sid: str, number: int) -> tuple[RevisionPlan, float]:
    from dramaline.audience.report import analyse
    from dramaline.revise.diagnose import plan_revision

    folder, series = open_series(studio, sid)
    if not 1 <= number <= len(series.episodes):
        raise NotFoundError(f"series {sid!r} has no episode {number}")
    key = state_key(folder)
    with _lock:
        found = _plans.get((sid, number))
    if found is not None and found[0] == key:
        return found[1], found[2]
    report = analyse(folder)
    plan = plan_revision(report, number)
    with _lock:
        _plans[(sid, number)] = (key, plan, report.simulated_share)
    return plan, report.simulated_share


def plan_view(studio: Studio, sid: str, number: int) -> PlanView:
    """The plan for the episode's current version, each operation with its id and whether it was rejected."""
    plan, simulated = _plan(studio, sid, number)
    rejected = {
        row["operation"]
        for row in studio.db.connect().execute(
            "SELECT operation FROM rejected_operations WHERE series = ? AND episode = ? AND version = ?",
            [sid, number, plan.version],
        )
    }
    ops = [(operation_id(op), op, operation_id(op) in rejected) for op in plan.operations]
    return PlanView(plan, ops, simulated)


@dataclass(frozen=True)
class Decision:
    version: int | None  # the new version saved, None when nothing was applied
    applied: list[str]
    refused: list[str]
    rejected: list[str]


def decide(studio: Studio, sid: str, number: int, apply: list[str], reject: list[str], actor: str) -> Decision:
    """Apply the chosen operations into the next version and record the rejected ones."""
    from dramaline.revise.apply import apply_plan
    from dramaline.series_folder import load_series, save_episode_version

    if set(apply) & set(reject):
        raise InvalidInputError("an operation cannot be both applied and rejected; choose one for each")
    view = plan_view(studio, sid, number)
    known = {op_id: op for op_id, op, _ in view.operations}
    unknown = [x for x in [*apply, *reject] if x not in known]
    if unknown:
        raise InvalidInputError(
            f"operation {unknown[0]} is not in the current plan (the data or the script changed); reload the plan"
        )
    now = datetime.now(UTC).isoformat(timespec="seconds")
    conn = studio.db.connect()
    with transaction(conn):
        for op_id in reject:
            conn.execute(
                "INSERT OR REPLACE INTO rejected_operations VALUES (?, ?, ?, ?, ?, ?)",
                [sid, number, view.plan.version, op_id, actor, now],
            )
    if not apply:
        return Decision(None, [], [], [known[x].describe() for x in reject])
    folder = studio.folder.series_folder(sid)
    chosen = view.plan.model_copy(update={"operations": tuple(known[x] for x in apply)})
    revision = apply_plan(load_series(folder), chosen)
    refused = [r.describe() for r in revision.refused]
    if not revision.changed:
        return Decision(None, [], refused, [known[x].describe() for x in reject])
    applied_plan = chosen.model_copy(update={"operations": revision.applied})
    note = f"revision applied in the studio by {actor}\n{applied_plan.describe()}"
    if refused:
        note += "\nRefused:\n" + "\n".join(f"- {r}" for r in refused)
    saved = save_episode_version(folder, revision.episode, note=note)
    return Decision(
        saved.episode(number).version,
        [op.describe() for op in revision.applied],
        refused,
        [known[x].describe() for x in reject],
    )
