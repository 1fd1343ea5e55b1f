"""Election use cases: scheduling on a preset, status changes with history, districts."""

from datetime import date

import pytest
from sqlalchemy import func, select

from shailoo.audit import service as audit
from shailoo.elections import service
from shailoo.elections.models import Contest, Election, ElectionStatusChange
from shailoo.elections.rules import ContestKind, ElectionKind, ElectionStatus
from shailoo.elections.schemas import ElectionCreate
from shailoo.elections.systems import PRESETS, AllocationMethod, ElectoralSystem, ListTier
from shailoo.errors import Conflict, InvalidInput, NotFound, RuleViolation
from shailoo.geography import service as geography
from shailoo.kit.importing import write_csv
from tests.factories import make_country, make_election

S = ElectionStatus
PATH = [S.NOMINATION, S.CAMPAIGN, S.POLLING, S.COUNTING, S.CERTIFIED]


def snapshot(session):
    tables = (Election, ElectionStatusChange, Contest)
    return (*(session.execute(select(func.count()).select_from(t)).scalar() for t in tables),
            audit.count_records(session))


def create(session, **overrides):
    data = {"code": "e-2027", "kind": ElectionKind.PARLIAMENTARY, "name_ky": "Шайлоо",
            "name_ru": "Выборы", "name_en": "Election", "polling_date": date(2027, 2, 28),
            "preset": "kg-2021-mixed"} | overrides
    return service.create_election(session, "user:cec", ElectionCreate(**data))


def test_create_on_the_mixed_preset(session):
    e = make_election(session)
    assert (e.code, e.status, e.preset, e.system) == (
        "parliament-2027", S.SCHEDULED, "kg-2021-mixed", PRESETS["kg-2021-mixed"])
    detail = service.public_get_election(session, e.id)
    assert [(c.kind, c.seats, c.district_id) for c in detail.contests] == [
        (ContestKind.NATIONAL_LIST, 54, None)]
    assert [(h.from_status, h.to_status, h.actor, h.reason) for h in detail.history] == [
        (None, S.SCHEDULED, "test", "scheduled")]
    r = audit.list_records(session, limit=1)[0]
    assert (r.action, r.object_id, r.change["preset"], r.change["polling_date"]) == (
        "elections.created", str(e.id), "kg-2021-mixed", "2027-02-28")


def test_presidential_and_referendum_contests(session):
    p = create(session, code="president-2027", kind=ElectionKind.PRESIDENTIAL,
               preset="kg-president")
    assert [(c.kind, c.seats) for c in service.public_get_election(session, p.id).contests] == [
        (ContestKind.PRESIDENTIAL, 1)]
    system = ElectoralSystem(name="yes/no", seats=1,
                             list_tier=ListTier(seats=1, method=AllocationMethod.HARE))
    r = create(session, code="referendum-2027", kind=ElectionKind.REFERENDUM, preset=None,
               system=system)
    assert r.preset is None and r.system == system
    assert [c.kind for c in service.public_get_election(session, r.id).contests] == [
        ContestKind.REFERENDUM, ContestKind.NATIONAL_LIST]


@pytest.mark.parametrize(("overrides", "error", "code"), [
    ({"preset": "kg-1995"}, InvalidInput, "elections.unknown_preset"),
    ({"kind": ElectionKind.PRESIDENTIAL}, RuleViolation, "elections.system_mismatch"),
    ({"preset": "kg-president"}, RuleViolation, "elections.system_mismatch"),
])
def test_create_refusals_change_nothing(session, overrides, error, code):
    before = snapshot(session)
    with pytest.raises(error) as exc:
        create(session, **overrides)
    assert exc.value.code == code
    assert snapshot(session) == before


def test_a_duplicate_code_is_a_conflict(session):
    create(session)
    before = snapshot(session)
    with pytest.raises(Conflict) as exc:
        create(session, name_en="Again")
    assert exc.value.code == "elections.duplicate_code"
    assert snapshot(session) == before


def test_election_create_validation():
    from pydantic import ValidationError

    for bad in ({"code": "E 2027"}, {"preset": None}, {"name_ru": ""},
                {"system": PRESETS["kg-2021-mixed"]}, {"extra": 1}):
        data = {"code": "e-2027", "kind": "parliamentary", "name_ky": "a", "name_ru": "b",
                "name_en": "c", "polling_date": "2027-02-28", "preset": "kg-2021-mixed"} | bad
        with pytest.raises(ValidationError):
            ElectionCreate(**data)


def test_the_whole_calendar_path_records_history(session):
    e = make_election(session)
    before = audit.count_records(session)
    for i, to in enumerate(PATH):
        out = service.transition(session, f"user:{i}", e.id, to, f"step {i}")
        assert out.status is to
    detail = service.public_get_election(session, e.id)
    assert detail.status is S.CERTIFIED
    assert [(h.from_status, h.to_status, h.actor, h.reason) for h in detail.history[1:]] == [
        (S.SCHEDULED, S.NOMINATION, "user:0", "step 0"),
        (S.NOMINATION, S.CAMPAIGN, "user:1", "step 1"),
        (S.CAMPAIGN, S.POLLING, "user:2", "step 2"),
        (S.POLLING, S.COUNTING, "user:3", "step 3"),
        (S.COUNTING, S.CERTIFIED, "user:4", "step 4")]
    assert audit.count_records(session) == before + 5
    assert audit.list_records(session, limit=1)[0].change == {
        "from": "counting", "to": "certified", "reason": "step 4"}
    assert audit.verify(session).intact


