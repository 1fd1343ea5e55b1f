"""No register route lets a member read another territory's voters.

Every register route of the app (``/register…``, ``/api/register…``, ``/where``) is either
listed in PUBLIC (and then shown to answer no PIN and no surname, whatever it is asked), or
has a PROBE here: a request for voters of territory B (commission C07, station 2001) that a
member of territory A (commission GB01 and its station 1001) must be refused (403/404), with
no PIN or surname of B in the answer, and that an anonymous visitor must be asked to sign in
for. Each probe first runs as a member of B (or the CEC), to show that it does reach B's
voters: a refusal is then the scope's doing, not a wrong URL.

A new register route fails ``test_every_register_route_is_public_or_probed`` until it is
added to one of the two tables.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from shailoo.web.deps import is_guard_dependency
from tests.register.web_helpers import World, leaks
from tests.routes import app_routes

REGISTER_PREFIXES = ("/register", "/api/register", "/where")

# Routes that anyone may call: they answer no personal data (checked below).
PUBLIC = {
    ("GET", "/where"), ("POST", "/where"),
    ("POST", "/api/register/lookup"), ("POST", "/api/register/lookup.txt"),
    ("GET", "/api/register/imports"), ("GET", "/api/register/imports/{import_id}/stations"),
    ("GET", "/api/register/elections/{election_id}/rules"),
    ("GET", "/api/register/elections/{election_id}/freezes"),
    ("GET", "/register/imports/{import_id}"), ("GET", "/register/imports/{import_id}.{fmt}"),
    ("GET", "/register/elections/{election_id}/freezes"),
    ("GET", "/register/elections/{election_id}/freezes.{fmt}"),
}


@dataclass(frozen=True)
class Probe:
    """Requests aimed at territory B's voters, and who may make them."""

    requests: Callable[[World], list[tuple[str, dict[str, Any]]]]  # (url, httpx kwargs)
    owner: str = "tec_b"  # a member for whom the probe reaches B's data
    owner_status: int = 200
    shows_b: bool = True  # the owner's answer names someone of B (else: no marker to look for)
    page: bool = False  # an HTML page (anonymous: redirected to sign in)
    refused: frozenset[int] = field(default_factory=lambda: frozenset({403, 404}))


def _get(url: str) -> list[tuple[str, dict[str, Any]]]:
    return [(url, {})]


