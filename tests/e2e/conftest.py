"""A real server on a free loopback port, and headless Debian Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import uvicorn

from shailoo.config import Settings
from shailoo.db import make_engine, make_session_factory
from shailoo.web.app import create_app
from tests.conftest import DatabaseFactory
from tests.factories import make_country, make_election

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def chromium_path() -> str | None:
    """The browser to drive: SHAILOO_CHROMIUM, else Debian's chromium on PATH."""
    return os.environ.get("SHAILOO_CHROMIUM") or shutil.which("chromium")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free local port in a thread; yield its base URL."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def server_url(databases: DatabaseFactory) -> Iterator[str]:
    url = databases.create()
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with factory() as session:
        make_country(session)
        make_election(session)
    app = create_app(Settings(database_url=url), session_factory=factory)
    with serve(app) as base:
        yield base
    engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    path = chromium_path()
    if not path:
        message = "Debian chromium is not installed (scripts/test.sh installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
