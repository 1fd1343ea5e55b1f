import numpy as np
import pytest

from shailoo.biometrics import matching, synthetic


def _gallery(n=700, dim=32, seed=0):
    return synthetic.random_identities(n, np.random.default_rng(seed), dim)


def test_verify_decision_at_threshold():
    a = np.array([1.0, 0.0], dtype=np.float32)
    b = np.array([0.6, 0.8], dtype=np.float32)
    v = matching.verify(a, b, 0.6)
    assert v.score == pytest.approx(0.6) and v.match
    assert not matching.verify(a, b, 0.61).match


@pytest.mark.parametrize("block", [64, 100, 10_000])
def test_top_k_equals_naive_loop(block):
    g = _gallery()
    q = _gallery(25, seed=1)
    c = matching.identify(q, g, k=5, block=block)
    for p in range(len(q)):
        naive = sorted(range(len(g)), key=lambda r: (-float(np.dot(q[p], g[r])), r))[:5]
        assert c.rows[p].tolist() == naive
        assert np.allclose(c.scores[p], g[naive] @ q[p], atol=1e-6)


def test_top1_is_argmax_and_decisions():
    g = _gallery(3000, dim=128, seed=2)
    q = synthetic.capture(g[[5, 2999, 17]], np.full(3, 0.9), np.random.default_rng(3))
    c = matching.identify(q, g, block=1000)
    assert c.rows[:, 0].tolist() == np.argmax(q @ g.T, axis=1).tolist() == [5, 2999, 17]
    assert c.decisions(0.5).tolist() == [5, 2999, 17]
    assert c.decisions(1.01).tolist() == [-1, -1, -1]


def test_small_and_empty_gallery():
    g = _gallery(3)
    c = matching.identify(g[0], g, k=10)
    assert c.rows.shape == (1, 3) and c.rows[0, 0] == 0
    e = matching.identify(g[0], g[:0], k=2)
    assert e.rows.shape == (1, 0) and e.decisions(0.0).tolist() == [-1]


def test_default_block_same_as_small_blocks(monkeypatch):
    g = _gallery(5000, dim=64, seed=4)
    q = _gallery(30, dim=64, seed=5)
    monkeypatch.setattr(matching, "_SCORE_CELLS", 30 * 700)  # default block: 700 rows here
    small = matching.identify(q, g, k=3, block=64)
    assert matching.identify(q, g, k=3).rows.tolist() == small.rows.tolist()
    one = matching.identify(q[7], g, k=3)
    assert one.rows[0].tolist() == small.rows[7].tolist()
