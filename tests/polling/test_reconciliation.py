"""Reconciliation per station: identified (ballots issued to identified voters), signed (the
closing report's voters), issued (the manual protocol's ballots issued early, at the station
and by the mobile box), scanner and manual (ballots found in the stationary and mobile
boxes); differences beyond tolerance open cases for the territorial commission, brought up to
date, cleared, reopened and resolved, each change audited."""

from __future__ import annotations

import pytest

from shailoo.audit import service as audit
from shailoo.errors import Conflict, NotFound
from shailoo.polling import reconciliation, reports, service
from tests.polling.factories import (
    ACTOR,
    EXACT,
    MORE_ROWS,
    PINS_1001,
    closing,
    counted,
    counting_day,
    issue,
    local,
    report,
    setup_counting,
)

NONE = {"identified": None, "signed": None, "issued": None, "scanner": None, "manual": None}


def test_the_five_counts_of_each_station(session):
    counting = setup_counting(session, MORE_ROWS)
    election = counting.election_id
    issue(session, election, "id-1001-a", [(pin, local(9)) for pin in PINS_1001[:3]])
    closing(session, election, "1001", 3, "close-1001")
    reports.submit_report(session, report(election, "1002", "opened", local(8), "open-1002"),
                          "user:pec")
    counted(session, counting, "2001", "manual", votes=(3, 0, 0, 0), invalid=0,
            ballots_issued_early=1, ballots_issued_station=2, ballots_issued_mobile=1,
            ballots_cancelled=1496, ballots_found_stationary=2, ballots_found_mobile=1)
    counts = reconciliation.station_counts(session, election)
    assert counts["1001"] == {"station": "1001", "tec": "GB01", "region": "KG-GB",
                              "identified": 3, "signed": 3, "issued": None,
                              "scanner": None, "manual": None}
    assert counts["1002"] == {"station": "1002", "tec": "GB01", "region": "KG-GB",
                              "identified": 0} | {k: None for k in NONE if k != "identified"}
    assert counts["1003"] == {"station": "1003", "tec": "GB01", "region": "KG-GB"} | NONE
    assert counts["2001"] == {"station": "2001", "tec": "C07", "region": "KG-C",
                              "identified": 0, "signed": None, "issued": 4, "scanner": None,
                              "manual": 3}
    assert counts["9001"]["region"] == "abroad"


def test_reconciliation_puts_the_largest_flagged_difference_first(session):
    election = counting_day(session)
    rows = reconciliation.reconciliation(session, election)
    assert [(r["station"], r["flagged"], r["largest"]) for r in rows] == [
        ("1002", True, 3), ("1001", True, 1), ("1003", False, 0), ("2001", False, 0),
        ("9001", False, 0)]
    first, second = rows[0], rows[1]
    assert first["differences"] == [
        {"first": "identified", "second": "signed", "first_count": 1, "second_count": 4,
         "difference": -3, "allowed": 0, "flagged": True}]
    assert {k: second[k] for k in NONE} == {"identified": 5, "signed": 5, "issued": 5,
                                           "scanner": 4, "manual": 5}
    assert [(d["first"], d["second"], d["difference"], d["flagged"])
            for d in second["differences"]] == [
        ("identified", "signed", 0, False), ("signed", "issued", 0, False),
        ("issued", "scanner", 1, True), ("scanner", "manual", -1, True),
        ("identified", "scanner", 1, True)]
    assert reconciliation.reconciliation(session, election, "1001") == [second]
    with pytest.raises(NotFound) as exc:
        reconciliation.reconciliation(session, election, "7777")
    assert exc.value.code == "polling.station_not_found"
    # the default tolerance (2 ballots or 1%) lets 1001 through, not 1002
    service.set_polling_config(session, ACTOR, election, {})
    assert [r["station"] for r in reconciliation.reconciliation(session, election)
            if r["flagged"]] == ["1002"]


