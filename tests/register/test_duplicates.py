"""Likely duplicates: pairs by birth date and spelling-tolerant name key, review decisions."""

from datetime import date

import pytest
from sqlalchemy import func, select

from shailoo.audit import service as audit
from shailoo.errors import Conflict, InvalidInput, NotFound, RuleViolation
from shailoo.register import duplicates, lists
from shailoo.register.models import DuplicateCase
from tests.register.factories import ACTOR, TODAY, import_rows, make_register_country, voter

BORN = date(1980, 5, 12)
ROWS = [
    voter(1, "Асанова", "Жылдыз", "Бакытовна", born=BORN),
    voter(2, "Asanova", "Jyldyz", "Бакытовна", born=BORN, house="125"),  # the same woman
    voter(3, "Асанова", "Жылдыз", "Бакытовна", born=date(1981, 5, 12)),  # another birth date
    voter(4, "Zhyldyz", "Asanova", "Бакытовна", born=BORN, street="Ахунбаева"),  # swapped
    voter(5, "Асанова", "Айгүл", "Бакытовна", born=BORN),  # another given name
    voter(6, "Орозов", "Бакыт", sex="M", born=date(1975, 1, 1)),
]
PINS = [r["pin"] for r in ROWS]


@pytest.fixture
def election(session) -> int:
    election_id = make_register_country(session)
    import_rows(session, ROWS)
    return election_id


def case_count(session) -> int:
    return session.execute(select(func.count()).select_from(DuplicateCase)).scalar_one()


def test_find_duplicates_meets_cyrillic_latin_and_swapped_names(session, election):
    assert duplicates.find_duplicates(session, ACTOR) == {
        "pairs": 3, "new_cases": 3, "large_groups_skipped": 0}
    found = duplicates.cases(session)
    assert {(c["pin_a"], c["pin_b"]) for c in found} == {
        (PINS[0], PINS[1]), (PINS[0], PINS[3]), (PINS[1], PINS[3])}
    first = next(c for c in found if {c["pin_a"], c["pin_b"]} == {PINS[0], PINS[1]})
    assert {k: first[k] for k in ("name_a", "name_b", "birth_date", "status", "blocked_pin",
                                  "decided_by", "reason")} == {
        "name_a": "Асанова Жылдыз Бакытовна", "name_b": "Asanova Jyldyz Бакытовна",
        "birth_date": "1980-05-12", "status": "open", "blocked_pin": None,
        "decided_by": None, "reason": None}
    assert all(c["pin_a"] < c["pin_b"] for c in found)
    assert PINS[2] not in {p for c in found for p in (c["pin_a"], c["pin_b"])}
    assert PINS[4] not in {p for c in found for p in (c["pin_a"], c["pin_b"])}
    record = audit.list_records(session, limit=1)[0]
    assert (record.action, record.change) == ("register.duplicates_checked", {
        "pairs": 3, "new_cases": 3, "large_groups_skipped": 0})


def test_running_twice_opens_no_new_cases(session, election):
    duplicates.find_duplicates(session, ACTOR)
    [case, *_] = duplicates.cases(session)
    duplicates.decide(session, ACTOR, case["id"], False, "two women", TODAY)
    assert duplicates.find_duplicates(session, ACTOR) == {
        "pairs": 3, "new_cases": 0, "large_groups_skipped": 0}
    assert case_count(session) == 3
    assert len(duplicates.cases(session)) == 2
    assert len(duplicates.cases(session, status=None)) == 3


def test_a_new_person_of_a_known_pair_opens_only_new_pairs(session, election):
    duplicates.find_duplicates(session, ACTOR)
    import_rows(session, [*ROWS, voter(9, "Асанова", "Zhyldyz", "Бакытовна", born=BORN)],
                "second.csv")
    assert duplicates.find_duplicates(session, ACTOR) == {
        "pairs": 6, "new_cases": 3, "large_groups_skipped": 0}


def test_large_groups_of_common_names_are_counted_not_paired(session):
    make_register_country(session)
    many = [voter(i, "Асанов", "Бакыт", sex="M", born=BORN, house=str(i))
            for i in range(duplicates.MAX_GROUP + 1)]
    pair = [voter(100, "Орозов", "Нурлан", sex="M", born=BORN),
            voter(101, "Orozov", "Nurlan", sex="M", born=BORN)]
    import_rows(session, many + pair)
    assert duplicates.find_duplicates(session, ACTOR) == {
        "pairs": 1, "new_cases": 1, "large_groups_skipped": 1}


def first_case(session) -> dict:
    duplicates.find_duplicates(session, ACTOR)
    return next(c for c in duplicates.cases(session)
                if (c["pin_a"], c["pin_b"]) == (PINS[0], PINS[1]))


def test_the_same_person_blocks_the_second_pin_from_lists(session, election):
    case = first_case(session)
    decided = duplicates.decide(session, ACTOR, case["id"], True, "one passport photo", TODAY)
    assert {k: decided[k] for k in ("status", "blocked_pin", "decided_by", "reason")} == {
        "status": "same_person", "blocked_pin": PINS[1], "decided_by": ACTOR,
        "reason": "one passport photo"}
    record = audit.list_records(session, limit=1)[0]
    assert (record.action, record.object_id, record.change) == (
        "register.duplicate_decided", str(case["id"]),
        {"status": "same_person", "blocked_pin": PINS[1], "reason": "one passport photo"})
    counts = lists.build_lists(session, ACTOR, election)
    assert counts == {"listed": 5, "duplicate": 1}
    assert lists.list_station_of(session, election, PINS[1]) == ("1002", "duplicate")
    assert lists.list_station_of(session, election, PINS[0]) == ("1001", None)


def test_the_reviewer_may_block_the_first_pin_and_built_lists_follow(session, election):
    lists.build_lists(session, ACTOR, election)
    case = first_case(session)
    duplicates.decide(session, ACTOR, case["id"], True, "the Latin record is the right one",
                      TODAY, blocked_pin=PINS[0])
    assert lists.list_station_of(session, election, PINS[0]) == ("1001", "duplicate")
    assert lists.list_station_of(session, election, PINS[1]) == ("1002", None)


def test_different_people_stay_listed(session, election):
    case = first_case(session)
    decided = duplicates.decide(session, ACTOR, case["id"], False, "two women", TODAY)
    assert (decided["status"], decided["blocked_pin"]) == ("different_people", None)
    assert lists.build_lists(session, ACTOR, election) == {"listed": 6}


def test_a_decision_needs_a_reason_and_is_made_once(session, election):
    case = first_case(session)
    with pytest.raises(RuleViolation) as exc:
        duplicates.decide(session, ACTOR, case["id"], True, "  ", TODAY)
    assert exc.value.code == "register.reason_required"
    with pytest.raises(InvalidInput) as exc:
        duplicates.decide(session, ACTOR, case["id"], True, "same", TODAY,
                          blocked_pin=PINS[5])
    assert exc.value.code == "register.bad_blocked_pin"
    assert duplicates.cases(session, status="open")[0]["status"] == "open"
    duplicates.decide(session, ACTOR, case["id"], False, "two women", TODAY)
    before = audit.count_records(session)
    for same in (True, False):
        with pytest.raises(Conflict) as exc:
            duplicates.decide(session, ACTOR, case["id"], same, "again", TODAY)
        assert exc.value.code == "register.case_decided"
    with pytest.raises(NotFound):
        duplicates.decide(session, ACTOR, 999, True, "x", TODAY)
    assert audit.count_records(session) == before
    assert session.get(DuplicateCase, case["id"]).status == "different_people"
