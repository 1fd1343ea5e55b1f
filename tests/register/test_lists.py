"""Voter lists: the election's rules, building by the eligibility rule, Kyrgyz alphabetical
order, freezing with a published hash, keeping lists current after changes."""

from datetime import date

import pytest

from shailoo.audit import service as audit
from shailoo.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleViolation
from shailoo.register import duplicates, lists, service
from shailoo.register.scope import NATIONWIDE, VoterScope
from tests.register.factories import (
    ACTOR,
    POLLING,
    TODAY,
    import_rows,
    make_register_country,
    voter,
)

STATIONS = ("1001", "1002", "1003", "2001", "9001")


def people() -> list[dict[str, str]]:
    """Four voters and one person per reason of exclusion (the duplicate is decided later)."""
    return [
        voter(1, "Асанова", "Жылдыз", "Бакытовна"),  # 1001
        voter(2, "Орозов", "Бакыт", sex="M", born=date(1975, 1, 1), house="125"),  # 1002
        voter(3, "Иманов", "Марат", sex="M", born=date(1950, 2, 2), deceased="1"),
        voter(4, "Сыдыкова", "Алина", born=date(2009, 3, 1)),  # 17 on polling day
        voter(5, "Бекова", "Айым", born=date(2009, 2, 28)),  # 18 on polling day: listed
        voter(6, "Иванов", "Сергей", sex="M", born=date(1982, 4, 4), citizenship="KZ"),
        voter(7, "Токтогулов", "Азат", sex="M", born=date(1966, 6, 6), incapable="1"),
        voter(8, "Мамытова", "Гүлзат", born=date(1993, 3, 3), biometrics="0"),
        voter(9, "Усенов", "Марат", sex="M", born=date(1960, 6, 6), street="Неизвестная"),
        voter(10, "Касымов", "Эрлан", sex="M", born=date(1988, 8, 8)),
        voter(11, "Kasymov", "Erlan", sex="M", born=date(1988, 8, 8)),  # the same man
    ]


@pytest.fixture
def election(session) -> int:
    election_id = make_register_country(session)
    import_rows(session, people())
    duplicates.find_duplicates(session, ACTOR)
    [case] = duplicates.cases(session)
    duplicates.decide(session, ACTOR, case["id"], True, "the same passport photo", TODAY)
    return election_id


PINS = {r["surname"]: r["pin"] for r in people()}


def pins(voters) -> list[str]:
    return [v["pin"] for v in voters]


def test_build_lists_counts_by_reason(session, election):
    assert lists.eligibility_counts(session, election) == {"listed": 0}
    counts = lists.build_lists(session, ACTOR, election)
    assert counts == {"listed": 4, "deceased": 1, "under_age": 1, "not_citizen": 1,
                      "incapable": 1, "no_biometrics": 1, "duplicate": 1, "no_station": 1}
    assert lists.eligibility_counts(session, election) == counts
    reasons = {surname: lists.list_station_of(session, election, pin)
               for surname, pin in PINS.items()}
    assert reasons == {
        "Асанова": ("1001", None), "Орозов": ("1002", None), "Иманов": ("1001", "deceased"),
        "Сыдыкова": ("1001", "under_age"), "Бекова": ("1001", None),
        "Иванов": ("1001", "not_citizen"), "Токтогулов": ("1001", "incapable"),
        "Мамытова": ("1001", "no_biometrics"), "Усенов": (None, "no_station"),
        "Касымов": ("1001", None), "Kasymov": ("1001", "duplicate")}
    assert lists.station_sizes(session, election) == {"1001": 3, "1002": 1}
    [record] = audit.list_records(session, limit=1)
    assert (record.action, record.object_id, record.change) == (
        "register.lists_built", str(election), counts)


def test_without_required_biometrics_the_person_is_listed(session, election):
    reg = lists.set_rules(session, ACTOR, election, {"require_biometrics": False})
    assert reg.eligibility.require_biometrics is False
    counts = lists.build_lists(session, ACTOR, election)
    assert counts["listed"] == 5 and "no_biometrics" not in counts
    assert lists.list_station_of(session, election, PINS["Мамытова"]) == ("1001", None)


def test_min_age_is_a_rule_of_the_election(session, election):
    lists.set_rules(session, ACTOR, election, {"min_age": 19})
    counts = lists.build_lists(session, ACTOR, election)
    assert counts["under_age"] == 2  # the one who turns 18 on polling day is now too young
    assert lists.list_station_of(session, election, PINS["Бекова"]) == ("1001", "under_age")


