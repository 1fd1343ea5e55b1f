"""Biometric use cases: enrolment (encrypted at rest, operators cannot enrol themselves),
galleries for the matcher (reference ids and vectors, never PINs), and national
de-duplication whose candidate pairs become the register's review cases."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from shailoo.audit import service as audit
from shailoo.biometrics import dedup, matching
from shailoo.biometrics.extractors import Features, Sample, get_extractor
from shailoo.biometrics.models import DedupRun, Subject, Template
from shailoo.biometrics.store import TemplateCipher
from shailoo.biometrics.thresholds import Thresholds, modality_problem
from shailoo.config import get_settings
from shailoo.db import unit_of_work
from shailoo.errors import Forbidden, InvalidInput, RuleViolation
from shailoo.kit.clock import utcnow
from shailoo.register import duplicates as register_duplicates

F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]
THRESHOLDS = Thresholds()
MIN_ENROLMENT_QUALITY = 0.6  # below this the enrolment station must capture again
EXACT_DEDUP_MAX = 20_000  # up to this many templates de-duplication is brute force: complete,
# and faster than building the LSH tables (their random rotations alone take seconds)
LSH_PARAMS = dedup.LshParams()  # the de-duplication index of larger registers


def cipher() -> TemplateCipher:
    """The template cipher with the configured key."""
    return TemplateCipher(get_settings().biometric_key)


def _subject(session: Session, pin: str) -> str:
    ref = session.execute(select(Subject.ref_id).where(Subject.pin == pin)).scalar()
    if ref is None:
        ref = secrets.token_hex(16)
        session.add(Subject(ref_id=ref, pin=pin, enrolled_at=utcnow()))
        session.flush()
    return ref


def _template_of(session: Session, seal: TemplateCipher, pin: str, modality: str
                 ) -> F32 | None:
    row = session.execute(select(Template).join(Subject, Subject.ref_id == Template.ref_id)
                          .where(Subject.pin == pin, Template.modality == modality)).scalar()
    return None if row is None else seal.open(row.ref_id, modality, row.key_id, row.nonce,
                                              row.ciphertext)


def enrol(session: Session, actor: str, pin: str, sample: Sample, extractor: str,
          device: str, operator_pin: str | None = None,
          captured_at: datetime | None = None) -> dict[str, Any]:
    """Extract and store (encrypted) one modality of a person; a second enrolment of the
    same modality replaces the first (both audited). Refused: a capture below the quality
    gate, or an operator enrolling themselves (their own PIN, or a capture that matches
    their own enrolled template)."""
    problem = modality_problem(sample.modality)
    if problem:
        raise InvalidInput("biometrics.bad_modality", problem, field="modality")
    features = get_extractor(extractor).extract(sample)
    if features.quality < MIN_ENROLMENT_QUALITY:
        raise RuleViolation("biometrics.low_quality",
                            f"capture quality {features.quality:.2f} is below "
                            f"{MIN_ENROLMENT_QUALITY}: capture again", pin=pin)
    require_length(stored_dimension(session, sample.modality), features.vector, extractor,
                   sample.modality, pin=pin)
    seal = cipher()
    if operator_pin is not None:
        refusal = _self_enrolment(session, seal, operator_pin, pin, sample.modality, features)
        if refusal is not None:
            _audit_self_enrolment(session, operator_pin, pin, sample.modality, refusal)
            raise Forbidden("biometrics.self_enrolment", refusal)
    with unit_of_work(session):
        ref = _subject(session, pin)
        old = session.execute(select(Template).where(
            Template.ref_id == ref, Template.modality == sample.modality)).scalar()
        # a replacement needs a new, higher id (galleries and incremental de-duplication
        # see new templates by id); SQLite would reuse a deleted highest id
        new_id = latest_template_id(session) + 1 if old is not None and \
            session.get_bind().dialect.name == "sqlite" else None
        if old is not None:
            session.delete(old)
            session.flush()
        nonce, sealed = seal.seal(ref, sample.modality, features.vector)
        session.add(Template(id=new_id, ref_id=ref, modality=sample.modality,
                             extractor=extractor, dim=len(features.vector),
                             quality=features.quality, device=device,
                             captured_at=captured_at or utcnow(), key_id=seal.key_id,
                             nonce=nonce, ciphertext=sealed, enrolled_by=actor))
        session.flush()
        audit.record(session, actor, "biometrics.enrolled", "subject", ref,
                     {"modality": sample.modality, "quality": round(features.quality, 3),
                      "device": device, "extractor": extractor, "replaced": old is not None})
    return {"ref_id": ref, "modality": sample.modality, "quality": features.quality,
            "replaced": old is not None}


def stored_dimension(session: Session, modality: str) -> int | None:
    """The length of the register's templates of a modality (None before the first)."""
    return session.execute(select(Template.dim).where(Template.modality == modality)
                           .limit(1)).scalar()


