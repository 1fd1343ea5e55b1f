"""The register's JSON API: the public lookup (same answer shape, same work and a rate limit
for any PIN; a one-line text form), scoped reads, and the guarded writes."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import event

from shailoo.register import api, lookup
from tests.register.web_helpers import BY_KEY, POLLING, World, web_client

ANSWER_KEYS = {"found", "election_id", "polling_date", "opening_hours", "station"}
UNKNOWN_PIN = "21111199000099"


# --- the public lookup ----------------------------------------------------------------------


def test_lookup_answers_the_station_without_anything_personal(web, world):
    answer = web.post("/api/register/lookup", json={"pin": world.pin("a1")})
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == ANSWER_KEYS and body["found"] is True
    assert body["station"]["code"] == "1001"
    assert body["station"]["address"] == "г. Бишкек, ул. Токтогула, 125"
    assert body["station"]["map_url"].startswith("https://www.openstreetmap.org/?mlat=42.87")
    assert body["opening_hours"] == "08:00-20:00"
    assert body["election_id"] == world.election_id
    assert world.pin("a1") not in answer.text and "Асанов" not in answer.text
    assert answer.headers["cache-control"] == "no-store"


def test_lookup_follows_a_change_of_voting_address(web, world):
    moved = web.post("/api/register/lookup", json={"pin": world.pin("b2")}).json()
    assert moved["station"]["code"] == "9001" and moved["station"]["country"] == "RU"


@pytest.mark.parametrize("pin", [UNKNOWN_PIN, "12345", "not a pin", "", " " * 30,
                                 "2" * 200, "'; DROP TABLE register_persons; --"])
def test_unknown_and_malformed_pins_get_the_same_answer_as_excluded_ones(web, world, pin):
    excluded = web.post("/api/register/lookup", json={"pin": world.pin("b_dead")})
    other = web.post("/api/register/lookup", json={"pin": pin})
    assert excluded.status_code == other.status_code == 200
    assert excluded.json() == other.json()
    assert set(other.json()) == ANSWER_KEYS and other.json()["found"] is False
    assert other.json()["station"] is None


def test_known_unknown_and_malformed_pins_take_the_same_statements(web, world, engine):
    """Equal work instead of a timing test: after the directory is warm, every PIN costs the
    same SQL statements (the same text, only the bound PIN differs)."""
    web.post("/api/register/lookup", json={"pin": UNKNOWN_PIN})  # warms the directory
    executed: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        executed.append(statement)

    seen: dict[str, list[str]] = {}
    event.listen(engine, "before_cursor_execute", record)
    try:
        for label, pin in [("known", world.pin("a1")), ("unknown", UNKNOWN_PIN),
                           ("malformed", "12-34"), ("excluded", world.pin("a_minor")),
                           ("moved", world.pin("a2"))]:
            executed.clear()
            assert web.post("/api/register/lookup", json={"pin": pin}).status_code == 200
            seen[label] = list(executed)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert len(seen["known"]) >= 1
    assert all(statements == seen["known"] for statements in seen.values()), seen


def test_the_directory_is_made_once_per_app(web, world):
    web.post("/api/register/lookup", json={"pin": world.pin("a1")})
    web.post("/where", data={"pin": world.pin("a1")})
    directory, _limiter = web.app.state.register_lookup
    assert isinstance(directory, lookup.Directory) and directory.election_id == world.election_id
    web.post("/api/register/lookup.txt", content=world.pin("a1"))
    assert web.app.state.register_lookup[0] is directory


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the rate limiter in one minute window, whenever the test runs."""
    clock = SimpleNamespace(time=lambda: 6_000_010.0)
    monkeypatch.setattr("shailoo.register.api.time", clock)
    monkeypatch.setattr("shailoo.register.pages.time", clock)


