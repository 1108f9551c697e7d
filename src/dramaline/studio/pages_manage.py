"""The pages for running the studio: signing in and out, the jobs view, and administration (users, tokens, audit)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from dramaline.studio.api_auth import client_address, limiter_of, set_session_cookie, studio_of
from dramaline.studio.auth import SESSION_COOKIE, Principal, check_csrf, identify, require, sign_in
from dramaline.studio.templating import page
from dramaline.studio.users import PERSON_ROLES, Role

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
Viewer = Annotated[Principal, Depends(require(Role.VIEWER))]
Admin = Annotated[Principal, Depends(require(Role.ADMIN))]


def _safe_next(target: str) -> str:
    """Only a path on this site: an open redirect would let a link sign people in and send them elsewhere."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request, next: str = "/") -> Response:
    studio = studio_of(request)
    if identify(studio, request) is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return page(request, "sign_in.html", {"next": _safe_next(next), "error": None})


@router.post("/sign-in", response_class=HTMLResponse)
async def sign_in_form(
    request: Request,
    name: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    await check_csrf(request)
    studio = studio_of(request)
    found = sign_in(studio, limiter_of(request), client_address(request), name, password)
    if found is None:
        context = {"next": _safe_next(next), "error": "Wrong name or password.", "name": name}
        return page(request, "sign_in.html", context, status_code=401)
    user, token = found
    response = RedirectResponse(_safe_next(next), status_code=303)
    set_session_cookie(response, request, studio, token)
    studio.audit.record(user.name, "sign-in", f"user:{user.name}")
    return response


@router.post("/sign-out")
async def sign_out_form(request: Request, _: Viewer) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        studio_of(request).users.end_session(token)
    response = RedirectResponse("/sign-in", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/jobs", response_class=HTMLResponse)
def jobs_page(request: Request, _: Viewer) -> Response:
    return page(request, "jobs.html", {"jobs": [j.public() for j in studio_of(request).jobs.recent(limit=100)]})


@router.get("/fragments/jobs-table", response_class=HTMLResponse)
def jobs_table(request: Request, _: Viewer) -> Response:
    return page(request, "jobs_table.html", {"jobs": [j.public() for j in studio_of(request).jobs.recent(limit=100)]})


@router.get("/admin", response_class=HTMLResponse)
def admin_page(request: Request, _: Admin) -> Response:
    studio = studio_of(request)
    context = {
        "users": studio.users.all(),
        "tokens": studio.users.tokens(),
        "audit": studio.audit.entries(limit=100),
        "person_roles": [r.value for r in PERSON_ROLES],
        "token_roles": [r.value for r in Role],
    }
    return page(request, "admin.html", context)