def require_length(stored: int | None, vector: F32, extractor: str, modality: str,
                   **details: Any) -> None:
    """Refuse a template whose length is not that of the register's templates of the
    modality (``stored``; None: there are none yet to compare with)."""
    if stored is not None and stored != len(vector):
        raise InvalidInput("biometrics.bad_sample",
                           f"the {extractor} template has {len(vector)} values; the "
                           f"register's {modality} templates have {stored}",
                           field="sample", **details)


def _self_enrolment(session: Session, seal: TemplateCipher, operator_pin: str, pin: str,
                    modality: str, features: Features) -> str | None:
    """Why this is the operator enrolling themselves, or None."""
    if operator_pin == pin:
        return "an operator cannot enrol themselves"
    own = _template_of(session, seal, operator_pin, modality)
    if own is not None and matching.verify(features.vector, own, THRESHOLDS.verify).match:
        return ("the capture matches the operator's own fingerprint: an operator cannot enrol "
                "themselves")
    return None


def _audit_self_enrolment(session: Session, operator_pin: str, pin: str, modality: str,
                          reason: str) -> None:
    """Record a refused self-enrolment in its own transaction (it outlives the refusal)."""
    with unit_of_work(session):
        audit.record(session, f"operator:{operator_pin}", "biometrics.self_enrolment_refused",
                     "person", pin, {"modality": modality, "reason": reason})


@dataclass(frozen=True)
class Enrolment:
    """One already-extracted template to store (bulk enrolment, e.g. the demo)."""

    pin: str
    modality: str
    vector: F32
    quality: float
    device: str
    captured_at: datetime


def enrol_many(session: Session, actor: str, items: Iterable[Enrolment], extractor: str
               ) -> int:
    """Store many new templates in one transaction (persons not yet enrolled in that
    modality; others are skipped); one audit record with the count."""
    seal = cipher()
    now = utcnow()
    with unit_of_work(session):
        refs = {pin: ref for pin, ref in session.execute(select(Subject.pin, Subject.ref_id))}
        have = {(r, m) for r, m in session.execute(select(Template.ref_id, Template.modality))}
        subjects, rows = [], []
        for item in items:
            ref = refs.get(item.pin)
            if ref is None:
                ref = refs[item.pin] = secrets.token_hex(16)
                subjects.append({"ref_id": ref, "pin": item.pin, "enrolled_at": now})
            if (ref, item.modality) in have:
                continue
            have.add((ref, item.modality))
            nonce, sealed = seal.seal(ref, item.modality, item.vector)
            rows.append({"ref_id": ref, "modality": item.modality, "extractor": extractor,
                         "dim": len(item.vector), "quality": item.quality,
                         "device": item.device, "captured_at": item.captured_at,
                         "key_id": seal.key_id, "nonce": nonce, "ciphertext": sealed,
                         "enrolled_by": actor})
        for start in range(0, len(subjects), 5000):
            session.execute(insert(Subject), subjects[start:start + 5000])
        for start in range(0, len(rows), 5000):
            session.execute(insert(Template), rows[start:start + 5000])
        audit.record(session, actor, "biometrics.enrolled_many", "biometrics", "templates",
                     {"templates": len(rows), "extractor": extractor})
    return len(rows)


@dataclass(frozen=True)
class Gallery:
    """Templates of one modality for the matcher: row ``r`` is reference ``ref_ids[r]``
    (template id ``template_ids[r]``, ascending: enrolment order)."""

    ref_ids: list[str]
    template_ids: I64
    vectors: F32


def load_gallery(session: Session, modality: str, refs: list[str] | None = None,
                 upto: int | None = None) -> Gallery:
    """Decrypt the templates of a modality (of the given references, or all; up to
    template id ``upto``) in enrolment order."""
    seal = cipher()
    stmt = (select(Template.id, Template.ref_id, Template.key_id, Template.nonce,
                   Template.ciphertext, Template.dim)
            .where(Template.modality == modality).order_by(Template.id))
    if upto is not None:
        stmt = stmt.where(Template.id <= upto)
    rows: list[Any] = []
    if refs is None:
        rows = list(session.execute(stmt))
    else:
        for start in range(0, len(refs), 5000):
            rows.extend(session.execute(stmt.where(Template.ref_id.in_(refs[start:start + 5000]))))
        rows.sort(key=lambda r: r.id)
    dim = rows[0].dim if rows else 0
    vectors = np.empty((len(rows), dim), dtype=np.float32)
    for i, r in enumerate(rows):
        vectors[i] = seal.open(r.ref_id, modality, r.key_id, r.nonce, r.ciphertext)
    return Gallery([r.ref_id for r in rows], np.array([r.id for r in rows], dtype=np.int64),
                   vectors)