def test_a_rebuild_replaces_the_lists(session, election):
    lists.build_lists(session, ACTOR, election)
    rows = people()
    rows[0]["deceased"] = "1"
    import_rows(session, rows, "second.csv")  # keeps the built lists current
    assert lists.list_station_of(session, election, PINS["Асанова"]) == ("1001", "deceased")
    assert lists.build_lists(session, ACTOR, election)["deceased"] == 2


def test_lists_of_an_election_that_is_over_are_not_refreshed(session, election):
    lists.build_lists(session, ACTOR, election)
    assert lists.refresh_persons(session, [PINS["Асанова"]], date(2027, 3, 1)) == 0
    service.register_abroad(session, ACTOR, PINS["Асанова"], "9001", "Consulate",
                            date(2027, 3, 1))
    assert lists.list_station_of(session, election, PINS["Асанова"]) == ("1001", None)


# --- rules ----------------------------------------------------------------------------------


def test_rules_default_and_change(session, election):
    assert lists.election_rules(session, election).to_dict() == {
        "election_id": election, "polling_date": "2027-02-28", "min_age": 18,
        "require_biometrics": True, "change_scope": "abroad_only", "change_deadline_days": 15,
        "change_deadline": "2027-02-13", "change_forbid_same_region": False,
        "change_max_requests": 3, "change_warn_share": 0.1, "station_capacity": 3000,
        "opening_hours": "08:00-20:00"}
    reg = lists.set_rules(session, ACTOR, election, {"change_scope": "anyone",
                                                     "change_deadline_days": 30})
    assert reg.to_dict()["change_deadline"] == "2027-01-29"
    assert lists.election_rules(session, election).changes.scope.value == "anyone"
    [record] = audit.list_records(session, limit=1)
    assert (record.action, record.change) == ("register.rules_changed", {
        "before": {"change_scope": "abroad_only", "change_deadline_days": 15},
        "after": {"change_scope": "anyone", "change_deadline_days": 30}})


@pytest.mark.parametrize(("changes", "code"), [
    ({"colour": "red"}, "register.unknown_rule"),
    ({"change_scope": "everybody"}, "register.bad_rule"),
    ({"min_age": -1}, "register.bad_rule"),
    ({"min_age": "18"}, "register.bad_rule"),
    ({"min_age": True}, "register.bad_rule"),
    ({"station_capacity": 2.5}, "register.bad_rule"),
    ({"change_warn_share": 0}, "register.bad_rule"),
    ({"change_warn_share": 1.5}, "register.bad_rule"),
    ({"change_warn_share": "much"}, "register.bad_rule"),
    ({"require_biometrics": "no"}, "register.bad_rule"),
    ({"change_forbid_same_region": 1}, "register.bad_rule"),
    ({"opening_hours": ""}, "register.bad_rule"),
])
def test_bad_rules_are_refused(session, election, changes, code):
    before = audit.count_records(session)
    with pytest.raises(InvalidInput) as exc:
        lists.set_rules(session, ACTOR, election, changes)
    assert exc.value.code == code
    assert audit.count_records(session) == before
    assert lists.election_rules(session, election).to_dict()["min_age"] == 18


def test_rules_of_an_unknown_election(session):
    with pytest.raises(NotFound):
        lists.set_rules(session, ACTOR, 999, {"min_age": 18})


def test_next_election(session, election):
    assert lists.next_election(session, TODAY) == election
    assert lists.next_election(session, POLLING) == election
    with pytest.raises(NotFound) as exc:
        lists.next_election(session, date(2027, 3, 1))
    assert exc.value.code == "register.no_upcoming_election"


# --- a station's list -----------------------------------------------------------------------

SURNAMES = ["Пак", "Өмүров", "Орозов", "Үсөнов", "Уланов", "Фомин", "Ёлкин", "Ершов",
            "Жумабаев", "Ңаалы", "Нурланов", "Абаев"]
KYRGYZ_ORDER = ["Абаев", "Ершов", "Ёлкин", "Жумабаев", "Нурланов", "Ңаалы", "Орозов",
                "Өмүров", "Пак", "Уланов", "Үсөнов", "Фомин"]


