import numpy as np
import pytest

from shailoo.biometrics import accuracy
from shailoo.biometrics.matching import Candidates


def _scores(seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(0.7, 0.1, 2000), rng.normal(0.0, 0.1, 20000)


def test_rates_monotone_in_threshold():
    g, i = _scores()
    r = accuracy.verification_rates(g, i, np.linspace(-2, 2, 101))
    assert (np.diff(r.false_match) <= 0).all()
    assert (np.diff(r.false_non_match) >= 0).all()
    assert r.false_match[0] == 1.0 and r.false_non_match[0] == 0.0
    assert r.false_match[-1] == 0.0 and r.false_non_match[-1] == 1.0


def test_rates_match_naive_count():
    g, i = _scores(1)
    for t in (-0.1, 0.2, 0.35, 0.7):
        r = accuracy.verification_rates(g, i, [t])
        assert r.false_match[0] == sum(s >= t for s in i) / len(i)
        assert r.false_non_match[0] == sum(s < t for s in g) / len(g)


def test_threshold_for_fmr_is_lowest_meeting_target():
    _, i = _scores(2)
    for target in (1e-1, 1e-2, 1e-3, 1e-4, 0.0):
        t = accuracy.threshold_for_fmr(i, target)
        assert accuracy.share_at_or_above(i, [t])[0] <= target
        below = np.nextafter(t, -np.inf)
        assert accuracy.share_at_or_above(i, [below])[0] > target
    assert accuracy.threshold_for_fmr(i, 1.0) == i.min()
    with pytest.raises(ValueError, match="target"):
        accuracy.threshold_for_fmr(i, 2.0)


def test_det_points_trade_off():
    g, i = _scores(3)
    d = accuracy.det_points(g, i, points=50)
    assert (np.diff(d.thresholds) > 0).all()
    assert (np.diff(d.false_match) <= 0).all()
    assert d.false_match[-1] == 0.0
    fmr, fnmr = accuracy.rate_at(d, 0.35)
    exact = accuracy.verification_rates(g, i, [0.35])
    assert fmr >= exact.false_match[0] and fnmr <= exact.false_non_match[0]
    with pytest.raises(ValueError, match="threshold"):
        accuracy.rate_at(d, -5.0)


def test_identification_rates():
    mated = np.array([0.9, 0.8, -np.inf, 0.3])
    non_mated = np.array([0.1, 0.5, 0.2, 0.9, -np.inf])
    r = accuracy.identification_rates(mated, non_mated, [0.4])
    assert r.false_match[0] == 2 / 5  # FPIR
    assert r.false_non_match[0] == 2 / 4  # FNIR


def test_mate_and_top_scores_from_candidates():
    c = Candidates(np.array([[3, 1], [2, 0], [1, 4]]),
                   np.array([[0.9, 0.5], [0.8, 0.2], [0.4, 0.1]], dtype=np.float32))
    m = accuracy.mate_scores(c, np.array([1, 5, -1]))
    assert m[0] == pytest.approx(0.5) and m[1] == -np.inf and m[2] == -np.inf
    assert accuracy.top_scores(c).tolist() == pytest.approx([0.9, 0.8, 0.4])


def test_empty_or_nan_refused():
    with pytest.raises(ValueError, match="genuine"):
        accuracy.verification_rates([], [0.1], [0.5])
    with pytest.raises(ValueError, match="impostor"):
        accuracy.verification_rates([0.1], [np.nan], [0.5])
