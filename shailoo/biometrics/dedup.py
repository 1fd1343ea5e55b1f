"""National de-duplication: every enrolled template against all others, candidate pairs out.

Two methods, both returning the pairs ``(i, j, score)``, ``i < j``, whose cosine score is
``>= threshold``, sorted by ``(i, j)``:

* :func:`exact_pairs` -- blocked brute force (float32 matrix products). Hours at national
  scale; used on samples (:func:`exact_pairs_for_rows`) to measure the approximate method.
* :func:`lsh_pairs` -- multi-table cross-polytope locality-sensitive hashing (Andoni et al.,
  "Practical and Optimal LSH for Angular Distance", NeurIPS 2015). In each of ``tables``
  tables a template is rotated by ``hashes`` random rotations; each gives the index and sign
  of the largest of its first ``proj`` coordinates (one of ``2 * proj`` cells), and the
  concatenation is the bucket. Templates of one person (cosine ~0.75) share a bucket far more
  often than strangers (cosine ~0), so every pair inside every bucket is scored exactly
  (batched matrix products, buckets grouped by size) and only scores ``>= threshold`` are
  kept; pairs found in several tables are reported once. No pair below the threshold is ever
  reported, because every reported score is exact; the approximation is only in the pairs it
  can miss.

:class:`DedupIndex` keeps the buckets so that a batch of new enrolments is checked against
everything enrolled before (and against itself) without re-running the national pass.
(National 1:N identification, one probe at a time, uses :mod:`national_index` instead.)

Pure functions: no I/O, no clock; the random rotations come from ``LshParams.seed``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]

_T = TypeVar("_T")
_HASH_BLOCK = 8192
_SCORE_CELLS = 1 << 20  # most score cells (float32) materialised at once
_PAIR_CHUNK = 1 << 20


@dataclass(frozen=True)
class Pairs:
    """Candidate duplicate pairs: ``i < j`` row indexes and their exact cosine ``score``."""

    i: I64
    j: I64
    score: F32

    def __len__(self) -> int:
        return len(self.i)

    def keys(self, n: int) -> I64:
        """Each pair as the single integer ``i * n + j`` (for set operations)."""
        return self.i * np.int64(n) + self.j


def _empty() -> Pairs:
    return Pairs(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float32))


def _merge(parts: list[Pairs]) -> Pairs:
    """Concatenate, drop repeated pairs, sort by (i, j)."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return _empty()
    i = np.concatenate([p.i for p in parts])
    j = np.concatenate([p.j for p in parts])
    s = np.concatenate([p.score for p in parts])
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    order = np.lexsort((hi, lo))
    lo, hi, s = lo[order], hi[order], s[order]
    keep = np.ones(len(lo), dtype=bool)
    keep[1:] = (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])
    return Pairs(lo[keep], hi[keep], s[keep])


# --- exact ----------------------------------------------------------------------------------


def exact_pairs(x: F32, threshold: float, *, block: int = 4096) -> Pairs:
    """All pairs with score ``>= threshold`` by blocked brute force (the oracle)."""
    n = len(x)
    parts: list[Pairs] = []
    for a in range(0, n, block):
        xa = x[a:a + block]
        for b in range(a, n, block):
            s = xa @ x[b:b + block].T
            if a == b:
                s = np.triu(s, k=1) + np.tril(np.full_like(s, -np.inf))
            ii, jj = np.nonzero(s >= threshold)
            parts.append(Pairs(ii.astype(np.int64) + a, jj.astype(np.int64) + b, s[ii, jj]))
    return _merge(parts)


def exact_pairs_for_rows(x: F32, rows: I64, threshold: float, *, block: int = 1024,
                         col_block: int = 65_536) -> Pairs:
    """Every pair with score ``>= threshold`` that involves one of ``rows`` (a sample), by
    brute force against all of ``x`` (``block x col_block`` scores at a time)."""
    rows = np.asarray(rows, dtype=np.int64)
    parts: list[Pairs] = []
    for a in range(0, len(rows), block):
        r = rows[a:a + block]
        xr = x[r]
        for c in range(0, len(x), col_block):
            s = xr @ x[c:c + col_block].T
            ii, jj = np.nonzero(s >= threshold)
            jj = jj.astype(np.int64) + c
            keep = r[ii] != jj
            ii, jj = ii[keep], jj[keep]
            parts.append(Pairs(r[ii], jj, s[ii, jj - c]))
    return _merge(parts)


