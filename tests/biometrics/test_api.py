"""Biometrics device API: enrolments signed by an enrolment device with a certified operator
whose PIN is on record (never enrolling themselves), identification searches signed by the
station's identification device; refusals answered with the reason and audited."""

from __future__ import annotations

import base64

import numpy as np
import pytest
from sqlalchemy import select

from shailoo.audit import service as audit
from shailoo.biometrics import identify, service
from shailoo.biometrics.models import Template
from shailoo.polling import service as polling
from tests.biometrics.factories import (
    ACTOR,
    CAPTURED,
    ENROLMENT_DEVICE,
    OPERATOR,
    OPERATOR_PIN,
    PIN_1002,
    PINS_1001,
    enrol,
    enrolment_body,
    identify_body,
    setup_enrolment,
    synthetic_bytes,
    vector,
)
from tests.polling.factories import KEYS

P1, P2, P3 = PINS_1001[:3]
ENROL, IDENTIFY = "/api/biometrics/enrolments", "/api/biometrics/identify"


@pytest.fixture(autouse=True)
def fresh_galleries(monkeypatch):
    monkeypatch.setattr(identify, "REVISION_CHECK_SECONDS", 0.0)
    identify.GALLERIES.clear()
    yield
    identify.GALLERIES.clear()


@pytest.fixture
def election(session) -> int:
    return setup_enrolment(session)


def code_of(response) -> str:
    return response.json()["error"]["code"]


def refused(session) -> list[dict]:
    return [r.change for r in audit.list_records(session, limit=20)
            if r.action == "polling.upload_refused"]


def test_a_signed_enrolment_is_stored_encrypted(client, session, election):
    response = client.post(ENROL, json=enrolment_body(P1, synthetic_bytes(P1, "enrol")))
    assert response.status_code == 201, response.text
    out = response.json()
    assert (out["modality"], out["replaced"], out["quality"]) == ("finger2", False, 0.9)
    [row] = session.execute(select(Template)).scalars()
    assert (row.device, row.enrolled_by, row.captured_at) == (
        ENROLMENT_DEVICE, f"device:{ENROLMENT_DEVICE}", CAPTURED)
    assert vector(P1).astype("<f4").tobytes() not in row.ciphertext
    gallery = service.load_gallery(session, "finger2")
    assert np.array_equal(gallery.vectors[0], vector(P1))
    again = client.post(ENROL, json=enrolment_body(P1, synthetic_bytes(P1, "other")))
    assert again.status_code == 201 and again.json()["replaced"] is True


def test_a_float32_vendor_template_is_enrolled(client, session, election):
    raw = np.arange(1, 129, dtype="<f4")
    response = client.post(ENROL, json=enrolment_body(P1, raw.tobytes(), extractor="float32",
                                                      quality=None))
    assert response.status_code == 201, response.text
    assert response.json()["quality"] == 1.0
    [stored] = service.load_gallery(session, "finger2").vectors
    assert np.allclose(stored, raw / np.linalg.norm(raw))
    short = client.post(ENROL, json=enrolment_body(P2, raw[:10].tobytes(), extractor="float32"))
    assert (short.status_code, code_of(short)) == (422, "biometrics.bad_sample")


@pytest.mark.parametrize("change, status, code", [
    ({"key": KEYS["id-1001-a"]}, 403, "polling.bad_signature"),
    ({"device": "id-1001-a", "key": KEYS["id-1001-a"]}, 403, "polling.wrong_device_kind"),
    ({"station": "1002"}, 403, "polling.station_mismatch"),
    ({"device": "en-404"}, 403, "polling.unknown_device"),
])
def test_enrolments_not_signed_by_the_station_enrolment_device_are_refused_and_audited(
        client, session, election, change, status, code):
    response = client.post(ENROL, json=enrolment_body(P1, synthetic_bytes(P1, "e"), **change))
    assert (response.status_code, code_of(response)) == (status, code)
    assert session.execute(select(Template)).first() is None
    [record] = refused(session)
    assert (record["code"], record["modality"]) == (code, "finger2")


def test_an_enrolment_without_an_operator_on_duty_is_refused(client, session, election):
    polling.put_on_duty(session, ACTOR, ENROLMENT_DEVICE, None)
    response = client.post(ENROL, json=enrolment_body(P1, synthetic_bytes(P1, "e")))
    assert (response.status_code, code_of(response)) == (403, "polling.no_operator_on_duty")
    assert [r["code"] for r in refused(session)] == ["polling.no_operator_on_duty"]


def test_an_operator_without_a_pin_on_record_cannot_enrol(client, session):
    setup_enrolment(session, operator_pin=None)
    response = client.post(ENROL, json=enrolment_body(P1, synthetic_bytes(P1, "e")))
    assert (response.status_code, code_of(response)) == (403, "biometrics.operator_without_pin")
    assert session.execute(select(Template)).first() is None
    assert [r["code"] for r in refused(session)] == ["biometrics.operator_without_pin"]


