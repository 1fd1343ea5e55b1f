"""The database itself refuses to change or remove audit records."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from shailoo.audit import service
from tests.audit.tampering import lift_append_only_guard


@pytest.mark.parametrize("statement", [
    "UPDATE audit_records SET actor = 'someone else' WHERE seq = 1",
    "DELETE FROM audit_records WHERE seq = 1",
])
def test_update_and_delete_are_refused(session, statement):
    service.record(session, "test", "test.done", "thing", 1, {"a": 1})
    session.flush()
    with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
        session.execute(text(statement))
    assert service.verify(session).intact


def test_a_tamperer_who_lifts_the_guard_is_still_caught(session):
    service.record(session, "test", "test.done", "thing", 1, {"a": 1})
    service.record(session, "test", "test.done", "thing", 2, {"a": 2})
    session.flush()
    lift_append_only_guard(session.connection())
    session.execute(text("UPDATE audit_records SET change = :c WHERE seq = 1"),
                    {"c": '{"a": 99}'})
    fault = service.verify(session).fault
    assert fault is not None and (fault.seq, fault.kind) == (1, "altered")
