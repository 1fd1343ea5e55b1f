"""Demo enrolment: every person with biometric registration enrolled once, planted
duplicates fixed by the seed and found by de-duplication, a second run enrolling nothing."""

from __future__ import annotations

import numpy as np
from sqlalchemy import func, select

from shailoo.biometrics import service
from shailoo.biometrics.enrolment_demo import MODALITY, enrol_demo, planted_pairs
from shailoo.biometrics.models import Template
from shailoo.register import duplicates, lists
from tests.register.factories import ACTOR, import_rows, make_register_country, voter

ROWS = [voter(i, biometrics="0" if i in (3, 7) else "1") for i in range(1, 15)]
WITH = [r["pin"] for r in ROWS if r["biometrics"] == "1"]  # 12 persons


def test_planted_pairs_are_fixed_by_the_seed():
    pins = [f"{i:014d}" for i in range(100)]
    first = planted_pairs(pins, 7)
    assert first == planted_pairs(pins, 7) and first != planted_pairs(pins, 8)
    assert len(first) == 3  # at least 3
    assert all(a < b for a, b in first) and first == sorted(first)
    assert len({p for pair in first for p in pair}) == 6  # each person in one pair
    assert len(planted_pairs([f"{i:014d}" for i in range(10_000)], 1)) == 5  # 1 in 2,000
    assert planted_pairs(pins[:5], 1) == planted_pairs(pins[:5], 1)
    assert len(planted_pairs(pins[:5], 1)) == 2  # at most half the persons
    assert planted_pairs([], 1) == []


def test_the_demo_enrols_everyone_with_biometrics_once(session):
    make_register_country(session)
    import_rows(session, ROWS)
    logged: list[str] = []
    done = enrol_demo(session, ACTOR, 5, log=logged.append)
    assert done.enrolled == 12
    assert done.planted == planted_pairs(lists.pins_with_biometrics(session), 5)
    assert len(done.planted) == 3
    assert logged == ["biometrics: 12 right-index templates enrolled (12 persons with "
                      "biometric registration), 3 planted duplicates"]
    assert set(service.refs_of(session, [r["pin"] for r in ROWS])) == set(WITH)
    rows = session.execute(select(Template)).scalars().all()
    assert {(t.modality, t.extractor, t.device, t.enrolled_by) for t in rows} == {
        (MODALITY, "synthetic", "demo-enrolment-station", ACTOR)}
    assert all(t.quality >= 0.7 for t in rows)  # enrolment re-captures below 0.7
    gallery = service.load_gallery(session, MODALITY)

    again = enrol_demo(session, ACTOR, 5, log=logged.append)
    assert (again.enrolled, again.planted) == (0, done.planted)
    assert session.execute(select(func.count()).select_from(Template)).scalar_one() == 12
    assert np.array_equal(service.load_gallery(session, MODALITY).vectors, gallery.vectors)

    result = service.deduplicate(session, ACTOR)
    assert (result["pairs"], result["new_cases"]) == (3, 3)
    found = sorted((c["pin_a"], c["pin_b"]) for c in duplicates.cases(session))
    assert found == done.planted  # earlier enrolment first


def test_the_same_seed_gives_the_same_templates(session, databases):
    from shailoo.db import make_engine, make_session_factory

    vectors = []
    for _ in range(2):
        engine = make_engine(databases.create())
        try:
            with make_session_factory(engine)() as other:
                make_register_country(other)
                import_rows(other, ROWS)
                enrol_demo(other, ACTOR, 9, log=lambda _m: None)
                vectors.append(service.load_gallery(other, MODALITY).vectors)
        finally:
            engine.dispose()
    assert np.array_equal(vectors[0], vectors[1])
