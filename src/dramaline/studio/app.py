"""The studio web app: `create_app(STUDIO)` builds the FastAPI app that `dramaline studio` serves.

It joins the REST API under /api (OpenAPI at /api/docs), the server-rendered pages, the static
assets (vendored, nothing from a CDN), the event-ingestion endpoint under /api/ingest/v1/events,
and the job worker, which runs while the app does. Every error becomes a clear message (a page
for a browser, `{"detail": ...}` for the API), never a traceback.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dramaline.errors import DramalineError
from dramaline.studio import api_auth, api_decide, api_jobs, api_series, pages, pages_decide, pages_manage, work
from dramaline.studio.auth import (
    CSRF_COOKIE,
    CsrfError,
    Forbidden,
    RateLimiter,
    SignInRequired,
    TooManyAttempts,
    require,
)
from dramaline.studio.context import Studio, StudioConfig
from dramaline.studio.editing import ConflictError
from dramaline.studio.jobs import Handler
from dramaline.studio.paths import NotFoundError
from dramaline.studio.uploads import TooLargeError
from dramaline.studio.users import Role

__all__ = ["SECURITY_HEADERS", "STATIC_DIR", "create_app"]

log = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).parent / "static"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "media-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; "
        "object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def create_app(
    root: Path,
    config: StudioConfig | None = None,
    *,
    trusted_hosts: list[str] | None = None,
    handlers: Mapping[str, Handler] | None = None,
    run_jobs: bool = True,
) -> FastAPI:
    """The studio app over the studio folder `root` (a folder of series folders, or one series folder).

    `trusted_hosts` limits the Host header (the CLI sets the local names in localhost mode, so a
    web page cannot reach the studio through DNS rebinding); `handlers` replaces the job kinds
    (tests); with `run_jobs=False` jobs are queued but no worker runs them.
    """
    studio = Studio(root, config or StudioConfig())
    studio.jobs.handlers.update(handlers if handlers is not None else work.handlers(studio))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if run_jobs:
            studio.jobs.start()
        try:
            yield
        finally:
            studio.jobs.stop()

    app = FastAPI(
        title="dramaline studio",
        version="1",
        description="Everything the dramaline CLI does, over HTTP: the pages of the studio use this API too.",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
    )
    app.state.studio = studio
    app.state.sign_in_limiter = RateLimiter(studio.config.sign_in_failures, studio.config.sign_in_window_s)
    if trusted_hosts:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=trusted_hosts)
    app.add_middleware(_Security)
    _errors(app, studio)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in (api_auth.router, api_series.router, api_decide.router, api_jobs.router, pages.router,
                   pages_decide.router, pages_manage.router):  # fmt: skip
        app.include_router(router)
    _ingestion(app, studio)
    return app


def _ingestion(app: FastAPI, studio: Studio) -> None:
    from dramaline.audience.server import Ingestion, IngestSettings, ingest_router

    try:
        ingestion = Ingestion(studio.folder.root, IngestSettings(token=None))
    except DramalineError as exc:
        # The studio stays useful without ingestion (a store from a newer dramaline, an odd folder name).
        log.warning("event ingestion is off: %s", exc)
        return
    # The studio's own tokens (role ingest, or admin) guard it instead of the standalone server's one token.
    app.include_router(ingest_router(ingestion), prefix="/api/ingest", tags=["ingestion"],
                       dependencies=[Depends(require(Role.INGEST))])  # fmt: skip


class _Security:
    """Give every browser a CSRF token (cookie + page) and every response the security headers.

    A plain ASGI middleware rather than `app.middleware("http")`, which buffers streaming
    responses through a task of its own and would stand between the pages and the job events.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        token = request.cookies.get(CSRF_COOKIE)
        csrf = token or secrets.token_urlsafe(24)
        request.state.csrf = csrf
        cookie = None
        if not token:
            studio: Studio = request.app.state.studio
            carrier = Response()
            carrier.set_cookie(CSRF_COOKIE, csrf, httponly=True, samesite="strict",
                               secure=api_auth.secure(request, studio), path="/")  # fmt: skip
            cookie = carrier.headers["set-cookie"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if cookie:
                    headers.append("set-cookie", cookie)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "text/html" not in request.headers.get("accept", "")


def _errors(app: FastAPI, studio: Studio) -> None:
    root = str(studio.folder.root)

    def clean(message: str) -> str:
        # Messages from the library name files by their full path; the studio's location is nobody's business.
        return message.replace(root + "/", "").replace(root, "the studio folder")

    def reply(request: Request, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": clean(message)}, status_code=status, headers=headers)
        return pages.error_page(request, status, clean(message), headers)

    async def sign_in_required(request: Request, _exc: Exception) -> Response:
        if _wants_json(request):
            return reply(request, 401, "sign in first (or send Authorization: Bearer <API token>)",
                         {"WWW-Authenticate": "Bearer"})  # fmt: skip
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/sign-in?next={quote(target, safe='')}", status_code=303)

    async def forbidden(request: Request, exc: Exception) -> Response:
        return reply(request, 403, exc.message if isinstance(exc, Forbidden) else "not allowed")

    async def csrf(request: Request, _exc: Exception) -> Response:
        return reply(request, 403, "the form's security token is missing or stale; reload the page and try again")

    async def too_many(request: Request, exc: Exception) -> Response:
        wait = exc.retry_after_s if isinstance(exc, TooManyAttempts) else 60
        return reply(request, 429, f"too many failed sign-ins; wait {wait} s and try again", {"Retry-After": str(wait)})

    async def dramaline_error(request: Request, exc: Exception) -> Response:
        status = 400
        if isinstance(exc, NotFoundError):
            status = 404
        elif isinstance(exc, ConflictError):
            status = 409
        elif isinstance(exc, TooLargeError):
            status = 413
        return reply(request, status, str(exc))

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        headers = dict(exc.headers) if exc.headers else None
        return reply(request, exc.status_code, str(exc.detail), headers)

    async def invalid_request(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        problems = []
        for err in exc.errors()[:3]:
            where = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "request"
            problems.append(f"{where}: {str(err.get('msg', 'invalid')).removeprefix('Value error, ')}")
        return reply(request, 422, "invalid request: " + "; ".join(problems))

    async def unexpected(request: Request, exc: Exception) -> Response:
        log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
        return reply(request, 500, "something went wrong in the studio; the server log has the details")

    app.add_exception_handler(SignInRequired, sign_in_required)
    app.add_exception_handler(Forbidden, forbidden)
    app.add_exception_handler(CsrfError, csrf)
    app.add_exception_handler(TooManyAttempts, too_many)
    app.add_exception_handler(DramalineError, dramaline_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(Exception, unexpected)