def _mapping(session: Session, key: Any, value: Any, keys: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for start in range(0, len(keys), 5000):
        out.update({k: v for k, v in session.execute(
            select(key, value).where(key.in_(keys[start:start + 5000])))})
    return out


def refs_of(session: Session, pins: list[str]) -> dict[str, str]:
    """Reference ids of the given PINs (those enrolled)."""
    return _mapping(session, Subject.pin, Subject.ref_id, pins)


def pins_of(session: Session, refs: list[str]) -> dict[str, str]:
    """PINs of the given reference ids (only for answers and review cases)."""
    return _mapping(session, Subject.ref_id, Subject.pin, refs)


def latest_template_id(session: Session, modality: str | None = None) -> int:
    """The newest template id (0 when none): galleries older than it are stale."""
    stmt = select(func.max(Template.id))
    if modality is not None:
        stmt = stmt.where(Template.modality == modality)
    return int(session.execute(stmt).scalar() or 0)


def deduplicate(session: Session, actor: str, modality: str = "finger2", exact: bool = False,
                full: bool = False) -> dict[str, Any]:
    """National de-duplication of a modality: every template against all others (``exact``,
    or up to ``EXACT_DEDUP_MAX`` templates: brute force; else multi-table LSH with exact
    re-scoring), or only the templates enrolled since the last run against everything
    (incremental, the default after a first run).
    Pairs at or above the threshold become review cases (earlier enrolment first)."""
    problem = modality_problem(modality)
    if problem:
        raise InvalidInput("biometrics.bad_modality", problem, field="modality")
    started = time.perf_counter()
    last = session.execute(select(DedupRun).where(DedupRun.modality == modality)
                           .order_by(DedupRun.id.desc()).limit(1)).scalar()
    gallery = load_gallery(session, modality)
    threshold = THRESHOLDS.dedup
    since = 0 if (full or exact or last is None) else last.upto_template_id
    old = int(np.searchsorted(gallery.template_ids, since, side="right"))
    small = len(gallery.ref_ids) <= EXACT_DEDUP_MAX
    if since == 0:
        mode = "exact" if exact or small else "lsh"
        pairs = (dedup.exact_pairs(gallery.vectors, threshold) if mode == "exact" or
                 not len(gallery.ref_ids) else
                 dedup.lsh_pairs(gallery.vectors, threshold, LSH_PARAMS))
    else:
        mode = "incremental"
        if old == len(gallery.ref_ids):  # nothing new
            pairs = dedup.exact_pairs(gallery.vectors[:0], threshold)
        elif small:
            pairs = dedup.exact_pairs_for_rows(
                gallery.vectors, np.arange(old, len(gallery.ref_ids), dtype=np.int64),
                threshold)
        else:
            index = dedup.DedupIndex(gallery.vectors[:old], threshold, LSH_PARAMS)
            pairs = index.check(gallery.vectors[old:])
    refs = [gallery.ref_ids[int(k)] for k in np.concatenate([pairs.i, pairs.j])]
    pins = pins_of(session, sorted(set(refs)))
    found = [(pins[gallery.ref_ids[int(a)]], pins[gallery.ref_ids[int(b)]], float(s))
             for a, b, s in zip(np.minimum(pairs.i, pairs.j), np.maximum(pairs.i, pairs.j),
                                pairs.score, strict=True)]
    detail = {"modality": modality, "mode": mode, "templates": len(gallery.ref_ids),
              "new_templates": len(gallery.ref_ids) - old, "threshold": threshold}
    new_cases = register_duplicates.open_biometric_cases(session, actor, found, detail)
    seconds = round(time.perf_counter() - started, 3)
    with unit_of_work(session):
        session.add(DedupRun(modality=modality, mode=mode, templates=len(gallery.ref_ids),
                             upto_template_id=int(gallery.template_ids[-1])
                             if len(gallery.template_ids) else since,
                             threshold=threshold, pairs=len(found), new_cases=new_cases,
                             seconds=seconds, actor=actor, at=utcnow()))
    return {**detail, "pairs": len(found), "new_cases": new_cases, "seconds": seconds}
