"""REST API: signing in and out, who am I, users and API tokens (admins), and the audit log (admins)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel, Field

from dramaline.errors import InvalidInputError
from dramaline.studio.auth import (
    SESSION_COOKIE,
    Principal,
    RateLimiter,
    check_csrf,
    local_mode,
    require,
    sign_in,
)
from dramaline.studio.context import Studio
from dramaline.studio.users import SESSION_LIFETIME, ApiToken, Role, User, person_role, token_role

__all__ = ["client_address", "limiter_of", "router", "secure", "set_session_cookie", "studio_of"]

router = APIRouter(prefix="/api", tags=["access"])
Viewer = Annotated[Principal, Depends(require(Role.VIEWER))]
Admin = Annotated[Principal, Depends(require(Role.ADMIN))]


def studio_of(request: Request) -> Studio:
    studio: Studio = request.app.state.studio
    return studio


class SignIn(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class NewUser(BaseModel):
    name: str
    role: str = Field(description="viewer, writer, producer or admin")
    password: str


class UserChange(BaseModel):
    role: str | None = None
    password: str | None = None
    disabled: bool | None = None


class NewToken(BaseModel):
    name: str = Field(description="what uses it, e.g. 'ingestion from the app'")
    role: str = Field(description="viewer, writer, producer, admin, or ingest (may only post events)")


def _user(u: User) -> dict[str, Any]:
    return {"name": u.name, "role": u.role.value, "created_at": u.created_at, "disabled": u.disabled}


def _token(t: ApiToken) -> dict[str, Any]:
    return {
        "id": t.id,
        "name": t.name,
        "role": t.role.value,
        "created_by": t.created_by,
        "created_at": t.created_at,
        "last_used_at": t.last_used_at,
        "revoked": t.revoked,
    }


def secure(request: Request, studio: Studio) -> bool:
    """Whether cookies get the Secure flag: as configured, else when the request came over https."""
    configured = studio.config.secure_cookies
    return configured if configured is not None else request.url.scheme == "https"


def set_session_cookie(response: Response, request: Request, studio: Studio, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=secure(request, studio),
        path="/",
    )


def limiter_of(request: Request) -> RateLimiter:
    limiter: RateLimiter = request.app.state.sign_in_limiter
    return limiter


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.post("/auth/sign-in", summary="Sign in with a name and password; sets the session cookie")
async def api_sign_in(body: SignIn, request: Request, response: Response) -> dict[str, Any]:
    await check_csrf(request)  # a sign-in form on another site must not sign the browser in as someone else
    studio = studio_of(request)
    found = sign_in(studio, limiter_of(request), client_address(request), body.name, body.password)
    if found is None:
        raise HTTPException(401, "wrong name or password")
    user, token = found
    set_session_cookie(response, request, studio, token)
    studio.audit.record(user.name, "sign-in", f"user:{user.name}")
    return {"name": user.name, "role": user.role.value}


@router.post("/auth/sign-out", summary="End this session")
async def api_sign_out(request: Request, response: Response, who: Viewer) -> dict[str, Any]:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        studio_of(request).users.end_session(token)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return {"signed_out": who.name}


@router.get("/auth/me", summary="Who the request is made as, and in which mode")
def me(request: Request, who: Viewer) -> dict[str, Any]:
    return {"name": who.name, "role": who.role.value, "via": who.via, "local_mode": local_mode(studio_of(request))}


@router.get("/users", summary="Every user (admins)")
def list_users(request: Request, _: Admin) -> list[dict[str, Any]]:
    return [_user(u) for u in studio_of(request).users.all()]


@router.post("/users", status_code=201, summary="Add a user (admins)")
def add_user(body: NewUser, request: Request, who: Admin) -> dict[str, Any]:
    studio = studio_of(request)
    user = studio.users.add(body.name, person_role(body.role), body.password)
    studio.audit.record(who.name, "user-add", f"user:{user.name}", f"role {user.role.value}")
    return _user(user)


@router.patch("/users/{name}", summary="Change a user's role, password or access (admins)")
def change_user(name: str, body: UserChange, request: Request, who: Admin) -> dict[str, Any]:
    studio = studio_of(request)
    role = person_role(body.role) if body.role is not None else None
    if who.via == "session" and name == who.name and (body.disabled or (role and role is not Role.ADMIN)):
        raise InvalidInputError("you cannot demote or disable yourself; ask another admin")
    user = studio.users.update(name, role=role, password=body.password, disabled=body.disabled)
    changes = [f"role {role.value}" if role else "", "password" if body.password else ""]
    changes.append("" if body.disabled is None else ("disabled" if body.disabled else "enabled"))
    studio.audit.record(who.name, "user-change", f"user:{name}", ", ".join(c for c in changes if c))
    return _user(user)


@router.get("/tokens", summary="API tokens (admins); secrets are never shown again")
def list_tokens(request: Request, _: Admin) -> list[dict[str, Any]]:
    return [_token(t) for t in studio_of(request).users.tokens()]


@router.post("/tokens", status_code=201, summary="Make an API token (admins); the secret is in this reply only")
def add_token(body: NewToken, request: Request, who: Admin) -> dict[str, Any]:
    studio = studio_of(request)
    token, secret = studio.users.add_token(body.name, token_role(body.role), who.name)
    studio.audit.record(who.name, "token-add", f"token:{token.id}", f"{token.name} ({token.role.value})")
    return {**_token(token), "secret": secret}


@router.delete("/tokens/{token_id}", summary="Revoke an API token (admins)")
def revoke_token(token_id: int, request: Request, who: Admin) -> dict[str, Any]:
    studio = studio_of(request)
    token = studio.users.revoke_token(token_id)
    studio.audit.record(who.name, "token-revoke", f"token:{token.id}", token.name)
    return _token(token)


@router.get("/audit", summary="The audit log, newest first (admins)")
def audit(request: Request, _: Admin, limit: int = 200, before: int | None = None) -> list[dict[str, Any]]:
    entries = studio_of(request).audit.entries(limit=max(1, min(limit, 1000)), before=before)
    return [e.__dict__ for e in entries]
