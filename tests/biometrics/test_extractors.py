"""Feature extractors: the float32 vendor template, the synthetic device, plug-ins found by
entry point, and unreadable samples refused."""

from __future__ import annotations

import json
from importlib.metadata import EntryPoint
from typing import Any

import numpy as np
import pytest

from shailoo.biometrics import extractors
from shailoo.biometrics.extractors import (
    Features,
    Float32Extractor,
    Sample,
    SyntheticExtractor,
    get_extractor,
    latent_identity,
    synthetic_sample,
)
from shailoo.errors import InvalidInput


def code(call: Any) -> str:
    with pytest.raises(InvalidInput) as exc:
        call()
    return exc.value.code


def test_float32_reads_little_endian_and_normalises():
    raw = np.zeros(128, dtype="<f4")
    raw[0], raw[1] = 3.0, 4.0
    features = Float32Extractor().extract(Sample("finger2", raw.tobytes(), 0.7))
    assert features.vector.dtype == np.float32 and features.vector.shape == (128,)
    assert features.vector[:2].tolist() == pytest.approx([0.6, 0.8])
    assert features.quality == pytest.approx(0.7)
    assert Float32Extractor().extract(Sample("face", raw.tobytes())).quality == 1.0
    wide = np.full(128, 0.1, dtype="<f4")  # big-endian bytes are read as another vector
    swapped = Float32Extractor().extract(Sample("f", wide.astype(">f4").tobytes())).vector
    assert not np.allclose(swapped, wide / np.linalg.norm(wide))


@pytest.mark.parametrize("data", [b"", bytes(4 * 127), bytes(4 * 129),
                                  np.zeros(128, "<f4").tobytes(),
                                  np.full(128, np.nan, "<f4").tobytes(),
                                  np.full(128, np.inf, "<f4").tobytes()])
def test_float32_refuses_wrong_lengths_zero_and_non_finite_vectors(data):
    assert code(lambda: Float32Extractor().extract(Sample("finger2", data))) == \
        "biometrics.bad_sample"


@pytest.mark.parametrize("quality", [-0.01, 1.01])
def test_quality_outside_zero_to_one_is_refused(quality):
    data = np.ones(128, "<f4").tobytes()
    assert code(lambda: Float32Extractor().extract(Sample("finger2", data, quality))) == \
        "biometrics.bad_sample"
    assert code(lambda: SyntheticExtractor().extract(
        synthetic_sample("finger2", "a", "c", quality))) == "biometrics.bad_sample"


def test_synthetic_captures_are_deterministic_unit_vectors():
    one = SyntheticExtractor().extract(synthetic_sample("finger2", "anna", "c1", 0.9))
    again = SyntheticExtractor().extract(synthetic_sample("finger2", "anna", "c1", 0.9))
    assert np.array_equal(one.vector, again.vector)
    assert one.vector.dtype == np.float32 and one.vector.shape == (128,)
    assert float(np.linalg.norm(one.vector)) == pytest.approx(1.0, abs=1e-5)
    assert one.quality == pytest.approx(0.9)
    assert latent_identity("x").shape == (1, 128)
    assert np.array_equal(latent_identity("x"), latent_identity("x"))


def score(a: Features, b: Features) -> float:
    return float(a.vector @ b.vector)


def test_captures_of_one_person_match_and_of_two_do_not():
    ex = SyntheticExtractor()
    a1 = ex.extract(synthetic_sample("finger2", "anna", "c1", 0.9))
    a2 = ex.extract(synthetic_sample("finger2", "anna", "c2", 0.9))
    b1 = ex.extract(synthetic_sample("finger2", "bolot", "c1", 0.9))
    anna_face = ex.extract(synthetic_sample("face", "anna", "c1", 0.9))
    assert score(a1, a2) == pytest.approx(0.7923, abs=1e-4)
    assert score(a1, a2) > 0.62  # above every operating threshold
    assert abs(score(a1, b1)) < 0.32
    assert abs(score(a1, anna_face)) < 0.32  # each modality has its own latent identity
    assert not np.array_equal(a1.vector, a2.vector)


def test_noise_grows_as_quality_falls():
    ex = SyntheticExtractor()
    ref = ex.extract(synthetic_sample("finger2", "anna", "ref", 1.0))
    scores = [np.mean([score(ref, ex.extract(synthetic_sample("finger2", "anna", f"c{i}", q)))
                       for i in range(20)]) for q in (1.0, 0.7, 0.4, 0.1)]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] > 0.75 and scores[-1] < 0.3


@pytest.mark.parametrize("data", [b"not json", b"[]", b'{"identity": "a"}', b"\xff\xfe"])
def test_a_malformed_synthetic_sample_is_refused(data):
    assert code(lambda: SyntheticExtractor().extract(Sample("finger2", data))) == \
        "biometrics.bad_sample"


def test_synthetic_sample_is_json_of_identity_and_capture():
    sample = synthetic_sample("face", "anna", "c9", 0.5)
    assert (sample.modality, json.loads(sample.data), sample.quality) == (
        "face", {"identity": "anna", "capture": "c9"}, 0.5)


def test_built_ins_are_found_by_name():
    assert isinstance(get_extractor("float32"), Float32Extractor)
    assert isinstance(get_extractor("synthetic"), SyntheticExtractor)
    assert get_extractor("float32").dim == 128


class Doubling:
    """A plug-in that reads a float32 vector of 64 values."""

    name = "doubling"
    dim = 64

    def extract(self, sample: Sample) -> Features:
        vec = np.frombuffer(sample.data, dtype="<f4").astype(np.float32)
        return Features(vec / np.linalg.norm(vec), 1.0)


def test_plug_ins_come_from_the_entry_point_group(monkeypatch):
    seen: list[str] = []
    point = EntryPoint("doubling", f"{__name__}:Doubling", "shailoo.extractors")

    def fake_entry_points(*, group: str) -> list[EntryPoint]:
        seen.append(group)
        return [point]

    monkeypatch.setattr(extractors, "entry_points", fake_entry_points)
    plug = get_extractor("doubling")
    assert isinstance(plug, Doubling) and plug.dim == 64
    assert seen == ["shailoo.extractors"]
    out = plug.extract(Sample("finger2", np.full(64, 2.0, "<f4").tobytes()))
    assert out.vector.shape == (64,)
    assert code(lambda: get_extractor("vendor-x")) == "biometrics.unknown_extractor"
    assert get_extractor("float32") is extractors.BUILT_IN["float32"]  # built-ins first


def test_an_unknown_extractor_is_refused():
    assert code(lambda: get_extractor("no-such-extractor")) == "biometrics.unknown_extractor"
