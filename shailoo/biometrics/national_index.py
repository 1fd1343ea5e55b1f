"""Approximate national 1:N identification on faiss-cpu.

The whole gallery is ranked from short codes, then a shortlist is scored exactly:

1. **Rank.** A 4-bit product-quantisation fast-scan index (faiss ``IndexPQFastScan``, inner
   product; André et al., "Accelerated nearest neighbor search with Quick ADC", ICMR 2017)
   holds each template as ``subquantizers / 2`` bytes (16 bytes for 128-d at the default 32
   sub-quantisers: 59 MB for 3.7 million templates, against 1.9 GB of float32). One search
   reads those codes with in-register look-up tables, so it is bounded by a sixteenth of the
   memory traffic of an exact scan.
2. **Re-score.** The ``shortlist`` best rows by approximate score are scored exactly from the
   gallery's float32 rows (no copy of the gallery is kept: the index refers to the caller's
   matrix), and the ``k`` best are returned with their exact scores.

So every reported score is exact and a reported match is never worse than the threshold says;
the approximation is only that a mate ranked below the shortlist by its code is missed. The
recall against exact search is measured (``benchmarks/biometrics_identify.py``, tests), not
assumed. A gallery no larger than the shortlist (or than 624 rows, too few to train the codes)
is searched exactly.

Pure computation: no I/O, no clock; training samples come from ``PqParams.seed``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import faiss
import numpy as np
import numpy.typing as npt

from shailoo.biometrics.matching import Candidates, identify

F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]
_RESCORE_CELLS = 1 << 22  # gathered float32 cells re-scored at once (16 MiB)
_MIN_CODED = 39 * 16  # fewer rows cannot train 16 centroids per sub-space well: exact


@dataclass(frozen=True)
class PqParams:
    """Settings of the national index.

    ``subquantizers``: code length in half-bytes (must divide the template dimension);
    ``shortlist``: rows re-scored exactly per probe; ``train_rows``: sample the quantiser is
    trained on; ``seed``: which sample and the k-means start."""

    subquantizers: int = 32
    shortlist: int = 256
    train_rows: int = 100_000
    seed: int = 0


@dataclass
class NationalIndex:
    """Product-quantisation ranking plus exact re-scoring over ``templates`` (kept by
    reference; row ``r`` is reference ``r``)."""

    templates: F32
    params: PqParams = field(default_factory=PqParams)
    _codes: faiss.IndexPQFastScan | None = field(init=False, repr=False, default=None)

    def __post_init__(self) -> None:
        self.templates = np.ascontiguousarray(self.templates, dtype=np.float32)
        n, dim = self.templates.shape
        if n <= max(self.params.shortlist, _MIN_CODED):
            return  # exact: the shortlist would be (nearly) everything
        if dim % self.params.subquantizers:
            raise ValueError(f"template dimension {dim} is not a multiple of "
                             f"{self.params.subquantizers} sub-quantisers")
        codes = faiss.IndexPQFastScan(dim, self.params.subquantizers, 4,
                                      faiss.METRIC_INNER_PRODUCT)
        codes.pq.cp.seed = self.params.seed
        rng = np.random.default_rng(self.params.seed)
        sample = self.templates if n <= self.params.train_rows else \
            self.templates[np.sort(rng.choice(n, self.params.train_rows, replace=False))]
        codes.train(sample)
        codes.add(self.templates)
        self._codes = codes

    def __len__(self) -> int:
        return len(self.templates)

    @property
    def code_bytes(self) -> int:
        """Memory held by the codes (the gallery itself is the caller's)."""
        return 0 if self._codes is None else len(self) * self.params.subquantizers // 2

    def identify(self, probes: F32, k: int = 1, *, shortlist: int | None = None
                 ) -> Candidates:
        """Approximate 1:N: the ``k`` best rows among each probe's ``shortlist`` (default
        ``params.shortlist``, at least ``k``) by code, best first, with exact scores (ties:
        lower row first)."""
        q = np.ascontiguousarray(np.atleast_2d(np.asarray(probes, dtype=np.float32)))
        if self._codes is None or not len(q):
            return identify(q, self.templates, k=k)
        size = min(len(self), max(k, self.params.shortlist if shortlist is None
                                  else shortlist))
        _, found = self._codes.search(q, size)
        rows = np.sort(found.astype(np.int64), axis=1)  # ties resolve to the lower row
        k = min(k, size)
        out_rows = np.empty((len(q), k), dtype=np.int64)
        out_scores = np.empty((len(q), k), dtype=np.float32)
        step = max(1, _RESCORE_CELLS // (size * q.shape[1]))
        for a in range(0, len(q), step):
            cand = rows[a:a + step]
            scores = np.einsum("psd,pd->ps", self.templates[np.maximum(cand, 0)],
                               q[a:a + step])
            scores[cand < 0] = -np.inf  # faiss pads with -1 when a probe has fewer rows
            pick = np.argsort(-scores, axis=1, kind="stable")[:, :k]
            out_rows[a:a + step] = np.take_along_axis(cand, pick, axis=1)
            out_scores[a:a + step] = np.take_along_axis(scores, pick, axis=1)
        return Candidates(out_rows, out_scores)
