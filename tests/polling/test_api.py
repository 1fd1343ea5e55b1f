"""Polling-day HTTP API: who may put an operator on duty, save operators and settings, send
station reports and resolve cases (a PEC member only for their own station, a TEC member
only for its stations), the public figures, and bad input answered with the reason."""

from __future__ import annotations

import pytest

from shailoo.auth.rules import Role, Scope
from shailoo.polling import reconciliation
from shailoo.types import ScopeKind
from tests.polling.factories import ROWS, counting_day, issue, local, report, setup_country
from tests.web.conftest import token_for


def pec(session, station: str) -> dict[str, str]:
    return token_for(session, f"pec-{station}", Role.PEC_MEMBER, Scope(ScopeKind.STATION,
                                                                         station))


def tec(session, code: str) -> dict[str, str]:
    return token_for(session, f"tec-{code.lower()}", Role.TEC_MEMBER,
                     Scope(ScopeKind.TERRITORIAL, code))


def code_of(response) -> str:
    return response.json()["error"]["code"]


def body(model) -> dict:
    return model.model_dump(mode="json", exclude_none=True)


def test_a_station_member_puts_an_operator_on_duty_at_their_own_station_only(client, session):
    setup_country(session)
    mine, other = pec(session, "1001"), pec(session, "1002")
    observer = token_for(session, "watcher", Role.OBSERVER)
    url = "/api/devices/id-1001-a/operator"
    assert client.put(url, json={"operator_id": None}).status_code == 401
    watcher = client.put(url, json={"operator_id": None}, headers=observer)
    assert (watcher.status_code, code_of(watcher)) == (403, "auth.permission_denied")
    refused = client.put(url, json={"operator_id": None}, headers=other)
    assert (refused.status_code, code_of(refused)) == (403, "auth.out_of_scope")
    off = client.put(url, json={"operator_id": None}, headers=mine)
    assert off.status_code == 200 and off.json() == {"id": "id-1001-a", "operator_id": None}
    on = client.put(url, json={"operator_id": "op-1"}, headers=mine)
    assert on.json() == {"id": "id-1001-a", "operator_id": "op-1"}
    admin = token_for(session, "chair", Role.CEC_ADMIN)
    client.put("/api/polling/operators/op-2", json={"full_name": "Бекова Нуриза",
                                                   "certified": False}, headers=admin)
    uncertified = client.put(url, json={"operator_id": "op-2"}, headers=mine)
    assert (uncertified.status_code, code_of(uncertified)) == (
        403, "polling.operator_not_certified")
    missing = client.put("/api/devices/id-404/operator", json={"operator_id": "op-1"},
                         headers=mine)
    assert (missing.status_code, code_of(missing)) == (404, "polling.device_not_found")
    assert client.put(url, json={"operator_id": "op 1!"}, headers=mine).status_code == 422


def test_operators_are_saved_by_the_cec_only(client, session):
    setup_country(session)
    admin = token_for(session, "chair", Role.CEC_ADMIN)
    url = "/api/polling/operators/op-2"
    data = {"full_name": "Бекова Нуриза", "certified": True, "certified_until": "2099-12-31"}
    assert client.put(url, json=data, headers=tec(session, "GB01")).status_code == 403
    assert client.put(url, json=data, headers=pec(session, "1001")).status_code == 403
    saved = client.put(url, json=data, headers=admin)
    assert saved.status_code == 200 and saved.json() == {
        "id": "op-2", "full_name": "Бекова Нуриза", "certified": True,
        "certified_until": "2099-12-31", "pin": None}
    blank = client.put(url, json={"full_name": "  ", "certified": True}, headers=admin)
    assert (blank.status_code, code_of(blank)) == (422, "polling.bad_operator")
    assert client.put(url, json={"full_name": "X"}, headers=admin).status_code == 422
    assert client.put(url, json=data | {"role": "boss"}, headers=admin).status_code == 422
    assert client.put("/api/polling/operators/" + "o" * 61, json=data,
                      headers=admin).status_code == 422


def test_station_reports_from_members_in_scope_and_from_signed_devices(client, session):
    election = setup_country(session)
    opened = body(report(election, "1001", "opened", local(8), "rep-1001-open"))
    assert client.post("/api/polling/station-reports", json=opened,
                       headers=pec(session, "1002")).json()["error"]["code"] == \
        "auth.out_of_scope"
    unsigned = client.post("/api/polling/station-reports", json=opened)
    assert (unsigned.status_code, code_of(unsigned)) == (403, "polling.signature_required")
    first = client.post("/api/polling/station-reports", json=opened,
                        headers=pec(session, "1001"))
    assert first.status_code == 200 and first.json() == {"report_id": "rep-1001-open",
                                                         "repeated": False}
    by_tec = client.post("/api/polling/station-reports", json=opened,
                         headers=tec(session, "GB01"))
    assert by_tec.json()["repeated"] is True
    signed = body(report(election, "1001", "turnout", local(10), "rep-1001-t10", voters=1,
                         device="id-1001-a"))
    assert client.post("/api/polling/station-reports", json=signed).json()["repeated"] is False
    forged = signed | {"voters": 900, "report_id": "rep-1001-t12"}
    refused = client.post("/api/polling/station-reports", json=forged)
    assert (refused.status_code, code_of(refused)) == (403, "polling.bad_signature")
    bad = client.post("/api/polling/station-reports", headers=pec(session, "1003"),
                      json=body(report(election, "1003", "turnout", local(10),
                                       "rep-1003-t10")))
    assert (bad.status_code, code_of(bad)) == (422, "polling.bad_station_report")
    short_id = opened | {"report_id": "r1"}
    assert client.post("/api/polling/station-reports", json=short_id,
                       headers=pec(session, "9001")).status_code == 422
    stations = {s["station"]: s for s in client.get(f"/api/polling/{election}/stations").json()}
    assert (stations["1001"]["status"], stations["1001"]["last_turnout"]) == ("opened", 1)
    dashboard = client.get(f"/api/polling/{election}/dashboard").json()
    assert [r["region"] for r in dashboard] == ["KG-C", "KG-GB", "abroad"]
    assert dashboard[1]["not_opened"] == ["1002", "1003"]


