import numpy as np
import pytest

from shailoo.biometrics import dedup, synthetic

THRESHOLD = 0.62
PARAMS = dedup.LshParams(tables=40, hashes=1, seed=3, workers=2)  # 128 buckets: no miss


@pytest.fixture(scope="module")
def planted():
    return synthetic.enrolment_set(6000, 120, seed=11)


@pytest.fixture(scope="module")
def exact(planted):
    return dedup.exact_pairs(planted.templates, THRESHOLD, block=1000)


def _keys(p, n):
    return set(p.keys(n).tolist())


def test_exact_equals_naive(planted):
    x = planted.templates[:400]
    got = dedup.exact_pairs(x, 0.3, block=128)
    s = x @ x.T
    naive = {(i, j) for i in range(400) for j in range(i + 1, 400) if s[i, j] >= 0.3}
    assert set(zip(got.i.tolist(), got.j.tolist(), strict=True)) == naive
    assert (got.i < got.j).all()


def test_exact_finds_planted_and_nothing_else(planted, exact):
    n = len(planted.templates)
    i, j = planted.duplicates.T
    assert _keys(exact, n) == set((i * n + j).tolist())


def test_lsh_finds_what_exact_finds_and_only_above_threshold(planted, exact):
    n = len(planted.templates)
    got = dedup.lsh_pairs(planted.templates, THRESHOLD, PARAMS)
    assert (got.score >= THRESHOLD).all()
    assert (got.i < got.j).all()
    assert _keys(got, n) <= _keys(exact, n)
    assert _keys(got, n) == _keys(exact, n)
    x = planted.templates
    assert np.allclose(got.score, np.einsum("ij,ij->i", x[got.i], x[got.j]), atol=1e-5)


def test_lsh_low_threshold_reports_only_pairs_above_it(planted):
    x = planted.templates[:1500]
    got = dedup.lsh_pairs(x, 0.25, dedup.LshParams(tables=4, workers=1))
    exact = dedup.exact_pairs(x, 0.25)
    assert len(got) > 0
    assert (got.score >= 0.25).all()
    assert _keys(got, 1500) <= _keys(exact, 1500)


def test_big_buckets_scored_in_blocks(planted):
    x = planted.templates[:2000]
    p = dedup.LshParams(tables=6, hashes=1, proj=2, max_bucket=100, workers=1)
    assert _keys(dedup.lsh_pairs(x, 0.3, p), 2000) <= _keys(dedup.exact_pairs(x, 0.3), 2000)
    assert len(dedup.lsh_pairs(x, 0.3, p)) > 0


def test_lsh_deterministic_by_seed(planted):
    x = planted.templates[:3000]
    a = dedup.hash_codes(x, dedup.LshParams(tables=3, seed=1))
    b = dedup.hash_codes(x, dedup.LshParams(tables=3, seed=1))
    c = dedup.hash_codes(x, dedup.LshParams(tables=3, seed=2))
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert a.max() < 128 ** 2


def test_exact_for_sample_rows(planted, exact):
    n = len(planted.templates)
    rows = np.arange(0, n, 7)
    got = dedup.exact_pairs_for_rows(planted.templates, rows, THRESHOLD, block=100)
    expected = {k for k, i, j in zip(exact.keys(n).tolist(), exact.i, exact.j, strict=True)
                if i in set(rows.tolist()) or j in set(rows.tolist())}
    assert _keys(got, n) == expected


def test_incremental_check_and_add(planted, exact):
    n = len(planted.templates)
    cut = 4500
    index = dedup.DedupIndex(planted.templates[:cut], THRESHOLD, PARAMS)
    found = index.check(planted.templates[cut:])
    assert (found.score >= THRESHOLD).all()
    expected = {k for k, j in zip(exact.keys(n).tolist(), exact.j.tolist(), strict=True)
                if j >= cut}
    assert _keys(found, n) == expected
    index.add(planted.templates[cut:])
    assert len(index) == n
    assert len(index.check(planted.templates[:10])) >= 0
    again = index.check(planted.templates[[int(exact.i[0])]])
    assert int(exact.i[0]) in again.i.tolist()


def test_without_bucket_starts_same_answers(planted, monkeypatch):
    x = planted.templates[:3000]
    a = dedup.DedupIndex(x[:2500], THRESHOLD, PARAMS)
    monkeypatch.setattr(dedup, "_CSR_MAX_BUCKETS", 0)
    b = dedup.DedupIndex(x[:2500], THRESHOLD, PARAMS)
    assert a._starts is not None and b._starts is None
    assert _keys(a.check(x[2500:]), 3000) == _keys(b.check(x[2500:]), 3000)
    b.add(x[2500:])
    assert 2990 in b.check(x[[2990]]).i.tolist()  # itself, now enrolled