PROBES: dict[tuple[str, str], Probe] = {
    ("GET", "/api/register/persons/{pin}"): Probe(
        lambda w: _get(f"/api/register/persons/{w.pin('b1')}")),
    ("GET", "/api/register/elections/{election_id}/persons/{pin}/changes"): Probe(
        lambda w: _get(f"/api/register/elections/{w.election_id}/persons/{w.pin('b2')}/"
                       f"changes")),
    ("GET", "/api/register/elections/{election_id}/stations/{station}"): Probe(
        lambda w: _get(f"/api/register/elections/{w.election_id}/stations/2001")),
    ("GET", "/api/register/elections/{election_id}/stations/{station}/additional"): Probe(
        lambda w: _get(f"/api/register/elections/{w.election_id}/stations/2001/additional")),
    # counts per station of the caller's territory: B's station must not appear for A
    ("GET", "/api/register/elections/{election_id}/incoming"): Probe(
        lambda w: _get(f"/api/register/elections/{w.election_id}/incoming"), shows_b=False,
        refused=frozenset({200})),
    ("GET", "/api/register/elections/{election_id}/report"): Probe(
        lambda w: _get(f"/api/register/elections/{w.election_id}/report"), owner="cec",
        shows_b=False),
    ("GET", "/api/register/duplicates"): Probe(
        lambda w: _get("/api/register/duplicates"), owner="cec"),
    ("GET", "/register/stations/{code}"): Probe(
        lambda w: _get("/register/stations/2001"), page=True),
    ("GET", "/register/stations/{code}.{fmt}"): Probe(
        lambda w: [("/register/stations/2001.csv", {}), ("/register/stations/2001.json", {}),
                   (f"/register/stations/2001.pdf?election={w.election_id}", {})],
        page=True),
    ("GET", "/register"): Probe(lambda w: _get("/register"), owner="cec", shows_b=False,
                                page=True),
    ("GET", "/register.json"): Probe(lambda w: _get("/register.json"), owner="cec",
                                     shows_b=False),
    # writes aimed at B: Form No. 2 to a station of B, withdrawing B's change, adding to
    # B's additional list; and the CEC's nationwide actions
    ("POST", "/api/register/changes"): Probe(
        lambda w: [("/api/register/changes", {"json": {"pin": w.pin("b1"),
                                                       "to_station": "2001"}})],
        owner="", shows_b=False),
    ("POST", "/api/register/changes/{change_id}/withdraw"): Probe(
        lambda w: [(f"/api/register/changes/{w.b_change_id}/withdraw",
                    {"json": {"reason": "probe"}})], owner="", shows_b=False),
    ("POST", "/api/register/additional"): Probe(
        lambda w: [("/api/register/additional", {"json": {
            "pin": w.pin("b_dead"), "station": "2001", "reason": "probe"}})],
        owner="", shows_b=False),
    ("POST", "/api/register/duplicates/{case_id}/decision"): Probe(
        lambda w: [(f"/api/register/duplicates/{w.case_id}/decision",
                    {"json": {"same_person": False, "reason": "probe"}})],
        owner="", shows_b=False),
    ("PUT", "/api/register/elections/{election_id}/rules"): Probe(
        lambda w: [(f"/api/register/elections/{w.election_id}/rules",
                    {"json": {"min_age": 30}})], owner="", shows_b=False),
    ("POST", "/api/register/elections/{election_id}/lists"): Probe(
        lambda w: [(f"/api/register/elections/{w.election_id}/lists", {})], owner="",
        shows_b=False),
    ("POST", "/api/register/elections/{election_id}/freeze"): Probe(
        lambda w: [(f"/api/register/elections/{w.election_id}/freeze",
                    {"json": {"stations": ["2001"]}})], owner="", shows_b=False),
    ("POST", "/api/register/addresses"): Probe(
        lambda w: [("/api/register/addresses", {"content": b"region,locality,street,house,"
                                                           b"station\n"})],
        owner="", shows_b=False),
}

MEMBERS_OF_A = ("pec_a", "tec_a")


def register_routes() -> set[tuple[str, str]]:
    """(method, path) of every register route of the app."""
    return {(method, path) for method, path, _dependant in app_routes()
            if path.startswith(REGISTER_PREFIXES)}


def _method(key: tuple[str, str]) -> str:
    return key[0]


def test_every_register_route_is_public_or_probed():
    routes = register_routes()
    assert len(routes) > 20  # the routers are included
    unchecked = sorted(routes - PUBLIC - set(PROBES))
    assert unchecked == [], f"add a cross-territory probe (or mark public): {unchecked}"
    stale = sorted((PUBLIC | set(PROBES)) - routes)
    assert stale == [], f"no such route any more: {stale}"


def test_every_probed_route_requires_a_signed_in_member():
    unguarded = [f"{method} {path}" for method, path, dependant in app_routes()
                 if (method, path) in PROBES
                 and not any(is_guard_dependency(d.call) for d in dependant.dependencies)]
    assert unguarded == []


def _call(web: Any, method: str, url: str, headers: dict[str, str], kwargs: dict[str, Any]
          ) -> Any:
    return web.request(method, url, headers=headers, follow_redirects=False, **kwargs)