def test_settings_are_public_and_set_by_the_cec(client, session):
    election = setup_country(session)
    admin = token_for(session, "chair", Role.CEC_ADMIN)
    url = f"/api/polling/{election}/settings"
    assert client.get(url).json()["turnout_hours"] == ["10:00", "12:00", "14:00", "16:00",
                                                       "18:00", "20:00"]
    assert client.put(url, json={"jump_limit": 0.1},
                      headers=tec(session, "GB01")).status_code == 403
    saved = client.put(url, json={"jump_limit": 0.1, "turnout_hours": ["12:00", "18:00"]},
                       headers=admin)
    assert saved.status_code == 200 and saved.json()["turnout_hours"] == ["12:00", "18:00"]
    assert client.get(url).json() == saved.json()
    bad = client.put(url, json={"jump_limit": 2}, headers=admin)
    assert (bad.status_code, code_of(bad)) == (422, "polling.bad_settings")
    assert "jump_limit" in bad.json()["error"]["message"]
    assert client.put(url, json=["jump_limit"], headers=admin).status_code == 422
    assert client.get(url).json()["jump_limit"] == 0.1


@pytest.mark.parametrize("path", ["settings", "turnout", "jumps", "stations", "dashboard",
                                  "reconciliation", "cases"])
def test_an_unknown_election_is_not_found(client, session, path):
    election = setup_country(session)
    response = client.get(f"/api/polling/{election + 1000}/{path}")
    assert (response.status_code, code_of(response)) == (404, "elections.not_found")


def test_turnout_by_level_and_jumps(client, session):
    election = setup_country(session)
    issue(session, election, "id-1001-a", [(ROWS[0]["pin"], local(20))])  # all hours out
    nation = client.get(f"/api/polling/{election}/turnout", params={"level": "nation"})
    assert nation.status_code == 200
    [row] = nation.json()["rows"]
    assert (row["unit"], row["registered"], row["identified"], row["turnout"]) == (
        "nation", 2, 1, 0.5)
    assert row["published"] == {h: 0.0 for h in ("10:00", "12:00", "14:00", "16:00",
                                                 "18:00", "20:00")}
    stations = client.get(f"/api/polling/{election}/turnout?level=station").json()["rows"]
    assert [r["unit"] for r in stations] == ["1001", "1002", "1003", "2001", "9001"]
    assert client.get(f"/api/polling/{election}/jumps").json() == []
    region = client.get(f"/api/polling/{election}/turnout").json()
    assert region["level"] == "region"
    bad = client.get(f"/api/polling/{election}/turnout", params={"level": "village"})
    assert (bad.status_code, code_of(bad)) == (422, "polling.bad_level")


def test_reconciliation_cases_are_opened_by_the_cec_and_resolved_by_the_tec(client, session):
    election = counting_day(session)
    admin = token_for(session, "chair", Role.CEC_ADMIN)
    gb01, c07 = tec(session, "GB01"), tec(session, "C07")
    figures = client.get(f"/api/polling/{election}/reconciliation").json()
    assert [(r["station"], r["largest"]) for r in figures[:2]] == [("1002", 3), ("1001", 1)]
    one = client.get(f"/api/polling/{election}/reconciliation", params={"station": "1001"})
    assert [r["station"] for r in one.json()] == ["1001"]
    missing = client.get(f"/api/polling/{election}/reconciliation", params={"station": "7"})
    assert (missing.status_code, code_of(missing)) == (404, "polling.station_not_found")
    assert client.post(f"/api/polling/{election}/reconcile").status_code == 401
    assert client.post(f"/api/polling/{election}/reconcile", headers=gb01).status_code == 403
    opened = client.post(f"/api/polling/{election}/reconcile", headers=admin)
    assert opened.json() == {"opened": 2, "updated": 0, "reopened": 0, "cleared": 0}
    cases = client.get(f"/api/polling/{election}/cases", params={"tec": "GB01"}).json()
    assert [c["station"] for c in cases] == ["1002", "1001"]
    assert client.get(f"/api/polling/{election}/cases", params={"status": "resolved"}
                      ).json() == []
    case = cases[0]["id"]
    decision = {"resolution": "the closing report was mistyped; act No. 4"}
    url = f"/api/polling/cases/{case}/resolve"
    outside = client.post(url, json=decision, headers=c07)
    assert (outside.status_code, code_of(outside)) == (403, "auth.out_of_scope")
    assert client.post(url, json=decision, headers=pec(session, "1002")).status_code == 403
    assert client.post(url, json={"resolution": "ok"}, headers=gb01).status_code == 422
    resolved = client.post(url, json=decision, headers=gb01)
    assert resolved.status_code == 200
    assert (resolved.json()["status"], resolved.json()["resolved_by"]) == (
        "resolved", "user:tec-gb01")
    assert reconciliation.list_cases(session, election, status="resolved")[0]["id"] == case
    unknown = client.post("/api/polling/cases/987654/resolve", json=decision, headers=gb01)
    assert (unknown.status_code, code_of(unknown)) == (404, "polling.case_not_found")
