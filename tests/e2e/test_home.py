"""End to end, as a visitor would: home page, switch to Kyrgyz, find a station by address."""

from __future__ import annotations

from playwright.sync_api import expect


def test_visitor_switches_to_kyrgyz_and_finds_a_station(server_url, browser):
    page = browser.new_page()
    try:
        page.goto(server_url + "/")
        expect(page.locator("h1")).to_have_text("Выборы в Кыргызской Республике")
        page.click("text=Кыргызча")
        expect(page.locator("h1")).to_have_text("Кыргыз Республикасындагы шайлоолор")
        expect(page.locator("html")).to_have_attribute("lang", "ky")
        page.fill("#station-search", "ёлкино")
        results = page.locator("#search-results table.search-results tbody tr")
        expect(results).to_have_count(1)
        expect(results.first).to_contain_text("с. Ёлкино")
        page.fill("#station-search", "ТОКТОГУЛА")
        expect(results).to_have_count(1)
        expect(results.first).to_contain_text("1001")
        page.click("#search-results a[href='/geography/stations/1001']")
        expect(page.locator("h1")).to_contain_text("1001")
        expect(page.locator("dl.facts")).to_contain_text("ул. Токтогула, 125")
        expect(page.locator("nav")).to_contain_text("Башкы бет")
    finally:
        page.close()
