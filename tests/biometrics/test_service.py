"""Enrolment (encrypted at rest, quality gate, no self-enrolment, replacement), bulk
enrolment, galleries without PINs, and national de-duplication into the register's review
cases, whose confirmation keeps the later PIN off the voter lists."""

from __future__ import annotations

import base64

import numpy as np
import pytest
from sqlalchemy import func, select

from shailoo.audit import service as audit
from shailoo.biometrics import service
from shailoo.biometrics.dedup import LshParams
from shailoo.biometrics.extractors import BUILT_IN, Float32Extractor, Sample
from shailoo.biometrics.models import DedupRun, Subject, Template
from shailoo.biometrics.service import Enrolment
from shailoo.errors import ConfigError, Forbidden, InvalidInput, RuleViolation
from shailoo.register import duplicates, lists
from shailoo.register.models import DuplicateCase
from tests.biometrics.factories import (
    ACTOR,
    CAPTURED,
    OPERATOR_PIN,
    PIN_1002,
    PINS_1001,
    capture,
    enrol,
    setup_enrolment,
    vector,
)
from tests.register.factories import TODAY

P1, P2, P3, P4 = PINS_1001[:4]


def templates(session) -> list[Template]:
    return list(session.execute(select(Template).order_by(Template.id)).scalars())


def test_an_enrolment_is_stored_encrypted_and_audited(session):
    out = enrol(session, P1, quality=0.85)
    assert out["modality"] == "finger2" and out["replaced"] is False
    assert out["quality"] == pytest.approx(0.85)
    assert len(out["ref_id"]) == 32 and P1 not in out["ref_id"]
    [row] = templates(session)
    assert (row.ref_id, row.modality, row.extractor, row.dim, row.device, row.enrolled_by) == (
        out["ref_id"], "finger2", "synthetic", 128, "en-1001", ACTOR)
    assert row.captured_at == CAPTURED and row.quality == pytest.approx(0.85)
    assert row.key_id == service.cipher().key_id and len(row.nonce) == 12
    plain = vector(P1, quality=0.85).astype("<f4").tobytes()
    assert len(row.ciphertext) == len(plain) + 16
    assert plain not in row.ciphertext and plain[:16] not in row.ciphertext
    assert session.get(Subject, out["ref_id"]).pin == P1
    record = audit.list_records(session, limit=1)[0]
    assert (record.actor, record.action, record.object_type, record.object_id) == (
        ACTOR, "biometrics.enrolled", "subject", out["ref_id"])
    assert record.change == {"modality": "finger2", "quality": 0.85, "device": "en-1001",
                             "extractor": "synthetic", "replaced": False}
    assert P1 not in str(record.change)


def test_a_capture_below_the_quality_gate_is_refused(session):
    with pytest.raises(RuleViolation) as exc:
        enrol(session, P1, quality=0.59)
    assert exc.value.code == "biometrics.low_quality"
    assert templates(session) == []
    assert enrol(session, P1, quality=0.6)["quality"] == pytest.approx(0.6)


@pytest.mark.parametrize("modality", ["finger0", "finger11", "iris", ""])
def test_an_unknown_modality_is_refused(session, modality):
    with pytest.raises(InvalidInput) as exc:
        service.enrol(session, ACTOR, P1, capture(P1, modality=modality), "synthetic", "d")
    assert exc.value.code == "biometrics.bad_modality"


def test_an_unknown_extractor_is_refused(session):
    with pytest.raises(InvalidInput) as exc:
        service.enrol(session, ACTOR, P1, capture(P1), "vendor-x", "d")
    assert exc.value.code == "biometrics.unknown_extractor"


def test_a_template_of_another_length_than_the_registers_is_refused(session, monkeypatch):
    enrol(session, P1)  # 128 values
    short = Float32Extractor(dim=64)
    monkeypatch.setitem(BUILT_IN, "short-vendor", short)
    sample = Sample("finger2", np.ones(64, dtype="<f4").tobytes(), 0.9)
    before = len(templates(session))
    with pytest.raises(InvalidInput) as exc:
        service.enrol(session, ACTOR, P2, sample, "short-vendor", "d")
    assert exc.value.code == "biometrics.bad_sample"
    assert "64 values" in exc.value.message and "have 128" in exc.value.message
    assert len(templates(session)) == before
    service.enrol(session, ACTOR, P2, Sample("face", sample.data, 0.9), "short-vendor", "d")


def refusals(session) -> list:
    return [r for r in audit.list_records(session, limit=20)
            if r.action == "biometrics.self_enrolment_refused"]


