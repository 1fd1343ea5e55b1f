"""Identification at the station: the voter among the station's list, else where the
register lists them, else the identity document; galleries cached per process until a
template is enrolled."""

from __future__ import annotations

import numpy as np
import pytest

from shailoo.biometrics import identify
from shailoo.biometrics.extractors import BUILT_IN, Float32Extractor, Sample
from shailoo.biometrics.identify import Galleries, identify_at_station, warm
from shailoo.errors import InvalidInput
from shailoo.register import duplicates
from tests.biometrics.factories import (
    ACTOR,
    PIN_1002,
    PINS_1001,
    capture,
    enrol,
    setup_enrolment,
    vector,
)
from tests.register.factories import TODAY

P1, P2, P3, P4, P5 = PINS_1001[:5]


@pytest.fixture
def galleries(monkeypatch) -> Galleries:
    monkeypatch.setattr(identify, "REVISION_CHECK_SECONDS", 0.0)  # read it on every search
    return Galleries()


@pytest.fixture
def election(session) -> int:
    election = setup_enrolment(session)
    for pin in (P1, P2, P3, P4):
        enrol(session, pin)
    enrol(session, PIN_1002)
    return election


def search(session, election, identity, station="1001", label="station", quality=0.8,
           galleries=None, modality="finger2"):
    return identify_at_station(session, election, station,
                               capture(identity, label, quality, modality), "synthetic",
                               galleries)


def fields(answer) -> dict:
    return {k: v for k, v in answer.items() if k not in ("milliseconds",)}


def test_a_voter_of_the_station_is_matched(session, election, galleries):
    answer = search(session, election, P2, galleries=galleries)
    expected = round(float(vector(P2) @ vector(P2, "station", 0.8)), 4)
    assert fields(answer) == {"match": P2, "score": expected, "listed_at": None,
                              "excluded": None, "fallback": None, "quality": 0.8}
    assert expected == pytest.approx(0.7723, abs=1e-4)
    assert answer["milliseconds"] >= 0


def test_a_voter_of_another_station_is_told_where_they_are_listed(session, election,
                                                                 galleries):
    answer = search(session, election, PIN_1002, galleries=galleries)
    assert (answer["match"], answer["listed_at"], answer["excluded"], answer["fallback"]) == (
        None, "1002", None, None)
    assert answer["score"] == round(float(vector(PIN_1002) @ vector(PIN_1002, "station", 0.8)),
                                    4)
    back_home = search(session, election, PIN_1002, station="1002", galleries=galleries)
    assert back_home["match"] == PIN_1002


def test_someone_not_enrolled_falls_back_to_the_document(session, election, galleries):
    answer = search(session, election, "a stranger", galleries=galleries)
    assert fields(answer) == {"match": None, "score": None, "listed_at": None,
                              "excluded": None, "fallback": "document", "quality": 0.8}
    empty_station = search(session, election, P1, station="2001", galleries=galleries)
    assert (empty_station["match"], empty_station["listed_at"]) == (None, "1001")


def test_no_templates_of_a_modality_at_all_falls_back_to_the_document(session, election,
                                                                      galleries):
    answer = search(session, election, P1, modality="face", galleries=galleries)
    assert (answer["match"], answer["fallback"]) == (None, "document")


def test_a_blocked_duplicate_is_not_matched_at_the_station_but_found_excluded(
        session, election, galleries):
    enrol(session, P5, identity=P1, label="second PIN")  # he enrolled again under P5
    duplicates.open_biometric_cases(session, ACTOR, [(P1, P5, 0.8)], {})
    [case] = duplicates.cases(session)
    duplicates.decide(session, ACTOR, case["id"], True, "one man", TODAY)  # blocks P5
    probe = vector(P1, "s2", 0.8)
    assert float(probe @ vector(P1, "second PIN")) > float(probe @ vector(P1))
    answer = search(session, election, P1, label="s2", galleries=galleries)
    assert (answer["match"], answer["listed_at"]) == (P1, None)  # P5 is off the list
    assert answer["score"] == round(float(probe @ vector(P1)), 4)
    # at another station the national search finds his best-matching PIN, the blocked one
    elsewhere = search(session, election, P1, label="s2", station="1002", galleries=galleries)
    assert (elsewhere["match"], elsewhere["listed_at"], elsewhere["excluded"],
            elsewhere["fallback"]) == (None, "1001", "duplicate", None)
    assert elsewhere["score"] == round(float(probe @ vector(P1, "second PIN")), 4)