def test_rate_limit_per_client(session, world, frozen_clock):
    with web_client(session, client=("10.0.0.1", 4000), lookup_rate_per_minute=3) as web:
        for _ in range(3):
            assert web.post("/api/register/lookup", json={"pin": UNKNOWN_PIN}).status_code == 200
        refused = web.post("/api/register/lookup", json={"pin": world.pin("a1")})
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "register.rate_limited"
        assert refused.headers["retry-after"] == "50"
        assert refused.json()["error"]["details"]["retry_after"] == 50
        text = web.post("/api/register/lookup.txt", content=world.pin("a1"))
        assert text.status_code == 429 and text.headers["retry-after"] == "50"
        page = web.post("/where", data={"pin": world.pin("a1")})
        assert page.status_code == 429 and "1001" not in page.text
    with web_client(session, client=("10.0.0.2", 4000), lookup_rate_per_minute=3) as other:
        assert other.post("/api/register/lookup", json={"pin": world.pin("a1")}).json()[
            "found"] is True


def test_rate_limit_counts_clients_apart(session, world, frozen_clock):
    with web_client(session, lookup_rate_per_minute=1) as web:
        limiter = web.app.state.register_lookup[1] if hasattr(
            web.app.state, "register_lookup") else None
        assert limiter is None  # made lazily, on the first lookup
        assert web.post("/api/register/lookup", json={"pin": UNKNOWN_PIN}).status_code == 200
        assert web.post("/api/register/lookup", json={"pin": UNKNOWN_PIN}).status_code == 429
        limiter = web.app.state.register_lookup[1]
        assert limiter.check("another-address", 6_000_010.0) is None


def test_text_answer_is_one_line_in_the_visitors_language(web, world):
    found = web.post("/api/register/lookup.txt", content=world.pin("a1"))
    assert found.status_code == 200
    assert found.headers["content-type"].startswith("text/plain")
    assert found.text == (f"Участок 1001: г. Бишкек, ул. Токтогула, 125, 08:00-20:00, "
                          f"{world_polling(web, world)}\n")
    assert found.text.count("\n") == 1
    as_json = web.post("/api/register/lookup.txt?lang=ky", json={"pin": world.pin("a1")})
    assert as_json.text.startswith("Шайлоо участкасы 1001: г. Бишкек")
    as_form = web.post("/api/register/lookup.txt?lang=en", data={"pin": world.pin("b1")})
    assert as_form.text.startswith("Polling station 2001: Сокулукский район, с. Ёлкино")
    web.get("/lang/en")
    missing = web.post("/api/register/lookup.txt", content="nonsense\nwith lines")
    assert missing.status_code == 200
    assert missing.text == "This PIN is not on any voter list of the upcoming election.\n"
    excluded = web.post("/api/register/lookup.txt", content=world.pin("b_dead"))
    assert excluded.text == missing.text
    broken = web.post("/api/register/lookup.txt", content="{not json",
                      headers={"content-type": "application/json"})
    assert broken.status_code == 200 and broken.text == missing.text


def world_polling(web: Any, world: World) -> str:
    return web.get(f"/api/register/elections/{world.election_id}/rules").json()["polling_date"]


def test_lookup_before_any_list_is_built_finds_nobody(session):
    from tests.factories import make_country

    make_country(session)
    with web_client(session) as web:
        answer = web.post("/api/register/lookup", json={"pin": UNKNOWN_PIN})
        assert answer.status_code == 200
        assert answer.json() == {"found": False, "election_id": None, "polling_date": None,
                                 "opening_hours": "08:00-20:00", "station": None}


# --- public figures -------------------------------------------------------------------------


def test_public_import_figures_rules_and_freezes(web, world):
    imports = web.get("/api/register/imports").json()
    assert [i["id"] for i in imports] == [world.import_id] and imports[0]["added"] == 11
    stations = web.get(f"/api/register/imports/{world.import_id}/stations").json()
    assert {s["station"]: s["added"] for s in stations} == {None: 2, "1001": 3, "1002": 1,
                                                                 "2001": 5}
    assert web.get("/api/register/imports/999/stations").json()["error"]["code"] == (
        "register.import_not_found")
    rules = web.get(f"/api/register/elections/{world.election_id}/rules").json()
    assert rules["change_scope"] == "anyone" and rules["min_age"] == 18
    assert web.get(f"/api/register/elections/{world.election_id}/freezes").json() == []


# --- scoped reads ---------------------------------------------------------------------------