def test_cases_are_opened_updated_cleared_resolved_and_reopened(session):
    election = counting_day(session)
    zero = {"opened": 0, "updated": 0, "reopened": 0, "cleared": 0}
    assert reconciliation.open_cases(session, ACTOR, election) == zero | {"opened": 2}
    assert reconciliation.open_cases(session, ACTOR, election) == zero
    cases = reconciliation.list_cases(session, election)
    assert [(c["station"], c["tec"], c["status"], c["largest"]) for c in cases] == [
        ("1002", "GB01", "open", 3), ("1001", "GB01", "open", 1)]
    assert cases[1]["counts"] == {"identified": 5, "signed": 5, "issued": 5, "scanner": 4,
                                  "manual": 5}
    [last] = audit.list_records(session, 1)
    assert (last.action, last.object_id, last.change["largest"]) == (
        "polling.case_opened", "1001", 1)

    issue(session, election, "id-1001-a", [(PINS_1001[5], local(19))], prefix="late")
    assert reconciliation.open_cases(session, ACTOR, election) == zero | {"updated": 1}
    assert reconciliation.list_cases(session, election, status="open")[1]["largest"] == 2

    closing(session, election, "1002", 1, "close-1002-fixed")  # a later closing report
    reports_now = reports.station_statuses(session, election)["1002"]["signed_list"]
    assert reports_now == 1
    assert reconciliation.open_cases(session, ACTOR, election) == zero | {"cleared": 1}
    assert [c["station"] for c in reconciliation.list_cases(session, election,
                                                            status="cleared")] == ["1002"]

    case_1001 = reconciliation.list_cases(session, election, status="open")[0]["id"]
    resolved = reconciliation.resolve_case(session, "user:tec", case_1001,
                                           "one ballot spoilt at the scanner, see act 3")
    assert (resolved["status"], resolved["resolved_by"]) == ("resolved", "user:tec")
    assert audit.list_records(session, 1)[0].action == "polling.case_resolved"
    with pytest.raises(Conflict) as again:  # a resolution is not overwritten
        reconciliation.resolve_case(session, "user:other", case_1001, "another story")
    assert again.value.code == "polling.case_not_open"
    assert reconciliation.open_cases(session, ACTOR, election) == zero  # counts unchanged
    issue(session, election, "id-1001-a", [(PINS_1001[6], local(19, 30))], prefix="later")
    assert reconciliation.open_cases(session, ACTOR, election) == zero | {"reopened": 1}
    assert reconciliation.list_cases(session, election, status="open")[0]["station"] == "1001"
    actions = [r.action for r in audit.list_records(session, 10)
               if r.action.startswith("polling.case_")]
    assert actions == ["polling.case_reopened", "polling.case_resolved",
                       "polling.case_cleared", "polling.case_updated",
                       "polling.case_opened", "polling.case_opened"]


def test_new_tolerances_clear_and_reopen_cases_with_the_same_counts(session):
    election = counting_day(session)
    reconciliation.open_cases(session, ACTOR, election)
    service.set_polling_config(session, ACTOR, election, {"tolerance": {"absolute": 5}})
    assert reconciliation.open_cases(session, ACTOR, election)["cleared"] == 2
    assert reconciliation.list_cases(session, election, status="open") == []
    service.set_polling_config(session, ACTOR, election, EXACT)
    assert reconciliation.open_cases(session, ACTOR, election)["reopened"] == 2


def test_cases_of_one_commission_and_an_unknown_case(session):
    election = counting_day(session)
    reconciliation.open_cases(session, ACTOR, election)
    assert len(reconciliation.list_cases(session, election, tec="GB01")) == 2
    assert reconciliation.list_cases(session, election, tec="C07") == []
    assert reconciliation.list_cases(session, election + 1000) == []
    with pytest.raises(NotFound) as exc:
        reconciliation.resolve_case(session, ACTOR, 987654, "nothing to see")
    assert exc.value.code == "polling.case_not_found"
    with pytest.raises(NotFound):
        reconciliation.case_station(session, 987654)
