"""Results pages: overview with the law's percentages and seats, drill-down, station
comparison, fragments for live refresh, twins, and the server-sent events stream."""

from __future__ import annotations

import asyncio
import csv
import io

from shailoo.polling.signing import sign
from shailoo.results import service
from shailoo.results.live import RevisionWatcher, event_stream
from tests.results.conftest import protocol


def fill(session, counting):
    service.submit(session, "u", protocol(counting.list_contest, station="1001"))
    service.submit(session, "u", protocol(counting.list_contest, station="1002",
                                          votes=(100, 300, 20, 5)))
    service.submit(session, "u", protocol(counting.district_contest, station="1001"))
    scan = protocol(counting.list_contest, station="1001", source="scanner",
                    votes=(401, 299, 200, 50), device_id="abb-1001")
    service.submit_from_device(session, scan.model_copy(update={
        "signature": sign(counting.scanner_key, scan.document())}))


def test_overview_shows_progress_shares_and_seats(client, session, counting):
    fill(session, counting)
    page = client.get(f"/results/{counting.election_id}").text
    assert 'id="progress">2 / 5' in page
    # 500 of 1500 at 1001 and 425 + 10 invalid at 1002: ala 500 of 1395 participants = 35.84 %
    assert "35.84 %" in page
    assert "Ала-Тоо" in page and 'id="outcome"' in page
    assert "Provisional" in page or "Предварительно" in page
    scanner = client.get(f"/results/{counting.election_id}?source=scanner").text
    assert 'id="progress">1 / 5' in scanner


def test_drill_down_region_then_commission_then_station(client, session, counting):
    fill(session, counting)
    c = counting.list_contest
    region = client.get(f"/results/{counting.election_id}/contests/{c}?level=region&unit=KG-GB")
    assert region.status_code == 200 and "level=tec" in region.text
    tec = client.get(f"/results/{counting.election_id}/contests/{c}?level=tec&unit=GB01").text
    assert f"/results/{counting.election_id}/stations/1001" in tec
    station = client.get(f"/results/{counting.election_id}/stations/1001").text
    assert station.count('class="differs"') == 2  # ala and ynt differ


def test_fragment_is_the_live_part_only(client, session, counting):
    fill(session, counting)
    fragment = client.get(f"/results/{counting.election_id}?fragment=1").text
    assert "<html" not in fragment and 'id="progress"' in fragment


def test_twins_are_the_same_figures(client, session, counting):
    fill(session, counting)
    data = client.get(f"/results/{counting.election_id}.json").json()
    assert data["stations_reporting"] == 2 and data["participants"] == 1395
    assert {c["code"]: c["votes"] for c in data["choices"]}["ynt"] == 600
    rows = list(csv.DictReader(io.StringIO(client.get(
        f"/results/{counting.election_id}.csv").text)))
    assert rows[0]["unit"] == "*" and rows[0]["ynt"] == "600"
    assert {r["unit"] for r in rows[1:]} == {"KG-GB", "KG-C", "abroad"}
    station = list(csv.DictReader(io.StringIO(client.get(
        f"/results/{counting.election_id}/stations/1001.csv").text)))
    assert {(r["source"], r["ala"]) for r in station if r["contest_id"] == str(
        counting.list_contest)} == {("scanner", "401"), ("manual", "400")}


def test_event_stream_announces_a_new_protocol(session, counting):
    watcher = RevisionWatcher(lambda: _NoClose(session))

    async def run() -> list[str]:
        stream = event_stream(watcher, counting.election_id, _never)
        events = [await stream.__anext__()]
        service.submit(session, "u", protocol(counting.list_contest, station="1003"))
        events.append(await asyncio.wait_for(stream.__anext__(), timeout=5))
        await stream.aclose()
        return events

    ready, changed = asyncio.run(run())
    assert ready.startswith("event: ready")
    assert changed.startswith("event: results")


async def _never() -> bool:
    return False


class _NoClose:
    """The test's session, used as a context manager without closing it."""

    def __init__(self, session):
        self.session = session

    def __enter__(self):
        return self.session

    def __exit__(self, *exc):
        return False
