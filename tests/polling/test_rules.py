"""Polling-day law and figures as pure functions: the configuration and its validation, local
hours as UTC instants, station reports and status, turnout shares and jumps, reconciliation
of a station's counts and the points of a turnout curve."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shailoo.polling.figures import (
    Difference,
    allowed_difference,
    curve_points,
    jumps,
    largest_flagged,
    reconcile,
    share,
)
from shailoo.polling.rules import (
    DEFAULT_COMPARISONS,
    PollingConfig,
    Tolerance,
    local_instant,
    parse_config,
    station_report_problem,
    station_status,
)

# --- configuration ----------------------------------------------------------------------


def test_the_defaults_round_trip_through_their_json_form():
    config = PollingConfig()
    assert parse_config({}) == config
    assert parse_config(config.to_dict()) == config
    assert config.to_dict() == {
        "timezone": "Asia/Bishkek", "country_timezones": {}, "opens": "08:00",
        "closes": "20:00",
        "turnout_hours": ["10:00", "12:00", "14:00", "16:00", "18:00", "20:00"],
        "jump_limit": 0.25,
        "comparisons": [["identified", "signed"], ["signed", "issued"], ["issued", "scanner"],
                        ["scanner", "manual"], ["identified", "scanner"]],
        "tolerance": {"absolute": 2, "share": 0.01}}


def test_a_full_configuration_is_parsed_and_normalised():
    config = parse_config({
        "timezone": "Asia/Bishkek", "country_timezones": {"ru": "Europe/Moscow",
                                                          "US": "America/New_York"},
        "opens": "07:30", "closes": "19:00", "turnout_hours": ["09:00", "13:00"],
        "jump_limit": 1, "comparisons": [["signed", "manual"]],
        "tolerance": {"absolute": 0, "share": 0}})
    assert config.country_timezones == (("RU", "Europe/Moscow"), ("US", "America/New_York"))
    assert config.jump_limit == 1.0 and isinstance(config.jump_limit, float)
    assert config.comparisons == (("signed", "manual"),)
    assert config.tolerance == Tolerance(0, 0.0)
    assert config.zone_of("RU", abroad=True) == "Europe/Moscow"
    assert config.zone_of("TR", abroad=True) == "Asia/Bishkek"  # not named: the home zone
    assert config.zone_of("RU", abroad=False) == "Asia/Bishkek"
    assert parse_config(config.to_dict()) == config


def test_a_partial_tolerance_keeps_the_other_default():
    assert parse_config({"tolerance": {"share": 0.05}}).tolerance == Tolerance(2, 0.05)
    assert parse_config({"tolerance": {"absolute": 7}}).tolerance == Tolerance(7, 0.01)


@pytest.mark.parametrize(("data", "names"), [
    ({"colour": "red"}, "unknown setting(s): colour"),
    ({"timezone": "Mars/Olympus"}, "timezone:"),
    ({"timezone": 6}, "timezone:"),
    ({"country_timezones": ["RU"]}, "country_timezones:"),
    ({"country_timezones": {"RU": "Europe/Nowhere"}}, "country_timezones.RU:"),
    ({"opens": "8:00"}, "opens:"),
    ({"opens": "24:00"}, "opens:"),
    ({"closes": "20:60"}, "closes:"),
    ({"opens": "20:00", "closes": "08:00"}, "closes: must be after opens"),
    ({"opens": "08:00", "closes": "08:00"}, "closes: must be after opens"),
    ({"turnout_hours": ["12:00", "10:00"]}, "turnout_hours: must be distinct and in order"),
    ({"turnout_hours": ["10:00", "10:00"]}, "turnout_hours: must be distinct and in order"),
    ({"turnout_hours": ["10"]}, "turnout_hours:"),
    ({"turnout_hours": "10:00"}, "turnout_hours:"),
    ({"turnout_hours": 10}, "turnout_hours:"),
    ({"jump_limit": 0}, "jump_limit:"),
    ({"jump_limit": 1.5}, "jump_limit:"),
    ({"jump_limit": "0.2"}, "jump_limit:"),
    ({"jump_limit": True}, "jump_limit:"),
    ({"comparisons": [["identified"]]}, "comparisons:"),
    ({"comparisons": [["identified", "identified"]]}, "comparisons:"),
    ({"comparisons": [["identified", "stolen"]]}, "comparisons:"),
    ({"comparisons": "identified"}, "comparisons:"),
    ({"comparisons": [7]}, "comparisons:"),
    ({"tolerance": {"absolute": -1}}, "tolerance:"),
    ({"tolerance": {"absolute": 1.5}}, "tolerance:"),
    ({"tolerance": {"absolute": True}}, "tolerance:"),
    ({"tolerance": {"share": 1}}, "tolerance:"),
    ({"tolerance": {"share": -0.1}}, "tolerance:"),
    ({"tolerance": {"slack": 3}}, "tolerance:"),
    ({"tolerance": 3}, "tolerance:"),
])
def test_a_bad_setting_is_a_value_error_naming_the_key(data, names):
    with pytest.raises(ValueError) as exc:
        parse_config(data)
    assert str(exc.value).startswith(names)


@given(st.lists(st.sampled_from([f"{h:02d}:{m:02d}" for h in range(24) for m in (0, 30)]),
                max_size=8))
def test_turnout_hours_are_taken_exactly_when_distinct_and_in_order(hours):
    if hours == sorted(set(hours)):
        assert parse_config({"turnout_hours": hours}).turnout_hours == tuple(hours)
    else:
        with pytest.raises(ValueError, match="turnout_hours"):
            parse_config({"turnout_hours": hours})


# --- local hours ------------------------------------------------------------------------


def test_local_hours_are_utc_instants_of_the_polling_day():
    day = date(2027, 2, 28)
    assert local_instant(day, "10:00", "Asia/Bishkek") == datetime(2027, 2, 28, 4, 0,
                                                                   tzinfo=UTC)
    assert local_instant(day, "05:30", "Asia/Bishkek") == datetime(2027, 2, 27, 23, 30,
                                                                   tzinfo=UTC)
    assert local_instant(day, "10:00", "Europe/Moscow") == datetime(2027, 2, 28, 7, 0,
                                                                    tzinfo=UTC)
    # New York is on standard time in February, daylight time in June
    assert local_instant(day, "10:00", "America/New_York") == datetime(2027, 2, 28, 15, 0,
                                                                       tzinfo=UTC)
    assert local_instant(date(2027, 6, 6), "10:00", "America/New_York") == datetime(
        2027, 6, 6, 14, 0, tzinfo=UTC)
    assert local_instant(day, "10:00", "Asia/Bishkek").tzinfo is UTC


# --- station reports and status ---------------------------------------------------------


@pytest.mark.parametrize(("kind", "voters", "reason", "problem"), [
    ("opened", None, None, None),
    ("resumed", None, None, None),
    ("turnout", 0, None, None),
    ("closed", 812, None, None),
    ("suspended", None, "the electricity failed", None),
    ("exploded", None, None, "kind must be one of opened, suspended, resumed, closed, turnout"),
    ("turnout", None, None, "a turnout report gives the number of voters"),
    ("closed", None, None, "a closed report gives the number of voters"),
    ("opened", -1, None, "the number of voters cannot be negative"),
    ("suspended", None, "  ", "a suspension gives its reason"),
    ("suspended", None, None, "a suspension gives its reason"),
])
def test_station_report_problems(kind, voters, reason, problem):
    assert station_report_problem(kind, voters, reason) == problem


@pytest.mark.parametrize(("kinds", "sent", "status"), [
    ([], False, "not_opened"),
    (["turnout"], False, "not_opened"),
    (["opened"], False, "opened"),
    (["opened", "turnout", "suspended"], False, "suspended"),
    (["opened", "suspended", "resumed"], False, "opened"),
    (["opened", "suspended", "resumed", "turnout", "closed"], False, "closed"),
    (["opened", "closed", "opened"], False, "closed"),
    (["opened", "closed", "suspended"], False, "closed"),
    (["opened", "closed", "resumed"], False, "closed"),
    (["opened"], True, "protocol_sent"),
    ([], True, "protocol_sent"),
])
def test_station_status_from_its_reports(kinds, sent, status):
    assert station_status(kinds, sent) == status


@given(st.lists(st.sampled_from(["opened", "suspended", "resumed", "closed", "turnout"]),
                max_size=12))
def test_once_closed_a_station_stays_closed(kinds):
    """Against a naive oracle: closed iff any closing report, else the last state change."""
    status = station_status(kinds, False)
    if "closed" in kinds:
        assert status == "closed"
    else:
        changes = [k for k in kinds if k != "turnout"]
        expected = {"opened": "opened", "resumed": "opened", "suspended": "suspended"}
        assert status == (expected[changes[-1]] if changes else "not_opened")


# --- turnout figures --------------------------------------------------------------------


def test_share_is_rounded_to_four_places_and_none_without_a_whole():
    assert share(1, 3) == 0.3333
    assert share(2, 3) == 0.6667
    assert share(0, 5) == 0.0
    assert share(3, 0) is None


def test_jumps_are_rises_beyond_the_limit_between_reports():
    series = [("10:00", 0.1), ("12:00", 0.2), ("14:00", None), ("16:00", 0.5),
              ("18:00", 0.55), ("20:00", 0.81)]
    found = jumps(series, 0.25)
    assert [j.to_dict() for j in found] == [
        {"from": "12:00", "to": "16:00", "rise": 0.3},
        {"from": "18:00", "to": "20:00", "rise": 0.26}]


def test_a_first_report_is_compared_with_opening_and_the_limit_itself_is_no_jump():
    assert [j.to_dict() for j in jumps([("10:00", 0.4)], 0.25)] == [
        {"from": "opening", "to": "10:00", "rise": 0.4}]
    assert jumps([("10:00", 0.25), ("12:00", 0.5)], 0.25) == []
    assert [j.to_dict() for j in jumps([("10:00", 0.1), ("12:00", 0.05), ("14:00", 0.3)],
                                       0.2)] == [{"from": "12:00", "to": "14:00",
                                                  "rise": 0.25}]
    assert jumps([], 0.1) == []


@given(st.lists(st.one_of(st.none(), st.floats(0, 1)), max_size=10),
       st.floats(0.01, 1))
def test_jumps_match_a_naive_oracle(values, limit):
    series = [(f"{10 + i:02d}:00", v) for i, v in enumerate(values)]
    known = [("opening", 0.0)] + [(h, v) for h, v in series if v is not None]
    expected = [(a[0], b[0]) for a, b in pairwise(known)
                if b[1] - a[1] > limit + 1e-9]
    assert [(j.before, j.after) for j in jumps(series, limit)] == expected


# --- reconciliation ---------------------------------------------------------------------


def test_the_allowed_difference_is_the_larger_of_absolute_and_share():
    assert allowed_difference(Tolerance(2, 0.01), 100, 99) == 2
    assert allowed_difference(Tolerance(2, 0.01), 1000, 990) == 10
    assert allowed_difference(Tolerance(2, 0.01), 1001, 990) == 11  # 10.01 rounds up
    assert allowed_difference(Tolerance(0, 0.0), 1000, 1000) == 0


def test_a_station_is_reconciled_as_configured_leaving_out_unknown_counts():
    counts = {"identified": 500, "signed": 497, "issued": 496, "scanner": 480,
              "manual": None}
    differences = reconcile(counts, PollingConfig())
    assert [d.to_dict() for d in differences] == [
        {"first": "identified", "second": "signed", "first_count": 500, "second_count": 497,
         "difference": 3, "allowed": 5, "flagged": False},
        {"first": "signed", "second": "issued", "first_count": 497, "second_count": 496,
         "difference": 1, "allowed": 5, "flagged": False},
        {"first": "issued", "second": "scanner", "first_count": 496, "second_count": 480,
         "difference": 16, "allowed": 5, "flagged": True},
        {"first": "identified", "second": "scanner", "first_count": 500,
         "second_count": 480, "difference": 20, "allowed": 5, "flagged": True}]
    assert largest_flagged(differences) == 20
    only = PollingConfig(comparisons=(("scanner", "manual"),))
    assert reconcile(counts, only) == []


def test_a_negative_difference_is_flagged_by_its_size_and_nothing_flagged_is_zero():
    below = Difference("scanner", "manual", 90, 100, 2)
    assert below.difference == -10 and below.flagged
    assert largest_flagged([below, Difference("a", "b", 5, 4, 2)]) == 10
    assert largest_flagged([Difference("a", "b", 5, 4, 2)]) == 0
    assert largest_flagged([]) == 0


@given(st.dictionaries(st.sampled_from(["identified", "signed", "issued", "scanner",
                                        "manual"]),
                       st.one_of(st.none(), st.integers(0, 5000))),
       st.integers(0, 20), st.floats(0, 0.5))
def test_reconcile_matches_a_naive_oracle(counts, absolute, ratio):
    config = PollingConfig(tolerance=Tolerance(absolute, ratio))
    out = reconcile(counts, config)
    expected = []
    for first, second in DEFAULT_COMPARISONS:
        a, b = counts.get(first), counts.get(second)
        if a is not None and b is not None:
            allowed = max(absolute, math.ceil(ratio * max(a, b)))
            expected.append((first, second, a - b, abs(a - b) > allowed))
    assert [(d.first, d.second, d.difference, d.flagged) for d in out] == expected
    assert largest_flagged(out) == max([abs(e[2]) for e in expected if e[3]], default=0)


# --- curve ------------------------------------------------------------------------------


def test_curve_points_step_per_report_and_leave_out_missing_ones():
    assert curve_points([0.0, 0.25, None, 1.0], 300, 100) == "0.0,100.0 100.0,75.0 300.0,0.0"
    assert curve_points([0.5], 300, 100) == "0.0,50.0"
    assert curve_points([], 300, 100) == ""
    # a share above the top is drawn at the top
    assert curve_points([0.1, 0.8], 100, 50, top=0.5) == "0.0,40.0 100.0,0.0"
