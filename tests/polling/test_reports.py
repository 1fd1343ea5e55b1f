"""Station reports on polling day (from a commission member or signed by the station's
identification device), taken once however often sent, a replay with other content refused;
each station's status from its reports and the CEC's dashboard of late stations."""

from __future__ import annotations

from datetime import UTC

import pytest
from sqlalchemy import func, select

from shailoo.audit import service as audit
from shailoo.audit.models import AuditRecord
from shailoo.errors import Forbidden, InvalidInput, NotFound
from shailoo.polling import reports, service
from shailoo.polling.models import StationReport
from tests.polling.factories import ACTOR, counted, local, report, setup_counting, setup_country

MEMBER = "user:pec-1001"


def stored(session) -> dict[str, tuple[str, str, int | None]]:
    return {r.report_id: (r.station_code, r.kind, r.voters) for r in session.execute(
        select(StationReport)).scalars()}


def refused(session) -> list[str]:
    session.expire_all()
    return [r.change["code"] for r in session.execute(select(AuditRecord).where(
        AuditRecord.action == "polling.upload_refused").order_by(AuditRecord.seq)).scalars()]


def test_a_member_report_is_taken_once_and_audited(session):
    election = setup_country(session)
    opened = report(election, "1001", "opened", local(8), "rep-1001-open")
    assert reports.submit_report(session, opened, MEMBER) == {"report_id": "rep-1001-open",
                                                              "repeated": False}
    [last] = audit.list_records(session, 1)
    assert (last.actor, last.action, last.object_id) == (MEMBER, "polling.station_report",
                                                         "1001")
    assert last.change == {"report_id": "rep-1001-open", "election_id": election,
                           "kind": "opened", "at": "2027-02-28T08:00:00+06:00",
                           "voters": None, "reason": None}
    records = audit.count_records(session)
    assert reports.submit_report(session, opened, MEMBER) == {"report_id": "rep-1001-open",
                                                              "repeated": True}
    # the same instant written in another zone is the same report
    utc = opened.model_copy(update={"at": opened.at.astimezone(UTC)})
    assert reports.submit_report(session, utc, "user:other")["repeated"] is True
    assert audit.count_records(session) == records
    row = session.get(StationReport, "rep-1001-open")
    assert (row.submitted_by, row.kind, row.at) == (MEMBER, "opened", local(8))


@pytest.mark.parametrize("change", [{"kind": "closed", "voters": 3}, {"station": "1002"},
                                    {"at": local(8, 1)}, {"voters": 5}])
def test_another_report_under_a_used_id_is_refused(session, change):
    election = setup_country(session)
    reports.submit_report(session, report(election, "1001", "turnout", local(10),
                                          "rep-00000001", voters=4), MEMBER)
    other = report(election, "1001", "turnout", local(10), "rep-00000001", voters=4)
    with pytest.raises(Forbidden) as exc:
        reports.submit_report(session, other.model_copy(update=change), MEMBER)
    assert exc.value.code == "polling.replayed_report"
    assert stored(session) == {"rep-00000001": ("1001", "turnout", 4)}


def test_a_device_signed_report_is_taken_without_a_member(session):
    election = setup_country(session)
    signed = report(election, "1001", "closed", local(20), "rep-1001-close", voters=7,
                    device="id-1001-b")
    assert reports.submit_report(session, signed, None)["repeated"] is False
    assert session.get(StationReport, "rep-1001-close").submitted_by == "device:id-1001-b"
    assert reports.submit_report(session, signed, None)["repeated"] is True


@pytest.mark.parametrize(("device", "tamper", "code"), [
    ("id-1001-a", {"voters": 700}, "polling.bad_signature"),
    ("id-1002", {}, "polling.station_mismatch"),
    ("id-1001-a", {"revoke": True}, "polling.device_revoked"),
])
def test_a_refused_device_report_is_audited_and_stores_nothing(session, device, tamper, code):
    election = setup_country(session)
    if tamper.pop("revoke", False):
        service.revoke_device(session, ACTOR, device, "lost")
    signed = report(election, "1001", "closed", local(20), "rep-1001-close", voters=7,
                    device=device)
    with pytest.raises(Forbidden) as exc:
        reports.submit_report(session, signed.model_copy(update=tamper), None)
    assert exc.value.code == code
    assert stored(session) == {}
    assert refused(session) == [code]


def test_an_unsigned_report_without_a_member_is_refused(session):
    election = setup_country(session)
    with pytest.raises(Forbidden) as exc:
        reports.submit_report(session, report(election, "1001", "opened", local(8),
                                              "rep-00000001"), None)
    assert exc.value.code == "polling.signature_required"
    assert stored(session) == {}


