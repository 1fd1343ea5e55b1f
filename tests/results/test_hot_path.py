"""The ingestion and publication hot path: what is kept between requests (ballots, which are
set once) and what is always read again (totals, election status, checks), the one-statement
totals upsert, and one read of several totals levels."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from shailoo.candidates import service as candidates
from shailoo.elections import service as elections
from shailoo.elections.rules import ElectionStatus
from shailoo.errors import Forbidden, RuleViolation
from shailoo.polling.signing import sign
from shailoo.results import ingest, reports, service
from shailoo.results.rules import CheckKind, ControlCheck, ProtocolStatus, Source
from tests.conftest import is_postgres
from tests.results.conftest import ballot, protocol


class Statements:
    """Counts the statements a session sends that mention a table."""

    def __init__(self, session: Session) -> None:
        self.seen: list[str] = []
        self.engine = session.get_bind()
        event.listen(self.engine, "before_cursor_execute", self._record)

    def _record(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.seen.append(statement)

    def count(self, table: str) -> int:
        return sum(table in s for s in self.seen)

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)


@pytest.fixture
def statements(session):
    counter = Statements(session)
    yield counter
    counter.close()


def spy(monkeypatch, owner, name, seen=lambda _session, target, *_rest: target):
    """Wrap ``owner.name`` so that each call is recorded as ``seen(*its arguments)`` (by
    default its second argument: the contest asked for) and then runs as before."""
    calls: list[Any] = []
    real = getattr(owner, name)

    def recorded(*args: Any) -> Any:
        calls.append(seen(*args))
        return real(*args)

    monkeypatch.setattr(owner, name, recorded)
    return calls


def _scanner(counting, votes=(400, 300, 200, 50)):
    p = protocol(counting.list_contest, source="scanner", device_id="abb-1001", votes=votes)
    return p.model_copy(update={"signature": sign(counting.scanner_key, p.document())})


def test_known_ballots_are_read_once_and_then_reused(session, counting, statements):
    known: dict[int, list[str]] = {}
    first = service.submit_batch(session, [(_scanner(counting), None)], known)
    assert first[0].status is ProtocolStatus.ACCEPTED
    assert known == {counting.list_contest: ["ala", "ynt", "jan", "against"]}
    read = statements.count("ballot_choices")
    again = service.submit_batch(session, [(_scanner(counting), None)], known)
    assert again[0].duplicate is True
    assert statements.count("ballot_choices") == read  # not read again


def test_a_contest_without_a_ballot_is_not_kept(session, counting):
    contest = elections.public_contests(session, counting.election_id)
    known: dict[int, list[str]] = {}
    engine = ingest.Engine(session, known_ballots=known)
    # a contest id that has no ballot lines (none set for it)
    missing = max(c.id for c in contest) + 1000
    assert engine._ballot(missing) == []
    assert missing not in known


def test_election_status_and_checks_are_read_for_every_batch(session, counting):
    known: dict[int, list[str]] = {}
    service.submit_batch(session, [(protocol(counting.list_contest), "user:pec")], known)
    # a check that every later protocol fails: it applies at once, the ballot stays known
    never = ControlCheck(id="never", kind=CheckKind.PLAUSIBILITY, description="never passes",
                         left=["ballots_invalid"], op="le", right=["voters_list"],
                         factor="0.000001")
    service.set_checks(session, "cec", counting.election_id, [never])
    late = service.submit_batch(session, [(protocol(counting.list_contest, station="1002"),
                                           "user:pec")], known)
    assert late[0].status is ProtocolStatus.QUARANTINED
    elections.transition(session, "test", counting.election_id, ElectionStatus.CERTIFIED,
                         "closed")
    closed = service.submit_batch(session, [(protocol(counting.list_contest, station="1003"),
                                             "user:pec")], known)
    assert isinstance(closed[0], RuleViolation)


def test_ballot_cache_keeps_set_ballots_only(session, counting, monkeypatch):
    cache = reports.ReportCache()
    first = cache.ballot(session, counting.list_contest)
    assert [c.code for c in first] == ["ala", "ynt", "jan", "against"]
    calls = spy(monkeypatch, candidates, "public_ballot")
    assert cache.ballot(session, counting.list_contest) == first
    assert calls == []
    contest = elections.public_contests(session, counting.election_id)
    fresh = max(c.id for c in contest) + 1000
    assert cache.ballot(session, fresh) == [] and fresh not in cache.ballots
    assert cache.ballot(session, fresh) == [] and calls == [fresh, fresh]


def test_contest_facts_are_kept_a_moment_but_totals_never(session, counting, monkeypatch):
    cache = reports.ReportCache()
    before = reports.public_contest_report(session, counting.list_contest, Source.MANUAL,
                                           cache=cache)
    reads = spy(monkeypatch, elections, "public_get_contest")
    outcome = service.submit_batch(session, [(protocol(counting.list_contest,
                                                       station="1003"), "user:pec")])
    assert not isinstance(outcome[0], Exception)
    after = reports.public_contest_report(session, counting.list_contest, Source.MANUAL,
                                          cache=cache)
    assert reads == []  # contest, election and station counts from the cache
    assert after.stations_reporting == before.stations_reporting + 1  # totals read afresh
    assert after.stations_expected == before.stations_expected
    monkeypatch.setattr(reports, "FACTS_TTL_SECONDS", 0.0)
    elections.transition(session, "test", counting.election_id, ElectionStatus.CERTIFIED,
                         "closed")
    later = reports.public_contest_report(session, counting.list_contest, Source.MANUAL,
                                          cache=cache)
    assert reads == [counting.list_contest]  # expired: read again
    assert later.election is not None
    assert later.election.status is ElectionStatus.CERTIFIED


def test_station_counts_are_kept_longer_than_the_contest(session, counting, monkeypatch):
    cache = reports.ReportCache()
    first = reports.public_contest_report(session, counting.list_contest, Source.MANUAL,
                                          cache=cache)
    counted = spy(monkeypatch, reports, "expected_stations", lambda _s, contest, _e: contest.id)
    monkeypatch.setattr(reports, "FACTS_TTL_SECONDS", 0.0)
    again = reports.public_contest_report(session, counting.list_contest, Source.MANUAL,
                                          cache=cache)
    assert counted == []  # the contest was read again, its stations were not counted again
    assert again.stations_expected == first.stations_expected
    monkeypatch.setattr(reports, "STATIONS_TTL_SECONDS", 0.0)
    reports.public_contest_report(session, counting.list_contest, Source.MANUAL, cache=cache)
    assert counted == [counting.list_contest]


def test_add_to_totals_sums_repeated_figures(session, counting):
    rows = [{"contest_id": counting.list_contest, "source": "manual", "level": "contest",
             "unit": "*", "key": "choice:ala", "value": v} for v in (3, 4)]
    rows.append({"contest_id": counting.list_contest, "source": "manual", "level": "region",
                 "unit": "KG-C", "key": "choice:ynt", "value": 7})
    ingest.add_to_totals(session, rows)
    ingest.add_to_totals(session, rows[:1])
    assert service.public_totals(session, counting.list_contest, Source.MANUAL) == {
        "*": {"choice:ala": 10}}
    assert service.public_totals(session, counting.list_contest, Source.MANUAL,
                                 "region") == {"KG-C": {"choice:ynt": 7}}


def test_incremental_totals_still_equal_a_recount(session, counting):
    service.submit(session, "user:pec", protocol(counting.list_contest))
    service.submit(session, "user:pec", protocol(counting.list_contest, station="2001"))
    service.submit(session, "user:pec", protocol(counting.list_contest, votes=(100, 2, 3, 4),
                                                 correction_reason="recount"))
    levels = ("contest", "region", "tec")
    before = service.public_totals_at(session, counting.list_contest, Source.MANUAL, levels)
    service.recompute_totals(session, "cec", counting.list_contest)
    after = service.public_totals_at(session, counting.list_contest, Source.MANUAL, levels)
    assert before == after
    assert after["contest"]["*"]["choice:ala"] == 100 + 400


def test_totals_at_several_levels_equal_one_level_at_a_time(session, counting):
    service.submit(session, "user:pec", protocol(counting.list_contest))
    service.submit(session, "user:pec", protocol(counting.list_contest, station="2001"))
    for levels in (["contest"], ["contest", "region"], ["region", "tec"]):
        together = service.public_totals_at(session, counting.list_contest, Source.MANUAL,
                                            levels)
        assert together == {level: service.public_totals(session, counting.list_contest,
                                                         Source.MANUAL, level)
                            for level in levels}


def test_report_outcome_uses_what_the_report_read(session, counting, statements):
    service.submit(session, "user:pec", protocol(counting.list_contest))
    report = reports.public_contest_report(session, counting.list_contest, Source.MANUAL,
                                           breakdown_level="region")
    assert report.election is not None and set(report.totals) == {"contest", "region"}
    seen = len(statements.seen)
    decided = reports.outcome(session, report)
    assert decided is not None and decided["kind"] == "seats"
    assert len(statements.seen) == seen  # no further query for the outcome
    report.election = None
    report.totals = {}
    assert reports.outcome(session, report) == decided


def test_the_api_answer_follows_each_write(client, counting):
    """Ballots are kept by the app, totals never: each answer includes the last upload."""
    url = f"/api/results/contests/{counting.list_contest}"
    assert client.get(url, params={"source": "scanner"}).json()["outcome"] is None
    first = client.post("/api/results/protocols", json=_body(_scanner(counting)))
    assert first.status_code == 200 and first.headers["content-type"] == "application/json"
    assert first.json()["status"] == "accepted"
    report = client.get(url, params={"source": "scanner"}).json()
    assert {c["code"]: c["votes"] for c in report["choices"]}["ala"] == 400
    assert report["outcome"]["kind"] == "seats"
    p = _scanner(counting, votes=(10, 300, 200, 50)).model_copy(
        update={"correction_reason": "recount"})
    p = p.model_copy(update={"signature": sign(counting.scanner_key, p.document())})
    assert client.post("/api/results/protocols", json=_body(p)).json()["version"] == 2
    again = client.get(url, params={"source": "scanner"}).json()
    assert {c["code"]: c["votes"] for c in again["choices"]}["ala"] == 10
    assert again["stations_reporting"] == 1
    assert [c["code"] for c in again["choices"]] == [c.code for c in ballot()]


def test_reading_without_transaction_leaves_bound_sessions_alone(session):
    reports.read_without_transaction(session)  # bound to the test's connection: unchanged
    session.execute(select(1))
    assert session.in_transaction()


def test_reading_without_transaction_autocommits_on_postgresql_only_and_is_reset(engine):
    with engine.connect():
        pass  # the dialect learns the server's default isolation level
    expected = "AUTOCOMMIT" if is_postgres() else None
    with Session(bind=engine) as reader:
        reports.read_without_transaction(reader)
        reader.execute(select(1))
        assert reader.connection().get_execution_options().get("isolation_level") == expected
        if is_postgres():
            assert reader.connection().connection.dbapi_connection.autocommit is True
    with engine.connect() as later:
        assert later.get_execution_options().get("isolation_level") is None
        if is_postgres():
            assert later.connection.dbapi_connection.autocommit is False


def _body(p):
    return p.model_dump(mode="json", exclude_none=True)


def test_precheck_finds_the_key_of_a_good_signature_only(session, counting):
    good = _scanner(counting)
    forged = good.model_copy(update={"signature": "0" * 128})
    manual = protocol(counting.list_contest)
    checks = service.precheck(session, [(good, None), (forged, None), (manual, "user:tec")])
    assert checks[0].signed_with is not None
    assert checks[1].signed_with is None
    assert checks[2].signed_with is None
    assert [c.content_hash for c in checks] == [ingest.content_hash(p)
                                                for p in (good, forged, manual)]


def test_a_prechecked_signature_is_not_verified_again(session, counting, monkeypatch):
    from shailoo.polling import service as polling

    upload = _scanner(counting)
    checks = service.precheck(session, [(upload, None)])
    calls = spy(monkeypatch, polling, "signature_valid", lambda *_args: "verify")
    (outcome,) = service.submit_batch(session, [(upload, None)], None, checks)
    assert outcome.status is ProtocolStatus.ACCEPTED
    assert calls == []


def test_a_device_rekeyed_after_the_precheck_is_verified_again(session, counting):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from shailoo.polling.models import Device
    from shailoo.polling.signing import public_key_hex

    upload = _scanner(counting)
    checks = service.precheck(session, [(upload, None)])
    device = session.get(Device, "abb-1001")
    device.public_key = public_key_hex(Ed25519PrivateKey.generate())
    session.flush()
    (answer,) = service.submit_batch(session, [(upload, None)], None, checks)
    assert isinstance(answer, Forbidden) and answer.code == "polling.bad_signature"


def test_a_device_revoked_after_the_precheck_is_refused(session, counting):
    from shailoo.polling import service as polling

    upload = _scanner(counting)
    checks = service.precheck(session, [(upload, None)])
    polling.revoke_device(session, "test", "abb-1001", "stolen")
    (answer,) = service.submit_batch(session, [(upload, None)], None, checks)
    assert isinstance(answer, Forbidden) and answer.code == "polling.device_revoked"


def test_the_same_protocol_sent_twice_at_once_is_taken_once(fresh_database_url):
    """Two server processes taking in the same upload at the same moment (a retry): one
    stores it, the other answers duplicate; neither fails (on PostgreSQL the two
    transactions run side by side)."""
    import threading

    from shailoo.db import make_engine, make_session_factory
    from tests.results.conftest import make_counting

    engine = make_engine(fresh_database_url)
    factory = make_session_factory(engine)
    with factory() as session:
        setup = make_counting(session)
    upload = _scanner(setup)
    start = threading.Barrier(2)
    answers: list[object] = []

    def send() -> None:
        with factory() as session:
            start.wait()
            try:
                answers.extend(service.submit_batch(session, [(upload, None)]))
            except Exception as exc:  # the test reports it
                answers.append(exc)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()
    assert sorted(getattr(a, "duplicate", a) for a in answers) == [False, True], answers