def test_person_within_scope_only(web, world):
    pin = world.pin("a1")
    mine = web.get(f"/api/register/persons/{pin}", headers=world.headers["pec_a"])
    assert mine.status_code == 200 and mine.json()["surname"] == "Асанов"
    assert mine.json()["home_station"] == "1001"
    other = web.get(f"/api/register/persons/{pin}", headers=world.headers["pec_b"])
    unknown = web.get(f"/api/register/persons/{UNKNOWN_PIN}", headers=world.headers["pec_b"])
    assert other.status_code == unknown.status_code == 404
    assert other.json()["error"]["code"] == unknown.json()["error"]["code"] == (
        "register.person_not_found")
    assert web.get(f"/api/register/persons/{pin}", headers=world.headers["cec"]).status_code == (
        200)
    observer = web.get(f"/api/register/persons/{pin}", headers=world.headers["observer"])
    assert observer.status_code == 403
    assert observer.json()["error"]["code"] == "auth.permission_denied"
    assert web.get(f"/api/register/persons/{pin}").status_code == 401


def test_moved_voter_is_seen_by_both_territories(web, world):
    pin = world.pin("a2")  # lives in 1002 (A), votes in 2001 (B) in this election
    for member in ("tec_a", "pec_b"):
        assert web.get(f"/api/register/persons/{pin}",
                       headers=world.headers[member]).status_code == 200
    history = web.get(f"/api/register/elections/{world.election_id}/persons/{pin}/changes",
                      headers=world.headers["pec_b"]).json()
    assert [(c["from_station"], c["to_station"], c["status"]) for c in history] == [
        ("1002", "2001", "active")]


def test_station_list_and_additional_list(web, world):
    base = f"/api/register/elections/{world.election_id}/stations"
    listed = web.get(f"{base}/2001", headers=world.headers["pec_b"]).json()
    # Осмонов moved abroad; his Latin-spelled double (a likely duplicate) is still listed
    assert [v["surname"] for v in listed] == ["Osmonov", "Алиева", "Жумабаева"]
    assert [v["number"] for v in listed] == [1, 2, 3]
    assert web.get(f"{base}/2001", headers=world.headers["pec_a"]).status_code == 403
    extra = web.get(f"{base}/2001/additional", headers=world.headers["tec_b"]).json()
    assert [(a["pin"], a["reason"]) for a in extra] == [(world.pin("b_nostation"),
                                                         "lives in Kant since May")]


def test_incoming_changes_of_the_callers_territory(web, world):
    path = f"/api/register/elections/{world.election_id}/incoming"
    assert [r["station"] for r in web.get(path, headers=world.headers["cec"]).json()] == [
        "2001", "9001"]
    mine = web.get(path, headers=world.headers["tec_b"]).json()
    assert [(r["station"], r["incoming"], r["listed"], r["warning"]) for r in mine] == [
        ("2001", 1, 3, True)]
    assert web.get(path, headers=world.headers["tec_a"]).json() == []


def test_cec_report_and_duplicate_cases(web, world):
    report = web.get(f"/api/register/elections/{world.election_id}/report",
                     headers=world.headers["cec"]).json()
    assert report["eligibility"] == {"listed": 5, "deceased": 1, "no_biometrics": 2,
                                     "under_age": 1, "no_station": 2}
    assert report["assignment"]["outcomes"] == {"matched": 9, "none": 2}
    assert web.get(f"/api/register/elections/{world.election_id}/report",
                   headers=world.headers["tec_a"]).status_code == 403
    cases = web.get("/api/register/duplicates", headers=world.headers["cec"]).json()
    assert [(c["pin_a"], c["pin_b"]) for c in cases] == [(world.pin("b2"),
                                                          world.pin("b2_latin"))]


# --- writes ---------------------------------------------------------------------------------


def test_form_no_2_at_a_commission_and_its_withdrawal(web, world):
    pin = world.pin("b1")
    refused = web.post("/api/register/changes", json={"pin": pin, "to_station": "2001"},
                       headers=world.headers["pec_a"])
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "register.out_of_scope"
    made = web.post("/api/register/changes", json={"pin": pin, "to_station": "1001"},
                    headers=world.headers["pec_a"])
    assert made.status_code == 200, made.text
    change = made.json()
    assert (change["from_station"], change["to_station"], change["channel"],
            change["actor"]) == ("2001", "1001", "commission", "user:pec-a")
    assert change["election_id"] == world.election_id  # the next election by default
    assert web.post("/api/register/lookup", json={"pin": pin}).json()["station"]["code"] == (
        "1001")
    bad = web.post(f"/api/register/changes/{change['id']}/withdraw", json={"reason": ""},
                   headers=world.headers["pec_a"])
    assert bad.status_code == 422
    withdrawn = web.post(f"/api/register/changes/{change['id']}/withdraw",
                         json={"reason": "the voter changed their mind"},
                         headers=world.headers["pec_b"])
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert web.post("/api/register/lookup", json={"pin": pin}).json()["station"]["code"] == (
        "2001")
    again = web.post(f"/api/register/changes/{change['id']}/withdraw",
                     json={"reason": "twice"}, headers=world.headers["pec_b"])
    assert again.status_code == 409