def test_malformed_reports_and_unknown_places_are_refused(session):
    election = setup_country(session)
    records = audit.count_records(session)
    with pytest.raises(InvalidInput) as exc:
        reports.submit_report(session, report(election, "1001", "closed", local(20),
                                              "rep-00000001"), MEMBER)
    assert exc.value.code == "polling.bad_station_report"
    assert exc.value.message == "report rep-00000001: a closed report gives the number of voters"
    with pytest.raises(InvalidInput):
        reports.submit_report(session, report(election, "1001", "suspended", local(12),
                                              "rep-00000002"), MEMBER)
    with pytest.raises(NotFound):
        reports.submit_report(session, report(election + 1000, "1001", "opened", local(8),
                                              "rep-00000003"), MEMBER)
    with pytest.raises(NotFound):
        reports.submit_report(session, report(election, "7777", "opened", local(8),
                                              "rep-00000004"), MEMBER)
    assert stored(session) == {} and audit.count_records(session) == records


def test_station_statuses_follow_the_reports_in_time_order(session):
    election = setup_country(session)
    for args in [("1001", "closed", local(20, 5), "r-1001-close", 9),  # arrives first
                 ("1001", "opened", local(8), "r-1001-open", None),
                 ("1001", "turnout", local(10), "r-1001-t10", 3),
                 ("1001", "turnout", local(12), "r-1001-t12", 6),
                 ("1002", "opened", local(8, 2), "r-1002-open", None),
                 ("1002", "suspended", local(11), "r-1002-susp", None),
                 ("2001", "opened", local(7, 59), "r-2001-open", None),
                 ("2001", "suspended", local(9), "r-2001-susp", None),
                 ("2001", "resumed", local(9, 40), "r-2001-res", None)]:
        station, kind, at, rid, voters = args
        reason = "the roof leaks" if kind == "suspended" else None
        reports.submit_report(session, report(election, station, kind, at, rid, voters,
                                              reason), MEMBER)
    statuses = reports.station_statuses(session, election)
    assert list(statuses) == ["1001", "1002", "1003", "2001", "9001"]
    assert statuses["1001"] == {
        "station": "1001", "tec": "GB01", "region": "KG-GB", "status": "closed",
        "opened_at": "2027-02-28T02:00:00+00:00", "closed_at": "2027-02-28T14:05:00+00:00",
        "signed_list": 9, "last_turnout_at": "2027-02-28T06:00:00+00:00", "last_turnout": 6,
        "suspension_reason": None}
    assert (statuses["1002"]["status"], statuses["1002"]["suspension_reason"]) == (
        "suspended", "the roof leaks")
    assert statuses["2001"]["status"] == "opened"
    assert statuses["9001"] == {
        "station": "9001", "tec": "ABROAD", "region": "abroad", "status": "not_opened",
        "opened_at": None, "closed_at": None, "signed_list": None, "last_turnout_at": None,
        "last_turnout": None, "suspension_reason": None}


def test_the_dashboard_names_the_late_stations_per_region(session):
    counting = setup_counting(session)
    election = counting.election_id
    for station, kind, rid, voters in [("1001", "opened", "r-1001-open", None),
                                       ("1001", "turnout", "r-1001-t10", 2),
                                       ("1002", "opened", "r-1002-open", None),
                                       ("2001", "opened", "r-2001-open", None),
                                       ("2001", "suspended", "r-2001-susp", None)]:
        reports.submit_report(session, report(election, station, kind, local(10), rid, voters,
                                              "no light" if kind == "suspended" else None),
                              MEMBER)
    counted(session, counting, "1002")
    assert reports.station_statuses(session, election)["1002"]["status"] == "protocol_sent"
    assert reports.dashboard(session, election) == [
        {"region": "KG-C", "stations": 1, "not_opened": [], "no_turnout": ["2001"],
         "no_protocol": ["2001"], "suspended": ["2001"]},
        {"region": "KG-GB", "stations": 3, "not_opened": ["1003"],
         "no_turnout": ["1002", "1003"], "no_protocol": ["1001", "1003"], "suspended": []},
        {"region": "abroad", "stations": 1, "not_opened": ["9001"], "no_turnout": ["9001"],
         "no_protocol": ["9001"], "suspended": []}]
    with pytest.raises(NotFound):
        reports.dashboard(session, election + 1000)


def test_reports_of_another_election_do_not_count(session):
    election = setup_country(session)
    reports.submit_report(session, report(election, "1001", "opened", local(8), "r-00000001"),
                          MEMBER)
    from tests.factories import make_election

    other = make_election(session, code="parliament-2027-b").id
    assert reports.station_statuses(session, other)["1001"]["status"] == "not_opened"
    assert session.execute(select(func.count()).select_from(StationReport)).scalar_one() == 1
