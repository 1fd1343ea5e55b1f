"""Accuracy of a matcher, from its scores: FMR/FNMR (1:1), FPIR/FNIR (1:N), DET points and
the operating threshold for a target false match rate.

Scores are "higher is more alike" and a comparison matches when ``score >= threshold``.
Definitions follow ISO/IEC 19795-1 and NIST's FpVTE/FRVT reports:

* FMR(t): share of impostor comparisons with score >= t; FNMR(t): share of genuine ones < t.
* FPIR(t): share of non-mated searches (the person is not enrolled) returning any candidate with
  score >= t; FNIR(t): share of mated searches whose mate is not returned with score >= t
  among the candidates examined (rank <= R: pass ``-inf`` for a mate outside the list).

Pure functions over NumPy arrays; no drawing here (a PNG of the DET curve is left to a caller
with a plotting library).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from shailoo.biometrics.matching import Candidates

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
Scores = npt.ArrayLike


def _sorted(scores: Scores, name: str) -> F64:
    a = np.sort(np.asarray(scores, dtype=np.float64).ravel())
    if not len(a):
        raise ValueError(f"{name}: no scores")
    if np.isnan(a).any():
        raise ValueError(f"{name}: NaN score")
    return a


def share_at_or_above(scores: Scores, thresholds: Scores, name: str = "scores") -> F64:
    """Share of ``scores`` that are ``>= t`` for each threshold ``t``."""
    a = _sorted(scores, name)
    t = np.asarray(thresholds, dtype=np.float64)
    return (len(a) - np.searchsorted(a, t, side="left")) / len(a)


def share_below(scores: Scores, thresholds: Scores, name: str = "scores") -> F64:
    """Share of ``scores`` that are ``< t`` for each threshold ``t``."""
    a = _sorted(scores, name)
    t = np.asarray(thresholds, dtype=np.float64)
    return np.searchsorted(a, t, side="left") / len(a)


@dataclass(frozen=True)
class ErrorRates:
    """Error rates at each threshold (parallel arrays, thresholds ascending)."""

    thresholds: F64
    false_match: F64  # FMR, or FPIR for 1:N
    false_non_match: F64  # FNMR, or FNIR for 1:N


def verification_rates(genuine: Scores, impostor: Scores, thresholds: Scores) -> ErrorRates:
    """FMR and FNMR at each threshold."""
    t = np.sort(np.asarray(thresholds, dtype=np.float64))
    fmr = share_at_or_above(impostor, t, "impostor")
    return ErrorRates(t, fmr, share_below(genuine, t, "genuine"))


def identification_rates(mated: Scores, non_mated_top: Scores,
                         thresholds: Scores) -> ErrorRates:
    """FPIR and FNIR at each threshold. ``mated``: per mated search, the score of the mate
    if it is on the candidate list, else ``-inf``; ``non_mated_top``: per non-mated search,
    its best candidate's score (``-inf`` for an empty list)."""
    t = np.sort(np.asarray(thresholds, dtype=np.float64))
    fpir = share_at_or_above(non_mated_top, t, "non_mated_top")
    return ErrorRates(t, fpir, share_below(mated, t, "mated"))


def mate_scores(candidates: Candidates, mate: I64) -> F64:
    """Per search, the score of row ``mate[p]`` on its candidate list, or ``-inf`` when the mate
    is not on the list (or ``mate[p] < 0``, a non-mated search)."""
    m = np.asarray(mate, dtype=np.int64)
    hit = candidates.rows == m[:, None]
    found = hit.any(axis=1) & (m >= 0)
    first = hit.argmax(axis=1)
    s = candidates.scores[np.arange(len(m)), first].astype(np.float64) if hit.shape[1] else \
        np.zeros(len(m))
    return np.where(found, s, -np.inf)


def top_scores(candidates: Candidates) -> F64:
    """Per search, its best candidate's score (``-inf`` for an empty list)."""
    if candidates.scores.shape[1] == 0:
        return np.full(len(candidates.scores), -np.inf)
    return candidates.scores[:, 0].astype(np.float64)


def threshold_for_fmr(impostor: Scores, target: float) -> float:
    """The lowest threshold whose FMR on these impostor scores is ``<= target``."""
    if not 0.0 <= target <= 1.0:
        raise ValueError("target: must be between 0 and 1")
    desc = _sorted(impostor, "impostor")[::-1]
    allowed = int(np.floor(target * len(desc) + 1e-9))
    if allowed >= len(desc):
        return float(desc[-1])
    return float(np.nextafter(desc[allowed], np.inf))


def det_points(genuine: Scores, impostor: Scores, points: int = 200) -> ErrorRates:
    """Points of the DET curve (FMR against FNMR) at ``points`` thresholds spread over the
    score quantiles, plus every threshold where FMR falls to 0 on a tail point."""
    g = _sorted(genuine, "genuine")
    i = _sorted(impostor, "impostor")
    q = np.linspace(0.0, 1.0, points)
    t = np.unique(np.concatenate([np.quantile(g, q), np.quantile(i, q),
                                  np.nextafter(i[-1:], np.inf)]))
    return verification_rates(g, i, t)


def rate_at(rates: ErrorRates, threshold: float) -> tuple[float, float]:
    """(false match, false non-match) at the highest listed threshold ``<= threshold``."""
    k = int(np.searchsorted(rates.thresholds, threshold, side="right")) - 1
    if k < 0:
        raise ValueError("threshold: below every listed threshold")
    return float(rates.false_match[k]), float(rates.false_non_match[k])
