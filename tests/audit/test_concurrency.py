"""Concurrent writers keep one unbroken chain: the head row serialises them."""

from __future__ import annotations

import threading

from shailoo.audit import service
from shailoo.db import make_engine, make_session_factory, unit_of_work

WRITERS = 4
RECORDS_EACH = 15


def test_concurrent_writers_keep_the_chain_intact(databases):
    engine = make_engine(databases.create())
    factory = make_session_factory(engine)
    errors: list[BaseException] = []
    start = threading.Barrier(WRITERS)

    def write(writer: int) -> None:
        try:
            start.wait()
            for i in range(RECORDS_EACH):
                with factory() as session, unit_of_work(session):
                    service.record(session, f"writer:{writer}", "test.write", "n", i, {"i": i})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with factory() as session:
        result = service.verify(session)
        assert result.intact, result.fault
        assert result.checked == WRITERS * RECORDS_EACH
    engine.dispose()