def test_a_station_list_is_in_kyrgyz_alphabetical_order(session):
    election = make_register_country(session)
    rows = [voter(i, surname, "Айбек", born=date(1980, 1, 1 + i))
            for i, surname in enumerate(SURNAMES)]
    rows += [voter(50, "Орозов", "Өмүр", born=date(1981, 1, 1)),  # the given name decides
             voter(51, "Орозов", "Пазыл", born=date(1981, 1, 2)),
             voter(52, "Орозов", "Айбек", "Үмөтович", born=date(1981, 1, 3)),
             voter(53, "Орозов", "Айбек", "Асанович", born=date(1981, 1, 4))]
    import_rows(session, rows)
    lists.build_lists(session, ACTOR, election)
    voters = lists.station_list(session, NATIONWIDE, election, "1001")
    surnames = [v["surname"] for v in voters]
    assert list(dict.fromkeys(surnames)) == KYRGYZ_ORDER
    assert sorted(KYRGYZ_ORDER) != KYRGYZ_ORDER  # code point order is not Kyrgyz order
    orozov = [(v["given_name"], v["patronymic"]) for v in voters if v["surname"] == "Орозов"]
    assert orozov == [("Айбек", None), ("Айбек", "Асанович"), ("Айбек", "Үмөтович"),
                      ("Өмүр", None), ("Пазыл", None)]
    assert [v["number"] for v in voters] == list(range(1, len(rows) + 1))
    assert voters[0] == {"pin": rows[SURNAMES.index("Абаев")]["pin"], "surname": "Абаев",
                         "given_name": "Айбек", "patronymic": None,
                         "birth_date": date(1980, 1, 12), "address": "Бишкек, Токтогула 10",
                         "number": 1}


def test_registered_address():
    assert lists.registered_address("Бишкек", "Токтогула", "10", "4") == \
        "Бишкек, Токтогула 10, кв. 4"
    assert lists.registered_address("с. Ёлкино", None, None, None) == "с. Ёлкино"
    assert lists.registered_address("Бишкек", None, "5", None) == "Бишкек, 5"


def test_a_station_list_before_the_build_equals_the_built_one(session, election):
    service.register_abroad(session, ACTOR, PINS["Орозов"], "9001", "Consulate", TODAY)
    before = {s: lists.station_list(session, NATIONWIDE, election, s) for s in STATIONS}
    where_before = {pin: lists.list_station_of(session, election, pin) for pin in PINS.values()}
    assert pins(before["1001"]) == [PINS[s] for s in ("Асанова", "Бекова", "Касымов")]
    assert pins(before["9001"]) == [PINS["Орозов"]]
    assert before["1002"] == []
    lists.build_lists(session, ACTOR, election)
    assert {s: lists.station_list(session, NATIONWIDE, election, s) for s in STATIONS} == before
    assert {pin: lists.list_station_of(session, election, pin)
            for pin in PINS.values()} == where_before
    assert lists.list_station_of(session, election, "10000000000000") == (None, None)


def test_a_station_list_within_a_scope(session, election):
    lists.build_lists(session, ACTOR, election)
    assert len(lists.station_list(session, VoterScope(frozenset({"1001"})), election,
                                  "1001")) == 3
    with pytest.raises(Forbidden) as exc:
        lists.station_list(session, VoterScope(frozenset({"1002"})), election, "1001")
    assert exc.value.code == "register.out_of_scope"


def test_over_capacity(session, election):
    lists.build_lists(session, ACTOR, election)
    assert lists.over_capacity(session, election) == []
    lists.set_rules(session, ACTOR, election, {"station_capacity": 1})
    assert lists.over_capacity(session, election) == [
        {"station": "1001", "voters": 3, "capacity": 1}]
    lists.set_rules(session, ACTOR, election, {"station_capacity": 0})
    assert [o["station"] for o in lists.over_capacity(session, election)] == ["1001", "1002"]


def test_a_consular_registration_moves_the_voter_abroad(session, election):
    lists.build_lists(session, ACTOR, election)
    pin = PINS["Асанова"]
    service.register_abroad(session, ACTOR, pin, "9001", "Consulate, Moscow", TODAY)
    assert lists.list_station_of(session, election, pin) == ("9001", None)
    assert pins(lists.station_list(session, NATIONWIDE, election, "9001")) == [pin]
    assert pin not in pins(lists.station_list(session, NATIONWIDE, election, "1001"))
    assert lists.stations_of(session, pin) == {"9001"}


# --- freezing -------------------------------------------------------------------------------


def test_freeze_publishes_the_hash_of_the_list(session, election):
    lists.build_lists(session, ACTOR, election)
    voters = lists.station_list(session, NATIONWIDE, election, "1001")
    [frozen] = lists.freeze(session, ACTOR, election, ["1001"])
    assert frozen == {"station": "1001", "voters": 3, "sha256": lists.list_digest(voters)}
    assert lists.is_frozen(session, election, "1001")
    assert not lists.is_frozen(session, election, "1002")
    [published] = lists.public_freezes(session, election)
    assert {k: published[k] for k in ("station", "voters", "sha256")} == frozen
    [record] = audit.list_records(session, limit=1)
    assert (record.action, record.change["stations"], record.change["voters"]) == (
        "register.lists_frozen", 1, 3)
    # the rest in one go; the frozen one is not frozen again
    rest = lists.freeze(session, ACTOR, election)
    assert [(f["station"], f["voters"]) for f in rest] == [("1002", 1)]


