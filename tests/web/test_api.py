"""JSON API: authorisation on every write, scope, errors as JSON with stable codes."""

from __future__ import annotations

from sqlalchemy import select

from shailoo.audit import service as audit
from shailoo.geography.models import PollingStation


def test_public_reads_need_no_sign_in(client, country):
    stations = client.get("/api/geography/stations", params={"q": "ёлкино"}).json()
    assert [s["code"] for s in stations] == ["2001"]
    assert client.get("/api/geography/regions").json()[0]["code"] == "KG-C"
    assert client.get(f"/api/elections/{country}").json()["status"] == "scheduled"


def test_write_without_credentials_is_401_with_code(client, country):
    response = client.patch("/api/geography/stations/1001", json={"name": "X"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "auth.unauthenticated"


def test_bad_token_is_401(client, country):
    response = client.post("/api/elections/1/transitions", json={"to": "nomination",
                                                                 "reason": "x"},
                           headers={"Authorization": "Bearer shl_nope"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "auth.bad_token"


def test_role_without_permission_is_403(client, observer_headers, country):
    response = client.post(f"/api/elections/{country}/transitions",
                           json={"to": "nomination", "reason": "calendar"},
                           headers=observer_headers)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "auth.permission_denied"


def test_territorial_member_edits_own_station(client, tec_headers, session):
    response = client.patch("/api/geography/stations/1002",
                            json={"address": "г. Бишкек, ул. Манаса, 1"}, headers=tec_headers)
    assert response.status_code == 200, response.text
    assert response.json()["address"] == "г. Бишкек, ул. Манаса, 1"
    assert audit.list_records(session, 1)[0].action == "geography.station_updated"


def test_territorial_member_cannot_touch_another_territory(client, tec_headers, session):
    before_records = audit.count_records(session)
    response = client.patch("/api/geography/stations/2001", json={"name": "Захвачено"},
                            headers=tec_headers)
    assert response.status_code == 403
    body = response.json()["error"]
    assert body["code"] == "auth.out_of_scope"
    assert "tec:GB01" in body["message"]
    name = session.execute(select(PollingStation.name).where(
        PollingStation.code == "2001")).scalar_one()
    assert name == "Дом культуры"
    assert audit.count_records(session) == before_records


def test_territorial_member_cannot_act_nationwide(client, tec_headers, country):
    response = client.post(f"/api/elections/{country}/transitions",
                           json={"to": "nomination", "reason": "x"}, headers=tec_headers)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "auth.permission_denied"


def test_admin_moves_election_and_forbidden_transition_is_refused(client, admin_headers,
                                                                  country, session):
    ok = client.post(f"/api/elections/{country}/transitions",
                     json={"to": "nomination", "reason": "calendar approved"},
                     headers=admin_headers)
    assert ok.status_code == 200 and ok.json()["status"] == "nomination"
    records = audit.count_records(session)
    bad = client.post(f"/api/elections/{country}/transitions",
                      json={"to": "certified", "reason": "skip ahead"}, headers=admin_headers)
    assert bad.status_code == 422
    error = bad.json()["error"]
    assert error["code"] == "elections.transition_forbidden"
    assert "campaign" in error["message"]
    assert client.get(f"/api/elections/{country}").json()["status"] == "nomination"
    assert audit.count_records(session) == records


def test_csv_import_over_api_is_all_or_nothing(client, admin_headers, session):
    body = ("code,kind,tec,name,address,locality,country,city,latitude,longitude,"
            "planned_voters\n"
            "3001,ordinary,GB01,Школа,\"г. Бишкек, ул. Ленина, 1\",Бишкек,KG,,42.87,74.6,900\n"
            "3002,ordinary,NOPE,Школа,\"г. Бишкек, ул. Ленина, 2\",Бишкек,KG,,42.87,74.6,900\n"
            "3001,ordinary,GB01,Школа,\"г. Бишкек, ул. Ленина, 3\",Бишкек,KG,,42.87,74.6,x\n")
    response = client.post("/api/geography/import/stations", content=body.encode(),
                           headers={**admin_headers, "X-Filename": "new.csv"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "import.rejected"
    problems = {(e["line"], e["field"]) for e in error["details"]["report"]["errors"]}
    assert problems == {(3, "tec"), (4, "planned_voters")}
    assert client.get("/api/geography/stations/3001").status_code == 404


def test_user_management_is_for_administrators(client, admin_headers, tec_headers):
    created = client.post("/api/users", json={
        "username": "pec-1001", "full_name": "Асанова Айгерим", "password": "long enough pw",
        "role": "pec_member", "scope_kind": "station", "scope_code": "1001"},
        headers=admin_headers)
    assert created.status_code == 201, created.text
    assert created.json()["scope"] == "station:1001"
    refused = client.get("/api/users", headers=tec_headers)
    assert refused.status_code == 403


def test_token_exchange_and_me(client, admin_headers):
    from tests.factories import PASSWORD

    token = client.post("/api/auth/token", json={"username": "chair", "password": PASSWORD})
    assert token.status_code == 201
    me = client.get("/api/me", headers={"Authorization": f"Bearer {token.json()['token']}"})
    assert me.json()["role"] == "cec_admin"
    wrong = client.post("/api/auth/token", json={"username": "chair", "password": "nope"})
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] == "auth.bad_credentials"


def test_audit_verify_api(client, admin_headers):
    result = client.get("/api/audit/verify", headers=admin_headers).json()
    assert result["intact"] is True and result["checked"] >= 5


def test_validation_errors_name_the_field(client, admin_headers):
    response = client.post("/api/elections", json={"code": "X"}, headers=admin_headers)
    assert response.status_code == 422
    fields = {p["field"] for p in response.json()["error"]["details"]["problems"]}
    assert "body.code" in fields and "body.kind" in fields
