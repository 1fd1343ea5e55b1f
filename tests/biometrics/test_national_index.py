import numpy as np
import pytest

from shailoo.biometrics import matching, synthetic
from shailoo.biometrics.national_index import NationalIndex, PqParams

NATIONAL = 0.55


@pytest.fixture(scope="module")
def national():
    e = synthetic.enrolment_set(30_000, 0, seed=31, keep_latent=True)
    probes = synthetic.probes(e, 300, 100, seed=32)
    index = NationalIndex(e.templates, PqParams(shortlist=128, train_rows=10_000))
    return e.templates, probes, index, matching.identify(probes.templates, e.templates, k=3)


def test_mated_probes_find_what_exact_search_finds(national):
    g, pr, index, exact = national
    got = index.identify(pr.templates)
    decided = (pr.mate >= 0) & (exact.scores[:, 0] >= NATIONAL)
    assert decided.sum() > 250
    # every mate that exact search would decide on is found, with its exact score
    assert (got.rows[decided, 0] == exact.rows[decided, 0]).all()
    assert np.allclose(got.scores[:, 0], np.einsum("ij,ij->i", g[got.rows[:, 0]],
                                                   pr.templates), atol=1e-5)


def test_a_longer_shortlist_finds_more(national):
    _g, pr, index, exact = national
    mated = pr.mate >= 0
    short = index.identify(pr.templates, shortlist=2)
    long = index.identify(pr.templates, shortlist=512)
    hit_short = (short.rows[mated, 0] == exact.rows[mated, 0]).mean()
    hit_long = (long.rows[mated, 0] == exact.rows[mated, 0]).mean()
    assert hit_short < hit_long  # two candidates by code alone miss some
    assert hit_long >= 0.99  # (mates scoring far below the threshold may still be missed)


def test_top_k_best_first_each_row_once(national):
    _g, pr, index, _exact = national
    got = index.identify(pr.templates, k=3)
    assert got.rows.shape == got.scores.shape == (len(pr.templates), 3)
    assert (np.diff(got.scores, axis=1) <= 0).all()
    assert all(len(set(r.tolist())) == 3 for r in got.rows)
    one = index.identify(pr.templates[5], k=3)  # a single vector is one probe
    assert one.rows.tolist() == got.rows[5:6].tolist()
    assert got.decisions(NATIONAL).tolist() == \
        np.where(got.scores[:, 0] >= NATIONAL, got.rows[:, 0], -1).tolist()


def test_codes_are_a_sixteenth_of_the_gallery(national):
    g, _, index, _ = national
    assert index.code_bytes * 32 == g.nbytes  # 16 bytes for 512 of float32


def test_a_small_gallery_is_searched_exactly():
    e = synthetic.enrolment_set(100, 0, seed=33)
    index = NationalIndex(e.templates, PqParams(shortlist=10))
    assert index.code_bytes == 0
    q = e.templates[:10] + 0.01
    assert index.identify(q, k=2).rows.tolist() == matching.identify(q, e.templates,
                                                                     k=2).rows.tolist()
    empty = NationalIndex(e.templates[:0])
    assert empty.identify(q).rows.shape == (10, 0)


def test_same_seed_same_answers():
    e = synthetic.enrolment_set(3000, 0, seed=34)
    q = e.templates[::7] * 0.9
    p = PqParams(shortlist=16, seed=2)
    a, b = NationalIndex(e.templates, p), NationalIndex(e.templates, p)
    assert a.identify(q, k=2).rows.tolist() == b.identify(q, k=2).rows.tolist()


def test_a_dimension_the_codes_cannot_split_is_refused():
    with pytest.raises(ValueError, match="multiple of 32"):
        NationalIndex(np.ones((1000, 100), dtype=np.float32), PqParams(shortlist=10))