def test_galleries_are_cached_until_a_template_is_enrolled(session, election, galleries,
                                                           monkeypatch):
    first = galleries.station(session, election, "1001", "finger2")
    assert galleries.station(session, election, "1001", "finger2") is first
    national, index = galleries.national(session, "finger2")
    assert galleries.national(session, "finger2")[0] is national
    assert index is None  # a small register is searched exactly
    assert len(first.ref_ids) == 4 and len(national.ref_ids) == 5
    assert search(session, election, P5, galleries=galleries)["match"] is None
    enrol(session, P5)
    fresh = galleries.station(session, election, "1001", "finger2")
    assert fresh is not first and len(fresh.ref_ids) == 5
    assert search(session, election, P5, galleries=galleries)["match"] == P5
    assert galleries.national(session, "finger2")[0] is not national
    galleries.clear()
    assert galleries.station(session, election, "1001", "finger2") is not fresh


def test_the_revision_is_read_at_most_once_a_second(session, election, monkeypatch):
    monkeypatch.setattr(identify, "REVISION_CHECK_SECONDS", 3600.0)
    slow = Galleries()
    first = slow.station(session, election, "1001", "finger2")
    enrol(session, P5)
    assert slow.station(session, election, "1001", "finger2") is first  # not yet seen
    slow.clear()
    assert len(slow.station(session, election, "1001", "finger2").ref_ids) == 5


def test_while_one_request_reloads_the_national_gallery_others_use_the_previous(
        session, election, galleries):
    before, _ = galleries.national(session, "finger2")
    enrol(session, P5)
    galleries._reloading["finger2"].acquire()  # another request is reloading
    try:
        assert galleries.national(session, "finger2")[0] is before  # not loaded again
    finally:
        galleries._reloading["finger2"].release()
    after, _ = galleries.national(session, "finger2")
    assert after is not before and len(after.ref_ids) == len(before.ref_ids) + 1


def test_the_station_gallery_expires_for_list_changes(session, election, galleries,
                                                      monkeypatch):
    first = galleries.station(session, election, "1001", "finger2")
    monkeypatch.setattr(identify, "STATION_TTL_SECONDS", 0.0)
    assert galleries.station(session, election, "1001", "finger2") is not first


def test_a_large_register_is_searched_through_the_national_index(session, election,
                                                                 galleries, monkeypatch):
    monkeypatch.setattr(identify, "EXACT_NATIONAL_MAX", 0)
    gallery, index = galleries.national(session, "finger2")
    assert index is not None and len(index) == len(gallery.ref_ids) == 5
    answer = search(session, election, PIN_1002, galleries=galleries)
    assert (answer["listed_at"], answer["fallback"]) == ("1002", None)
    assert search(session, election, "a stranger", galleries=galleries)["fallback"] == \
        "document"


def test_warm_loads_station_and_national_galleries(session, election, galleries):
    assert warm(session, election, ["1001", "1002", "2001"], "finger2", galleries) == 4 + 1 + 5


def test_a_capture_of_another_length_than_the_list_is_refused(session, election, galleries,
                                                              monkeypatch):
    monkeypatch.setitem(BUILT_IN, "short-vendor", Float32Extractor(dim=64))
    sample = Sample("finger2", np.ones(64, dtype="<f4").tobytes(), 0.9)
    with pytest.raises(InvalidInput) as exc:
        identify_at_station(session, election, "1001", sample, "short-vendor", galleries)
    assert exc.value.code == "biometrics.bad_sample"
    assert "have 128" in exc.value.message


@pytest.mark.parametrize("modality", ["finger12", "retina"])
def test_a_bad_modality_is_refused(session, election, galleries, modality):
    with pytest.raises(InvalidInput) as exc:
        search(session, election, P1, modality=modality, galleries=galleries)
    assert exc.value.code == "biometrics.bad_modality"
