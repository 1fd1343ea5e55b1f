"""Device registry and signatures: registration, revocation, and every refusal named."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from shailoo.audit import service as audit
from shailoo.auth.rules import Role
from shailoo.errors import Conflict, Forbidden, InvalidInput, NotFound
from shailoo.polling import service
from shailoo.polling.signing import public_key_hex, sign, signature_valid
from tests.factories import make_country
from tests.web.conftest import token_for

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))


@given(st.dictionaries(st.text(min_size=1, max_size=8), st.integers(0, 10**6), max_size=6))
def test_a_signature_covers_exactly_the_document(body):
    document = {"station": "1001", "votes": body}
    signature = sign(KEY, document)
    assert signature_valid(public_key_hex(KEY), document | {"signature": signature}, signature)
    changed = {"station": "1002", "votes": body}
    assert not signature_valid(public_key_hex(KEY), changed, signature)


def test_register_and_verify(session):
    make_country(session)
    service.register_device(session, "test", "abb-1", "scanner", "1001", public_key_hex(KEY))
    doc = {"station": "1001", "n": 1}
    assert service.verify_upload(session, "abb-1", "scanner", "1001", doc,
                                 sign(KEY, doc)).device_id == "abb-1"


@pytest.mark.parametrize(("device", "kind", "station", "code"), [
    ("nope", "scanner", "1001", "polling.unknown_device"),
    ("abb-1", "identification", "1001", "polling.wrong_device_kind"),
    ("abb-1", "scanner", "1002", "polling.station_mismatch"),
])
def test_refusals_name_the_reason(session, device, kind, station, code):
    make_country(session)
    service.register_device(session, "test", "abb-1", "scanner", "1001", public_key_hex(KEY))
    doc = {"station": station}
    with pytest.raises(Forbidden) as exc:
        service.verify_upload(session, device, kind, station, doc, sign(KEY, doc))
    assert exc.value.code == code


def test_a_revoked_device_is_refused(session):
    make_country(session)
    service.register_device(session, "test", "abb-1", "scanner", "1001", public_key_hex(KEY))
    service.revoke_device(session, "test", "abb-1", "stolen on the way")
    doc = {"station": "1001"}
    with pytest.raises(Forbidden) as exc:
        service.verify_upload(session, "abb-1", "scanner", "1001", doc, sign(KEY, doc))
    assert exc.value.code == "polling.device_revoked"
    assert audit.list_records(session, 1)[0].action == "polling.device_revoked"


def test_bad_registrations_change_nothing(session):
    make_country(session)
    records = audit.count_records(session)
    with pytest.raises(InvalidInput):
        service.register_device(session, "t", "x", "toaster", "1001", public_key_hex(KEY))
    with pytest.raises(InvalidInput):
        service.register_device(session, "t", "x", "scanner", "1001", "abcd")
    with pytest.raises(NotFound):
        service.register_device(session, "t", "x", "scanner", "7777", public_key_hex(KEY))
    assert audit.count_records(session) == records
    service.register_device(session, "t", "x", "scanner", "1001", public_key_hex(KEY))
    with pytest.raises(Conflict):
        service.register_device(session, "t", "x", "scanner", "1002", public_key_hex(KEY))


def test_device_api_is_for_administrators(client, session):
    make_country(session)
    admin = token_for(session, "chair", Role.CEC_ADMIN)
    observer = token_for(session, "watcher", Role.OBSERVER)
    body = {"id": "abb-9", "kind": "scanner", "station": "9001",
            "public_key": public_key_hex(KEY)}
    assert client.post("/api/devices", json=body, headers=observer).status_code == 403
    created = client.post("/api/devices", json=body, headers=admin)
    assert created.status_code == 201 and created.json()["station"] == "9001"
    revoked = client.post("/api/devices/abb-9/revoke", json={"reason": "lost"}, headers=admin)
    assert revoked.json()["status"] == "revoked"