# --- cross-polytope LSH ---------------------------------------------------------------------


@dataclass(frozen=True)
class LshParams:
    """``tables`` hash tables; in each, ``hashes`` cross-polytope hashes, each over ``proj``
    coordinates of a random rotation (``2 * proj`` cells), concatenated into one bucket id
    (``(2 * proj) ** hashes`` buckets). ``max_bucket`` caps the size of a bucket scored in one
    batch (larger ones are scored in blocks, never skipped); ``workers`` tables are processed
    at once in threads (NumPy releases the GIL; give OpenBLAS one thread each for speed).

    The defaults (100 tables of 2 x 64 coordinates, 16,384 buckets each) found 99.84 % of
    the synthetic model's planted duplicates (cosine ~0.77) at threshold 0.62 among 3.7
    million 128-d templates, in 3.5 minutes on 2 cores (``benchmarks/biometrics_dedup.py``;
    figures at the current threshold 0.67 in ``benchmarks/README.md``).
    Fewer buckets (or more tables) raise recall and cost; a single table catches a genuine
    pair with probability ~0.08 here, a random pair with ~1/16,384."""

    tables: int = 100
    hashes: int = 2
    proj: int = 64
    seed: int = 0
    max_bucket: int = 4096
    workers: int = 2

    def rotations(self, dim: int) -> F32:
        """Table ``t``'s projection: columns ``[t * hashes * proj, (t + 1) * hashes * proj)``
        of one ``dim x (tables * hashes * proj)`` matrix (first ``proj`` columns of random
        rotations)."""
        if not 1 <= self.proj <= dim:
            raise ValueError("proj: must be between 1 and the template dimension")
        if (2 * self.proj) ** self.hashes >= 2 ** 31:
            raise ValueError("hashes: too many buckets per table for int32 bucket ids")
        rng = np.random.default_rng(self.seed)
        blocks = []
        for _ in range(self.tables * self.hashes):
            q, r = np.linalg.qr(rng.standard_normal((dim, dim)))
            blocks.append((q * np.sign(np.diag(r)))[:, :self.proj])
        return np.concatenate(blocks, axis=1).astype(np.float32)


def _table_codes(x: F32, w: F32, params: LshParams) -> I32:
    """Bucket id of every row for one table, from that table's ``dim x (hashes * proj)``
    projection: for each hash the index of the largest |coordinate|, + ``proj`` if negative."""
    proj, k = params.proj, params.hashes
    weights = ((2 * proj) ** np.arange(k)).astype(np.int32)
    out = np.empty(len(x), dtype=np.int32)
    for s in range(0, len(x), _HASH_BLOCK):
        p = (x[s:s + _HASH_BLOCK] @ w).reshape(-1, k, proj)
        idx = np.abs(p).argmax(axis=2)
        neg = np.take_along_axis(p, idx[..., None], axis=2)[..., 0] < 0
        out[s:s + len(p)] = (idx + proj * neg).astype(np.int32) @ weights
    return out


def hash_codes(x: F32, params: LshParams, rotations: F32 | None = None) -> I32:
    """Bucket of every row in every table: an int32 array ``tables x n``."""
    w = params.rotations(x.shape[1]) if rotations is None else rotations
    width = params.hashes * params.proj
    return np.stack([_table_codes(x, w[:, t * width:(t + 1) * width], params)
                     for t in range(params.tables)])


def _sort_keys(keys: I32) -> tuple[I32, I64]:
    """Sorted keys and the sorting order (radix sort when the ids fit 16 bits)."""
    if len(keys) and int(keys.max()) < 65536:
        order = np.argsort(keys.astype(np.uint16), kind="stable")
    else:
        order = np.argsort(keys, kind="stable")
    return keys[order], order.astype(np.int64)


def _buckets(keys: I32) -> tuple[I64, I64, I64]:
    """Sort one table: (order of rows, start of each non-empty bucket, its size)."""
    sk, order = _sort_keys(keys)
    cut = np.flatnonzero(sk[1:] != sk[:-1]) + 1
    starts = np.concatenate([[0], cut]).astype(np.int64)
    sizes = np.diff(np.concatenate([starts, [len(sk)]])).astype(np.int64)
    return order, starts, sizes


