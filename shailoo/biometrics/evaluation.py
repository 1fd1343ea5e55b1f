"""Accuracy measured: FMR/FNMR over thresholds (1:1), FPIR/FNIR (1:N), the DET curve as a
PNG, on the synthetic model or on any supplied template set (``.npz`` with ``gallery``,
``probes`` and ``mate``: the gallery row of each probe's person, -1 when not enrolled)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from shailoo.biometrics import accuracy, matching, synthetic
from shailoo.biometrics.thresholds import Thresholds
from shailoo.errors import InvalidInput

F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Evaluation:
    """Error rates at the operating thresholds and the DET curve's points."""

    source: str
    genuine: int
    impostor: int
    gallery: int
    mated_searches: int
    non_mated_searches: int
    verify_threshold: float
    fmr: float
    fnmr: float
    identify_threshold: float  # the national 1:N threshold
    fpir: float
    fnir: float
    station_threshold: float  # 1:N within a station's list
    station_fpir: float
    station_fnir: float
    genuine_mean: float
    impostor_mean: float
    impostor_sd: float
    impostor_max: float
    det_thresholds: list[float]
    det_fmr: list[float]
    det_fnmr: list[float]


def _evaluate(source: str, genuine: F32, impostor: F32, gallery: F32, probes: F32,
              mate: I64, thresholds: Thresholds) -> Evaluation:
    fmr, fnmr = accuracy.rate_at(accuracy.verification_rates(
        genuine, impostor, [thresholds.verify]), thresholds.verify)
    found = matching.identify(probes, gallery, k=1)
    mated = mate >= 0
    id_rates = accuracy.identification_rates(
        accuracy.mate_scores(found, mate)[mated], accuracy.top_scores(found)[~mated],
        [thresholds.station, thresholds.national])
    fpir, fnir = accuracy.rate_at(id_rates, thresholds.national)
    station_fpir, station_fnir = accuracy.rate_at(id_rates, thresholds.station)
    det = accuracy.det_points(genuine, impostor)
    return Evaluation(
        source, len(genuine), len(impostor), len(gallery), int(mated.sum()),
        int((~mated).sum()), thresholds.verify, fmr, fnmr, thresholds.national, fpir, fnir,
        thresholds.station, station_fpir, station_fnir,
        float(np.mean(genuine)), float(np.mean(impostor)), float(np.std(impostor)),
        float(np.max(impostor)), [float(t) for t in det.thresholds],
        [float(v) for v in det.false_match], [float(v) for v in det.false_non_match])


def evaluate_synthetic(genuine: int = 20_000, impostor: int = 1_000_000,
                       gallery: int = 100_000, searches: int = 2_000, seed: int = 0,
                       thresholds: Thresholds = Thresholds()) -> Evaluation:
    """The synthetic model's error rates (sizes and seed as given)."""
    gen, imp = synthetic.score_samples(genuine, impostor, seed=seed + 2)
    enrolled = synthetic.enrolment_set(gallery, 0, seed=seed, keep_latent=True)
    mated = min(searches // 2, gallery)  # distinct enrolled persons
    probe = synthetic.probes(enrolled, mated, searches - mated, seed=seed + 1)
    return _evaluate(f"synthetic (seed {seed})", gen, imp, enrolled.templates,
                     probe.templates, probe.mate, thresholds)


def evaluate_file(path: Path, impostor_per_probe: int = 200, seed: int = 0,
                  thresholds: Thresholds = Thresholds()) -> Evaluation:
    """Error rates of a supplied set: genuine scores are each mated probe against its
    mate; impostor scores each probe against random other gallery rows."""
    try:
        data = np.load(path)
        if not isinstance(data, np.lib.npyio.NpzFile):  # a single .npy array
            raise ValueError("not an .npz archive")
        with data:
            gallery = np.asarray(data["gallery"], dtype=np.float32)
            probes = np.asarray(data["probes"], dtype=np.float32)
            mate = np.asarray(data["mate"], dtype=np.int64)
    except (OSError, KeyError, ValueError, TypeError, EOFError) as exc:
        raise InvalidInput("biometrics.bad_template_set",
                           f"{path}: need an .npz with gallery, probes and mate ({exc})"
                           ) from None
    if gallery.ndim != 2 or probes.ndim != 2 or mate.ndim != 1 or \
            gallery.shape[1] != probes.shape[1] or len(mate) != len(probes) or \
            mate.max(initial=-1) >= len(gallery) or mate.min(initial=-1) < -1:
        raise InvalidInput("biometrics.bad_template_set",
                           f"{path}: gallery and probes must be matrices of one width and "
                           f"mate a gallery row (or -1) per probe")
    if len(gallery) < 2 or not (mate >= 0).any() or (mate >= 0).all() or \
            not np.isfinite(gallery).all() or not np.isfinite(probes).all():
        raise InvalidInput("biometrics.bad_template_set",
                           f"{path}: need at least two gallery rows, a mated and a non-mated "
                           f"probe (FNIR and FPIR) and finite values")
    mated = mate >= 0
    genuine = np.einsum("ij,ij->i", probes[mated], gallery[mate[mated]]).astype(np.float32)
    rng = np.random.default_rng(seed)
    others = rng.integers(0, len(gallery), size=(len(probes), impostor_per_probe))
    keep = others != mate[:, None]
    impostor = np.einsum("pkd,pd->pk", gallery[others], probes)[keep].astype(np.float32)
    return _evaluate(str(path), genuine, impostor, gallery, probes, mate, thresholds)


def write_report(evaluation: Evaluation, out: Path) -> list[Path]:
    """DIR/det.png (the DET curve, log-log, operating point marked), DIR/det.csv and
    DIR/summary.json."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    fmr, fnmr = np.array(evaluation.det_fmr), np.array(evaluation.det_fnmr)
    shown = (fmr > 0) & (fnmr > 0)  # a zero rate has no place on log axes
    figure, axes = plt.subplots(figsize=(6, 5), dpi=100)
    axes.loglog(fmr[shown], fnmr[shown], label="DET (1:1)")
    axes.scatter([max(evaluation.fmr, 1e-9)], [max(evaluation.fnmr, 1e-9)], color="red",
                 zorder=3, label=f"operating threshold {evaluation.verify_threshold}")
    axes.set_xlabel("false match rate (FMR)")
    axes.set_ylabel("false non-match rate (FNMR)")
    axes.set_title(f"DET: {evaluation.source}")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    figure.tight_layout()
    png = out / "det.png"
    figure.savefig(png)
    plt.close(figure)
    csv = out / "det.csv"
    csv.write_text("threshold,fmr,fnmr\n" + "".join(
        f"{t},{a},{b}\n" for t, a, b in zip(evaluation.det_thresholds, evaluation.det_fmr,
                                             evaluation.det_fnmr, strict=True)),
        encoding="utf-8")
    summary = out / "summary.json"
    data = {k: v for k, v in asdict(evaluation).items() if not k.startswith("det_")}
    summary.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return [png, csv, summary]
