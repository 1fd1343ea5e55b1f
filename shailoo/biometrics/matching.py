"""Matching: 1:1 verification and exact 1:N identification over a gallery of templates.

Templates are float32 rows of unit length; the comparison score is their cosine (dot product),
higher is more alike. A gallery is a ``n x dim`` matrix whose row ``r`` is reference id ``r``
(the caller maps reference ids to voters; the matcher never sees PINs or names).

Exact 1:N is a blocked matrix product (float32, NumPy/BLAS) followed by a partial sort: for a
station's list (a few thousand rows) it is well under a millisecond per probe; over a national
gallery (millions of rows) it is bounded by reading the gallery from memory once per batch of
probes, so probes should be searched in batches.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]
_SCORE_CELLS = 1 << 24  # default score block: 64 MiB of float32


@dataclass(frozen=True)
class Verification:
    """Outcome of a 1:1 comparison: the score and whether it reaches the threshold."""

    score: float
    match: bool


def verify(probe: F32, reference: F32, threshold: float) -> Verification:
    """1:1: compare a probe with the claimed person's template; ``match`` iff
    ``score >= threshold``."""
    score = float(np.dot(np.asarray(probe, np.float32), np.asarray(reference, np.float32)))
    return Verification(score, score >= threshold)


@dataclass(frozen=True)
class Candidates:
    """Top-k gallery rows per probe, best first: ``rows[p, r]`` with ``scores[p, r]``.
    Where the gallery has fewer than ``k`` rows the list is shorter."""

    rows: I64
    scores: F32

    def decisions(self, threshold: float) -> I64:
        """Best row per probe if it scores ``>= threshold``, else -1 (not on this list)."""
        if self.rows.shape[1] == 0:
            return np.full(len(self.rows), -1, dtype=np.int64)
        return np.where(self.scores[:, 0] >= threshold, self.rows[:, 0], -1).astype(np.int64)


def _top_k(scores: F32, k: int) -> tuple[I64, F32]:
    """Row-wise top-k of a score matrix, best first (ties: lower index first)."""
    n = scores.shape[1]
    k = min(k, n)
    if k == 0:
        return (np.empty((len(scores), 0), np.int64), np.empty((len(scores), 0), np.float32))
    if k == 1:
        best = scores.argmax(axis=1)[:, None]  # first (lowest) index among ties
        return best.astype(np.int64), np.take_along_axis(scores, best, axis=1)
    if k < n:
        part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    else:
        part = np.broadcast_to(np.arange(n), scores.shape).copy()
    vals = np.take_along_axis(scores, part, axis=1)
    order = np.lexsort((part, -vals), axis=1)
    rows = np.take_along_axis(part, order, axis=1).astype(np.int64)
    return rows, np.take_along_axis(vals, order, axis=1).astype(np.float32)


def identify(probes: F32, gallery: F32, k: int = 1, *, block: int | None = None) -> Candidates:
    """Exact 1:N: the ``k`` best gallery rows for each probe (a ``p x dim`` matrix, or one
    ``dim`` vector), scanning the gallery in blocks of ``block`` rows (by default as many as
    keep the score block to about 2**24 cells: one pass, like ``argmax(gallery @ probe)``,
    for a single probe over a national gallery)."""
    q = np.atleast_2d(np.asarray(probes, dtype=np.float32))
    g = np.asarray(gallery, dtype=np.float32)
    if block is None:
        block = max(4096, _SCORE_CELLS // max(1, len(q)))
    best_rows: I64 | None = None
    best_scores: F32 | None = None
    for s in range(0, len(g), block):
        rows, scores = _top_k(q @ g[s:s + block].T, k)
        rows = rows + s
        if best_rows is None or best_scores is None:
            best_rows, best_scores = rows, scores
        else:
            all_rows = np.concatenate([best_rows, rows], axis=1)
            all_scores = np.concatenate([best_scores, scores], axis=1)
            pick, best_scores = _top_k(all_scores, k)
            best_rows = np.take_along_axis(all_rows, pick, axis=1)
    if best_rows is None or best_scores is None:
        return Candidates(np.empty((len(q), 0), np.int64), np.empty((len(q), 0), np.float32))
    return Candidates(best_rows, best_scores)
