"""End to end, as a voter would: "where do I vote" in Kyrgyz, a PIN on a list and one that is
not, in headless Chromium against a real server over a database with a register."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from shailoo.config import Settings
from shailoo.db import make_engine, make_session_factory
from shailoo.web.app import create_app
from tests.conftest import DatabaseFactory
from tests.e2e.conftest import serve
from tests.register.web_helpers import BY_KEY, build_world

UNKNOWN_PIN = "21111199000099"


@pytest.fixture(scope="module")
def register_server_url(databases: DatabaseFactory) -> Iterator[str]:
    """A server over a new database holding the test register with built lists."""
    url = databases.create()
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with factory() as session:
        build_world(session, with_members=False)
    app = create_app(Settings(database_url=url), session_factory=factory)
    with serve(app) as base:
        yield base
    engine.dispose()


def test_voter_finds_their_station_in_kyrgyz(register_server_url, browser):
    page = browser.new_page()
    try:
        page.goto(register_server_url + "/lang/ky?next=/where")
        expect(page.locator("html")).to_have_attribute("lang", "ky")
        expect(page.locator("h1")).to_have_text("Мен кайда добуш берем?")
        page.fill("#pin", BY_KEY["a1"].pin)
        page.click("#where-submit")
        expect(page.locator("#where-station")).to_have_text("Шайлоо участкасы № 1001")
        expect(page.locator("#where-address")).to_have_text("г. Бишкек, ул. Токтогула, 125")
        expect(page.locator("#where-result")).to_contain_text("08:00-20:00")
        expect(page.locator("#where-result a")).to_have_attribute(
            "href", "https://www.openstreetmap.org/?mlat=42.87&mlon=74.59#map=17/42.87/74.59")
        expect(page.locator("#where-result")).not_to_contain_text("Асанов")

        page.fill("#pin", UNKNOWN_PIN)
        page.click("#where-submit")
        expect(page.locator("#where-not-found")).to_have_text(
            "Бул ЖЖН алдыдагы шайлоонун бир да шайлоочулар тизмесинде табылган жок.")
        expect(page.locator("#where-station")).to_have_count(0)
        expect(page).to_have_url(register_server_url + "/where")
    finally:
        page.close()
