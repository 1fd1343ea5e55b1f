"""The demo's polls closing: counts arrive signed, some differ, some are quarantined, and
running it again changes nothing."""

from __future__ import annotations

from datetime import date

from shailoo.db import make_engine, make_session_factory
from shailoo.demo import generator
from shailoo.results import reports, service
from shailoo.results.closing import close_polls
from shailoo.results.rules import Source


def test_polls_close_twice(databases):
    url = databases.create()
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with factory() as session:
        generator.generate(session, 20_000, 5, date(2026, 11, 26), log=lambda _m: None)
    first = close_polls(factory, seed=5, minutes=0, log=lambda _m: None)
    assert first.scanner == first.manual > 0
    with factory() as session:
        main = reports.main_contest(session, 1)
        scanner = reports.public_contest_report(session, main.id, Source.SCANNER)
        assert scanner.stations_reporting == scanner.stations_expected
        quarantined = service.quarantine_queue(session, 1, None)
        assert len(quarantined) == first.quarantined
        counted = len(service.public_counted_protocols(session, 1))
        assert counted + len(quarantined) == first.scanner + first.manual
    again = close_polls(factory, seed=5, minutes=0, log=lambda _m: None)
    assert again.scanner == first.scanner
    with factory() as session:  # every protocol was a duplicate: nothing changed
        assert len(service.public_counted_protocols(session, 1)) == counted
        assert reports.public_contest_report(
            session, main.id, Source.SCANNER).as_dict() == scanner.as_dict()
    engine.dispose()
