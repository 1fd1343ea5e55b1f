"""Biometric test data built through the real services: the register country of
tests.polling.factories (nine voters listed at 1001, one at 1002), an enrolment device at
1001 worked by a certified operator whose PIN is on record, synthetic captures and signed
device requests."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import numpy as np
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import Session

from shailoo.biometrics import service as biometrics
from shailoo.biometrics.extractors import Sample, SyntheticExtractor, synthetic_sample
from shailoo.biometrics.schemas import EnrolmentIn, IdentifyIn
from shailoo.polling import service as polling
from shailoo.polling.signing import public_key_hex, sign
from tests.polling.factories import KEYS, MORE_ROWS, PINS_1001, ROWS, setup_country
from tests.register.factories import ACTOR, voter

OPERATOR = "op-e"
OPERATOR_PIN = voter(40, "Бекова", "Нуриза")["pin"]  # not in the register
ENROLMENT_DEVICE = "en-1001"
ENROLMENT_KEY = Ed25519PrivateKey.from_private_bytes(bytes([77]) * 32)
PIN_1002 = ROWS[1]["pin"]
CAPTURED = datetime(2027, 1, 5, 10, 0, tzinfo=UTC)
EXTRACTOR = SyntheticExtractor()


def capture(identity: str, label: str = "enrol", quality: float = 0.9,
            modality: str = "finger2") -> Sample:
    """Capture ``label`` of the synthetic person ``identity``."""
    return synthetic_sample(modality, identity, label, quality)


def vector(identity: str, label: str = "enrol", quality: float = 0.9,
           modality: str = "finger2") -> np.ndarray:
    """The feature vector of that capture."""
    return EXTRACTOR.extract(capture(identity, label, quality, modality)).vector


def float_sample(vec: np.ndarray, modality: str = "finger2",
                 quality: float | None = None) -> Sample:
    """A float32 vendor template of ``vec``."""
    return Sample(modality, np.asarray(vec, dtype="<f4").tobytes(), quality)


def setup_enrolment(session: Session, operator_pin: str | None = OPERATOR_PIN) -> int:
    """The country with MORE_ROWS listed, operator op-e (certified, PIN ``operator_pin``) on
    duty at the enrolment device en-1001 of station 1001; returns the election id."""
    election = setup_country(session, MORE_ROWS)
    polling.save_operator(session, ACTOR, OPERATOR, "Бекова Нуриза", certified=True,
                          pin=operator_pin)
    polling.register_device(session, ACTOR, ENROLMENT_DEVICE, "enrolment", "1001",
                            public_key_hex(ENROLMENT_KEY))
    polling.put_on_duty(session, ACTOR, ENROLMENT_DEVICE, OPERATOR)
    return election


def enrol(session: Session, pin: str, identity: str | None = None, label: str = "enrol",
          quality: float = 0.9, modality: str = "finger2",
          operator_pin: str | None = None) -> dict[str, Any]:
    """Enrol a synthetic capture of ``identity`` (default: the PIN's own person)."""
    return biometrics.enrol(session, ACTOR, pin, capture(identity or pin, label, quality,
                                                         modality),
                            "synthetic", ENROLMENT_DEVICE, operator_pin, CAPTURED)


def enrolment_body(pin: str, sample: bytes, *, modality: str = "finger2",
                   extractor: str = "synthetic", quality: float | None = 0.9,
                   device: str = ENROLMENT_DEVICE, station: str = "1001",
                   key: Ed25519PrivateKey = ENROLMENT_KEY) -> dict[str, Any]:
    """A signed enrolment request body."""
    body: dict[str, Any] = {
        "device_id": device, "station": station, "modality": modality, "extractor": extractor,
        "sample": base64.b64encode(sample).decode(), "pin": pin,
        "captured_at": CAPTURED.isoformat(), "signature": "0" * 128}
    if quality is not None:
        body["quality"] = quality
    unsigned = EnrolmentIn.model_validate(body)
    return {**unsigned.document(), "signature": sign(key, unsigned.document())}


def identify_body(election: int, sample: bytes, *, device: str = "id-1001-a",
                  station: str = "1001", modality: str = "finger2",
                  extractor: str = "synthetic", quality: float | None = 0.8,
                  key: Ed25519PrivateKey | None = None) -> dict[str, Any]:
    """A signed identification request body."""
    body: dict[str, Any] = {
        "device_id": device, "station": station, "modality": modality, "extractor": extractor,
        "sample": base64.b64encode(sample).decode(), "election_id": election,
        "signature": "0" * 128}
    if quality is not None:
        body["quality"] = quality
    unsigned = IdentifyIn.model_validate(body)
    return {**unsigned.document(), "signature": sign(key or KEYS[device], unsigned.document())}


def synthetic_bytes(identity: str, label: str) -> bytes:
    """The bytes of a synthetic device's capture."""
    return capture(identity, label).data


__all__ = ["ACTOR", "MORE_ROWS", "PINS_1001"]