def test_an_operator_cannot_enrol_their_own_pin_and_the_refusal_is_audited(session):
    with pytest.raises(Forbidden) as exc:
        enrol(session, OPERATOR_PIN, operator_pin=OPERATOR_PIN)
    assert exc.value.code == "biometrics.self_enrolment"
    assert templates(session) == []
    [record] = refusals(session)
    assert (record.actor, record.object_id, record.change["modality"]) == (
        f"operator:{OPERATOR_PIN}", OPERATOR_PIN, "finger2")


def test_an_operator_cannot_enrol_their_own_finger_under_another_pin(session):
    enrol(session, OPERATOR_PIN, identity="operator")
    with pytest.raises(Forbidden) as exc:  # a new capture of the operator's own finger
        enrol(session, P1, identity="operator", label="again", operator_pin=OPERATOR_PIN)
    assert exc.value.code == "biometrics.self_enrolment"
    assert "matches the operator's own" in exc.value.message
    assert [t.ref_id for t in templates(session)] == [service.refs_of(
        session, [OPERATOR_PIN])[OPERATOR_PIN]]
    assert session.execute(select(Subject).where(Subject.pin == P1)).scalar() is None
    [record] = refusals(session)
    assert (record.actor, record.object_id) == (f"operator:{OPERATOR_PIN}", P1)
    # another person's finger, and the operator's own finger in another modality, pass
    assert enrol(session, P1, operator_pin=OPERATOR_PIN)["replaced"] is False
    assert enrol(session, P2, identity="operator", modality="finger3",
                 operator_pin=OPERATOR_PIN)["modality"] == "finger3"


def test_a_second_enrolment_of_a_modality_replaces_the_first(session):
    first = enrol(session, P1)
    enrol(session, P2)
    enrol(session, P1, modality="face")
    before = {t.modality: t.id for t in templates(session) if t.ref_id == first["ref_id"]}
    again = enrol(session, P1, label="second", quality=0.95)
    assert again["ref_id"] == first["ref_id"] and again["replaced"] is True
    mine = [t for t in templates(session) if t.ref_id == first["ref_id"]]
    assert sorted(t.modality for t in mine) == ["face", "finger2"]
    finger = next(t for t in mine if t.modality == "finger2")
    assert finger.quality == pytest.approx(0.95)
    assert finger.id > max(t.id for t in templates(session) if t is not finger)
    assert finger.id != before["finger2"]
    gallery = service.load_gallery(session, "finger2", [first["ref_id"]])
    assert np.array_equal(gallery.vectors[0], vector(P1, "second", 0.95))
    assert audit.list_records(session, limit=1)[0].change["replaced"] is True


def test_a_replacement_of_the_newest_template_gets_a_new_id(session):
    enrol(session, P1)
    newest = enrol(session, P2)
    top = service.latest_template_id(session)
    enrol(session, P2, label="second")
    assert service.latest_template_id(session) > top  # galleries see the change
    assert service.refs_of(session, [P2]) == {P2: newest["ref_id"]}


def test_enrol_many_stores_new_templates_once_and_audits_the_count(session):
    items = [Enrolment(pin, "finger2", vector(pin), 0.8, "bulk", CAPTURED)
             for pin in (P1, P2, P3)]
    assert service.enrol_many(session, "bulk-actor", items, "synthetic") == 3
    record = audit.list_records(session, limit=1)[0]
    assert (record.action, record.change) == ("biometrics.enrolled_many",
                                              {"templates": 3, "extractor": "synthetic"})
    again = [*items, Enrolment(P4, "finger2", vector(P4), 0.8, "bulk", CAPTURED),
             Enrolment(P1, "face", vector(P1, modality="face"), 0.8, "bulk", CAPTURED),
             Enrolment(P4, "finger2", vector(P4, "dup"), 0.8, "bulk", CAPTURED)]
    assert service.enrol_many(session, "bulk-actor", again, "synthetic") == 2
    assert session.execute(select(func.count()).select_from(Subject)).scalar_one() == 4
    gallery = service.load_gallery(session, "finger2")
    refs = service.refs_of(session, [P1, P2, P3, P4])
    assert gallery.ref_ids == [refs[p] for p in (P1, P2, P3, P4)]
    assert np.array_equal(gallery.vectors[3], vector(P4))  # the first of the two
    assert service.enrol_many(session, "bulk-actor", [], "synthetic") == 0


