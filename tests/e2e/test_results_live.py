"""End to end: an open results page fills in by itself as protocols arrive (no reload)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from playwright.sync_api import expect

from shailoo.config import Settings
from shailoo.db import make_engine, make_session_factory
from shailoo.results import service
from shailoo.web.app import create_app
from tests.conftest import DatabaseFactory
from tests.e2e.conftest import _free_port
from tests.results.conftest import Counting, make_counting, protocol


@pytest.fixture(scope="module")
def live_server(databases: DatabaseFactory) -> Iterator[tuple[str, Counting, object]]:
    url = databases.create()
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with factory() as session:
        counting = make_counting(session)
    app = create_app(Settings(database_url=url), session_factory=factory)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", counting, factory
    server.should_exit = True
    thread.join(timeout=10)
    engine.dispose()


def test_results_page_updates_without_reload(live_server, browser):
    base, counting, factory = live_server
    page = browser.new_page()
    try:
        page.goto(f"{base}/results/{counting.election_id}")
        expect(page.locator("#progress")).to_have_text("0 / 5")
        page.evaluate("window.__marker = 'same page'")
        started = time.monotonic()
        with factory() as session:
            service.submit(session, "test", protocol(counting.list_contest, station="1001"))
        expect(page.locator("#progress")).to_have_text("1 / 5", timeout=5000)
        elapsed = time.monotonic() - started
        assert page.evaluate("window.__marker") == "same page"  # no reload happened
        assert elapsed < 3, elapsed
        expect(page.locator("table.choices")).to_contain_text("400")
    finally:
        page.close()
