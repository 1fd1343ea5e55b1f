"""Identifications on polling day: the answer per voter, batches sent twice counted once,
every refusal named, one ballot per person even when two devices race."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from shailoo.db import make_engine, make_session_factory
from shailoo.errors import Forbidden, InvalidInput
from shailoo.polling import identification, service, turnout
from shailoo.polling.models import BallotIssue, IdentificationEvent
from shailoo.polling.rules import Answer, Placement, answer_before_ballot, method_problem
from tests.polling.factories import AT, KEYS, ROWS, STATION, batch, setup_country
from tests.register.factories import ACTOR


def answers(result: list[identification.EventAnswer]) -> list[tuple[str, str | None]]:
    return [(a.answer, a.detail) for a in result]


def test_the_rule_before_ballots():
    assert answer_before_ballot("1001", Placement("1001", None)) == (Answer.ISSUE, None)
    assert answer_before_ballot("1001", Placement("1002", None)) == (
        Answer.NOT_ON_THIS_LIST, "1002")
    assert answer_before_ballot("1001", Placement(None, None)) == (Answer.NOT_ON_ANY_LIST, None)
    assert answer_before_ballot("1001", Placement(None, "deceased")) == (
        Answer.NOT_ELIGIBLE, "deceased")
    assert method_problem("document", " ") is not None
    assert method_problem("document", "fingers injured") is None
    assert method_problem("iris", None) is not None


def test_each_voter_gets_an_answer_and_one_ballot(session):
    election = setup_country(session)
    pins = [r["pin"] for r in ROWS]
    result = identification.record_batch(session, batch(election, "id-1001-a", [
        ("ev-00000001", pins[0]), ("ev-00000002", pins[1]), ("ev-00000003", pins[2]),
        ("ev-00000004", pins[3]), ("ev-00000005", "99999999999999"),
        ("ev-00000006", pins[0])]))
    assert answers(result) == [
        ("issue_ballot", None), ("not_on_this_list", "1002"), ("not_eligible", "deceased"),
        ("not_on_any_list", None), ("not_on_any_list", None),
        ("already_voted", f"station 1001 at {AT.isoformat()}")]
    assert session.execute(select(func.count()).select_from(BallotIssue)).scalar_one() == 1
    [incident] = identification.incidents(session, election)
    assert (incident["kind"], incident["pin"], incident["event_id"]) == (
        "second_vote_attempt", pins[0], "ev-00000006")


def test_a_batch_sent_again_counts_once(session):
    election = setup_country(session)
    pins = [r["pin"] for r in ROWS]
    first = identification.record_batch(session, batch(election, "id-1001-a", [
        ("ev-00000001", pins[0]), ("ev-00000002", pins[3])]))
    again = identification.record_batch(session, batch(election, "id-1001-a", [
        ("ev-00000001", pins[0]), ("ev-00000002", pins[3]), ("ev-00000003", pins[0])]))
    assert [a.repeated for a in again] == [True, True, False]
    assert answers(again)[:2] == answers(first)
    assert answers(again)[2][0] == "already_voted"
    assert session.execute(select(func.count()).select_from(
        IdentificationEvent)).scalar_one() == 3
    assert identification.ballots_by_station(session, election) == {"1001": 1}
    assert identification.incidents(session, election)[0]["event_id"] == "ev-00000003"


@pytest.mark.parametrize(("device", "change", "code"), [
    ("id-1001-a", {"key": KEYS["id-1002"]}, "polling.bad_signature"),
    ("unknown", {}, "polling.unknown_device"),
])
def test_refusals_are_named_and_store_nothing(session, device, change, code):
    election = setup_country(session)
    STATION.setdefault("unknown", "1001")
    with pytest.raises(Forbidden) as exc:
        identification.record_batch(session, batch(
            election, device, [("ev-00000001", ROWS[0]["pin"])],
            key=change.get("key", KEYS.get(device, KEYS["id-1002"]))))
    assert exc.value.code == code
    assert session.execute(select(func.count()).select_from(
        IdentificationEvent)).scalar_one() == 0


def test_a_revoked_device_and_a_document_check_without_reason_are_refused(session):
    election = setup_country(session)
    service.revoke_device(session, ACTOR, "id-1002", "stolen")
    with pytest.raises(Forbidden) as exc:
        identification.record_batch(session, batch(election, "id-1002",
                                                   [("ev-00000001", ROWS[1]["pin"])]))
    assert exc.value.code == "polling.device_revoked"
    with pytest.raises(InvalidInput) as exc2:
        identification.record_batch(session, batch(
            election, "id-1001-a", [("ev-00000002", ROWS[0]["pin"])], method="document"))
    assert exc2.value.code == "polling.bad_identification"
    ok = identification.record_batch(session, batch(
        election, "id-1001-a", [("ev-00000003", ROWS[0]["pin"])], method="document",
        reason="the scanner does not read her fingers"))
    assert ok[0].answer == "issue_ballot"


def test_turnout_by_region(session):
    election = setup_country(session)
    identification.record_batch(session, batch(election, "id-1001-a",
                                               [("ev-00000001", ROWS[0]["pin"])]))
    rows = {r["unit"]: r for r in turnout.turnout(session, election)["rows"]}
    assert rows["KG-GB"]["identified"] == 1 and rows["KG-GB"]["registered"] == 2
    assert rows["KG-GB"]["turnout"] == 0.5


def test_the_api_answers_a_signed_batch_and_refuses_a_person(client, session):
    election = setup_country(session)
    body = batch(election, "id-1001-a", [("ev-00000001", ROWS[0]["pin"])]).model_dump(
        mode="json", exclude_none=True)
    response = client.post("/api/polling/identifications", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["answers"][0]["answer"] == "issue_ballot"
    again = client.post("/api/polling/identifications", json=body).json()
    assert again["answers"][0]["repeated"] is True
    body["events"][0]["pin"] = ROWS[1]["pin"]  # tampered after signing
    refused = client.post("/api/polling/identifications", json=body)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "polling.bad_signature"


def test_two_devices_racing_for_one_voter_issue_one_ballot(fresh_database_url):
    """Truly concurrent uploads, each in its own connection and transaction: the same voter
    at both devices of a station, many times over; exactly one ballot, every other attempt
    told where the voter voted."""
    factory = make_session_factory(make_engine(fresh_database_url))
    with factory() as setup:
        election = setup_country(setup)
    pin = ROWS[0]["pin"]
    barrier = threading.Barrier(8)
    results: list[str] = []
    errors: list[BaseException] = []

    def attempt(n: int) -> None:
        device = "id-1001-a" if n % 2 else "id-1001-b"
        upload = batch(election, device, [(f"race-{n:04d}", pin)])
        try:
            barrier.wait()
            with factory() as session:
                results.extend(a.answer for a in identification.record_batch(session, upload))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(results) == ["already_voted"] * 7 + ["issue_ballot"]
    with factory() as check:
        assert check.execute(select(func.count()).select_from(BallotIssue)).scalar_one() == 1
        assert len(identification.incidents(check, election)) == 7


def test_an_event_twice_in_one_batch_counts_once(session):
    election = setup_country(session)
    pin = ROWS[0]["pin"]
    result = identification.record_batch(session, batch(election, "id-1001-a", [
        ("ev-00000001", pin), ("ev-00000001", pin), ("ev-00000002", pin)]))
    assert [(a.answer, a.repeated) for a in result] == [
        ("issue_ballot", False), ("issue_ballot", True), ("already_voted", False)]
    assert session.execute(select(func.count()).select_from(
        IdentificationEvent)).scalar_one() == 2


def test_uploads_are_taken_only_while_polling(session):
    from shailoo.errors import RuleViolation
    from tests.factories import make_election

    election = setup_country(session)
    scheduled = make_election(session, code="parliament-2027-b").id
    with pytest.raises(RuleViolation) as exc:
        identification.record_batch(session, batch(scheduled, "id-1001-a",
                                                   [("ev-00000001", ROWS[0]["pin"])]))
    assert exc.value.code == "polling.not_polling"
    assert session.execute(select(func.count()).select_from(IdentificationEvent)).scalar() == 0
    assert answers(identification.record_batch(session, batch(
        election, "id-1001-a", [("ev-00000001", ROWS[0]["pin"])]))) == [("issue_ballot", None)]
