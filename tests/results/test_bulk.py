"""Bulk import: the same rules as one-by-one submission, in one all-or-nothing transaction."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from shailoo.audit import service as audit
from shailoo.kit.importing import ImportRejected
from shailoo.results import service
from shailoo.results.models import Protocol
from shailoo.results.rules import Source
from tests.results.conftest import protocol


def contest_totals(session, contest, source=Source.MANUAL):
    return {lvl: service.public_totals(session, contest, source, lvl)
            for lvl in ("contest", "region", "tec")}


def test_bulk_equals_one_by_one_and_a_full_recount(session, counting):
    items = [
        (2, protocol(counting.list_contest, station="1001")),
        (3, protocol(counting.list_contest, station="1002", votes=(10, 20, 30, 4))),
        (4, protocol(counting.list_contest, station="9001", votes=(7, 8, 9, 1))),
        (5, protocol(counting.list_contest, station="1001")),  # duplicate
        (6, protocol(counting.list_contest, station="1002", votes=(11, 19, 30, 4),
                     correction_reason="typo")),
        (7, protocol(counting.district_contest, station="1003", invalid=5)),
    ]
    bad = protocol(counting.list_contest, station="2001")
    items.append((8, bad.model_copy(update={"lines": dict(bad.lines) | {"ballots_invalid": 99}})))
    summary = service.submit_many(session, "import:test", items, "batch.csv")
    assert (summary.read, summary.accepted, summary.quarantined, summary.duplicates,
            summary.corrections) == (7, 5, 1, 1, 1)
    bulk = contest_totals(session, counting.list_contest)
    assert bulk["contest"]["*"]["choice:ala"] == 400 + 11 + 7
    assert bulk["contest"]["*"]["stations_reporting"] == 3
    assert bulk["region"]["abroad"]["choice:jan"] == 9
    service.recompute_totals(session, "test", counting.list_contest)
    assert contest_totals(session, counting.list_contest) == bulk
    queue = service.quarantine_queue(session, counting.election_id, None)
    assert [p.station for p in queue] == ["2001"]
    first = session.execute(select(Protocol).where(
        Protocol.station_code == "1002", Protocol.version == 1)).scalar_one()
    assert first.status == "superseded"
    assert [h["to"] for h in service.protocol_history(session, first.id)] == [
        "accepted", "superseded"]


def test_bulk_again_is_all_duplicates(session, counting):
    items = [(2, protocol(counting.list_contest, station="1001")),
             (3, protocol(counting.list_contest, station="1002"))]
    service.submit_many(session, "import:test", items, "a.csv")
    records = audit.count_records(session)
    again = service.submit_many(session, "import:test", items, "a.csv")
    assert (again.duplicates, again.accepted) == (2, 0)
    assert contest_totals(session, counting.list_contest)["contest"]["*"][
        "stations_reporting"] == 2
    assert audit.count_records(session) == records + 1


def test_one_bad_protocol_rejects_the_whole_import(session, counting):
    items = [(2, protocol(counting.list_contest, station="1001")),
             (3, protocol(counting.list_contest, station="7777")),
             (4, protocol(counting.district_contest, station="2001"))]
    records = audit.count_records(session)
    with pytest.raises(ImportRejected) as exc:
        service.submit_many(session, "import:test", items, "bad.csv")
    assert [(e.line, e.field) for e in exc.value.report.errors] == [
        (3, "geography.station_not_found"), (4, "results.station_not_in_contest")]
    assert contest_totals(session, counting.list_contest)["contest"] == {}
    assert audit.count_records(session) == records
