"""Engine, sessions, the one commit site, UTC timestamps and migrations."""

import threading
import time
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from shailoo.audit.models import AuditRecord
from shailoo.db import (
    NAMING_CONVENTION,
    Base,
    UtcDateTime,
    _writer_turn,
    make_engine,
    make_session_factory,
    pending_migrations,
    session_scope,
    unit_of_work,
    upgrade,
    writers_take_turns,
)
from shailoo.errors import RuleViolation


def audit_row(seq: int) -> AuditRecord:
    return AuditRecord(seq=seq, at=datetime.now(UTC), actor="t", action="t", object_type="t",
                       object_id="1", change={}, change_digest="d", prev_hash="p",
                       record_hash=f"h{seq}")


def count(session) -> int:
    return len(session.execute(select(AuditRecord.seq)).all())


def test_unit_of_work_commits_on_success(session):
    with unit_of_work(session):
        session.add(audit_row(1))
    session.rollback()  # nothing pending: the unit of work committed
    assert count(session) == 1


def test_unit_of_work_rolls_back_on_error(session):
    with pytest.raises(RuleViolation), unit_of_work(session):
        session.add(audit_row(1))
        session.flush()
        raise RuleViolation("test.refused", "no")
    assert count(session) == 0
    assert session.info["uow_depth"] == 0


def test_an_inner_unit_of_work_joins_the_outer_one(session):
    with pytest.raises(RuntimeError), unit_of_work(session):
        with unit_of_work(session):
            session.add(audit_row(1))
        assert session.info["uow_depth"] == 1
        raise RuntimeError("outer fails after the inner one finished")
    assert count(session) == 0


def test_utc_datetime_round_trips_aware_and_refuses_naive(session):
    bishkek = timezone(timedelta(hours=6))
    local = datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=bishkek)
    row = audit_row(1)
    row.at = local
    session.add(row)
    session.flush()
    session.expire_all()
    stored = session.get(AuditRecord, 1).at
    assert stored == local
    assert stored.tzinfo is not None and stored.utcoffset() == timedelta(0)
    assert stored.hour == 6
    assert UtcDateTime().process_bind_param(None, None) is None
    with pytest.raises(ValueError, match="naive datetime"):
        UtcDateTime().process_bind_param(datetime(2026, 1, 1), None)


def test_naming_convention_is_applied():
    assert Base.metadata.naming_convention == NAMING_CONVENTION
    names = {c.name for t in Base.metadata.tables.values() for c in t.constraints}
    assert "pk_audit_records" in names
    assert "ck_audit_head_single_row" in names


def test_sqlite_engines_enforce_foreign_keys_and_use_wal(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'fk.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    engine.dispose()


def test_sqlite_writers_take_turns_through_a_lock_file(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'turns.db'}")
    factory = make_session_factory(engine)
    inside, release, order = threading.Event(), threading.Event(), []

    def first() -> None:
        with factory() as session, unit_of_work(session):
            order.append("first in")
            inside.set()
            release.wait(5)
            order.append("first out")

    def second() -> None:
        inside.wait(5)
        with factory() as session, unit_of_work(session):
            order.append("second in")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    inside.wait(5)
    time.sleep(0.2)  # the second writer is waiting for its turn, not inside
    assert order == ["first in"]
    release.set()
    for t in threads:
        t.join(5)
    assert order == ["first in", "first out", "second in"]
    assert (tmp_path / "turns.db-writer.lock").exists()
    engine.dispose()


def test_a_writer_turn_is_reentrant_within_a_thread(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'nested.db'}")
    done = threading.Event()

    def nested() -> None:  # a second lock of the file by this thread would wait forever
        with _writer_turn(engine), _writer_turn(engine):
            done.set()

    worker = threading.Thread(target=nested, daemon=True)
    worker.start()
    worker.join(5)
    assert done.is_set()
    with _writer_turn(engine):  # and the turn was given back
        pass
    engine.dispose()


def test_foreign_keys_are_enforced(session):
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        session.execute(text(
            "INSERT INTO territorial_commissions (code, region_code, name_ky, name_ru, name_en,"
            " abroad) VALUES ('X', 'KG-NOPE', 'a', 'b', 'c', false)"))
        session.flush()


def test_pending_migrations(databases):
    url = databases.create(migrate=False)
    engine = make_engine(url)
    try:
        pending = pending_migrations(engine)
        assert pending
        assert all(isinstance(rev, str) and rev for rev in pending)
        upgrade(url)
        assert pending_migrations(engine) == []
    finally:
        engine.dispose()


def test_session_factory_keeps_objects_readable_after_commit(database_url):
    engine = make_engine(database_url)
    try:
        factory = make_session_factory(engine)
        s: Session = factory()
        try:
            row = audit_row(1)
            s.add(row)
            s.flush()
            s.rollback()
            assert factory.kw["expire_on_commit"] is False
            assert s.bind is engine
        finally:
            s.close()
    finally:
        engine.dispose()


def test_only_sqlite_writers_take_turns(engine):
    from tests.conftest import is_postgres

    with Session(bind=engine) as session:
        assert writers_take_turns(session) is not is_postgres()


def test_session_scope_closes_unless_the_session_must_stay_open(engine):
    opened: list[Session] = []

    def factory() -> Session:
        opened.append(Session(bind=engine))
        return opened[-1]

    with session_scope(factory) as session:
        session.execute(text("SELECT 1"))
    assert not session.in_transaction()
    with session_scope(factory) as kept:
        kept.info["keep_open"] = True
        kept.execute(text("SELECT 1"))
    assert kept.in_transaction()
    kept.close()