@pytest.mark.parametrize("steps", range(5))
def test_annulled_from_any_non_final_status(session, steps):
    e = make_election(session)
    for to in PATH[:steps]:
        service.transition(session, "t", e.id, to, "go")
    out = service.transition(session, "t", e.id, S.ANNULLED, "court ruling")
    assert out.status is S.ANNULLED
    assert service.public_get_election(session, e.id).history[-1].reason == "court ruling"


@pytest.mark.parametrize(("steps", "to", "message"), [
    (0, S.CERTIFIED, "from scheduled an election may move only to: annulled, nomination"),
    (0, S.SCHEDULED, "from scheduled an election may move only to: annulled, nomination"),
    (3, S.CAMPAIGN, "from polling an election may move only to: annulled, counting"),
    (5, S.ANNULLED, "an election that is certified is final and cannot change status"),
    (5, S.COUNTING, "an election that is certified is final and cannot change status"),
])
def test_a_forbidden_transition_changes_nothing(session, steps, to, message):
    e = make_election(session)
    for step in PATH[:steps]:
        service.transition(session, "t", e.id, step, "go")
    before = snapshot(session)
    status = service.public_get_election(session, e.id).status
    with pytest.raises(RuleViolation) as exc:
        service.transition(session, "t", e.id, to, "try")
    assert exc.value.code == "elections.transition_forbidden"
    assert exc.value.message == message
    assert exc.value.details == {"election_id": e.id, "current": status.value, "to": to.value}
    assert snapshot(session) == before
    assert service.public_get_election(session, e.id).status is status


def test_nothing_leaves_annulled(session):
    e = make_election(session)
    service.transition(session, "t", e.id, S.ANNULLED, "void")
    before = snapshot(session)
    for to in S:
        with pytest.raises(RuleViolation, match="annulled is final"):
            service.transition(session, "t", e.id, to, "try")
    assert snapshot(session) == before


def test_unknown_election(session):
    with pytest.raises(NotFound) as exc:
        service.transition(session, "t", 4242, S.NOMINATION, "go")
    assert exc.value.code == "elections.not_found"
    with pytest.raises(NotFound):
        service.public_get_election(session, 4242)


def test_add_districts_opens_one_contest_each(session):
    make_country(session)
    e = make_election(session)
    contests = service.add_districts(session, "t", e.id, [
        (1, "Биринчи", "Первый", "First", "KG-GB", ["1001", "1002"]),
        (2, "Экинчи", "Второй", "Second", "KG-C", ["2001"])])
    assert [(c.kind, c.seats, c.name_ru, c.name_en) for c in contests] == [
        (ContestKind.SINGLE_MEMBER_DISTRICT, 1, "№1 Первый", "No. 1 First"),
        (ContestKind.SINGLE_MEMBER_DISTRICT, 1, "№2 Второй", "No. 2 Second")]
    districts = geography.public_list_districts(session, e.id)
    assert [c.district_id for c in contests] == [d["id"] for d in districts]
    assert len(service.public_get_election(session, e.id).contests) == 3


def test_add_districts_refusals_change_nothing(session):
    make_country(session)
    old = create(session, code="e-2015", preset="kg-2015-120")
    e = make_election(session)
    before = snapshot(session)
    with pytest.raises(RuleViolation) as exc:
        service.add_districts(session, "t", old.id, [(1, "a", "b", "c", "KG-GB", ["1001"])])
    assert exc.value.code == "elections.no_district_tier"
    too_many = [(n, "a", "b", "c", "KG-GB", []) for n in range(1, 38)]
    with pytest.raises(RuleViolation) as exc:
        service.add_districts(session, "t", e.id, too_many)
    assert exc.value.code == "elections.too_many_districts"
    assert exc.value.message == "the system has 36 districts; 0 exist already"
    with pytest.raises(RuleViolation) as exc:
        service.add_districts(session, "t", e.id, [(1, "a", "b", "c", None, ["9001"])])
    assert exc.value.code == "geography.abroad_station_in_district"
    with pytest.raises(NotFound):
        service.add_districts(session, "t", 4242, [])
    assert snapshot(session) == before
    assert geography.public_list_districts(session, e.id) == []


def test_calendar_and_export(session):
    import io

    a = create(session, code="e-2026", polling_date=date(2026, 10, 4))
    b = create(session, code="e-2028", polling_date=date(2028, 10, 4))
    assert [x.id for x in service.public_calendar(session)] == [b.id, a.id]
    out = io.StringIO()
    assert service.export_elections(session, out) == 2
    expected = io.StringIO()
    write_csv(expected, ["id", "code", "kind", "polling_date", "status", "preset", "seats",
                         "name_ky", "name_ru", "name_en"],
              [[b.id, "e-2028", "parliamentary", "2028-10-04", "scheduled", "kg-2021-mixed", 90,
                "Шайлоо", "Выборы", "Election"],
               [a.id, "e-2026", "parliamentary", "2026-10-04", "scheduled", "kg-2021-mixed", 90,
                "Шайлоо", "Выборы", "Election"]])
    assert out.getvalue() == expected.getvalue()