def test_galleries_hold_reference_ids_in_enrolment_order_never_pins(session):
    for pin in (P3, P1, P2):
        enrol(session, pin)
    enrol(session, P4, modality="face")
    refs = service.refs_of(session, [P1, P2, P3, P4, "00000000000000"])
    assert set(refs) == {P1, P2, P3, P4}
    assert service.pins_of(session, list(refs.values())) == {v: k for k, v in refs.items()}
    gallery = service.load_gallery(session, "finger2")
    assert gallery.ref_ids == [refs[P3], refs[P1], refs[P2]]
    assert not {P1, P2, P3} & set(gallery.ref_ids)
    assert list(gallery.template_ids) == sorted(gallery.template_ids)
    assert gallery.vectors.shape == (3, 128) and gallery.vectors.dtype == np.float32
    assert np.array_equal(gallery.vectors[1], vector(P1))
    some = service.load_gallery(session, "finger2", [refs[P2], refs[P3]])
    assert some.ref_ids == [refs[P3], refs[P2]]
    upto = service.load_gallery(session, "finger2", upto=int(gallery.template_ids[1]))
    assert upto.ref_ids == [refs[P3], refs[P1]]
    empty = service.load_gallery(session, "finger7")
    assert (empty.ref_ids, len(empty.template_ids), len(empty.vectors)) == ([], 0, 0)
    assert service.latest_template_id(session, "face") > service.latest_template_id(
        session, "finger2")
    assert service.latest_template_id(session, "finger7") == 0


def test_templates_of_another_key_are_refused(session, monkeypatch):
    enrol(session, P1)
    monkeypatch.setenv("SHAILOO_BIOMETRIC_KEY", base64.b64encode(bytes(32)).decode())
    from shailoo.config import get_settings

    get_settings.cache_clear()
    with pytest.raises(ConfigError) as exc:
        service.load_gallery(session, "finger2")
    assert exc.value.code == "biometrics.wrong_key"


def test_a_template_moved_to_another_person_is_refused(session):
    enrol(session, P1)
    enrol(session, P2)
    a, b = templates(session)
    a.ciphertext, b.ciphertext, a.nonce, b.nonce = b.ciphertext, a.ciphertext, b.nonce, a.nonce
    session.flush()
    with pytest.raises(ConfigError) as exc:
        service.load_gallery(session, "finger2")
    assert exc.value.code == "biometrics.template_tampered"


# --- de-duplication ---------------------------------------------------------------------


def biometric_cases(session) -> list[tuple[str, str, str]]:
    return [(c["pin_a"], c["pin_b"], c["kind"]) for c in duplicates.cases(session, None)]


@pytest.fixture
def election(session) -> int:
    return setup_enrolment(session)


def test_dedup_opens_a_case_for_one_person_under_two_pins(session, election):
    enrol(session, P3, identity="asel")  # the earlier enrolment, though P3 sorts after P1
    enrol(session, P2)
    enrol(session, P1, identity="asel", label="second visit")
    enrol(session, PIN_1002)
    result = service.deduplicate(session, ACTOR)
    assert {k: result[k] for k in ("modality", "mode", "templates", "new_templates",
                                   "threshold", "pairs", "new_cases")} == {
        "modality": "finger2", "mode": "exact", "templates": 4, "new_templates": 4,
        "threshold": 0.67, "pairs": 1, "new_cases": 1}
    [case] = duplicates.cases(session)
    assert (case["pin_a"], case["pin_b"], case["kind"], case["status"]) == (
        P3, P1, "biometric", "open")
    expected = float(vector("asel") @ vector("asel", "second visit"))
    assert case["score"] == pytest.approx(round(expected, 4))
    assert case["score"] == pytest.approx(0.7185, abs=1e-4)
    record = audit.list_records(session, limit=1)[0]
    assert record.action == "register.biometric_duplicates"
    assert record.change["pairs"] == 1 and record.change["new_cases"] == 1
    [run] = session.execute(select(DedupRun)).scalars()
    assert (run.mode, run.templates, run.pairs, run.new_cases, run.actor, run.threshold) == (
        "exact", 4, 1, 1, ACTOR, 0.67)
    assert run.upto_template_id == service.latest_template_id(session, "finger2")

    # confirmed: the later PIN is kept off every voter list, the earlier one stays
    assert P1 in lists.station_pins(session, election, "1001")
    duplicates.decide(session, ACTOR, case["id"], True, "one woman, two PINs", TODAY)
    assert lists.list_station_of(session, election, P1) == ("1001", "duplicate")
    assert lists.list_station_of(session, election, P3) == ("1001", None)
    assert P1 not in lists.station_pins(session, election, "1001")
    assert P3 in lists.station_pins(session, election, "1001")
    assert lists.eligibility_counts(session, election)["duplicate"] == 1