def test_the_operator_cannot_enrol_themselves(client, session, election):
    own_pin = client.post(ENROL, json=enrolment_body(OPERATOR_PIN,
                                                     synthetic_bytes("operator", "e")))
    assert (own_pin.status_code, code_of(own_pin)) == (403, "biometrics.self_enrolment")
    enrol(session, OPERATOR_PIN, identity="operator")  # enrolled elsewhere by someone else
    own_finger = client.post(ENROL, json=enrolment_body(P1, synthetic_bytes("operator", "2")))
    assert (own_finger.status_code, code_of(own_finger)) == (403, "biometrics.self_enrolment")
    assert service.refs_of(session, [P1]) == {}
    records = [r for r in audit.list_records(session, limit=20)
               if r.action == "biometrics.self_enrolment_refused"]
    assert [(r.actor, r.object_id) for r in records] == [
        (f"operator:{OPERATOR_PIN}", P1), (f"operator:{OPERATOR_PIN}", OPERATOR_PIN)]
    polling.save_operator(session, ACTOR, OPERATOR, "Бекова Нуриза", certified=True,
                          pin=P2)  # another operator's PIN on record: P1 may be enrolled
    assert client.post(ENROL, json=enrolment_body(P1, synthetic_bytes(P1, "3"))
                       ).status_code == 201


@pytest.mark.parametrize("change, code", [
    ({"quality": 0.4}, "biometrics.low_quality"),
    ({"modality": "finger11"}, "biometrics.bad_modality"),
    ({"extractor": "vendor-x"}, "biometrics.unknown_extractor"),
])
def test_unusable_captures_are_refused_with_the_reason(client, session, election, change,
                                                       code):
    response = client.post(ENROL, json=enrolment_body(P1, synthetic_bytes(P1, "e"), **change))
    assert code_of(response) == code
    assert response.status_code in (409, 422)


@pytest.mark.parametrize("field, value", [
    ("pin", "123"), ("sample", "not base64!"), ("quality", 1.5), ("captured_at",
                                                                  "2027-01-05T10:00:00"),
    ("signature", "xyz"), ("extra", 1)])
def test_malformed_enrolments_are_refused(client, session, election, field, value):
    body = enrolment_body(P1, synthetic_bytes(P1, "e")) | {field: value}
    assert client.post(ENROL, json=body).status_code == 422


def test_the_station_device_identifies_a_voter(client, session, election):
    for pin in (P1, P2, P3):
        enrol(session, pin)
    enrol(session, PIN_1002)
    found = client.post(IDENTIFY, json=identify_body(election, synthetic_bytes(P2, "station")))
    assert found.status_code == 200, found.text
    assert {k: found.json()[k] for k in ("match", "listed_at", "fallback", "quality")} == {
        "match": P2, "listed_at": None, "fallback": None, "quality": 0.8}
    elsewhere = client.post(IDENTIFY, json=identify_body(
        election, synthetic_bytes(PIN_1002, "station")))
    assert {k: elsewhere.json()[k] for k in ("match", "listed_at", "excluded")} == {
        "match": None, "listed_at": "1002", "excluded": None}
    stranger = client.post(IDENTIFY, json=identify_body(election,
                                                        synthetic_bytes("nobody", "s")))
    assert (stranger.json()["match"], stranger.json()["fallback"]) == (None, "document")
    # a new enrolment is seen by the next search
    enrol(session, PINS_1001[3])
    late = client.post(IDENTIFY, json=identify_body(
        election, synthetic_bytes(PINS_1001[3], "station"), device="id-1001-b"))
    assert late.json()["match"] == PINS_1001[3]


@pytest.mark.parametrize("change, code", [
    ({"device": ENROLMENT_DEVICE, "key": None}, "polling.wrong_device_kind"),
    ({"station": "1002"}, "polling.station_mismatch"),
    ({"key": KEYS["id-1002"]}, "polling.bad_signature"),
])
def test_searches_from_other_devices_are_refused_and_audited(client, session, election,
                                                             change, code):
    from tests.biometrics.factories import ENROLMENT_KEY

    if "key" in change and change["key"] is None:
        change = change | {"key": ENROLMENT_KEY}
    response = client.post(IDENTIFY, json=identify_body(election, synthetic_bytes(P1, "s"),
                                                        **change))
    assert (response.status_code, code_of(response)) == (403, code)
    [record] = refused(session)
    assert (record["code"], record["election_id"]) == (code, election)


def test_a_search_needs_an_operator_on_duty(client, session, election):
    polling.put_on_duty(session, ACTOR, "id-1001-a", None)
    response = client.post(IDENTIFY, json=identify_body(election, synthetic_bytes(P1, "s")))
    assert (response.status_code, code_of(response)) == (403, "polling.no_operator_on_duty")


def test_a_sample_is_base64(client, session, election):
    body = identify_body(election, b"x") | {"sample": base64.b64encode(b"x").decode() + "%"}
    assert client.post(IDENTIFY, json=body).status_code == 422
