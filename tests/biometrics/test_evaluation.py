"""Accuracy reports: the synthetic model and supplied template sets, FMR/FNMR and FPIR/FNIR
at the operating thresholds, the DET curve as a real PNG with its CSV and summary."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest

from shailoo.biometrics import evaluation, synthetic
from shailoo.biometrics.thresholds import Thresholds
from shailoo.errors import InvalidInput

SMALL = {"genuine": 2000, "impostor": 20_000, "gallery": 500, "searches": 200}


def test_the_synthetic_model_is_evaluated_deterministically():
    first = evaluation.evaluate_synthetic(**SMALL, seed=3)
    again = evaluation.evaluate_synthetic(**SMALL, seed=3)
    assert first == again
    assert first != evaluation.evaluate_synthetic(**SMALL, seed=4)
    assert (first.source, first.genuine, first.impostor, first.gallery, first.mated_searches,
            first.non_mated_searches) == ("synthetic (seed 3)", 2000, 20_000, 500, 100, 100)
    t = Thresholds()
    assert (first.verify_threshold, first.identify_threshold, first.station_threshold) == (
        t.verify, t.national, t.station)
    assert 0 <= first.fmr < 0.001 and 0 < first.fnmr < 0.05
    assert first.genuine_mean == pytest.approx(0.72, abs=0.02)
    assert first.impostor_mean == pytest.approx(0.0, abs=0.005)
    assert first.impostor_sd == pytest.approx(0.088, abs=0.003)
    assert first.impostor_max < t.verify + 0.1
    assert first.fpir <= first.station_fpir and first.fnir >= first.station_fnir
    assert len(first.det_thresholds) == len(first.det_fmr) == len(first.det_fnmr) > 10
    assert first.det_fmr == sorted(first.det_fmr, reverse=True)


def test_a_small_gallery_gets_no_more_mated_searches_than_persons():
    result = evaluation.evaluate_synthetic(genuine=500, impostor=2000, gallery=100,
                                           searches=2000)
    assert (result.gallery, result.mated_searches, result.non_mated_searches) == (
        100, 100, 1900)


def template_set(tmp_path, **overrides):
    enrolled = synthetic.enrolment_set(300, 0, seed=5, keep_latent=True)
    probe = synthetic.probes(enrolled, 100, 50, seed=6)
    arrays = {"gallery": enrolled.templates, "probes": probe.templates, "mate": probe.mate}
    arrays.update(overrides)
    path = tmp_path / "set.npz"
    np.savez(path, **arrays)
    return path, enrolled, probe


def test_a_supplied_template_set_is_evaluated(tmp_path):
    path, enrolled, probe = template_set(tmp_path)
    result = evaluation.evaluate_file(path, impostor_per_probe=20, seed=1)
    assert result.source == str(path)
    assert (result.genuine, result.gallery, result.mated_searches,
            result.non_mated_searches) == (100, 300, 100, 50)
    assert 150 * 20 - 100 <= result.impostor <= 150 * 20  # each mate drawn is left out
    genuine = np.einsum("ij,ij->i", probe.templates[:100], enrolled.templates[probe.mate[:100]])
    assert result.genuine_mean == pytest.approx(float(genuine.mean()), abs=1e-5)
    assert result.fnmr == pytest.approx(float((genuine < Thresholds().verify).mean()))
    assert evaluation.evaluate_file(path, impostor_per_probe=20, seed=1) == result


@pytest.mark.parametrize("change", [
    {"mate": np.zeros(3, dtype=np.int64)},  # not one per probe
    {"mate": np.full(150, 300, dtype=np.int64)},  # beyond the gallery
    {"mate": np.full(150, -2, dtype=np.int64)},  # neither a row nor -1
    {"mate": np.full(150, -1, dtype=np.int64)},  # no mated probe
    {"mate": np.zeros(150, dtype=np.int64)},  # no non-mated probe
    {"gallery": np.ones((1, 128), dtype=np.float32), "mate": np.r_[np.zeros(1, np.int64),
                                                                  np.full(149, -1)]},
    {"probes": np.full((150, 128), np.nan, dtype=np.float32)},  # not finite
    {"probes": np.ones((150, 64), dtype=np.float32)},  # another width
    {"gallery": np.ones(128, dtype=np.float32)},  # not a matrix
])
def test_a_malformed_template_set_is_refused(tmp_path, change):
    path, _, _ = template_set(tmp_path, **change)
    with pytest.raises(InvalidInput) as exc:
        evaluation.evaluate_file(path)
    assert exc.value.code == "biometrics.bad_template_set"


def test_a_file_that_is_not_an_npz_with_the_arrays_is_refused(tmp_path):
    text = tmp_path / "notes.npz"
    text.write_text("gallery,probes\n", encoding="utf-8")
    single = tmp_path / "one.npy"
    np.save(single, np.ones((3, 3), dtype=np.float32))
    partial = tmp_path / "partial.npz"
    np.savez(partial, gallery=np.ones((3, 3), dtype=np.float32))
    for path in (text, single, partial, tmp_path / "missing.npz"):
        with pytest.raises(InvalidInput) as exc:
            evaluation.evaluate_file(path)
        assert exc.value.code == "biometrics.bad_template_set"
        assert str(path) in exc.value.message


def test_the_report_is_a_real_png_a_csv_and_a_summary(tmp_path):
    result = evaluation.evaluate_synthetic(**SMALL, seed=0)
    out = tmp_path / "report" / "nested"
    paths = evaluation.write_report(result, out)
    assert [p.name for p in paths] == ["det.png", "det.csv", "summary.json"]
    png = (out / "det.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (600, 500)
    assert len(png) > 15_000  # axes, labels and a curve, not a blank image
    rows = (out / "det.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0] == "threshold,fmr,fnmr"
    assert len(rows) == 1 + len(result.det_thresholds)
    first = rows[1].split(",")
    assert [float(v) for v in first] == [result.det_thresholds[0], result.det_fmr[0],
                                         result.det_fnmr[0]]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["fmr"] == result.fmr and summary["fnir"] == result.fnir
    assert summary["source"] == "synthetic (seed 0)"
    assert not any(k.startswith("det_") for k in summary)
    assert evaluation.write_report(result, out) == paths  # an existing folder is reused
