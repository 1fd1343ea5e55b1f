"""Synthetic enrolment of the demo's voters (`shailoo biometrics enrol-demo` and the demo
step): a right-index fingerprint for every person with biometric registration, with a known
set of planted duplicates (one person enrolled a second time under another PIN)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy.orm import Session

from shailoo.biometrics import synthetic
from shailoo.biometrics.extractors import SyntheticExtractor, synthetic_sample
from shailoo.biometrics.service import Enrolment, enrol_many
from shailoo.kit.clock import utcnow
from shailoo.register import lists

MODALITY = "finger2"  # right index finger
DEVICE = "demo-enrolment-station"


@dataclass(frozen=True)
class DemoEnrolment:
    """What enrol-demo did: templates stored and the planted duplicate PIN pairs (earlier,
    later enrolment of the same synthetic person)."""

    enrolled: int
    planted: list[tuple[str, str]]


def planted_pairs(pins: list[str], seed: int, share: float = 0.0005) -> list[tuple[str, str]]:
    """The planted duplicates: pairs of PINs (earlier, later) whose captures come from one
    synthetic person (deterministic in the seed; at least 3 where there are 6 persons)."""
    rng = np.random.default_rng(seed)
    count = min(len(pins) // 2, max(3, round(len(pins) * share)))
    picked = rng.choice(len(pins), size=2 * count, replace=False)
    pairs = [tuple(sorted((int(a), int(b)))) for a, b in picked.reshape(-1, 2)]
    return sorted((pins[a], pins[b]) for a, b in pairs)


def _enrolments(pins: list[str], identity: dict[str, str], seed: int, at: datetime
                ) -> Iterator[Enrolment]:
    rng = np.random.default_rng(seed)
    quality = synthetic.capture_quality(len(pins), rng, enrolment=True)
    extractor = SyntheticExtractor()
    for pin, q in zip(pins, quality, strict=True):
        features = extractor.extract(synthetic_sample(MODALITY, identity.get(pin, pin),
                                                      f"enrol:{pin}", float(q)))
        yield Enrolment(pin, MODALITY, features.vector, features.quality, DEVICE, at)


def enrol_demo(session: Session, actor: str, seed: int,
               log: Callable[[str], None] = print) -> DemoEnrolment:
    """Enrol every person with biometric registration who is not enrolled yet (the same
    seed gives the same templates and the same planted duplicates)."""
    pins = lists.pins_with_biometrics(session)
    planted = planted_pairs(pins, seed)
    identity = {later: earlier for earlier, later in planted}
    stored = enrol_many(session, actor, _enrolments(pins, identity, seed, utcnow()),
                        "synthetic")
    log(f"biometrics: {stored} right-index templates enrolled ({len(pins)} persons with "
        f"biometric registration), {len(planted)} planted duplicates")
    return DemoEnrolment(stored, planted)