def _score_block(x: F32, idx: I64, threshold: float) -> Pairs:
    """Pairs above threshold inside equal-size buckets: ``idx`` is (buckets, size)."""
    nb, size = idx.shape
    g = x[idx]  # (nb, size, dim)
    s = np.matmul(g, g.transpose(0, 2, 1))
    flat = s.reshape(-1)
    flat.reshape(nb, size * size)[:, ::size + 1] = -np.inf  # no self-pairs
    hit = np.flatnonzero(flat >= threshold)
    b, rest = np.divmod(hit, size * size)
    a, c = np.divmod(rest, size)
    up = a < c
    b, a, c, hit = b[up], a[up], c[up], hit[up]
    return Pairs(idx[b, a], idx[b, c], flat[hit])


def _bucket_pairs(x: F32, order: I64, starts: I64, sizes: I64, threshold: float,
                  max_bucket: int) -> Iterator[Pairs]:
    """Score every pair inside every bucket of one table."""
    big = sizes > max_bucket
    for st, sz in zip(starts[big], sizes[big], strict=True):
        rows = order[st:st + sz]
        p = exact_pairs(x[rows], threshold)
        yield Pairs(rows[p.i], rows[p.j], p.score)
    small = (sizes >= 2) & ~big
    st_small, sz_small = starts[small], sizes[small]
    by_size = np.argsort(sz_small, kind="stable")
    st_small, sz_small = st_small[by_size], sz_small[by_size]
    cut = np.flatnonzero(sz_small[1:] != sz_small[:-1]) + 1
    for grp in np.split(np.arange(len(sz_small)), cut):
        if not len(grp):
            continue
        size = int(sz_small[grp[0]])
        step = max(1, _SCORE_CELLS // (size * size))
        for a in range(0, len(grp), step):
            g = grp[a:a + step]
            yield _score_block(x, order[st_small[g][:, None] + np.arange(size)], threshold)


def _one_table(x: F32, w: F32, threshold: float, params: LshParams) -> Pairs:
    order, starts, sizes = _buckets(_table_codes(x, w, params))
    return _merge(list(_bucket_pairs(x, order, starts, sizes, threshold, params.max_bucket)))


def lsh_pairs(x: F32, threshold: float, params: LshParams | None = None) -> Pairs:
    """All-pairs de-duplication by multi-table cross-polytope LSH with exact re-scoring:
    every returned pair scores ``>= threshold``; pairs may be missed (measure the recall)."""
    params = params or LshParams()
    x = np.ascontiguousarray(x, dtype=np.float32)
    w = params.rotations(x.shape[1])
    width = params.hashes * params.proj
    tables = [w[:, t * width:(t + 1) * width] for t in range(params.tables)]
    if params.workers <= 1:
        return _merge([_one_table(x, wt, threshold, params) for wt in tables])
    with ThreadPoolExecutor(max_workers=params.workers) as pool:
        found = list(pool.map(lambda wt: _one_table(x, wt, threshold, params), tables))
    return _merge(found)


# --- incremental ----------------------------------------------------------------------------

_CSR_MAX_BUCKETS = 1 << 20  # bucket-start tables are kept when a table has at most this many


@dataclass
class DedupIndex:
    """Buckets of everything enrolled so far, for checking new enrolments incrementally.

    ``templates`` is kept by reference (row ``r`` is reference ``r``); :meth:`add` appends.
    Memory: 8 bytes per template per table (sorted bucket ids and row order, int32), plus the
    start of every bucket (8 bytes per bucket per table) when a table has at most 2**20."""

    templates: F32
    threshold: float
    params: LshParams = field(default_factory=LshParams)
    _rot: F32 = field(init=False, repr=False)
    _keys: I32 = field(init=False, repr=False)  # (tables, n): sorted bucket ids per table
    _order: I32 = field(init=False, repr=False)  # (tables, n): rows in bucket order
    _starts: I64 | None = field(init=False, repr=False)  # (tables, buckets + 1) or None

    def __post_init__(self) -> None:
        self._rot = self.params.rotations(self.templates.shape[1])
        self._build(lambda t: self._codes(self.templates, t), len(self.templates))

    def _build(self, codes: Callable[[int], I32], n: int) -> None:
        tables = self.params.tables
        self._keys = np.empty((tables, n), dtype=np.int32)
        self._order = np.empty((tables, n), dtype=np.int32)
        nb = (2 * self.params.proj) ** self.params.hashes
        csr = nb <= _CSR_MAX_BUCKETS
        starts = np.empty((tables, nb + 1), dtype=np.int64) if csr else None

        def one(t: int) -> None:
            sk, order = _sort_keys(codes(t))
            self._keys[t], self._order[t] = sk, order
            if starts is not None:
                starts[t] = np.searchsorted(sk, np.arange(nb + 1), side="left")

        self._map(one)
        self._starts = starts

    def _map(self, fn: Callable[[int], _T]) -> list[_T]:
        with ThreadPoolExecutor(max_workers=max(1, self.params.workers)) as pool:
            return list(pool.map(fn, range(self.params.tables)))

    def _codes(self, x: F32, t: int) -> I32:
        width = self.params.hashes * self.params.proj
        return _table_codes(x, self._rot[:, t * width:(t + 1) * width], self.params)

    def _range(self, table: I64, bucket: I64) -> tuple[I64, I64]:
        """Start and end (in the table's bucket order) of each (table, bucket)."""
        if self._starts is not None:
            return self._starts[table, bucket], self._starts[table, bucket + 1]
        lo = np.empty(table.shape, dtype=np.int64)
        hi = np.empty(table.shape, dtype=np.int64)
        for t in np.unique(table):
            at = table == t
            lo[at] = np.searchsorted(self._keys[t], bucket[at], side="left")
            hi[at] = np.searchsorted(self._keys[t], bucket[at], side="right")
        return lo, hi

    def _gather(self, table: I64, lo: I64, hi: I64) -> I64:
        """Rows of the given bucket ranges, concatenated (repeats kept)."""
        cnt = hi - lo
        total = int(cnt.sum())
        if not total:
            return np.empty(0, dtype=np.int64)
        n = self._order.shape[1]
        first = table * n + lo
        pos = np.arange(total, dtype=np.int64) + np.repeat(first - (np.cumsum(cnt) - cnt), cnt)
        rows: I64 = self._order.reshape(-1)[pos].astype(np.int64)
        return rows

    def __len__(self) -> int:
        return len(self.templates)

    def check(self, batch: F32) -> Pairs:
        """Pairs (``i`` an enrolled row, ``j = len(self) + position in batch``) and pairs inside
        the batch (both offset by ``len(self)``) scoring ``>= threshold``."""
        n = len(self)
        bkeys = hash_codes(batch, self.params, self._rot)
        parts: list[Pairs] = []
        for t in range(self.params.tables):
            tt = np.full(len(batch), t, dtype=np.int64)
            lo, hi = self._range(tt, bkeys[t].astype(np.int64))
            cnt = hi - lo
            if not cnt.sum():
                continue
            q = np.repeat(np.arange(len(batch)), cnt)
            cand = self._gather(tt, lo, hi)
            for a in range(0, len(q), _PAIR_CHUNK):
                qa, ca = q[a:a + _PAIR_CHUNK], cand[a:a + _PAIR_CHUNK]
                s = np.einsum("ij,ij->i", self.templates[ca], batch[qa])
                ok = s >= self.threshold
                parts.append(Pairs(ca[ok], qa[ok].astype(np.int64) + n, s[ok]))
        inner = lsh_pairs(batch, self.threshold, self.params)
        parts.append(Pairs(inner.i + n, inner.j + n, inner.score))
        return _merge(parts)

    def add(self, batch: F32) -> None:
        """Append a batch (after :meth:`check`); its rows get the next reference numbers."""
        old_keys, old_order = self._keys, self._order
        n_old = old_keys.shape[1]

        def codes(t: int) -> I32:
            keys = np.empty(n_old, dtype=np.int32)
            keys[old_order[t]] = old_keys[t]
            return np.concatenate([keys, self._codes(batch, t)])

        self._build(codes, n_old + len(batch))
        self.templates = np.concatenate([self.templates, batch]).astype(np.float32, copy=False)

