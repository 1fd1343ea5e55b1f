"""The FastAPI application factory: wiring, language, error mapping, routers."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from shailoo import __version__
from shailoo.config import LANGUAGES, Settings, get_settings
from shailoo.errors import ShailooError
from shailoo.web.i18n import pick_language, translations

STATIC_DIR = Path(__file__).parent / "static"
LANGUAGE_COOKIE = "lang"

ERROR_TITLES = {400: "Bad request", 401: "Please sign in", 403: "Not allowed",
                404: "Not found", 409: "Conflict", 422: "Not accepted",
                503: "Service unavailable"}


def _wants_json(request: Request) -> bool:
    path = request.url.path
    return (path.startswith("/api/") or path.endswith(".json")
            or "application/json" in request.headers.get("accept", ""))


def _error_response(request: Request, status: int, body: dict[str, Any]) -> Response:
    if _wants_json(request):
        return JSONResponse({"error": body}, status_code=status)
    from shailoo.web.templating import render

    if status == 401:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    title = ERROR_TITLES.get(status, "Error")
    return render(request, "error.html", {"title": title, "error": body}, status_code=status)


class LanguageMiddleware:
    """Pure ASGI middleware: the visitor's language from the cookie (else the default) into
    ``request.state.language``, and a Content-Language header on the answer."""

    def __init__(self, app: Any, default: str) -> None:
        self.app = app
        self.default = default

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookie = None
        for name, value in scope.get("headers", ()):
            if name == b"cookie":
                for part in value.decode("latin-1").split(";"):
                    key, _, val = part.strip().partition("=")
                    if key == LANGUAGE_COOKIE:
                        cookie = val
        language = pick_language(cookie, self.default)
        scope.setdefault("state", {})["language"] = language

        async def send_with_language(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(k.lower() == b"content-language" for k, _ in headers):
                    headers.append((b"content-language", language.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_language)


def _same_site_target(request: Request) -> str:
    """Where to go back to: ``next`` or the referring page, on this site only."""
    from urllib.parse import urlsplit

    raw = request.query_params.get("next") or request.headers.get("referer") or "/"
    parts = urlsplit(raw)
    if parts.netloc and parts.netloc != request.headers.get("host"):
        return "/"
    path = parts.path if parts.path.startswith("/") and not parts.path.startswith("//") else "/"
    return path + (f"?{parts.query}" if parts.query else "")


def create_app(settings: Settings | None = None,
               session_factory: sessionmaker[Session] | None = None,
               check_schema: bool = True) -> FastAPI:
    """Build the app. Refuses to start on a database with pending migrations."""
    settings = settings or get_settings()
    if session_factory is None:
        from shailoo.runtime import engine_for, ensure_schema_current, session_factory_for

        if check_schema:
            ensure_schema_current(engine_for(settings.database_url))
        session_factory = session_factory_for(settings.database_url)

    app = FastAPI(title="shailoo", version=__version__,
                  description="Open-source election management system. Stable JSON API under "
                              "/api; every public page has .json and .csv twins.")
    app.state.settings = settings
    app.state.session_factory = session_factory
    app.add_middleware(SessionMiddleware, secret_key=settings.secret_key,
                       session_cookie="shailoo_session", same_site="lax",
                       https_only=settings.production, max_age=12 * 3600)

    app.add_middleware(LanguageMiddleware, default=settings.default_language)

    @app.exception_handler(ShailooError)
    async def shailoo_error(request: Request, exc: ShailooError) -> Response:
        return _error_response(request, exc.http_status, exc.to_dict())

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = {404: "http.not_found", 405: "http.method_not_allowed"}.get(
            exc.status_code, f"http.{exc.status_code}")
        return _error_response(request, exc.status_code, {"code": code,
                                                          "message": str(exc.detail)})

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        problems = [{"field": ".".join(str(p) for p in e["loc"]), "reason": e["msg"]}
                    for e in exc.errors()]
        return _error_response(request, 422, {"code": "request.invalid",
                                              "message": "the request is not valid",
                                              "details": {"problems": problems}})

    @app.get("/lang/{language}", include_in_schema=False)
    def switch_language(language: str, request: Request) -> Response:
        response = RedirectResponse(_same_site_target(request), status_code=303)
        if language in LANGUAGES:
            response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600,
                                samesite="lax")
        return response

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    for language in LANGUAGES:
        translations(language)  # fail at start, not on the first page, if a catalogue is bad

    from shailoo.web.routes import include_routers

    include_routers(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app


def create_server_app() -> FastAPI:
    """The app as a server process runs it (uvicorn's factory): built, then what starting
    allocated is moved out of the cyclic garbage collector's sight (``gc.freeze``), so the
    collections that run while serving do not walk it again and again. Results API on SQLite
    (2026-11-27): 532 -> 679 protocols/s, p99 117 -> 32 ms."""
    app = create_app()
    gc.freeze()
    return app
