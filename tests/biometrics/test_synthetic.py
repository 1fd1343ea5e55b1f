import numpy as np
import pytest

from shailoo.biometrics import synthetic


def test_same_seed_same_templates_other_seed_other():
    a = synthetic.enrolment_set(500, 20, dim=32, seed=7)
    b = synthetic.enrolment_set(500, 20, dim=32, seed=7)
    c = synthetic.enrolment_set(500, 20, dim=32, seed=8)
    assert np.array_equal(a.templates, b.templates)
    assert np.array_equal(a.duplicates, b.duplicates)
    assert not np.array_equal(a.templates, c.templates)


def test_templates_are_float32_unit_rows():
    e = synthetic.enrolment_set(300, 10, dim=64, seed=1)
    assert e.templates.dtype == np.float32
    assert e.templates.shape == (300, 64)
    assert np.allclose(np.linalg.norm(e.templates, axis=1), 1.0, atol=1e-5)


def test_planted_duplicates_are_second_captures_of_one_identity():
    e = synthetic.enrolment_set(1000, 50, seed=3)
    i, j = e.duplicates.T
    assert len(e.duplicates) == 50
    assert (i < j).all()
    assert len(np.unique(np.concatenate([i, j]))) == 100  # each person at most twice
    assert (e.identity[i] == e.identity[j]).all()
    assert len(np.unique(e.identity)) == 950
    genuine = np.einsum("ij,ij->i", e.templates[i], e.templates[j])
    assert not np.array_equal(e.templates[i], e.templates[j])
    assert genuine.min() > 0.5


def test_too_many_duplicates_refused():
    with pytest.raises(ValueError, match="duplicates"):
        synthetic.enrolment_set(10, 6)


def test_noise_grows_as_quality_falls():
    q = np.linspace(0.0, 1.0, 11)
    assert (np.diff(synthetic.sigma_for_quality(q)) < 0).all()


def test_enrolment_quality_gate():
    rng = np.random.default_rng(0)
    q = synthetic.capture_quality(10_000, rng, enrolment=True)
    assert q.min() >= synthetic.ENROLMENT_MIN_QUALITY
    assert synthetic.capture_quality(10_000, rng, enrolment=False).min() < 0.5


def test_score_distributions_separate_as_tuned():
    genuine, impostor = synthetic.score_samples(20_000, 200_000, seed=5)
    assert genuine.dtype == impostor.dtype == np.float32
    assert abs(float(impostor.mean())) < 0.005
    assert 0.08 < float(impostor.std()) < 0.095  # 1 / sqrt(128)
    assert 0.65 < float(genuine.mean()) < 0.8
    t = np.quantile(impostor, 1 - 1e-4)
    assert 1e-4 <= float((genuine < t).mean()) <= 2e-2  # FNMR at FMR 1e-4


def test_probes_mated_and_non_mated():
    e = synthetic.enrolment_set(400, 0, seed=2, keep_latent=True)
    p = synthetic.probes(e, 30, 20, seed=4)
    assert p.templates.shape == (50, 128)
    assert (p.mate[:30] >= 0).all() and (p.mate[30:] == -1).all()
    own = np.einsum("ij,ij->i", p.templates[:30], e.templates[p.mate[:30]])
    assert own.mean() > 0.6
    with pytest.raises(ValueError, match="keep_latent"):
        synthetic.probes(synthetic.enrolment_set(10, 0), 1, 1)


def test_impostor_tail_matches_sampled_impostors():
    _, impostor = synthetic.score_samples(10, 400_000, dim=32, seed=6)
    for t in (0.0, 0.2, 0.4, 0.5):
        want = synthetic.impostor_tail(t, 32)
        got = float((impostor >= t).mean())
        assert abs(got - want) <= 5 * np.sqrt(want * (1 - want) / len(impostor)) + 1e-6
    assert synthetic.impostor_tail(0.0) == pytest.approx(0.5, abs=1e-4)
    assert synthetic.impostor_tail(-0.3) == pytest.approx(1 - synthetic.impostor_tail(0.3))
    assert synthetic.impostor_tail(0.62) == pytest.approx(2.35e-15, rel=0.02)


def test_dedup_threshold_margin():
    pairs = 3_700_000 * (3_700_000 - 1) / 2
    assert pairs * synthetic.impostor_tail(synthetic.DEDUP_THRESHOLD) < 1e-3
    e = synthetic.enrolment_set(200_000, 20_000, seed=12)
    i, j = e.duplicates.T
    genuine = np.einsum("ij,ij->i", e.templates[i], e.templates[j])
    assert float((genuine >= synthetic.DEDUP_THRESHOLD).mean()) >= 0.996