@pytest.mark.parametrize("key", sorted(PROBES), ids=lambda k: f"{k[0]} {k[1]}")
def test_members_of_a_cannot_reach_the_voters_of_b(web, world, key):
    probe = PROBES[key]
    method = _method(key)
    for url, kwargs in probe.requests(world):
        if probe.owner:  # the probe does reach B's voters for those entitled
            owned = _call(web, method, url, world.headers[probe.owner], kwargs)
            assert owned.status_code == probe.owner_status, (url, owned.text[:300])
            if probe.shows_b and owned.headers["content-type"] != "application/pdf":
                assert leaks(owned.text, world.b_pins, world.b_surnames), url
        for member in MEMBERS_OF_A:
            answer = _call(web, method, url, world.headers[member], kwargs)
            assert answer.status_code in probe.refused, (member, url, answer.status_code,
                                                         answer.text[:300])
            assert leaks(answer.text, world.b_pins, world.b_surnames) == [], (member, url)
            if answer.status_code == 200:
                assert "2001" not in answer.text and "9001" not in answer.text, (member, url)


@pytest.mark.parametrize("key", sorted(PROBES), ids=lambda k: f"{k[0]} {k[1]}")
def test_anonymous_visitors_are_asked_to_sign_in(web, world, key):
    probe = PROBES[key]
    for url, kwargs in probe.requests(world):
        answer = _call(web, _method(key), url, {}, kwargs)
        if probe.page and _method(key) == "GET" and answer.status_code == 303:
            assert answer.headers["location"].startswith("/login?next=")
        else:
            assert answer.status_code == 401, (url, answer.status_code)
        assert leaks(answer.text, world.all_pins, world.all_surnames) == []


def test_a_member_of_another_role_sees_no_voters(web, world):
    for key, probe in PROBES.items():
        for url, kwargs in probe.requests(world):
            answer = _call(web, _method(key), url, world.headers["observer"], kwargs)
            assert answer.status_code == 403, (url, answer.status_code)
            assert leaks(answer.text, world.all_pins, world.all_surnames) == []


def test_public_routes_answer_nothing_personal(web, world):
    """Every public route, asked about the voters of B, names nobody."""
    pins = world.all_pins
    surnames = world.all_surnames
    wanted = {
        ("GET", "/where"): [("/where", {})],
        ("POST", "/where"): [("/where", {"data": {"pin": p}}) for p in world.b_pins],
        ("POST", "/api/register/lookup"): [("/api/register/lookup", {"json": {"pin": p}})
                                           for p in world.b_pins],
        ("POST", "/api/register/lookup.txt"): [("/api/register/lookup.txt", {"content": p})
                                               for p in world.b_pins],
        ("GET", "/api/register/imports"): [("/api/register/imports", {})],
        ("GET", "/api/register/imports/{import_id}/stations"): [
            (f"/api/register/imports/{world.import_id}/stations", {})],
        ("GET", "/api/register/elections/{election_id}/rules"): [
            (f"/api/register/elections/{world.election_id}/rules", {})],
        ("GET", "/api/register/elections/{election_id}/freezes"): [
            (f"/api/register/elections/{world.election_id}/freezes", {})],
        ("GET", "/register/imports/{import_id}"): [(f"/register/imports/{world.import_id}",
                                                    {})],
        ("GET", "/register/imports/{import_id}.{fmt}"): [
            (f"/register/imports/{world.import_id}.{fmt}", {}) for fmt in ("json", "csv")],
        ("GET", "/register/elections/{election_id}/freezes"): [
            (f"/register/elections/{world.election_id}/freezes", {})],
        ("GET", "/register/elections/{election_id}/freezes.{fmt}"): [
            (f"/register/elections/{world.election_id}/freezes.{fmt}", {})
            for fmt in ("json", "csv")],
    }
    assert set(wanted) == PUBLIC
    web.post(f"/api/register/elections/{world.election_id}/freeze",
             headers=world.headers["cec"])  # so that the hashes are there to publish
    for (method, _path), requests in wanted.items():
        for url, kwargs in requests:
            answer = web.request(method, url, **kwargs)
            assert answer.status_code == 200, (url, answer.text[:300])
            assert leaks(answer.text, pins, surnames) == [], url
