"""Every route of the app, for tests that check routes one by one."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from fastapi.routing import APIRoute

from shailoo.config import Settings
from shailoo.web.app import create_app


def app_routes(app: Any = None) -> Iterator[tuple[str, str, Any]]:
    """(method, full path, dependant) of every route of the app (a bare one by default),
    including those of included routers, which FastAPI >= 0.16x keeps nested, out of
    ``app.routes``."""
    if app is None:
        app = create_app(Settings(database_url="sqlite://"), session_factory=lambda: None)
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # older FastAPI: app.routes is flat
        contexts: Iterable[Any] = app.routes
    else:
        contexts = iter_route_contexts(app.routes)
    for context in contexts:
        if isinstance(getattr(context, "original_route", context), APIRoute):
            for method in context.methods - {"HEAD", "OPTIONS"}:
                yield method, context.path, context.dependant