def test_online_channel_and_permissions(web, world):
    request = {"pin": world.pin("a1"), "to_station": "9001", "channel": "online",
               "election_id": world.election_id}
    # only the state portal's account sends online changes, and it sends only those
    for who, channel in (("cec", "online"), ("portal", "commission")):
        wrong = web.post("/api/register/changes", json={**request, "channel": channel},
                         headers=world.headers[who])
        assert wrong.status_code == 422
        assert wrong.json()["error"]["code"] == "register.bad_channel"
    online = web.post("/api/register/changes", json=request, headers=world.headers["portal"])
    assert online.status_code == 200 and online.json()["channel"] == "online"
    assert online.json()["actor"] == "user:portal"
    # the portal reads nothing of the register
    assert web.get(f"/api/register/persons/{world.pin('a1')}",
                   headers=world.headers["portal"]).status_code == 403
    bad = web.post("/api/register/changes", json={"pin": world.pin("a1"), "to_station": "9001",
                                                  "channel": "fax"},
                   headers=world.headers["cec"])
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "request.invalid"
    observer = web.post("/api/register/changes", json={"pin": world.pin("a1"),
                                                       "to_station": "1001"},
                        headers=world.headers["observer"])
    assert observer.status_code == 403
    assert web.post("/api/register/changes", json={"pin": world.pin("a1"),
                                                   "to_station": "1001"}).status_code == 401


def test_additional_list_on_polling_day(web, world, monkeypatch):
    entry = {"pin": world.pin("a_nostation"), "station": "1001", "reason": "new address"}
    not_yet = web.post("/api/register/additional", json=entry, headers=world.headers["pec_a"])
    assert not_yet.json()["error"]["code"] == "register.not_polling_day"
    monkeypatch.setattr(api, "today", lambda _request: POLLING)
    assert web.post("/api/register/additional", json={**entry, "station": "2001"},
                    headers=world.headers["pec_a"]).status_code == 403
    added = web.post("/api/register/additional", json=entry, headers=world.headers["pec_a"])
    assert added.status_code == 200, added.text
    assert added.json() == {"election_id": world.election_id, "station": "1001",
                            "pin": world.pin("a_nostation"), "reason": "new address"}
    twice = web.post("/api/register/additional", json=entry, headers=world.headers["tec_a"])
    assert twice.status_code == 409 and twice.json()["error"]["code"] == (
        "register.already_added")
    listed = web.post("/api/register/additional", json={**entry, "pin": world.pin("a1")},
                      headers=world.headers["pec_a"])
    assert listed.json()["error"]["code"] == "register.already_listed"
    for key in ("a_minor", "a_nobio"):  # under age; no biometric registration
        refused = web.post("/api/register/additional", json={**entry, "pin": world.pin(key)},
                           headers=world.headers["pec_a"])
        assert refused.status_code == 422
        assert refused.json()["error"]["code"] == "register.not_eligible"


def test_duplicate_decision_keeps_the_second_pin_off_the_lists(web, world):
    decision = {"same_person": True, "reason": "one person, two spellings"}
    assert web.post(f"/api/register/duplicates/{world.case_id}/decision", json=decision,
                    headers=world.headers["tec_b"]).status_code == 403
    decided = web.post(f"/api/register/duplicates/{world.case_id}/decision", json=decision,
                       headers=world.headers["cec"])
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "same_person"
    assert decided.json()["blocked_pin"] == world.pin("b2_latin")
    assert web.post("/api/register/lookup", json={"pin": world.pin("b2_latin")}).json()[
        "found"] is False
    again = web.post(f"/api/register/duplicates/{world.case_id}/decision", json=decision,
                     headers=world.headers["cec"])
    assert again.status_code == 409
    assert web.get("/api/register/duplicates", headers=world.headers["cec"]).json() == []


