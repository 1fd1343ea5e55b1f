"""The audit log in the database: one record per state change, same transaction, tamper-evident."""

import io
from datetime import date

import pytest
from sqlalchemy import func, select, text

from shailoo.audit import service as audit
from shailoo.audit.chain import GENESIS_HASH, change_digest, record_hash
from shailoo.audit.models import AuditHead, AuditRecord
from shailoo.auth import service as auth
from shailoo.auth.rules import Role, Scope
from shailoo.candidates import service as candidates
from shailoo.candidates.schemas import PartyIn
from shailoo.elections import service as elections
from shailoo.elections.rules import ElectionKind, ElectionStatus
from shailoo.elections.schemas import ElectionCreate
from shailoo.geography import service as geography
from shailoo.geography.schemas import StationUpdate
from shailoo.types import ScopeKind
from tests.audit.tampering import lift_append_only_guard
from tests.factories import (
    COMMISSIONS_CSV,
    PASSWORD,
    REGIONS_CSV,
    STATIONS_CSV,
    make_country,
    make_election,
    make_user,
)


def last(session) -> AuditRecord:
    return audit.list_records(session, limit=1)[0]


def test_an_empty_log_is_intact(session):
    result = audit.verify(session)
    assert (result.checked, result.head_seq, result.head_hash, result.fault) == (
        0, 0, GENESIS_HASH, None)
    assert result.intact


def test_record_links_records_and_moves_the_head(session):
    assert audit.record(session, "user:a", "test.one", "thing", 7, {"x": 1}) == 1
    assert audit.record(session, "user:b", "test.two", "thing", "8", {"y": [1, 2]}) == 2
    second, first = audit.list_records(session)
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.record_hash
    assert first.object_id == "7"
    assert first.change_digest == change_digest({"x": 1})
    assert first.record_hash == record_hash(GENESIS_HASH, 1, first.at, "user:a", "test.one",
                                            "thing", "7", first.change_digest)
    head = session.get(AuditHead, 1, populate_existing=True)
    assert (head.seq, head.record_hash) == (2, second.record_hash)
    assert [r.seq for r in audit.list_records(session)] == [2, 1]
    assert [r.seq for r in audit.list_records(session, limit=1, offset=1)] == [1]
    assert audit.count_records(session) == 2


STATE_CHANGES = {
    "import_regions": "geography.regions_imported",
    "import_commissions": "geography.commissions_imported",
    "import_stations": "geography.stations_imported",
    "update_station": "geography.station_updated",
    "create_election": "elections.created",
    "transition": "elections.status_changed",
    "add_districts": "geography.districts_created",
    "create_user": "auth.user_created",
    "issue_token": "auth.token_issued",
    "register_party": "candidates.party_registered",
}


def test_every_state_change_writes_exactly_one_record(session):
    seen: dict[str, tuple[int, str]] = {}

    def step(name, call):
        before = audit.count_records(session)
        call()
        seen[name] = (audit.count_records(session) - before, last(session).action)

    step("import_regions", lambda: geography.import_regions(
        session, io.StringIO(REGIONS_CSV), "r.csv", "cli:test"))
    step("import_commissions", lambda: geography.import_commissions(
        session, io.StringIO(COMMISSIONS_CSV), "c.csv", "cli:test"))
    step("import_stations", lambda: geography.import_stations(
        session, io.StringIO(STATIONS_CSV), "s.csv", "cli:test"))
    step("update_station", lambda: geography.update_station(
        session, "user:x", "1001", StationUpdate(name="Школа № 5")))
    election = make_election(session)
    seen["create_election"] = (1, audit.list_records(session, limit=1)[0].action)
    step("transition", lambda: elections.transition(
        session, "user:x", election.id, ElectionStatus.NOMINATION, "calendar"))
    step("add_districts", lambda: elections.add_districts(
        session, "user:x", election.id, [(1, "a", "b", "c", "KG-GB", ["1001", "1002"])]))
    principal = None

    def create():
        nonlocal principal
        principal = make_user(session, "alice", Role.CEC_ADMIN)

    step("create_user", create)
    step("issue_token", lambda: auth.issue_token(session, principal, "laptop"))
    step("register_party", lambda: candidates.register_party(
        session, "user:x", PartyIn(code="p1", name_ky="a", name_ru="b", name_en="c")))
    assert seen == {name: (1, action) for name, action in STATE_CHANGES.items()}
    result = audit.verify(session)
    assert result.fault is None
    assert result.checked == result.head_seq == audit.count_records(session) == 10


def test_records_say_who_did_what_to_which_object(session):
    make_country(session)
    geography.update_station(session, "user:tec1", "1002",
                             StationUpdate(latitude=42.9, longitude=74.7))
    r = last(session)
    assert (r.actor, r.action, r.object_type, r.object_id) == (
        "user:tec1", "geography.station_updated", "polling_station", "1002")
    assert r.change == {"before": {"latitude": 42.88, "longitude": 74.61},
                        "after": {"latitude": 42.9, "longitude": 74.7}}
    alice = make_user(session, "alice", Role.TEC_MEMBER, Scope(ScopeKind.TERRITORIAL, "GB01"))
    r = last(session)
    assert (r.actor, r.object_type, r.object_id) == ("test", "user", str(alice.user_id))
    assert r.change == {"username": "alice", "role": "tec_member", "scope": "tec:GB01"}
    assert PASSWORD not in str(r.change)


