"""Changes of voting address (Form No. 2) by the election's rules, and the additional list of
polling day."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from shailoo.audit import service as audit
from shailoo.errors import Conflict, Forbidden, NotFound, RuleViolation
from shailoo.register import changes, duplicates, lists, service
from shailoo.register.models import AddressChange
from shailoo.register.scope import NATIONWIDE, VoterScope
from tests.factories import make_election
from tests.register.factories import (
    ACTOR,
    DEADLINE,
    POLLING,
    TODAY,
    import_rows,
    make_register_country,
    voter,
)

ROWS = [
    voter(1, "Асанова", "Жылдыз"),  # 1001, KG-GB
    voter(2, "Орозов", "Бакыт", sex="M", born=date(1975, 1, 1), house="125"),  # 1002, KG-GB
    voter(3, "Ли", "Анна", born=date(1970, 1, 20), region="KG-C", locality="Ёлкино",
          street="", house=""),  # 2001, KG-C
    voter(4, "Иманов", "Марат", sex="M", born=date(1950, 2, 2), deceased="1"),
    voter(5, "Мамытова", "Гүлзат", born=date(1993, 3, 3), biometrics="0"),
    voter(6, "Касымов", "Эрлан", sex="M", born=date(1988, 8, 8)),  # 1001
    voter(7, "Kasymov", "Erlan", sex="M", born=date(1988, 8, 8)),  # the same man, blocked
    voter(8, "Усенов", "Марат", sex="M", born=date(1960, 6, 6), street="Неизвестная"),
]
PIN = {r["surname"]: r["pin"] for r in ROWS}
A, OROZOV, LI = PIN["Асанова"], PIN["Орозов"], PIN["Ли"]


@pytest.fixture
def election(session) -> int:
    election_id = make_register_country(session)
    import_rows(session, ROWS)
    duplicates.find_duplicates(session, ACTOR)
    [case] = duplicates.cases(session)
    duplicates.decide(session, ACTOR, case["id"], True, "one man, two PINs", TODAY)
    lists.build_lists(session, ACTOR, election_id)
    return election_id


def anyone(session, election, **more):
    lists.set_rules(session, ACTOR, election, {"change_scope": "anyone", **more})


def change(session, election, pin, to, today=TODAY, scope=NATIONWIDE, channel="commission"):
    return changes.request_change(session, ACTOR, scope, election, pin, to, channel, today)


def refused(call, kind=RuleViolation) -> tuple[str, str]:
    with pytest.raises(kind) as exc:
        call()
    return exc.value.code, exc.value.message


def where(session, election, pin):
    return lists.list_station_of(session, election, pin)


def last_audit(session):
    [record] = audit.list_records(session, limit=1)
    return record


# --- requests -------------------------------------------------------------------------------


def test_by_default_only_voters_abroad_may_change(session, election):
    assert refused(lambda: change(session, election, A, "1002")) == (
        "register.change_refused",
        "only voters abroad may change their voting address; the station is not abroad")
    out = change(session, election, A, "9001", channel="online")
    assert {k: out[k] for k in ("election_id", "pin", "from_station", "to_station", "channel",
                                "status", "actor", "withdrawn_at", "withdrawal_reason")} == {
        "election_id": election, "pin": A, "from_station": "1001", "to_station": "9001",
        "channel": "online", "status": "active", "actor": ACTOR, "withdrawn_at": None,
        "withdrawal_reason": None}
    assert where(session, election, A) == ("9001", None)
    assert [v["pin"] for v in lists.station_list(session, NATIONWIDE, election, "9001")] == [A]
    assert A not in [v["pin"] for v in lists.station_list(session, NATIONWIDE, election,
                                                          "1001")]
    record = last_audit(session)
    assert (record.action, record.object_type, record.object_id, record.change) == (
        "register.address_changed", "address_change", str(out["id"]),
        {"election_id": election, "pin": A, "from": "1001", "to": "9001",
         "channel": "online", "superseded": None})


def test_anyone_may_change_when_configured(session, election):
    anyone(session, election)
    change(session, election, A, "1002")
    assert where(session, election, A) == ("1002", None)


def test_forbid_same_region(session, election):
    anyone(session, election, change_forbid_same_region=True)
    assert refused(lambda: change(session, election, A, "1002")) == (
        "register.change_refused", "a change within the same region is not allowed")
    assert where(session, election, A) == ("1001", None)
    change(session, election, A, "2001")
    assert where(session, election, A) == ("2001", None)
    change(session, election, LI, "9001")  # abroad is no region


def test_the_same_region_is_the_registered_one_after_an_earlier_change(session, election):
    anyone(session, election, change_forbid_same_region=True)
    change(session, election, A, "9001")
    assert refused(lambda: change(session, election, A, "1002")) == (
        "register.change_refused", "a change within the same region is not allowed")
    change(session, election, A, "2001")
    assert where(session, election, A) == ("2001", None)


def test_closed(session, election):
    lists.set_rules(session, ACTOR, election, {"change_scope": "closed"})
    assert refused(lambda: change(session, election, A, "9001")) == (
        "register.change_refused", "changes of voting address are closed for this election")


def test_the_deadline_counts_from_the_today_argument(session, election):
    assert refused(lambda: change(session, election, A, "9001",
                                  today=DEADLINE + timedelta(days=1))) == (
        "register.change_refused", "the deadline for changes was 2027-02-13")
    change(session, election, A, "9001", today=DEADLINE)
    lists.set_rules(session, ACTOR, election, {"change_deadline_days": 30})
    assert refused(lambda: change(session, election, OROZOV, "9001",
                                  today=date(2027, 1, 30)))[1] == \
        "the deadline for changes was 2027-01-29"
    change(session, election, OROZOV, "9001", today=date(2027, 1, 29))


def test_a_second_request_supersedes_the_first(session, election):
    anyone(session, election)
    first = change(session, election, A, "1002")
    second = change(session, election, A, "1003")
    assert second["from_station"] == "1002"
    assert [(c["id"], c["status"]) for c in changes.changes_of(session, NATIONWIDE, election,
                                                               A)] == [
        (first["id"], "superseded"), (second["id"], "active")]
    active = session.execute(select(AddressChange).where(
        AddressChange.pin == A, AddressChange.status == "active")).scalars().all()
    assert [c.id for c in active] == [second["id"]]
    assert where(session, election, A) == ("1003", None)
    assert last_audit(session).change["superseded"] == first["id"]
    assert refused(lambda: change(session, election, A, "1003")) == (
        "register.change_refused", "the voter is already on that station's list")


def test_max_requests_counts_every_request(session, election):
    anyone(session, election, change_max_requests=2)
    change(session, election, A, "1002")
    second = change(session, election, A, "1003")
    changes.withdraw_change(session, ACTOR, NATIONWIDE, second["id"], "changed my mind", TODAY)
    assert refused(lambda: change(session, election, A, "2001")) == (
        "register.change_refused",
        "the voter has already made 2 change(s) in this election, the limit is 2")
    assert changes.repeat_changers(session, election) == [{"pin": A, "requests": 2}]
    assert changes.repeat_changers(session, election, at_least=3) == []
    change(session, election, OROZOV, "1001")  # another voter has requests of their own


def test_changes_in_another_election_are_counted_apart(session, election):
    other = make_election(session, code="president-2027").id
    lists.set_rules(session, ACTOR, other, {"change_max_requests": 1})
    change(session, election, A, "9001")
    assert where(session, other, A) == ("1001", None)  # not built: worked out by the rules
    change(session, other, A, "9001")
    assert refused(lambda: change(session, other, A, "9001"))[0] == "register.change_refused"
    assert lists.build_lists(session, ACTOR, other)["listed"] == 4
    assert where(session, other, A) == ("9001", None)


@pytest.mark.parametrize(("pin", "to", "kind", "code"), [
    (PIN["Иманов"], "9001", RuleViolation, "register.not_eligible"),
    (PIN["Kasymov"], "9001", RuleViolation, "register.not_eligible"),
    ("10000000000000", "9001", NotFound, "register.voter_not_found"),
    (A, "7777", NotFound, "register.station_not_found"),
])
def test_refused_requests(session, election, pin, to, kind, code):
    before = audit.count_records(session)
    assert refused(lambda: change(session, election, pin, to), kind)[0] == code
    assert audit.count_records(session) == before


def test_a_request_needs_a_known_channel_and_a_station_in_scope(session, election):
    assert refused(lambda: change(session, election, A, "9001", channel="fax"))[0] == \
        "register.bad_channel"
    assert refused(lambda: change(session, election, A, "9001",
                                  scope=VoterScope(frozenset({"1001"}))), Forbidden)[0] == \
        "register.out_of_scope"
    change(session, election, A, "9001", scope=VoterScope(frozenset({"9001"})))
    assert changes.changes_of(session, VoterScope(frozenset({"2001"})), election, A) == []
    assert len(changes.changes_of(session, VoterScope(frozenset({"1001"})), election, A)) == 1


def test_a_frozen_list_refuses_changes(session, election):
    lists.freeze(session, ACTOR, election, ["9001"])
    assert refused(lambda: change(session, election, A, "9001"))[0] == "register.list_frozen"
    anyone(session, election)
    lists.freeze(session, ACTOR, election, ["1001"])
    assert refused(lambda: change(session, election, A, "1002"))[0] == "register.list_frozen"
    assert where(session, election, A) == ("1001", None)


# --- withdrawals ----------------------------------------------------------------------------


def test_withdraw_before_the_deadline_moves_the_voter_back(session, election):
    out = change(session, election, A, "9001")
    back = changes.withdraw_change(session, ACTOR, NATIONWIDE, out["id"], "wrong form",
                                   DEADLINE)
    assert (back["status"], back["withdrawal_reason"]) == ("withdrawn", "wrong form")
    assert back["withdrawn_at"] is not None
    assert where(session, election, A) == ("1001", None)
    record = last_audit(session)
    assert (record.action, record.object_id, record.change) == (
        "register.address_change_withdrawn", str(out["id"]),
        {"pin": A, "reason": "wrong form"})
    assert refused(lambda: changes.withdraw_change(session, ACTOR, NATIONWIDE, out["id"], "x",
                                                   TODAY), Conflict)[0] == \
        "register.change_not_active"


def test_withdraw_after_a_supersede_goes_back_to_the_registered_station(session, election):
    anyone(session, election)
    change(session, election, A, "1002")
    second = change(session, election, A, "2001")
    changes.withdraw_change(session, ACTOR, NATIONWIDE, second["id"], "moved back", TODAY)
    assert where(session, election, A) == ("1001", None)


def test_withdraw_after_the_deadline_is_refused(session, election):
    out = change(session, election, A, "9001")
    assert refused(lambda: changes.withdraw_change(
        session, ACTOR, NATIONWIDE, out["id"], "late", DEADLINE + timedelta(days=1))) == (
        "register.change_refused", "the deadline for changes was 2027-02-13")
    assert where(session, election, A) == ("9001", None)


def test_withdraw_needs_a_reason_a_known_change_and_the_scope(session, election):
    out = change(session, election, A, "9001")
    assert refused(lambda: changes.withdraw_change(session, ACTOR, NATIONWIDE, out["id"], " ",
                                                   TODAY))[0] == "register.reason_required"
    assert refused(lambda: changes.withdraw_change(session, ACTOR, NATIONWIDE, 999, "x",
                                                   TODAY), NotFound)[0] == \
        "register.change_not_found"
    hidden = refused(lambda: changes.withdraw_change(
        session, ACTOR, VoterScope(frozenset({"2001"})), out["id"], "x", TODAY), NotFound)
    assert hidden[0] == "register.change_not_found"
    changes.withdraw_change(session, ACTOR, VoterScope(frozenset({"1001"})), out["id"], "x",
                            TODAY)


def test_withdraw_is_refused_when_a_list_concerned_is_frozen(session, election):
    out = change(session, election, A, "9001")
    lists.freeze(session, ACTOR, election, ["9001"])
    assert refused(lambda: changes.withdraw_change(session, ACTOR, NATIONWIDE, out["id"],
                                                   "x", TODAY))[0] == "register.list_frozen"
    assert where(session, election, A) == ("9001", None)


def test_withdraw_is_refused_when_the_registered_station_is_frozen(session, election):
    anyone(session, election)
    change(session, election, A, "1002")
    lists.freeze(session, ACTOR, election, ["1001"])  # A is not on it
    second = change(session, election, A, "1003")
    assert refused(lambda: changes.withdraw_change(session, ACTOR, NATIONWIDE, second["id"],
                                                   "x", TODAY))[0] == "register.list_frozen"
    assert [c["status"] for c in changes.changes_of(session, NATIONWIDE, election, A)] == [
        "superseded", "active"]
    assert where(session, election, A) == ("1003", None)


# --- reports --------------------------------------------------------------------------------


def test_incoming_report_warns_above_the_share(session, election):
    anyone(session, election, change_warn_share=0.5)
    change(session, election, A, "1002")  # 1 incoming of 2 listed: 0.5, not above
    change(session, election, PIN["Касымов"], "9001")  # 1 of 1
    report = sorted(changes.incoming_report(session, NATIONWIDE, election),
                    key=lambda r: r["station"])
    assert report == [
        {"station": "1002", "incoming": 1, "listed": 2, "share": 0.5, "warning": False},
        {"station": "9001", "incoming": 1, "listed": 1, "share": 1.0, "warning": True}]
    assert changes.incoming_report(session, VoterScope(frozenset({"1002"})), election) == \
        report[:1]
    lists.set_rules(session, ACTOR, election, {"change_warn_share": 0.4})
    assert all(r["warning"] for r in changes.incoming_report(session, NATIONWIDE, election))


# --- the additional list --------------------------------------------------------------------


def add(session, election, pin, station="1001", reason="came with a passport", today=POLLING):
    return changes.add_to_additional_list(session, ACTOR, NATIONWIDE, election, station, pin,
                                          reason, today)


def test_the_additional_list(session, election):
    lists.build_lists(session, ACTOR, election)
    [frozen] = lists.freeze(session, ACTOR, election, ["1001"])
    listed = changes.listed_count(session, election)
    no_station = PIN["Усенов"]
    assert add(session, election, no_station, reason="new address") == {
        "election_id": election, "station": "1001", "pin": no_station, "reason": "new address"}
    record = last_audit(session)
    assert (record.action, record.object_id, record.change) == (
        "register.additional_list_added", no_station,
        {"election_id": election, "station": "1001", "reason": "new address"})
    extra = changes.additional_list(session, NATIONWIDE, election, "1001")
    assert [(e["pin"], e["surname"], e["reason"]) for e in extra] == [
        (no_station, "Усенов", "new address")]
    # kept apart from the frozen list
    voters = lists.station_list(session, NATIONWIDE, election, "1001")
    assert lists.list_digest(voters) == frozen["sha256"]
    assert no_station not in [v["pin"] for v in voters]
    assert changes.listed_count(session, election) == listed
    assert changes.additional_list(session, NATIONWIDE, election, "1002") == []


def test_the_additional_list_refuses(session, election):
    no_station = PIN["Усенов"]
    add(session, election, no_station)
    cases = [
        (lambda: add(session, election, A), Conflict, "register.already_listed"),
        (lambda: add(session, election, no_station, "1002"), Conflict,
         "register.already_added"),
        (lambda: add(session, election, PIN["Иманов"]), RuleViolation, "register.not_eligible"),
        # no biometric registration: only citizens who passed it may vote
        (lambda: add(session, election, PIN["Мамытова"]), RuleViolation,
         "register.not_eligible"),
        (lambda: add(session, election, PIN["Kasymov"]), RuleViolation,
         "register.not_eligible"),  # blocked as a duplicate: listed under the other PIN
        (lambda: add(session, election, PIN["Мамытова"], today=TODAY), RuleViolation,
         "register.not_polling_day"),
        (lambda: add(session, election, "10000000000000"), NotFound,
         "register.person_not_found"),
        (lambda: add(session, election, no_station, "7777"), NotFound,
         "register.station_not_found"),
        (lambda: add(session, election, no_station, reason=""), RuleViolation,
         "register.reason_required"),
        (lambda: changes.add_to_additional_list(session, ACTOR, VoterScope(frozenset({"1002"})),
                                                election, "1001", no_station, "x", POLLING),
         Forbidden, "register.out_of_scope"),
    ]
    before = audit.count_records(session)
    for call, kind, code in cases:
        assert refused(call, kind)[0] == code
    assert audit.count_records(session) == before
    assert [e["pin"] for e in changes.additional_list(session, NATIONWIDE, election,
                                                      "1001")] == [no_station]


def test_a_voter_moved_abroad_is_not_added_at_home(session, election):
    service.register_abroad(session, ACTOR, A, "9001", "Consulate", TODAY)
    assert refused(lambda: add(session, election, A), Conflict)[1] == \
        "the voter is on the list of station 9001"
