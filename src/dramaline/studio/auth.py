"""Who is asking, and may they: sessions, API tokens, the local mode, roles, CSRF and sign-in rate limits.

A request is made by one of: a bearer API token (`Authorization: Bearer dl_…`, for scripts and
event ingestion), a signed-in person (the `dl_session` cookie), or, only when the studio is bound
to localhost and has no users yet, the local admin (no sign-in). Requests that change something
and ride on a cookie (or on the local mode) must echo the CSRF token (the `dl_csrf` cookie) in
an `X-CSRF-Token` header or a `csrf_token` form field: a page on another site can make the
browser send cookies, but it cannot read this one.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import Request

from dramaline.studio.context import Studio
from dramaline.studio.users import Role, User

__all__ = [
    "CSRF_COOKIE",
    "CSRF_HEADER",
    "SESSION_COOKIE",
    "CsrfError",
    "Forbidden",
    "Principal",
    "RateLimiter",
    "SignInRequired",
    "TooManyAttempts",
    "require",
]

SESSION_COOKIE = "dl_session"
CSRF_COOKIE = "dl_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class SignInRequired(Exception):
    """No valid credentials came with the request (401 for the API, the sign-in page for a browser)."""


class Forbidden(Exception):
    """The caller is known but their role does not allow this (403)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CsrfError(Exception):
    """A change arrived on a cookie without the matching CSRF token (403)."""


class TooManyAttempts(Exception):
    """Too many failed sign-ins from this address for this name (429)."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(retry_after_s)
        self.retry_after_s = retry_after_s


@dataclass(frozen=True)
class Principal:
    """The person or token behind a request."""

    name: str
    role: Role
    via: str  # "session", "token" or "local"

    @property
    def needs_csrf(self) -> bool:
        return self.via != "token"

    def can(self, needed: Role) -> bool:
        return self.role.allows(needed)


LOCAL_ADMIN = Principal(name="local", role=Role.ADMIN, via="local")


class RateLimiter:
    """Failures per key within a sliding window; in memory, so a restart forgets them (and that is fine)."""

    def __init__(self, limit: int, window_s: float) -> None:
        self.limit = limit
        self.window_s = window_s
        self._failures: defaultdict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def check(self, key: str, limit: int | None = None) -> None:
        """Raise TooManyAttempts when `key` has used up its failures (`limit`, default the limiter's)."""
        now = time.monotonic()
        with self._lock:
            found = self._failures[key]
            while found and now - found[0] > self.window_s:
                found.popleft()
            if len(found) >= (limit or self.limit):
                raise TooManyAttempts(max(1, int(self.window_s - (now - found[0])) + 1))

    def fail(self, key: str) -> None:
        with self._lock:
            self._failures[key].append(time.monotonic())

    def clear(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)


def local_mode(studio: Studio) -> bool:
    """True when the studio acts as the local admin without sign-in (localhost, no users, not forced)."""
    config = studio.config
    return config.local and not config.require_sign_in and studio.users.count() == 0


def identify(studio: Studio, request: Request) -> Principal | None:
    """The principal behind `request`, or None when it carries no valid credentials."""
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and given.strip():
        found = studio.users.token_role(given.strip())
        if found is None:
            return None  # a wrong token never falls back to a cookie or the local mode
        token, role = found
        return Principal(name=f"token:{token.name}", role=role, via="token")
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        user: User | None = studio.users.session_user(cookie)
        if user is not None:
            return Principal(name=user.name, role=user.role, via="session")
    if local_mode(studio):
        return LOCAL_ADMIN
    return None


async def check_csrf(request: Request) -> None:
    """Raise CsrfError unless the request echoes the CSRF cookie in its header or form field."""
    expected = request.cookies.get(CSRF_COOKIE, "")
    given = request.headers.get(CSRF_HEADER, "")
    if not given and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        given = value if isinstance(value, str) else ""
    if not expected or not given or not secrets.compare_digest(expected.encode(), given.encode()):
        raise CsrfError()


def require(role: Role) -> Callable[[Request], Awaitable[Principal]]:
    """A FastAPI dependency: the request's principal, if it holds `role` (and, for changes, the CSRF token)."""

    async def dependency(request: Request) -> Principal:
        studio: Studio = request.app.state.studio
        principal = identify(studio, request)
        if principal is None:
            raise SignInRequired()
        if not principal.can(role):
            raise Forbidden(f"this needs the {role.value} role; you are signed in as {principal.role.value}")
        if request.method in _UNSAFE and principal.needs_csrf:
            await check_csrf(request)
        request.state.principal = principal
        return principal

    return dependency


def sign_in(studio: Studio, limiter: RateLimiter, address: str, name: str, password: str) -> tuple[User, str] | None:
    """Check a name and password: the user and a new session token, None when wrong; TooManyAttempts when limited."""
    key = f"{address}|{name.strip().lower()}"
    limiter.check(key)
    # Also per address across names, looser: one client must not spray passwords over every user.
    limiter.check(f"{address}|*", limit=limiter.limit * 4)
    user = studio.users.verify(name.strip(), password)
    if user is None:
        limiter.fail(key)
        limiter.fail(f"{address}|*")
        return None
    limiter.clear(key)
    return user, studio.users.start_session(user)