def test_rules_build_and_freeze(web, world):
    path = f"/api/register/elections/{world.election_id}"
    assert web.put(f"{path}/rules", json={"min_age": 21},
                   headers=world.headers["tec_a"]).status_code == 403
    changed = web.put(f"{path}/rules", json={"min_age": 21, "opening_hours": "07:00-20:00"},
                      headers=world.headers["cec"])
    assert changed.status_code == 200 and changed.json()["min_age"] == 21
    unknown = web.put(f"{path}/rules", json={"colour": "red"}, headers=world.headers["cec"])
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == (
        "register.unknown_rule")
    assert web.post(f"{path}/lists", headers=world.headers["pec_a"]).status_code == 403
    built = web.post(f"{path}/lists", headers=world.headers["cec"])
    assert built.status_code == 200
    assert built.json()["listed"] == 5  # Алиева, born 1990, is still over 21
    frozen = web.post(f"{path}/freeze", json={"stations": ["1001"]},
                      headers=world.headers["cec"])
    assert frozen.status_code == 200
    assert [(f["station"], f["voters"]) for f in frozen.json()] == [("1001", 1)]
    published = web.get(f"{path}/freezes").json()
    assert [(f["station"], f["sha256"]) for f in published] == [
        ("1001", frozen.json()[0]["sha256"])]
    rest = web.post(f"{path}/freeze", headers=world.headers["cec"])
    assert sorted(f["station"] for f in rest.json()) == ["2001", "9001"]  # 1002: nobody left
    assert web.post(f"{path}/lists", headers=world.headers["cec"]).json()["error"]["code"] == (
        "register.lists_frozen")
    late = web.post("/api/register/changes", json={"pin": world.pin("b1"),
                                                   "to_station": "1001"},
                    headers=world.headers["pec_a"])
    assert late.status_code == 422 and late.json()["error"]["code"] == "register.list_frozen"
    lookup_answer = web.post("/api/register/lookup", json={"pin": world.pin("a1")}).json()
    assert lookup_answer["found"] is True


def test_address_table_upload(web, world):
    from tests.register.web_helpers import ADDRESSES_CSV

    assert web.post("/api/register/addresses", content=ADDRESSES_CSV.encode(),
                    headers=world.headers["tec_a"]).status_code == 403
    report = web.post("/api/register/addresses", content=ADDRESSES_CSV.encode(),
                      headers={**world.headers["cec"], "x-filename": "same.csv"})
    assert report.status_code == 200, report.text
    assert report.json()["rows_accepted"] == 3
    bad = web.post("/api/register/addresses", content="\xff".encode("latin-1"),
                   headers=world.headers["cec"])
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "import.not_utf8"
    rejected = web.post("/api/register/addresses", content=b"region,locality,street,house,"
                        b"station\nKG-XX,Somewhere,,,1001\n", headers=world.headers["cec"])
    assert rejected.status_code == 422 and rejected.json()["error"]["code"] == (
        "import.rejected")


def test_address_table_upload_moves_persons(web, world):
    body = "region,locality,street,house,station\nKG-GB,Бишкек,Токтогула,,1002\n"
    report = web.post("/api/register/addresses", content=body.encode(),
                      headers=world.headers["cec"])
    assert report.status_code == 200, report.text
    person = web.get(f"/api/register/persons/{world.pin('a1')}",
                     headers=world.headers["cec"]).json()
    assert person["home_station"] == "1002"
    answer = web.post("/api/register/lookup", json={"pin": world.pin("a1")}).json()
    assert answer["station"]["code"] == "1002"  # the built list follows


def test_no_upcoming_election(session):
    from tests.factories import make_country, make_user

    make_country(session)
    from shailoo.auth import service as auth
    from shailoo.auth.rules import Role

    token = auth.issue_token(session, make_user(session, "chair", Role.CEC_ADMIN), "t")
    with web_client(session) as web:
        answer = web.post("/api/register/changes", json={"pin": BY_KEY["a1"].pin,
                                                         "to_station": "1001"},
                          headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 404
        assert answer.json()["error"]["code"] == "register.no_upcoming_election"
