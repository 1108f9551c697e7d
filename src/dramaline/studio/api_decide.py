"""REST API: revision plans (apply or reject each operation), experiments, and the portfolio board."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from dramaline.errors import InvalidInputError
from dramaline.studio import deciding, revising
from dramaline.studio.api_auth import studio_of
from dramaline.studio.auth import Principal, require
from dramaline.studio.users import Role

__all__ = ["board_json", "router"]

router = APIRouter(prefix="/api", tags=["decisions"])
Viewer = Annotated[Principal, Depends(require(Role.VIEWER))]
Writer = Annotated[Principal, Depends(require(Role.WRITER))]
Producer = Annotated[Principal, Depends(require(Role.PRODUCER))]


class PlanDecision(BaseModel):
    apply: list[str] = Field(default=[], description="ids of the operations to apply into the next version")
    reject: list[str] = Field(default=[], description="ids of the operations to reject")


class StopExperiment(BaseModel):
    ship: str | None = Field(default=None, description="the variant served from now on (default: the control)")
    note: str = Field(default="", max_length=500)


class Greenlight(BaseModel):
    episodes: int = Field(ge=1, le=100)
    confirm: bool = Field(default=False, description="must be true: greenlighting commits production budget")


class Sunset(BaseModel):
    reason: str = Field(min_length=1, max_length=300)
    confirm: bool = Field(default=False, description="must be true: a sunset series gets no more episodes")


class Confirm(BaseModel):
    confirm: bool = False


def _confirmed(flag: bool, what: str) -> None:
    if not flag:
        raise InvalidInputError(f'{what} needs confirmation: send "confirm": true')


@router.get("/series/{sid}/episodes/{number}/plan", tags=["revisions"], summary="The revision plan the data suggests")
def get_plan(sid: str, number: int, request: Request, _: Viewer) -> dict[str, Any]:
    view = revising.plan_view(studio_of(request), sid, number)
    return {
        "episode": view.plan.episode,
        "version": view.plan.version,
        "summary": view.plan.summary,
        "simulated_share": view.simulated_share,
        "operations": [
            {
                "id": op_id,
                "kind": op.kind,
                "description": op.describe(),
                "evidence": op.evidence.summary,
                "rejected": rejected,
            }
            for op_id, op, rejected in view.operations
        ],
    }


@router.post("/series/{sid}/episodes/{number}/plan/decisions", tags=["revisions"],
             summary="Apply some operations into the next version and reject others")  # fmt: skip
def decide_plan(sid: str, number: int, body: PlanDecision, request: Request, who: Writer) -> dict[str, Any]:
    studio = studio_of(request)
    if not body.apply and not body.reject:
        raise InvalidInputError("choose at least one operation to apply or reject")
    decision = revising.decide(studio, sid, number, body.apply, body.reject, who.name)
    detail = f"applied {len(decision.applied)}, rejected {len(decision.rejected)}"
    if decision.version is not None:
        detail += f"; saved v{decision.version}"
    studio.audit.record(who.name, "revision-decide", f"{sid}/ep{number}", detail)
    return dataclasses.asdict(decision)


@router.get("/series/{sid}/experiments", tags=["experiments"], summary="Every experiment with its live analysis")
def list_experiments(sid: str, request: Request, _: Viewer) -> list[dict[str, Any]]:
    return [dataclasses.asdict(v) for v in deciding.experiments(studio_of(request), sid)]


@router.post("/series/{sid}/experiments", status_code=201, tags=["experiments"],
             summary="Start an experiment (producers)")  # fmt: skip
def start_experiment(sid: str, body: deciding.ExperimentSetup, request: Request, who: Producer) -> dict[str, Any]:
    studio = studio_of(request)
    experiment_id = deciding.start_experiment(studio, sid, body)
    variants = ", ".join(f"{v.name}=v{v.version}" for v in body.variants)
    studio.audit.record(who.name, "experiment-start", f"{sid}/{experiment_id}", f"episode {body.episode}: {variants}")
    return {"id": experiment_id}


@router.post("/series/{sid}/experiments/{experiment_id}/stop", tags=["experiments"],
             summary="Stop an experiment and record the variant to serve (producers)")  # fmt: skip
def stop_experiment(
    sid: str, experiment_id: str, body: StopExperiment, request: Request, who: Producer
) -> dict[str, Any]:
    studio = studio_of(request)
    shipped = deciding.stop(studio, sid, experiment_id, body.ship, body.note)
    studio.audit.record(who.name, "experiment-stop", f"{sid}/{experiment_id}", f"serving {shipped}")
    return {"id": experiment_id, "shipped": shipped}


def board_json(board: deciding.Board) -> dict[str, Any]:
    allocation = board.allocation
    return {
        "fresh": board.fresh,
        "made_at": board.made_at.isoformat() if board.made_at else None,
        "error": board.error,
        "allocation": allocation.model_dump(mode="json") if allocation else None,
        "diversity": allocation.diversity.describe() if allocation else None,
        "statuses": {sid: s.model_dump(mode="json") for sid, s in board.statuses.items()},
    }


@router.get("/portfolio", tags=["portfolio"], summary="The allocator's decisions for the next period, with reasons")
def get_portfolio(request: Request, _: Viewer, wait: bool = False) -> dict[str, Any]:
    return board_json(deciding.board(studio_of(request), wait=wait))


@router.post("/portfolio/record", tags=["portfolio"], summary="Record the allocation as this period's decisions")
def record_period(body: Confirm, request: Request, who: Producer) -> dict[str, Any]:
    _confirmed(body.confirm, "recording the period's greenlights and sunsets")
    studio = studio_of(request)
    period = deciding.record_period(studio)
    studio.audit.record(who.name, "portfolio-record", f"period:{period}")
    return {"period": period}


@router.post("/portfolio/{sid}/greenlight", tags=["portfolio"], summary="Greenlight more episodes (producers)")
def greenlight(sid: str, body: Greenlight, request: Request, who: Producer) -> dict[str, Any]:
    _confirmed(body.confirm, "a greenlight")
    studio = studio_of(request)
    through = deciding.greenlight(studio, sid, body.episodes)
    studio.audit.record(who.name, "greenlight", sid, f"+{body.episodes} episodes, through {through}")
    return {"series": sid, "greenlit_through": through}


@router.post("/portfolio/{sid}/sunset", tags=["portfolio"], summary="Sunset a series (producers)")
def sunset(sid: str, body: Sunset, request: Request, who: Producer) -> dict[str, Any]:
    _confirmed(body.confirm, "a sunset")
    studio = studio_of(request)
    deciding.sunset(studio, sid, body.reason)
    studio.audit.record(who.name, "sunset", sid, body.reason)
    return {"series": sid, "status": "sunset"}
