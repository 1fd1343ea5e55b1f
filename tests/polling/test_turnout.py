"""Turnout on polling day from ballots issued to identified voters: per station, commission,
region and nation, the share at each published hour (an hour is published once it has passed
on the clock or in the data), the curve, and jumps between published hours; local hours in
Bishkek (UTC+6) and abroad in the country's configured zone (Moscow, UTC+3)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shailoo.errors import InvalidInput, NotFound
from shailoo.polling import identification, service, turnout
from shailoo.polling.rules import PollingConfig
from shailoo.polling.signing import public_key_hex
from shailoo.register import service as register
from tests.polling.factories import (
    ACTOR,
    MORE_ROWS,
    PINS_1001,
    ROWS,
    batch,
    issue,
    local,
    setup_country,
    voter,
)

ABROAD_ROW = voter(20, "Токтогулов", "Азамат", sex="M")
MOSCOW = timezone(timedelta(hours=3))
KEY_9001 = Ed25519PrivateKey.from_private_bytes(bytes([9]) * 32)


def home_country(session) -> int:
    return setup_country(session, MORE_ROWS)


def rows_by_unit(figures) -> dict[str, dict]:
    return {r["unit"]: r for r in figures["rows"]}


def day_at_1001(session) -> int:
    """Nine listed at 1001, one at 1002; seven ballots at 1001 through the day."""
    election = home_country(session)
    answers = issue(session, election, "id-1001-a", [
        (PINS_1001[0], local(8, 30)), (PINS_1001[1], local(9, 59)),
        (PINS_1001[2], local(10)), (PINS_1001[3], local(11)),
        (PINS_1001[4], local(13, 30)), (PINS_1001[5], local(13, 30)),
        (PINS_1001[6], local(13, 31))])
    assert answers == ["issue_ballot"] * 7
    return election


def test_clock_hours_are_the_full_hours_after_opening_up_to_closing():
    assert turnout.clock_hours(PollingConfig()) == [f"{h:02d}:00" for h in range(9, 21)]
    assert turnout.clock_hours(PollingConfig(opens="07:30", closes="10:45")) == [
        "08:00", "09:00", "10:00", "10:45"]


def test_station_turnout_at_the_published_hours_with_the_curve_and_a_jump(session):
    election = day_at_1001(session)
    figures = turnout.turnout(session, election, "station", now=local(14, 30))
    assert figures["hours"] == ("10:00", "12:00", "14:00", "16:00", "18:00", "20:00")
    assert figures["published_hours"] == ["10:00", "12:00", "14:00"]
    assert figures["curve_hours"] == [f"{h:02d}:00" for h in range(9, 21)]
    assert figures["as_of"] == "2027-02-28T08:30:00+00:00"
    rows = rows_by_unit(figures)
    assert list(rows) == ["1001", "1002", "1003", "2001", "9001"]
    assert rows["1001"] == {
        "unit": "1001", "registered": 9, "identified": 7, "turnout": 0.7778,
        "published": {"10:00": 0.2222, "12:00": 0.4444, "14:00": 0.7778},
        "curve": {"09:00": 0.1111, "10:00": 0.2222, "11:00": 0.3333, "12:00": 0.4444,
                  "13:00": 0.4444, "14:00": 0.7778},
        "jumps": [{"from": "12:00", "to": "14:00", "rise": 0.3334}]}
    assert rows["1002"]["published"] == {"10:00": 0.0, "12:00": 0.0, "14:00": 0.0}
    assert rows["1002"]["jumps"] == []
    assert (rows["1003"]["registered"], rows["1003"]["turnout"]) == (0, None)
    assert rows["1003"]["published"] == {"10:00": None, "12:00": None, "14:00": None}
    assert turnout.jumping_stations(session, election, now=local(14, 30)) == [rows["1001"]]


@pytest.mark.parametrize(("level", "units"), [
    ("tec", {"GB01": (10, 7), "C07": (0, 0), "ABROAD": (0, 0)}),
    ("region", {"KG-GB": (10, 7), "KG-C": (0, 0), "abroad": (0, 0)}),
    ("nation", {"nation": (10, 7)}),
])
def test_turnout_adds_up_per_level(session, level, units):
    election = day_at_1001(session)
    rows = rows_by_unit(turnout.turnout(session, election, level, now=local(14, 30)))
    assert {u: (r["registered"], r["identified"]) for u, r in rows.items()} == units
    first = next(iter(u for u, (n, _) in units.items() if n))
    assert rows[first]["published"] == {"10:00": 0.2, "12:00": 0.4, "14:00": 0.7}
    assert rows[first]["curve"]["11:00"] == 0.3
    assert "jumps" not in rows[first]


def test_an_hour_is_published_on_the_clock_or_by_a_ballot_at_or_after_it(session):
    election = home_country(session)
    before_the_day = datetime(2027, 2, 1, tzinfo=UTC)
    figures = turnout.turnout(session, election, "station", now=before_the_day)
    assert figures["published_hours"] == []
    assert rows_by_unit(figures)["1001"]["published"] == {}
    assert rows_by_unit(figures)["1001"]["curve"] == {}
    issue(session, election, "id-1001-a", [(PINS_1001[0], local(9)),
                                           (PINS_1001[1], local(12))])
    figures = turnout.turnout(session, election, "station", now=before_the_day)
    assert figures["as_of"] == "2027-02-28T06:00:00+00:00"  # the latest ballot, 12:00 local
    assert figures["published_hours"] == ["10:00", "12:00"]
    assert rows_by_unit(figures)["1001"]["published"] == {"10:00": 0.1111, "12:00": 0.1111}
    # the data publishes whatever the clock says
    assert turnout.turnout(session, election, "nation", now=local(9, 59))[
        "published_hours"] == ["10:00", "12:00"]


def test_the_clock_alone_publishes_hours(session):
    election = home_country(session)
    issue(session, election, "id-1001-a", [(PINS_1001[0], local(8, 5))])
    assert turnout.turnout(session, election, "nation", now=local(9, 59))[
        "published_hours"] == []
    figures = turnout.turnout(session, election, "nation", now=local(10))
    assert figures["published_hours"] == ["10:00"]
    assert figures["rows"][0]["published"] == {"10:00": 0.1}
    assert figures["rows"][0]["curve"] == {"09:00": 0.1, "10:00": 0.1}


def test_a_station_abroad_counts_and_publishes_in_its_country_zone(session):
    election = setup_country(session, [*MORE_ROWS, ABROAD_ROW])
    register.register_abroad(session, ACTOR, ABROAD_ROW["pin"], "9001", "Москва",
                             date(2027, 1, 10))
    service.register_device(session, ACTOR, "id-9001", "identification", "9001",
                            public_key_hex(KEY_9001))
    service.put_on_duty(session, ACTOR, "id-9001", "op-1")
    service.set_polling_config(session, ACTOR, election,
                               {"country_timezones": {"RU": "Europe/Moscow"}})
    # 09:30 in Moscow is 12:30 in Bishkek
    [answer] = identification.record_batch(session, batch(
        election, "id-9001", [("ev-abroad-1", ABROAD_ROW["pin"],
                               datetime(2027, 2, 28, 9, 30, tzinfo=MOSCOW))],
        key=KEY_9001, station="9001"))
    assert answer.answer == "issue_ballot"
    issue(session, election, "id-1001-a", [(PINS_1001[0], local(11))])

    # 12:45 in Bishkek, 09:45 in Moscow: Bishkek's 10:00 and 12:00 are out, Moscow's not
    early = turnout.turnout(session, election, "station", now=local(12, 45))
    rows = rows_by_unit(early)
    assert early["published_hours"] == ["10:00", "12:00"]
    assert rows["1001"]["published"] == {"10:00": 0.0, "12:00": 0.1111}
    assert rows["9001"]["registered"] == 1 and rows["9001"]["identified"] == 1
    assert rows["9001"]["published"] == {} and rows["9001"]["jumps"] == []
    # the nation counts every station before Bishkek's hours (the abroad ballot at 12:30
    # Bishkek time is after 12:00 there)
    nation = rows_by_unit(turnout.turnout(session, election, "nation", now=local(12, 45)))[
        "nation"]
    assert nation["published"] == {"10:00": 0.0, "12:00": round(1 / nation["registered"], 4)}
    assert nation["identified"] == 2

    # 15:00 in Bishkek, 12:00 in Moscow: the ballot at 09:30 Moscow is before its 10:00
    later = rows_by_unit(turnout.turnout(session, election, "station",
                                         now=datetime(2027, 2, 28, 12, 0, tzinfo=MOSCOW)))
    assert later["9001"]["published"] == {"10:00": 1.0, "12:00": 1.0}
    assert later["9001"]["curve"] == {"09:00": 0.0, "10:00": 1.0, "11:00": 1.0,
                                      "12:00": 1.0}
    assert later["9001"]["jumps"] == [{"from": "opening", "to": "10:00", "rise": 1.0}]
    nation = rows_by_unit(turnout.turnout(session, election, "nation",
                                          now=datetime(2027, 2, 28, 12, 0, tzinfo=MOSCOW)))
    # 15:00 in Bishkek: before Bishkek's 10:00 nobody, before 12:00 the 11:00 ballot at
    # 1001, before 14:00 also the abroad ballot (12:30 Bishkek time): of 11 voters
    assert nation["nation"]["registered"] == 11
    assert nation["nation"]["published"] == {"10:00": 0.0, "12:00": 0.0909, "14:00": 0.1818}
    # without a zone for Russia the station keeps Bishkek time: 09:30 Moscow is 12:30 there
    service.set_polling_config(session, ACTOR, election, {})
    home_time = rows_by_unit(turnout.turnout(session, election, "station", now=local(15)))
    assert home_time["9001"]["published"] == {"10:00": 0.0, "12:00": 0.0, "14:00": 1.0}


def test_jumping_stations_are_listed_largest_rise_first(session):
    election = day_at_1001(session)
    service.set_polling_config(session, ACTOR, election, {"jump_limit": 0.2})
    issue(session, election, "id-1002", [(ROWS[1]["pin"], local(9))], prefix="ev1002")
    jumping = turnout.jumping_stations(session, election, now=local(14))
    assert [(r["unit"], r["jumps"]) for r in jumping] == [
        ("1002", [{"from": "opening", "to": "10:00", "rise": 1.0}]),
        ("1001", [{"from": "opening", "to": "10:00", "rise": 0.2222},
                  {"from": "10:00", "to": "12:00", "rise": 0.2222},
                  {"from": "12:00", "to": "14:00", "rise": 0.3334}])]
    # before 14:00 only two rises of 1001 are published; 1001's largest is then 0.2222
    early = turnout.jumping_stations(session, election, now=local(13, 59))
    assert [len(r["jumps"]) for r in early] == [1, 2]


def test_a_bad_level_and_an_unknown_election_are_refused(session):
    election = home_country(session)
    with pytest.raises(InvalidInput) as exc:
        turnout.turnout(session, election, "district")
    assert exc.value.code == "polling.bad_level"
    with pytest.raises(NotFound):
        turnout.turnout(session, election + 1000, "nation")