def test_list_digest_is_the_sha256_of_the_published_lines(session, election):
    import hashlib

    from shailoo.register.rules import list_line

    lists.build_lists(session, ACTOR, election)
    voters = lists.station_list(session, NATIONWIDE, election, "1001")
    text = "".join(list_line(v["pin"], v["surname"], v["given_name"], v["patronymic"],
                             v["birth_date"], v["address"]) for v in voters)
    assert lists.list_digest(voters) == hashlib.sha256(text.encode()).hexdigest()
    assert lists.list_digest(voters[1:]) != lists.list_digest(voters)
    assert lists.list_digest([]) == hashlib.sha256(b"").hexdigest()


def test_frozen_lists_refuse_a_rebuild_and_a_second_freeze(session, election):
    with pytest.raises(NotFound) as exc:
        lists.freeze(session, ACTOR, election, ["1001"])
    assert exc.value.code == "register.lists_not_built"
    lists.build_lists(session, ACTOR, election)
    lists.freeze(session, ACTOR, election, ["1001"])
    with pytest.raises(Conflict) as exc:
        lists.build_lists(session, ACTOR, election)
    assert exc.value.code == "register.lists_frozen"
    with pytest.raises(Conflict) as exc:
        lists.freeze(session, ACTOR, election, ["1002", "1001"])
    assert exc.value.code == "register.list_already_frozen"
    assert not lists.is_frozen(session, election, "1002")  # all or nothing


def test_freeze_of_an_unknown_station_or_twice_in_one_call(session, election):
    lists.build_lists(session, ACTOR, election)
    with pytest.raises(NotFound) as exc:
        lists.freeze(session, ACTOR, election, ["1001", "7777"])
    assert exc.value.code == "register.station_not_found"
    assert lists.public_freezes(session, election) == []
    assert [f["station"] for f in lists.freeze(session, ACTOR, election,
                                               ["1001", "1001"])] == ["1001"]


def test_a_refresh_keeps_a_frozen_stations_voters(session, election):
    lists.build_lists(session, ACTOR, election)
    before = pins(lists.station_list(session, NATIONWIDE, election, "1001"))
    [frozen] = lists.freeze(session, ACTOR, election, ["1001"])
    rows = people()
    rows[0]["street"], rows[0]["house"] = "Ахунбаева", "1"  # moves from 1001 to 1003
    rows[4]["deceased"] = "1"  # dies
    rows.append(voter(12, "Жаңыбаев", "Нурбек", sex="M", born=date(1970, 7, 7)))  # new, 1001
    rows[1]["house"] = "12"  # moves from 1002 (not frozen) to 1001 (frozen)
    rows[7]["street"], rows[7]["biometrics"] = "Ахунбаева", "1"  # excluded at 1001: now 1003
    outcome = import_rows(session, rows, "second.csv")
    assert (outcome.added, outcome.moved) == (1, 3)
    voters = lists.station_list(session, NATIONWIDE, election, "1001")
    assert pins(voters) == before and len(voters) == frozen["voters"]
    assert lists.list_station_of(session, election, PINS["Асанова"]) == ("1001", None)
    assert lists.list_station_of(session, election, PINS["Бекова"]) == ("1001", None)
    assert lists.list_station_of(session, election, rows[-1]["pin"]) == (None, None)
    assert lists.list_station_of(session, election, PINS["Орозов"]) == ("1002", None)
    # a person on no list may join an open one
    assert lists.list_station_of(session, election, PINS["Мамытова"]) == ("1003", None)
    assert pins(lists.station_list(session, NATIONWIDE, election, "1003")) == [
        PINS["Мамытова"]]


def test_a_frozen_list_keeps_its_hash_when_a_voters_record_changes(session, election):
    lists.build_lists(session, ACTOR, election)
    [frozen] = lists.freeze(session, ACTOR, election, ["1001"])
    rows = people()
    rows[0]["surname"] = "Асанова-Бекова"
    import_rows(session, rows, "second.csv")
    voters = lists.station_list(session, NATIONWIDE, election, "1001")
    assert lists.list_digest(voters) == frozen["sha256"]


def test_check_not_frozen(session, election):
    lists.build_lists(session, ACTOR, election)
    lists.freeze(session, ACTOR, election, ["1002"])
    lists.check_not_frozen(session, election, None, "1001")
    with pytest.raises(RuleViolation) as exc:
        lists.check_not_frozen(session, election, "1001", "1002")
    assert exc.value.code == "register.list_frozen"
