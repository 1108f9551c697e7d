"""The pages for deciding: an episode's revision plan, a series' experiments, and the portfolio board."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from dramaline.model import PrimaryMetric, VariedElement
from dramaline.studio import catalog, deciding, revising
from dramaline.studio.api_auth import studio_of
from dramaline.studio.auth import Principal, require
from dramaline.studio.templating import page
from dramaline.studio.users import Role

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
Viewer = Annotated[Principal, Depends(require(Role.VIEWER))]


@router.get("/series/{sid}/episodes/{number}/plan", response_class=HTMLResponse)
def plan_page(sid: str, number: int, request: Request, _: Viewer) -> Response:
    studio = studio_of(request)
    view = catalog.episode_view(studio, sid, number)
    return page(request, "plan.html", {"view": view, "plan": revising.plan_view(studio, sid, number)})


@router.get("/series/{sid}/experiments", response_class=HTMLResponse)
def experiments_page(sid: str, request: Request, _: Viewer) -> Response:
    studio = studio_of(request)
    view = catalog.series_view(studio, sid)
    context = {
        "view": view,
        "experiments": deciding.experiments(studio, sid),
        "metrics": [m.value for m in PrimaryMetric],
        "elements": [e.value for e in VariedElement],
    }
    return page(request, "experiments.html", context)


@router.get("/portfolio", response_class=HTMLResponse)
def portfolio_page(request: Request, _: Viewer) -> Response:
    studio = studio_of(request)
    return page(request, "portfolio.html", {"board": deciding.board(studio), "series": studio.folder.series_folders()})


@router.get("/fragments/portfolio-board", response_class=HTMLResponse)
def portfolio_board(request: Request, _: Viewer) -> Response:
    studio = studio_of(request)
    return page(request, "portfolio_board.html", {"board": deciding.board(studio)})
