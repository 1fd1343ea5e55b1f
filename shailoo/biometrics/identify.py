"""Identification at the polling station: a captured template against the station's list
(1:N over a few thousand, exact), and, when the voter is not found there, against the whole
register (the faiss product-quantisation index of :mod:`national_index`, exact re-scoring)
to say where they are listed.
Galleries are decrypted once per process and kept while no template changes."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from shailoo.biometrics import matching
from shailoo.biometrics.extractors import Sample, get_extractor
from shailoo.biometrics.models import Subject
from shailoo.biometrics.national_index import NationalIndex
from shailoo.biometrics.service import (
    THRESHOLDS,
    Gallery,
    latest_template_id,
    load_gallery,
    refs_of,
    require_length,
)
from shailoo.biometrics.thresholds import modality_problem
from shailoo.errors import InvalidInput
from shailoo.register import lists

STATION_TTL_SECONDS = 300.0  # lists may change (additional list) without a new template
REVISION_CHECK_SECONDS = 1.0  # how stale a gallery may be after a new enrolment
EXACT_NATIONAL_MAX = 200_000  # below this many templates a national search is exact


@dataclass
class _Cached:
    gallery: Gallery
    revision: int
    loaded: float
    index: NationalIndex | None = None


class Galleries:
    """Per-process cache of station galleries and the national index."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stations: dict[tuple[int, str, str], _Cached] = {}
        self._national: dict[str, _Cached] = {}
        self._reloading: dict[str, threading.Lock] = {}
        self._revision = (0, -REVISION_CHECK_SECONDS)

    def clear(self) -> None:
        """Forget every gallery (e.g. after templates were restored or rolled back: the
        newest template id alone may then not tell the change)."""
        with self._lock:
            self._stations.clear()
            self._national.clear()
            self._revision = (0, -REVISION_CHECK_SECONDS)

    def revision(self, session: Session) -> int:
        """The newest template id, read at most once a second."""
        value, read = self._revision
        if time.monotonic() - read >= REVISION_CHECK_SECONDS:
            value = latest_template_id(session)
            self._revision = (value, time.monotonic())
        return value

    def station(self, session: Session, election_id: int, station: str, modality: str
                ) -> Gallery:
        """The templates of the voters who may vote at ``station``."""
        key = (election_id, station, modality)
        revision = self.revision(session)
        with self._lock:
            hit = self._stations.get(key)
        if hit and hit.revision == revision and time.monotonic() - hit.loaded < \
                STATION_TTL_SECONDS:
            return hit.gallery
        pins = lists.station_pins(session, election_id, station)
        gallery = load_gallery(session, modality, sorted(refs_of(session, pins).values()))
        with self._lock:
            self._stations[key] = _Cached(gallery, revision, time.monotonic())
        return gallery

    def national(self, session: Session, modality: str
                 ) -> tuple[Gallery, NationalIndex | None]:
        """Every template of the modality and, for a large register, its approximate
        index (None: search exactly). One request at a time reloads it after an enrolment
        (millions of templates take a while); meanwhile the others are answered from the
        previous one rather than loading it again each."""
        revision = self.revision(session)
        with self._lock:
            hit = self._national.get(modality)
            reloading = self._reloading.setdefault(modality, threading.Lock())
        if hit and hit.revision == revision:
            return hit.gallery, hit.index
        if not reloading.acquire(blocking=hit is None):
            assert hit is not None
            return hit.gallery, hit.index
        try:
            with self._lock:
                latest = self._national.get(modality)
            if latest and latest.revision == revision:  # loaded while this one waited
                return latest.gallery, latest.index
            gallery = load_gallery(session, modality)
            index = NationalIndex(gallery.vectors) \
                if len(gallery.ref_ids) > EXACT_NATIONAL_MAX else None
            with self._lock:
                self._national[modality] = _Cached(gallery, revision, time.monotonic(), index)
            return gallery, index
        finally:
            reloading.release()


GALLERIES = Galleries()


def identify_at_station(session: Session, election_id: int, station: str, sample: Sample,
                        extractor: str, galleries: Galleries = GALLERIES) -> dict[str, Any]:
    """The voter a capture belongs to among those listed at ``station`` (``match``), else
    where the register lists them (``listed_at``), else no match: the commission checks the
    identity document and records why the fingerprint failed (``fallback: document``)."""
    problem = modality_problem(sample.modality)
    if problem:
        raise InvalidInput("biometrics.bad_modality", problem, field="modality")
    started = time.perf_counter()
    features = get_extractor(extractor).extract(sample)
    local = galleries.station(session, election_id, station, sample.modality)
    _same_length(local, features.vector, extractor, sample.modality)
    answer: dict[str, Any] = {"match": None, "score": None, "listed_at": None,
                              "excluded": None, "fallback": None}
    if len(local.ref_ids):
        best = matching.identify(features.vector, local.vectors, k=1)
        score = float(best.scores[0, 0])
        if score >= THRESHOLDS.station:
            answer.update(match=_pin(session, local.ref_ids[int(best.rows[0, 0])]),
                          score=round(score, 4))
    if answer["match"] is None:
        everyone, index = galleries.national(session, sample.modality)
        _same_length(everyone, features.vector, extractor, sample.modality)
        if len(everyone.ref_ids):
            found = (index.identify(features.vector, k=1) if index is not None else
                     matching.identify(features.vector, everyone.vectors, k=1))
            row, score = int(found.rows[0, 0]), float(found.scores[0, 0])
            if row >= 0 and score >= THRESHOLDS.national:
                pin = _pin(session, everyone.ref_ids[row])
                where, exclusion = lists.list_station_of(session, election_id, pin)
                answer.update(listed_at=where, score=round(score, 4),
                              excluded=exclusion)
        if answer["listed_at"] is None:
            answer["fallback"] = "document"
    answer["milliseconds"] = round((time.perf_counter() - started) * 1000, 2)
    answer["quality"] = round(features.quality, 3)
    return answer


def _same_length(gallery: Gallery, vector: matching.F32, extractor: str, modality: str
                 ) -> None:
    require_length(gallery.vectors.shape[1] if len(gallery.ref_ids) else None, vector,
                   extractor, modality)


def _pin(session: Session, ref_id: str) -> str:
    """The PIN behind a matched reference (looked up only for the answer)."""
    subject = session.get(Subject, ref_id)
    assert subject is not None, ref_id
    return subject.pin


def warm(session: Session, election_id: int, stations: list[str], modality: str,
         galleries: Galleries = GALLERIES) -> int:
    """Load galleries ahead of polling day (e.g. at start); returns templates loaded."""
    total = sum(len(galleries.station(session, election_id, s, modality).ref_ids)
                for s in stations)
    return total + len(galleries.national(session, modality)[0].ref_ids)
