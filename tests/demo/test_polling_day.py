"""The polling-day simulator against a real server: everything it sent is stored exactly
once, double-vote attempts are refused, the stations it gave extra ballots (and only those)
are flagged by reconciliation with a case each, playing the day again changes nothing, and
the CLI and public pages show the same figures."""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import httpx
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from shailoo.cli import app as cli
from shailoo.db import make_engine, make_session_factory
from shailoo.demo import generator
from shailoo.demo.polling_day import DayShape, DaySummary, plan_day, play_polling_day
from shailoo.kit.server import start_app_server
from shailoo.polling import reconciliation
from shailoo.polling.models import BallotIssue, IdentificationEvent, PollingIncident
from shailoo.polling.rules import PollingConfig
from tests.conftest import DatabaseFactory

SEED = 3
SHAPE = DayShape(offline=0.3, extra_ballots=0.3, second_attempt=0.01)


@dataclass
class PlayedDay:
    url: str
    base: str
    summary: DaySummary
    factory: object


def _quiet(_message: str) -> None:
    return None


@pytest.fixture(scope="module")
def played(databases: DatabaseFactory) -> Iterator[PlayedDay]:
    url = databases.create()
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with factory() as session:
        generator.generate(session, 10_000, SEED, date(2026, 11, 26), log=_quiet)
    server, base = start_app_server(url)
    try:
        summary = play_polling_day(factory, base, SEED, None, 0, log=_quiet, shape=SHAPE)
        yield PlayedDay(url, base, summary, factory)
    finally:
        server.terminate()
        server.wait(timeout=30)
        engine.dispose()


def test_the_plan_is_seeded_and_shaped():
    pins = {f"10{n:02d}": [f"{n:02d}{i:012d}" for i in range(200)] for n in range(40)}
    zones = dict.fromkeys(pins, "Asia/Bishkek")
    day = date(2027, 2, 28)
    first = plan_day(random.Random(1), 1, pins, zones, day, PollingConfig(), SHAPE)
    again = plan_day(random.Random(1), 1, pins, zones, day, PollingConfig(), SHAPE)
    assert [(p.code, p.events, p.offline, p.extra_ballots) for p in first] == [
        (p.code, p.events, p.offline, p.extra_ballots) for p in again]
    assert any(p.offline for p in first) and any(p.extra_ballots for p in first)
    for plan in first:
        times = [e[4] for e in plan.events]
        assert times == sorted(times)
        assert all(t.hour >= 2 and t.hour < 14 for t in times)  # 08:00-20:00 at UTC+6
        firsts = [e for e in plan.events if not e[0].endswith("-again")]
        assert len({e[1] for e in firsts}) == len(firsts)  # a voter comes once, then again


def test_everything_sent_is_stored_once(played):
    summary = played.summary
    assert summary.stations == 10 and summary.retries == 0
    assert summary.double_votes > 0 and summary.offline and summary.mismatched
    with played.factory() as session:
        events = session.execute(select(func.count()).select_from(IdentificationEvent)).scalar()
        ballots = session.execute(select(func.count()).select_from(BallotIssue)).scalar()
        incidents = session.execute(select(func.count()).select_from(PollingIncident)).scalar()
    assert events == summary.events
    assert ballots == summary.answers["issue_ballot"]
    assert summary.answers.get("already_voted", 0) == incidents
    assert summary.answers.get("already_voted", 0) + summary.answers.get(
        "not_on_this_list", 0) == summary.double_votes
    assert summary.answers.get("already_voted", 0) > 0


def test_only_the_stations_with_extra_ballots_are_flagged(played):
    with played.factory() as session:
        rows = reconciliation.reconciliation(session, 1)
        cases = reconciliation.list_cases(session, 1)
    flagged = sorted(r["station"] for r in rows if r["flagged"])
    assert flagged == sorted(played.summary.mismatched)
    assert sorted(c["station"] for c in cases) == flagged
    assert played.summary.cases["opened"] == len(flagged)
    for row in rows:
        assert row["identified"] is not None and row["signed"] is not None
        assert row["scanner"] is not None
        if row["station"] not in flagged:
            assert row["identified"] == row["signed"] == row["scanner"]


def test_playing_the_day_again_changes_nothing(played):
    with played.factory() as session:
        before = reconciliation.reconciliation(session, 1)
    again = play_polling_day(played.factory, played.base, SEED, None, 0, log=_quiet,
                             shape=SHAPE)
    assert again.repeated == again.events == played.summary.events
    assert again.cases == {"opened": 0, "updated": 0, "reopened": 0, "cleared": 0}
    with played.factory() as session:
        assert reconciliation.reconciliation(session, 1) == before


def _run(played: PlayedDay, *args: str) -> str:
    result = CliRunner().invoke(cli, list(args), env={"SHAILOO_DATABASE_URL": played.url})
    assert result.exit_code == 0, result.output
    return result.stdout


def test_cli_reconcile_and_turnout(played):
    rows = list(csv.DictReader(io.StringIO(_run(played, "polling", "reconcile",
                                                "--format", "csv", "--no-open-cases"))))
    assert len(rows) == 10
    assert sorted(r["station"] for r in rows if r["flagged"] == "FLAGGED") == sorted(
        played.summary.mismatched)
    for r in rows:
        assert int(r["identified-signed"]) == int(r["identified"]) - int(r["signed"])
    regions = list(csv.DictReader(io.StringIO(_run(played, "polling", "turnout",
                                                   "--format", "csv"))))
    assert sum(int(r["identified"]) for r in regions) == played.summary.answers[
        "issue_ballot"]
    assert {"region", "registered", "identified", "turnout"} <= set(regions[0])


def test_pages_and_twins_show_the_day(played):
    with httpx.Client(base_url=played.base, timeout=30) as client:
        overview = client.get("/polling/1")
        assert overview.status_code == 200 and "<svg" in overview.text
        figures = client.get("/polling/1.json").json()
        assert sum(r["identified"] for r in figures["rows"]) == played.summary.answers[
            "issue_ballot"]
        assert figures["published_hours"] == ["10:00", "12:00", "14:00", "16:00", "18:00",
                                              "20:00"]
        listing = client.get("/polling/1/reconciliation")
        for code in played.summary.mismatched:
            assert f"/polling/1/stations/{code}" in listing.text
        station = played.summary.mismatched[0]
        page = client.get(f"/results/1/stations/{station}")
        assert 'id="reconciliation"' in page.text and 'class="flagged"' in page.text
        twin = client.get(f"/polling/1/stations/{station}.json").json()
        assert twin["reconciliation"]["flagged"] is True
        assert client.get("/polling/1/reconciliation.csv").text.startswith("station,")