def test_the_audit_record_is_in_the_use_case_transaction(session, monkeypatch):
    make_country(session)
    before = audit.count_records(session)

    def broken(*args, **kwargs):
        raise RuntimeError("audit store down")

    monkeypatch.setattr(audit, "record", broken)
    with pytest.raises(RuntimeError):
        elections.create_election(session, "test", ElectionCreate(
            code="e-2027", kind=ElectionKind.PARLIAMENTARY, name_ky="a", name_ru="b",
            name_en="c", polling_date=date(2027, 1, 1), preset="kg-2021-mixed"))
    with pytest.raises(RuntimeError):
        geography.update_station(session, "x", "1001", StationUpdate(name="Renamed"))
    monkeypatch.undo()
    assert elections.public_calendar(session) == []
    assert geography.public_get_station(session, "1001").name == "Средняя школа № 5"
    assert audit.count_records(session) == before


def test_a_failed_use_case_leaves_no_record(session):
    make_country(session)
    before = audit.count_records(session)
    bad = STATIONS_CSV.replace("1001,ordinary", "1001,school")
    with pytest.raises(Exception, match="bad row"):
        geography.import_stations(session, io.StringIO(bad), "s.csv", "test")
    assert audit.count_records(session) == before
    assert audit.verify(session).intact


# --- tampering with the database directly -------------------------------------------------


@pytest.fixture
def logged(session):
    """A session with a few real records (regions, commissions, stations, election, users)."""
    make_country(session)
    election = make_election(session)
    elections.transition(session, "user:x", election.id, ElectionStatus.NOMINATION, "go")
    make_user(session, "alice", Role.CEC_ADMIN)
    make_user(session, "bob", Role.OBSERVER)
    assert audit.count_records(session) == 7
    assert audit.verify(session).intact
    return session


def tampered(session, sql, **params):
    lift_append_only_guard(session.connection())
    session.execute(text(sql), params)
    session.expire_all()
    return audit.verify(session)


def test_tampering_with_an_actor_is_named(logged):
    result = tampered(logged, "UPDATE audit_records SET actor = 'user:mallory' WHERE seq = 4")
    assert (result.fault.seq, result.fault.kind) == (4, "altered")
    assert result.fault.detail == "its fields do not match its stored hash"
    assert not result.intact
    assert result.checked == 4


def test_tampering_with_a_change_is_named(logged):
    result = tampered(logged, "UPDATE audit_records SET change = :c WHERE seq = 5",
                      c='{"from": "scheduled", "to": "certified", "reason": "go"}')
    assert (result.fault.seq, result.fault.kind) == (5, "altered")
    assert result.fault.detail == "its change does not match its digest"


def test_deleting_a_middle_record_is_named(logged):
    result = tampered(logged, "DELETE FROM audit_records WHERE seq = 3")
    assert (result.fault.seq, result.fault.kind) == (3, "deleted")
    assert result.fault.detail == "records 3..3 are missing before record 4"


def test_deleting_the_last_record_is_named(logged):
    result = tampered(logged, "DELETE FROM audit_records WHERE seq = 7")
    assert (result.fault.seq, result.fault.kind) == (7, "deleted")
    assert result.fault.detail == "the chain head says 7 records, found 6"


def test_inserting_a_forged_record_is_named(logged):
    prev = logged.execute(select(AuditRecord.record_hash).where(AuditRecord.seq == 7)).scalar()
    at = logged.execute(select(AuditRecord.at).where(AuditRecord.seq == 7)).scalar()
    change = {"username": "mallory", "role": "cec_admin", "scope": "nation"}
    cd = change_digest(change)
    forged = AuditRecord(seq=8, at=at, actor="test", action="auth.user_created",
                         object_type="user", object_id="99", change=change, change_digest=cd,
                         prev_hash=prev,
                         record_hash=record_hash(prev, 8, at, "test", "auth.user_created",
                                                 "user", "99", cd))
    # a perfectly chained record, written straight into the table (not through the log)
    logged.execute(AuditRecord.__table__.insert().values(
        {c.name: getattr(forged, c.name) for c in AuditRecord.__table__.columns}))
    logged.expire_all()
    result = audit.verify(logged)
    assert (result.fault.seq, result.fault.kind) == (8, "inserted")
    assert result.head_seq == 7


def test_moving_the_head_back_is_named(logged):
    result = tampered(logged, "UPDATE audit_head SET seq = 6")
    assert (result.fault.seq, result.fault.kind) == (7, "inserted")


def test_rewriting_a_hash_breaks_the_next_link(logged):
    result = tampered(logged, "UPDATE audit_records SET prev_hash = :h WHERE seq = 2",
                      h="a" * 64)
    assert (result.fault.seq, result.fault.kind) == (2, "altered")


def test_verify_counts_records(logged):
    assert logged.execute(select(func.count()).select_from(AuditRecord)).scalar() == 7
    result = audit.verify(logged)
    assert (result.checked, result.head_seq) == (7, 7)
    assert result.head_hash == last(logged).record_hash
