"""Operating thresholds and modalities, as pure values. The figures that justify each
threshold are measured by `shailoo biometrics evaluate` and `benchmarks/` on the synthetic
model (docs/operators/12-biometrics.md); a deployment with a vendor matcher sets its own."""

from __future__ import annotations

from dataclasses import dataclass

MODALITIES = (*(f"finger{i}" for i in range(1, 11)), "face")


@dataclass(frozen=True)
class Thresholds:
    """Scores at or above which two templates are taken for the same person.

    verify: 1:1 (FMR 1e-4 on the synthetic model); station: 1:N within one station's list of
    up to a few thousand (FPIR about 1e-4 there); national: 1:N over the whole register;
    dedup: national de-duplication (no false pair expected among all pairs of 3.7 million;
    ``synthetic.DEDUP_THRESHOLD``, whose docstring explains why 0.62 leaves no margin).
    """

    verify: float = 0.32
    station: float = 0.45
    national: float = 0.55
    dedup: float = 0.67


def modality_problem(modality: str) -> str | None:
    """Why a modality name is not accepted, or None."""
    if modality not in MODALITIES:
        return f"modality must be one of finger1..finger10 or face, not {modality!r}"
    return None
