"""End to end: an open polling-day station page shows new identifications by itself (no
reload), and the CEC overview draws a turnout curve per region."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from shailoo.config import Settings
from shailoo.db import make_engine, make_session_factory
from shailoo.polling import identification
from shailoo.polling.schemas import IdentificationBatchIn
from shailoo.polling.signing import sign
from shailoo.web.app import create_app
from tests.conftest import DatabaseFactory
from tests.e2e.conftest import serve
from tests.polling.factories import KEYS, MORE_ROWS, PINS_1001, local, setup_country


@pytest.fixture(scope="module")
def polling_server(databases: DatabaseFactory) -> Iterator[tuple[str, int, Any]]:
    url = databases.create()
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with factory() as session:
        election = setup_country(session, MORE_ROWS)
    app = create_app(Settings(database_url=url), session_factory=factory)
    with serve(app) as base:
        yield base, election, factory
    engine.dispose()


def _identify(factory: Any, election: int, pins: list[str], hour: int) -> None:
    body: dict[str, Any] = {
        "device_id": "id-1001-a", "station": "1001", "election_id": election,
        "signature": "0" * 128,
        "events": [{"event_id": f"e2e-{hour}-{n:04d}", "pin": pin, "method": "fingerprint",
                    "at": local(hour, n).isoformat()} for n, pin in enumerate(pins)]}
    body["signature"] = sign(KEYS["id-1001-a"], IdentificationBatchIn.model_validate(
        body).document())
    with factory() as session:
        identification.record_batch(session, IdentificationBatchIn.model_validate(body))


def test_station_page_counts_identifications_without_reload(polling_server, browser):
    base, election, factory = polling_server
    page = browser.new_page()
    try:
        page.goto(f"{base}/polling/{election}/stations/1001")
        expect(page.locator("#identified")).to_have_text("0")
        page.evaluate("window.__marker = 'same page'")
        _identify(factory, election, PINS_1001[:3], 9)
        expect(page.locator("#identified")).to_have_text("3", timeout=12_000)
        assert page.evaluate("window.__marker") == "same page"
        page.goto(f"{base}/polling/{election}")
        expect(page.locator("#turnout svg.curve polyline").first).to_be_attached()
        expect(page.locator("#turnout")).to_contain_text("3")
    finally:
        page.close()