def test_dedup_exact_and_lsh_agree_and_runs_after_the_first_are_incremental(session,
                                                                          election):
    enrol(session, P1, identity="asel")
    enrol(session, P2, identity="asel", label="2")
    enrol(session, P3)
    exact = service.deduplicate(session, ACTOR, exact=True)
    assert (exact["mode"], exact["pairs"], exact["new_cases"]) == ("exact", 1, 1)
    nothing_new = service.deduplicate(session, ACTOR)
    assert (nothing_new["mode"], nothing_new["new_templates"], nothing_new["pairs"],
            nothing_new["new_cases"]) == ("incremental", 0, 0, 0)
    enrol(session, P4, identity="asel", label="3")  # a third PIN for her
    enrol(session, PIN_1002, identity="bolot")
    later = service.deduplicate(session, ACTOR)
    assert (later["mode"], later["templates"], later["new_templates"], later["pairs"],
            later["new_cases"]) == ("incremental", 5, 2, 2, 2)
    assert sorted(biometric_cases(session)) == sorted([
        (P1, P2, "biometric"), (P1, P4, "biometric"), (P2, P4, "biometric")])
    full = service.deduplicate(session, ACTOR, full=True)
    assert (full["mode"], full["pairs"], full["new_cases"]) == ("exact", 3, 0)
    exact_again = service.deduplicate(session, ACTOR, exact=True)
    assert (exact_again["pairs"], exact_again["new_cases"]) == (3, 0)
    runs = session.execute(select(DedupRun.mode).order_by(DedupRun.id)).scalars().all()
    assert runs == ["exact", "incremental", "incremental", "exact", "exact"]


def test_a_large_register_is_de_duplicated_by_lsh_then_incrementally(session, election,
                                                                     monkeypatch):
    monkeypatch.setattr(service, "EXACT_DEDUP_MAX", 0)  # every register is large
    monkeypatch.setattr(service, "LSH_PARAMS", LshParams(tables=6, hashes=1, proj=4,
                                                          workers=1))  # few, wide buckets
    enrol(session, P1, identity="asel")
    enrol(session, P2)
    enrol(session, P3, identity="asel", label="2")
    first = service.deduplicate(session, ACTOR)
    assert (first["mode"], first["pairs"], first["new_cases"]) == ("lsh", 1, 1)
    enrol(session, P4, identity="asel", label="3")
    enrol(session, PIN_1002, identity="bolot")
    later = service.deduplicate(session, ACTOR)
    assert (later["mode"], later["new_templates"], later["pairs"], later["new_cases"]) == (
        "incremental", 2, 2, 2)
    assert sorted(biometric_cases(session)) == sorted([
        (P1, P3, "biometric"), (P1, P4, "biometric"), (P3, P4, "biometric")])


def test_a_re_enrolled_template_is_checked_again_by_the_next_incremental_run(session,
                                                                            election):
    enrol(session, P1, identity="asel")
    enrol(session, P2)
    assert service.deduplicate(session, ACTOR)["pairs"] == 0
    enrol(session, P2, identity="asel", label="replaced")  # P2 now carries her finger
    result = service.deduplicate(session, ACTOR)
    assert (result["mode"], result["new_templates"], result["pairs"]) == ("incremental", 1, 1)
    assert biometric_cases(session) == [(P1, P2, "biometric")]


def test_a_pair_already_under_review_is_not_opened_again(session, election):
    enrol(session, P1, identity="asel")
    enrol(session, P2, identity="asel", label="2")
    session.add(DuplicateCase(pin_a=P2, pin_b=P1, status="open", found_at=CAPTURED))
    session.flush()
    result = service.deduplicate(session, ACTOR, exact=True)
    assert (result["pairs"], result["new_cases"]) == (1, 0)
    assert biometric_cases(session) == [(P2, P1, "demographic")]


def test_dedup_of_an_empty_modality_finds_nothing(session):
    result = service.deduplicate(session, ACTOR, "face")
    assert (result["mode"], result["templates"], result["pairs"], result["new_cases"]) == (
        "exact", 0, 0, 0)
    again = service.deduplicate(session, ACTOR, "face")  # nothing seen yet: a first run again
    assert (again["mode"], again["pairs"]) == ("exact", 0)
    assert service.deduplicate(session, ACTOR, "face", exact=True)["pairs"] == 0
    with pytest.raises(InvalidInput) as exc:
        service.deduplicate(session, ACTOR, "thumb")
    assert exc.value.code == "biometrics.bad_modality"


def test_open_biometric_cases_skips_pairs_of_one_pin_and_repeats(session):
    found = [(P1, P2, 0.91234), (P2, P1, 0.9), (P3, P3, 1.0), (P1, P3, 0.7)]
    assert duplicates.open_biometric_cases(session, ACTOR, found, {"mode": "test"}) == 2
    cases = duplicates.cases(session)
    assert [(c["pin_a"], c["pin_b"], c["score"], c["kind"]) for c in cases] == [
        (P1, P2, 0.9123, "biometric"), (P1, P3, 0.7, "biometric")]
    record = audit.list_records(session, limit=1)[0]
    assert record.change == {"mode": "test", "pairs": 4, "new_cases": 2}
    assert duplicates.open_biometric_cases(session, ACTOR, found, {}) == 0
